import CivilAffairs
import SyncCore
import Foundation
import GRDB

/// Digests per principal in constant time, kept current as batches are applied.
///
/// A principal sees the union of the entities granted to its scopes (`Principal.scopes`), and
/// unions do not add up: an entity granted to a branch and to one of its members would count
/// twice. So each entity's hash is filed once per scope it is granted to, together with the
/// scopes of lower rank (`AudienceScope.rank`) that also see it, its `prior`. A principal's
/// scopes come widest first, one per rank; for each of them it adds the parts whose prior
/// holds none of its own scopes, which counts every entity it sees exactly once: under the
/// first of its scopes that sees it.
///
/// The table changes by the entity hashes a batch moved (`StateChanges`); an entity whose
/// scopes grew moves from its old parts to its new ones, with its whole hash.
extension SQLiteSyncStorage {
    static let audienceDigestTable = """
    -- The state digest per audience: sums of entity hashes (see SQLiteSyncStorage+Digest.swift).
    CREATE TABLE IF NOT EXISTS server_audience_digest (
        scope TEXT NOT NULL, prior TEXT NOT NULL, bucket INTEGER NOT NULL, sum BLOB NOT NULL, entities INTEGER NOT NULL,
        PRIMARY KEY (scope, prior, bucket)
    ) WITHOUT ROWID;
    """
    /// Bumped when the filing changes, so the table is rebuilt at the next start.
    static let audienceDigestVersion = "1"

    /// The digest of what `principal` may see: the kept digest of the whole store for HQ, the
    /// sum of its audiences' parts for everyone else.
    func digest(of principal: Principal, _ db: Database) throws -> StateDigest {
        guard let scopes = principal.scopes else { return try store.stateDigest(db) }
        let own = Set(scopes.map(\.description))
        let filter = Self.scopeFilter(scopes)
        var digest = StateDigest()
        for row in try Row.fetchAll(db.cachedStatement(sql: """
            SELECT prior, bucket, sum, entities FROM server_audience_digest WHERE \(filter.sql)
            """), arguments: filter.arguments) {
            let prior: String = row[0]
            if !prior.isEmpty, prior.split(separator: Self.priorSeparator).contains(where: { own.contains(String($0)) }) { continue }
            let bucket: Int = row[1]
            guard (0..<StateDigest.bucketCount).contains(bucket), let sum = DigestSum(bytes: (row[2] as Data?) ?? Data()) else {
                throw SyncError(.storage, "the server's audience digest is damaged; restart the server to rebuild it")
            }
            digest.buckets[bucket] += sum
            digest.entities += row[3] as Int
        }
        return digest
    }

    /// Moves the audience digests by a batch: the hashes it changed, the grants it added.
    func moveAudienceDigests(_ changes: StateChanges, grants: [EntityKey: GrantChange], _ db: Database) throws {
        var parts = AudienceParts()
        for (key, change) in grants where change.grew {
            let delta = changes.hashes[key] ?? .zero
            // A new entity's hash is what the batch added; an older one's is read.
            let now = changes.created.contains(key) ? delta : try store.entityHash(key, db)
            parts.file(key, hash: -(now - delta), count: -1, scopes: change.before)
            parts.file(key, hash: now, count: 1, scopes: change.after)
        }
        for (key, delta) in changes.hashes where grants[key]?.grew != true {
            let scopes = try grants[key]?.after ?? grantedScopes(key, db)
            if !scopes.isEmpty { parts.file(key, hash: delta, count: 0, scopes: scopes) }
        }
        try parts.write(db)
    }

    /// Files every entity's hash again, from scratch: when the table is new or the grants were
    /// recomputed. Reads the whole state once.
    func rebuildAudienceDigests(_ db: Database) throws {
        try db.execute(sql: "DELETE FROM server_audience_digest")
        var hashes: [EntityKey: DigestSum] = [:]
        let rows = try Row.fetchCursor(db, sql: "SELECT entity, entity_id, field, key, op_id, hlc, author, value FROM field_state")
        while let row = try rows.next() {
            guard let kind = EntityKind(rawValue: row[0]) else { continue }
            let id: String = row[1]
            hashes[EntityKey(kind, id), default: .zero] += StateDigest.rowHash(
                entity: kind.rawValue, entityID: id, field: row[2], key: row[3], opID: row[4], hlc: row[5], author: row[6], value: row[7])
        }
        var grants: [EntityKey: Set<AudienceScope>] = [:]
        let granted = try Row.fetchCursor(db, sql: "SELECT scope, entity, entity_id FROM server_grants")
        while let row = try granted.next() {
            guard let scope = AudienceScope(row[0] as String), let kind = EntityKind(rawValue: row[1]) else { continue }
            grants[EntityKey(kind, row[2]), default: []].insert(scope)
        }
        var parts = AudienceParts()
        for (key, scopes) in grants { parts.file(key, hash: hashes[key] ?? .zero, count: 1, scopes: scopes) }
        try parts.write(db)
        try db.execute(sql: "INSERT OR REPLACE INTO server_meta(key, value) VALUES ('audience_digest_version', ?)",
                       arguments: [Self.audienceDigestVersion])
    }

    /// Separates the scopes of a prior (scope texts never hold it).
    static let priorSeparator: Character = "\u{1F}"
}

/// Changes to the audience digest table, summed in memory and written once per batch.
struct AudienceParts {
    struct Part: Hashable {
        var scope: String
        var prior: String
        var bucket: Int
    }
    var sums: [Part: (sum: DigestSum, entities: Int)] = [:]
    /// The (scope, prior) texts of each set of scopes seen so far: a batch files thousands of
    /// entities under a few hundred distinct sets.
    private var filings: [Set<AudienceScope>: [(scope: String, prior: String)]] = [:]

    /// Files an entity's hash (or its opposite, to take it out) under each of its scopes.
    mutating func file(_ key: EntityKey, hash: DigestSum, count: Int, scopes: Set<AudienceScope>) {
        guard !scopes.isEmpty else { return }
        let bucket = StateDigest.bucket(key.entity, key.id)
        for filing in filing(scopes) {
            let part = Part(scope: filing.scope, prior: filing.prior, bucket: bucket)
            var current = sums[part] ?? (.zero, 0)
            current.sum += hash
            current.entities += count
            sums[part] = current
        }
    }

    /// Each scope's text with its prior: the scopes of lower rank, sorted, joined.
    private mutating func filing(_ scopes: Set<AudienceScope>) -> [(scope: String, prior: String)] {
        if let known = filings[scopes] { return known }
        let filing = scopes.map { scope in
            (scope: scope.description,
             prior: scopes.filter { $0.rank < scope.rank }.map(\.description).sorted()
                .joined(separator: String(SQLiteSyncStorage.priorSeparator)))
        }
        filings[scopes] = filing
        return filing
    }

    /// One UPSERT per part, the sum added in SQL (`DigestSum.sqlAdd`, registered on the writer).
    func write(_ db: Database) throws {
        let upsert = try db.cachedStatement(sql: """
            INSERT INTO server_audience_digest(scope, prior, bucket, sum, entities) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT(scope, prior, bucket) DO UPDATE
            SET sum = civicsync_digest_add(sum, excluded.sum), entities = entities + excluded.entities
            """)
        for (part, change) in sums where !(change.sum.isZero && change.entities == 0) {
            try upsert.executeDirect { bind in
                bind.text(part.scope); bind.text(part.prior); bind.int(part.bucket); bind.blob(change.sum.bytes); bind.int(change.entities)
            }
        }
    }
}
