import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SyncCore
import SyncServer
import Testing

/// `GET /v1/reports/{name}`: who may read it, its parameters, and its figures on the
/// hand-checked `ReportFixture`, as JSON and as CSV.
@Suite("HQ report routes")
struct ReportRouteTests {
    @Test("reports need a token (401) and an HQ one (403 for branch staff and monitors)", arguments: StoreKind.allCases)
    func access(_ store: StoreKind) async throws {
        let harness = try await ServerHarness(on: store)
        try await harness.test { client in
            let fixture = try await ReportFixture.seed(harness, client)
            let anonymous = try await client.get("/v1/reports/tasks")
            #expect(anonymous.status == 401 && errorCode(anonymous.body) == "missing_token")
            let wrong = try await client.get("/v1/reports/tasks", headers: client.headers(token: "cs_nope_nope"))
            #expect(wrong.status == 401 && errorCode(wrong.body) == "invalid_token")
            for member in ["s1", "m1"] {
                for uri in ["/v1/reports", "/v1/reports/tasks", "/v1/reports/all?format=csv"] {
                    let refused = try await client.get(uri, headers: client.headers(token: fixture.token(member)))
                    #expect(refused.status == 403 && errorCode(refused.body) == "forbidden", "\(member) \(uri): \(refused.body)")
                }
            }
            let index = try await client.get("/v1/reports", headers: client.headers(token: fixture.token("hq")))
            #expect(index.status == 200)
            let names = try parseJSON(index.body).objectValue?["reports"]?.arrayValue?.compactMap(\.stringValue)
            #expect(names == HQReportName.allCases.map(\.rawValue) + ["all"])
        }
    }

    @Test("unknown reports are 404; bad periods, grains, formats and unknown parameters are 400", arguments: StoreKind.allCases)
    func parameters(_ store: StoreKind) async throws {
        let harness = try await ServerHarness(on: store)
        try await harness.test { client in
            let fixture = try await ReportFixture.seed(harness, client)
            let headers = client.headers(token: fixture.token("hq"))
            let unknown = try await client.get("/v1/reports/everything", headers: headers)
            #expect(unknown.status == 404 && errorCode(unknown.body) == "unknown_report")
            for (uri, code) in [("/v1/reports/tasks?period=2026-13", "invalid_parameter"), ("/v1/reports/tasks?period=march", "invalid_parameter"),
                                ("/v1/reports/tasks?grain=week", "invalid_parameter"), ("/v1/reports/tasks?format=xml", "invalid_parameter"),
                                ("/v1/reports/tasks?branch=%3Cb%3E", "invalid_parameter"), ("/v1/reports/points?limit=0", "invalid_parameter"),
                                ("/v1/reports/tasks?periode=2026", "unknown_parameter")] {
                let response = try await client.get(uri, headers: headers)
                #expect(response.status == 400 && errorCode(response.body) == code, "\(uri): \(response.body)")
            }
        }
    }

    @Test("tasks found: March 2026 has 5 against 2 a year before, +150.0%; Busan 3 against 1, +200.0%", arguments: StoreKind.allCases)
    func tasks(_ store: StoreKind) async throws {
        let harness = try await ServerHarness(on: store)
        try await harness.test { client in
            let fixture = try await ReportFixture.seed(harness, client)
            let headers = client.headers(token: fixture.token("hq"))
            let march = try await client.get("/v1/reports/tasks?period=2026-03", headers: headers)
            #expect(march.status == 200)
            #expect(march.headers[.contentType] == "application/json; charset=utf-8")
            let total = try parseJSON(march.body).objectValue?["total"]?.objectValue
            #expect(total?["count"] == .int(5) && total?["yearBefore"] == .int(2))
            #expect(march.body.contains("\"changePercent\" : 150"))
            let busan = try await client.get("/v1/reports/tasks?period=2026-03&branch=busan&format=csv", headers: headers)
            #expect(busan.status == 200)
            #expect(busan.body == "row,period,count,yearBefore,changePercent\r\ntotal,2026-03,3,1,200.0\r\nmonth,2026-03,3,1,200.0\r\n")
            #expect(busan.headers[.contentType] == "text/csv; charset=utf-8; header=present")
            #expect(busan.headers[.contentDisposition] == "attachment; filename=\"civicsync-tasks-2026-03-busan.csv\"")
            // A year, per quarter: Q1 has the five cases, the other quarters none on either side.
            let year = try await client.get("/v1/reports/tasks?period=2026&format=csv", headers: headers)
            #expect(year.body == """
                row,period,count,yearBefore,changePercent\r
                total,2026,5,2,150.0\r
                quarter,2026-Q1,5,2,150.0\r
                quarter,2026-Q2,0,0,\r
                quarter,2026-Q3,0,0,\r
                quarter,2026-Q4,0,0,\r

                """)
        }
    }

    @Test("CSV is chosen by Accept: text/csv too; sources are 1 of 5 each, 20.0%", arguments: StoreKind.allCases)
    func sourcesAsCSV(_ store: StoreKind) async throws {
        let harness = try await ServerHarness(on: store)
        try await harness.test { client in
            let fixture = try await ReportFixture.seed(harness, client)
            var headers = client.headers(token: fixture.token("hq"))
            headers[.accept] = "text/csv, */*;q=0.1"
            let response = try await client.get("/v1/reports/sources?period=2026-03", headers: headers)
            #expect(response.status == 200)
            #expect(try CSVTable.parse(response.body) == [
                ["source", "count", "percent"], ["external-monitor", "1", "20.0"], ["internal-monitor", "1", "20.0"],
                ["call-centre", "1", "20.0"], ["division", "1", "20.0"], ["workshop", "1", "20.0"],
            ])
            // ?format wins over Accept.
            let json = try await client.get("/v1/reports/sources?period=2026-03&format=json", headers: headers)
            #expect(json.headers[.contentType]?.hasPrefix("application/json") == true)
            #expect(try parseJSON(json.body).objectValue?["total"] == .int(5))
        }
    }

    @Test("reply rate in 2026-Q1: 3 of 4 answered (75.0%), Busan 2 of 3 (66.7%), Seoul 1 of 1", arguments: StoreKind.allCases)
    func replies(_ store: StoreKind) async throws {
        let harness = try await ServerHarness(on: store)
        try await harness.test { client in
            let fixture = try await ReportFixture.seed(harness, client)
            let response = try await client.get("/v1/reports/replies?period=2026-Q1&format=csv", headers: client.headers(token: fixture.token("hq")))
            let rows = try CSVTable.parse(response.body)
            #expect(rows.first == ["list", "key", "received", "answered", "percent", "averageDaysToAnswer"])
            #expect(rows.contains(["all", "all", "4", "3", "75.0", "1.0"]))
            #expect(rows.contains(["period", "2026-01", "1", "1", "100.0", "2.0"]))
            #expect(rows.contains(["period", "2026-03", "2", "1", "50.0", "0.0"]))
            #expect(rows.contains(["branch", "busan", "3", "2", "66.7", "1.5"]))
            #expect(rows.contains(["branch", "seoul", "1", "1", "100.0", "0.0"]))
        }
    }

    @Test("breakdown, points, divisions, budget and reported-back on the fixture", arguments: StoreKind.allCases)
    func others(_ store: StoreKind) async throws {
        let harness = try await ServerHarness(on: store)
        try await harness.test { client in
            let fixture = try await ReportFixture.seed(harness, client)
            let headers = client.headers(token: fixture.token("hq"))
            func csv(_ uri: String) async throws -> [[String]] {
                let response = try await client.get(uri, headers: headers)
                #expect(response.status == 200, "\(uri): \(response.body)")
                return try CSVTable.parse(response.body)
            }
            let breakdown = try await csv("/v1/reports/breakdown?period=2026-03&format=csv")
            #expect(breakdown.contains(["area", "goods", "", "3", "60.0"]))
            #expect(breakdown.contains(["area", "e-procurement", "", "1", "20.0"]))
            #expect(breakdown.contains(["status", "accepted", "", "2", "40.0"]))
            let points = try await csv("/v1/reports/points?period=2026&format=csv")
            #expect(points.filter { $0.first == "leaderboard" }.map { [$0[2], $0[3], $0[8]] } == [["1", "m3", "36"], ["2", "m1", "6"]])
            #expect(points.contains { $0.first == "best" && $0[1] == "2026-03" && $0[3] == "m3" })
            let divisions = try await csv("/v1/reports/divisions?period=2026&format=csv")
            #expect(divisions.first == ["list", "rank", "division", "member", "name", "kind", "branch", "points", "members", "findings",
                                        "solved", "mark"])
            #expect(divisions.filter { $0[0] == "division" }.map { [$0[2], $0[7], $0[9], $0[11]] }
                    == [["contracts", "36", "1", "best"], ["citizens", "6", "1", "worst"], ["(none)", "0", "3", ""]]) // s1's c5, c6, c7
            // People: staff (m3 is an internal monitor) apart from external monitors; hq is not ranked.
            #expect(divisions.dropFirst().filter { $0[0] != "division" } == [
                ["staff", "1", "contracts", "m3", "Cy Inspector", "internal-monitor", "busan", "36", "", "1", "0", "best"],
                ["staff", "2", "", "s1", "Busan Staff", "staff", "busan", "0", "", "3", "0", "worst"],
                ["external-monitor", "1", "citizens", "m1", "Ada Monitor", "external-monitor", "", "6", "", "1", "0", "best"],
                ["external-monitor", "2", "citizens", "m2", "Bo Monitor", "external-monitor", "", "0", "", "0", "0", "worst"],
            ])
            let budget = try await csv("/v1/reports/budget?period=2026&format=csv")
            #expect(budget.dropFirst().map { [$0[0], $0[1], $0[9]] } == [["1", "c5", "1"], ["2", "c4", "2"]])
            let back = try await csv("/v1/reports/reported-back?period=2026&format=csv")
            #expect(back.contains(["all", "2", "1", "50.0", "0.0"]))
            // `all` in CSV: every report's table after a `# name` line.
            let all = try await client.get("/v1/reports/all?period=2026&format=csv", headers: headers)
            for name in HQReportName.allCases { #expect(all.body.contains("# \(name.rawValue)\r\n")) }
        }
    }
}
