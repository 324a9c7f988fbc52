import FieldClient
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SyncCore
import Testing

/// Issue 15, through `field` and `syncserver`: HQ types the case study's satisfaction scores
/// offline, Busan its own survey; after their syncs the server's report, an HQ replica's
/// report and the dashboard agree, Busan's survey stays out of Seoul's replica, and a
/// monitor's replica refuses to record one.
@Suite(.serialized) struct SatisfactionTests {
    struct Report: Decodable {
        struct Figure: Decodable { var period: String; var source: String; var branch: String?; var score: Double
            var comparedWith: String?; var change: Double? }
        var rows: [Figure]
        var latest: Figure?
    }

    @Test func surveysTypedOfflineReachEveryReportAndOnlyTheirAudience() async throws {
        let directory = try TemporaryDirectory()
        let server = ServerProcess(dataDirectory: directory.path("server"))
        let hqToken = try server.bootstrap(member: "hq1")
        let kimToken = try server.issueToken(member: "kim", role: "branch", branch: "busan")
        let parkToken = try server.issueToken(member: "park", role: "branch", branch: "seoul")
        let leeToken = try server.issueToken(member: "lee", role: "monitor")
        try server.start()
        defer { server.stop() }
        let hq = try joinedReplica(directory, server, member: "hq1", role: "hq", prefix: "HQ", token: hqToken)
        let busan = try joinedReplica(directory, server, member: "kim", role: "branch", branch: "busan", prefix: "BSN", token: kimToken)
        let seoul = try joinedReplica(directory, server, member: "park", role: "branch", branch: "seoul", prefix: "SEL", token: parkToken)
        let lee = try joinedReplica(directory, server, member: "lee", role: "monitor", prefix: "LEE", token: leeToken)

        // Offline: HQ types the outside institution's scores, Busan its own survey.
        for (period, score) in [("2003", "79.2"), ("2004", "77.8"), ("2005-Q1", "76.5")] {
            try field(["survey", "record", "--replica", hq, "--period", period, "--score", score, "--source", "outside-institution"])
        }
        try field(["survey", "record", "--replica", busan, "--period", "2005-Q1", "--score", "81.5", "--source", "own-survey",
                   "--respondents", "340"])
        let refused = try field(["survey", "record", "--replica", busan, "--period", "2005-Q1", "--score", "80", "--source", "own-survey",
                                 "--branch", "seoul"], expecting: 17)
        #expect(refused.stderr.contains("not filed under your branch 'busan'"), "\(refused.stderr)")
        let monitor = try field(["survey", "record", "--replica", lee, "--period", "2005", "--score", "90", "--source", "own-survey"],
                                expecting: 17)
        #expect(monitor.stderr.contains("cannot record satisfaction surveys"), "\(monitor.stderr)")
        // HQ's replica already has its figures before any sync.
        let offline = try json(Report.self, hq, ["report", "satisfaction"])
        #expect(offline.rows.map(\.change) == [nil, -1.4, -1.3])

        for replica in [hq, busan, hq, seoul, busan] { try field(["sync", "--replica", replica]) }

        // The HQ replica and the server compute the same figures from the same facts.
        let report = try json(Report.self, hq, ["report", "satisfaction", "--period", "2005"])
        #expect(report.rows.map(\.period) == ["2005-Q1", "2005-Q1"] && report.rows.map(\.branch) == [nil, "busan"])
        #expect(report.rows[0].comparedWith == "2004" && report.rows[0].change == -1.3 && report.latest?.score == 76.5)
        let transport = URLSessionTransport(baseURL: URL(string: server.baseURL)!, timeout: 10)
        let csv = try await transport.send(TransportRequest(method: "GET", path: "/v1/reports/satisfaction?period=2005&format=csv",
                                                            headers: ["Authorization": "Bearer \(hqToken)"]))
        #expect(csv.status == 200)
        #expect(String(decoding: csv.body, as: UTF8.self) == """
            period,source,branch,area,score,respondents,surveys,compared_with,previous_score,change\r
            2005-Q1,outside-institution,,,76.5,,1,2004,77.8,-1.3\r
            2005-Q1,own-survey,busan,,81.5,340,1,,,\r

            """)
        // Every branch sees the agency's score; only Busan its own survey.
        let seoulSurveys = try field(["survey", "list", "--replica", seoul, "--json"]).stdout
        #expect(seoulSurveys.contains("79.2") && !seoulSurveys.contains("81.5"), "\(seoulSurveys)")
        let busanSurveys = try field(["survey", "list", "--replica", busan, "--json"]).stdout
        #expect(busanSurveys.contains("81.5") && busanSurveys.contains("76.5"))

        // The dashboard draws the trend over every year, whatever period it shows.
        let dashboard = try await transport.send(TransportRequest(method: "GET", path: "/dashboard?period=2005",
                                                                  headers: ["Authorization": "Bearer \(hqToken)"]))
        let page = String(decoding: dashboard.body, as: UTF8.self)
        #expect(dashboard.status == 200 && page.contains("id=\"chart-satisfaction\""))
        #expect(page.contains("2003: 79.2 points") && page.contains("2005-Q1: 76.5 points, -1.3 on 2004"), "\(page.prefix(300))")
    }

    func json<T: Decodable>(_ type: T.Type, _ replica: String, _ arguments: [String]) throws -> T {
        let output = try field(arguments.prefix(2) + ["--replica", replica] + arguments.dropFirst(2) + ["--json"])
        return try JSONDecoder().decode(T.self, from: Data(output.stdout.utf8))
    }
}
