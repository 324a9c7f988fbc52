import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SyncCore
import SyncServer
import Testing

/// Issue 15: the public reform page. Only what HQ published of accepted or implemented cases
/// appears, with nothing personal, without sign-in; only HQ may publish.
@Suite("public reform page", .serialized)
struct PublicReformsTests {
    /// Three cases by monitor m1 (named "Kim Min-ji"): accepted and published, accepted and
    /// not published, open with a forged publication; and a branch trying to publish.
    static func seed(_ harness: ServerHarness, _ client: some TestClientProtocol) async throws -> (hq: String, branch: String) {
        let hq = try await harness.token("hq", .hq)
        let busan = try await harness.token("kim-staff", .branch, branch: "busan")
        let device = try Device("hqr", member: "hq")
        var ops = try device.record([.set(.member, "m1", "name", .string("Kim Min-ji")), .set(.member, "m1", "kind", .string("external-monitor"))])
        ops += try device.record(World.caseWrites("cPub", submitter: "m1", branch: "busan", title: "Bid bond refunds within 7 days"))
        ops += try device.record([.raise(.case, "cPub", "step", to: 2), .reach(.case, "cPub", "accepted"),
                                  .set(.case, "cPub", "publishedOn", .string("2026-01-09")),
                                  .set(.case, "cPub", "publicTitle", .string("Bid bond refunds within 7 days")),
                                  .set(.case, "cPub", "publicSummary", .string("Refunds of bid bonds are now paid within 7 days, not 40. <script>alert(1)</script>"))])
        // Accepted on one replica and rejected on another, published meanwhile: not shown.
        ops += try device.record(World.caseWrites("cTorn", submitter: "m1", branch: "busan", title: "Torn decision"))
        ops += try device.record([.reach(.case, "cTorn", "accepted"), .reach(.case, "cTorn", "rejected"),
                                  .set(.case, "cTorn", "publishedOn", .string("2026-01-09")),
                                  .set(.case, "cTorn", "publicTitle", .string("Torn decision"))])
        ops += try device.record(World.caseWrites("cQuiet", submitter: "m1", branch: "busan", title: "Accepted but not published"))
        ops += try device.record([.reach(.case, "cQuiet", "accepted")])
        ops += try device.record(World.caseWrites("cOpen", submitter: "m1", branch: "busan", title: "Still open"))
        ops += try device.record([.set(.case, "cOpen", "publishedOn", .string("2026-01-09")),
                                  .set(.case, "cOpen", "publicTitle", .string("Still open"))])
        let pushed = try await client.push(hq, replica: "hqr", ops)
        #expect(pushed.rejected.isEmpty, "\(pushed.reasons)")
        return (hq, busan)
    }

    @Test("the page shows published accepted reforms only, names nobody, needs no token; a branch cannot publish")
    func page() async throws {
        let harness = try ServerHarness()
        try await harness.test { client in
            let (_, busan) = try await Self.seed(harness, client)
            let response = try await client.execute(uri: "/reforms", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("text/html") == true)
            let page = String(buffer: response.body)
            #expect(page.contains("Bid bond refunds within 7 days") && page.contains("now paid within 7 days, not 40."))
            #expect(page.contains("Practical Council") && page.contains("2026-01-09"))
            #expect(!page.contains("Accepted but not published") && !page.contains("Still open") && !page.contains("Torn decision"))
            #expect(!page.contains("<script>") && page.contains("&lt;script&gt;"))
            #expect(response.headers[.cacheControl] == "no-cache")
            #expect(!page.contains("Kim Min-ji") && !page.contains("busan") && !page.contains("REF-"))
            // Staff of the case's own branch may not publish it.
            let staff = try Device("br1", member: "kim-staff")
            let attempt = try staff.record([.set(.case, "cQuiet", "publishedOn", .string("2026-01-10"))])
            let refused = try await client.push(busan, replica: "br1", attempt)
            #expect(refused.rejected.values.contains("forbidden"), "\(refused.body)")
            #expect(refused.reasons.values.contains { $0.contains("headquarters' decision") })
            // Staff may still edit the case's own title: the page keeps HQ's.
            let edit = try staff.record([.set(.case, "cPub", "title", .string("Complaint by Kim Min-ji"))])
            #expect(try await client.push(busan, replica: "br1", edit).rejected.isEmpty)
            let again = String(buffer: try await client.execute(uri: "/reforms", method: .get).body)
            #expect(again.contains("Bid bond refunds within 7 days") && !again.contains("Kim Min-ji"))
        }
    }

    @Test("headless Chromium shows the published reform, and nothing personal",
          .enabled(if: Chromium.path != nil, "chromium is not installed (apt-get install chromium; .ci/run installs it)"),
          .timeLimit(.minutes(5)))
    func chromium() async throws {
        let harness = try ServerHarness()
        try await harness.test { client in _ = try await Self.seed(harness, client) }
        try await LiveServer.run(harness, configuration: ServerConfiguration(host: "127.0.0.1", port: 0)) { port in
            let dom = await blocking { (try? Chromium.run("http://127.0.0.1:\(port)/reforms", ["--dump-dom"])) ?? "" }
            #expect(dom.contains("<article class=\"reform\">"), "\(dom.prefix(400))")
            #expect(dom.contains("Bid bond refunds within 7 days") && dom.contains("Refunds of bid bonds are now paid within 7 days"))
            #expect(!dom.contains("Accepted but not published") && !dom.contains("Still open"))
            #expect(!dom.contains("Kim Min-ji") && !dom.contains("busan"))
            #expect(!dom.contains("<script") && !dom.contains("http://") && !dom.contains("https://"))
        }
    }
}
