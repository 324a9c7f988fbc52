import Foundation
import GRDB
import SyncCore

/// Moving operations between replicas without a server (a USB stick at a workshop, tests),
/// and the hooks a sync client needs. Applying is idempotent: re-delivered operations change nothing.
extension FieldReplica {
    /// Operations in this replica's arrival order after `seq` (0: from the start).
    public func operations(afterSeq seq: Int64 = 0, limit: Int = Int.max) throws -> [ReplicaStore.LoggedOperation] {
        try read { db in try store.operations(afterSeq: seq, limit: limit, db) }
    }

    /// Applies operations received from elsewhere, in one transaction (all or nothing).
    /// Operations of a newer schema than this replica's are kept, held, and passed on.
    @discardableResult
    public func apply(_ operations: [SyncOperation]) throws -> ApplyResult {
        try write { db in try store.apply(operations, holdingNewer: true, db) }
    }

    /// The operations as JSON lines in canonical wire form, one per line.
    public func exportLines(afterSeq seq: Int64 = 0) throws -> String {
        try operations(afterSeq: seq).map { $0.operation.canonicalJSON + "\n" }.joined()
    }

    /// Applies JSON lines made by `exportLines` (blank lines are skipped). A line that is not an
    /// operation refuses the whole import; an operation of a newer schema (another device's
    /// newer `field`) is kept, held, until this program is upgraded.
    @discardableResult
    public func importLines(_ text: String) throws -> ApplyResult {
        var operations: [SyncOperation] = []
        for (index, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            do {
                operations.append(try SyncOperation(wire: JSONParser.parse(Array(trimmed.utf8))))
            } catch let error as SyncError {
                throw SyncError(error.code, "line \(index + 1): \(error.message); nothing was imported")
            }
        }
        return try apply(operations)
    }
}
