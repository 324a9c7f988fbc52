import Foundation
import GRDB
import SyncCore
import CivilAffairs
import Testing

/// "Nothing recorded offline is lost" at the core: no operation can stop a replica, no context
/// can cancel writes that have not happened, no vote counts that the closing did not see, and
/// no clock can keep a replica's writes in the future (issue 9, items 14, 15, 17 and 18).
@Suite("Promise: merge integrity")
struct MergeIntegrityTests {
    static let day: Int64 = 86_400_000
    static let start: Int64 = 1_767_225_600_000

    // MARK: 17. One operation cannot stop every replica

    @Test("a clock whose logical counter is full carries into the next millisecond")
    func logicalCounterCarries() throws {
        let replica = ReplicaID("r")!
        let wall = ManualWallClock(milliseconds: 1_000)
        var clock = HybridLogicalClock(replica: replica, wallClock: wall,
                                       last: HLCTimestamp(wallMilliseconds: 5_000, logical: HLCTimestamp.maxLogical, replica: replica))
        let next = try clock.now()
        #expect(next == HLCTimestamp(wallMilliseconds: 5_001, logical: 0, replica: replica))
        #expect(HLCTimestamp(next.description) == next)
        #expect(HLCTimestamp("000000000005000-1000000-r") == nil, "a seven-digit counter is not a timestamp")
    }

    @Test("an operation at the largest counter never makes a replica's log or clock unreadable")
    func fullCounterOperationKeepsReplicasSyncing() throws {
        let (a, _) = try makeReplica("a", at: Self.start)
        let monitor = ReplicaID("m")!
        let hostile = SyncOperation(id: OperationID(replica: monitor, counter: 1),
                                    hlc: HLCTimestamp(wallMilliseconds: Self.start, logical: HLCTimestamp.maxLogical, replica: monitor),
                                    author: "m", entity: .member, entityID: "m", field: "name", kind: .set, value: .string("M"))
        try a.apply([hostile])
        let mine = try a.record([.set(.member, "m", "name", .string("Renamed")), .append(.case, "c1", "comments", "next")], author: "hq")
        #expect(mine[0].hlc > hostile.hlc && mine[1].hlc > mine[0].hlc)
        #expect(mine.allSatisfy { $0.hlc.logical <= HLCTimestamp.maxLogical })
        // The log reads back (export, history, push) and sorts as text the way it sorts as values.
        let logged = try a.allOperations()
        #expect(logged.count == 3)
        let texts = logged.map(\.hlc.description)
        #expect(texts.sorted() == logged.map(\.hlc).sorted().map(\.description))
        #expect(try a.value("SELECT title FROM cases") == nil)
    }

    @Test("a clock that cannot be read is an error, never a reset to zero")
    func damagedClockIsAnError() throws {
        let (a, _) = try makeReplica("a", at: Self.start)
        try a.record([.set(.case, "c1", "title", .string("x"))], author: "m1")
        try a.writer.write { db in try db.execute(sql: "UPDATE replica_meta SET value = 'garbage' WHERE key = 'hlc'") }
        do {
            try a.record([.set(.case, "c1", "title", .string("y"))], author: "m1")
            Issue.record("a write with an unreadable clock must fail")
        } catch let error as SyncError {
            #expect(error.code == .storage)
        }
        #expect(try a.value("SELECT title FROM cases") == "x")
    }

    // MARK: 18. A context cannot cancel writes that have not happened yet

    @Test("a context naming another replica's future counters overwrites nothing; local writes equal a rebuild")
    func futureContextCancelsNothing() throws {
        let (hq, hqClock) = try makeReplica("hq", at: Self.start)
        let (monitor, _) = try makeReplica("mon", at: Self.start)
        let (rebuilt, _) = try makeReplica("copy", at: Self.start)
        try hq.record([.set(.case, "c1", "title", .string("Original"))], author: "hq1")
        try hq.send(to: monitor)
        // The monitor edits the title claiming to have seen HQ's next 19 operations.
        var forged = try monitor.record([.set(.case, "c1", "title", .string("Monitor's"))], author: "m1")[0]
        forged.context = (2...20).map { OperationID(replica: ReplicaID("hq")!, counter: $0) }
        let forgedOp = SyncOperation(id: forged.id, hlc: forged.hlc, author: forged.author, entity: forged.entity,
                                     entityID: forged.entityID, field: forged.field, kind: forged.kind, value: forged.value,
                                     context: forged.context)
        try hq.apply([forgedOp])
        hqClock.advance(by: 1_000)
        try hq.record([.set(.case, "c1", "title", .string("HQ's correction"))], author: "hq1")
        // Every replica, and a replica rebuilt from HQ's own log, shows HQ's later edit.
        try hq.send(to: rebuilt)
        try hq.send(to: monitor)
        for replica in [hq, monitor, rebuilt] {
            #expect(try replica.value("SELECT title FROM cases WHERE id = 'c1'") == "HQ's correction")
        }
        #expect(try hq.stateDigest() == rebuilt.stateDigest())
        #expect(try hq.stateDigest() == monitor.stateDigest())
        let before = try hq.stateDigest()
        try hq.rebuildState()
        #expect(try hq.stateDigest() == before, "HQ's state is exactly what its own log gives")
    }

    // MARK: 15. A vote the closing did not see does not count

    @Test("a vote cast after the close on a slow clock is shown as late and never flips the outcome")
    func lateVoteOnSlowClockDoesNotCount() throws {
        let (chair, chairClock) = try makeReplica("chair", at: Self.start)
        let (slow, slowClock) = try makeReplica("slow", at: Self.start - Self.day)
        try chair.record([.set(.motion, "mo1", "council", .string("k"))]
                         + ["v1", "v2", "v3", "v4", "v5"].map { .add(.council, "k", "members", element: $0) }, author: "chair")
        try chair.record([.set(.motion, "mo1", "votes", .string("yes"), key: "v1"),
                          .set(.motion, "mo1", "votes", .string("yes"), key: "v2")], author: "chair")
        try chair.send(to: slow)
        chairClock.advance(by: 60_000)
        try chair.record([.reach(.motion, "mo1", "closed")], author: "chair")
        // One second later (true time), the slow device, unaware of the close, votes no twice.
        slowClock.advance(by: 61_000)
        try slow.record([.set(.motion, "mo1", "votes", .string("no"), key: "v3"),
                         .set(.motion, "mo1", "votes", .string("no"), key: "v4"),
                         .set(.motion, "mo1", "votes", .string("no"), key: "v5")], author: "v3")
        try slow.send(to: chair)
        try chair.send(to: slow)
        for replica in [chair, slow] {
            let tally = try replica.writer.read { db in try MotionTally.compute(motion: "mo1", db) }
            #expect(tally?.yes == 2 && tally?.no == 0, "\(String(describing: tally))")
            #expect(tally?.late == ["v3", "v4", "v5"])
        }
        #expect(try chair.stateDigest() == slow.stateDigest())
    }

    @Test("the closing counts each voter's latest vote it saw, however the votes travelled")
    func closingCountsWhatItSaw() throws {
        let (a, clockA) = try makeReplica("a", at: Self.start)
        let (b, clockB) = try makeReplica("b", at: Self.start)
        try a.record([.set(.motion, "mo1", "votes", .string("no"), key: "v1")], author: "v1")
        try a.send(to: b)
        clockB.advance(by: 1_000)
        try b.record([.set(.motion, "mo1", "votes", .string("yes"), key: "v1")], author: "v1") // changed mind
        try b.send(to: a)
        clockA.advance(by: 2_000)
        let close = try a.record([.reach(.motion, "mo1", "closed")], author: "chair")
        #expect(close[0].context.count == 1, "the closing names the vote head it saw")
        clockB.advance(by: 5_000)
        try b.record([.set(.motion, "mo1", "votes", .string("no"), key: "v1")], author: "v1") // after closing
        try a.send(to: b)
        try b.send(to: a)
        for replica in [a, b] {
            #expect(try replica.value("SELECT counted_choice FROM votes WHERE voter_id = 'v1'") == "yes")
            #expect(try replica.value("SELECT choice FROM votes WHERE voter_id = 'v1'") == "no")
            #expect(try replica.int("SELECT late FROM votes WHERE voter_id = 'v1'") == 0)
        }
    }

    @Test("a closing made before votes were sealed keeps its rule: the votes dated before it count")
    func legacyClosingKeepsItsRule() throws {
        let (a, clock) = try makeReplica("a", at: Self.start)
        try a.record([.set(.motion, "mo1", "council", .string("k")), .add(.council, "k", "members", element: "v1"),
                      .set(.motion, "mo1", "votes", .string("yes"), key: "v1")], author: "chair")
        clock.advance(by: 1_000)
        // What an older client sent: a closing with a null value and no context.
        let replica = ReplicaID("old")!
        let legacy = SyncOperation(id: OperationID(replica: replica, counter: 1),
                                   hlc: HLCTimestamp(wallMilliseconds: Self.start + 500, logical: 0, replica: replica),
                                   author: "chair", entity: .motion, entityID: "mo1", field: "milestones", key: "closed", kind: .reach,
                                   value: .null)
        try a.apply([legacy])
        let tally = try a.writer.read { db in try MotionTally.compute(motion: "mo1", db) }
        #expect(tally?.yes == 1 && tally?.late == [] && tally?.closed == true, "\(String(describing: tally))")
    }

    // MARK: 14. A corrected clock brings a replica's writes back to true time

    @Test("writes made while the device ran two days ahead are re-dated to true time, in order, and later writes follow true time")
    func redatingBringsWritesBackToTrueTime() throws {
        let (device, clock) = try makeReplica("dev", at: Self.start + 2 * Self.day)
        let (other, _) = try makeReplica("other", at: Self.start)
        let first = try device.record([.set(.case, "c1", "title", .string("first"))], author: "m1")
        clock.advance(by: 1_000)
        let second = try device.record([.set(.case, "c1", "title", .string("second")), .append(.case, "c1", "comments", "note")],
                                       author: "m1")
        #expect(second[0].context == [first[0].id])
        // The server says it is two days earlier: the offset is learnt, the waiting writes re-dated.
        let redated = try device.writer.write { db -> [OperationID] in
            try device.setClockOffset(-2 * Self.day, db)
            return try device.redateLocalOperations(datedAfter: Self.start + 5 * 60_000, db)
        }
        #expect(Set(redated) == Set((first + second).map(\.id)))
        let log = try device.allOperations()
        for op in log { #expect(abs(op.hlc.wallMilliseconds - Self.start) < 5 * 60_000, "\(op.hlc)") }
        #expect(log.map(\.id) == (first + second).map(\.id), "ids stay, order of writing stays")
        #expect(zip(log, log.dropFirst()).allSatisfy { $0.hlc < $1.hlc })
        #expect(try device.value("SELECT title FROM cases") == "second")
        // A new write is dated by the corrected clock, after the re-dated ones.
        let third = try device.record([.set(.case, "c1", "title", .string("third"))], author: "m1")
        #expect(abs(third[0].hlc.wallMilliseconds - Self.start) < 5 * 60_000)
        #expect(third[0].hlc > log.last!.hlc)
        // Another replica receiving them sees the same state.
        try device.send(to: other)
        #expect(try other.stateDigest() == device.stateDigest())
    }
    // MARK: A reused timestamp cannot split replicas

    @Test("operations that reuse one timestamp merge to one state in either order, equal to a rebuild (fuzzer finding)")
    func reusedTimestampMergesDeterministically() throws {
        // The server refuses a replica reusing a timestamp, but an imported file can carry such
        // operations; each merge rule must still pick the same row whatever arrives first.
        let replica = ReplicaID("gen")!
        let hlc = HLCTimestamp(wallMilliseconds: Self.start, logical: 0, replica: replica)
        func op(_ counter: Int64, _ author: String, _ field: String, _ key: String, _ kind: OperationKind, _ value: JSONValue) -> SyncOperation {
            SyncOperation(id: OperationID(replica: replica, counter: counter), hlc: hlc, author: author, entity: .case,
                          entityID: "c1", field: field, key: key, kind: kind, value: value)
        }
        let pairs: [[SyncOperation]] = [
            [op(6810, "stf-03", "milestones", "agency-responsible", .reach, .null),
             op(3411, "stf-01", "milestones", "agency-responsible", .reach, .null)],
            [op(20, "stf-03", "step", "", .max, .int(2)), op(21, "stf-01", "step", "", .max, .int(2))],
            [op(30, "stf-03", "title", "", .set, .string("A")), op(31, "stf-01", "title", "", .set, .string("B"))],
        ]
        for pair in pairs {
            let (forward, _) = try makeReplica("f", at: Self.start)
            let (backward, _) = try makeReplica("b", at: Self.start)
            try forward.apply([pair[0]])
            try forward.apply([pair[1]])
            try backward.apply([pair[1]])
            try backward.apply([pair[0]])
            let digest = try forward.stateDigest()
            #expect(try backward.stateDigest() == digest, "\(pair[0].field): the order of arrival decided the state")
            try backward.rebuildState()
            #expect(try backward.stateDigest() == digest, "\(pair[0].field): a rebuild of the log disagrees with the merge")
        }
    }
}
