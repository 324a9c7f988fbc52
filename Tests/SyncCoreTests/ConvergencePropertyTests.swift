import Foundation
import PropertyBased
import Testing
import SyncCore
import CivilAffairs

/// The product's central promise: replicas that have seen the same operations show the same
/// state, whatever the order, duplicates, partitions and clocks.
///
/// Each check prints its seed on failure; replay one with `CIVICSYNC_SEED=<seed> swift test
/// --filter ConvergencePropertyTests`.
@Suite struct ConvergencePropertyTests {
    /// Seeds to run: the replay seed when given, else `count` random ones from the property runner.
    static var replaySeed: UInt64? { ProcessInfo.processInfo.environment["CIVICSYNC_SEED"].flatMap { UInt64($0) } }

    @Test func randomHistoriesConverge() async throws {
        if let seed = Self.replaySeed {
            try checkHistory(seed: seed)
            return
        }
        await propertyCheck(count: 200, input: Gen.uint64()) { seed in
            try checkHistory(seed: seed)
        }
    }

    func checkHistory(seed: UInt64) throws {
        var simulation = try HistorySimulation(seed: seed)
        try simulation.run()
        let digests = try simulation.replicas.map { try $0.stateDigest() }
        let conflicts = try simulation.replicas.map { try $0.conflicts() }
        let logs = try simulation.replicas.map { try $0.allOperationIDs() }
        #expect(Set(logs).count == 1, "seed \(seed): every replica holds every operation")
        #expect(Set(digests).count == 1, "seed \(seed): digests differ \(digests)")
        #expect(conflicts.allSatisfy { $0 == conflicts[0] }, "seed \(seed): visible conflicts differ")
        // Tallies are derived facts: they agree too.
        let tallies = try simulation.replicas.map { try $0.strings("SELECT voter_id || '=' || ifnull(counted_choice, '-') FROM votes ORDER BY 1") }
        #expect(tallies.allSatisfy { $0 == tallies[0] }, "seed \(seed): tallies differ")
    }

    /// Merge of operation sets is commutative, associative and idempotent.
    @Test func mergeIsCommutativeAssociativeAndIdempotent() async throws {
        await propertyCheck(count: 100, input: Gen.uint64()) { seed in
            // Three independent histories A, B, C from three writers that also saw some of each other.
            var simulation = try HistorySimulation(seed: seed)
            for _ in 0..<30 {
                try simulation.randomEdit(on: Int(simulation.rng.next() % 3))
                if simulation.chance(20) { try simulation.deliver(from: Int(simulation.rng.next() % 3), to: Int(simulation.rng.next() % 3)) }
            }
            let sets = try (0..<3).map { try simulation.replicas[$0].allOperations() }
            let (a, b, c) = (sets[0], sets[1], sets[2])
            func state(_ batches: [[SyncOperation]]) throws -> String {
                let replica = try ReplicaStore.inMemory(ReplicaID("probe")!, wallClock: ManualWallClock(milliseconds: 0), schema: .civic)
                for batch in batches { try replica.apply(batch) }
                return try replica.stateDigest()
            }
            #expect(try state([a, b]) == state([b, a]), "seed \(seed): commutativity")
            #expect(try state([a + b, c]) == state([a, b + c]), "seed \(seed): associativity")
            #expect(try state([a, a, b]) == state([a, b]), "seed \(seed): idempotence")
            #expect(try state([a.reversed(), b.reversed(), c.reversed()]) == state([c, b, a]), "seed \(seed): order within batches")
        }
    }
}
