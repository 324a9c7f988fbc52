import FieldClient
import Foundation
import GRDB
import SyncCore
import Testing

@Suite("Data-set generator")
struct DataSetGeneratorTests {
    /// Applies a generated data set to a fresh in-memory replica.
    static func load(_ generator: DataSetGenerator, batchSize: Int = 5_000) throws -> (ReplicaStore, DataSetSummary) {
        let store = try ReplicaStore.inMemory(ReplicaID("hqtest")!, wallClock: ManualWallClock(milliseconds: at("2026-01-01")), schema: .civic)
        let summary = try store.load(generator, batchSize: batchSize)
        return (store, summary)
    }

    @Test func sameSeedSameDataSameDigest() throws {
        let generator = DataSetGenerator(seed: 42, scale: 0.05)
        let first = try generator.operations()
        #expect(first == (try generator.operations()))
        #expect(Set(first.map(\.id)).count == first.count)
        // The batch size only cuts the same stream differently.
        var rebatched: [SyncOperation] = []
        try generator.generate(batchSize: 777) { rebatched += $0 }
        #expect(rebatched == first)
        // Applied twice, loaded in generation order (many batches through the load pipeline)
        // and applied reversed in one go: the same replica digest.
        let (a, summary) = try Self.load(generator, batchSize: 700)
        #expect(summary.operations == first.count)
        let c = try ReplicaStore.inMemory(ReplicaID("other")!, wallClock: ManualWallClock(milliseconds: at("2026-01-01")), schema: .civic)
        try c.apply(first.reversed())
        #expect(try c.stateDigest() == (try a.stateDigest()))
        // Another seed, another data set.
        #expect(try DataSetGenerator(seed: 43, scale: 0.05).operations() != first)
    }

    /// The default scale, generated without applying: a dozen branches and about a thousand monitors.
    @Test func defaultScaleIsShapedLikeTheCaseStudy() throws {
        var kinds: [String: Int] = [:]
        var branches = Set<String>()
        var replicas = Set<String>()
        var count = 0
        let summary = try DataSetGenerator(seed: 1).generate { batch in
            count += batch.count
            for op in batch {
                replicas.insert(op.id.replica.rawValue)
                if op.entity == .member && op.field == "kind", let kind = op.value.stringValue { kinds[kind, default: 0] += 1 }
                if op.entity == .case && op.field == "branch", let branch = op.value.stringValue { branches.insert(branch) }
            }
        }
        #expect(count == summary.operations)
        #expect((40_000...200_000).contains(summary.operations), "\(summary.operations) operations")
        #expect(branches.count == 12 && summary.branches == 12 && replicas.count == 13)
        let monitors = (kinds["external-monitor"] ?? 0) + (kinds["internal-monitor"] ?? 0)
        #expect((950...1_050).contains(monitors), "\(monitors) monitors")
        #expect((kinds["internal-monitor"] ?? 0) == 60)
        #expect(summary.cases > 2_000 && summary.consultations > 4_000 && summary.motions > 500)
    }

    /// A small applied data set: the reports show what the case study describes.
    @Test func reportsOnAGeneratedDataSet() throws {
        let (store, summary) = try Self.load(DataSetGenerator(seed: 5, scale: 0.2))
        let reports = HQReports(period: .year(2025), now: at("2026-01-01"))
        let bundle = try store.writer.read { db in try reports.all(db) }
        #expect(bundle.breakdown.byArea.count == 5 && bundle.breakdown.byArea.allSatisfy { $0.count > 0 })
        #expect(Set(bundle.breakdown.byBranch.map(\.key)) == Set(DataSetGenerator.branches))
        #expect(bundle.tasks.total.count == summary.casesInYear)
        #expect((bundle.tasks.total.changePercent ?? 0) > 100)               // the pilot year had about a third
        let external = bundle.sources.rows.first { $0.key == "external-monitor" }!
        #expect((2.0...15.0).contains(external.percent ?? 0))
        #expect(bundle.sources.rows.allSatisfy { $0.count > 0 })
        // Reply rate rising: about 80% in the first quarter, 95%+ afterwards.
        let quarters = bundle.replies.byPeriod.map { $0.percent ?? 0 }
        #expect((70...88).contains(quarters[0]) && quarters[1] > 93 && quarters[2] > 93, "\(quarters)")
        #expect(bundle.stepTimes.rows.allSatisfy { $0.cases > 0 && ($0.medianDays ?? 0) > 0 })
        #expect((bundle.reportedBack.all.percent ?? 0) > 80)
        #expect(bundle.points.leaderboard.count == 20 && bundle.points.monthly.count == 12)
        #expect(bundle.divisions.best != nil && bundle.divisions.worst != nil)
        #expect(bundle.budget.rows.count > 50 && bundle.budget.rows.first?.budgetPriority == 1)
        // The generated state has no conflicts and every motion's case exists.
        let counts = try store.writer.read { db in
            try ["SELECT count(*) FROM conflicts", "SELECT count(*) FROM motions WHERE case_id NOT IN (SELECT id FROM cases)",
                 "SELECT count(*) FROM cases WHERE ref IS NULL"].map { try Int.fetchOne(db, sql: $0) ?? -1 }
        }
        #expect(counts == [0, 0, 0])
    }

    @Test func parametersAreChecked() {
        #expect(throws: SyncError.self) { try DataSetGenerator(scale: 0).validate() }
        #expect(throws: SyncError.self) { try DataSetGenerator(scale: .nan).validate() }
        #expect(throws: SyncError.self) { try DataSetGenerator(year: 1900).validate() }
    }
}
