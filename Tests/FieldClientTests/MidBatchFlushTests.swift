import FieldClient
import GRDB
import SyncCore
import Testing

/// A batch of local writes that seals a field flushes its rows in the middle of the batch; an
/// entity first touched only through a log field (a comment) must still get its row, exactly
/// as a rebuild of the same log gives it.
@Suite("mid-batch flush")
struct MidBatchFlushTests {
    @Test("a new entity written around a sealing milestone gets its row, as a rebuild does")
    func newEntityAroundASealKeepsItsRow() throws {
        let store = try ReplicaStore.inMemory(ReplicaID("flush")!, wallClock: ManualWallClock(milliseconds: 1_767_225_600_000), schema: .civic)
        try store.record([
            .append(.case, "c-new", "comments", "hello"),
            .reach(.motion, "m1", "closed"),
            .set(.case, "c-new", "priority", .int(3)),
        ], author: "hq")
        let read = { try store.writer.read { db in try Row.fetchOne(db, sql: "SELECT id, priority FROM cases WHERE id = 'c-new'") } }
        let recorded = try read()
        #expect(recorded?["priority"] as Int? == 3)
        let digest = try store.stateDigest()
        try store.writer.write { db in try store.rebuildState(db) }
        #expect(try read() == recorded)
        #expect(try store.stateDigest() == digest)
    }
}
