import SyncCore
/// A seeded, realistic data set shaped like the case study, for demos, reports, the dashboard
/// and load tests: a dozen regional branches, about a thousand external and internal monitors
/// with divisions, outside experts and specialists, councils; two years of activity (a pilot
/// year at about a third of the volume, then the main year) with cases over the five areas
/// and the causes moving up the ladder to decisions, budget priorities and notifications,
/// meetings (weekly, councils, workshops) with confirmed attendance and debate subjects,
/// motions with votes, and consultations from the call centre and branch desks whose reply
/// rate improves from about 80% to 98% in the main year.
///
/// Deterministic: the same seed, scale and year give the same operations, byte for byte
/// (SplitMix64; no system clock, no system randomness). The operations carry ids and HLCs of
/// invented replicas (`gen_hq` and one per branch, e.g. `gen_bsn`) and authors that follow the
/// write rules (monitors write their own cases and debate subjects, staff the ladder, council
/// members their votes), so they can be applied to any replica or to the server's storage.
///
/// Volume: `scale` 1 gives about 120,000 operations; cases, consultations and monitors grow
/// linearly with it (scale 20 is about two million operations).
public struct DataSetGenerator: Sendable {
    public var seed: UInt64
    public var scale: Double
    /// The main year; the year before it is the pilot year.
    public var year: Int

    public init(seed: UInt64 = 1, scale: Double = 1, year: Int = 2025) {
        self.seed = seed
        self.scale = scale
        self.year = year
    }

    /// Checks the parameters (a scale of 0.01 to 1,000; a year from 1971 to 9998).
    public func validate() throws {
        guard scale.isFinite, scale >= 0.01, scale <= 1_000 else {
            throw SyncError(.invalidValue, "scale \(scale) is out of range; use 0.01 to 1000 (1 ≈ 120,000 operations)")
        }
        guard (1971...9998).contains(year) else {
            throw SyncError(.invalidValue, "year \(year) is out of range; use 1971 to 9998")
        }
    }

    /// The replicas the operations come from: headquarters first, then one per branch.
    public static let replicaIDs: [ReplicaID] = [ReplicaID("gen_hq")!]
        + DataSetVocabulary.branches.map { ReplicaID("gen_" + $0.code.lowercased())! }

    /// The branch ids of the data set.
    public static let branches: [String] = DataSetVocabulary.branches.map(\.id)

    /// Generates the data set, handing operations to `sink` in batches of about `batchSize`
    /// (each batch in generation order; a case's or a meeting's operations may span batches,
    /// which `ReplicaStore.apply` does not mind). Memory stays bounded by the batch size.
    @discardableResult
    public func generate(batchSize: Int = 5_000, into sink: ([SyncOperation]) throws -> Void) throws -> DataSetSummary {
        try validate()
        var run = DataSetRun(seed: seed, scale: scale, year: year)
        try run.run(batchSize: max(1, batchSize), sink)
        return run.summary
    }

    /// Every operation in one array (small scales, tests).
    public func operations() throws -> [SyncOperation] {
        var all: [SyncOperation] = []
        try generate { all += $0 }
        return all
    }
}
