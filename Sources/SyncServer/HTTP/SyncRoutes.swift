import SyncCore
import Foundation
import Hummingbird
import Logging

/// The route handlers. Parsing is strict (unknown members, wrong types and wrong content types
/// are 4xx with a JSON error), and every decision about data is left to the storage and the
/// access policy.
struct SyncRoutes: Sendable {
    let configuration: ServerConfiguration
    let storage: any SyncStorage
    let metrics: ServerMetrics
    let wallClock: any WallClock

    /// Members a push body may have.
    static let pushMembers: Set<String> = ["replica", "operations"]

    // MARK: - Open routes

    func health(_ request: Request, context: SyncRequestContext) async throws -> Response {
        do {
            try await storage.checkHealth()
        } catch {
            context.logger.error("health check failed", metadata: ["error": .string(String(describing: error))])
            return try APIError(.serviceUnavailable, "storage_unavailable", "the server's storage does not answer")
                .response(from: request, context: context)
        }
        return JSONBody.ok(.object(["status": .string("ok")]))
    }

    func version(_ request: Request, context: SyncRequestContext) async throws -> Response {
        JSONBody.ok(.object(["protocol": .int(Int64(ServerVersion.syncProtocol)), "server": .string(configuration.serverName)]))
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
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: configuration.maxBodyBytes)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw APIError.payloadTooLarge(configuration.maxBodyBytes)
        }
        let batch = try parsePush(Data(buffer.readableBytesView))
        metrics.pushes.increment()
        metrics.operationsPushed.increment(by: batch.items.count)
        let outcome = try await storage.push(batch, as: principal, receivedAt: wallClock.nowMilliseconds())
        metrics.operationsAccepted.increment(by: outcome.acknowledged.count)
        metrics.operationsApplied.increment(by: outcome.applied)
        metrics.operationsRejected.increment(by: outcome.rejected.count)
        context.logger.info("push", metadata: [
            "replica": .string(batch.replica.rawValue), "operations": .stringConvertible(batch.items.count),
            "acknowledged": .stringConvertible(outcome.acknowledged.count), "applied": .stringConvertible(outcome.applied),
            "rejected": .stringConvertible(outcome.rejected.count),
        ])
        return JSONBody.ok(.object([
            "acknowledged": .array(outcome.acknowledged.map(JSONValue.string)),
            "rejected": .array(outcome.rejected.map { rejection in
                .object(["id": .string(rejection.id), "code": .string(rejection.denial.code.rawValue),
                         "reason": .string(rejection.denial.reason)])
            }),
        ]))
    }

    /// Reads a push body. Whole-body problems are 4xx errors; a bad operation is only rejected.
    func parsePush(_ data: Data) throws -> PushBatch {
        let body: JSONValue
        do {
            body = try JSONDecoder().decode(JSONValue.self, from: data)
        } catch let error as SyncError {
            throw APIError.badRequest("malformed_json", "the push body is not acceptable JSON: \(error.message)")
        } catch {
            throw APIError.badRequest("malformed_json", "the push body is not valid JSON")
        }
        guard let object = body.objectValue else {
            throw APIError.badRequest("invalid_request", "the push body must be a JSON object {\"replica\":…,\"operations\":[…]}")
        }
        let unknown = Set(object.keys).subtracting(Self.pushMembers)
        if !unknown.isEmpty {
            throw APIError.badRequest("unknown_field", "unknown push member(s): \(unknown.sorted().joined(separator: ", ").prefix(200)) (expected replica, operations)")
        }
        guard let replicaText = object["replica"]?.stringValue else {
            throw APIError.badRequest("invalid_request", "the push body needs 'replica', the pushing replica's id")
        }
        guard let replica = ReplicaID(replicaText) else {
            throw APIError.badRequest("invalid_request", "'\(replicaText.prefix(40))' is not a replica id (1-32 letters, digits or _)")
        }
        guard let operations = object["operations"]?.arrayValue else {
            throw APIError.badRequest("invalid_request", "the push body needs 'operations', an array of operations")
        }
        guard operations.count <= configuration.maxBatchOperations else {
            throw APIError(.contentTooLarge, "batch_too_large",
                           "a push may carry at most \(configuration.maxBatchOperations) operations, this one has \(operations.count); push in smaller batches")
        }
        let items = operations.enumerated().map { index, wire -> PushBatch.Item in
            do {
                let op = try SyncOperation(wire: wire)
                try op.validate(against: .civicSync)
                return .operation(op)
            } catch {
                let syncError = error as? SyncError ?? SyncError(.malformed, "operation could not be read")
                let id = wire.objectValue?["id"]?.stringValue.map { String($0.prefix(100)) } ?? "#\(index)"
                return .invalid(id: id, error: syncError)
            }
        }
        return PushBatch(replica: replica, items: items)
    }

    // MARK: - Pull and digest

    func pull(_ request: Request, context: SyncRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let query = request.uri.queryParameters
        let cursor = try Self.integer(query["cursor"].map(String.init), name: "cursor", default: 0, minimum: 0)
        let limit = min(try Self.integer(query["limit"].map(String.init), name: "limit",
                                         default: Int64(configuration.defaultPullLimit), minimum: 1),
                        Int64(configuration.maxPullLimit))
        let page: PullPage
        do {
            page = try await storage.pull(as: principal, after: cursor, limit: Int(limit))
        } catch let error as SyncError where error.code == .conflict {
            throw APIError(.conflict, "cursor_ahead", error.message)
        }
        metrics.pulls.increment()
        metrics.operationsPulled.increment(by: page.operations.count)
        var text = "{\"operations\":["
        for (index, op) in page.operations.enumerated() {
            if index > 0 { text += "," }
            text += op.canonicalJSON
        }
        text += "],\"cursor\":\(page.cursor),\"more\":\(page.more)}"
        return JSONBody.response(.ok, text)
    }

    func digest(_ request: Request, context: SyncRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let list = request.uri.queryParameters["list"].map { ["1", "true", "yes"].contains($0.lowercased()) } ?? false
        let report = try await storage.digest(as: principal, listEntities: list)
        metrics.digests.increment()
        var body: [String: JSONValue] = ["digest": .string(report.digest), "entities": .int(Int64(report.entities))]
        if let visible = report.visible {
            body["visible"] = .array(visible.map { .object(["entity": .string($0.entity.rawValue), "id": .string($0.id)]) })
        }
        return JSONBody.ok(.object(body))
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
