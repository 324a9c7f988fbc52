import GRDB
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
        try Self.wrap {
            try writer.write { db in
                let result = try store.apply(operations, db)
                guard !result.applied.isEmpty else { return 0 }
                let grants = try refreshGrants(for: audienceChanges(operations, applied: result), seq: try maxSeq(db), db)
                try moveAudienceDigests(result.changes, grants: grants, db)
                return result.applied.count
            }
        }
    }

    /// Operations per transaction when loading a data set: large enough that the pages a batch
    /// dirties (log indexes, merge rows, grants, digest parts) are mostly shared with its
    /// neighbours, so each is written once for many operations (at scale 10, 20,000 loads in
    /// 0.7x the time of 5,000; 50,000 saves little more and holds more in memory).
    public static let loadBatchSize = 20_000

    /// Generates `generator`'s data set into the store, one transaction per batch.
    /// `progress` is told the operations handled so far.
    @discardableResult
    public func load(_ generator: DataSetGenerator, batchSize: Int = SQLiteSyncStorage.loadBatchSize,
                     progress: (Int) -> Void = { _ in }) throws -> DataSetSummary {
        var handled = 0
        return try generator.generate(batchSize: batchSize) { batch in
            try importOperations(batch)
            handled += batch.count
            progress(handled)
        }
    }

    /// Operations in the server's log (0 for a fresh store).
    public func operationCount() throws -> Int {
        try Self.wrap { try writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM oplog") ?? 0 } }
    }
}
