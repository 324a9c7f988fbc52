import GRDB

/// Reading operation-log rows fetched by other components (the sync server selects log rows
/// with its own visibility filters and needs them back as operations).
extension ReplicaStore {
    /// Decodes one row of `oplog` (all columns, e.g. `SELECT oplog.* ...`) into an operation
    /// with its bookkeeping. Throws `SyncError(.storage)` for a damaged row.
    public static func loggedOperation(fromRow row: Row) throws -> LoggedOperation {
        do {
            return try loggedOperation(row)
        } catch let error as SyncError {
            throw error
        } catch {
            throw SyncError(.storage, "damaged operation in the log", cause: error)
        }
    }
}
