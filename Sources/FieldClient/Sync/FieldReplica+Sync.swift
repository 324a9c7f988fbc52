import Foundation
import GRDB
import SyncCore

/// Sync configuration and status of a field replica (issue 5).
extension FieldReplica {
    /// Saves the server and token this replica syncs with. Another server means pulling from its start.
    public func setRemote(_ settings: SyncSettings) throws {
        guard let url = URL(string: settings.serverURL), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
            throw SyncError(.invalidValue, "'\(settings.serverURL)' is not a server URL; give one like http://127.0.0.1:8080")
        }
        guard !settings.token.isEmpty, settings.token.count <= 512, !settings.token.contains(where: \.isWhitespace) else {
            throw SyncError(.invalidValue, "the token is empty or malformed; paste the token HQ gave you (`syncserver token issue`)")
        }
        guard (1...5_000).contains(settings.batchSize), (1...5_000).contains(settings.pullLimit),
              (0...20).contains(settings.retries), (0...60_000).contains(settings.backoffMilliseconds),
              (1...600).contains(settings.timeoutSeconds) else {
            throw SyncError(.invalidValue, "batch size and pull limit must be 1-5000, retries 0-20, backoff 0-60000 ms, timeout 1-600 s")
        }
        try Self.checkTransportSecurity(settings)
        if let pem = settings.caCertificatePEM { _ = try HTTPClientTransport.trustRoots(pem: pem) }
        try store.writer.write { db in try SyncSettingsTable.save(settings, db) }
    }

    /// Refuses to send a token where anyone on the way could read it: plain HTTP to a server
    /// other than this machine, unless the person passed `--insecure`. A private CA's
    /// certificate only makes sense for an HTTPS server.
    static func checkTransportSecurity(_ settings: SyncSettings) throws {
        guard let url = URL(string: settings.serverURL), let scheme = url.scheme?.lowercased(), let host = url.host else {
            throw SyncError(.invalidValue, "'\(settings.serverURL)' is not a server URL; give one like https://hq.example.org")
        }
        if scheme == "http", !isLoopback(host), !settings.insecure {
            throw SyncError(.invalidValue, "refusing to send the token over plain HTTP to \(host): anyone on the network could read it; use the server's https:// address (with --ca-cert FILE for a private CA), or pass --insecure if this network is trusted")
        }
        if scheme == "http", settings.caCertificatePEM != nil {
            throw SyncError(.invalidValue, "--ca-cert is for an https:// server; \(settings.serverURL) is plain HTTP")
        }
    }

    /// Whether `host` is this machine (a token sent there crosses no network).
    static func isLoopback(_ host: String) -> Bool { Loopback.contains(host) }

    /// The saved sync state (settings may be nil when never configured).
    public func syncState() throws -> SyncStateRecord {
        try store.writer.read { db in try SyncSettingsTable.load(db) }
    }

    /// A client over the configured server, through `transport` (URLSession when nil).
    public func syncClient(transport: (any SyncTransport)? = nil, overriding adjust: (inout SyncSettings) -> Void = { _ in }) throws -> SyncClient {
        guard var settings = try syncState().settings else {
            throw SyncError(.notFound, "this replica has no server yet; run `field remote set --server URL --token TOKEN`")
        }
        adjust(&settings)
        let resolved: any SyncTransport
        if let transport {
            resolved = transport
        } else {
            guard let url = URL(string: settings.serverURL) else {
                throw SyncError(.invalidValue, "the saved server URL '\(settings.serverURL)' is invalid; run `field remote set` again")
            }
            // Also for settings saved by an earlier `field`, which did not check.
            try Self.checkTransportSecurity(settings)
            if let pem = settings.caCertificatePEM {
                // URLSession cannot trust a private CA on Linux: AsyncHTTPClient with that CA.
                resolved = try HTTPClientTransport(baseURL: url, timeout: TimeInterval(settings.timeoutSeconds), caCertificatePEM: pem)
            } else {
                resolved = URLSessionTransport(baseURL: url, timeout: TimeInterval(settings.timeoutSeconds))
            }
        }
        return SyncClient(store: store, transport: resolved, settings: settings, wallClock: wallClock, lockPath: path)
    }

    /// What `field status` shows.
    public struct SyncStatusView: Codable, Sendable, Equatable {
        public struct RejectedOperation: Codable, Sendable, Equatable {
            public var id: String
            public var entity: String
            public var entityID: String
            public var field: String
            public var reason: String
        }
        public var replicaID: String
        public var member: String
        public var server: String?
        /// ISO date-time (UTC) of the last sync that finished, nil if never.
        public var lastSync: String?
        /// Local operations not yet stored by the server (deferred ones included).
        public var waiting: Int
        /// Of those, the ones the server refused for now because of time, with its reason.
        public var deferred: [RejectedOperation]
        public var rejected: [RejectedOperation]
        /// What this device adds to its clock to read the server's time, as last measured.
        public var clockOffsetMilliseconds: Int64
        public var localDigest: String
        /// nil when not checked (offline, or no server configured).
        public var serverDigest: String?
        /// "match", "differs", "unknown: <why>".
        public var digestMatch: String
        public var pullCursor: Int64
        /// The epoch of the server's log this replica last synced with.
        public var serverEpoch: String?
        /// Bytes on disk (the replica file and its write-ahead log).
        public var fileBytes: Int64
        /// Operations in this replica's log, and entities in its state.
        public var operations: Int
        public var entities: Int
        /// Where compaction of this replica's log stands (`field compact`).
        public var compaction: ReplicaStore.CompactionStatus
        /// Files attached here whose bytes wait to be uploaded, and those the server refused.
        public var attachmentsWaiting = 0
        public var attachmentsRefused = 0
    }

    /// The replica's sync status; asks the server for its digest unless `checkServer` is false.
    public func syncStatus(checkServer: Bool, transport: (any SyncTransport)? = nil) async throws -> SyncStatusView {
        let me = try identity()
        let state = try syncState()
        let (waiting, deferredOps, rejectedOps, digest, offset) = try await store.writer.read { db in
            (try store.countWaiting(db), try store.deferredOperations(db), try store.rejectedOperations(db),
             try store.stateDigest(db).root, try store.effectiveClockOffset(db))
        }
        let (operations, entities, compaction) = try await store.writer.read { db in
            (try store.operationCount(db), try store.stateDigest(db).entities, try store.compactionStatus(db))
        }
        let files = try await store.writer.read { db in try AttachmentUploads.counts(db) }
        let onDisk = fileBytes()
        func described(_ logged: ReplicaStore.LoggedOperation) -> SyncStatusView.RejectedOperation {
            .init(id: logged.operation.id.description, entity: logged.operation.entity.rawValue, entityID: logged.operation.entityID,
                  field: logged.operation.field, reason: logged.rejectReason ?? "")
        }
        var view = SyncStatusView(
            replicaID: me.replicaID, member: me.memberID, server: state.settings?.serverURL,
            lastSync: state.lastSyncMilliseconds.map(Self.isoDateTime), waiting: waiting,
            deferred: deferredOps.map(described), rejected: rejectedOps.map(described), clockOffsetMilliseconds: offset,
            localDigest: digest, serverDigest: nil, digestMatch: "unknown: not checked", pullCursor: state.cursor,
            serverEpoch: state.serverEpoch, fileBytes: onDisk, operations: operations, entities: entities,
            compaction: compaction, attachmentsWaiting: files.waiting, attachmentsRefused: files.refused)
        guard state.settings != nil else {
            view.digestMatch = "unknown: no server configured"
            return view
        }
        guard checkServer else { return view }
        do {
            let client = try syncClient(transport: transport) { $0.retries = 0 }
            let serverDigest = try await client.serverDigest()
            view.serverDigest = serverDigest
            if serverDigest == digest {
                view.digestMatch = "match"
            } else if !view.rejected.isEmpty {
                view.digestMatch = "differs: \(view.rejected.count) local change(s) the server rejected are still shown here"
            } else if view.waiting > 0 {
                view.digestMatch = "differs: \(view.waiting) local change(s) not yet synced"
            } else {
                view.digestMatch = "differs"
            }
        } catch let error as SyncError {
            view.digestMatch = "unknown: \(error.message)"
        }
        return view
    }

    static func isoDateTime(_ milliseconds: Int64) -> String {
        let date = CivilDate(millisecondsSinceEpoch: milliseconds)
        let secondsOfDay = Int((milliseconds % 86_400_000 + 86_400_000) % 86_400_000) / 1000
        func pad(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(date)T\(pad(secondsOfDay / 3600)):\(pad(secondsOfDay / 60 % 60)):\(pad(secondsOfDay % 60))Z"
    }
}
