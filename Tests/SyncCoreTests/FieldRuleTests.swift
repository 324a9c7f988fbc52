import Testing
import SyncCore
import CivilAffairs

/// One test per merge rule of the SyncCore issue, each on two or three in-memory replicas.
@Suite struct FieldRuleTests {
    @Test func registerLastWriterWinsAfterCausalWrite() throws {
        let (a, clockA) = try makeReplica("a")
        let (b, _) = try makeReplica("b")
        try a.record([.set(.case, "c1", "title", .string("first"))], author: "m1")
        try a.send(to: b)
        clockA.advance(by: 10)
        // b writes after seeing a's write, even with a clock far behind: causality wins over wall time.
        let (bBehind, _) = (b, ())
        try bBehind.record([.set(.case, "c1", "title", .string("second"))], author: "m2")
        try b.send(to: a)
        #expect(try a.value("SELECT title FROM cases WHERE id = 'c1'") == "second")
        #expect(try b.value("SELECT title FROM cases WHERE id = 'c1'") == "second")
        #expect(try a.conflicts().isEmpty)
        #expect(try a.stateDigest() == b.stateDigest())
    }

    @Test func concurrentWritesStayVisibleUntilResolved() throws {
        let (a, _) = try makeReplica("a")
        let (b, _) = try makeReplica("b")
        try a.record([.set(.case, "c1", "title", .string("base"))], author: "m1")
        try a.send(to: b)
        try a.record([.set(.case, "c1", "title", .string("from a"))], author: "m1")
        try b.record([.set(.case, "c1", "title", .string("from b"))], author: "m2")
        try a.send(to: b)
        try b.send(to: a)
        let conflictsA = try a.conflicts()
        #expect(conflictsA == (try b.conflicts()))
        #expect(conflictsA.count == 1)
        let values = Set(conflictsA.first?.competing.map(\.value) ?? [])
        #expect(values == [.string("from a"), .string("from b")])
        // Same timestamp on both sides: the replica id breaks the tie, identically everywhere.
        #expect(try a.value("SELECT title FROM cases") == "from b")
        #expect(try a.value("SELECT title FROM cases") == b.value("SELECT title FROM cases"))
        #expect(conflictsA.first?.winner == .string("from b"))
        // A write that has seen both resolves the conflict everywhere.
        try a.record([.set(.case, "c1", "title", .string("agreed"))], author: "m1")
        try a.send(to: b)
        #expect(try b.conflicts().isEmpty)
        #expect(try b.value("SELECT title FROM cases") == "agreed")
        #expect(try a.stateDigest() == b.stateDigest())
    }

    @Test func concurrentWritesOfTheSameValueAreNoConflict() throws {
        let (a, _) = try makeReplica("a")
        let (b, _) = try makeReplica("b")
        try a.record([.set(.member, "m1", "name", .string("Kim"))], author: "m1")
        try b.record([.set(.member, "m1", "name", .string("Kim"))], author: "m1")
        try a.send(to: b)
        try b.send(to: a)
        #expect(try a.conflicts().isEmpty)
        #expect(try b.conflicts().isEmpty)
        #expect(try a.stateDigest() == b.stateDigest())
    }

    @Test func supersedingWriteArrivingBeforeItsPredecessorStillWins() throws {
        let (a, _) = try makeReplica("a")
        let (c, _) = try makeReplica("c")
        let first = try a.record([.set(.case, "c1", "priority", .int(1))], author: "m1")
        let second = try a.record([.set(.case, "c1", "priority", .int(2))], author: "m1")
        try c.apply(second)
        try c.apply(first)
        #expect(try c.int("SELECT priority FROM cases") == 2)
        #expect(try c.conflicts().isEmpty)
        #expect(try c.stateDigest() == a.stateDigest())
    }

    @Test func stepOnlyGoesUp() throws {
        let (a, _) = try makeReplica("a")
        let (b, _) = try makeReplica("b")
        try a.record([.raise(.case, "c1", "step", to: 3)], author: "hq")
        try b.record([.raise(.case, "c1", "step", to: 1)], author: "br")
        try b.send(to: a)
        try a.send(to: b)
        #expect(try a.int("SELECT step FROM cases") == 3)
        #expect(try b.int("SELECT step FROM cases") == 3)
        // A stale replica raising to 2 later cannot lower it.
        try b.record([.raise(.case, "c1", "step", to: 2)], author: "br")
        try b.send(to: a)
        #expect(try a.int("SELECT step FROM cases") == 3)
    }

    @Test func milestonesGrowOnlyAndKeepFirstTime() throws {
        let (a, clockA) = try makeReplica("a", at: 2_000_000_000_000)
        let (b, _) = try makeReplica("b", at: 1_900_000_000_000)
        try a.record([.reach(.case, "c1", "examined")], author: "hq")
        clockA.advance(by: 1000)
        try b.record([.reach(.case, "c1", "examined"), .reach(.case, "c1", "accepted")], author: "br")
        try a.send(to: b)
        try b.send(to: a)
        let reached = try a.strings("SELECT milestone FROM case_milestones ORDER BY milestone")
        #expect(reached == ["accepted", "examined"])
        // b's clock was earlier, so b's "examined" is the first one.
        #expect(try a.value("SELECT op_id FROM case_milestones WHERE milestone = 'examined'") == "b:1")
        #expect(try a.value("SELECT status FROM cases") == "accepted")
        #expect(try a.stateDigest() == b.stateDigest())
        #expect(throws: SyncError.self) { try a.record([.reach(.case, "c1", "undone")], author: "hq") }
    }

    @Test func attendanceRecordedTwiceCountsOnce() throws {
        let (a, _) = try makeReplica("a")
        let (b, _) = try makeReplica("b")
        try a.record([.add(.meeting, "w1", "attendance", element: "m7")], author: "m1")
        try b.record([.add(.meeting, "w1", "attendance", element: "m7")], author: "m2")
        try a.send(to: b)
        try b.send(to: a)
        #expect(try a.int("SELECT count(*) FROM attendance WHERE meeting_id = 'w1'") == 1)
        #expect(try a.stateDigest() == b.stateDigest())
    }

    @Test func removalOnlyRemovesAdditionsItHadSeen() throws {
        let (a, _) = try makeReplica("a")
        let (b, _) = try makeReplica("b")
        try a.record([.add(.meeting, "w1", "attendance", element: "m7")], author: "m1")
        try a.send(to: b)
        // Concurrently: a removes the entry it saw, b records the member again.
        try a.record([.remove(.meeting, "w1", "attendance", element: "m7")], author: "m1")
        try b.record([.add(.meeting, "w1", "attendance", element: "m7")], author: "m2")
        try a.send(to: b)
        try b.send(to: a)
        #expect(try a.int("SELECT count(*) FROM attendance") == 1, "add wins over a concurrent remove")
        // A remove that has seen both additions removes the member.
        try a.record([.remove(.meeting, "w1", "attendance", element: "m7")], author: "m1")
        try a.send(to: b)
        #expect(try b.int("SELECT count(*) FROM attendance") == 0)
        #expect(throws: SyncError.self) { try b.record([.remove(.meeting, "w1", "attendance", element: "m7")], author: "m1") }
    }

    @Test func oneVotePerVoterAndOnlyVotesBeforeClosingCount() throws {
        let (a, clockA) = try makeReplica("a")
        let (b, clockB) = try makeReplica("b")
        try a.record([.set(.motion, "mo1", "votes", .string("yes"), key: "v1")], author: "v1")
        clockA.advance(by: 100)
        try a.send(to: b)
        clockB.advance(by: 200)
        // The voter changes their mind on another device.
        try b.record([.set(.motion, "mo1", "votes", .string("no"), key: "v1")], author: "v1")
        clockB.advance(by: 100)
        try b.record([.reach(.motion, "mo1", "closed")], author: "chair")
        clockA.advance(by: 1000)
        // Offline and unaware of the closing, a voter votes late: recorded, not counted.
        try a.record([.set(.motion, "mo1", "votes", .string("yes"), key: "v2")], author: "v2")
        try a.send(to: b)
        try b.send(to: a)
        for replica in [a, b] {
            #expect(try replica.value("SELECT counted_choice FROM votes WHERE voter_id = 'v1'") == "no")
            #expect(try replica.value("SELECT counted_choice FROM votes WHERE voter_id = 'v2'") == nil)
            #expect(try replica.value("SELECT choice FROM votes WHERE voter_id = 'v2'") == "yes")
            #expect(try replica.int("SELECT count(*) FROM votes") == 2)
        }
        #expect(try a.stateDigest() == b.stateDigest())
    }

    @Test func commentsAreAppendOnlyAndOrderedByHLC() throws {
        let (a, clockA) = try makeReplica("a", at: 5_000)
        let (b, _) = try makeReplica("b", at: 3_000)
        try a.record([.append(.case, "c1", "comments", "later by clock")], author: "m1")
        try b.record([.append(.case, "c1", "comments", "earlier by clock")], author: "m2")
        clockA.advance(by: 1)
        try a.send(to: b)
        try b.send(to: a)
        try b.send(to: a)
        #expect(try a.strings("SELECT body FROM comments ORDER BY hlc") == ["earlier by clock", "later by clock"])
        #expect(try a.stateDigest() == b.stateDigest())
    }

    @Test func reapplyingChangesNothing() throws {
        let (a, _) = try makeReplica("a")
        let (b, _) = try makeReplica("b")
        try a.record([.set(.case, "c1", "title", .string("x")), .append(.case, "c1", "comments", "hi")], author: "m1")
        let first = try b.apply(a.allOperations())
        let digest = try b.stateDigest()
        let second = try b.apply(a.allOperations())
        #expect(first.applied.count == 2)
        #expect(second.applied.isEmpty)
        #expect(second.duplicates.count == 2)
        #expect(try b.stateDigest() == digest)
    }

    @Test func invalidBatchIsRejectedWhole() throws {
        let (a, _) = try makeReplica("a")
        let (b, _) = try makeReplica("b")
        var ops = try a.record([.set(.case, "c1", "title", .string("ok"))], author: "m1")
        let before = try b.stateDigest()
        var bad = ops[0]
        bad.id = OperationID(replica: bad.id.replica, counter: 99)
        bad.value = .int(5)
        ops.append(bad)
        #expect(throws: SyncError.self) { try b.apply(ops) }
        #expect(try b.stateDigest() == before)
        #expect(try b.int("SELECT count(*) FROM oplog") == 0)
    }

    @Test func clockNeverGoesBackwardAfterSeeingAFutureOperation() throws {
        let (a, _) = try makeReplica("a", at: 9_000_000)
        let (b, _) = try makeReplica("b", at: 1_000)
        let future = try a.record([.set(.case, "c1", "title", .string("future"))], author: "m1")
        try b.apply(future)
        let mine = try b.record([.set(.case, "c1", "title", .string("after"))], author: "m2")
        #expect(mine[0].hlc > future[0].hlc)
        #expect(mine[0].context == [future[0].id])
    }
}
