import Crypto
import Foundation
import GRDB

/// A deterministic hash of the materialised state: two replicas with the same digest show the
/// same cases, members, meetings, votes, milestones, comments and conflicts.
extension ReplicaStore {
    /// The digest of everything, or only of the entities `visible` contains.
    public func stateDigest(visible: Set<EntityKey>? = nil) throws -> String {
        try wrap { try writer.read { db in try stateDigest(visible: visible, db) } }
    }

    public func stateDigest(visible: Set<EntityKey>?, _ db: Database) throws -> String {
        var hasher = SHA256()
        // Every materialised table in the schema's order, its declared columns in their
        // declared order (whatever order an upgraded file keeps them in), then the conflicts.
        var specs: [(table: String, entity: EntityKind?, idColumn: String, columns: [String])] = schema.tables.map {
            ($0.name, $0.entity, $0.ownerColumn, $0.columns.map(\.name))
        }
        specs.append(("conflicts", nil, "entity_id", ["entity", "entity_id", "field", "key", "winner", "competing"]))
        for spec in specs {
            let order = (1...spec.columns.count).map(String.init).joined(separator: ",")
            let cursor = try Row.fetchCursor(db, sql: "SELECT \(spec.columns.joined(separator: ", ")) FROM \(spec.table) ORDER BY \(order)")
            hasher.update(data: Data("#\(spec.table)\n".utf8))
            while let row = try cursor.next() {
                if let visible {
                    let entity: EntityKind? = spec.entity ?? EntityKind(rawValue: row["entity"] as String)
                    guard let entity, visible.contains(EntityKey(entity, row[spec.idColumn] as String)) else { continue }
                }
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
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
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
