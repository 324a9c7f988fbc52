import Foundation
import GRDB
import SyncCore

/// The run's temporary directory: every database file, server data directory and log lives
/// under it, and it is removed at the end of the run (nothing is cached across runs).
final class Workspace: Sendable {
    let root: URL
    private let counter = Counter()

    init() throws {
        let name = "civicsync-bench-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))"
        root = FileManager.default.temporaryDirectory.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        Cleanup.shared.add(directory: root)
    }

    /// A fresh path under the workspace (`stem-N.ext`).
    func path(_ stem: String, ext: String = "sqlite") -> String {
        root.appendingPathComponent("\(stem)-\(counter.next()).\(ext)").path
    }

    /// A fresh directory under the workspace.
    func directory(_ stem: String) throws -> String {
        let url = root.appendingPathComponent("\(stem)-\(counter.next())")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }

    /// Removes a database file with SQLite's side files.
    func remove(database path: String) {
        for suffix in ["", "-wal", "-shm", "-journal", "-sync.lock"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    func removeAll() { try? FileManager.default.removeItem(at: root) }

    /// A database connection for a benchmark side: in memory, or a fresh file with a replica's
    /// settings (WAL, synchronous FULL, `ReplicaStore.fileConfiguration()`). Both sides of a
    /// ratio get the same.
    func queue(memory: Bool, stem: String = "db") throws -> DatabaseQueue {
        if memory { return try DatabaseQueue() }
        return try DatabaseQueue(path: path(stem), configuration: ReplicaStore.fileConfiguration())
    }

    /// A new, empty replica of the civic schema on `queue(memory:)`.
    func replica(memory: Bool, id: String = "bench") throws -> ReplicaStore {
        try ReplicaStore(writer: queue(memory: memory, stem: "replica"), create: ReplicaID(id)!, wallClock: SystemWallClock(), schema: .civic)
    }
}

/// A thread-safe counter.
final class Counter: @unchecked Sendable {
    // @unchecked: `value` is only touched under `lock`.
    private let lock = NSLock()
    private var value = 0
    func next() -> Int { lock.withLock { value += 1; return value } }
}

/// Sizes of database files on disk.
enum DiskSize {
    static func file(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
    }

    /// The file with its WAL (what it occupies now).
    static func withWAL(_ path: String) -> Int { file(path) + file(path + "-wal") }

    /// The size of a compacted copy (`VACUUM INTO`, read-only on the original, so it works
    /// while a server has the file open). The copy is removed afterwards.
    static func compacted(_ path: String, scratch: String) throws -> Int {
        try? FileManager.default.removeItem(atPath: scratch)
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        try queue.writeWithoutTransaction { db in try db.execute(sql: "VACUUM INTO ?", arguments: [scratch]) }
        try queue.close()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        return file(scratch)
    }
}
