import Foundation
import HTTPTypes
import HummingbirdTesting
import SyncCore
import SyncServer
import Testing

/// The issue's promise: the figures are the same whether computed on the server or on an HQ
/// replica that has synced. The server holds a generated data set (loaded beside HTTP, like
/// `syncserver generate`); an HQ replica pulls everything over HTTP; every report, for several
/// filters, is compared as text: the server's HTTP answer against SyncCore run on the replica.
@Suite("HQ reports: server equals synced HQ replica")
struct ReportParityTests {
    @Test("every report, JSON and CSV, for several periods and branches, byte for byte")
    func sameText() async throws {
        let harness = try ServerHarness()
        let summary = try harness.storage.load(DataSetGenerator(seed: 11, scale: 0.03, year: 2025), batchSize: 700)
        #expect(summary.cases > 20 && summary.consultations > 20)
        let token = try await harness.token("hq", .hq)
        let now = harness.clock.nowMilliseconds()
        let branch = DataSetGenerator.branches[1]
        try await harness.test { client in
            let replica = try ReplicaStore.inMemory(ReplicaID("hqr")!, wallClock: ManualWallClock(milliseconds: now), schema: .civic)
            let (operations, _) = try await client.pullAll(token, limit: 5_000)
            #expect(operations.count == summary.operations)
            try replica.apply(operations)
            let digest = try await client.digest(token)
            #expect(try replica.stateDigest() == digest.digest)

            let filters: [(query: String, reports: HQReports)] = [
                ("", HQReports(now: now)),
                ("period=2025", HQReports(period: .year(2025), now: now)),
                ("period=2025-Q2&branch=\(branch)", HQReports(period: .quarter(2025, 2), branch: branch, now: now)),
                ("period=2024-11&grain=month&limit=5&count=2",
                 HQReports(period: .month(2024, 11), grain: .month, now: now, leaderboardLimit: 5, bestCount: 2)),
            ]
            let headers = client.headers(token: token)
            for (query, reports) in filters {
                for name in HQReportName.allCases.map(Optional.some) + [nil] {
                    for format in HQReportFormat.allCases {
                        let uri = "/v1/reports/\(name?.rawValue ?? "all")?\(query)\(query.isEmpty ? "" : "&")format=\(format.rawValue)"
                        let served = try await client.get(uri, headers: headers)
                        #expect(served.status == 200, "\(uri): \(served.body.prefix(200))")
                        let local = try await replica.writer.read { db in try reports.render(name, as: format, db) }
                        #expect(served.body == local, "\(uri) differs from the HQ replica")
                    }
                }
            }
        }
    }
}
