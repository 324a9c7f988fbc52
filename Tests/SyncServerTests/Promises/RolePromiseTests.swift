import GRDB
import HummingbirdTesting
import SyncCore
import SyncServer
import Testing

/// "No one acts outside their role": the attacks of issue 9 (items 1 to 4), each replayed
/// against the seeded `World` through the real router. Each test is named after what it guards.
@Suite("Promise: no one acts outside their role")
struct RolePromiseTests {
    /// An operation forged with a chosen id, timestamp and author (what a tampered replica sends).
    static func forge(_ replica: String, _ counter: Int64, at milliseconds: Int64, logical: Int32 = 0, author: String,
                      _ write: FieldWrite) -> SyncOperation {
        let id = ReplicaID(replica)!
        return SyncOperation(id: OperationID(replica: id, counter: counter),
                             hlc: HLCTimestamp(wallMilliseconds: milliseconds, logical: logical, replica: id),
                             author: author, entity: write.entity, entityID: write.entityID, field: write.field,
                             key: write.key, kind: write.kind, value: write.value)
    }

    static let threeDaysAhead = ServerHarness.startMilliseconds + 3 * 86_400_000

    // MARK: 1. Facts of a batch come only from accepted operations

    @Test("a decoy refused for its clock never lends a branch to the rest of the batch")
    func refusedDecoyLendsNoFacts() async throws {
        let harness = try ServerHarness()
        try await harness.test { client in
            let world = try await World.seed(harness, client)
            let s1 = try Device("s1r", member: "s1")
            // Seoul's case, already accepted at step 4 with an assignee, filed by Busan staff...
            var ops = try s1.record(World.caseWrites("cX", submitter: "m9", branch: "seoul")
                                    + [.raise(.case, "cX", "step", to: 4), .reach(.case, "cX", "accepted"),
                                       .set(.case, "cX", "assignee", .string("s1"))])
            // ...with a decoy saying "busan", dated three days ahead so that the server refuses it.
            ops.append(Self.forge("s1r", 500, at: Self.threeDaysAhead, author: "s1", .set(.case, "cX", "branch", .string("busan"))))
            // The same trick for a national meeting and another branch's consultation.
            ops += try s1.record(World.meetingWrites("mX", branch: nil, kind: "practical-council"))
            ops.append(Self.forge("s1r", 501, at: Self.threeDaysAhead, logical: 1, author: "s1", .set(.meeting, "mX", "branch", .string("busan"))))
            ops += try s1.record([.set(.consultation, "qX", "branch", .string("seoul")), .set(.consultation, "qX", "topic", .string("x"))])
            ops.append(Self.forge("s1r", 502, at: Self.threeDaysAhead, logical: 2, author: "s1", .set(.consultation, "qX", "branch", .string("busan"))))
            let answer = try await client.push(world.token("s1"), replica: s1.replica, ops)
            #expect(answer.acknowledged.isEmpty, "\(answer.reasons)")
            #expect(answer.rejected["s1r:500"] == "clock_ahead" && answer.rejected["s1r:501"] == "clock_ahead"
                    && answer.rejected["s1r:502"] == "clock_ahead")
            let stored = try await harness.storage.store.writer.read { db in
                try Int.fetchOne(db, sql: "SELECT count(*) FROM oplog WHERE entity_id IN ('cX', 'mX', 'qX')")
            }
            #expect(stored == 0)
        }
    }

    @Test("a decoy written in someone else's name never makes a case someone else's")
    func impersonatedDecoyLendsNoFacts() async throws {
        let harness = try ServerHarness()
        try await harness.test { client in
            let world = try await World.seed(harness, client)
            let m1 = try Device("m1r", member: "m1")
            var ops = try m1.record(World.caseWrites("cY", submitter: "m2", branch: "busan"))
            ops.append(Self.forge("m1r", 500, at: ServerHarness.startMilliseconds + 60_000, author: "m2",
                                  .set(.case, "cY", "submitter", .string("m1"))))
            let answer = try await client.push(world.token("m1"), replica: m1.replica, ops)
            #expect(answer.rejected["m1r:500"] == "author_mismatch")
            #expect(answer.acknowledged.isEmpty, "the case names m2 as submitter: \(answer.reasons)")
            #expect(try await harness.storage.store.writer.read { db in try Row.exists(db, "SELECT 1 FROM cases WHERE id = 'cY'") } == false)
        }
    }

    @Test("two writes with one timestamp cannot make the check keep one value and the merge another")
    func reusedTimestampIsRefused() async throws {
        let harness = try ServerHarness()
        try await harness.test { client in
            let world = try await World.seed(harness, client)
            let m1 = try Device("m1r", member: "m1")
            var ops = try m1.record(World.caseWrites("cZ", submitter: "m1", branch: "busan"))
            let stamp = ServerHarness.startMilliseconds + 90_000
            ops.append(Self.forge("m1r", 500, at: stamp, author: "m1", .set(.case, "cZ", "submitter", .string("m1"))))
            ops.append(Self.forge("m1r", 501, at: stamp, author: "m1", .set(.case, "cZ", "submitter", .string("m2"))))
            let answer = try await client.push(world.token("m1"), replica: m1.replica, ops)
            #expect(answer.rejected == ["m1r:501": "hlc_reused"], "\(answer.reasons)")
            let submitter = try await harness.storage.store.writer.read { db in
                try String.fetchOne(db, sql: "SELECT submitter FROM cases WHERE id = 'cZ'")
            }
            #expect(submitter == "m1")
            // The same timestamp in a later push is refused too.
            let later = Self.forge("m1r", 502, at: stamp, author: "m1", .append(.case, "cZ", "comments", "again"))
            #expect(try await client.push(world.token("m1"), replica: m1.replica, [later]).rejected == ["m1r:502": "hlc_reused"])
        }
    }

    // MARK: 2. Writing to an entity is never a way to see it

    @Test("recording one's own attendance at a meeting one cannot see shows nothing of it")
    func attendanceGrantsNoVisibility() async throws {
        let harness = try ServerHarness()
        try await harness.test { client in
            let world = try await World.seed(harness, client)
            for (member, replica) in [("m1", "m1r"), ("s1", "s1r")] {
                let device = try Device(replica, member: member)
                let ops = try device.record([.add(.meeting, "wS", "attendance", element: member),
                                             .add(.meeting, "wS", "debateSubjects", element: "\(member).ab",
                                                  value: .object(["member": .string(member), "subject": .string("x")]))])
                let answer = try await client.push(world.token(member), replica: device.replica, ops)
                #expect(Set(answer.rejected.values) == ["not_found"], "\(member): \(answer.reasons)")
                let (pulled, _) = try await client.pullAll(world.token(member))
                #expect(!pulled.contains { $0.entityID == "wS" }, "\(member) was shown the Seoul meeting")
            }
        }
    }

    @Test("a motion pointed at another branch's council is refused and shows nothing of that council")
    func motionGrantsNoCouncil() async throws {
        let harness = try ServerHarness()
        try await harness.test { client in
            let world = try await World.seed(harness, client)
            let s2 = try Device("s2r", member: "s2")
            let council = try s2.record([.set(.council, "kS", "name", .string("Seoul practical council")),
                                         .set(.council, "kS", "branch", .string("seoul")), .add(.council, "kS", "members", element: "s2")])
            #expect(try await client.push(world.token("s2"), replica: s2.replica, council).rejected.isEmpty)
            let s1 = try Device("s1r", member: "s1")
            let motion = try s1.record([.set(.motion, "vX", "case", .string("cB1")), .set(.motion, "vX", "council", .string("kS")),
                                        .set(.motion, "vX", "action", .string("accept"))])
            let answer = try await client.push(world.token("s1"), replica: s1.replica, motion)
            #expect(answer.rejected[motion[1].id.description] == "not_found", "\(answer.reasons)")
            let (pulled, _) = try await client.pullAll(world.token("s1"))
            #expect(!pulled.contains { $0.entityID == "kS" }, "Busan was shown Seoul's council")
        }
    }

    // MARK: 3. Refusals say nothing about what exists or whose it is

    @Test("refusals reveal neither which operation ids exist nor which branch owns what")
    func refusalsRevealNothing() async throws {
        let harness = try ServerHarness()
        try await harness.test { client in
            let world = try await World.seed(harness, client)
            let m1 = try Device("m1r", member: "m1")
            let existing = Self.forge("hqr", 1, at: ServerHarness.startMilliseconds, author: "m1", .append(.case, "cB1", "comments", "x"))
            let absent = Self.forge("nobody", 1, at: ServerHarness.startMilliseconds, author: "m1", .append(.case, "cB1", "comments", "x"))
            let ids = try await client.push(world.token("m1"), replica: m1.replica, [existing, absent])
            #expect(ids.rejected == ["hqr:1": "foreign_replica", "nobody:1": "foreign_replica"])

            let s1 = try Device("s1r", member: "s1")
            let writes = try s1.record([.set(.case, "cS1", "title", .string("x")), .set(.case, "cGhost", "title", .string("x")),
                                        .add(.meeting, "wS", "confirmed", element: "m2"), .add(.meeting, "ghost", "confirmed", element: "m2"),
                                        .set(.consultation, "qS", "topic", .string("x"))])
            let answer = try await client.push(world.token("s1"), replica: s1.replica, writes)
            #expect(Set(answer.rejected.values) == ["not_found"], "\(answer.reasons)")
            for reason in answer.reasons.values { #expect(!reason.contains("seoul"), "\(reason)") }
            // An existing meeting one cannot see and a meeting that does not exist: the same answer.
            let invisible = answer.reasons[writes[2].id.description] ?? "", ghost = answer.reasons[writes[3].id.description] ?? ""
            #expect(invisible.replacingOccurrences(of: "wS", with: "ghost") == ghost)
            let invisibleCase = answer.reasons[writes[0].id.description] ?? "", ghostCase = answer.reasons[writes[1].id.description] ?? ""
            #expect(invisibleCase.replacingOccurrences(of: "cS1", with: "cGhost") == ghostCase)
        }
    }

    // MARK: 4. Members: kinds up to one's own, ids compared exactly

    @Test("branch staff cannot make anyone headquarters, and keep only the members of their branch")
    func memberKindsStayWithinRole() async throws {
        let harness = try ServerHarness()
        try await harness.test { client in
            let world = try await World.seed(harness, client)
            let s1 = try Device("s1r", member: "s1")
            let boss = try s1.record([.set(.member, "boss", "name", .string("Boss")), .set(.member, "boss", "kind", .string("hq")),
                                      .set(.member, "boss", "branch", .string("busan"))])
            #expect(try await client.push(world.token("s1"), replica: s1.replica, boss).acknowledged.isEmpty)
            let stray = try s1.record([.set(.member, "stray", "name", .string("Stray")), .set(.member, "stray", "kind", .string("staff"))])
            let strayAnswer = try await client.push(world.token("s1"), replica: s1.replica, stray)
            #expect(strayAnswer.acknowledged.isEmpty, "a member registered without the branch would escape its staff")
            let clerk = try s1.record([.set(.member, "clerk", "name", .string("Clerk")), .set(.member, "clerk", "kind", .string("staff")),
                                       .set(.member, "clerk", "branch", .string("busan"))])
            #expect(try await client.push(world.token("s1"), replica: s1.replica, clerk).rejected.isEmpty)
            let promote = try s1.record([.set(.member, "clerk", "kind", .string("hq"))])
            #expect(try await client.push(world.token("s1"), replica: s1.replica, promote).rejected.values.first == "forbidden")
            // HQ's own member records stay HQ's, even when filed under a branch.
            try await world.hqWrites([.set(.member, "chief", "name", .string("Chief")), .set(.member, "chief", "kind", .string("hq")),
                                      .set(.member, "chief", "branch", .string("busan"))], client)
            let rename = try s1.record([.set(.member, "chief", "name", .string("Renamed"))])
            #expect(try await client.push(world.token("s1"), replica: s1.replica, rename).rejected.values.first == "forbidden")
        }
    }

    @Test("a member whose id is a prefix of another's cannot withdraw or raise subjects in the other's name")
    func debateSubjectOwnersCompareExactly() async throws {
        let harness = try ServerHarness()
        try await harness.test { client in
            let world = try await World.seed(harness, client)
            let longToken = try await harness.token("m1.x", .monitor, kind: .external)
            let long = try Device("longr", member: "m1.x")
            let raised = try long.record([.add(.meeting, "wB", "debateSubjects", element: "m1.x.0123456789abcdef",
                                               value: .object(["member": .string("m1.x"), "subject": .string("Mine")]))])
            #expect(try await client.push(longToken, replica: long.replica, raised).rejected.isEmpty)
            let m1 = try Device("m1r", member: "m1")
            _ = try m1.store.apply(raised)
            let withdraw = try m1.record([.remove(.meeting, "wB", "debateSubjects", element: "m1.x.0123456789abcdef")])
            let keyed = try m1.record([.add(.meeting, "wB", "debateSubjects", element: "m2.0123456789abcdef",
                                            value: .object(["member": .string("m1"), "subject": .string("Not m2's")]))])
            let answer = try await client.push(world.token("m1"), replica: m1.replica, withdraw + keyed)
            #expect(answer.acknowledged.isEmpty && Set(answer.rejected.values) == ["forbidden"], "\(answer.reasons)")
        }
    }
}

extension Row {
    /// Whether a query returns a row.
    static func exists(_ db: Database, _ sql: String) throws -> Bool { try Row.fetchOne(db, sql: sql) != nil }
}
