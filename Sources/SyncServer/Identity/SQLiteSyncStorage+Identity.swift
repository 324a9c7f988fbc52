import Foundation
import GRDB
import SyncCore

/// The store's identity (its epoch) and what it knows of each replica.
///
/// The epoch names one history of the log. It is made when the store is created and made anew
/// when the store is restored from a backup (`syncserver restore`) or declared restored
/// (`syncserver renew-epoch`): replicas remember the epoch they synced with, and one that meets
/// another pushes again every operation of its own and pulls from the start (docs/OPERATIONS.md).
extension SQLiteSyncStorage {
    /// Adds each replica's highest counter and latest timestamp to `server_replicas` (stores made
    /// before them): filled once from the log, then kept by `record`.
    static func addReplicaHighWater(_ db: Database) throws {
        guard try !db.columns(in: "server_replicas").contains(where: { $0.name == "highest_counter" }) else { return }
        // Operation ids are "replica:counter"; replica ids never contain ':' or ';', so the range
        // of the unique index holds exactly one replica's operations.
        try db.execute(sql: """
            ALTER TABLE server_replicas ADD COLUMN highest_counter INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE server_replicas ADD COLUMN latest_hlc TEXT NOT NULL DEFAULT '';
            UPDATE server_replicas SET
                highest_counter = coalesce((SELECT max(CAST(substr(op_id, length(replica) + 2) AS INTEGER)) FROM oplog
                                            WHERE op_id > replica || ':' AND op_id < replica || ';'), 0),
                latest_hlc = coalesce((SELECT max(hlc) FROM oplog WHERE op_id > replica || ':' AND op_id < replica || ';'), '');
            """)
    }

    /// Reads the epoch, creating it if the store has none yet (stores made before epochs existed
    /// get one at their first start after the upgrade).
    static func ensureEpoch(ids: any IDSource, _ db: Database) throws -> String {
        if let epoch = try String.fetchOne(db, sql: "SELECT value FROM server_meta WHERE key = 'epoch'") { return epoch }
        let epoch = newEpoch(ids)
        try db.execute(sql: "INSERT INTO server_meta(key, value) VALUES ('epoch', ?)", arguments: [epoch])
        return epoch
    }

    /// Gives the store a new epoch and returns it.
    @discardableResult
    static func renewEpoch(ids: any IDSource, _ db: Database) throws -> String {
        let epoch = newEpoch(ids)
        try db.execute(sql: "INSERT OR REPLACE INTO server_meta(key, value) VALUES ('epoch', ?)", arguments: [epoch])
        return epoch
    }

    /// 20 characters of [a-z0-9]: about 103 bits, never the same twice in practice.
    static func newEpoch(_ ids: any IDSource) -> String { ids.randomToken(length: 20) }

    /// Gives this store a new epoch (it must not be serving: a running server keeps the epoch it
    /// read at start). Returns it.
    public func renewEpoch(ids: any IDSource = SystemIDSource()) throws -> String {
        let epoch = try Self.wrap { try writer.write { db in try Self.renewEpoch(ids: ids, db) } }
        if let directory = snapshotDirectory { try? FileManager.default.removeItem(atPath: directory) }
        return epoch
    }

    /// What the store holds of `replica`'s own operations. Refused (`forbidden`) when the replica
    /// pushes for another member: its counters are nobody else's business.
    public func replicaStatus(_ replica: ReplicaID, as principal: Principal, fingerprintsOf counters: [Int64]) async throws -> ReplicaStatus {
        try await Self.wrapAsync {
            try await writer.read { db in
                try self.replicaStatus(replica, as: principal, epoch: self.epoch, fingerprintsOf: counters, db)
            }
        }
    }

    func replicaStatus(_ replica: ReplicaID, as principal: Principal, epoch: String, fingerprintsOf counters: [Int64],
                       _ db: Database) throws -> ReplicaStatus {
        // Kept by every recorded push (a replica's operations only come in its own pushes).
        let row = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT member_id, highest_counter, latest_hlc FROM server_replicas WHERE replica = ?
            """), arguments: [replica.rawValue])
        let owner: String? = row?[0]
        if let owner, owner != principal.memberID {
            throw SyncError(.forbidden, "replica '\(replica)' pushes for another member, not for '\(principal.memberID)'")
        }
        let highest: Int64 = row?[1] ?? 0
        let latest: String? = row?[2]
        var status = ReplicaStatus(replica: replica, epoch: epoch, highestCounter: highest,
                                   latestTimestamp: latest.flatMap(HLCTimestamp.init), known: owner != nil)
        var cache: [OperationID: String] = [:]
        for counter in counters {
            let id = OperationID(replica: replica, counter: counter)
            if let stored = try storedOperation(id, db) {
                status.fingerprints[counter] = Self.fingerprint(stored, &cache)
            } else if try store.isCompacted(id, db) {
                // Stored, then compacted: the start of its fingerprint was kept (without it, its
                // content cannot be compared, and the replica gives its operation a new id).
                status.fingerprints[counter] = try store.compactedFingerprint(id, db) ?? ReplicaStatus.compactedFingerprint
            }
        }
        return status
    }
}
