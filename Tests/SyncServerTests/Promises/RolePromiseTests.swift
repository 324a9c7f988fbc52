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

    @Test("a creation attempt gets the same answer whether the id exists out of sight or not at all")
    func probesCannotTellWhatExists() async throws {
        let harness = try ServerHarness()
        try await harness.test { client in
            let world = try await World.seed(harness, client)
            try await world.hqWrites([.set(.motion, "vS", "case", .string("cS1")), .set(.motion, "vS", "council", .string("k1")),
                                      .set(.motion, "vS", "action", .string("accept"))], client)
            func answers(_ member: String, _ replica: String, _ writes: (String) -> [FieldWrite], existing: String,
                         absent: String) async throws -> (String, String) {
                let device = try Device(replica, member: member)
                let ops = try device.record(writes(existing) + writes(absent))
                let answer = try await client.push(world.token(member), replica: device.replica, ops)
                let half = ops.count / 2
                let first = ops[..<half].map { "\(answer.rejected[$0.id.description] ?? "ok") \(answer.reasons[$0.id.description] ?? "")" }
                let second = ops[half...].map { "\(answer.rejected[$0.id.description] ?? "ok") \(answer.reasons[$0.id.description] ?? "")" }
                return (first.joined(separator: "|").replacingOccurrences(of: existing, with: "X"),
                        second.joined(separator: "|").replacingOccurrences(of: absent, with: "X"))
            }
            let cases = try await answers("s1", "s1a", { World.caseWrites($0, submitter: "m9", branch: "seoul") },
                                          existing: "cS1", absent: "cNone")
            #expect(cases.0 == cases.1)
            let motions = try await answers("s1", "s1b", { [.set(.motion, $0, "action", .string("reject"))] },
                                            existing: "vS", absent: "vNone")
            #expect(motions.0 == motions.1)
            let members = try await answers("m1", "m1a", { [.set(.member, $0, "name", .string("Someone"))] },
                                            existing: "m2", absent: "mNone")
            #expect(members.0 == members.1)
        }
    }

    @Test("control characters in keys and NUL in texts are refused, so nothing stored differs from what was sent")
    func controlCharactersAreRefused() async throws {
        let harness = try ServerHarness()
        try await harness.test { client in
            let world = try await World.seed(harness, client)
            func op(_ counter: Int, key: String, field: String, kind: String, value: String) -> String {
                """
                {"v":1,"id":"s1r:\(counter)","hlc":"001767225600000-00000\(counter)-s1r","author":"s1","entity":"meeting","entityId":"nN","field":"\(field)","key":"\(key)","op":"\(kind)","value":\(value),"context":[]}
                """
            }
            let body = "{\"replica\":\"s1r\",\"operations\":[" + [
                op(1, key: "\\u0000", field: "attendance", kind: "add", value: "\"\\u0000\""),
                op(2, key: "a\\u0007b", field: "attendance", kind: "add", value: "\"a\\u0007b\""),
                op(3, key: "", field: "title", kind: "set", value: "\"Meeting\\u0000X\""),
            ].joined(separator: ",") + "]}"
            let answer = try await client.pushRaw(world.token("s1"), body: body)
            #expect(answer.rejected == ["s1r:1": "malformed", "s1r:2": "malformed", "s1r:3": "invalid_value"], "\(answer.body)")
        }
    }

    @Test("votes piled up from one replica cannot make a motion impossible to close")
    func votePilesCannotBlockClosing() async throws {
        let harness = try ServerHarness()
        try await harness.test { client in
            let world = try await World.seed(harness, client)
            // m3 sits on k1; a tampered replica sends 1,100 votes, none naming the others.
            let pile = (1...1_100).map { Self.forge("m3r", Int64($0), at: ServerHarness.startMilliseconds + Int64($0), author: "m3",
                                                    .set(.motion, "v1", "votes", .string($0 % 2 == 0 ? "yes" : "no"), key: "m3")) }
            let answer = try await client.push(world.token("m3"), replica: "m3r", pile)
            #expect(answer.rejected.isEmpty)
            let heads = try await harness.storage.store.writer.read { db in
                try Int.fetchOne(db, sql: "SELECT count(*) FROM field_state WHERE entity = 'motion' AND entity_id = 'v1' AND key = 'm3'")
            }
            #expect(heads == 1, "one replica holds one head of a field")
            // HQ pulls everything and closes the motion: one operation, one vote per voter.
            let (all, _) = try await client.pullAll(world.token("hq"), limit: 5_000)
            _ = try world.hq.store.apply(all)
            let close = try world.hq.record([.reach(.motion, "v1", "closed")])
            #expect(close[0].context.count == 1)
            #expect(try await client.push(world.token("hq"), replica: world.hq.replica, close).rejected.isEmpty)
            // And a member cannot multiply replicas without end to pile up heads that way.
            var refusal = 0
            for index in 0..<SQLiteSyncStorage.maxReplicasPerMember {
                let device = try Device("m1x\(index)", member: "m1")
                let push = try await client.push(world.token("m1"), replica: device.replica,
                                                 try device.record([.append(.case, "cB1", "comments", "hi \(index)")]))
                if push.status == 403 { refusal += 1 }
            }
            let extra = try Device("m1extra", member: "m1")
            let over = try await client.push(world.token("m1"), replica: extra.replica, try extra.record([.append(.case, "cB1", "comments", "x")]))
            #expect(refusal == 0 && over.status == 403)
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
