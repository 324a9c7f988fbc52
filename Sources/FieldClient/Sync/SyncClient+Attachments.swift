import CivilAffairs
import Foundation
import GRDB
import SyncCore

/// Attachments' bytes, apart from the operations that name them (`/v1/attachments/{sha256}`).
extension SyncClient {
    /// Bytes per upload or download request: a dropped link loses at most this much.
    public static let attachmentChunkBytes = 1 << 20

    /// Uploads the files attached on this replica that the server does not hold yet, after the
    /// push that named them: from where an interrupted upload stopped, and not at all when the
    /// server already holds the same bytes (attached elsewhere too). A file the server refuses
    /// (too large, a media type it does not take) is marked refused with its reason and not sent
    /// again; one the server does not know of yet (its operation still waits) stays waiting.
    func uploadAttachments(_ report: inout SyncReport, progress: (@Sendable (SyncProgress) -> Void)?) async throws {
        guard let directory = attachmentsDirectory else { return }
        let waiting = try await store.writer.write { db in try AttachmentUploads.waiting(db) }
        for sha256 in waiting {
            let file = (directory as NSString).appendingPathComponent(sha256)
            guard FileManager.default.fileExists(atPath: file) else {
                try await store.writer.write { db in
                    try AttachmentUploads.mark(sha256, "refused", reason: "its bytes are no longer beside the replica (\(file))", db)
                }
                report.attachmentsRefused.append(.init(id: sha256, code: "missing", reason: "the file is no longer beside the replica"))
                continue
            }
            let outcome: UploadOutcome
            do {
                outcome = try await upload(sha256, from: file, progress: progress, report: report)
            } catch let error as SyncError where error.code == .unreachable {
                throw error   // the server went away: the sync fails as usual, the file stays waiting
            } catch {
                report.attachmentsWaiting += 1
                report.attachmentNotes.append("\(sha256.prefix(12)): \((error as? SyncError)?.message ?? String(describing: error)); it goes again with the next sync")
                continue
            }
            switch outcome {
            case .uploaded(let sent):
                try await store.writer.write { db in try AttachmentUploads.mark(sha256, "uploaded", db) }
                report.attachmentsUploaded += 1
                report.attachmentBytesSent += sent
            case .notYetKnown:
                // Its operation may still wait, or the server refused it for good: then so is the file.
                if let refusal = try await store.writer.read({ db in try Self.refusalOfOperationNaming(sha256, db) }) {
                    try await store.writer.write { db in try AttachmentUploads.mark(sha256, "refused", reason: refusal, db) }
                    report.attachmentsRefused.append(.init(id: sha256, code: "operation_refused", reason: refusal))
                } else {
                    report.attachmentsWaiting += 1
                }
            case .refused(let code, let reason):
                try await store.writer.write { db in try AttachmentUploads.mark(sha256, "refused", reason: "\(code): \(reason)", db) }
                report.attachmentsRefused.append(.init(id: sha256, code: code, reason: reason))
            }
        }
    }

    /// Why the server refused every operation of this replica that names `sha256` (nil: one
    /// is not refused, or there is none).
    static func refusalOfOperationNaming(_ sha256: String, _ db: Database) throws -> String? {
        let states = try Row.fetchAll(db, sql: """
            SELECT sync_state, reject_reason FROM oplog WHERE origin_local = 1 AND field = 'attachments' AND key = ?
            """, arguments: [sha256])
        guard !states.isEmpty, states.allSatisfy({ ($0[0] as Int) == ReplicaStore.SyncState.rejected.rawValue }) else { return nil }
        return "the server refused the operation naming it (\((states.first?[1] as String?) ?? "refused"))"
    }

    enum UploadOutcome {
        case uploaded(bytesSent: Int64)
        case notYetKnown
        case refused(code: String, reason: String)
    }

    private func upload(_ sha256: String, from file: String, progress: (@Sendable (SyncProgress) -> Void)?,
                        report: SyncReport) async throws -> UploadOutcome {
        var sent: Int64 = 0
        var (stored, received, total) = (false, Int64(0), Int64(0))
        let localBytes = ((try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? NSNumber)?.int64Value ?? 0
        func readStatus() async throws -> Bool {
            let (response, _, _) = try await exchange("GET", "/v1/attachments/\(sha256)/upload", body: nil, headers: [:])
            if response.status == 404 { return false }
            let object = try interpret(response, path: "/v1/attachments").objectValue ?? [:]
            stored = object["stored"]?.boolValue ?? false
            received = object["received"]?.intValue ?? 0
            total = object["bytes"]?.intValue ?? 0
            return true
        }
        guard try await readStatus() else { return .notYetKnown }
        guard let handle = FileHandle(forReadingAtPath: file) else { throw SyncError(.storage, "cannot read \(file)") }
        defer { try? handle.close() }
        var restarts = 0
        while !stored {
            try handle.seek(toOffset: UInt64(received))
            let chunk = try handle.read(upToCount: Self.attachmentChunkBytes) ?? Data()
            // Empty at the very end: every byte arrived but the server has not kept the file yet
            // (cut before it could): an empty piece asks it to check and keep it.
            guard !chunk.isEmpty || received == localBytes else {
                return .refused(code: "changed", reason: "the file beside the replica is shorter than its record says")
            }
            let (response, _, _) = try await exchange("PUT", "/v1/attachments/\(sha256)?offset=\(received)", body: chunk,
                                                      headers: ["Content-Type": "application/octet-stream",
                                                                "CivicSync-Attachment-Bytes": String(localBytes)])
            let object = try? JSONParser.parse(response.body).objectValue
            let code = object?["error"]?.objectValue?["code"]?.stringValue ?? ""
            let message = object?["error"]?.objectValue?["message"]?.stringValue ?? "status \(response.status)"
            switch response.status {
            case 200:
                sent += Int64(chunk.count)
                stored = object?["stored"]?.boolValue ?? false
                received = object?["received"]?.intValue ?? received + Int64(chunk.count)
                progress?(SyncProgress(phase: .push, pushed: report.pushed, pulled: report.pulled, batches: report.batches,
                                       done: received, total: total, unit: .bytes))
            case 409 where code == "wrong_offset":
                // Another upload of the same bytes moved on meanwhile: ask where it stands, and
                // go on from there while it moves; if it keeps overtaking, let it finish.
                let before = received
                guard try await readStatus() else { return .notYetKnown }
                restarts = received > before ? 0 : restarts + 1
                if restarts > 3 { return .notYetKnown }
            case 404:
                return .notYetKnown
            case 413, 415:
                return .refused(code: code.isEmpty ? String(response.status) : code, reason: message)
            case 400 where code == "hash_mismatch":
                // Whose bytes were wrong? If the file here still hashes to its name, someone
                // else's piece was: send it again next time.
                if (try? FileSHA256.of(file)) == sha256 { return .notYetKnown }
                return .refused(code: code, reason: "\(message) (the file beside the replica changed after it was attached)")
            default:
                _ = try interpret(response, path: "/v1/attachments")
                throw SyncError(.server, "the server answered \(response.status) to an attachment upload: \(message)")
            }
        }
        return .uploaded(bytesSent: sent)
    }

    /// Fetches the bytes of `sha256` into the replica's attachments directory (resuming a
    /// download cut before), checks they hash to their name, and answers the file's path.
    public func downloadAttachment(_ sha256: String) async throws -> String {
        guard let directory = attachmentsDirectory else { throw SyncError(.storage, "an in-memory replica keeps no attachments") }
        guard AccessPolicy.isAttachmentHash(sha256) else { throw SyncError(.invalidValue, "'\(sha256.prefix(80))' is not an attachment's SHA-256") }
        let final = (directory as NSString).appendingPathComponent(sha256)
        if FileManager.default.fileExists(atPath: final) { return final }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let partial = final + ".partial"
        if !FileManager.default.fileExists(atPath: partial) { _ = FileManager.default.createFile(atPath: partial, contents: nil) }
        var offset = ((try? FileManager.default.attributesOfItem(atPath: partial))?[.size] as? NSNumber)?.int64Value ?? 0
        while true {
            let path = "/v1/attachments/\(sha256)?offset=\(offset)&length=\(Self.attachmentChunkBytes)"
            let (response, _, _) = try await exchange("GET", path, body: nil, headers: ["Accept": "*/*"])
            guard response.status == 200 else {
                if response.status == 400, offset > 0 {
                    // More than the file holds here: start again.
                    try? FileManager.default.removeItem(atPath: partial)
                    _ = FileManager.default.createFile(atPath: partial, contents: nil)
                    offset = 0
                    continue
                }
                if response.status == 404 {
                    if offset == 0 { try? FileManager.default.removeItem(atPath: partial) }
                    let message = (try? JSONParser.parse(response.body))?.objectValue?["error"]?.objectValue?["message"]?.stringValue
                    throw SyncError(.notFound, message ?? "the server has no attachment \(sha256) this replica may see")
                }
                _ = try interpret(response, path: "/v1/attachments")
                throw SyncError(.server, "the server answered \(response.status) to an attachment download")
            }
            guard let total = response.headers["civicsync-attachment-bytes"].flatMap(Int64.init) else {
                throw SyncError(.server, "the server's attachment answer lacks its size")
            }
            guard let handle = FileHandle(forWritingAtPath: partial) else { throw SyncError(.storage, "cannot write \(partial)") }
            try handle.seek(toOffset: UInt64(offset))
            try handle.write(contentsOf: response.body)
            try handle.close()
            offset += Int64(response.body.count)
            if offset >= total || response.body.isEmpty { break }
        }
        guard try FileSHA256.of(partial) == sha256 else {
            try? FileManager.default.removeItem(atPath: partial)
            throw SyncError(.server, "the attachment \(sha256) arrived damaged (its bytes do not hash to its name); run the command again")
        }
        try FileManager.default.moveItem(atPath: partial, toPath: final)
        return final
    }
}
