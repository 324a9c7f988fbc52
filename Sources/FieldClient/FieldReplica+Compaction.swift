import Foundation
import GRDB
import SyncCore

/// Compacting this replica's log (`field compact`): operations written elsewhere and older than
/// a duration leave the log; their effect stays in the state (see `ReplicaStore.compact`).
extension FieldReplica {
    public struct CompactionResult: Sendable, Codable, Equatable {
        public var compaction: ReplicaStore.CompactionReport
        /// The replica file and its write-ahead log, before and after.
        public var bytesBefore: Int64
        public var bytesAfter: Int64
    }

    /// Compacts the operations dated more than `olderThanMilliseconds` ago, then rewrites the file
    /// (`VACUUM`) so that the space goes back to the disk.
    public func compact(olderThanMilliseconds age: Int64) throws -> CompactionResult {
        let before = fileBytes()
        let report = try store.compact(olderThan: wallClock.nowMilliseconds() - age)
        if report.dropped > 0 {
            try store.writer.writeWithoutTransaction { db in
                try db.execute(sql: "VACUUM")
                _ = try db.checkpoint(.truncate)
            }
        }
        return CompactionResult(compaction: report, bytesBefore: before, bytesAfter: fileBytes())
    }

    func fileBytes() -> Int64 {
        guard let path else { return 0 }
        var bytes: Int64 = 0
        for suffix in ["", "-wal"] {
            bytes += (try? FileManager.default.attributesOfItem(atPath: path + suffix)[.size] as? NSNumber)?.int64Value ?? 0
        }
        return bytes
    }
}
