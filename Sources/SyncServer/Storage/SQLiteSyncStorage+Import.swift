import GRDB
import Foundation
import SyncCore

/// Loading operations into the server outside HTTP (the `syncserver generate` demo data set):
/// through the same merge core as a push, and with the same visibility grants, so branches and
/// monitors that sync afterwards receive exactly what they would have if it had been pushed.
/// No access rule is checked: this is the administrator writing to their own store.
extension SQLiteSyncStorage {
    /// Applies `operations` in one write transaction and grants visibility for what they
    /// touched. Idempotent (operations already stored are skipped). Returns how many were new.
    @discardableResult
    public func importOperations(_ operations: [SyncOperation]) throws -> Int {
        try importOperations(store.prepare(operations))
    }

    /// The same, for a batch already prepared (`ReplicaStore.prepare`).
    @discardableResult
    public func importOperations(_ batch: PreparedBatch) throws -> Int {
        try Self.wrap { try writer.write { db in try importOperations(batch, db) } }
    }

    /// Applies a prepared batch in the caller's transaction and grants visibility for what it
    /// touched: the one path of every operation into a server store (push, import, journal).
    func importOperations(_ batch: PreparedBatch, _ db: Database) throws -> Int {
        let result = try store.apply(batch, db)
        guard !result.applied.isEmpty else { return 0 }
        let grants = try refreshGrants(for: audienceChanges(batch.source, applied: result), seq: try maxSeq(db), db)
        try moveAudienceDigests(result.changes, grants: grants, db)
        return result.applied.count
    }

    /// Operations per transaction when loading a data set: large enough that the pages a batch
    /// dirties (log indexes, merge rows, grants, digest parts) are mostly shared with its
    /// neighbours, so each is written once for many operations (at scale 10, 50,000 took 0.88x
    /// to 0.95x the time of 20,000, and 20,000 0.7x the time of 5,000; 100,000 gained nothing
    /// measurable over 50,000 and holds more in memory).
    public static let loadBatchSize = 50_000

    /// Generates `generator`'s data set into the store, one transaction per batch. Two cores
    /// share the work: the next batch is generated and prepared on a thread of its own while
    /// this one is written, and the write-ahead log is copied into the file in the background
    /// (`WALCheckpointer`). `progress` is told the operations handled so far.
    @discardableResult
    public func load(_ generator: DataSetGenerator, batchSize: Int = SQLiteSyncStorage.loadBatchSize,
                     progress: (Int) -> Void = { _ in }) throws -> DataSetSummary {
        let checkpointer = try startBackgroundCheckpoints()
        defer { endBackgroundCheckpoints(checkpointer) }
        let store = self.store
        let pipeline = LoadPipeline<PreparedBatch, DataSetSummary>(capacity: 2) { put in
            try generator.generate(batchSize: batchSize) { batch in try put(try store.prepare(batch)) }
        }
        var handled = 0
        return try pipeline.drain { batch in
            // The previous batch's checkpoint must be done before this batch's transaction
            // starts, or SQLite cannot rewind the log and it grows by the whole load.
            checkpointer?.finish()
            try importOperations(batch)
            checkpointer?.checkpointSoon()
            handled += batch.count
            progress(handled)
        }
    }

    /// Turns the writer's own checkpoints off for a load, when the store is a file.
    private func startBackgroundCheckpoints() throws -> WALCheckpointer? {
        guard let pool = writer as? DatabasePool else { return nil }
        let checkpointer = try Self.wrap { try WALCheckpointer(path: pool.path) }
        try Self.wrap { try writer.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_autocheckpoint = 0") } }
        return checkpointer
    }

    /// Waits for the background checkpoint and gives the writer its own back (SQLite's default).
    private func endBackgroundCheckpoints(_ checkpointer: WALCheckpointer?) {
        guard let checkpointer else { return }
        checkpointer.finish()
        // Failing here leaves the log to the next checkpoint; the load itself is committed.
        try? writer.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 1000; PRAGMA wal_checkpoint(PASSIVE)")
        }
    }

    /// Operations in the server's log (0 for a fresh store).
    public func operationCount() throws -> Int {
        try Self.wrap { try writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM oplog") ?? 0 } }
    }
}
