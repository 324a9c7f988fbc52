import HummingbirdTesting
import SyncCore
import SyncServer
import Testing

/// One write rule, from one side: a member pushes writes; each is expected acknowledged (nil)
/// or rejected with a code.
struct RuleCase: Sendable, CustomTestStringConvertible {
    let name: String
    let member: String
    let writes: [FieldWrite]
    let expected: [String?]
    var author: String? = nil

    var testDescription: String { name }

    static func all(_ name: String, _ member: String, _ writes: [FieldWrite], _ code: String?, author: String? = nil) -> RuleCase {
        RuleCase(name: name, member: member, writes: writes, expected: Array(repeating: code, count: writes.count), author: author)
    }
}

/// Each write rule of docs/ACCESS.md, checked against the seeded `World`.
@Suite("Write rules")
struct WriteRuleTests {
    static let subject = JSONValue.object(["member": .string("m1"), "subject": .string("Simpler forms")])

    static let cases: [RuleCase] = [
        // Monitors: their own cases.
        .all("monitor submits a case of their own", "m1", World.caseWrites("cM", submitter: "m1", branch: "busan"), nil),
        .all("monitor submits a case without a branch", "m1", World.caseWrites("cM", submitter: "m1", branch: nil), nil),
        .all("monitor cannot submit a case as someone else", "m1", World.caseWrites("cM", submitter: "m2", branch: "busan"), "forbidden"),
        RuleCase(name: "monitor cannot set staff fields on a new case", member: "m1",
                 writes: World.caseWrites("cM", submitter: "m1", branch: nil) + [.set(.case, "cM", "assignee", .string("s1"))],
                 expected: Array(repeating: nil, count: 8) + ["forbidden"]),
        .all("monitor cannot author as someone else", "m1", [.append(.case, "cB1", "comments", "hi")], "author_mismatch", author: "m2"),
        .all("monitor edits the text of their case", "m1",
             [.set(.case, "cB1", "title", .string("New title")), .set(.case, "cB1", "body", .string("New body")),
              .set(.case, "cB1", "area", .string("services")), .set(.case, "cB1", "cause", .string("practice"))], nil),
        .all("monitor cannot edit the other fields of their case", "m1",
             [.set(.case, "cB1", "priority", .int(9)), .set(.case, "cB1", "assignee", .string("m1")),
              .set(.case, "cB1", "source", .string("workshop")), .set(.case, "cB1", "branch", .string("seoul")),
              .set(.case, "cB1", "decisionReason", .string("mine")), .set(.case, "cB1", "submitter", .string("m2"))], "forbidden"),
        .all("monitor cannot award milestones or move the step", "m1",
             [.reach(.case, "cB1", "examined"), .reach(.case, "cB1", "accepted"), .reach(.case, "cB1", "agency-responsible"),
              .raise(.case, "cB1", "step", to: 3)], "forbidden"),
        .all("monitor comments on their own case", "m1", [.append(.case, "cB1", "comments", "Any news?")], nil),
        .all("monitor cannot touch another submitter's case (they cannot see it: the uniform answer)", "m1",
             [.append(.case, "cS1", "comments", "Me too"), .set(.case, "cS1", "title", .string("Mine now"))], "not_found"),
        // Monitors: meetings.
        .all("monitor records their own attendance at a public workshop", "m1", [.add(.meeting, "wB", "attendance", element: "m1")], nil),
        .all("monitor cannot attend a meeting they cannot see", "m1", [.add(.meeting, "wS", "attendance", element: "m1")], "not_found"),
        .all("monitor cannot record someone else's attendance", "m1", [.add(.meeting, "wB", "attendance", element: "m2")], "forbidden"),
        .all("monitor cannot confirm attendance", "m1", [.add(.meeting, "wB", "confirmed", element: "m1")], "forbidden"),
        .all("monitor cannot attend a meeting the server does not know", "m1",
             [.add(.meeting, "ghost", "attendance", element: "m1")], "not_found"),
        .all("monitor raises a debate subject as themselves", "m1",
             [.add(.meeting, "wB", "debateSubjects", element: "m1.a1", value: subject)], nil),
        .all("monitor cannot raise a subject in someone else's name", "m1",
             [.add(.meeting, "wB", "debateSubjects", element: "m2.a1",
                   value: .object(["member": .string("m2"), "subject": .string("x")]))], "forbidden"),
        .all("monitor cannot change a meeting", "m1",
             [.set(.meeting, "wB", "title", .string("Mine")), .add(.meeting, "wB", "agenda", element: "cB1")], "forbidden"),
        // Monitors: votes.
        .all("council member votes as themselves", "m3", [.set(.motion, "v1", "votes", .string("yes"), key: "m3")], nil),
        .all("council member cannot vote for another", "m3", [.set(.motion, "v1", "votes", .string("yes"), key: "x1")], "forbidden"),
        .all("monitor outside the council cannot vote (nor see the motion)", "m1", [.set(.motion, "v1", "votes", .string("yes"), key: "m1")], "not_found"),
        .all("vote on an unknown motion", "m3", [.set(.motion, "ghost", "votes", .string("yes"), key: "m3")], "not_found"),
        .all("monitor cannot change a motion", "m3",
             [.set(.motion, "v1", "action", .string("reject")), .reach(.motion, "v1", "closed")], "forbidden"),
        // Monitors: members, councils, consultations.
        .all("monitor keeps their own member record", "m1",
             [.set(.member, "m1", "name", .string("M. One")), .set(.member, "m1", "kind", .string("external-monitor")),
              .set(.member, "m1", "division", .string("Suppliers"))], nil),
        .all("monitor cannot promote themselves", "m1",
             [.set(.member, "m1", "kind", .string("hq")), .set(.member, "m1", "kind", .string("internal-monitor"))], "forbidden"),
        // Out of sight or not there at all, the answer is the same: here, what a creation gets.
        .all("monitor cannot edit another member", "m1", [.set(.member, "m2", "name", .string("Someone"))], "forbidden"),
        .all("monitor cannot touch councils or consultations", "m1",
             [.add(.council, "k1", "members", element: "m1"), .set(.council, "k9", "name", .string("Mine")),
              .set(.consultation, "qB", "topic", .string("x"))], "forbidden"),
        // Branch staff.
        .all("branch acts on its own cases", "s1",
             [.set(.case, "cB1", "assignee", .string("s1")), .set(.case, "cB1", "priority", .int(5)),
              .raise(.case, "cB1", "step", to: 2), .reach(.case, "cB1", "examined"), .append(.case, "cB1", "comments", "Examined")], nil),
        .all("branch cannot act on another branch's case (nor see it)", "s1",
             [.set(.case, "cS1", "title", .string("x")), .reach(.case, "cS1", "examined")], "not_found"),
        .all("branch files a new case under its own branch", "s1", World.caseWrites("cN", submitter: "m9", branch: "busan"), nil),
        .all("branch cannot file a case under another branch", "s1", World.caseWrites("cN", submitter: "m9", branch: "seoul"), "forbidden"),
        .all("branch runs its own meetings", "s1",
             [.add(.meeting, "wB", "confirmed", element: "m2"), .set(.meeting, "wB", "title", .string("Workshop 1"))], nil),
        RuleCase(name: "branch cannot run another branch's or national meetings", member: "s1",
                 writes: [.set(.meeting, "wS", "title", .string("x")), .add(.meeting, "nN", "confirmed", element: "s1")],
                 expected: ["not_found", "forbidden"]),
        .all("branch staff attend national meetings as members", "s1", [.add(.meeting, "nN", "attendance", element: "s1")], nil),
        .all("branch staff record attendance and subjects at national meetings", "s1",
             [.add(.meeting, "nN", "attendance", element: "m2"),
              .add(.meeting, "nN", "debateSubjects", element: "m2.x", value: .object(["member": .string("m2"), "subject": .string("Fees")]))], nil),
        .all("branch staff cannot reshape national meetings", "s1",
             [.add(.meeting, "nN", "agenda", element: "cB1"), .set(.meeting, "nN", "date", .string("2026-02-01"))], "forbidden"),
        .all("branch creates a meeting of its own", "s1", World.meetingWrites("mB2", branch: "busan", kind: "workshop"), nil),
        .all("branch cannot create a national meeting", "s1", World.meetingWrites("mN2", branch: nil, kind: "workshop"), "forbidden"),
        .all("branch records its consultations", "s1",
             [.set(.consultation, "qB", "answeredOn", .string("2026-01-03")), .set(.consultation, "qB2", "branch", .string("busan")),
              .set(.consultation, "qB2", "topic", .string("Fees"))], nil),
        .all("branch cannot record another branch's consultations (nor see them)", "s1",
             [.set(.consultation, "qS", "answeredOn", .string("2026-01-03"))], "not_found"),
        .all("branch sets up its own council and motion", "s1",
             [.set(.council, "kB", "name", .string("Busan practical council")), .set(.council, "kB", "branch", .string("busan")),
              .add(.council, "kB", "members", element: "s1"),
              .set(.motion, "vB", "case", .string("cB1")), .set(.motion, "vB", "council", .string("kB")),
              .set(.motion, "vB", "action", .string("accept")), .set(.motion, "vB", "votes", .string("yes"), key: "s1")], nil),
        .all("branch cannot change HQ's council or another branch's motion", "s1",
             [.add(.council, "k1", "members", element: "s1"), .set(.motion, "v1", "action", .string("reject"))], "forbidden"),
        .all("branch registers members and keeps its own", "s1",
             [.set(.member, "m9", "name", .string("Walk-in citizen")), .set(.member, "m9", "kind", .string("external-monitor")),
              .set(.member, "m9", "branch", .string("busan")),
              .set(.member, "s1", "division", .string("Customer support"))], nil),
        .all("branch cannot edit members of other branches", "s1",
             [.set(.member, "s2", "name", .string("x")), .set(.member, "m1", "name", .string("x"))], "forbidden"),
        .all("branch cannot author as someone else", "s1", [.append(.case, "cB1", "comments", "x")], "author_mismatch", author: "hq"),
        // Issue 15: satisfaction surveys, re-examination and arbitration.
        .all("branch records a survey of its own customers", "s1",
             [.set(.survey, "sv1", "branch", .string("busan")), .set(.survey, "sv1", "period", .string("2005-Q1")),
              .set(.survey, "sv1", "scoreHundredths", .int(7_650)), .set(.survey, "sv1", "source", .string("own-survey"))], nil),
        .all("branch cannot record the agency's survey or another branch's", "s1",
             [.set(.survey, "sv2", "branch", .null), .set(.survey, "sv2", "period", .string("2005")),
              .set(.survey, "sv3", "branch", .string("seoul")), .set(.survey, "sv3", "period", .string("2005"))], "forbidden"),
        RuleCase(name: "branch cannot turn its survey into the agency's", member: "s1",
                 writes: [.set(.survey, "sv4", "branch", .string("busan")), .set(.survey, "sv4", "period", .string("2005")),
                          .set(.survey, "sv4", "branch", .null)],
                 expected: [nil, nil, "forbidden"]),
        .all("monitor cannot record a survey", "m1",
             [.set(.survey, "sv5", "branch", .string("busan")), .set(.survey, "sv5", "period", .string("2005"))], "forbidden"),
        .all("branch cannot record the outcome of a dispute arbitration", "s1",
             [.reach(.case, "cB1", "arbitration-upheld"), .reach(.case, "cB1", "arbitration-overturned"),
              .set(.case, "cB1", "arbitrationReason", .string("we were right")),
              .set(.case, "cB1", "milestoneDates", .string("2026-01-05"), key: "arbitration-upheld")], "forbidden"),
        .all("monitor asks for a re-examination only of a decided case", "m1",
             [.reach(.case, "cB1", "reexamination-requested"), .set(.case, "cB1", "reexaminationReason", .string("unfair"))], "forbidden"),
        // HQ.
        .all("HQ may do everything", "hq",
             [.set(.case, "cS1", "title", .string("x")), .reach(.case, "cB1", "accepted"), .add(.meeting, "nN", "confirmed", element: "m2"),
              .add(.council, "k1", "members", element: "m1"), .reach(.motion, "v1", "closed"), .set(.member, "m1", "kind", .string("internal-monitor")),
              .set(.consultation, "qS", "topic", .string("x"))], nil),
    ]

    @Test("write rule", arguments: StoreKind.allCases, cases)
    func rule(_ store: StoreKind, _ rule: RuleCase) async throws {
        let harness = try await ServerHarness(on: store)
        try await harness.test { client in
            let world = try await World.seed(harness, client)
            let device = rule.member == "hq" ? world.hq : try Device("\(rule.member)r", member: rule.member)
            let ops = try device.record(rule.writes, as: rule.author)
            let answer = try await client.push(world.token(rule.member), replica: device.replica, ops)
            #expect(answer.status == 200, "\(answer.body)")
            for (op, expected) in zip(ops, rule.expected) {
                let id = op.id.description
                if let expected {
                    #expect(answer.rejected[id] == expected, "\(op.entity.rawValue).\(op.field)[\(op.key)]: \(answer.reasons[id] ?? "acknowledged")")
                    #expect(!answer.acknowledged.contains(id))
                } else {
                    #expect(answer.acknowledged.contains(id), "\(op.entity.rawValue).\(op.field)[\(op.key)]: \(answer.reasons[id] ?? "")")
                }
            }
            #expect(answer.acknowledged.count + answer.rejected.count == ops.count)
        }
    }

    @Test("a submitter's text is locked once the case is examined", arguments: StoreKind.allCases)
    func textLocksWhenExamined(_ store: StoreKind) async throws {
        let harness = try await ServerHarness(on: store)
        try await harness.test { client in
            let world = try await World.seed(harness, client)
            let m1 = try Device("m1r", member: "m1")
            let before = try m1.record([.set(.case, "cB1", "title", .string("Before"))])
            #expect(try await client.push(world.token("m1"), replica: m1.replica, before).acknowledged.count == 1)
            let s1 = try Device("s1r", member: "s1")
            #expect(try await client.push(world.token("s1"), replica: s1.replica, try s1.record([.reach(.case, "cB1", "examined")])).rejected.isEmpty)
            let after = try m1.record([.set(.case, "cB1", "title", .string("After")), .append(.case, "cB1", "comments", "Still here")])
            let answer = try await client.push(world.token("m1"), replica: m1.replica, after)
            #expect(answer.rejected == [after[0].id.description: "forbidden"])
            #expect(answer.reasons[after[0].id.description]?.contains("examined") == true)
            #expect(answer.acknowledged == [after[1].id.description])
        }
    }

    @Test("a submitter asks for a re-examination of their decided case, dated after the decision, once", arguments: StoreKind.allCases)
    func reexaminationRequest(_ store: StoreKind) async throws {
        let harness = try await ServerHarness(on: store)
        try await harness.test { client in
            let world = try await World.seed(harness, client)
            let s1 = try Device("s1r", member: "s1")
            let decided = try s1.record([.reach(.case, "cB1", "rejected"), .set(.case, "cB1", "milestoneDates", .string("2026-01-10"), key: "rejected")])
            #expect(try await client.push(world.token("s1"), replica: s1.replica, decided).rejected.isEmpty)
            let m1 = try Device("m1r", member: "m1")
            let early = try m1.record([.set(.case, "cB1", "milestoneDates", .string("2026-01-09"), key: "reexamination-requested")])
            let refused = try await client.push(world.token("m1"), replica: m1.replica, early)
            #expect(refused.rejected == [early[0].id.description: "invalid_value"], "\(refused.body)")
            let asked = try m1.record([.reach(.case, "cB1", "reexamination-requested"),
                                       .set(.case, "cB1", "milestoneDates", .string("2026-01-12"), key: "reexamination-requested"),
                                       .set(.case, "cB1", "reexaminationReason", .string("The rule ignores small suppliers"))])
            #expect(try await client.push(world.token("m1"), replica: m1.replica, asked).acknowledged.count == 3)
            // The outcome is HQ's; once it is recorded, the submitter cannot ask again.
            let outcome = try s1.record([.reach(.case, "cB1", "arbitration-upheld")])
            #expect(try await client.push(world.token("s1"), replica: s1.replica, outcome).rejected.values.first == "forbidden")
            #expect(try await client.push(world.token("hq"), replica: world.hq.replica,
                                          try world.hq.record([.reach(.case, "cB1", "arbitration-upheld")])).rejected.isEmpty)
            let again = try m1.record([.set(.case, "cB1", "reexaminationReason", .string("Still unfair"))])
            #expect(try await client.push(world.token("m1"), replica: m1.replica, again).rejected.values.first == "forbidden")
        }
    }

    @Test("a monitor removes their own attendance and debate subject", arguments: StoreKind.allCases)
    func removals(_ store: StoreKind) async throws {
        let harness = try await ServerHarness(on: store)
        try await harness.test { client in
            let world = try await World.seed(harness, client)
            let m1 = try Device("m1r", member: "m1")
            var ops = try m1.record([.add(.meeting, "wB", "attendance", element: "m1"),
                                     .add(.meeting, "wB", "debateSubjects", element: "m1.s", value: Self.subject)])
            ops += try m1.record([.remove(.meeting, "wB", "attendance", element: "m1"), .remove(.meeting, "wB", "debateSubjects", element: "m1.s")])
            let answer = try await client.push(world.token("m1"), replica: m1.replica, ops)
            #expect(answer.rejected.isEmpty, "\(answer.reasons)")
            let attendance = try await harness.storage.store.writer.read { db in
                try Int.fetchOne(db, sql: "SELECT count(*) FROM attendance WHERE meeting_id = 'wB' AND member_id = 'm1'")
            }
            #expect(attendance == 0)
        }
    }

    @Test("a council created by a branch belongs to it, not to other branches", arguments: StoreKind.allCases)
    func branchCouncilOwnership(_ store: StoreKind) async throws {
        let harness = try await ServerHarness(on: store)
        try await harness.test { client in
            let world = try await World.seed(harness, client)
            let s1 = try Device("s1r", member: "s1"), s2 = try Device("s2r", member: "s2")
            _ = try await client.push(world.token("s1"), replica: s1.replica,
                                      try s1.record([.set(.council, "kB", "name", .string("Busan")), .set(.council, "kB", "branch", .string("busan"))]))
            let later = try s1.record([.add(.council, "kB", "members", element: "m1")])
            #expect(try await client.push(world.token("s1"), replica: s1.replica, later).acknowledged.count == 1)
            let other = try s2.record([.add(.council, "kB", "members", element: "s2")])
            #expect(try await client.push(world.token("s2"), replica: s2.replica, other).rejected.values.first == "not_found")
        }
    }

    @Test("a write to a case the server does not know, without its submitter, gets the uniform answer", arguments: StoreKind.allCases)
    func newCaseWithoutSubmitter(_ store: StoreKind) async throws {
        let harness = try await ServerHarness(on: store)
        try await harness.test { client in
            let world = try await World.seed(harness, client)
            let m1 = try Device("m1r", member: "m1")
            let ops = try m1.record([.set(.case, "cX", "title", .string("Split"))])
            let answer = try await client.push(world.token("m1"), replica: m1.replica, ops)
            #expect(answer.rejected.values.first == "not_found")
            #expect(answer.reasons.values.first == AccessPolicy.outOfScope(EntityKey(.case, "cX")).reason)
        }
    }
}
