import Foundation
import GRDB

/// Copies the write-ahead log into the database file on another core while a long load keeps
/// writing: the loader turns SQLite's automatic checkpoints off (they would run inside its own
/// commits) and calls `checkpointSoon()` after each one. A passive checkpoint never blocks the
/// writer or readers, so a server serving the same file at the same time is not held up.
///
/// `@unchecked Sendable`: `pending` is only touched with `lock` held; `connection` is a GRDB
/// queue, which serialises its own use.
final class WALCheckpointer: @unchecked Sendable {
    private let connection: DatabaseQueue
    private let queue = DispatchQueue(label: "civicsync-wal-checkpoint")
    private let lock = NSLock()
    private var pending = false

    /// Opens a connection of its own to the database at `path` (a WAL database).
    init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(30)
        connection = try DatabaseQueue(path: path, configuration: configuration)
    }

    /// Starts a checkpoint unless one is already waiting to run.
    func checkpointSoon() {
        let start = lock.withLock { () -> Bool in
            if pending { return false }
            pending = true
            return true
        }
        guard start else { return }
        queue.async { [self] in
            lock.withLock { pending = false }
            // A checkpoint that cannot run now is retried after the next commit, and the
            // writer's own checkpoints take over once the load ends.
            try? connection.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(PASSIVE)") }
        }
    }

    /// Waits for the checkpoint in progress, if any: a loader calls it before each batch, so
    /// that the log is copied whole and SQLite rewinds it (it stays about one batch long).
    func finish() {
        queue.sync {}
    }
}
