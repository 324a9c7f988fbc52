import Foundation
import GRDB
import SyncCore
import CivilAffairs
import Testing

/// The state digest is kept by the merge as rows come and go (issue 11): it must always be the
/// digest of the rows, agree between replicas with the same operations, and be cheap to read.
@Suite("State digest")
struct StateDigestTests {
    @Test("sums add, subtract and read back from their 32 bytes")
    func sumAlgebra() throws {
        var rng = SplitMix64(seed: 7)
        func random() -> DigestSum { DigestSum(bytes: (0..<32).map { _ in UInt8(truncatingIfNeeded: rng.next()) })! }
        for _ in 0..<200 {
            let (a, b, c) = (random(), random(), random())
            #expect(a + b == b + a)
            #expect((a + b) + c == a + (b + c))
            #expect(a + b - b == a)
            #expect(a - a == .zero && (a + -a).isZero)
            #expect(DigestSum(bytes: a.bytes) == a)
        }
        // Carries run through every limb: (2^256 - 1) + 1 wraps to zero.
        let allOnes = DigestSum(bytes: [UInt8](repeating: 0xFF, count: 32))!
        #expect(allOnes + DigestSum(bytes: [1] + [UInt8](repeating: 0, count: 31))! == .zero)
        #expect(DigestSum(bytes: [1, 2, 3]) == nil, "only 32 bytes read as a sum")
    }

    @Test("the kept digest is the digest of the merge rows after every batch of a random history, and a rebuild keeps it")
    func keptDigestFollowsTheRows() throws {
        for seed in UInt64(1)...40 {
            var simulation = try HistorySimulation(seed: seed)
            for _ in 0..<25 {
                let index = Int(simulation.rng.next() % UInt64(simulation.replicas.count))
                try simulation.randomEdit(on: index)
                if simulation.chance(30) {
                    try simulation.deliver(from: index, to: Int(simulation.rng.next() % UInt64(simulation.replicas.count)))
                }
                let replica = simulation.replicas[index]
                let (kept, recomputed) = try replica.writer.read { db in (try replica.stateDigest(db), try replica.recomputedDigest(db)) }
                #expect(kept == recomputed, "seed \(seed): the kept digest drifted from the rows")
            }
            try simulation.exchangeEverything()
            let roots = try simulation.replicas.map { try $0.stateDigest() }
            #expect(Set(roots).count == 1, "seed \(seed): replicas with the same operations have different digests")
            let tables = try simulation.replicas.map { try $0.materializedDigest() }
            #expect(Set(tables).count == 1, "seed \(seed): replicas with the same digest show different tables")
            let first = simulation.replicas[0]
            try first.rebuildState()
            #expect(try first.stateDigest() == roots[0] && first.materializedDigest() == tables[0], "seed \(seed): rebuild")
        }
    }

    @Test("the digest of some entities is the sum of their buckets, and an entity's hash is the sum of its rows")
    func partsAddUp() throws {
        let (replica, _) = try makeReplica("a")
        try replica.record([.set(.case, "c1", "title", .string("One")), .set(.case, "c2", "title", .string("Two")),
                            .append(.case, "c1", "comments", "first"), .add(.meeting, "w1", "attendance", element: "m1")],
                           author: "m1")
        try replica.writer.read { db in
            let all: Set<EntityKey> = [EntityKey(.case, "c1"), EntityKey(.case, "c2"), EntityKey(.meeting, "w1")]
            let whole = try replica.stateDigest(db)
            #expect(try replica.stateDigest(of: all, db) == whole && whole.entities == 3)
            let one = try replica.stateDigest(of: [EntityKey(.case, "c1")], db)
            let rest = try replica.stateDigest(of: [EntityKey(.case, "c2"), EntityKey(.meeting, "w1")], db)
            #expect(one + rest == whole)
            let bucket = StateDigest.bucket(.case, "c1")
            #expect(one.buckets[bucket] == (try replica.entityHash(EntityKey(.case, "c1"), db)))
            #expect(try replica.stateDigest(of: [EntityKey(.case, "nowhere")], db) == StateDigest(), "an entity it does not hold adds nothing")
        }
    }

    @Test("a value edited and edited back gives the digest it had; any other value a different one")
    func digestTracksContent() throws {
        let (a, clock) = try makeReplica("a")
        let (b, _) = try makeReplica("b")
        try a.record([.set(.case, "c1", "title", .string("Same"))], author: "m1")
        try a.send(to: b)
        let before = try a.stateDigest()
        #expect(try b.stateDigest() == before)
        clock.advance(by: 1_000)
        try b.record([.set(.case, "c1", "title", .string("Changed"))], author: "m2")
        #expect(try b.stateDigest() != before)
        try b.send(to: a)
        #expect(try a.stateDigest() == b.stateDigest())
    }
}
