import Foundation
import SyncCore
import CivilAffairs

/// A random history: 3 to 5 replicas with skewed, frozen or jumping clocks edit a small shared
/// world (so edits collide often) and exchange operations through a lossy, reordering,
/// duplicating, partitioned network. Everything derives from `seed`, so a failure replays.
struct HistorySimulation {
    let seed: UInt64
    var rng: SplitMix64
    let baseClock = ManualWallClock(milliseconds: 1_767_225_600_000)
    var replicas: [ReplicaStore] = []
    var clockModes: [ClockMode] = []

    enum ClockMode { case skewed(Int64), frozen, jumping }

    static let cases = ["c1", "c2"]
    static let members = ["m1", "m2", "m3", "m4"]
    static let motions = ["mo1"]
    static let meetings = ["w1"]

    init(seed: UInt64) throws {
        self.seed = seed
        rng = SplitMix64(seed: seed)
        let count = Int(rng.next() % 3) + 3
        for index in 0..<count {
            let mode: ClockMode
            switch rng.next() % 4 {
            case 0: mode = .frozen
            case 1: mode = .jumping
            default: mode = .skewed(Int64(rng.next() % 7_200_000) - 3_600_000)
            }
            let clock: any WallClock
            switch mode {
            case .skewed(let skew): clock = SkewedWallClock(base: baseClock, skewMilliseconds: skew)
            case .frozen: clock = ManualWallClock(milliseconds: 1_767_225_600_000 + Int64(index))
            case .jumping: clock = JumpingClock(base: baseClock, seed: rng.next())
            }
            replicas.append(try ReplicaStore.inMemory(ReplicaID("r\(index)")!, wallClock: clock, schema: .civic))
            clockModes.append(mode)
        }
    }

    mutating func pick<T>(_ items: [T]) -> T { items[Int(rng.next() % UInt64(items.count))] }
    mutating func chance(_ percent: UInt64) -> Bool { rng.next() % 100 < percent }

    /// One random local edit of any kind on replica `index`.
    mutating func randomEdit(on index: Int) throws {
        let replica = replicas[index]
        let author = pick(Self.members)
        let caseID = pick(Self.cases)
        let write: FieldWrite
        let date = JSONValue.string("2026-01-0\(rng.next() % 9 + 1)")
        switch rng.next() % 16 {
        case 0: write = .set(.case, caseID, "title", .string("t\(rng.next() % 5)"))
        case 1: write = .set(.case, caseID, "priority", .int(Int64(rng.next() % 10)))
        case 2: write = .set(.case, caseID, "area", .string(pick(Domain.areas)))
        case 3: write = .raise(.case, caseID, "step", to: Int64(rng.next() % 4) + 1)
        case 4: write = .reach(.case, caseID, pick(Domain.caseMilestones))
        case 5: write = .add(.meeting, pick(Self.meetings), "attendance", element: pick(Self.members))
        case 6:
            let member = pick(Self.members)
            write = .remove(.meeting, "w1", "attendance", element: member)
        case 7: write = .set(.motion, pick(Self.motions), "votes", .string(pick(Domain.voteChoices)), key: author)
        case 8: write = .reach(.motion, "mo1", "closed")
        case 9: write = .append(.case, caseID, "comments", "note \(rng.next() % 100)")
        case 10: write = .add(.meeting, "w1", "debateSubjects", element: "s\(rng.next() % 3)",
                              value: .object(["member": .string(author), "subject": .string("subject \(rng.next() % 3)")]))
        // Dates of record (schema 2), of facts reached or not: the date is a register of its own.
        case 12: write = .set(.case, caseID, "milestoneDates", date, key: pick(Domain.caseMilestones))
        case 13: write = .set(.case, caseID, "stepDates", date, key: String(rng.next() % 4 + 1))
        case 14: write = .set(.meeting, pick(Self.meetings), "attendanceDates", date, key: pick(Self.members))
        case 15: write = chance(50) ? .set(.motion, "mo1", "voteDates", date, key: author) : .set(.motion, "mo1", "closedOn", date)
        default: write = .set(.member, pick(Self.members), "name", .string("name \(rng.next() % 4)"))
        }
        do {
            try replica.record([write], author: author)
        } catch let error as SyncError where error.code == .notFound {
            // Removing an element the replica does not show: a user would be told; nothing happens.
        }
    }

    /// Delivers a random subset of `from`'s log to `to`, shuffled, in random batch sizes,
    /// with some operations twice.
    mutating func deliver(from: Int, to: Int, everything: Bool = false) throws {
        var ops = try replicas[from].allOperations()
        if !everything { ops = ops.filter { _ in chance(60) } }
        ops += ops.filter { _ in chance(20) }
        ops.shuffle(using: &rng)
        while !ops.isEmpty {
            let size = min(ops.count, Int(rng.next() % 6) + 1)
            try replicas[to].apply(Array(ops.prefix(size)))
            ops.removeFirst(size)
        }
    }

    /// Runs the whole history: partitioned rounds of edits and gossip, then a final full exchange.
    mutating func run(steps: Int = 40) throws {
        let count = replicas.count
        var partition = (0..<count).map { _ in rng.next() % 2 }
        for step in 0..<steps {
            baseClock.advance(by: Int64(rng.next() % 5_000))
            if step % 10 == 0 { partition = (0..<count).map { _ in rng.next() % 2 } }
            if chance(70) {
                try randomEdit(on: Int(rng.next() % UInt64(count)))
            } else {
                let from = Int(rng.next() % UInt64(count))
                let to = Int(rng.next() % UInt64(count))
                if from != to && partition[from] == partition[to] { try deliver(from: from, to: to) }
            }
        }
        try exchangeEverything()
    }

    /// Every replica receives every operation (in random orders, with duplicates).
    mutating func exchangeEverything() throws {
        let order = (0..<replicas.count).shuffled(using: &rng)
        for to in order {
            for from in order where from != to { try deliver(from: from, to: to, everything: true) }
        }
    }
}

/// A clock that sometimes jumps backwards or forwards by up to an hour.
final class JumpingClock: WallClock, @unchecked Sendable {
    // @unchecked: `rng` is only touched while holding `lock`.
    private let lock = NSLock()
    private var rng: SplitMix64
    private let base: ManualWallClock
    init(base: ManualWallClock, seed: UInt64) {
        self.base = base
        rng = SplitMix64(seed: seed)
    }
    func nowMilliseconds() -> Int64 {
        lock.withLock { base.nowMilliseconds() + Int64(rng.next() % 7_200_000) - 3_600_000 }
    }
}
