import CivilAffairs
import GRDB
import SyncCore

/// A file some case or meeting names, as its attachment record says.
public struct AttachmentRecord: Sendable, Equatable {
    public var sha256: String
    public var name: String
    public var mediaType: String
    public var bytes: Int64
    /// The entity that names it (the first visible one, when several do).
    public var entity: EntityKey
}

/// Attachments: which entity names a file, and whether a principal may see one of them.
extension SQLiteSyncStorage {
    /// The tables of the schema's attachment fields (`CivicSchema.attachmentsField`): table,
    /// owner column, the entity kind.
    var attachmentTables: [(table: String, owner: String, kind: EntityKind)] {
        store.schema.entities.compactMap { entity in
            guard case .recordTable(let table, let owner, _, _)? = entity.field(CivicSchema.attachmentsField)?.storage else { return nil }
            return (table, owner, entity.kind)
        }
    }

    /// The record of `sha256` on an entity `principal` may see; nil when none names it or none
    /// of those is visible (the same answer, so a hash tells nothing of what it is not shown).
    public func attachment(_ sha256: String, as principal: Principal) async throws -> AttachmentRecord? {
        try await Self.wrapAsync {
            try await writer.read { db in try self.attachment(sha256, as: principal, db) }
        }
    }

    func attachment(_ sha256: String, as principal: Principal, _ db: Database) throws -> AttachmentRecord? {
        try attachments(sha256, as: principal, db).first
    }

    /// Every record of `sha256` on an entity `principal` may see (records on several entities
    /// may disagree on name, type or size: the routes pick the one that fits the bytes).
    public func attachments(_ sha256: String, as principal: Principal) async throws -> [AttachmentRecord] {
        try await Self.wrapAsync {
            try await writer.read { db in try self.attachments(sha256, as: principal, db) }
        }
    }

    func attachments(_ sha256: String, as principal: Principal, _ db: Database) throws -> [AttachmentRecord] {
        var found: [AttachmentRecord] = []
        for (table, owner, kind) in attachmentTables {
            let rows = try Row.fetchAll(db.cachedStatement(sql: """
                SELECT \(owner), name, media_type, bytes FROM \(table) WHERE sha256 = ? ORDER BY \(owner)
                """), arguments: [sha256])
            for row in rows {
                let key = EntityKey(kind, row[0])
                guard try isVisible(key, to: principal, db) else { continue }
                guard let bytes = Int64(row[3] as String) else { continue }
                found.append(AttachmentRecord(sha256: sha256, name: row[1], mediaType: row[2], bytes: bytes, entity: key))
            }
        }
        return found
    }

    /// Every attachment record, for the HQ dashboard: newest entities last is not known, so in
    /// entity order, at most `limit`.
    func allAttachments(limit: Int, _ db: Database) throws -> [AttachmentRecord] {
        var records: [AttachmentRecord] = []
        for (table, owner, kind) in attachmentTables {
            for row in try Row.fetchAll(db, sql: "SELECT \(owner), sha256, name, media_type, bytes FROM \(table) ORDER BY \(owner), name LIMIT ?",
                                        arguments: [limit]) {
                records.append(AttachmentRecord(sha256: row[1], name: row[2], mediaType: row[3], bytes: Int64(row[4] as String) ?? 0,
                                                entity: EntityKey(kind, row[0])))
            }
        }
        return Array(records.prefix(limit))
    }
}
