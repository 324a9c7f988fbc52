import SyncCore
import GRDB

/// Loading a generated data set into a replica (an HQ replica for demos, a test fixture).
extension ReplicaStore {
    /// Generates `generator`'s data set straight into this replica, one transaction per batch
    /// through `apply` (so the merge, the materialised tables and the digest are exactly what
    /// syncing the same operations would give). The next batch is generated and prepared on a
    /// thread of its own while this one is written. `progress` is told the operations applied
    /// so far.
    @discardableResult
    public func load(_ generator: DataSetGenerator, batchSize: Int = 5_000,
                     progress: (Int) -> Void = { _ in }) throws -> DataSetSummary {
        // A large data set outgrows SQLite's default page cache (about 8 MB) quickly; a bigger
        // cache for this connection keeps the indexes in memory while loading.
        try writer.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA cache_size = -262144") }
        let store = self
        let pipeline = LoadPipeline<PreparedBatch, DataSetSummary>(capacity: 2) { put in
            try generator.generate(batchSize: batchSize) { batch in try put(try store.prepare(batch)) }
        }
        var applied = 0
        return try pipeline.drain { batch in
            try apply(batch)
            applied += batch.count
            progress(applied)
        }
    }
}
