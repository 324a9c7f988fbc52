/// The SQL of a replica: the engine's own tables (identity and clock, the operation log, the
/// merge metadata, conflicts), written here once, and the materialised tables, generated from
/// the application's `SyncSchema`. `Schemas/replica.sql` is `ReplicaSchema.sql(for: .civic)`,
/// printed by `field schema` and checked equal by a test.
public enum ReplicaSchema {
    /// Written into `replica_meta` so a foreign SQLite file is never mistaken for a replica.
    public static let formatMarker = "civicsync-replica"
    /// The version of the engine's own tables. 2: supersession records the timestamp of the
    /// operation that named the superseded one; timestamps are indexed. 3: operations of a newer
    /// schema are held in the log. 4: the state digest is kept in `digest_buckets`; the log's entity index reaches down to the key.
    /// 5: compaction (the counters compacted, the newest dropped writes, the entities compacted).
    public static let engineVersion = 5

    /// The engine's tables, before the materialised ones.
    static let engineTables = """
    -- Bookkeeping: identity, counters, the hybrid logical clock, the schema version.
    CREATE TABLE replica_meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    ) WITHOUT ROWID;

    -- Every operation this replica has seen, once. seq is local arrival order (the server's pull cursor).
    CREATE TABLE oplog (
        seq           INTEGER PRIMARY KEY,
        op_id         TEXT NOT NULL UNIQUE,
        hlc           TEXT NOT NULL,
        author        TEXT NOT NULL,
        entity        TEXT NOT NULL,
        entity_id     TEXT NOT NULL,
        field         TEXT NOT NULL,
        key           TEXT NOT NULL,
        kind          TEXT NOT NULL,
        value         TEXT NOT NULL,             -- canonical JSON
        context       TEXT NOT NULL,             -- JSON array of operation ids
        origin_local  INTEGER NOT NULL,          -- 1: written on this replica
        sync_state    INTEGER NOT NULL DEFAULT 0, -- local operations: 0 waiting, 1 acknowledged, 2 rejected, 3 deferred
        reject_reason TEXT,
        held          INTEGER NOT NULL DEFAULT 0  -- 1: written with a newer schema than this one; kept, not merged
    );
    CREATE INDEX oplog_entity ON oplog(entity, entity_id, field, key);
    CREATE INDEX oplog_waiting ON oplog(sync_state, seq) WHERE origin_local = 1;
    CREATE INDEX oplog_hlc ON oplog(hlc);

    -- Merge metadata: register heads, set additions (tag = op_id), milestones, maxima, log entries.
    CREATE TABLE field_state (
        entity    TEXT NOT NULL,
        entity_id TEXT NOT NULL,
        field     TEXT NOT NULL,
        key       TEXT NOT NULL,
        op_id     TEXT NOT NULL,
        hlc       TEXT NOT NULL,
        author    TEXT NOT NULL,
        value     TEXT NOT NULL,
        PRIMARY KEY (entity, entity_id, field, key, op_id)
    ) WITHOUT ROWID;

    -- Operations named in a context before they arrived, with the timestamp of the operation that
    -- named them: when they arrive dated before it, they are already overwritten/removed.
    CREATE TABLE superseded (
        op_id     TEXT NOT NULL,
        entity    TEXT NOT NULL,
        entity_id TEXT NOT NULL,
        field     TEXT NOT NULL,
        key       TEXT NOT NULL,
        by_hlc    TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (op_id, entity, entity_id, field, key)
    ) WITHOUT ROWID;

    -- The state digest, kept by the merge: per bucket of entities, the sum (mod 2^256, 32 bytes
    -- little-endian) of the hashes of their field_state rows, and how many entities it holds.
    \(digestTable)

    \(compactionTables)
    """

    /// What a compaction keeps of the operations it drops (engine tables version 5).
    static let compactionTables = """
    -- Compaction (operations dropped from the log; their effect stays in field_state).
    -- Which operations were compacted, as counter ranges per replica: one arriving again is a
    -- re-delivery, never merged twice.
    CREATE TABLE compacted_ranges (
        replica TEXT NOT NULL, low INTEGER NOT NULL, high INTEGER NOT NULL,
        PRIMARY KEY (replica, low)
    ) WITHOUT ROWID;
    -- Per scope and replica, the newest write dropped: that replica's earlier write arriving late
    -- is already overwritten, as the log would have said.
    CREATE TABLE compacted_writes (
        entity TEXT NOT NULL, entity_id TEXT NOT NULL, field TEXT NOT NULL, key TEXT NOT NULL, kind TEXT NOT NULL,
        replica TEXT NOT NULL, hlc TEXT NOT NULL,
        PRIMARY KEY (entity, entity_id, field, key, kind, replica)
    ) WITHOUT ROWID;
    -- On a server, the first 16 hex digits of each dropped operation's content hash: a replica
    -- that asks about an id it may have reused (or whose acknowledgement it never got) is told.
    CREATE TABLE compacted_fingerprints (
        replica TEXT NOT NULL, counter INTEGER NOT NULL, fingerprint TEXT NOT NULL,
        PRIMARY KEY (replica, counter)
    ) WITHOUT ROWID;
    -- Entities some of whose operations were dropped: they cannot be replayed from the log.
    CREATE TABLE compacted_entities (
        entity TEXT NOT NULL, entity_id TEXT NOT NULL,
        PRIMARY KEY (entity, entity_id)
    ) WITHOUT ROWID;
    """

    static let digestTable = "CREATE TABLE digest_buckets (bucket INTEGER PRIMARY KEY, sum BLOB NOT NULL, entities INTEGER NOT NULL);"

    /// The conflicts table (the engine's), after the materialised ones.
    static let conflictsTable = """
    -- Fields written concurrently: every competing value, until a write that has seen them all.
    CREATE TABLE conflicts (
        entity TEXT NOT NULL, entity_id TEXT NOT NULL, field TEXT NOT NULL, key TEXT NOT NULL,
        winner TEXT NOT NULL,      -- canonical JSON of the value shown
        competing TEXT NOT NULL,   -- JSON array of {op, hlc, author, value}, newest first
        PRIMARY KEY (entity, entity_id, field, key)
    ) WITHOUT ROWID;
    """

    /// The whole SQL of a replica of `schema`.
    public static func sql(for schema: SyncSchema) -> String {
        var parts = ["-- CivicSync replica of schema '\(schema.name)', version \(schema.version) (engine tables version \(engineVersion)).",
                     "-- Generated from the schema's declarations: do not edit; run `field schema` to print it.",
                     "", engineTables, "",
                     "-- Materialised, human-readable state. Derived from field_state; never edited directly."]
        for table in schema.tables { parts.append(table.createStatement) }
        for index in schema.entities.flatMap(\.indexes) { parts.append(index.createStatement) }
        parts.append("")
        parts.append(conflictsTable)
        return parts.joined(separator: "\n")
    }
}

extension IndexDeclaration {
    var createStatement: String { "CREATE INDEX \(name) ON \(table)(\(columns.joined(separator: ", ")));" }
}
