import FieldClient
import Foundation
import SyncCore
import Testing

/// Issue 14 end to end: a branch types a week of facts late with `--on`, offline, through the
/// real `field` executable; it syncs with a real `syncserver` on 127.0.0.1, and headquarters'
/// reports (its own replica's and the server's) show the dates of record, not the day the facts
/// were typed. Real clocks throughout (the server refuses timestamps from the future), so the
/// dates are counted back from today.
@Suite(.serialized) struct DatesOfRecordEndToEndTests {
    struct Created: Decodable { var id: String; var ref: String? }
    struct Detail: Decodable {
        struct Milestone: Decodable { var milestone: String; var reachedOn: String }
        var milestones: [Milestone]
    }
    struct Steps: Decodable {
        struct Row: Decodable { var step: Int; var cases: Int; var medianDays: Double? }
        var rows: [Row]
    }
    struct ReportedBack: Decodable {
        struct Row: Decodable { var status: String; var closed: Int; var notified: Int; var averageDaysToNotify: Double? }
        var rows: [Row]
    }
    struct Entry: Decodable { var date: String; var criterion: String; var points: Int }

    /// `days` before today (UTC), `YYYY-MM-DD`.
    static func daysAgo(_ days: Int64) -> String {
        CivilDate(millisecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1000) - days * 86_400_000).description
    }

    @Test func factsTypedLateOfflineAreDatedByTheirDatesOfRecordAtHQ() async throws {
        let directory = try TemporaryDirectory()
        let server = ServerProcess(dataDirectory: directory.path("server"))
        let hqToken = try server.bootstrap(member: "hq1")
        let branchToken = try server.issueToken(member: "kim", role: "branch", branch: "busan")
        try server.start()
        defer { server.stop() }

        let hqPath = directory.path("hq.replica"), busanPath = directory.path("busan.replica")
        func field(_ path: String, _ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
            let result = try Binaries.run(Binaries.field, arguments + ["--replica", path])
            #expect(result.status == 0, "field \(arguments.joined(separator: " ")): \(result.stderr)", sourceLocation: sourceLocation)
            return result.stdout
        }
        func json<T: Decodable>(_ type: T.Type, _ path: String, _ arguments: [String],
                                sourceLocation: SourceLocation = #_sourceLocation) throws -> T {
            try JSONDecoder().decode(T.self, from: Data(field(path, arguments + ["--json"], sourceLocation: sourceLocation).utf8))
        }
        try field(hqPath, ["init", "--member", "hq1", "--name", "HQ", "--role", "hq", "--prefix", "HQ"])
        try field(hqPath, ["remote", "set", "--server", server.baseURL, "--token", hqToken])
        try field(busanPath, ["init", "--member", "kim", "--name", "Kim", "--role", "branch", "--branch", "busan", "--prefix", "BSN"])
        try field(busanPath, ["remote", "set", "--server", server.baseURL, "--token", branchToken])

        // Offline in Busan, a week's paperwork typed today: received, routed and examined last
        // week, decided six days ago, the submitter told three days ago.
        let (received, examined, decided, notified) = (Self.daysAgo(10), Self.daysAgo(8), Self.daysAgo(6), Self.daysAgo(3))
        try field(busanPath, ["member", "add", "--id", "lee", "--name", "Lee", "--kind", "external-monitor", "--branch", "busan"])
        let made = try json(Created.self, busanPath, ["case", "create", "--title", "Bid bond refunds", "--body", "40 days",
                                                      "--area", "goods", "--cause", "process", "--submitter", "lee",
                                                      "--reported-on", received])
        try field(busanPath, ["case", "route", made.id, "--on", received])
        try field(busanPath, ["case", "milestone", made.id, "examined", "--on", examined])
        try field(busanPath, ["case", "decide", made.id, "accept", "--reason", "Refund rule changed", "--on", decided])
        try field(busanPath, ["case", "milestone", made.id, "result-notified", "--on", notified])

        // Mistyped dates are refused in one line, and record nothing.
        let before = try field(busanPath, ["whoami", "--json"])
        for bad in ["2026-02-30", "tomorrow", Self.daysAgo(-2)] {
            let result = try Binaries.run(Binaries.field, ["case", "escalate", made.id, "--on", bad, "--replica", busanPath])
            #expect(result.status == 13, "--on \(bad): \(result.stderr)")
            #expect(result.stderr.hasPrefix("error: --on ") && result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        }
        #expect(try field(busanPath, ["whoami", "--json"]) == before)

        // Connectivity returns: Busan syncs, then headquarters.
        try field(busanPath, ["sync"])
        try field(hqPath, ["sync"])

        let detail = try json(Detail.self, hqPath, ["case", "show", made.id])
        #expect(detail.milestones.map(\.milestone) == ["examined", "accepted", "result-notified"])
        #expect(detail.milestones.map(\.reachedOn) == [examined, decided, notified])
        // Step 2 (practical council) from `received` to `decided`: 4 days, not the 10 to today.
        let steps = try json(Steps.self, hqPath, ["report", "step-times", "--period", "all"])
        #expect(steps.rows[1].step == 2 && steps.rows[1].cases == 1 && steps.rows[1].medianDays == 4.0)
        // Decided six days ago, notified three days ago: 3 days.
        let back = try json(ReportedBack.self, hqPath, ["report", "reported-back", "--period", "all"])
        #expect(back.rows[0].closed == 1 && back.rows[0].notified == 1 && back.rows[0].averageDaysToNotify == 3.0)
        // Lee's points fall on the days of the facts.
        let ledger = try json([Entry].self, hqPath, ["points", "ledger", "lee"])
        #expect(ledger.map(\.date) == [examined, decided] && ledger.map(\.points) == [5, 20])

        // The server computes the same report from the same facts.
        let transport = URLSessionTransport(baseURL: URL(string: server.baseURL)!, timeout: 10)
        let response = try await transport.send(TransportRequest(method: "GET", path: "/v1/reports/step-times?period=all",
                                                                  headers: ["Authorization": "Bearer \(hqToken)"]))
        #expect(response.status == 200)
        let served = try JSONDecoder().decode(Steps.self, from: response.body)
        #expect(served.rows[1].medianDays == 4.0)
    }
}
