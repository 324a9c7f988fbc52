import Foundation
import GRDB
import PropertyBased
import Testing
import SyncCore
import CivilAffairs

/// Issue 13: compaction changes nothing a replica shows or will show. On random histories
/// (skewed, frozen and jumping clocks; concurrent edits; sealed votes; partitions), replicas
/// compact at random points with random cutoffs, keep receiving operations in random orders
/// with duplicates (among them operations they compacted, and operations of late replicas kept
/// offline across the horizon), and at every step equal a replica that merged every operation
/// they ever saw without compacting: digest, materialised tables, conflicts. A rebuild of a
/// compacted replica gives the same state again.
@Suite struct CompactionPropertyTests {
    struct Fingerprint: Equatable {
        var digest: String
        var tables: String
        var conflicts: [Conflict]
    }

    static func fingerprint(_ store: ReplicaStore) throws -> Fingerprint {
        try store.writer.read { db in
            Fingerprint(digest: try store.stateDigest(db).root, tables: try store.materializedDigest(db), conflicts: try store.conflicts(db))
        }
    }

    static func merged(_ operations: some Collection<SyncOperation>) throws -> ReplicaStore {
        let store = try ReplicaStore.inMemory(ReplicaID("reference")!, wallClock: ManualWallClock(milliseconds: 0), schema: .civic)
        try store.apply(Array(operations).sorted { $0.id < $1.id })
        return store
    }

    @Test(.shrinking(false)) func compactingAtRandomPointsChangesNothing() async throws {
        await propertyCheck(count: 120, input: Gen.uint64()) { seed in
            var simulation = try HistorySimulation(seed: seed)
            let count = simulation.replicas.count
            // Every operation each replica ever held (what a replica that never compacted holds).
            var seen = [[OperationID: SyncOperation]](repeating: [:], count: count)
            func remember(_ index: Int) throws {
                for op in try simulation.replicas[index].allOperations() { seen[index][op.id] = op }
            }
            var partition = (0..<count).map { _ in simulation.rng.next() % 2 }
            var compactions = 0
            for step in 0..<60 {
                simulation.baseClock.advance(by: Int64(simulation.rng.next() % 5_000))
                if step % 15 == 0 { partition = (0..<count).map { _ in simulation.rng.next() % 2 } }
                let roll = simulation.rng.next() % 100
                if roll < 50 {
                    let index = Int(simulation.rng.next() % UInt64(count))
                    try simulation.randomEdit(on: index)
                    try remember(index)
                } else if roll < 80 {
                    // Deliveries carry anything the sender ever held (a server keeps what a
                    // replica compacted), in random subsets, orders and repeats.
                    let from = Int(simulation.rng.next() % UInt64(count)), to = Int(simulation.rng.next() % UInt64(count))
                    guard from != to, partition[from] == partition[to] else { continue }
                    var ops = Array(seen[from].values).sorted { $0.id < $1.id }.filter { _ in simulation.chance(60) }
                    ops += ops.filter { _ in simulation.chance(20) }
                    ops.shuffle(using: &simulation.rng)
                    while !ops.isEmpty {
                        let size = min(ops.count, Int(simulation.rng.next() % 6) + 1)
                        try simulation.replicas[to].apply(Array(ops.prefix(size)))
                        ops.removeFirst(size)
                    }
                    try remember(to)
                } else if roll < 88 {
                    // A server acknowledges some of a replica's own operations.
                    let index = Int(simulation.rng.next() % UInt64(count))
                    try simulation.replicas[index].writer.write { db in
                        try db.execute(sql: "UPDATE oplog SET sync_state = 1 WHERE origin_local = 1 AND seq % 3 != 0")
                    }
                } else {
                    let index = Int(simulation.rng.next() % UInt64(count))
                    let store = simulation.replicas[index]
                    let before = try Self.fingerprint(store)
                    let cutoff = simulation.baseClock.nowMilliseconds() - Int64(simulation.rng.next() % 60_000)
                    let report = try store.compact(olderThan: cutoff)
                    if report.dropped > 0 { compactions += 1 }
                    #expect(try Self.fingerprint(store) == before, "seed \(seed): compaction changed replica \(index)")
                }
            }
            // Late replicas come back: everyone receives everything anyone ever held.
            let everything = seen.reduce(into: [OperationID: SyncOperation]()) { $0.merge($1) { a, _ in a } }
            for index in 0..<count {
                var ops = Array(everything.values).sorted { $0.id < $1.id }
                ops.shuffle(using: &simulation.rng)
                while !ops.isEmpty {
                    let size = min(ops.count, Int(simulation.rng.next() % 9) + 1)
                    try simulation.replicas[index].apply(Array(ops.prefix(size)))
                    ops.removeFirst(size)
                }
            }
            let reference = try Self.fingerprint(Self.merged(everything.values))
            for (index, store) in simulation.replicas.enumerated() {
                #expect(try Self.fingerprint(store) == reference, "seed \(seed): replica \(index) after \(compactions) compactions")
                try store.rebuildState()
                #expect(try Self.fingerprint(store) == reference, "seed \(seed): replica \(index) rebuilt")
                let (recomputed, kept) = try store.writer.read { db in (try store.recomputedDigest(db), try store.stateDigest(db)) }
                #expect(recomputed == kept, "seed \(seed): replica \(index): kept digest \(kept) recomputed \(recomputed)")
            }
        }
    }

    /// A compacted store's entities taken whole (`EntitySnapshot` with what compaction kept, and
    /// the compacted ranges) end where merging every operation ends, for an empty replica and
    /// for one holding operations of its own and others'; later merges, re-deliveries of the
    /// compacted operations included, and a rebuild keep them equal.
    @Test(.shrinking(false)) func snapshotsOfACompactedStoreEqualMergingEverything() async throws {
        await propertyCheck(count: 100, input: Gen.uint64()) { seed in
            var simulation = try HistorySimulation(seed: seed)
            try simulation.run(steps: 40)
            let source = simulation.replicas[0], holder = simulation.replicas[1]
            let everything = try source.allOperations()
            try source.writer.write { db in try db.execute(sql: "UPDATE oplog SET sync_state = 1") }
            try holder.writer.write { db in try db.execute(sql: "UPDATE oplog SET sync_state = 1 WHERE seq % 2 = 0") }
            simulation.baseClock.advance(by: 1_000)
            try simulation.randomEdit(on: 1) // the holder's own, not yet stored anywhere
            let cutoff = simulation.baseClock.nowMilliseconds() - Int64(simulation.rng.next() % 150_000)
            try source.compact(olderThan: cutoff)
            let keys = try SnapshotPropertyTests.entities(source)
            let (taken, ranges) = try source.writer.read { db in (try source.snapshots(of: keys, db), try source.compactedRanges(db)) }

            let empty = try ReplicaStore.inMemory(ReplicaID("fresh")!, wallClock: ManualWallClock(milliseconds: 0), schema: .civic)
            try empty.writer.write { db in _ = try empty.importSnapshots(taken, compactedRanges: ranges, db) }
            #expect(try Self.fingerprint(empty) == Self.fingerprint(source), "seed \(seed): an empty replica")

            let union = everything + (try holder.allOperations())
            try holder.writer.write { db in _ = try holder.importSnapshots(taken, compactedRanges: ranges, db) }
            #expect(try Self.fingerprint(holder) == Self.fingerprint(Self.merged(union)), "seed \(seed): a replica holding more")

            // Later: new operations, and every operation ever made delivered again.
            try simulation.randomEdit(on: 2)
            try simulation.randomEdit(on: 2)
            let later = try simulation.replicas[2].allOperations() + everything
            for store in [source, empty] { try store.apply(later) }
            #expect(try Self.fingerprint(empty) == Self.fingerprint(source), "seed \(seed): later merges")
            #expect(try Self.fingerprint(source) == Self.fingerprint(Self.merged(later)), "seed \(seed): later merges")
            try empty.rebuildState()
            #expect(try Self.fingerprint(empty) == Self.fingerprint(source), "seed \(seed): rebuilt")
        }
    }

    /// A replica's earlier write that arrives after its later one was compacted, and after that
    /// one was overwritten by another replica, is still overwritten: the merge remembers the
    /// dropped write when its row goes. (The later write does not name the earlier one: the
    /// replica had seen it overwritten by a third replica's write, which has not arrived here.)
    @Test func aLateEarlierWriteStaysOverwrittenAfterCompaction() throws {
        let clock = ManualWallClock(milliseconds: 1_767_225_600_000)
        let r = try ReplicaStore.inMemory(ReplicaID("r")!, wallClock: clock, schema: .civic)
        let q = try ReplicaStore.inMemory(ReplicaID("q")!, wallClock: clock, schema: .civic)
        let store = try ReplicaStore.inMemory(ReplicaID("s")!, wallClock: clock, schema: .civic)
        let early = try r.record([.set(.case, "c1", "title", .string("early"))], author: "m1")
        try q.apply(early)
        clock.advance(by: 1_000)
        let third = try q.record([.set(.case, "c1", "title", .string("third"))], author: "m2")
        try r.apply(third)
        clock.advance(by: 1_000)
        let later = try r.record([.set(.case, "c1", "title", .string("later"))], author: "m1")
        try store.apply(later)
        try q.apply(later)
        let another = try q.record([.set(.case, "c2", "title", .string("another case"))], author: "m2")
        try store.apply(another)
        clock.advance(by: 1_000)
        #expect(try store.compact(olderThan: clock.nowMilliseconds()).dropped == 1)
        // The dropped write is still the title: nothing about it is written down yet.
        #expect(try store.writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM compacted_writes") } == 0)
        clock.advance(by: 1_000)
        let overwriting = try q.record([.set(.case, "c1", "title", .string("from q"))], author: "m2")
        try store.apply(overwriting)
        try store.apply(early)
        #expect(try Self.fingerprint(store) == Self.fingerprint(Self.merged(early + later + another + overwriting)))
        let title = try store.writer.read { db in try String.fetchOne(db, sql: "SELECT title FROM cases WHERE id = 'c1'") }
        #expect(title == "from q")
        #expect(try store.writer.read { db in try store.conflicts(db) }.isEmpty)
        try store.apply(third)
        #expect(try Self.fingerprint(store) == Self.fingerprint(Self.merged(early + third + later + another + overwriting)))
    }

    /// A replica's own write, overwritten by another replica's write that the compaction drops,
    /// stays overwritten: the compaction succeeds and a rebuild keeps the state.
    @Test func anOwnWriteOverwrittenByADroppedOneStaysOverwritten() throws {
        let clock = ManualWallClock(milliseconds: 1_767_225_600_000)
        let a = try ReplicaStore.inMemory(ReplicaID("a")!, wallClock: clock, schema: .civic)
        let b = try ReplicaStore.inMemory(ReplicaID("b")!, wallClock: clock, schema: .civic)
        let own = try a.record([.set(.case, "c1", "title", .string("A"))], author: "m1")
        try b.apply(own)
        clock.advance(by: 1_000)
        let overwriting = try b.record([.set(.case, "c1", "title", .string("B"))], author: "m2")
        try a.apply(overwriting)
        clock.advance(by: 1_000)
        let other = try b.record([.set(.case, "c2", "title", .string("x"))], author: "m2")
        try a.apply(other)
        clock.advance(by: 1_000)
        let before = try Self.fingerprint(a)
        #expect(try a.compact(olderThan: clock.nowMilliseconds()).dropped == 1)
        try a.rebuildState()
        #expect(try Self.fingerprint(a) == before)
        #expect(try Self.fingerprint(a) == Self.fingerprint(Self.merged(own + overwriting + other)))
    }

    /// Operations a compaction keeps (a vote, the last one) are not counted as compacted: a store
    /// that takes the compacted ranges with a snapshot still merges them when they come.
    @Test func keptOperationsAreNotInTheCompactedRanges() throws {
        let clock = ManualWallClock(milliseconds: 1_767_225_600_000)
        let r = try ReplicaStore.inMemory(ReplicaID("r")!, wallClock: clock, schema: .civic)
        let server = try ReplicaStore.inMemory(ReplicaID("s")!, wallClock: clock, schema: .civic)
        var all: [SyncOperation] = []
        all += try r.record([.set(.case, "c1", "title", .string("one"))], author: "m1")
        all += try r.record([.set(.motion, "mo1", "votes", .string(Domain.voteChoices[0]), key: "m1")], author: "m1")
        all += try r.record([.set(.case, "c1", "title", .string("two"))], author: "m1")
        all += try r.record([.set(.case, "c2", "title", .string("last"))], author: "m1")
        try server.apply(all)
        clock.advance(by: 1_000)
        #expect(try server.compact(olderThan: clock.nowMilliseconds()).dropped == 2)
        let (taken, ranges) = try server.writer.read { db in (try server.snapshots(of: [EntityKey(.case, "c1")], db), try server.compactedRanges(db)) }
        let scoped = try ReplicaStore.inMemory(ReplicaID("e")!, wallClock: clock, schema: .civic)
        try scoped.writer.write { db in _ = try scoped.importSnapshots(taken, compactedRanges: ranges, replacingRanges: true, db) }
        // The motion and the second case become visible later: their kept operations arrive.
        let result = try scoped.apply(try server.allOperations())
        #expect(Set(result.applied.map(\.description)) == ["r:2", "r:4"], "\(result)")
        #expect(try scoped.writer.read { db in try String.fetchOne(db, sql: "SELECT title FROM cases WHERE id = 'c2'") } == "last")
    }

    /// An operation held for a newer schema, overwritten by one the compaction drops, stays
    /// overwritten once the replica is upgraded and merges it.
    @Test func aHeldOperationOverwrittenByADroppedOneStaysOverwrittenAfterAnUpgrade() throws {
        func schema(_ version: Int, _ choices: [String]) -> SyncSchema {
            SyncSchema(name: "tasks", version: version, entities: [
                EntityDeclaration(EntityKind("task"), table: "tasks", [
                    .field("status", .register(.choice(choices)), .column("status", .text)),
                    .field("title", .register(.text(maxLength: 100)), .column("title", .text)),
                ]),
            ])
        }
        let v1 = schema(1, ["a", "b"]), v2 = schema(2, ["a", "b", "c"])
        let task = EntityKind("task")
        let clock = ManualWallClock(milliseconds: 1_767_225_600_000)
        let x = try ReplicaStore.inMemory(ReplicaID("x")!, wallClock: clock, schema: v2)
        let y = try ReplicaStore.inMemory(ReplicaID("y")!, wallClock: clock, schema: v2)
        var ops = try x.record([.set(task, "t1", "status", .string("c"))], author: "p")
        try y.apply(ops)
        clock.advance(by: 1_000)
        ops += try y.record([.set(task, "t1", "status", .string("a"))], author: "q")
        clock.advance(by: 1_000)
        ops += try y.record([.set(task, "t2", "title", .string("z"))], author: "q")
        ops += try y.record([.set(task, "t3", "title", .string("w"))], author: "q")
        let directory = NSTemporaryDirectory() + "civicsync-compaction-\(UInt64.random(in: 0...UInt64.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/old.replica"
        do {
            let old = try ReplicaStore.open(path: path, create: ReplicaID("o")!, wallClock: clock, schema: v1)
            #expect(try old.apply(ops, holdingNewer: true).held.count == 1)
            clock.advance(by: 1_000)
            #expect(try old.compact(olderThan: clock.nowMilliseconds()).dropped >= 1)
        }
        let upgraded = try ReplicaStore.open(path: path, wallClock: clock, schema: v2)
        let reference = try ReplicaStore.inMemory(ReplicaID("ref")!, wallClock: clock, schema: v2)
        try reference.apply(ops)
        #expect(try Self.fingerprint(upgraded) == Self.fingerprint(reference))
    }

    /// A replica that compacted its own log takes entities whole from a server that did not
    /// compact them (a repair, or a snapshot in pages): the entities it does not take keep their
    /// compacted state, and what an operation it had compacted overwrote among its own stays
    /// overwritten; a rebuild afterwards changes nothing.
    @Test func takingEntitiesWholeAfterCompactingLocallyKeepsTheState() throws {
        let clock = ManualWallClock(milliseconds: 1_767_225_600_000)
        let e = try ReplicaStore.inMemory(ReplicaID("e")!, wallClock: clock, schema: .civic)
        let r = try ReplicaStore.inMemory(ReplicaID("r")!, wallClock: clock, schema: .civic)
        let server = try ReplicaStore.inMemory(ReplicaID("s")!, wallClock: clock, schema: .civic)
        let mine = try e.record([.set(.case, "c1", "title", .string("mine"))], author: "m1")
        try r.apply(mine)
        try server.apply(mine)
        clock.advance(by: 1_000)
        var theirs = try r.record([.set(.case, "c1", "title", .string("theirs"))], author: "m2")
        theirs += try r.record([.set(.case, "c9", "title", .string("old"))], author: "m2")
        theirs += try r.record([.set(.case, "c9", "title", .string("kept"))], author: "m2")
        clock.advance(by: 1_000)
        theirs += try r.record([.set(.case, "c2", "title", .string("x"))], author: "m2")
        try e.apply(theirs)
        try server.apply(theirs)
        clock.advance(by: 1_000)
        #expect(try e.compact(olderThan: clock.nowMilliseconds()).dropped == 3)
        let before = try Self.fingerprint(e)
        let (taken, ranges) = try server.writer.read { db in (try server.snapshots(of: [EntityKey(.case, "c1")], db), try server.compactedRanges(db)) }
        try e.writer.write { db in _ = try e.importSnapshots(taken, compactedRanges: ranges, db) }
        #expect(try Self.fingerprint(e) == before)
        try e.rebuildState()
        #expect(try Self.fingerprint(e) == before, "a rebuild after taking c1 whole")
        #expect(try e.writer.read { db in try String.fetchOne(db, sql: "SELECT title FROM cases WHERE id = 'c9'") } == "kept")
    }

    /// Compaction drops what it may and keeps what is read as operations (a case's step
    /// history, a motion's votes) and every operation written on the replica itself.
    @Test func compactionKeepsWhatIsReadAsOperations() throws {
        let clock = ManualWallClock(milliseconds: 1_767_225_600_000)
        let writer = try ReplicaStore.inMemory(ReplicaID("w1")!, wallClock: clock, schema: .civic)
        let store = try ReplicaStore.inMemory(ReplicaID("r1")!, wallClock: clock, schema: .civic)
        try writer.record([.set(.case, "c1", "title", .string("first")), .raise(.case, "c1", "step", to: 2),
                           .set(.motion, "mo1", "votes", .string(Domain.voteChoices[0]), key: "m1")], author: "m1")
        clock.advance(by: 1_000)
        try writer.record([.set(.case, "c1", "title", .string("second")), .append(.case, "c1", "comments", "a note")], author: "m1")
        try store.apply(writer.allOperations())
        clock.advance(by: 1_000)
        try store.record([.set(.case, "c1", "priority", .int(2))], author: "m2")
        try store.writer.write { db in try db.execute(sql: "UPDATE oplog SET sync_state = 1") }
        clock.advance(by: 1_000)
        try writer.record([.set(.case, "c1", "title", .string("later"))], author: "m1")
        try store.apply(writer.allOperations())
        let before = try Self.fingerprint(store)
        let report = try store.compact(olderThan: clock.nowMilliseconds())
        #expect(try Self.fingerprint(store) == before)
        let kept = try store.writer.read { db in try String.fetchAll(db, sql: "SELECT field FROM oplog ORDER BY seq") }
        // Both first titles and the comment are dropped; step, vote, this replica's own
        // priority and the operation dated after the cutoff stay.
        #expect(kept == ["step", "votes", "priority", "title"], "\(kept)")
        #expect(report.dropped == 3)
        #expect(report.horizon == 6)
        // What the case's history shows: what is kept, and what the dropped operations left
        // (the comment; not the overwritten titles).
        let history = try store.writer.read { db in try store.history(of: .case, "c1", db) }.map(\.operation)
        #expect(history.map(\.field) == ["step", "comments", "priority", "title"], "\(history.map(\.field))")
        // A dropped operation delivered again changes nothing and is not logged again.
        let again = try store.apply(writer.allOperations())
        #expect(again.applied.isEmpty)
        #expect(try Self.fingerprint(store) == before)
        let status = try store.writer.read { db in try store.compactionStatus(db) }
        #expect(status.compactedOperations == 3)
        #expect(status.horizon == 6)
    }
}
