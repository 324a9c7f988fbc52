import Crypto
import Foundation
import GRDB

/// The state digest (`StateDigest`): kept current by the merge in `digest_buckets`, read in
/// constant time; and, for checking, recomputed from scratch or taken over the materialised
/// tables.
extension ReplicaStore {
    /// The digest of everything this replica holds: equal digests mean equal merged state.
    public func stateDigest() throws -> String {
        try wrap { try writer.read { db in try stateDigest(db).root } }
    }

    /// The digest kept by the merge: sixteen rows read, whatever the size of the state.
    public func stateDigest(_ db: Database) throws -> StateDigest {
        var digest = StateDigest()
        for row in try Row.fetchAll(db.cachedStatement(sql: "SELECT bucket, sum, entities FROM digest_buckets")) {
            let bucket: Int = row[0]
            guard (0..<StateDigest.bucketCount).contains(bucket), let sum = DigestSum(bytes: (row[1] as Data?) ?? Data()) else {
                throw SyncError(.storage, "the replica's digest table is damaged (bucket \(bucket)); rebuild the state")
            }
            digest.buckets[bucket] = sum
            digest.entities += row[2] as Int
        }
        return digest
    }

    /// Moves the kept digest by what a batch changed.
    func moveDigest(by changes: StateChanges, _ db: Database) throws {
        var sums = [DigestSum](repeating: .zero, count: StateDigest.bucketCount)
        var created = [Int](repeating: 0, count: StateDigest.bucketCount)
        var touched = Set<Int>()
        for (key, delta) in changes.hashes {
            let bucket = StateDigest.bucket(key.entity, key.id)
            sums[bucket] += delta
            touched.insert(bucket)
        }
        for key in changes.created {
            let bucket = StateDigest.bucket(key.entity, key.id)
            created[bucket] += 1
            touched.insert(bucket)
        }
        let read = try db.cachedStatement(sql: "SELECT sum, entities FROM digest_buckets WHERE bucket = ?")
        let write = try db.cachedStatement(sql: "INSERT OR REPLACE INTO digest_buckets(bucket, sum, entities) VALUES (?, ?, ?)")
        for bucket in touched.sorted() {
            var sum = DigestSum.zero, entities = 0
            if let row = try Row.fetchOne(read, arguments: [bucket]) {
                sum = DigestSum(bytes: (row[0] as Data?) ?? Data()) ?? .zero
                entities = row[1]
            }
            sum += sums[bucket]
            try write.execute(arguments: [bucket, Data(sum.bytes), entities + created[bucket]])
        }
    }

    /// The digest computed from every merge row, ignoring the kept one: what the kept digest
    /// must equal (a check for tests and repair tools; it reads the whole state).
    public func recomputedDigest(_ db: Database) throws -> StateDigest {
        var digest = StateDigest()
        let cursor = try Row.fetchCursor(db, sql: "SELECT entity, entity_id, field, key, op_id, hlc, author, value FROM field_state")
        var lastEntity: (String, String)? = nil
        var bucket = 0
        while let row = try cursor.next() {
            let entity: String = row[0], id: String = row[1]
            if lastEntity.map({ $0 != (entity, id) }) ?? true {
                bucket = EntityKind(rawValue: entity).map { StateDigest.bucket($0, id) } ?? 0
                lastEntity = (entity, id)
            }
            digest.buckets[bucket] += StateDigest.rowHash(entity: entity, entityID: id, field: row[2], key: row[3],
                                                          opID: row[4], hlc: row[5], author: row[6], value: row[7])
        }
        for (table, _) in schema.entityTables {
            digest.entities += try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table)") ?? 0
        }
        return digest
    }

    /// Writes the kept digest again from the merge rows, when it no longer equals them (the
    /// file was damaged or edited by hand). Returns whether it had to.
    @discardableResult
    public func rewriteKeptDigest(_ db: Database) throws -> Bool {
        let recomputed = try recomputedDigest(db)
        guard try stateDigest(db) != recomputed else { return false }
        try db.execute(sql: "DELETE FROM digest_buckets")
        var entities = [Int](repeating: 0, count: StateDigest.bucketCount)
        for (table, kind) in schema.entityTables {
            for id in try String.fetchAll(db, sql: "SELECT id FROM \(table)") { entities[StateDigest.bucket(kind, id)] += 1 }
        }
        for bucket in 0..<StateDigest.bucketCount where entities[bucket] > 0 || !recomputed.buckets[bucket].isZero {
            try db.execute(sql: "INSERT INTO digest_buckets(bucket, sum, entities) VALUES (?, ?, ?)",
                           arguments: [bucket, Data(recomputed.buckets[bucket].bytes), entities[bucket]])
        }
        return true
    }

    /// The digest of exactly the entities in `keys` (those this replica holds), computed from
    /// their merge rows: what a server's digest for a principal who sees `keys` must equal.
    public func stateDigest(of keys: Set<EntityKey>, _ db: Database) throws -> StateDigest {
        var digest = StateDigest()
        let rows = try db.cachedStatement(sql: """
            SELECT field, key, op_id, hlc, author, value FROM field_state WHERE entity = ? AND entity_id = ?
            """)
        for key in keys {
            guard let table = schema.entity(key.entity)?.table,
                  try Bool.fetchOne(db, sql: "SELECT 1 FROM \(table) WHERE id = ?", arguments: [key.id]) != nil else { continue }
            digest.entities += 1
            let bucket = StateDigest.bucket(key.entity, key.id)
            let cursor = try Row.fetchCursor(rows, arguments: [key.entity.rawValue, key.id])
            while let row = try cursor.next() {
                digest.buckets[bucket] += StateDigest.rowHash(entity: key.entity.rawValue, entityID: key.id, field: row[0], key: row[1],
                                                              opID: row[2], hlc: row[3], author: row[4], value: row[5])
            }
        }
        return digest
    }

    /// The hash of one entity: the sum of its merge rows' hashes (zero when it has none).
    public func entityHash(_ key: EntityKey, _ db: Database) throws -> DigestSum {
        var sum = DigestSum.zero
        let cursor = try Row.fetchCursor(db.cachedStatement(sql: """
            SELECT field, key, op_id, hlc, author, value FROM field_state WHERE entity = ? AND entity_id = ?
            """), arguments: [key.entity.rawValue, key.id])
        while let row = try cursor.next() {
            sum += StateDigest.rowHash(entity: key.entity.rawValue, entityID: key.id, field: row[0], key: row[1],
                                       opID: row[2], hlc: row[3], author: row[4], value: row[5])
        }
        return sum
    }

    /// A hash of every materialised table and the conflicts, row by row: two replicas with the
    /// same value here show the same cases, members, meetings, votes and milestones. The state
    /// digest covers the merge rows these tables are derived from; this checks the derivation
    /// (a rebuild must give the same tables as the merge did). It reads the whole state.
    public func materializedDigest() throws -> String {
        try wrap { try writer.read { db in try materializedDigest(db) } }
    }

    public func materializedDigest(_ db: Database) throws -> String {
        var hasher = SHA256()
        // Every materialised table in the schema's order, its declared columns in their
        // declared order (whatever order an upgraded file keeps them in), then the conflicts.
        var specs: [(table: String, columns: [String])] = schema.tables.map { ($0.name, $0.columns.map(\.name)) }
        specs.append(("conflicts", ["entity", "entity_id", "field", "key", "winner", "competing"]))
        for spec in specs {
            let order = (1...spec.columns.count).map(String.init).joined(separator: ",")
            let cursor = try Row.fetchCursor(db, sql: "SELECT \(spec.columns.joined(separator: ", ")) FROM \(spec.table) ORDER BY \(order)")
            hasher.update(data: Data("#\(spec.table)\n".utf8))
            while let row = try cursor.next() {
                var line = ""
                for index in 0..<row.count {
                    if index > 0 { line += "\u{1F}" }
                    switch row[index] as DatabaseValue {
                    case let value where value.isNull: line += "\u{0}"
                    case let value:
                        if let int = Int64.fromDatabaseValue(value), case .int64 = value.storage { line += "i\(int)" }
                        else { line += "s" + (String.fromDatabaseValue(value) ?? "") }
                    }
                }
                line += "\n"
                hasher.update(data: Data(line.utf8))
            }
        }
        return hasher.finalize().hexText
    }
}

/// An entity by kind and id.
public struct EntityKey: Hashable, Sendable, Comparable, Codable {
    public var entity: EntityKind
    public var id: String
    public init(_ entity: EntityKind, _ id: String) {
        self.entity = entity
        self.id = id
    }
    public static func < (lhs: EntityKey, rhs: EntityKey) -> Bool { (lhs.entity.rawValue, lhs.id) < (rhs.entity.rawValue, rhs.id) }
}
