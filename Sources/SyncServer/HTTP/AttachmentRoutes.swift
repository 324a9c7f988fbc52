import CivilAffairs
import Foundation
import Hummingbird
import HTTPTypes
import SyncCore

/// `/v1/attachments/{sha256}`: the bytes of files cases and meetings name, apart from the
/// operations. A replica uploads what it attached after pushing the operation that names it,
/// resumably (`GET …/upload` says how much arrived; `PUT …?offset=` adds from there) and only
/// once per hash; anyone who may see an entity naming a file may download it (`GET`, from an
/// `offset` to resume). Whoever may not is answered as if no such file existed.
struct AttachmentRoutes: Sendable {
    let configuration: ServerConfiguration
    let storage: any SyncStorage
    let files: AttachmentStore?
    let metrics: ServerMetrics

    static let bytesHeader = HTTPField.Name("CivicSync-Attachment-Bytes")!
    static let nameHeader = HTTPField.Name("CivicSync-Attachment-Name")!

    /// The hash in the path, and the record naming it that the caller may see.
    func record(_ context: SyncRequestContext) async throws -> (AttachmentStore, AttachmentRecord) {
        let principal = try context.requirePrincipal()
        let sha256 = context.parameters.get("sha256") ?? ""
        guard AccessPolicy.isAttachmentHash(sha256) else {
            throw APIError.badRequest("invalid_parameter", "'\(sha256.prefix(80))' is not an attachment's SHA-256 (64 lowercase hexadecimal digits)")
        }
        guard let files else {
            throw APIError(.notFound, "not_found", "this server keeps no attachments")
        }
        guard let record = try await storage.attachment(sha256, as: principal) else {
            throw APIError(.notFound, "not_found", "no attachment \(sha256) on anything this token may see (push the operation that names it first)")
        }
        return (files, record)
    }

    /// `GET /v1/attachments/{sha256}/upload`: whether the file is stored, and how many bytes of
    /// an upload under way have arrived.
    func uploadStatus(_ request: Request, context: SyncRequestContext) async throws -> Response {
        let (files, record) = try await record(context)
        let status = await files.status(of: record.sha256)
        return JSONBody.ok(.object(["sha256": .string(record.sha256), "bytes": .int(record.bytes), "stored": .bool(status.stored),
                                    "received": .int(status.stored ? record.bytes : status.received)]))
    }

    /// `PUT /v1/attachments/{sha256}?offset=N`: the next piece of the file. The record's size and
    /// media type must be within the server's limits (413, 415); a piece that does not start
    /// where the last one ended is a 409 saying where to resume; the whole file must hash to its
    /// name (else it is dropped: 400 `hash_mismatch`).
    func upload(_ request: Request, context: SyncRequestContext) async throws -> Response {
        var (files, record) = try await record(context)
        // Records on several entities may disagree; the uploader says how many bytes it has,
        // and the record naming that size (with a media type this server takes, if one does)
        // is the one judged. The bytes must hash to the name whatever the record says.
        if let declared = request.headers[Self.bytesHeader].flatMap(Int64.init), declared != record.bytes {
            let principal = try context.requirePrincipal()
            let matching = try await storage.attachments(record.sha256, as: principal).filter { $0.bytes == declared }
            guard let fitting = matching.first(where: { configuration.attachmentMediaTypes.contains($0.mediaType.lowercased()) }) ?? matching.first else {
                throw APIError.badRequest("size_mismatch", "no record of \(record.sha256) you may see names \(declared) bytes")
            }
            record = fitting
        } else if !configuration.attachmentMediaTypes.contains(record.mediaType.lowercased()) {
            let principal = try context.requirePrincipal()
            if let allowed = try await storage.attachments(record.sha256, as: principal)
                .first(where: { $0.bytes == record.bytes && configuration.attachmentMediaTypes.contains($0.mediaType.lowercased()) }) {
                record = allowed
            }
        }
        guard record.bytes <= configuration.attachmentMaxBytes else {
            throw APIError(.contentTooLarge, "attachment_too_large",
                           "attachment \(record.name.prefix(100)) has \(record.bytes) bytes; this server takes at most \(configuration.attachmentMaxBytes)")
        }
        guard configuration.attachmentMediaTypes.contains(record.mediaType.lowercased()) else {
            throw APIError(.unsupportedMediaType, "attachment_type_refused",
                           "attachment \(record.name.prefix(100)) is '\(record.mediaType.prefix(100))'; this server takes \(configuration.attachmentMediaTypes.sorted().joined(separator: ", "))")
        }
        let offset = try SyncRoutes.integer(request.uri.queryParameters["offset"].map(String.init), name: "offset", default: 0, minimum: 0)
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: configuration.maxBodyBytes)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw APIError.payloadTooLarge(configuration.maxBodyBytes)
        } catch {
            throw APIError.badRequest("incomplete_body", "the piece ended before it was complete; send it again")
        }
        metrics.countRequestBytes(received: buffer.readableBytes, decoded: buffer.readableBytes)
        let outcome = try await files.append(Data(buffer.readableBytesView), at: offset, to: record.sha256, total: record.bytes)
        switch outcome {
        case .stored:
            return JSONBody.ok(.object(["sha256": .string(record.sha256), "stored": .bool(true), "received": .int(record.bytes)]))
        case .partial(let received):
            return JSONBody.ok(.object(["sha256": .string(record.sha256), "stored": .bool(false), "received": .int(received)]))
        case .wrongOffset(let received):
            throw APIError(.conflict, "wrong_offset", "the upload of \(record.sha256) stands at \(received) bytes; send from there (within its \(record.bytes) bytes)")
        case .hashMismatch:
            throw APIError.badRequest("hash_mismatch", "the \(record.bytes) bytes received do not hash to \(record.sha256); they were dropped, send the file again")
        }
    }

    /// `GET /v1/attachments/{sha256}?offset=N&length=L`: the file from `offset` (all of it by
    /// default), at most `length` bytes (a download resumes piece by piece).
    func download(_ request: Request, context: SyncRequestContext) async throws -> Response {
        var (files, record) = try await record(context)
        guard let path = files.path(of: record.sha256) else {
            throw APIError(.notFound, "not_uploaded", "attachment \(record.sha256) is named but its bytes have not reached the server yet; try again after its author syncs")
        }
        // What is served is the file as stored (it hashed to its name); its size wins over any
        // record's, and the record that names that size gives its name and type.
        let stored = AttachmentStore.size(path)
        if record.bytes != stored {
            let principal = try context.requirePrincipal()
            record = try await storage.attachments(record.sha256, as: principal).first { $0.bytes == stored } ?? record
            record.bytes = stored
        }
        if !configuration.attachmentMediaTypes.contains(record.mediaType.lowercased()) { record.mediaType = "application/octet-stream" }
        let offset = try SyncRoutes.integer(request.uri.queryParameters["offset"].map(String.init), name: "offset", default: 0, minimum: 0)
        guard offset <= record.bytes else {
            throw APIError.badRequest("invalid_parameter", "'offset' \(offset) is beyond the attachment's \(record.bytes) bytes")
        }
        let length = try SyncRoutes.integer(request.uri.queryParameters["length"].map(String.init), name: "length", default: Int64.max, minimum: 1)
        return try await Self.fileResponse(path: path, record: record, from: offset, length: length, context: context)
    }

    /// The file's bytes from `offset`, with its type, size and name; never rendered by a
    /// browser in the server's origin (`nosniff`, a sandbox), so an uploaded page cannot act there.
    static func fileResponse(path: String, record: AttachmentRecord, from offset: Int64, length: Int64 = .max,
                             disposition: String = "attachment", context: some RequestContext) async throws -> Response {
        var headers = HTTPFields()
        headers[.contentType] = record.mediaType
        headers[bytesHeader] = String(record.bytes)
        headers[nameHeader] = record.name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "attachment"
        headers[.contentDisposition] = "\(disposition); filename*=UTF-8''\(record.name.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: ".-_"))) ?? "attachment")"
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        headers[HTTPField.Name("Content-Security-Policy")!] = "sandbox; default-src 'none'"
        let end = length >= record.bytes - offset ? record.bytes : offset + length
        guard end > offset else {
            headers[.contentLength] = "0"
            return Response(status: .ok, headers: headers, body: ResponseBody())
        }
        headers[.contentLength] = String(end - offset)
        let body = try await FileIO().loadFile(path: path, range: Int(offset)...Int(end - 1), context: context)
        return Response(status: .ok, headers: headers, body: body)
    }
}
