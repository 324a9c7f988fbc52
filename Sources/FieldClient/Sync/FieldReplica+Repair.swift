import Foundation
import GRDB
import SyncCore

/// `field repair`: a replica whose digest differs from the server's after a full sync finds the
/// entities that differ and takes them again from the server, keeping its own waiting changes.
extension FieldReplica {
    /// What a repair found and did.
    public struct RepairReport: Sendable, Codable, Equatable {
        /// Digest buckets (of 16) where this replica and the server differed.
        public var bucketsDiffering: [Int] = []
        /// Entities taken again from the server (differing, or missing here).
        public var repaired: [String] = []
        /// Entities this replica holds that the server does not show it, left as they are
        /// (changes of its own not yet sent, or kept from another server).
        public var onlyHere: [String] = []
        /// This replica's own changes not yet stored by the server, merged again on top.
        public var keptWaiting = 0
        /// Whether this replica's kept digest had to be written again from its merge rows.
        public var keptDigestRewritten = false
        public var digestBefore = ""
        public var digestAfter = ""
        public var serverDigest = ""
        /// Whether the digests are equal after the repair.
        public var converged = false
    }

    /// Syncs, compares the digest's 16 buckets with the server's, asks the server for the hashes
    /// of the entities in the buckets that differ, and takes every entity whose hash differs (or
    /// that is missing here) again from the server, whole (`EntitySnapshot`), in one transaction;
    /// this replica's own operations not yet stored are merged again on top, so none is lost.
    public func repair(transport: (any SyncTransport)? = nil) async throws -> RepairReport {
        let client = try syncClient(transport: transport)
        var report = RepairReport()
        let synced = try await client.sync()
        report.digestBefore = synced.digest
        let (serverDigest, serverBuckets) = try await client.serverBuckets()
        report.serverDigest = serverDigest
        // A kept digest that no longer equals the merge rows (a damaged file) is written again
        // first, so that the comparison sees the rows as they are.
        let (local, rewritten) = try await store.writer.write { db in
            let rewritten = try store.rewriteKeptDigest(db)
            return (try store.stateDigest(db), rewritten)
        }
        report.keptDigestRewritten = rewritten
        guard serverBuckets.count == StateDigest.bucketCount else {
            throw SyncError(.server, "the server's digest answer has no bucket sums; it cannot say where the difference is")
        }
        report.bucketsDiffering = (0..<StateDigest.bucketCount).filter { local.bucketTexts[$0] != serverBuckets[$0] }
        guard !report.bucketsDiffering.isEmpty else {
            report.digestAfter = local.root
            report.converged = local.root == serverDigest
            return report
        }
        let theirs = try await client.entityHashes(buckets: report.bucketsDiffering)
        let buckets = Set(report.bucketsDiffering)
        let ours = try await store.writer.read { db -> [EntityKey: String] in
            var hashes: [EntityKey: String] = [:]
            for (table, kind) in store.schema.entityTables {
                for id in try String.fetchAll(db, sql: "SELECT id FROM \(table)") where buckets.contains(StateDigest.bucket(kind, id)) {
                    let key = EntityKey(kind, id)
                    hashes[key] = try store.entityHash(key, db).bytes.hexText
                }
            }
            return hashes
        }
        let differing = theirs.keys.filter { ours[$0] != theirs[$0] }.sorted()
        report.onlyHere = ours.keys.filter { theirs[$0] == nil }.sorted().map { "\($0.entity.rawValue) \($0.id)" }
        for start in stride(from: 0, to: differing.count, by: 500) {
            let chunk = Array(differing[start..<min(start + 500, differing.count)])
            let snapshots = try await client.snapshots(of: chunk)
            let imported = try await store.writer.write { db in
                try store.importSnapshots(snapshots.entities, compactedRanges: snapshots.compactedRanges, db)
            }
            report.keptWaiting += imported.remerged
        }
        report.repaired = differing.map { "\($0.entity.rawValue) \($0.id)" }
        report.digestAfter = try await store.writer.read { db in try store.stateDigest(db).root }
        report.converged = report.digestAfter == serverDigest
        return report
    }
}

extension SyncClient {
    /// The server's digest over this replica's scope and its 16 bucket sums.
    func serverBuckets() async throws -> (digest: String, buckets: [String]) {
        let answer = try await call("GET", "/v1/digest", body: nil)
        guard let object = answer.json.objectValue, let digest = object["digest"]?.stringValue else {
            throw SyncError(.server, "the server's digest answer is not understood")
        }
        return (digest, object["buckets"]?.arrayValue?.compactMap(\.stringValue) ?? [])
    }

    /// The server's hashes of the entities this replica may see in `buckets`.
    func entityHashes(buckets: [Int]) async throws -> [EntityKey: String] {
        let query = buckets.map { "bucket=\($0)" }.joined(separator: "&")
        let answer = try await call("GET", "/v1/digest?\(query)", body: nil)
        guard let items = answer.json.objectValue?["hashes"]?.arrayValue else {
            throw SyncError(.server, "the server does not give entity hashes (an older server?): it cannot say which entities differ")
        }
        var hashes: [EntityKey: String] = [:]
        for item in items {
            guard let object = item.objectValue, let kind = object["entity"]?.stringValue.flatMap(EntityKind.init(rawValue:)),
                  let id = object["id"]?.stringValue, let hash = object["hash"]?.stringValue else {
                throw SyncError(.server, "the server's entity hashes are not understood")
            }
            hashes[EntityKey(kind, id)] = hash
        }
        return hashes
    }

    /// The named entities, whole, from the server (those this replica may see).
    func snapshots(of keys: [EntityKey]) async throws -> (entities: [EntitySnapshot], compactedRanges: [CompactedRange]) {
        guard !keys.isEmpty else { return ([], []) }
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_.~"))
        let query = keys.map { "entity=" + ("\($0.entity.rawValue):\($0.id)".addingPercentEncoding(withAllowedCharacters: allowed) ?? "") }
            .joined(separator: "&")
        let answer = try await call("GET", "/v1/snapshot?\(query)", body: nil)
        guard let object = answer.json.objectValue, let items = object["entities"]?.arrayValue,
              let version = object["schemaVersion"]?.intValue else {
            throw SyncError(.server, "the server's snapshot answer is not understood")
        }
        guard version == Int64(store.schema.version) else {
            throw SyncError(.unsupportedVersion, "the server runs schema version \(version), this replica \(store.schema.version): upgrade the older one before repairing")
        }
        do {
            return (try items.map { try EntitySnapshot(wire: $0, schema: store.schema) },
                    try (object["compactedRanges"]?.arrayValue ?? []).map(CompactedRange.init(wire:)))
        } catch {
            throw SyncError(.server, "the server sent a snapshot this client cannot read", cause: error)
        }
    }
}
