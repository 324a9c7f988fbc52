import Foundation
import GRDB
import SyncCore
import SyncServer
import Testing

/// Loading a data set (`syncserver generate`): the pipelined load (generated and prepared on
/// another thread, the log checkpointed in the background) writes exactly what applying the
/// same batches one by one writes; a failing generator stops it with its error; and stores
/// written before the grants were keyed by entity are brought to the new layout intact.
@Suite("loading a data set")
struct StorageLoadTests {
    static let generator = DataSetGenerator(seed: 5, scale: 0.02)

    /// Everything a sync or a report reads from a server store, as comparable texts.
    static func contents(_ storage: SQLiteSyncStorage) async throws -> [String: [String]] {
        try await storage.store.writer.read { db in
            var contents: [String: [String]] = [:]
            for (name, sql) in [
                ("oplog", "SELECT op_id, hlc, value, context FROM oplog ORDER BY seq"),
                ("field_state", "SELECT entity, entity_id, field, key, op_id, value FROM field_state ORDER BY 1, 2, 3, 4, 5"),
                ("cases", "SELECT id, step, status, branch FROM cases ORDER BY id"),
                ("grants", "SELECT scope, entity, entity_id, seq FROM server_grants ORDER BY 1, 2, 3"),
                ("audience", "SELECT scope, prior, bucket, hex(sum), entities FROM server_audience_digest WHERE entities != 0 ORDER BY 1, 2, 3"),
            ] {
                contents[name] = try Row.fetchAll(db, sql: sql).map { row in
                    row.databaseValues.map(\.description).joined(separator: "|")
                }
            }
            return contents
        }
    }

    @Test("the pipelined load of a file store equals applying its batches one by one")
    func pipelinedLoadEqualsPlainImports() async throws {
        let directory = ServerHarness.temporaryDirectory("load")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let loaded = try SQLiteSyncStorage.open(directory: directory)
        var reported: [Int] = []
        let summary = try loaded.load(Self.generator, batchSize: 700) { reported.append($0) }
        #expect(reported.count > 3, "several batches went through the pipeline")
        #expect(reported == reported.sorted() && reported.last == summary.operations)

        let plain = try SQLiteSyncStorage.inMemory()
        _ = try Self.generator.generate(batchSize: 700) { batch in try plain.importOperations(batch) }

        let expected = try await Self.contents(plain)
        let actual = try await Self.contents(loaded)
        #expect(actual["oplog"]?.count == summary.operations)
        for name in expected.keys.sorted() {
            #expect(actual[name] == expected[name], "\(name) differs")
        }
        #expect(try loaded.store.stateDigest() == plain.store.stateDigest())

        // The writer checkpoints by itself again once the load is over.
        let autocheckpoint = try await loaded.store.writer.write { db in try Int.fetchOne(db, sql: "PRAGMA wal_autocheckpoint") }
        #expect(autocheckpoint == 1000)
    }

    @Test("a generator that cannot run stops the load with its error and writes nothing")
    func failingGenerator() throws {
        let storage = try SQLiteSyncStorage.inMemory()
        #expect(throws: SyncError.self) { try storage.load(DataSetGenerator(seed: 1, scale: 0)) }
        #expect(try storage.operationCount() == 0)
    }

    @Test("grants keyed by scope (stores before this version) are re-keyed by entity at start, unchanged")
    func grantsAreRekeyed() async throws {
        let directory = ServerHarness.temporaryDirectory("rekey")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var before: [String] = []
        do {
            let storage = try SQLiteSyncStorage.open(directory: directory)
            _ = try storage.load(Self.generator)
            before = try await Self.contents(storage)["grants"] ?? []
            // Back to the old layout: scope first, and a second index by entity.
            try await storage.store.writer.write { db in
                try db.execute(sql: """
                    CREATE TABLE old_grants (
                        scope TEXT NOT NULL, entity TEXT NOT NULL, entity_id TEXT NOT NULL, seq INTEGER NOT NULL,
                        PRIMARY KEY (scope, entity, entity_id)
                    ) WITHOUT ROWID;
                    INSERT INTO old_grants SELECT scope, entity, entity_id, seq FROM server_grants;
                    DROP TABLE server_grants;
                    ALTER TABLE old_grants RENAME TO server_grants;
                    CREATE INDEX server_grants_seq ON server_grants(scope, seq);
                    CREATE INDEX server_grants_entity ON server_grants(entity, entity_id);
                    """)
            }
        }
        #expect(!before.isEmpty)
        let reopened = try SQLiteSyncStorage.open(directory: directory)
        let layout = try await reopened.store.writer.read { db in
            (try String.fetchAll(db, sql: "SELECT name FROM pragma_table_info('server_grants') WHERE pk > 0 ORDER BY pk"),
             try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'server_grants' AND sql IS NOT NULL"))
        }
        #expect(layout.0 == ["entity", "entity_id", "scope"])
        #expect(layout.1 == ["server_grants_seq"])
        #expect(try await Self.contents(reopened)["grants"] == before)
        // A branch still pulls through the re-keyed grants.
        let branch = DataSetGenerator.branches[0]
        let page = try await reopened.pull(as: Principal(memberID: "someone", role: .branch, branch: branch),
                                           after: .start, limit: 5_000, bounded: true)
        #expect(page.operations.contains { $0.entity == .case })
    }
}
