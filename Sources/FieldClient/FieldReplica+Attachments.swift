import Crypto
import Foundation
import GRDB
import SyncCore

/// A file a case or meeting names (issue 14): a photographed paper grievance, a signed
/// attendance sheet, a workshop photo.
public struct AttachmentView: Codable, Sendable, Equatable {
    public var sha256: String
    public var name: String
    public var mediaType: String
    public var bytes: Int64
    /// `case` or `meeting`, and its id.
    public var entity: String
    public var entityID: String
    /// Whether this replica holds the bytes (`field attachment get` fetches them otherwise).
    public var local: Bool
    /// For files attached on this replica: `waiting` (to be uploaded by the next sync),
    /// `uploaded`, or `refused: <why>`; nil for files attached elsewhere.
    public var upload: String?
}

/// Attachments on a replica. The bytes live beside the replica file, content-addressed
/// (`<replica>.attachments/<sha256>`): a file attached twice is kept once. Attaching records an
/// operation naming the file (its hash, name, media type and size); the next sync pushes it and
/// then uploads the bytes (`SyncClient.uploadAttachments`). Files attached elsewhere are fetched
/// on demand (`SyncClient.downloadAttachment`).
extension FieldReplica {
    /// Largest file this replica attaches (the server may take less: `--attachment-max-bytes`).
    public static let largestAttachment: Int64 = 1 << 30

    /// Where this replica keeps attachments' bytes (nil for a replica in memory).
    public var attachmentsDirectory: String? { path.map { $0 + ".attachments" } }

    /// The stored bytes of `sha256` on this replica, if it holds them.
    public func attachmentPath(_ sha256: String) -> String? {
        guard let attachmentsDirectory, AccessPolicy.isAttachmentHash(sha256) else { return nil }
        let file = (attachmentsDirectory as NSString).appendingPathComponent(sha256)
        return FileManager.default.fileExists(atPath: file) ? file : nil
    }

    /// Attaches `file` to a case (by id or reference): copied beside the replica, named by its
    /// SHA-256, recorded as an operation; its bytes go with the next sync.
    @discardableResult
    public func attach(toCase idOrRef: String, file: String, mediaType: String? = nil, name: String? = nil) throws -> AttachmentView {
        let stored = try storeAttachmentBytes(file)
        return try keepingBytesOnlyIfRecorded(stored) {
            try write { db in
                let caseID = try resolveCase(idOrRef, db)
                return try recordAttachment(stored, on: "case", caseID, mediaType: mediaType, name: name ?? (file as NSString).lastPathComponent, db)
            }
        }
    }

    /// Runs `record`; when it fails, removes the bytes just copied (unless they were there before).
    private func keepingBytesOnlyIfRecorded<T>(_ stored: (sha256: String, bytes: Int64, created: Bool), _ record: () throws -> T) throws -> T {
        do {
            return try record()
        } catch {
            if stored.created, let path = attachmentPath(stored.sha256) { try? FileManager.default.removeItem(atPath: path) }
            throw error
        }
    }

    /// Attaches `file` to a meeting (the signed attendance sheet, a workshop photo).
    @discardableResult
    public func attach(toMeeting meetingID: String, file: String, mediaType: String? = nil, name: String? = nil) throws -> AttachmentView {
        let stored = try storeAttachmentBytes(file)
        return try keepingBytesOnlyIfRecorded(stored) {
            try write { db in
                try requireMeeting(meetingID, db)
                return try recordAttachment(stored, on: "meeting", meetingID, mediaType: mediaType, name: name ?? (file as NSString).lastPathComponent, db)
            }
        }
    }

    /// The files a case names.
    public func attachments(ofCase idOrRef: String) throws -> [AttachmentView] {
        try read { db in try attachments(of: "case", try resolveCase(idOrRef, db), db) }
    }

    /// The files a meeting names.
    public func attachments(ofMeeting meetingID: String) throws -> [AttachmentView] {
        try read { db in
            try requireMeeting(meetingID, db)
            return try attachments(of: "meeting", meetingID, db)
        }
    }

    /// Every file this replica knows of, attached here or elsewhere.
    public func allAttachments() throws -> [AttachmentView] {
        try read { db in try attachments(of: "case", nil, db) + attachments(of: "meeting", nil, db) }
    }

    /// The record of `sha256` (a prefix of at least 8 digits will do), from what this replica holds.
    public func attachment(_ sha256: String) throws -> AttachmentView {
        let prefix = sha256.lowercased()
        guard prefix.count >= 8, prefix.count <= 64, prefix.allSatisfy(\.isHexDigit) else {
            throw SyncError(.invalidValue, "'\(sha256.prefix(80))' is not an attachment's hash (at least 8 hexadecimal digits of its SHA-256; `case show` lists them)")
        }
        let matches = try allAttachments().filter { $0.sha256.hasPrefix(prefix) }
        guard let first = matches.first else {
            throw SyncError(.notFound, "no attachment \(prefix) on this replica; `field case show REF` lists a case's files (sync first if it was attached elsewhere)")
        }
        guard Set(matches.map(\.sha256)).count == 1 else {
            throw SyncError(.invalidValue, "several attachments begin with \(prefix); give more digits")
        }
        return first
    }

    // MARK: - Helpers

    /// The media type of a file name, by its extension (what phones and scanners produce).
    static func mediaType(of name: String) -> String {
        switch (name as NSString).pathExtension.lowercased() {
        case "jpg", "jpeg": "image/jpeg"
        case "png": "image/png"
        case "heic", "heif": "image/heic"
        case "webp": "image/webp"
        case "gif": "image/gif"
        case "pdf": "application/pdf"
        case "txt", "text": "text/plain"
        case "csv": "text/csv"
        default: "application/octet-stream"
        }
    }

    /// Copies `file` into the attachments directory under its SHA-256 (once per content).
    private func storeAttachmentBytes(_ file: String) throws -> (sha256: String, bytes: Int64, created: Bool) {
        guard let attachmentsDirectory else { throw SyncError(.storage, "a replica in memory keeps no attachments") }
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: file, isDirectory: &isDirectory), !isDirectory.boolValue,
              let handle = FileHandle(forReadingAtPath: file) else {
            throw SyncError(.notFound, "cannot read the file '\(file)'")
        }
        defer { try? handle.close() }
        do {
            try manager.createDirectory(atPath: attachmentsDirectory, withIntermediateDirectories: true)
        } catch {
            throw SyncError(.storage, "cannot create \(attachmentsDirectory)", cause: error)
        }
        let temporary = (attachmentsDirectory as NSString).appendingPathComponent(".incoming-" + ids.randomToken(length: 16))
        guard manager.createFile(atPath: temporary, contents: nil), let out = FileHandle(forWritingAtPath: temporary) else {
            throw SyncError(.storage, "cannot write in \(attachmentsDirectory)")
        }
        var hasher = SHA256()
        var bytes: Int64 = 0
        do {
            defer { try? out.close() }
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                bytes += Int64(chunk.count)
                guard bytes <= Self.largestAttachment else {
                    throw SyncError(.invalidValue, "'\(file)' is larger than \(Self.largestAttachment >> 20) MiB; attach a smaller file")
                }
                hasher.update(data: chunk)
                try out.write(contentsOf: chunk)
            }
            try out.synchronize()
        } catch {
            try? manager.removeItem(atPath: temporary)
            if let error = error as? SyncError { throw error }
            throw SyncError(.storage, "cannot copy '\(file)'", cause: error)
        }
        guard bytes > 0 else {
            try? manager.removeItem(atPath: temporary)
            throw SyncError(.invalidValue, "'\(file)' is empty; there is nothing to attach")
        }
        let sha256 = hasher.finalize().hexText
        let final = (attachmentsDirectory as NSString).appendingPathComponent(sha256)
        let created = !manager.fileExists(atPath: final)
        if !created {
            try? manager.removeItem(atPath: temporary)
        } else {
            do { try manager.moveItem(atPath: temporary, toPath: final) } catch {
                try? manager.removeItem(atPath: temporary)
                throw SyncError(.storage, "cannot keep '\(file)' in \(attachmentsDirectory)", cause: error)
            }
        }
        return (sha256, bytes, created)
    }

    private func recordAttachment(_ stored: (sha256: String, bytes: Int64, created: Bool), on entity: String, _ id: String,
                                  mediaType: String?, name: String, _ db: Database) throws -> AttachmentView {
        let type = (mediaType ?? Self.mediaType(of: name)).lowercased()
        guard type.contains("/"), type.count <= 100 else {
            throw SyncError(.invalidValue, "'\(type.prefix(100))' is not a media type (such as image/jpeg or application/pdf)")
        }
        try Check.text(name, what: "attachment name", max: 255)
        let kind: EntityKind = entity == "case" ? .case : .meeting
        try record([.add(kind, id, "attachments", element: stored.sha256,
                         value: .object(["name": .string(name), "mediaType": .string(type), "bytes": .int(stored.bytes)]))], db)
        try AttachmentUploads.prepare(db)
        // Attached again: whatever happened to it before (refused, missing), it goes again.
        try db.execute(sql: """
            INSERT INTO field_attachments(sha256, state) VALUES (?, 'waiting')
            ON CONFLICT(sha256) DO UPDATE SET state = 'waiting', reason = NULL WHERE state != 'uploaded'
            """, arguments: [stored.sha256])
        return try attachments(of: entity, id, db).first { $0.sha256 == stored.sha256 }
            ?? AttachmentView(sha256: stored.sha256, name: name, mediaType: type, bytes: stored.bytes, entity: entity, entityID: id,
                              local: true, upload: "waiting")
    }

    func attachments(of entity: String, _ id: String?, _ db: Database) throws -> [AttachmentView] {
        let (table, owner) = entity == "case" ? ("case_attachments", "case_id") : ("meeting_attachments", "meeting_id")
        guard try db.tableExists(table) else { return [] }
        // Read-only here: the upload table exists once something was attached on this replica.
        let uploads = try db.tableExists("field_attachments")
        let rows = try Row.fetchAll(db, sql: """
            SELECT a.\(owner) AS owner, a.sha256, a.name, a.media_type, a.bytes,
                   \(uploads ? "u.state, u.reason" : "NULL AS state, NULL AS reason")
            FROM \(table) a \(uploads ? "LEFT JOIN field_attachments u ON u.sha256 = a.sha256" : "")
            \(id == nil ? "" : "WHERE a.\(owner) = ?") ORDER BY a.\(owner), a.name, a.sha256
            """, arguments: id.map { [$0] } ?? [])
        return rows.map { row in
            let sha: String = row["sha256"]
            let state: String? = row["state"]
            return AttachmentView(sha256: sha, name: row["name"], mediaType: row["media_type"], bytes: Int64(row["bytes"] as String) ?? 0,
                                  entity: entity, entityID: row["owner"], local: attachmentPath(sha) != nil,
                                  upload: state.map { $0 == "refused" ? "refused: \((row["reason"] as String?) ?? "")" : $0 })
        }
    }
}

/// This replica's own attachments and where their upload stands (table `field_attachments`,
/// outside the replicated state like `field_sync`).
enum AttachmentUploads {
    static func prepare(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE IF NOT EXISTS field_attachments (
                sha256 TEXT PRIMARY KEY, state TEXT NOT NULL, reason TEXT
            ) WITHOUT ROWID
            """)
    }

    static func waiting(_ db: Database) throws -> [String] {
        try prepare(db)
        return try String.fetchAll(db, sql: "SELECT sha256 FROM field_attachments WHERE state = 'waiting' ORDER BY sha256")
    }

    static func mark(_ sha256: String, _ state: String, reason: String? = nil, _ db: Database) throws {
        try prepare(db)
        try db.execute(sql: "UPDATE field_attachments SET state = ?, reason = ? WHERE sha256 = ?", arguments: [state, reason, sha256])
    }

    static func counts(_ db: Database) throws -> (waiting: Int, refused: Int) {
        guard try db.tableExists("field_attachments") else { return (0, 0) }
        let waiting = try Int.fetchOne(db, sql: "SELECT count(*) FROM field_attachments WHERE state = 'waiting'") ?? 0
        let refused = try Int.fetchOne(db, sql: "SELECT count(*) FROM field_attachments WHERE state = 'refused'") ?? 0
        return (waiting, refused)
    }
}
