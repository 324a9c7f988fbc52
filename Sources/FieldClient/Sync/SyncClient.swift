import Foundation
import GRDB
import SyncCore

/// Offline-first synchronisation of one replica with the server: push what waits, pull until
/// caught up, then compare digests.
///
/// Safe to interrupt anywhere: acknowledgements are saved after the server stored the batch
/// (a re-push is idempotent), and each pulled batch is applied in the same transaction as the
/// cursor that follows it, so a resumed sync neither skips nor doubles anything.
public struct SyncClient: Sendable {
    /// The wire protocol this client speaks (header `CivicSync-Protocol`).
    public static let protocolVersion = 1

    public let store: ReplicaStore
    public let transport: any SyncTransport
    public let settings: SyncSettings
    let wallClock: any WallClock
    /// Waits between retries; injected so tests need not sleep.
    let pause: @Sendable (Int) async -> Void

    public init(store: ReplicaStore, transport: any SyncTransport, settings: SyncSettings, wallClock: any WallClock,
                pause: @escaping @Sendable (Int) async -> Void = { milliseconds in
                    try? await Task.sleep(nanoseconds: UInt64(max(0, milliseconds)) * 1_000_000)
                }) {
        self.store = store
        self.transport = transport
        self.settings = settings
        self.wallClock = wallClock
        self.pause = pause
    }

    /// Runs a full sync. Throws `SyncError(.unreachable)` when the server cannot be reached
    /// (the replica is unchanged apart from what earlier batches completed).
    public func sync(progress: (@Sendable (SyncProgress) -> Void)? = nil) async throws -> SyncReport {
        var report = SyncReport()
        try await push(&report, progress: progress)
        try await pull(&report, progress: progress)
        progress?(SyncProgress(phase: .verify, pushed: report.pushed, pulled: report.pulled, batches: report.batches))
        report.digest = try await store.writer.read { db in try store.stateDigest(visible: nil, db) }
        report.conflicts = try await store.writer.read { db in try store.conflicts(db).count }
        report.serverDigest = try await serverDigest()
        report.converged = report.serverDigest == report.digest
        let json = String(decoding: try JSONEncoder().encode(report), as: UTF8.self)
        let now = wallClock.nowMilliseconds()
        try await store.writer.write { db in try SyncSettingsTable.saveFinished(milliseconds: now, reportJSON: json, db) }
        return report
    }

    // MARK: Push

    public func push(_ report: inout SyncReport, progress: (@Sendable (SyncProgress) -> Void)?) async throws {
        var batchSize = max(1, settings.batchSize)
        while true {
            let limit = batchSize
            let waiting = try await store.writer.read { db in try store.waitingBatch(limit: limit, db) }
            if waiting.isEmpty { return }
            var body = "{\"replica\":"
            body += JSONValue.string(store.replicaID.rawValue).canonicalJSON
            body += ",\"operations\":["
            body += waiting.map(\.operation.canonicalJSON).joined(separator: ",")
            body += "]}"
            let response: JSONValue
            do {
                response = try await call("POST", "/v1/push", body: Data(body.utf8))
            } catch let error as SyncError where error.code == .malformed && error.message.hasPrefix("413") && batchSize > 1 {
                batchSize = max(1, batchSize / 2)   // the server's body limit: send smaller batches
                continue
            }
            guard let object = response.objectValue,
                  let acknowledged = object["acknowledged"]?.arrayValue?.compactMap({ $0.stringValue.flatMap(OperationID.init) }),
                  let rejected = object["rejected"]?.arrayValue else {
                throw SyncError(.server, "the server's push answer is not understood")
            }
            let sent = Set(waiting.map(\.operation.id))
            var rejections: [(OperationID, SyncReport.Rejection)] = []
            for item in rejected {
                guard let entry = item.objectValue, let idText = entry["id"]?.stringValue, let id = OperationID(idText), sent.contains(id) else { continue }
                rejections.append((id, SyncReport.Rejection(id: idText, code: entry["code"]?.stringValue ?? "rejected",
                                                            reason: entry["reason"]?.stringValue ?? "no reason given")))
            }
            let acked = acknowledged.filter(sent.contains)
            let answered = Set(acked).union(rejections.map(\.0))
            if answered.isEmpty {
                throw SyncError(.server, "the server answered a push of \(waiting.count) operations without acknowledging or rejecting any")
            }
            let toReject = rejections
            try await store.writer.write { db in
                try store.markAcknowledged(acked, db)
                for (id, rejection) in toReject { try store.markRejected(id, reason: "\(rejection.code): \(rejection.reason)", db) }
            }
            report.pushed += waiting.count
            report.acknowledged += acked.count
            report.rejected += rejections.map(\.1)
            report.batches += 1
            progress?(SyncProgress(phase: .push, pushed: report.pushed, pulled: report.pulled, batches: report.batches))
        }
    }

    // MARK: Pull

    public func pull(_ report: inout SyncReport, progress: (@Sendable (SyncProgress) -> Void)?) async throws {
        var cursor = try await store.writer.read { db in try SyncSettingsTable.load(db).cursor }
        while true {
            let response = try await call("GET", "/v1/pull?cursor=\(cursor)&limit=\(max(1, settings.pullLimit))", body: nil)
            guard let object = response.objectValue,
                  let items = object["operations"]?.arrayValue,
                  let next = object["cursor"]?.intValue,
                  let more = object["more"]?.boolValue else {
                throw SyncError(.server, "the server's pull answer is not understood")
            }
            let operations: [SyncOperation]
            do {
                operations = try items.map(SyncOperation.init(wire:))
            } catch {
                throw SyncError(.server, "the server sent an operation this client cannot read", cause: error)
            }
            guard next > cursor || !more else {
                throw SyncError(.server, "the server says more operations remain but did not advance the cursor (\(cursor))")
            }
            guard next >= cursor else { throw SyncError(.server, "the server moved the pull cursor backwards (\(cursor) → \(next))") }
            let result = try await store.writer.write { db -> ApplyResult in
                let result = try store.apply(operations, db)
                try SyncSettingsTable.saveCursor(next, db)
                return result
            }
            cursor = next
            report.pulled += operations.count
            report.applied += result.applied.count
            report.batches += 1
            progress?(SyncProgress(phase: .pull, pushed: report.pushed, pulled: report.pulled, batches: report.batches))
            if !more { return }
        }
    }

    // MARK: Digest

    /// The server's digest over what this replica may see.
    public func serverDigest() async throws -> String {
        let response = try await call("GET", "/v1/digest", body: nil)
        guard let digest = response.objectValue?["digest"]?.stringValue else {
            throw SyncError(.server, "the server's digest answer is not understood")
        }
        return digest
    }

    // MARK: HTTP with retries

    /// One request with retries on unreachable servers and 5xx answers; 4xx answers become
    /// `SyncError`s carrying the server's message.
    func call(_ method: String, _ path: String, body: Data?) async throws -> JSONValue {
        var headers = ["Authorization": "Bearer \(settings.token)", "CivicSync-Protocol": String(Self.protocolVersion),
                       "Accept": "application/json"]
        if body != nil { headers["Content-Type"] = "application/json" }
        let request = TransportRequest(method: method, path: path, headers: headers, body: body)
        var attempt = 0
        while true {
            do {
                let response = try await transport.send(request)
                return try interpret(response, path: path)
            } catch let error as SyncError where (error.code == .unreachable || error.code == .server) && attempt < settings.retries {
                await pause(settings.backoffMilliseconds << min(attempt, 10))
                attempt += 1
            }
        }
    }

    func interpret(_ response: TransportResponse, path: String) throws -> JSONValue {
        let json = try? JSONDecoder().decode(JSONValue.self, from: response.body)
        let serverMessage = json?.objectValue?["error"]?.objectValue?["message"]?.stringValue
        let serverCode = json?.objectValue?["error"]?.objectValue?["code"]?.stringValue
        switch response.status {
        case 200..<300:
            guard let json else { throw SyncError(.server, "the server's answer to \(path) is not JSON") }
            return json
        case 401:
            throw SyncError(.unauthorized, "the server refused this replica's token (\(serverMessage ?? "unauthorized")); ask HQ for a new token and run `field remote set`")
        case 403:
            throw SyncError(.forbidden, "the server refused: \(serverMessage ?? "forbidden")")
        case 409 where serverCode == "cursor_ahead":
            throw SyncError(.conflict, "this replica has pulled further than the server's log reaches: the server's data was reset or replaced; point the replica at the right server (`field remote set`) or ask HQ")
        case 413:
            throw SyncError(.malformed, "413: the server found the request too large (\(serverMessage ?? "payload too large"))")
        case 400..<500:
            if serverCode == "unsupported_protocol" {
                throw SyncError(.unsupportedVersion, "the server speaks another sync protocol: \(serverMessage ?? "")  (upgrade `field`)")
            }
            throw SyncError(.malformed, "the server rejected the request (\(response.status) \(serverCode ?? "")): \(serverMessage ?? "no details")")
        default:
            throw SyncError(.server, "the server failed (\(response.status)): \(serverMessage ?? "no details")")
        }
    }
}
