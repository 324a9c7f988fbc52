import SyncCore
import Foundation
import Hummingbird
import HTTPTypes
import Logging
import ServiceLifecycle

/// The route handlers. Parsing is strict (unknown members, wrong types and wrong content types
/// are 4xx with a JSON error), and every decision about data is left to the storage and the
/// access policy.
struct SyncRoutes: Sendable {
    let configuration: ServerConfiguration
    let storage: any SyncStorage
    let metrics: ServerMetrics
    let wallClock: any WallClock
    /// Pulls waiting for news now, bounded per token and in all.
    var waiting = WaitingPulls()

    // MARK: - Open routes

    func health(_ request: Request, context: SyncRequestContext) async throws -> Response {
        do {
            try await storage.checkHealth()
        } catch {
            context.logger.error("health check failed", metadata: ["error": .string(String(describing: error))])
            let what = storage.storeKind == "postgresql" ? "the PostgreSQL database" : "the server's storage"
            return try APIError(.serviceUnavailable, "storage_unavailable", "\(what) does not answer")
                .response(from: request, context: context)
        }
        var answer: [String: JSONValue] = ["status": .string("ok"), "store": .string(storage.storeKind)]
        if let instance = configuration.instance { answer["instance"] = .string(instance) }
        return JSONBody.ok(.object(answer))
    }

    func version(_ request: Request, context: SyncRequestContext) async throws -> Response {
        JSONBody.ok(.object([
            "protocol": .int(Int64(ServerVersion.syncProtocol)),
            "protocols": .object(["min": .int(Int64(ServerVersion.supportedProtocols.lowerBound)),
                                  "max": .int(Int64(ServerVersion.supportedProtocols.upperBound))]),
            "schema": .object(["name": .string(storage.schema.name), "version": .int(Int64(storage.schema.version))]),
            "server": .string(configuration.serverName),
        ]))
    }

    func metricsText(_ request: Request, context: SyncRequestContext) async throws -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: metrics.exposition())))
    }

    // MARK: - Push

    func push(_ request: Request, context: SyncRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let contentType = request.headers[.contentType] ?? ""
        guard contentType.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() == "application/json" else {
            throw APIError(.unsupportedMediaType, "unsupported_media_type",
                           "push bodies must be sent as 'Content-Type: application/json', not '\(contentType.prefix(60))'")
        }
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > configuration.maxBodyBytes {
            throw APIError.payloadTooLarge(configuration.maxBodyBytes)
        }
        let gzipped = try Self.bodyIsGzip(request)
        var buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: configuration.maxBodyBytes)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw APIError.payloadTooLarge(configuration.maxBodyBytes)
        } catch {
            // The connection ended before the body it announced: the client's fault, not ours.
            throw APIError.badRequest("incomplete_body", "the push body ended before it was complete; send it again")
        }
        let received = buffer.readableBytes
        if gzipped {
            // The limit holds for the decompressed body: a compression bomb stops at it.
            do {
                buffer = try GzipStream.decompress(buffer, limit: configuration.maxBodyBytes)
            } catch .tooLarge {
                throw APIError(.contentTooLarge, "payload_too_large",
                               "the request body decompresses to more than the server's limit of \(configuration.maxBodyBytes) bytes; push smaller batches")
            } catch .truncated {
                throw APIError.badRequest("incomplete_body", "the gzip push body ended before its stream did; send it again")
            } catch {
                throw APIError.badRequest("malformed_body", "the push body says Content-Encoding: gzip but is not gzip")
            }
        }
        metrics.countRequestBytes(received: received, decoded: buffer.readableBytes)
        var batch = Self.deferNewerSchema(try parsePush(buffer.readableBytesView), clientSchema: context.clientSchemaVersion,
                                          serverSchema: storage.schema.version)
        batch.resend = request.headers[Self.resendHeaderName] == "1"
        metrics.pushes.increment()
        metrics.operationsPushed.increment(by: batch.items.count)
        let outcome: PushOutcome
        do {
            outcome = try await storage.push(batch, as: principal, receivedAt: wallClock.nowMilliseconds())
        } catch let quota as QuotaExceeded {
            var headers = HTTPFields()
            headers[.retryAfter] = String(quota.retryAfterSeconds)
            throw APIError(.tooManyRequests, "quota_exceeded", quota.message, headers: headers)
        }
        metrics.operationsAccepted.increment(by: outcome.acknowledged.count)
        metrics.operationsApplied.increment(by: outcome.applied)
        metrics.operationsRejected.increment(by: outcome.rejected.count)
        context.logger.info("push", metadata: [
            "replica": .string(batch.replica.rawValue), "operations": .stringConvertible(batch.items.count),
            "acknowledged": .stringConvertible(outcome.acknowledged.count), "applied": .stringConvertible(outcome.applied),
            "rejected": .stringConvertible(outcome.rejected.count),
        ])
        return JSONBody.response(.ok, JSONValue.object([
            "acknowledged": .array(outcome.acknowledged.map(JSONValue.string)),
            "rejected": .array(outcome.rejected.map { rejection in
                .object(["id": .string(rejection.id), "code": .string(rejection.denial.code.rawValue),
                         "reason": .string(rejection.denial.reason)])
            }),
            "serverTime": .int(outcome.serverTime),
            "maxClockAheadMs": .int(outcome.maxClockAheadMilliseconds),
        ]).canonicalJSON, headers: timeHeader())
    }

    /// Whether a request body comes gzip-compressed; another coding is a 415 naming the ones
    /// this server reads.
    static func bodyIsGzip(_ request: Request) throws -> Bool {
        let codings = request.headers[values: .contentEncoding]
            .flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            .filter { $0 != "identity" && !$0.isEmpty }
        if codings.isEmpty { return false }
        guard codings.count == 1, ["gzip", "x-gzip"].contains(codings[0]) else {
            var headers = HTTPFields()
            headers[.acceptEncoding] = "gzip"
            throw APIError(.unsupportedMediaType, "unsupported_encoding",
                           "request bodies may come as they are or with 'Content-Encoding: gzip', not '\(codings.joined(separator: ", ").prefix(60))'",
                           headers: headers)
        }
        return true
    }

    /// The server's clock, on every sync answer: clients learn their offset from it.
    static let timeHeaderName = HTTPField.Name("CivicSync-Time")!
    /// The store's epoch, on every sync answer: a replica that meets another one than it synced
    /// with pushes its operations again and pulls from the start.
    static let epochHeaderName = HTTPField.Name("CivicSync-Epoch")!
    /// On a push: its operations are sent again after an epoch change (`PushBody.resend`).
    static let resendHeaderName = HTTPField.Name("CivicSync-Resend")!

    func timeHeader() -> HTTPFields {
        var headers = HTTPFields()
        headers[Self.timeHeaderName] = String(wallClock.nowMilliseconds())
        headers[Self.epochHeaderName] = storage.epoch
        // RFC 7694: the codings this server reads in request bodies, so clients compress pushes.
        headers[.acceptEncoding] = "gzip"
        return headers
    }

    // MARK: - Replica status

    /// `GET /v1/replicas/{replica}`: the epoch, and the highest counter and latest timestamp of
    /// the replica's own operations the server holds. Asked at the start of every sync.
    func replicaStatus(_ request: Request, context: SyncRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let text = context.parameters.get("replica") ?? ""
        guard let replica = ReplicaID(text) else {
            throw APIError.badRequest("invalid_parameter", "'\(text.prefix(40))' is not a replica id (1-32 letters, digits or _)")
        }
        var counters: [Int64] = []
        if let text = request.uri.queryParameters["counters"].map(String.init), !text.isEmpty {
            let parts = text.split(separator: ",", omittingEmptySubsequences: false)
            guard parts.count <= 1_000, let parsed = Optional(parts.compactMap { Int64($0) }), parsed.count == parts.count,
                  parsed.allSatisfy({ $0 > 0 }) else {
                throw APIError.badRequest("invalid_parameter", "'counters' must be at most 1,000 positive integers separated by commas")
            }
            counters = parsed
        }
        let status = try await storage.replicaStatus(replica, as: principal, fingerprintsOf: counters)
        return JSONBody.response(.ok, JSONValue.object([
            "replica": .string(status.replica.rawValue),
            "epoch": .string(status.epoch),
            "highestCounter": .int(status.highestCounter),
            "latestTimestamp": status.latestTimestamp.map { .string($0.description) } ?? .null,
            "known": .bool(status.known),
            "fingerprints": .object(Dictionary(uniqueKeysWithValues: status.fingerprints.map { (String($0.key), JSONValue.string($0.value)) })),
        ]).canonicalJSON, headers: timeHeader())
    }

    /// Reads a push body (`PushBody.parse`): whole-body problems are 4xx errors; a bad
    /// operation is only rejected, and the operations beside it go on.
    func parsePush(_ data: some Collection<UInt8>) throws -> PushBatch {
        do {
            return try PushBody.parse(data, catalog: storage.schema.catalog, maxOperations: configuration.maxBatchOperations)
        } catch {
            throw APIError(error.tooLarge ? .contentTooLarge : .badRequest, error.code, error.message)
        }
    }

    /// A client of a newer schema may push fields or values this server does not know yet:
    /// those operations are refused for now (`schema_ahead`, not final), never the whole push,
    /// and go again once the server is upgraded.
    static func deferNewerSchema(_ batch: PushBatch, clientSchema: Int?, serverSchema: Int) -> PushBatch {
        guard let clientSchema, clientSchema > serverSchema else { return batch }
        var batch = batch
        batch.items = batch.items.map { item in
            guard case .invalid(let id, let error) = item, error.code == .unknownField || error.code == .invalidValue else { return item }
            return .invalid(id: id, error: SyncError(.schemaAhead,
                "\(error.message); the client's schema (version \(clientSchema)) is newer than this server's (\(serverSchema)): upgrade the server, the operation waits"))
        }
        return batch
    }

    // MARK: - Pull and digest

    func pull(_ request: Request, context: SyncRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let query = request.uri.queryParameters
        // Protocol 2 clients get opaque cursors and pages that never exceed their limit;
        // earlier clients keep plain numbers (a replay begun is finished beyond the limit).
        let bounded = context.clientProtocol >= 2
        var cursor = PullCursor.start
        if let text = query["cursor"].map(String.init) {
            guard let parsed = PullCursor(text), bounded || parsed.replay == nil else {
                throw APIError.badRequest("invalid_parameter", "'cursor' must be a cursor this server gave (a non-negative integer, or the text a pull answered), not '\(text.prefix(60))'")
            }
            cursor = parsed
        }
        let limit = min(try Self.integer(query["limit"].map(String.init), name: "limit",
                                         default: Int64(configuration.defaultPullLimit), minimum: 1),
                        Int64(configuration.maxPullLimit))
        let waitSeconds = min(try Self.integer(query["wait"].map(String.init), name: "wait", default: 0, minimum: 0),
                              Int64(ServerConfiguration.longestPullWaitSeconds))
        func read() async throws -> PullPage {
            do {
                return try await storage.pull(as: principal, after: cursor, limit: Int(limit), bounded: bounded)
            } catch let error as SyncError where error.code == .conflict {
                throw APIError(.conflict, "cursor_ahead", error.message)
            } catch let error as SyncError where error.code == .compacted {
                throw APIError(.gone, "cursor_compacted", error.message)
            }
        }
        // Live sync: with `wait`, an empty answer waits until something this caller may see is
        // stored (the feed's count is read before looking, so nothing stored meanwhile is
        // missed), or answers empty at the deadline.
        var seen = storage.changes.generation
        var page = try await read()
        let token = context.tokenHash ?? principal.memberID
        if waitSeconds > 0, page.operations.isEmpty, !page.more, waiting.enter(token) {
            defer { waiting.leave(token) }
            let deadline = ContinuousClock.now + .seconds(waitSeconds)
            while page.operations.isEmpty, !page.more, ContinuousClock.now < deadline {
                let changes = storage.changes, since = seen, left = deadline - ContinuousClock.now
                // A server shutting down answers its waiting pulls at once instead of waiting for them.
                guard await cancelWhenGracefulShutdown({ await changes.wait(after: since, timeout: left) }) else { break }
                seen = storage.changes.generation
                page = try await read()
            }
        }
        metrics.pulls.increment()
        metrics.operationsPulled.increment(by: page.operations.count)
        var text = "{\"operations\":["
        for (index, op) in page.operations.enumerated() {
            if index > 0 { text += "," }
            text += op.canonicalJSON
        }
        text += "],\"cursor\":"
        if bounded { JSONValue.string(page.cursor.description).write(to: &text) } else { text += String(page.cursor.position) }
        text += ",\"more\":\(page.more),\"remaining\":\(page.remaining),\"scope\":"
        JSONValue.string(principal.scopeDescription).write(to: &text)
        text += "}"
        return JSONBody.response(.ok, text, headers: timeHeader())
    }

    /// `GET /v1/snapshot`: whole entities the caller may see, for a new replica's first sync
    /// (then it pulls from `position`), or the named ones (`entity=kind:id`, repeated) for repair.
    func snapshot(_ request: Request, context: SyncRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let query = request.uri.queryParameters
        var cursor: SnapshotCursor?
        if let text = query["cursor"].map(String.init) {
            guard let parsed = SnapshotCursor(text) else {
                throw APIError.badRequest("invalid_parameter", "'cursor' must be a cursor a snapshot answer gave, not '\(text.prefix(60))'")
            }
            cursor = parsed
        }
        let limit = min(try Self.integer(query["limit"].map(String.init), name: "limit",
                                         default: Int64(configuration.defaultSnapshotLimit), minimum: 1),
                        Int64(configuration.maxSnapshotLimit))
        var named: [EntityKey]?
        let requested = query.getAll("entity")
        if !requested.isEmpty {
            guard requested.count <= 500 else {
                throw APIError.badRequest("invalid_parameter", "at most 500 'entity' parameters per request")
            }
            named = try requested.map { text in
                let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
                guard parts.count == 2, let kind = EntityKind(rawValue: String(parts[0])), storage.schema.entity(kind) != nil,
                      !parts[1].isEmpty, parts[1].utf8.count <= 200 else {
                    throw APIError.badRequest("invalid_parameter", "'entity' must be kind:id with a kind this server knows, not '\(text.prefix(60))'")
                }
                return EntityKey(kind, String(parts[1]))
            }
        }
        let page: SnapshotPage
        do {
            page = try await storage.snapshot(as: principal, after: cursor, limit: Int(limit), entities: named)
        } catch let error as SyncError where error.code == .conflict {
            throw APIError(.conflict, "cursor_ahead", error.message)
        }
        metrics.snapshots.increment()
        metrics.operationsPulled.increment(by: page.operationCount)
        var text = "{\"entities\":["
        for (index, entity) in page.entities.enumerated() {
            if index > 0 { text += "," }
            entity.wireValue.write(to: &text)
        }
        text += "],\"cursor\":"
        JSONValue.string(page.cursor.description).write(to: &text)
        text += ",\"position\":\(page.cursor.position),\"more\":\(page.more),\"schemaVersion\":\(storage.schema.version),\"scope\":"
        JSONValue.string(principal.scopeDescription).write(to: &text)
        if !page.compactedRanges.isEmpty {
            text += ",\"compactedRanges\":"
            JSONValue.array(page.compactedRanges.map(\.wireValue)).write(to: &text)
        }
        text += "}"
        return JSONBody.response(.ok, text, headers: timeHeader())
    }

    /// `GET /v1/snapshot/file`: the snapshot as one SQLite file, in chunks (`offset`, `length`),
    /// the same file again while it is kept (`id`). Its id, position, size and SHA-256 are in
    /// the headers of every chunk.
    func snapshotFile(_ request: Request, context: SyncRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let query = request.uri.queryParameters
        let id = query["id"].map(String.init)
        let offset = try Self.integer(query["offset"].map(String.init), name: "offset", default: 0, minimum: 0)
        let length = try Self.integer(query["length"].map(String.init), name: "length", default: Int64.max, minimum: 1)
        guard let file = try await storage.snapshotFile(as: principal, id: id) else {
            if id != nil {
                throw APIError(.notFound, "snapshot_gone", "the snapshot \(id!.prefix(80)) is no longer kept; start a new one")
            }
            throw APIError(.notFound, "not_found", "this store makes no snapshot files; use GET /v1/snapshot")
        }
        guard offset <= file.bytes else {
            throw APIError.badRequest("invalid_parameter", "'offset' \(offset) is beyond the snapshot's \(file.bytes) bytes")
        }
        metrics.snapshots.increment()
        var headers = timeHeader()
        headers[.contentType] = "application/vnd.sqlite3"
        headers[Self.snapshotIDHeader] = file.id
        headers[Self.snapshotPositionHeader] = String(file.position)
        headers[Self.snapshotBytesHeader] = String(file.bytes)
        headers[Self.snapshotHashHeader] = file.sha256
        headers[Self.snapshotSchemaHeader] = String(storage.schema.version)
        let end = length >= file.bytes - offset ? file.bytes : offset + length
        guard end > offset else {
            headers[.contentLength] = "0"
            return Response(status: .ok, headers: headers, body: ResponseBody())
        }
        headers[.contentLength] = String(end - offset)
        let body = try await FileIO().loadFile(path: file.path, range: Int(offset)...Int(end - 1), context: context)
        return Response(status: .ok, headers: headers, body: body)
    }

    static let snapshotIDHeader = HTTPField.Name("CivicSync-Snapshot-Id")!
    static let snapshotPositionHeader = HTTPField.Name("CivicSync-Snapshot-Position")!
    static let snapshotBytesHeader = HTTPField.Name("CivicSync-Snapshot-Bytes")!
    static let snapshotHashHeader = HTTPField.Name("CivicSync-Snapshot-Sha256")!
    static let snapshotSchemaHeader = HTTPField.Name("CivicSync-Snapshot-Schema-Version")!

    func digest(_ request: Request, context: SyncRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let list = request.uri.queryParameters["list"].map { ["1", "true", "yes"].contains($0.lowercased()) } ?? false
        let report = try await storage.digest(as: principal, listEntities: list)
        metrics.digests.increment()
        var body: [String: JSONValue] = ["digest": .string(report.digest), "entities": .int(Int64(report.entities)),
                                         "schemaVersion": .int(Int64(storage.schema.version))]
        let buckets = try request.uri.queryParameters.getAll("bucket").map { text -> Int in
            guard let bucket = Int(text), (0..<StateDigest.bucketCount).contains(bucket) else {
                throw APIError.badRequest("invalid_parameter", "'bucket' must be 0-\(StateDigest.bucketCount - 1), not '\(text.prefix(20))'")
            }
            return bucket
        }
        if !buckets.isEmpty {
            let hashes = try await storage.entityHashes(as: principal, buckets: Set(buckets))
            body["hashes"] = .array(hashes.keys.sorted().map { key in
                .object(["entity": .string(key.entity.rawValue), "id": .string(key.id), "hash": .string(hashes[key]!)])
            })
        }
        if !report.buckets.isEmpty { body["buckets"] = .array(report.buckets.map(JSONValue.string)) }
        if let visible = report.visible {
            body["visible"] = .array(visible.map { .object(["entity": .string($0.entity.rawValue), "id": .string($0.id)]) })
        }
        return JSONBody.response(.ok, JSONValue.object(body).canonicalJSON, headers: timeHeader())
    }

    /// A non-negative integer query parameter, or a 400 naming it.
    static func integer(_ text: String?, name: String, default value: Int64, minimum: Int64) throws -> Int64 {
        guard let text else { return value }
        guard let number = Int64(text), number >= minimum else {
            throw APIError.badRequest("invalid_parameter", "'\(name)' must be an integer of at least \(minimum), not '\(text.prefix(40))'")
        }
        return number
    }
}
