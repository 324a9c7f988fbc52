import Crypto
import Foundation
import GRDB
import SyncCore

/// `syncserver check`: is the store sound, and is everything derived from the log what the log
/// gives? (docs/OPERATIONS.md)
extension SQLiteSyncStorage {
    /// The verdict of a check.
    public struct CheckReport: Sendable, Codable, Equatable {
        /// "ok" or "damaged".
        public var verdict: String
        /// What is wrong, one line each (empty when sound).
        public var problems: [String]
        /// What was checked.
        public var checked: [String]
        public var operations: Int
        public var entities: Int
        public var milliseconds: Int64
        /// Whether `--repair` rebuilt what was damaged.
        public var repaired = false

        public var isSound: Bool { problems.isEmpty }
    }

    /// Checks the store while it serves: SQLite's `integrity_check` on the file; then, on a
    /// consistent copy (`VACUUM INTO` a temporary file in `workDirectory`), that the kept digest
    /// equals the one recomputed from the merge rows, that the merge rows, the materialised
    /// tables and the conflicts equal a rebuild from the log, that every entity is granted to
    /// every audience the rules give it, and that the audience digests equal a recomputation.
    public func check(workDirectory: String, clock: any WallClock) throws -> CheckReport {
        let started = clock.nowMilliseconds()
        var report = CheckReport(verdict: "ok", problems: [], checked: [], operations: 0, entities: 0, milliseconds: 0)
        defer { report.milliseconds = clock.nowMilliseconds() - started }
        let integrity = try Self.wrap {
            try writer.unsafeRead { db in try String.fetchAll(db, sql: "PRAGMA integrity_check(20)") }
        }
        report.checked.append("SQLite integrity")
        guard integrity == ["ok"] else {
            report.problems = integrity.map { "SQLite integrity: \($0)" }
            report.verdict = "damaged"
            report.milliseconds = clock.nowMilliseconds() - started
            return report
        }
        let copyPath = (workDirectory as NSString).appendingPathComponent("civicsync-check-\(started)-\(getpid()).sqlite")
        defer { for suffix in ["", "-journal", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: copyPath + suffix) } }
        try Self.wrap { try writer.unsafeRead { db in try db.execute(sql: "VACUUM INTO ?", arguments: [copyPath]) } }
        let copy = try SQLiteSyncStorage(writer: try Self.wrap { try DatabaseQueue(path: copyPath) }, wallClock: clock,
                                         policy: policy, quota: quota, schema: schema)
        report.problems = try Self.wrap { try copy.writer.write { db in try copy.compareWithRebuild(&report, db) } }
        report.verdict = report.problems.isEmpty ? "ok" : "damaged"
        report.milliseconds = clock.nowMilliseconds() - started
        return report
    }

    /// Rebuilds everything derived from the log in place: the merge rows, materialised tables and
    /// conflicts, the missing grants and the audience digests. The server must be stopped (the
    /// caller holds the directory's lock). The log, tokens and bookkeeping are not touched.
    public func repairDerivedState() throws {
        try Self.wrap {
            try writer.write { db in
                try store.rebuildState(db)
                try rebuildGrants(db)
                try rebuildAudienceDigests(db)
            }
        }
    }

    /// Runs on the copy: records what it holds, rebuilds it from the log, and says what differs.
    private func compareWithRebuild(_ report: inout CheckReport, _ db: Database) throws -> [String] {
        var problems: [String] = []
        report.operations = try store.operationCount(db)
        let kept = try store.stateDigest(db), recomputed = try store.recomputedDigest(db)
        report.entities = recomputed.entities
        report.checked.append("kept digest")
        if kept.root != recomputed.root {
            let buckets = (0..<StateDigest.bucketCount).filter { kept.buckets[$0] != recomputed.buckets[$0] }
            problems.append("the kept digest differs from the merge rows (buckets \(buckets.map(String.init).joined(separator: ",")))")
        }
        let tables = ["field_state", "superseded"] + store.schema.materializedTableNames + ["conflicts"]
        var before: [String: Set<Data>] = [:]
        for table in tables { before[table] = try Self.rowHashes(table, db) }
        let audienceBefore = try Self.audienceDigestRows(db)
        try store.rebuildState(db)
        report.checked.append("merge rows, \(store.schema.materializedTableNames.count) materialised tables and conflicts against a rebuild from the log")
        for table in tables {
            let after = try Self.rowHashes(table, db)
            guard let earlier = before[table], earlier != after else { continue }
            let wrong = earlier.subtracting(after).count, missing = after.subtracting(earlier).count
            problems.append("\(table): \(wrong) stored row(s) that a rebuild from the log does not give, \(missing) row(s) it gives missing")
        }
        // Grants are never withdrawn: the stored ones must include every grant the rules give now.
        var stored = Set<String>()
        let cursor = try Row.fetchCursor(db, sql: "SELECT scope, entity, entity_id FROM server_grants")
        while let row = try cursor.next() { stored.insert("\(row[0] as String)|\(row[1] as String)|\(row[2] as String)") }
        try db.execute(sql: "DELETE FROM server_grants")
        try rebuildGrants(db)
        let computed = Set(try Row.fetchAll(db, sql: "SELECT scope, entity, entity_id FROM server_grants")
            .map { "\($0[0] as String)|\($0[1] as String)|\($0[2] as String)" })
        let missing = computed.subtracting(stored)
        report.checked.append("grants")
        if !missing.isEmpty {
            let sample = missing.sorted().prefix(3).map { $0.replacingOccurrences(of: "|", with: " ") }.joined(separator: "; ")
            problems.append("grants: \(missing.count) visibility grants the rules give are missing (\(sample))")
        }
        // The audience digests, over the stored grants (put back) and the rebuilt merge rows.
        try db.execute(sql: "DELETE FROM server_grants")
        let insert = try db.cachedStatement(sql: "INSERT INTO server_grants(scope, entity, entity_id, seq) VALUES (?, ?, ?, 0)")
        for key in stored {
            let parts = key.split(separator: "|", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
            try insert.execute(arguments: [parts[0], parts[1], parts[2]])
        }
        try rebuildAudienceDigests(db)
        report.checked.append("audience digests")
        if try Self.audienceDigestRows(db) != audienceBefore {
            problems.append("audience digests: the per-audience digests differ from a recomputation (replicas would see a wrong digest)")
        }
        return problems
    }

    /// The hash of each row of a table (its columns in name order; a table holds no two equal rows).
    static func rowHashes(_ table: String, _ db: Database) throws -> Set<Data> {
        let columns = try db.columns(in: table).map(\.name).sorted()
        let list = columns.map { "\"\($0)\"" }.joined(separator: ", ")
        var hashes = Set<Data>()
        let cursor = try Row.fetchCursor(db, sql: "SELECT \(list) FROM \"\(table)\"")
        while let row = try cursor.next() {
            var line = ""
            for index in 0..<row.count {
                let value: DatabaseValue = row[index]
                switch value.storage {
                case .null: line += "\u{0}"
                case .int64(let int): line += "i\(int)"
                case .double(let double): line += "d\(double)"
                case .string(let text): line += "s\(text.utf8.count):\(text)"
                case .blob(let data): line += "b\(data.base64EncodedString())"
                }
                line += "\u{1F}"
            }
            hashes.insert(Data(SHA256.hash(data: Data(line.utf8))))
        }
        return hashes
    }

    /// The audience digest parts that hold something (parts that came to zero are left aside:
    /// whether they linger is bookkeeping, not state).
    static func audienceDigestRows(_ db: Database) throws -> Set<String> {
        var rows = Set<String>()
        let columns = try db.columns(in: "server_audience_digest").map(\.name)
        let cursor = try Row.fetchCursor(db, sql: "SELECT * FROM server_audience_digest")
        while let row = try cursor.next() {
            var parts: [String] = []
            var empty = true
            for (index, name) in columns.enumerated() {
                let value: DatabaseValue = row[index]
                switch value.storage {
                case .blob(let data):
                    if data.contains(where: { $0 != 0 }) { empty = false }
                    parts.append(data.base64EncodedString())
                case .int64(let int):
                    if ["count", "entities"].contains(name), int != 0 { empty = false }
                    parts.append(String(int))
                default:
                    parts.append(String(describing: value))
                }
            }
            if !empty { rows.insert(parts.joined(separator: "|")) }
        }
        return rows
    }
}
