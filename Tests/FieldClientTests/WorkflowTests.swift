import FieldClient
import Foundation
import SyncCore
import Testing

@Suite("Workflow on a replica")
struct WorkflowTests {
    /// A branch replica with two monitors and a council, ready for the ladder.
    func branchWithMonitors() throws -> (FieldReplica, ManualWallClock) {
        let (branch, clock) = try makeReplica("kim", role: .branch, branch: "busan", prefix: "BSN", seed: 1)
        try branch.addMember(id: "lee", MemberFields(name: "Lee Jun", kind: "external-monitor", affiliation: "supplier", areas: ["goods"]))
        try branch.addMember(id: "park", MemberFields(name: "Park", kind: "internal-monitor", division: "contracts"))
        try branch.addMember(id: "han", MemberFields(name: "Han", kind: "expert", affiliation: "academia"))
        return (branch, clock)
    }

    @Test func suggestionBecomesAnAcceptedReformTask() throws {
        let (branch, clock) = try branchWithMonitors()
        let made = try branch.createCase(NewCase(title: "Bid bond refunds take weeks", body: "Suppliers wait 30 days",
                                                 area: "goods", cause: "process", source: "external-monitor", submitter: "lee"))
        #expect(made.ref == "BSN-2026-0001")
        #expect(made.status == "open")
        #expect(made.reportedOn == "2026-03-02")

        let routed = try branch.route("BSN-2026-0001")
        #expect(routed.step == 2 && routed.changed)
        #expect(try branch.route(made.id).changed == false)
        try branch.milestone("BSN-2026-0001", "agency-responsible")
        clock.set(at("2026-03-03"))
        try branch.milestone("BSN-2026-0001", "examined")
        try branch.comment("BSN-2026-0001", "Refund rule drafted")

        try branch.createCouncil(id: "practical", name: "Practical Council", members: ["kim", "park", "han"])
        clock.set(at("2026-03-04"))
        let motion = try branch.createMotion(id: "mot-1", case: "BSN-2026-0001", council: "practical", action: "accept")
        #expect(motion.tally.quorum == 2)
        try branch.vote("mot-1", "yes")
        try branch.vote("mot-1", "yes", voter: "han")
        clock.set(at("2026-03-05"))
        let closed = try branch.closeMotion("mot-1", enact: true)
        #expect(closed.tally.outcome == "passed")

        let detail = try branch.caseDetail("BSN-2026-0001")
        #expect(detail.summary.status == "accepted")
        #expect(detail.decisionReason?.contains("mot-1 passed") == true)
        #expect(detail.milestones.map(\.milestone) == ["agency-responsible", "examined", "submitted-to-council", "accepted"])
        #expect(detail.comments.map(\.body) == ["Refund rule drafted"])
        #expect(!detail.history.isEmpty)

        try branch.milestone("BSN-2026-0001", "result-notified")
        let inbox = try branch.inbox(submitter: "lee")
        #expect(inbox.count == 1)
        #expect(inbox[0].decision == "accepted")
        #expect(inbox[0].notified)
        #expect(inbox[0].step == 2)
        #expect(inbox[0].stepName == "Practical Council of Restructuring Public Affairs and Systems")
    }

    @Test func routingFollowsTheTableAndTheLadderEndsAtStepFour() throws {
        let (branch, _) = try branchWithMonitors()
        let expected: [String: Int] = ["electronic-system": 1, "process": 2, "practice": 2, "law-system": 3,
                                       "social-issue": 4, "conflict-of-interest": 4, "conflicting-systems": 4]
        for cause in Domain.causes {
            let made = try branch.createCase(NewCase(title: "Case about \(cause)", body: "b", area: "services", cause: cause))
            #expect(try branch.route(made.id).step == expected[cause], "cause \(cause)")
        }
        let e = try branch.createCase(NewCase(title: "System down", body: "b", area: "e-procurement", cause: "electronic-system"))
        expectError(.conflict) { try branch.escalate(e.id) }   // not routed yet
        try branch.route(e.id)
        #expect(try branch.escalate(e.id).step == 2)
        #expect(try branch.escalate(e.id).step == 3)
        #expect(try branch.escalate(e.id).step == 4)
        let digest = try branch.digest()
        expectError(.conflict) { try branch.escalate(e.id) }
        #expect(try branch.digest() == digest)
        let referred = try branch.refer(e.id)
        #expect(referred.status == "referred")
        #expect(try branch.caseDetail(e.id).referredTo == "inter-ministry joint committee")
        expectError(.conflict) { try branch.decide(e.id, accept: true, reason: "x"); try branch.decide(e.id, accept: false, reason: "y") }
    }

    @Test func casesFilterAndEdit() throws {
        let (branch, _) = try branchWithMonitors()
        let a = try branch.createCase(NewCase(title: "A", body: "b", area: "goods", cause: "process", submitter: "lee"))
        _ = try branch.createCase(NewCase(title: "B", body: "b", area: "services", cause: "law-system", submitter: "park"))
        try branch.route(a.id)
        #expect(try branch.cases(CaseFilter(area: "goods")).map(\.title) == ["A"])
        #expect(try branch.cases(CaseFilter(step: 2)).map(\.title) == ["A"])
        #expect(try branch.cases(CaseFilter(submitter: "park")).map(\.title) == ["B"])
        #expect(try branch.cases(CaseFilter(branch: "busan")).count == 2)
        let edited = try branch.editCase(a.ref!, CaseEdit(title: "A2", assignee: "kim", priority: 7))
        #expect(edited.title == "A2" && edited.assignee == "kim")
        expectError(.invalidValue) { _ = try branch.cases(CaseFilter(status: "nonsense")) }
    }

    @Test func referencesAreUniquePerReplicaWithoutCoordination() throws {
        let (a, _) = try makeReplica("kim", role: .branch, branch: "busan", prefix: "BSN", seed: 1)
        let (b, _) = try makeReplica("lee", role: .monitor, prefix: "LEE", seed: 2)
        for i in 1...3 {
            _ = try a.createCase(NewCase(title: "a\(i)", body: "b", area: "goods", cause: "process"))
            _ = try b.createCase(NewCase(title: "b\(i)", body: "b", area: "goods", cause: "process"))
        }
        try exchange(a, b)
        let refs = try a.cases().compactMap(\.ref)
        #expect(Set(refs).count == 6)
        #expect(refs.sorted() == ["BSN-2026-0001", "BSN-2026-0002", "BSN-2026-0003", "LEE-2026-0001", "LEE-2026-0002", "LEE-2026-0003"])
        #expect(try a.digest() == b.digest())
        #expect(try b.caseDetail("BSN-2026-0002").summary.title == "a2")
        #expect(try b.cases(CaseFilter(source: "external-monitor")).count == 3)
    }

    @Test func workshopAttendanceRecordedOnTwoDevicesCountsOnce() throws {
        let (branch, _) = try makeReplica("kim", role: .branch, branch: "busan", prefix: "BSN", seed: 1, on: "2026-03-14")
        let (monitor, _) = try makeReplica("lee", role: .monitor, prefix: "LEE", seed: 2, on: "2026-03-14")
        try branch.addMember(id: "park", MemberFields(name: "Park", kind: "internal-monitor"))
        try branch.createMeeting(id: "ws-0314", kind: "workshop", title: "Goods workshop", date: "2026-03-14")
        try exchange(branch, monitor)
        // Both devices record the same attendance and the same debate subject, offline (a
        // monitor's device records only its owner; the server refuses anything else).
        try branch.attend("ws-0314", members: ["lee", "park"])
        try monitor.attend("ws-0314", members: ["lee"])
        expectError(.forbidden) { try monitor.attend("ws-0314", members: ["park"]) }
        try branch.raiseSubject("ws-0314", member: "lee", subject: "Bid bond refunds")
        try monitor.raiseSubject("ws-0314", member: "lee", subject: "bid bond refunds ")
        try exchange(branch, monitor)
        #expect(try branch.digest() == monitor.digest())
        let meeting = try monitor.meeting("ws-0314")
        #expect(meeting.attendance.map(\.member) == ["lee", "park"])
        #expect(meeting.debateSubjects.count == 1)
        try branch.confirm("ws-0314", members: ["lee", "park"])
        try branch.send(to: monitor)
        let ledger = try monitor.ledger(member: "lee")
        #expect(ledger.map(\.criterion) == ["debate-subject", "meeting-participation"])
        #expect(ledger.map(\.points) == [10, 3])
        // A monitor may not confirm attendance.
        expectError(.forbidden) { try monitor.confirm("ws-0314", members: ["lee"]) }
        // Removing a mistaken entry.
        try branch.addMember(id: "choi", MemberFields(name: "Choi", kind: "external-monitor"))
        try branch.attend("ws-0314", members: ["choi"])
        try branch.unattend("ws-0314", member: "choi")
        #expect(try branch.meeting("ws-0314").attendance.map(\.member) == ["lee", "park"])
        expectError(.notFound) { try branch.unattend("ws-0314", member: "choi") }
    }

    @Test func councilVoteWithChangedVotesAndAVoteAfterClosing() throws {
        let (hq, hqClock) = try makeReplica("hq1", role: .hq, prefix: "HQ", seed: 3, on: "2026-04-01")
        // A second HQ device, where the council's secretary records votes while offline.
        let (branch, branchClock) = try makeReplica("hq2", role: .hq, prefix: "HQB", seed: 4, on: "2026-04-01")
        for id in ["e1", "e2", "e3", "e4"] { try hq.addMember(id: id, MemberFields(name: id, kind: "expert")) }
        try hq.addMember(id: "outsider", MemberFields(name: "Outsider", kind: "external-monitor"))
        let made = try hq.createCase(NewCase(title: "Irrational rule", body: "b", area: "services", cause: "law-system"))
        try hq.route(made.id)
        try hq.createCouncil(id: "experts", name: "Consultation of outside experts", members: ["e1", "e2", "e3", "e4"])
        try hq.createMotion(id: "m1", case: made.id, council: "experts", action: "accept", quorum: 3)
        try exchange(hq, branch)

        try hq.vote("m1", "no", voter: "e1")
        try hq.vote("m1", "yes", voter: "e1")          // changed mind
        try branch.vote("m1", "no", voter: "e2")
        try branch.vote("m1", "abstain", voter: "e3")
        try branch.vote("m1", "yes", voter: "e3")      // changed mind, offline
        expectError(.forbidden) { try hq.vote("m1", "yes", voter: "outsider") }
        hqClock.advance(by: 60_000)
        branchClock.advance(by: 60_000)
        try exchange(hq, branch)
        hqClock.advance(by: 60_000)
        try hq.closeMotion("m1")
        // e4 votes later on the branch, which has not heard of the closing yet.
        branchClock.advance(by: 3_600_000)
        try branch.vote("m1", "yes", voter: "e4")
        try branch.vote("m1", "yes", voter: "e2")     // a change of mind after closing: not counted
        try exchange(hq, branch)

        for replica in [hq, branch] {
            let tally = try replica.tally("m1")
            #expect(tally.closed)
            #expect(tally.yes == 2 && tally.no == 1 && tally.abstain == 0, "\(tally)")
            #expect(tally.counted == 3 && tally.quorumMet)
            #expect(tally.outcome == "passed")
            #expect(tally.ignored == ["e4"])
        }
        #expect(try hq.digest() == branch.digest())
        let votes = try hq.motion("m1").votes
        #expect(votes.first { $0.voter == "e2" }?.choice == "yes")
        #expect(votes.first { $0.voter == "e2" }?.countedChoice == "no")
        #expect(votes.first { $0.voter == "e4" }?.countedChoice == nil)
        // Locally, a closed motion refuses votes.
        expectError(.conflict) { try hq.vote("m1", "yes", voter: "e4") }
    }

    @Test func noQuorumAndFailedMotions() throws {
        let (hq, _) = try makeReplica("hq1", role: .hq, prefix: "HQ", seed: 5)
        for id in ["a", "b", "c"] { try hq.addMember(id: id, MemberFields(name: id, kind: "staff")) }
        let made = try hq.createCase(NewCase(title: "t", body: "b", area: "goods", cause: "practice"))
        try hq.createCouncil(id: "c", name: "C", members: ["a", "b", "c"])
        try hq.createMotion(id: "m1", case: made.id, council: "c", action: "reject", quorum: 3)
        try hq.vote("m1", "yes", voter: "a")
        #expect(try hq.closeMotion("m1", enact: true).tally.outcome == "no-quorum")
        #expect(try hq.caseDetail(made.id).summary.status == "in-council")
        try hq.createMotion(id: "m2", case: made.id, council: "c", action: "escalate")
        try hq.vote("m2", "no", voter: "a")
        try hq.vote("m2", "no", voter: "b")
        #expect(try hq.closeMotion("m2", enact: true).tally.outcome == "failed")
        expectError(.conflict) { try hq.closeMotion("m2") }
    }

    @Test func conflictsAreListedAndResolved() throws {
        let (a, _) = try makeReplica("kim", role: .branch, branch: "busan", prefix: "BSN", seed: 1)
        let (b, _) = try makeReplica("hq1", role: .hq, prefix: "HQ", seed: 2)
        let made = try a.createCase(NewCase(title: "Original", body: "b", area: "goods", cause: "process"))
        try exchange(a, b)
        try a.editCase(made.id, CaseEdit(title: "Title from Busan"))
        try b.editCase(made.id, CaseEdit(title: "Title from HQ"))
        try exchange(a, b)
        let conflicts = try a.conflicts()
        #expect(conflicts.count == 1)
        #expect(conflicts[0].field == "title")
        #expect(Set(conflicts[0].competing.compactMap(\.value.stringValue)) == ["Title from Busan", "Title from HQ"])
        let busan = conflicts[0].competing.first { $0.value == .string("Title from Busan") }!
        expectError(.invalidValue) { try a.resolveConflict(entity: .case, id: made.id, field: "title") }
        expectError(.notFound) { try a.resolveConflict(entity: .case, id: made.id, field: "body", value: .string("x")) }
        #expect(try a.resolveConflict(entity: .case, id: made.id, field: "title", chooseOp: busan.op).isEmpty)
        try exchange(a, b)
        #expect(try b.conflicts().isEmpty)
        #expect(try b.caseDetail(made.id).summary.title == "Title from Busan")
        #expect(try a.digest() == b.digest())
    }

    @Test func consultationsLog() throws {
        let (branch, clock) = try makeReplica("kim", role: .branch, branch: "busan", prefix: "BSN", seed: 1)
        let c1 = try branch.logConsultation(channel: "call-centre", topic: "Refund", receivedOn: "2026-03-02")
        try branch.logConsultation(channel: "visit", topic: "Login", receivedOn: "2026-03-01", answeredOn: "2026-03-01")
        #expect(try branch.consultations(unansweredOnly: true).map(\.id) == [c1.id])
        clock.set(at("2026-03-04"))
        #expect(try branch.answerConsultation(c1.id).answeredOn == "2026-03-04")
        #expect(try branch.consultations(unansweredOnly: true).isEmpty)
        #expect(try branch.consultations(period: .month(2026, 3)).count == 2)
        #expect(try branch.consultations(period: .month(2026, 4)).isEmpty)
        expectError(.invalidValue) { try branch.logConsultation(channel: "fax", topic: "x") }
        expectError(.invalidValue) { try branch.answerConsultation(c1.id, on: "2026-02-30") }
    }

    @Test func badInputIsRefusedAndChangesNothing() throws {
        let (branch, _) = try branchWithMonitors()
        let made = try branch.createCase(NewCase(title: "A", body: "b", area: "goods", cause: "process"))
        try branch.createCouncil(id: "pc", name: "PC", members: ["kim"])
        try branch.createMotion(id: "m1", case: made.id, council: "pc", action: "accept")
        let before = try branch.digest()
        let counter = try branch.identity().caseCounter
        expectError(.invalidValue) { _ = try branch.createCase(NewCase(title: "x", body: "y", area: "groceries", cause: "process")) }
        expectError(.invalidValue) { _ = try branch.createCase(NewCase(title: "x", body: "y", area: "goods", cause: "bad-luck")) }
        expectError(.notFound) { _ = try branch.createCase(NewCase(title: "x", body: "y", area: "goods", cause: "process", submitter: "ghost")) }
        expectError(.notFound) { try branch.route("BSN-2026-9999") }
        expectError(.notFound) { try branch.comment("NOPE-1", "hello") }
        expectError(.forbidden) { try branch.vote("m1", "yes", voter: "lee") }
        expectError(.invalidValue) { try branch.vote("m1", "maybe") }
        expectError(.invalidValue) { try branch.createMeeting(kind: "workshop", title: "W", date: "2026-02-30") }
        expectError(.invalidValue) { try branch.createMeeting(kind: "party", title: "W", date: "2026-03-01") }
        expectError(.notFound) { try branch.attend("no-such-meeting", members: ["lee"]) }
        expectError(.invalidValue) { try branch.milestone(made.id, "accepted") }
        expectError(.conflict) { try branch.milestone(made.id, "implemented") }
        expectError(.conflict) { try branch.addMember(id: "lee", MemberFields(name: "Again", kind: "staff")) }
        expectError(.invalidValue) { _ = try branch.leaderboard(period: ReportPeriod(parsing: "2026-13")) }
        #expect(try branch.digest() == before)
        #expect(try branch.identity().caseCounter == counter)
    }

    @Test func monitorsCannotRunTheLadder() throws {
        let (monitor, _) = try makeReplica("lee", role: .monitor, prefix: "LEE", seed: 9)
        let made = try monitor.createCase(NewCase(title: "Suggestion", body: "b", area: "goods", cause: "practice"))
        #expect(made.source == "external-monitor")
        #expect(made.submitter == "lee")
        expectError(.forbidden) { try monitor.route(made.id) }
        expectError(.forbidden) { try monitor.decide(made.id, accept: true, reason: "x") }
        expectError(.forbidden) { try monitor.createCouncil(name: "C") }
        // ...but may run a workshop of their own; milestones, even `result-notified`, are for
        // staff (the server would refuse them, so the replica does too, before recording).
        try monitor.createMeeting(id: "w", kind: "workshop", title: "W", date: "2026-03-02")
        #expect(try monitor.meeting("w").attendance.isEmpty)
        expectError(.forbidden) { try monitor.milestone(made.id, "result-notified") }
    }
}

@Suite("Headquarters figures")
struct HeadquartersFigureTests {
    @Test func foundSharesReplyRatesAndBudgetRanking() throws {
        let (hq, _) = try makeReplica("hq1", role: .hq, prefix: "HQ", seed: 31)
        try hq.addMember(id: "lee", MemberFields(name: "Lee", kind: "external-monitor"))
        for (i, (date, source)) in [("2025-03-10", "call-centre"), ("2026-03-02", "external-monitor"), ("2026-03-05", "call-centre"),
                                    ("2026-03-20", "division"), ("2026-04-01", "division")].enumerated() {
            let made = try hq.createCase(NewCase(title: "c\(i)", body: "b", area: "goods", cause: "process", source: source, reportedOn: date))
            if i == 2 { try hq.decide(made.id, accept: true, reason: "ok"); try hq.editCase(made.id, CaseEdit(budgetPriority: 2)) }
            if i == 3 { try hq.decide(made.id, accept: true, reason: "ok"); try hq.editCase(made.id, CaseEdit(budgetPriority: 1)) }
        }
        let now = at("2026-04-02")
        let march = try hq.report(HQReports(period: .month(2026, 3), now: now), HQReports.tasks).total
        #expect(march.count == 3 && march.yearBefore == 1 && march.changePercent == 200.0)
        let shares = try hq.report(HQReports(period: .month(2026, 3), now: now), HQReports.sources).rows
        #expect(Set(shares.filter { $0.count > 0 }.map(\.key)) == ["call-centre", "division", "external-monitor"])
        #expect(shares.first { $0.key == "external-monitor" }?.percent == 33.3)
        try hq.logConsultation(channel: "call-centre", topic: "a", receivedOn: "2026-01-05", answeredOn: "2026-01-05", branch: "busan")
        try hq.logConsultation(channel: "call-centre", topic: "b", receivedOn: "2026-01-06", branch: "busan")
        try hq.logConsultation(channel: "web", topic: "c", receivedOn: "2026-02-06", answeredOn: "2026-02-07", branch: "seoul")
        let rates = try hq.report(HQReports(period: .quarter(2026, 1), now: now), HQReports.replies)
        #expect([rates.overall.percent] + rates.byBranch.map(\.percent) == [66.7, 50.0, 100.0])
        #expect(rates.byBranch.map(\.key) == ["busan", "seoul"])
        #expect(try hq.report(HQReports(now: now), HQReports.budget).rows.map(\.budgetPriority) == [1, 2])
    }
}
