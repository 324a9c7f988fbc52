import Foundation
import GRDB
import SyncCore

/// `syncserver compact`: drops operations whose effect the state holds and that no replica
/// needs as operations any more (see `ReplicaStore.compact` and docs/OPERATIONS.md).
extension SQLiteSyncStorage {
    /// What a compaction of the store did, and the bytes on disk before and after.
    public struct CompactionResult: Sendable, Codable, Equatable {
        public var compaction: ReplicaStore.CompactionReport
        /// The database file and its write-ahead log, before and after (after `VACUUM` when asked).
        public var bytesBefore: Int64
        public var bytesAfter: Int64
        /// Pages SQLite keeps free for reuse after the compaction (returned to the disk by `--vacuum`).
        public var freeBytes: Int64
        public var vacuumed: Bool
        public var milliseconds: Int64
    }

    /// Compacts the operations dated more than `olderThanMilliseconds` before `now`, in one
    /// write transaction (pushes wait for it). With `vacuum`, the file is then rewritten to
    /// give the freed pages back to the disk.
    public func compact(olderThanMilliseconds age: Int64, now: Int64, vacuum: Bool, clock: any WallClock) throws -> CompactionResult {
        let started = clock.nowMilliseconds()
        let before = fileBytes()
        // The fingerprints of what is dropped stay: a replica asking about its ids is told.
        let report = try Self.wrap { try writer.write { db in try store.compact(olderThan: now - age, keepingFingerprints: true, db) } }
        // Kept snapshot files stand at positions the pull now refuses (none is being built meanwhile).
        if report.dropped > 0, let directory = snapshotDirectory {
            Self.snapshotBuildLock.lock()
            try? FileManager.default.removeItem(atPath: directory)
            Self.snapshotBuildLock.unlock()
        }
        if vacuum && report.dropped > 0 {
            try Self.wrap { try writer.writeWithoutTransaction { db in try db.execute(sql: "VACUUM") } }
        }
        try Self.wrap { try writer.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) } }
        let free = try Self.wrap {
            try writer.read { db in
                (try Int64.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0) * (try Int64.fetchOne(db, sql: "PRAGMA page_size") ?? 4096)
            }
        }
        return CompactionResult(compaction: report, bytesBefore: before, bytesAfter: fileBytes(), freeBytes: free,
                                vacuumed: vacuum && report.dropped > 0, milliseconds: clock.nowMilliseconds() - started)
    }

    /// The same, on a thread of its own (a server compacting on a schedule while it serves).
    public func compactInBackground(olderThanMilliseconds age: Int64, now: Int64, clock: any WallClock) async throws -> CompactionResult {
        try await Blocking.onThread { try self.compact(olderThanMilliseconds: age, now: now, vacuum: false, clock: clock) }
    }

    /// The store's file and write-ahead log, in bytes.
    func fileBytes() -> Int64 {
        var bytes: Int64 = 0
        for suffix in ["", "-wal"] {
            bytes += (try? FileManager.default.attributesOfItem(atPath: writer.path + suffix)[.size] as? NSNumber)?.int64Value ?? 0
        }
        return bytes
    }
}
