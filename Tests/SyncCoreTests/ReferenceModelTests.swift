import Foundation
import PropertyBased
import Testing
import SyncCore
import CivilAffairs

/// Differential check of the merge: random histories (`HistorySimulation`) run on real
/// replicas, and the union of their logs is fed to `ReferenceMerge`, a naive restatement of the
/// documented rules. After the final exchange every replica must show exactly what the
/// reference says: each register column, the visible conflicts, set contents, milestones with
/// their earliest reaching operation, maxima, comments, and each vote's current value, counted
/// value and `late` flag; and so must one of them once its state is rebuilt from its log. The
/// convergence properties only prove the replicas agree with each other; this checks that they
/// agree with the rules.
///
/// A failure prints the seed and the lines on each side (`-` reference, `+` store); replay it
/// with `CIVICSYNC_SEED=<seed> swift test --filter ReferenceModelTests`, and run more or fewer
/// histories with `CIVICSYNC_HISTORIES=N` (see `HistoryRuns`). Shrinking is off: a smaller
/// seed is not a smaller history, only another one, and the failure would be reported under it.
@Suite(.shrinking(false)) struct ReferenceModelTests {
    /// Histories per test and run (about 75 ms of CPU each in a debug build).
    static let defaultHistories = 300
    static let seals = ReferenceMerge.seals(of: .civic)

    /// Histories exactly as the simulation makes them: local writes with the contexts the
    /// store gives them, exchanged in any order.
    @Test(arguments: 0..<HistoryRuns.chunks)
    func storeAgreesWithReference(chunk: Int) async throws {
        try await forEachHistory(chunk: chunk) { seed in try checkHistory(seed: seed, imported: false) }
    }

    /// The same, then a batch of operations such as an imported file or an old client may
    /// carry (`ImportedOperations`): reused timestamps, contexts naming later, unknown or
    /// other fields' operations, sealings with a null value or a made-up context, writes of a
    /// replica dated before its own earlier writes. The rules say what each must do; local
    /// writes alone never produce them.
    @Test(arguments: 0..<HistoryRuns.chunks)
    func storeAgreesWithReferenceOnImportedOperations(chunk: Int) async throws {
        try await forEachHistory(chunk: chunk) { seed in try checkHistory(seed: seed, imported: true) }
    }

    func forEachHistory(chunk: Int, _ body: (UInt64) throws -> Void) async throws {
        if let seed = HistoryRuns.replaySeed {
            if chunk == 0 { try body(seed) }
            return
        }
        let count = HistoryRuns.share(of: HistoryRuns.count(default: Self.defaultHistories), chunk: chunk)
        await propertyCheck(count: count, input: Gen.uint64()) { seed in try body(seed) }
    }

    func checkHistory(seed: UInt64, imported: Bool) throws {
        var simulation = try HistorySimulation(seed: seed)
        try simulation.run()
        var operations = try simulation.replicas.flatMap { try $0.allOperations() }
        if imported {
            var generator = ImportedOperations(seed: seed, history: operations)
            let extra = generator.make()
            for replica in simulation.replicas { try generator.deliver(extra, to: replica) }
            operations += extra
        }
        let expected = MergeView(expected: ReferenceMerge(operations: operations, seals: Self.seals), schema: .civic)
        for (index, replica) in simulation.replicas.enumerated() {
            compare(try MergeView(actual: replica, schema: .civic), with: expected, "seed \(seed)\(imported ? " (imported)" : ""), replica r\(index)")
        }
        // The same state derived again from the log alone (as after an upgrade or re-dating),
        // in small chunks so that chunk boundaries fall between related operations.
        let last = simulation.replicas[simulation.replicas.count - 1]
        try last.writer.write { db in try last.rebuildState(chunkSize: 3, db) }
        compare(try MergeView(actual: last, schema: .civic), with: expected,
                "seed \(seed)\(imported ? " (imported)" : ""), replica r\(simulation.replicas.count - 1) rebuilt")
    }

    func compare(_ actual: MergeView, with expected: MergeView, _ label: String) {
        for aspect in MergeView.aspectNames {
            let differences = actual.differences(from: expected, in: aspect)
            #expect(differences.isEmpty, "\(label), \(aspect):\n\(differences.joined(separator: "\n"))")
        }
    }
}

/// Unusual but valid operations added after a history: what an imported file, an old client or
/// a replica with a broken clock may send, and what local writes never produce. All come from
/// the history's replicas or from a stranger (`x`), with ids past any counter used so far.
struct ImportedOperations {
    var rng: SplitMix64
    let history: [SyncOperation]

    init(seed: UInt64, history: [SyncOperation]) {
        // Its own stream: the history itself stays the one `seed` names elsewhere.
        rng = SplitMix64(seed: seed ^ 0x5EED_1A9E_0000_0001)
        self.history = history
    }

    mutating func pick<T>(_ items: [T]) -> T { items[Int(rng.next() % UInt64(items.count))] }
    mutating func chance(_ percent: UInt64) -> Bool { rng.next() % 100 < percent }

    mutating func make() -> [SyncOperation] {
        guard !history.isEmpty else { return [] }
        let replicas = Array(Set(history.map(\.id.replica))).sorted() + [ReplicaID("x")!]
        var counters: [ReplicaID: Int64] = [:]
        var made: [SyncOperation] = []
        for _ in 0..<(Int(rng.next() % 10) + 4) {
            let replica = pick(replicas)
            let counter = (counters[replica] ?? 1_000) + 1
            counters[replica] = counter
            let id = OperationID(replica: replica, counter: counter)
            let own = (history + made).filter { $0.id.replica == replica }
            var op: SyncOperation
            if !own.isEmpty && chance(30) {
                // A twin: another write to the same place on exactly the timestamp of one of this
                // replica's own operations (a reused timestamp), so only the tie-breaks decide.
                let twin = pick(own)
                op = randomOperation(id: id, hlc: twin.hlc, like: twin)
            } else {
                // Dated near some operation of the history, before or after it.
                let near = pick(history).hlc
                let hlc = HLCTimestamp(wallMilliseconds: near.wallMilliseconds + Int64(rng.next() % 4_001) - 2_000,
                                       logical: Int32(rng.next() % 3), replica: replica)
                op = randomOperation(id: id, hlc: hlc)
            }
            op.context = context(for: op, others: made)
            made.append(op)
        }
        return made
    }

    /// One operation on the simulation's small world; with `like`, on the same entity, field
    /// and key as that one (with a value, author and kind of its own).
    mutating func randomOperation(id: OperationID, hlc: HLCTimestamp, like: SyncOperation? = nil) -> SyncOperation {
        let author = pick(HistorySimulation.members)
        let caseID = like.flatMap { $0.entity == .case ? $0.entityID : nil } ?? pick(HistorySimulation.cases)
        let member = like?.key ?? pick(HistorySimulation.members)
        func op(_ entity: EntityKind, _ entityID: String, _ field: String, key: String = "", _ kind: OperationKind,
                _ value: JSONValue) -> SyncOperation {
            SyncOperation(id: id, hlc: hlc, author: author, entity: entity, entityID: entityID, field: field, key: key,
                          kind: kind, value: value)
        }
        let shape: UInt64
        switch (like?.entity, like?.field) {
        case (.case?, "title"?): shape = 0
        case (.case?, "priority"?): shape = 1
        case (.case?, "step"?): shape = 2
        case (.case?, "milestones"?): shape = 3
        case (.meeting?, "attendance"?): shape = 4 + rng.next() % 2
        case (.motion?, "votes"?): shape = 6
        case (.motion?, "milestones"?): shape = 8
        case (.case?, "comments"?): shape = 9
        case (.meeting?, "debateSubjects"?): shape = 10
        case (nil, _): shape = rng.next() % 11
        default: shape = 0 // a field imported operations do not write: a title instead
        }
        switch shape {
        case 0: return op(.case, caseID, "title", .set, .string("t\(rng.next() % 5)"))
        case 1: return op(.case, caseID, "priority", .set, .int(Int64(rng.next() % 10)))
        case 2: return op(.case, caseID, "step", .max, .int(Int64(rng.next() % 4) + 1))
        case 3: return op(.case, caseID, "milestones", key: like?.key ?? pick(Domain.caseMilestones), .reach, .null)
        case 4: return op(.meeting, "w1", "attendance", key: member, .add, .string(member))
        case 5: return op(.meeting, "w1", "attendance", key: member, .remove, .null)
        case 6, 7: return op(.motion, "mo1", "votes", key: like?.key ?? author, .set, .string(pick(Domain.voteChoices)))
        case 8:
            // A closing: from a current client ("sealed", naming votes) or an older one (null).
            return op(.motion, "mo1", "milestones", key: "closed", .reach, chance(70) ? SyncOperation.sealedMarker : .null)
        case 9: return op(.case, caseID, "comments", .append, .string("imported \(rng.next() % 100)"))
        default:
            return op(.meeting, "w1", "debateSubjects", key: like?.key ?? "s\(rng.next() % 3)", .add,
                      .object(["member": .string(author), "subject": .string("subject \(rng.next() % 3)")]))
        }
    }

    /// A context mixing what the writer may have seen with what it cannot have: operations of
    /// the same scope dated before or after it, of other scopes, and ids that never arrive.
    mutating func context(for op: SyncOperation, others: [SyncOperation]) -> [OperationID] {
        let all = history + others
        let sameScope = all.filter { $0.entity == op.entity && $0.entityID == op.entityID && $0.field == op.field && $0.key == op.key }
        // A sealing names votes (of any voter).
        let sealed = op.kind == .reach && op.value == SyncOperation.sealedMarker
            ? all.filter { $0.entity == op.entity && $0.entityID == op.entityID && $0.field == "votes" } : []
        var context: [OperationID] = []
        for candidate in sameScope + sealed where chance(40) { context.append(candidate.id) }
        if chance(15) { context.append(pick(all).id) }
        if chance(10) { context.append(OperationID(replica: pick(all).id.replica, counter: 999_999)) }
        return context
    }

    /// Delivers `operations` to `replica` shuffled, in small batches, some twice.
    mutating func deliver(_ operations: [SyncOperation], to replica: ReplicaStore) throws {
        var ops = operations + operations.filter { _ in chance(20) }
        ops.shuffle(using: &rng)
        while !ops.isEmpty {
            let size = min(ops.count, Int(rng.next() % 4) + 1)
            try replica.apply(Array(ops.prefix(size)))
            ops.removeFirst(size)
        }
    }
}
