import Foundation
import GRDB
import PropertyBased
import Testing
import SyncCore
import CivilAffairs

/// Issue 13: taking entities whole (`EntitySnapshot`) ends exactly where merging their
/// operations ends, on random histories (skewed clocks, concurrent edits, sealed votes), for an
/// empty replica and for one that holds operations of its own and others' the snapshot lacks;
/// and later merges on both sides stay equal.
@Suite struct SnapshotPropertyTests {
    /// Every entity a store holds.
    static func entities(_ store: ReplicaStore) throws -> [EntityKey] {
        try store.writer.read { db in
            var keys: [EntityKey] = []
            for (table, kind) in store.schema.entityTables {
                keys += try String.fetchAll(db, sql: "SELECT id FROM \(table)").map { EntityKey(kind, $0) }
            }
            return keys.sorted()
        }
    }

    struct Fingerprint: Equatable {
        var digest: String
        var tables: String
        var conflicts: [Conflict]
        var operations: Set<String>
    }

    static func fingerprint(_ store: ReplicaStore) throws -> Fingerprint {
        try store.writer.read { db in
            Fingerprint(digest: try store.stateDigest(db).root, tables: try store.materializedDigest(db),
                        conflicts: try store.conflicts(db), operations: Set(try String.fetchAll(db, sql: "SELECT op_id FROM oplog")))
        }
    }

    /// A replica holding exactly `operations`, merged the usual way.
    static func merged(_ operations: [SyncOperation]) throws -> ReplicaStore {
        let store = try ReplicaStore.inMemory(ReplicaID("reference")!, wallClock: ManualWallClock(milliseconds: 0), schema: .civic)
        try store.apply(operations)
        return store
    }

    @Test(.shrinking(false)) func takingEntitiesWholeEqualsMergingTheirOperations() async throws {
        await propertyCheck(count: 150, input: Gen.uint64()) { seed in
            var simulation = try HistorySimulation(seed: seed)
            for _ in 0..<40 {
                if simulation.chance(70) {
                    try simulation.randomEdit(on: Int(simulation.rng.next() % UInt64(simulation.replicas.count)))
                } else {
                    try simulation.deliver(from: Int(simulation.rng.next() % UInt64(simulation.replicas.count)),
                                           to: Int(simulation.rng.next() % UInt64(simulation.replicas.count)))
                }
            }
            let source = simulation.replicas[0], holder = simulation.replicas[1]
            let keys = try Self.entities(source)
            let taken = try source.writer.read { db in try source.snapshots(of: keys, db) }

            // An empty replica that takes everything whole equals the source.
            let empty = try ReplicaStore.inMemory(ReplicaID("fresh")!, wallClock: ManualWallClock(milliseconds: 0), schema: .civic)
            try empty.writer.write { db in _ = try empty.importSnapshots(taken, db) }
            #expect(try Self.fingerprint(empty) == Self.fingerprint(source), "seed \(seed): an empty replica")
            #expect(try empty.writer.read { db in try empty.recomputedDigest(db) } == empty.writer.read { db in try empty.stateDigest(db) })

            // A replica with operations of its own and others' the source lacks ends where merging
            // both logs ends.
            let union = try source.allOperations() + holder.allOperations()
            try holder.writer.write { db in _ = try holder.importSnapshots(taken, db) }
            #expect(try Self.fingerprint(holder) == Self.fingerprint(Self.merged(union)), "seed \(seed): a replica holding more")

            // Later merges: the same new operations on both sides.
            try simulation.randomEdit(on: 2)
            try simulation.randomEdit(on: 2)
            let later = try simulation.replicas[2].allOperations()
            try source.apply(later)
            try empty.apply(later)
            #expect(try Self.fingerprint(empty).digest == Self.fingerprint(source).digest, "seed \(seed): later merges")
            #expect(try Self.fingerprint(empty).tables == Self.fingerprint(source).tables, "seed \(seed): later merges")
        }
    }
}
