import FieldClient
import Foundation
import GRDB
import SyncCore
import Testing

/// The civic kinds are declared once (`CivicSchema`); the tables a new replica gets are
/// generated from that, and must be the tables replicas made by earlier versions have, where
/// the SQL was written by hand (kept here as a fixture): a migration the declarations check.
@Suite struct SchemaDeclarationTests {
    static let legacySQL: String = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/replica-v2-legacy.sql")
        return (try? String(contentsOf: url, encoding: .utf8)) ?? ""
    }()

    /// Columns the declarations added after the hand-written schema, at the end of their tables
    /// (schema version 2: dates of record), and the tables they added.
    static let addedColumns: [String: [String]] = [
        "attendance": ["attended_on TEXT notnull=0 default=- pk=0"],
        "motions": ["closed_on TEXT notnull=0 default=- pk=0"],
        "votes": ["voted_on TEXT notnull=0 default=- pk=0"],
        // Version 4: the public reform page.
        "cases": ["published_on TEXT notnull=0 default=- pk=0", "public_title TEXT notnull=0 default=- pk=0",
                  "public_summary TEXT notnull=0 default=- pk=0",
                  // Version 5: referral answers, re-examination and arbitration.
                  "referral_sent_on TEXT notnull=0 default=- pk=0", "referral_due_on TEXT notnull=0 default=- pk=0",
                  "referral_answer TEXT notnull=0 default=- pk=0", "referral_answered_on TEXT notnull=0 default=- pk=0",
                  "reexamination_reason TEXT notnull=0 default=- pk=0", "arbitration_meeting TEXT notnull=0 default=- pk=0",
                  "arbitration_reason TEXT notnull=0 default=- pk=0"],
    ]
    static let addedTables = ["case_steps", "case_attachments", "meeting_attachments", "surveys", "rewards", "reward_cases"]
    static let addedIndexes = ["case_attachments_sha256", "cases_published", "meeting_attachments_sha256", "surveys_period",
                               "rewards_member", "rewards_given_on", "reward_cases_case"]

    /// Every column of every materialised table: name, type, NOT NULL, default, key position.
    static func shape(_ db: Database) throws -> [String: [String]] {
        var shape: [String: [String]] = [:]
        // Entity tables the hand-written schema had (later kinds' tables are `addedTables`).
        let entityTables = SyncSchema.civic.entities.map(\.table).filter { !addedTables.contains($0) }
        for table in entityTables + ["case_milestones", "comments", "agenda_items", "attendance",
                                                                              "debate_subjects", "council_members", "votes", "conflicts"] {
            shape[table] = try Row.fetchAll(db, sql: "PRAGMA table_info(\(table))").map {
                "\($0["name"] as String) \($0["type"] as String) notnull=\($0["notnull"] as Int) default=\(($0["dflt_value"] as String?) ?? "-") pk=\($0["pk"] as Int)"
            }
        }
        return shape
    }

    @Test func theGeneratedTablesAreTheTablesEarlierVersionsWrote() throws {
        #expect(!Self.legacySQL.isEmpty)
        let legacy = try DatabaseQueue()
        try legacy.write { db in try db.execute(sql: Self.legacySQL) }
        let generated = try DatabaseQueue()
        try generated.write { db in try db.execute(sql: ReplicaSchema.sql(for: .civic)) }
        let legacyShape = try legacy.read(Self.shape)
        let generatedShape = try generated.read(Self.shape)
        for table in legacyShape.keys.sorted() {
            #expect((legacyShape[table] ?? []) + (Self.addedColumns[table] ?? []) == generatedShape[table], "\(table)")
        }
        let tables = "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
        let legacyTables = Set(try legacy.read { try String.fetchAll($0, sql: tables) })
        #expect(Set(SyncSchema.civic.materializedTableNames).subtracting(legacyTables) == Set(Self.addedTables))
        let indexes = "SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        #expect(try (legacy.read { try String.fetchAll($0, sql: indexes) } + Self.addedIndexes).sorted()
                == generated.read { try String.fetchAll($0, sql: indexes) })
    }

    @Test func aFileWrittenByAnEarlierVersionIsBroughtUpToDate() throws {
        let directory = try TempDir()
        defer { directory.remove() }
        let path = directory.path("legacy.replica")
        // A replica as version 2 of the hand-written schema left it: one case, no held column.
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY); INSERT INTO grdb_migrations VALUES ('v1'), ('v2');")
            try db.execute(sql: Self.legacySQL.replacingOccurrences(of: "    held          INTEGER NOT NULL DEFAULT 0", with: ""))
            try db.execute(sql: "INSERT INTO replica_meta(key, value) VALUES ('format', 'civicsync-replica'), ('replica_id', 'old1'), ('counter', '1'), ('hlc', '')")
            try db.execute(sql: """
                INSERT INTO oplog(op_id, hlc, author, entity, entity_id, field, key, kind, value, context, origin_local)
                VALUES ('old1:1', '001767225600000-000000-old1', 'hq', 'case', 'c1', 'title', '', 'set', '"From before"', '[]', 1)
                """)
        }
        try queue.close()
        let store = try ReplicaStore.open(path: path, wallClock: ManualWallClock(milliseconds: 1_767_225_600_000), schema: .civic)
        #expect(try store.value("SELECT title FROM cases WHERE id = 'c1'") == "From before", "the state was rebuilt from the log")
        #expect(try store.value("SELECT value FROM replica_meta WHERE key = 'schema_version'") == String(SyncSchema.civic.version))
        let columns = try store.writer.read { db in try db.columns(in: "oplog").map(\.name) }
        #expect(columns.contains("held"))
        // The columns and tables of later schema versions were added.
        let upgraded = try store.writer.read(Self.shape)
        for (table, extra) in Self.addedColumns { #expect(upgraded[table]?.suffix(extra.count).elementsEqual(extra) == true, "\(table)") }
        #expect(try store.value("SELECT count(*) FROM case_steps") == "0")
        // The digest an earlier file never kept is built from its merge rows.
        let (kept, recomputed) = try store.writer.read { db in (try store.stateDigest(db), try store.recomputedDigest(db)) }
        #expect(kept == recomputed && kept.entities == 1 && kept != StateDigest())
    }
}

extension ReplicaStore {
    fileprivate func value(_ sql: String) throws -> String? { try writer.read { db in try String.fetchOne(db, sql: sql) } }
}
