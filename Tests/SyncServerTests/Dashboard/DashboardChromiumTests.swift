import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SyncCore
import SyncServer
import Testing

/// The dashboard as a browser shows it: the real `syncserver` holding a generated data set
/// (`syncserver generate`), a one-time sign-in link, and headless Chromium following it (the
/// ticket sets the session cookie, the redirect lands on /dashboard). The key figures in the
/// rendered DOM must be those of the JSON report API.
@Suite("HQ dashboard in headless Chromium", .serialized)
struct DashboardChromiumTests {
    @Test("the dashboard renders the generated data set's key figures in Chromium",
          .enabled(if: Chromium.path != nil, "chromium is not installed (apt-get install chromium; .ci/run installs it)"),
          .timeLimit(.minutes(5)))
    func render() async throws {
        let directory = ServerHarness.temporaryDirectory("chromium")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let generated = try ServerProcess.run(["generate", "--data-dir", directory, "--seed", "5", "--scale", "0.25", "--json"])
        #expect(generated.status == 0, "\(generated.stderr)")
        let boot = try ServerProcess.run(["bootstrap", "--data-dir", directory, "--json"])
        let token = try #require((try parseJSON(boot.stdout)).objectValue?["token"]?.stringValue)
        let server = try await ServerProcess.Running(arguments: ["serve", "--data-dir", directory, "--port", "0", "--log-level", "warning"])
        defer { server.stop() }
        var headers = HTTPFields()
        headers[.authorization] = "Bearer \(token)"
        let bearer = headers

        // The figures, from the report API (the dashboard's default period: the latest year with cases).
        let (reports, path) = try await TestClient.withClient(host: "127.0.0.1", port: server.port) { client in
            let all = try await client.get("/v1/reports/all?period=2025", headers: bearer)
            #expect(all.status == .ok)
            let ticket = try await client.post("/v1/dashboard/ticket", headers: bearer, body: ByteBuffer())
            #expect(ticket.status == .ok)
            let path = try parseJSON(String(buffer: ticket.body ?? ByteBuffer())).objectValue?["path"]?.stringValue ?? ""
            return (Data(String(buffer: all.body ?? ByteBuffer()).utf8), path)
        }
        // Plain JSONSerialization: report figures have decimals, which JSONValue does not carry.
        let report = try #require(try JSONSerialization.jsonObject(with: reports) as? [String: Any])
        func object(_ name: String) -> [String: Any] { report[name] as? [String: Any] ?? [:] }
        let tasks = try #require((object("tasks")["total"] as? [String: Any])?["count"] as? Int)
        let sources = object("sources")["rows"] as? [[String: Any]] ?? []
        let externalPercent = try #require(sources.first { $0["key"] as? String == "external-monitor" }?["percent"] as? Double)
        let replyPercent = try #require((object("replies")["overall"] as? [String: Any])?["percent"] as? Double)
        let leader = try #require(((object("points")["leaderboard"] as? [[String: Any]])?.first)?["name"] as? String)
        let bestDivision = try #require((object("divisions")["best"] as? [String: Any])?["division"] as? String)
        let bestStaff = try #require(((object("divisions")["staff"] as? [String: Any])?["best"] as? [String: Any])?["name"] as? String)
        let bestMonitor = try #require(((object("divisions")["externalMonitors"] as? [String: Any])?["best"] as? [String: Any])?["name"] as? String)
        #expect(tasks > 100)

        let started = ContinuousClock.now
        let dom = try Chromium.run("http://127.0.0.1:\(server.port)\(path)", ["--dump-dom", "--window-size=1440,900"])
        let elapsed = ContinuousClock.now - started
        print("chromium rendered the dashboard in \(elapsed)")
        #expect(dom.contains("signed in as hq"), "Chromium did not get past the sign-in form: \(dom.prefix(600))")
        #expect(!dom.contains("name=\"token\""))
        #expect(dom.contains("id=\"kpi-tasks\">\(Self.grouped(tasks))<"))
        #expect(dom.contains("id=\"kpi-external-share\">\(String(format: "%.1f", externalPercent))%<"))
        #expect(dom.contains("id=\"kpi-reply-rate\">\(String(format: "%.1f", replyPercent))%<"))
        #expect(dom.contains(leader))
        #expect(dom.contains("\(bestDivision) <span class=\"badge best\">best</span>"))
        #expect(dom.contains("\(bestStaff) <span class=\"badge best\">best</span>"))
        #expect(dom.contains("\(bestMonitor) <span class=\"badge best\">best</span>"))
        #expect(dom.contains("<svg") && dom.contains("<polyline"))

        // The ticket was used up: the same link again shows only the sign-in form.
        let again = try Chromium.run("http://127.0.0.1:\(server.port)\(path)", ["--dump-dom"])
        #expect(again.contains("name=\"token\"") && !again.contains("id=\"kpi-tasks\""))
    }

    /// `12345` → `12,345`, as the dashboard writes counts.
    static func grouped(_ value: Int) -> String {
        let digits = String(value)
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out += "," }
            out.append(digit)
        }
        return out
    }
}
