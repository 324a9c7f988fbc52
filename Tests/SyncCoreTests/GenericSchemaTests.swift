import Foundation
import GRDB
import PropertyBased
import Testing
import SyncCore

/// The engine knows no domain: a to-do schema (lists, tasks) declared in a few lines gets its
/// tables, its catalog, its materialiser and its digest from the declarations, and converges
/// like the civic one, on random histories drawn from its own declarations.
@Suite struct GenericSchemaTests {
    static let start: Int64 = 1_767_225_600_000

    @Test func theDeclarationsMakeTheTables() throws {
        let sql = ReplicaSchema.sql(for: TodoSchema.schema)
        for table in ["lists", "list_shares", "tasks", "task_progress", "task_estimates", "task_labels", "task_notes"] {
            #expect(sql.contains("CREATE TABLE \(table) ("), "\(table)")
        }
        #expect(!sql.contains("cases") && !sql.contains("meeting"), "no civic table in a to-do replica")
        let store = try ReplicaStore.inMemory(ReplicaID("t1")!, wallClock: ManualWallClock(milliseconds: Self.start), schema: TodoSchema.schema)
        try store.record([.set(TodoSchema.task, "a", "title", .string("Buy bread")), .raise(TodoSchema.task, "a", "effort", to: 3),
                          .reach(TodoSchema.task, "a", "started", field: "progress"),
                          .add(TodoSchema.task, "a", "labels", element: "k1", value: .object(["label": .string("home"), "color": .string("red")])),
                          .append(TodoSchema.task, "a", "notes", "bakery on the corner"),
                          .add(TodoSchema.list, "l", "sharedWith", element: "p1"), .add(TodoSchema.list, "l", "pinnedBy", element: "p2")],
                         author: "me")
        let task = try store.writer.read { db in
            try String.fetchOne(db, sql: "SELECT title || '/' || effort || '/' || state FROM tasks WHERE id = 'a'")
        }
        #expect(task == "Buy bread/3/doing")
        let shares = try store.writer.read { db in
            try String.fetchAll(db, sql: "SELECT person || '=' || pinned FROM list_shares ORDER BY person")
        }
        #expect(shares == ["p1=0", "p2=1"])
        #expect(throws: SyncError.self) { try store.record([.set(EntityKind("case"), "c1", "title", .string("x"))], author: "me") }
    }

    @Test func randomToDoHistoriesConverge() async throws {
        await propertyCheck(count: 200, input: Gen.uint64()) { seed in
            var rng = SplitMix64(seed: seed)
            let writes = RandomWrites(schema: TodoSchema.schema)
            let trueTime = ManualWallClock(milliseconds: Self.start)
            let replicas = try (0..<3).map { index in
                try ReplicaStore.inMemory(ReplicaID("t\(index)")!,
                                          wallClock: SkewedWallClock(base: trueTime, skewMilliseconds: Int64(rng.next() % 600_000) - 300_000),
                                          schema: TodoSchema.schema)
            }
            for _ in 0..<40 {
                trueTime.advance(by: Int64(rng.next() % 3_000))
                let index = Int(rng.next() % 3)
                if rng.next() % 10 < 7 {
                    do {
                        try replicas[index].record([writes.next(&rng)], author: "p\(index)")
                    } catch let error as SyncError where error.code == .notFound {
                        // removing an element this replica does not show
                    }
                } else {
                    let other = Int(rng.next() % 3)
                    var ops = try replicas[index].writer.read { db in try replicas[index].operations(afterSeq: 0, limit: .max, db).map(\.operation) }
                    ops = ops.filter { _ in rng.next() % 2 == 0 }
                    ops.shuffle(using: &rng)
                    try replicas[other].apply(ops + ops.prefix(2))
                }
            }
            // Everyone gets everything, in a different order each.
            let all = try replicas.flatMap { replica in try replica.writer.read { db in try replica.operations(afterSeq: 0, limit: .max, db).map(\.operation) } }
            for replica in replicas {
                var shuffled = all
                shuffled.shuffle(using: &rng)
                try replica.apply(shuffled)
            }
            let digests = try replicas.map { try $0.stateDigest() }
            #expect(Set(digests).count == 1, "seed \(seed)")
            #expect(try replicas.allSatisfy { try $0.conflicts() == replicas[0].conflicts() }, "seed \(seed)")
            let before = try replicas[0].stateDigest()
            try replicas[0].rebuildState()
            #expect(try replicas[0].stateDigest() == before, "seed \(seed): a rebuild of the log gives the same state")
        }
    }
}
