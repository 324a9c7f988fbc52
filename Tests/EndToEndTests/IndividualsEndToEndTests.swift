import FieldClient
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SyncCore
import Testing

/// Issue 15, through `field` and `syncserver`: Busan's work, recorded offline and synced, ranks
/// its people at HQ: external monitors apart from staff and internal monitors, by points, tasks
/// found and tasks solved; the server's report is the HQ replica's.
@Suite(.serialized) struct IndividualsEndToEndTests {
    struct Report: Decodable {
        struct Row: Decodable { var rank: Int; var member: String; var points: Int; var findings: Int; var solved: Int }
        struct Ranking: Decodable { var rows: [Row]; var best: Row?; var worst: Row? }
        var staff: Ranking
        var externalMonitors: Ranking
    }

    @Test func theBestAndWorstPeopleOfABranchAreRankedApartAtHeadquarters() async throws {
        let directory = try TemporaryDirectory()
        let server = ServerProcess(dataDirectory: directory.path("server"))
        let hqToken = try server.bootstrap(member: "hq1")
        let kimToken = try server.issueToken(member: "kim", role: "branch", branch: "busan")
        try server.start()
        defer { server.stop() }
        let hq = try joinedReplica(directory, server, member: "hq1", role: "hq", prefix: "HQ", token: hqToken)
        let busan = try joinedReplica(directory, server, member: "kim", role: "branch", branch: "busan", prefix: "BSN", token: kimToken)

        // Offline at Busan: two outside monitors, an internal monitor and two more staff.
        for (id, kind, division) in [("lee", "external-monitor", nil), ("han", "external-monitor", nil),
                                     ("park", "internal-monitor", "contracts"), ("choi", "staff", "contracts"),
                                     ("yoon", "staff", "audit")] as [(String, String, String?)] {
            try field(["member", "add", "--replica", busan, "--id", id, "--name", id.capitalized, "--kind", kind, "--branch", "busan"]
                      + (division.map { ["--division", $0] } ?? []))
        }
        func create(_ submitter: String, _ title: String) throws -> String {
            let made = try field(["case", "create", "--replica", busan, "--title", title, "--body", "b", "--area", "goods",
                                  "--cause", "process", "--submitter", submitter, "--json"])
            return try #require(try JSONParser.parse(Array(made.stdout.utf8)).objectValue?["id"]?.stringValue)
        }
        // Lee: found one, examined (5 points) and accepted (20), solved by Choi.
        let c1 = try create("lee", "Bid bond refunds")
        try field(["case", "milestone", "--replica", busan, c1, "examined"])
        try field(["case", "decide", "--replica", busan, c1, "accept", "--reason", "new rule"])
        try field(["case", "edit", "--replica", busan, c1, "--assignee", "choi"])
        // Han: found one, examined (5). Park: found one, examined (5), assigned to Yoon, not solved.
        try field(["case", "milestone", "--replica", busan, try create("han", "Late payments"), "examined"])
        let c3 = try create("park", "Duplicate forms")
        try field(["case", "milestone", "--replica", busan, c3, "examined"])
        try field(["case", "edit", "--replica", busan, c3, "--assignee", "yoon"])
        try field(["sync", "--replica", busan])
        try field(["sync", "--replica", hq])

        let output = try field(["report", "divisions", "--replica", hq, "--json"]).stdout
        let report = try JSONDecoder().decode(Report.self, from: Data(output.utf8))
        // External monitors: Lee 25 points, Han 5; nobody else is an outside monitor.
        #expect(report.externalMonitors.rows.map(\.member) == ["lee", "han"])
        #expect(report.externalMonitors.rows.map(\.points) == [25, 5])
        #expect(report.externalMonitors.best?.member == "lee" && report.externalMonitors.worst?.member == "han")
        // Inside: Park (5 points, 1 found), Choi (1 solved), then Kim and Yoon with nothing (rank 3).
        #expect(report.staff.rows.map(\.member) == ["park", "choi", "kim", "yoon"])
        #expect(report.staff.rows.map(\.rank) == [1, 2, 3, 3])
        #expect(report.staff.rows.map(\.solved) == [0, 1, 0, 0] && report.staff.rows.map(\.findings) == [1, 0, 0, 0])
        #expect(report.staff.best?.member == "park" && report.staff.worst?.member == "yoon")
        // The server computes the same table from the same facts.
        let transport = URLSessionTransport(baseURL: URL(string: server.baseURL)!, timeout: 10)
        let response = try await transport.send(TransportRequest(method: "GET", path: "/v1/reports/divisions?format=csv",
                                                                 headers: ["Authorization": "Bearer \(hqToken)"]))
        #expect(response.status == 200)
        let local = try field(["report", "divisions", "--replica", hq, "--csv"]).stdout
        #expect(String(decoding: response.body, as: UTF8.self) == local)
        #expect(local.contains("external-monitor,1,,lee,Lee,external-monitor,busan,25,,1,0,best"), "\(local)")
    }
}
