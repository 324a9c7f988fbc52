import FieldClient
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SyncCore
import Testing

/// Issue 15, through `field` and `syncserver`: HQ publishes an accepted reform offline; after
/// its sync the server's public page shows it, and withdrawing it takes it off. A branch's
/// replica refuses to publish at once.
@Suite(.serialized) struct PublicReformTests {
    @Test func hqPublishesAnAcceptedReformOfflineAndThePublicPageShowsIt() async throws {
        let directory = try TemporaryDirectory()
        let server = ServerProcess(dataDirectory: directory.path("server"))
        let hqToken = try server.bootstrap(member: "hq1")
        let kimToken = try server.issueToken(member: "kim", role: "branch", branch: "busan")
        try server.start()
        defer { server.stop() }
        let hq = directory.path("hq.replica"), busan = directory.path("busan.replica")
        try field(["init", "--replica", hq, "--member", "hq1", "--name", "HQ", "--role", "hq", "--prefix", "HQ"])
        try field(["remote", "set", "--replica", hq, "--server", server.baseURL, "--token", hqToken])
        try field(["init", "--replica", busan, "--member", "kim", "--name", "Kim", "--role", "branch", "--branch", "busan", "--prefix", "BSN"])
        try field(["remote", "set", "--replica", busan, "--server", server.baseURL, "--token", kimToken])

        let made = try field(["case", "create", "--replica", busan, "--title", "Bid bond refunds take 40 days", "--body", "Suppliers wait",
                              "--area", "goods", "--cause", "process", "--json"])
        let caseID = try #require(try JSONParser.parse(Array(made.stdout.utf8)).objectValue?["id"]?.stringValue)
        // Not decided yet: nothing to publish.
        try field(["sync", "--replica", busan])
        try field(["sync", "--replica", hq])
        let early = try field(["case", "publish", "--replica", hq, caseID, "--summary", "Refunds in 7 days"], expecting: 19)
        #expect(early.stderr.contains("only accepted or implemented reforms are published"), "\(early.stderr)")
        try field(["case", "decide", "--replica", busan, caseID, "accept", "--reason", "New refund rule"])
        // The branch may decide, but the public page is headquarters' decision.
        let refused = try field(["case", "publish", "--replica", busan, caseID, "--summary", "Refunds in 7 days"], expecting: 17)
        #expect(refused.stderr.contains("only headquarters may publish reforms"), "\(refused.stderr)")
        try field(["sync", "--replica", busan])
        try field(["sync", "--replica", hq])
        try field(["case", "publish", "--replica", hq, caseID, "--summary", "Bid bond refunds are now paid within 7 days"])
        #expect(try await Self.page(server).contains("Bid bond refunds take 40 days") == false, "published before HQ's sync")
        try field(["sync", "--replica", hq])
        let page = try await Self.page(server)
        #expect(page.contains("Bid bond refunds take 40 days") && page.contains("now paid within 7 days"), "\(page)")
        #expect(!page.contains("kim") && !page.contains("Kim") && !page.contains("BSN-"))
        #expect(try field(["case", "show", "--replica", busan, caseID]).stdout.contains("published:") == false)
        try field(["sync", "--replica", busan])
        #expect(try field(["case", "show", "--replica", busan, caseID]).stdout.contains("published:"))

        try field(["case", "unpublish", "--replica", hq, caseID])
        try field(["sync", "--replica", hq])
        #expect(try await Self.page(server).contains("No reform has been published yet."))
    }

    static func page(_ server: ServerProcess) async throws -> String {
        // A session without a cache, so every look is the server's page now.
        let session = URLSession(configuration: .ephemeral)
        var request = URLRequest(url: URL(string: "\(server.baseURL)/reforms")!)
        request.cachePolicy = .reloadIgnoringLocalCacheData
        let (data, response) = try await session.data(for: request)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        return String(decoding: data, as: UTF8.self)
    }
}
