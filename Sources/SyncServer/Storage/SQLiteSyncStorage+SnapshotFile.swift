import Crypto
import Foundation
import GRDB
import SyncCore

/// Snapshot files (`GET /v1/snapshot/file`): everything a principal may see, as one SQLite file
/// of plain tables (the log, the merge state, the materialised rows), written by SQLite itself
/// from one read transaction of the store, so consistent at one log position. A new replica
/// downloads it in chunks (resumable: the file stays the same for an hour) and copies the
/// tables into its own, with nothing to merge: the fastest first sync, far faster than entity
/// pages in JSON (`GET /v1/snapshot`, which stores in memory, the tests, and repairs use).
extension SQLiteSyncStorage {
    /// One snapshot file, ready to be downloaded.
    public struct SnapshotFile: Sendable, Equatable {
        /// Names the file: the principal's scope and the log position, hashed.
        public var id: String
        public var path: String
        public var position: Int64
        public var bytes: Int64
        /// SHA-256 of the whole file, hex: the client checks what it downloaded.
        public var sha256: String
    }

    public func snapshotFile(as principal: Principal, id: String?) async throws -> SnapshotFile? {
        try await snapshotFile(as: principal, id: id, epoch: epoch)
    }

    /// `epoch`: the one the server announces (on PostgreSQL the database's, which every instance
    /// shares, not this working copy's own).
    func snapshotFile(as principal: Principal, id: String?, epoch: String) async throws -> SnapshotFile? {
        let scope = snapshotScopeHash(principal, epoch: epoch)
        // Writing the file reads the whole scope: on a thread of its own, not a cooperative one.
        return try await Blocking.onThread {
            if let id {
                // Only the principal's own scope: an id that leaked names nothing for another token.
                let parts = id.split(separator: "-")
                guard parts.count == 3, String(parts[1]) == scope else { return nil }
                return try self.snapshotFile(id: id)
            }
            return try self.makeSnapshotFile(as: principal, scope: scope)
        }
    }

    /// The part of a snapshot file's id that names the scope, the schema and the epoch (a
    /// restored store never hands out a file of its former history).
    func snapshotScopeHash(_ principal: Principal, epoch: String) -> String {
        SHA256.hash(data: Data("\(principal.scopeDescription)|\(schema.name)|\(schema.version)|\(epoch)".utf8))
            .prefix(8).hexText
    }

    /// One snapshot build at a time in this process: a second request for the same scope waits
    /// and takes the file the first one made (and no two builds read the whole store at once).
    static let snapshotBuildLock = NSLock()
    /// A finished file of the same scope this recent is handed out even if the log has moved
    /// on since (the pull goes on from the file's position): a busy server does not write a new
    /// copy for every first sync.
    static let snapshotReuseSeconds: TimeInterval = 300

    /// Removes every snapshot file (after a restore or a new epoch: they show another history).
    static func removeSnapshots(inDataDirectory directory: String) {
        try? FileManager.default.removeItem(atPath: (directory as NSString).appendingPathComponent("snapshots"))
    }

    /// The file format marker in the snapshot's `snapshot_meta`.
    public static let snapshotFormat = "civicsync-snapshot-1"
    /// How long a snapshot file is kept for downloads to resume.
    static let snapshotLifetimeSeconds: TimeInterval = 3_600

    /// Where snapshot files are kept (nil for a store in memory, which has none).
    var snapshotDirectory: String? {
        let path = writer.path
        guard !path.isEmpty, path != ":memory:", !path.hasPrefix("file::memory:") else { return nil }
        return ((path as NSString).deletingLastPathComponent as NSString).appendingPathComponent("snapshots")
    }

    /// The snapshot file `id` if it is still kept (resuming a download).
    public func snapshotFile(id: String) throws -> SnapshotFile? {
        guard let directory = snapshotDirectory, id.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }), id.count <= 80 else { return nil }
        let path = (directory as NSString).appendingPathComponent(id + ".sqlite")
        guard FileManager.default.fileExists(atPath: path), FileManager.default.fileExists(atPath: path + ".sha256") else { return nil }
        // A file from before a compaction's horizon would leave its taker with a cursor the
        // pull refuses: it is gone, and the download starts again.
        guard try Int64(id.split(separator: "-").first ?? "") ?? 0 >= compactionHorizon() else { return nil }
        // In use: it is kept an hour from its last chunk, not from when it was written.
        for file in [path, path + ".sha256"] {
            try? FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: file)
        }
        return try Self.describeSnapshot(path: path, id: id)
    }

    /// A snapshot file of what `principal` may see at the current end of the log: made now, or
    /// the one already made for the same scope and position.
    func makeSnapshotFile(as principal: Principal, scope: String) throws -> SnapshotFile? {
        guard let directory = snapshotDirectory else { return nil }
        Self.snapshotBuildLock.lock()
        defer { Self.snapshotBuildLock.unlock() }
        let fileManager = FileManager.default
        try? fileManager.createDirectory(atPath: directory, withIntermediateDirectories: true)
        Self.removeOldSnapshots(in: directory)
        let head = try Self.wrap { try writer.read { db in try maxSeq(db) } }
        // Ids are `<position>-<scope>-<content>`: the same scope reuses a file at the same
        // position, or one made in the last minutes; the content's hash in the id keeps two
        // instances' files (same rows, other bytes) from passing for one another.
        if let kept = try keptSnapshot(scope: scope, head: head, in: directory), kept.position >= (try compactionHorizon()) { return kept }
        let staging = (directory as NSString).appendingPathComponent("\(head)-\(scope).\(getpid()).\(UInt64.random(in: 0...UInt64.max)).part")
        defer { try? fileManager.removeItem(atPath: staging) }
        let position = try Self.wrap { try writeSnapshot(to: staging, for: principal) }
        let described = try Self.describeSnapshot(path: staging, id: "staging")
        let id = "\(position)-\(scope)-\(described.sha256.prefix(16))"
        let path = (directory as NSString).appendingPathComponent(id + ".sqlite")
        if !fileManager.fileExists(atPath: path + ".sha256") {
            try? fileManager.removeItem(atPath: path)
            try fileManager.moveItem(atPath: staging, toPath: path)
            // The hash is written last: a file without one is not finished.
            try "\(described.sha256) \(described.bytes)".write(toFile: path + ".sha256", atomically: true, encoding: .utf8)
        }
        try? fileManager.removeItem(atPath: staging + ".sha256")
        return SnapshotFile(id: id, path: path, position: position, bytes: described.bytes, sha256: described.sha256)
    }

    /// Log positions up to this one may have been compacted.
    func compactionHorizon() throws -> Int64 {
        try Self.wrap { try writer.read { db in try store.compactionHorizon(db) } }
    }

    /// The newest finished file of `scope` at `head`, or made within `snapshotReuseSeconds`.
    private func keptSnapshot(scope: String, head: Int64, in directory: String) throws -> SnapshotFile? {
        let fileManager = FileManager.default
        let names = (try? fileManager.contentsOfDirectory(atPath: directory)) ?? []
        let recent = Date().addingTimeInterval(-Self.snapshotReuseSeconds)
        var best: (position: Int64, id: String)?
        for name in names where name.hasSuffix(".sqlite.sha256") {
            let id = String(name.dropLast(".sqlite.sha256".count))
            let parts = id.split(separator: "-")
            guard parts.count == 3, String(parts[1]) == scope, let position = Int64(parts[0]) else { continue }
            let path = (directory as NSString).appendingPathComponent(name)
            let made = (try? fileManager.attributesOfItem(atPath: path))?[.creationDate] as? Date
                ?? (try? fileManager.attributesOfItem(atPath: path))?[.modificationDate] as? Date ?? .distantPast
            guard position == head || made >= recent else { continue }
            if best.map({ position > $0.position }) ?? true { best = (position, id) }
        }
        return try best.flatMap { try snapshotFile(id: $0.id) }
    }

    /// Writes the snapshot: the store attached (only read), every table copied in one transaction
    /// (so at one position), only the entities `principal` may see. Returns the position.
    private func writeSnapshot(to path: String, for principal: Principal) throws -> Int64 {
        var configuration = Configuration()
        configuration.journalMode = .default
        configuration.busyMode = .timeout(30)
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? queue.close() }
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF")
            try db.execute(sql: "ATTACH DATABASE ? AS src", arguments: [writer.path])
        }
        // A deferred transaction: it reads the store (one snapshot of its write-ahead log) and
        // writes only the new file; an immediate one would take the store's write lock too.
        var position: Int64 = 0
        try queue.inDatabase { db in try db.inTransaction(.deferred) {
            position = try Int64.fetchOne(db, sql: "SELECT coalesce(max(seq), 0) FROM src.oplog") ?? 0
            var entityFilter = "", ownerFilter: (EntityKind) -> String = { _ in "" }
            if let scopes = principal.scopes {
                let filter = Self.scopeFilter(scopes)
                try db.execute(sql: """
                    CREATE TEMP TABLE visible AS SELECT DISTINCT entity, entity_id FROM src.server_grants WHERE \(filter.sql)
                    """, arguments: filter.arguments)
                try db.execute(sql: "CREATE INDEX temp.visible_key ON visible(entity, entity_id)")
                entityFilter = " WHERE (entity, entity_id) IN (SELECT entity, entity_id FROM temp.visible)"
                ownerFilter = { kind in " WHERE \u{0001}OWNER IN (SELECT entity_id FROM temp.visible WHERE entity = '\(kind.rawValue)')" }
            }
            try db.execute(sql: """
                CREATE TABLE snapshot_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
                CREATE TABLE oplog AS SELECT seq, op_id, hlc, author, entity, entity_id, field, key, kind, value, context, held
                    FROM src.oplog\(entityFilter) ORDER BY seq;
                CREATE TABLE compacted_entities AS SELECT entity, entity_id FROM src.compacted_entities\(entityFilter);
                CREATE TABLE compacted_writes AS SELECT entity, entity_id, field, key, kind, replica, hlc FROM src.compacted_writes\(entityFilter);
                CREATE TABLE compacted_ranges AS SELECT replica, low, high FROM src.compacted_ranges;
                CREATE TABLE field_state AS SELECT entity, entity_id, field, key, op_id, hlc, author, value FROM src.field_state\(entityFilter);
                CREATE TABLE superseded AS SELECT op_id, entity, entity_id, field, key, by_hlc FROM src.superseded\(entityFilter);
                CREATE TABLE conflicts AS SELECT entity, entity_id, field, key, winner, competing FROM src.conflicts\(entityFilter);
                """)
            for kind in schema.entities.map(\.kind) {
                let owners = schema.snapshotOwners(of: kind)
                for (table, columns) in schema.snapshotTables(of: kind) where table != "conflicts" {
                    let filter = ownerFilter(kind).replacingOccurrences(of: "\u{0001}OWNER", with: owners[table] ?? "id")
                    try db.execute(sql: "CREATE TABLE \(table) AS SELECT \(columns.joined(separator: ", ")) FROM src.\(table)\(filter)")
                }
            }
            try db.execute(sql: "INSERT INTO snapshot_meta(key, value) VALUES ('format', ?), ('schema', ?), ('version', ?), ('position', ?), ('scope', ?)",
                           arguments: [Self.snapshotFormat, schema.name, String(schema.version), String(position), principal.scopeDescription])
            return .commit
        } }
        try queue.writeWithoutTransaction { db in try db.execute(sql: "DETACH DATABASE src") }
        return position
    }

    /// The file's size, position and hash. The hash is computed once and kept beside the file
    /// (`<id>.sha256`): every chunk of a download names it.
    static func describeSnapshot(path: String, id: String) throws -> SnapshotFile {
        let position = Int64(id.split(separator: "-").first ?? "") ?? 0
        let hashPath = path + ".sha256"
        if let kept = try? String(contentsOfFile: hashPath, encoding: .utf8), kept.count == 64 + 1 + kept.split(separator: " ").last!.count,
           let bytes = Int64(kept.split(separator: " ").last ?? "") {
            return SnapshotFile(id: id, path: path, position: position, bytes: bytes, sha256: String(kept.prefix(64)))
        }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw SyncError(.notFound, "the snapshot \(id) is gone") }
        defer { try? handle.close() }
        var hasher = SHA256()
        var bytes: Int64 = 0
        while let chunk = try handle.read(upToCount: 4 << 20), !chunk.isEmpty {
            hasher.update(data: chunk)
            bytes += Int64(chunk.count)
        }
        let sha = hasher.finalize().hexText
        try? "\(sha) \(bytes)".write(toFile: hashPath, atomically: true, encoding: .utf8)
        return SnapshotFile(id: id, path: path, position: position, bytes: bytes, sha256: sha)
    }

    /// Drops snapshot files older than their lifetime (and parts left by a crash).
    static func removeOldSnapshots(in directory: String) {
        let fileManager = FileManager.default
        guard let names = try? fileManager.contentsOfDirectory(atPath: directory) else { return }
        let limit = Date().addingTimeInterval(-snapshotLifetimeSeconds)
        for name in names {
            let path = (directory as NSString).appendingPathComponent(name)
            if let modified = (try? fileManager.attributesOfItem(atPath: path))?[.modificationDate] as? Date, modified < limit {
                try? fileManager.removeItem(atPath: path)
            }
        }
    }
}
