import GRDB
import SyncCore
import CivilAffairs

/// A fresh in-memory replica with a manual clock, for unit tests of the merge rules.
func makeReplica(_ name: String, at milliseconds: Int64 = 1_767_225_600_000) throws -> (ReplicaStore, ManualWallClock) {
    let clock = ManualWallClock(milliseconds: milliseconds)
    return (try ReplicaStore.inMemory(ReplicaID(name)!, wallClock: clock, schema: .civic), clock)
}

extension ReplicaStore {
    /// Every operation in this replica's log, in arrival order.
    func allOperations() throws -> [SyncOperation] {
        try writer.read { db in try operations(afterSeq: 0, limit: Int.max, db).map(\.operation) }
    }

    /// Sends everything this replica has to `other`.
    func send(to other: ReplicaStore) throws {
        try other.apply(allOperations())
    }

    func value(_ sql: String) throws -> String? {
        try writer.read { db in try String.fetchOne(db, sql: sql) }
    }

    func int(_ sql: String) throws -> Int? {
        try writer.read { db in try Int.fetchOne(db, sql: sql) }
    }

    func strings(_ sql: String) throws -> [String] {
        try writer.read { db in try String.fetchAll(db, sql: sql) }
    }
}
