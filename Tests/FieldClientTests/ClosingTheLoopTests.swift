import FieldClient
import Foundation
import SyncCore
import Testing

/// Issue 15: re-examinations with their dispute arbitration, and referral answers, on replicas
/// that exchange their operations; report figures computed by hand.
@Suite("Re-examination and referral answers")
struct ClosingTheLoopTests {
    /// Busan's staff replica and Lee's (an external monitor's) replica, with Lee's case decided.
    func decidedCase(accept: Bool) throws -> (branch: FieldReplica, lee: FieldReplica, clock: ManualWallClock, caseID: String) {
        let (branch, clock) = try makeReplica("kim", role: .branch, branch: "busan", prefix: "BSN", seed: 1, on: "2005-03-20")
        let (lee, _) = try makeReplica("lee", role: .monitor, monitorKind: "external-monitor", prefix: "LEE", seed: 2, on: "2005-03-20")
        try branch.addMember(id: "lee", MemberFields(name: "Lee Jun", kind: "external-monitor", affiliation: "supplier", areas: ["goods"]))
        let made = try lee.createCase(NewCase(title: "Allotment between associations", body: "Our quota ignores members",
                                              area: "goods", cause: "conflict-of-interest", branch: "busan", reportedOn: "2005-03-01"))
        try exchange(lee, branch)
        // Not decided yet: nothing to re-examine, on the submitter's replica as on the server.
        expectError(.conflict) { try lee.requestReexamination(made.id, reason: "too early") }
        try branch.decide(made.id, accept: accept, reason: "Quota follows the 2004 statute", on: "2005-03-02")
        try branch.milestone(made.id, "result-notified", on: "2005-03-02")
        try exchange(branch, lee)
        return (branch, lee, clock, made.id)
    }

    @Test func aRejectionOverturnedOnReexaminationIsAcceptedAndReportedBack() throws {
        let (branch, lee, _, caseID) = try decidedCase(accept: false)
        #expect(try lee.caseDetail(caseID).summary.status == "rejected")
        // The submitter asks offline, on their own replica; the case reopens there at once.
        let asked = try lee.requestReexamination(caseID, reason: "Veterans Welfare Corp. holds 80% of the quota", on: "2005-03-04")
        #expect(asked.summary.status == "in-arbitration" && asked.reexamination?.requestedOn == "2005-03-04")
        expectError(.conflict) { try lee.requestReexamination(caseID, reason: "again") }
        // The outcome is staff's, not the submitter's.
        expectError(.forbidden) { try lee.arbitrate(caseID, outcome: "overturned", reason: "mine") }
        try exchange(lee, branch)
        #expect(try branch.caseDetail(caseID).summary.status == "in-arbitration")
        expectError(.conflict) { try branch.milestone(caseID, "implemented") }
        // The branch whose decision is contested does not judge it: HQ's Consultation of
        // Arbitrating Dispute does.
        expectError(.forbidden) { try branch.arbitrate(caseID, outcome: "upheld", reason: "we were right") }
        let (hq, _) = try makeReplica("hq1", role: .hq, prefix: "HQ", seed: 9, on: "2005-03-20")
        try exchange(branch, hq)
        try hq.createMeeting(id: "cad-1", kind: "dispute-arbitration", title: "Consultation of Arbitrating Dispute", date: "2005-03-08")
        let decided = try hq.arbitrate(caseID, outcome: "overturned", reason: "Quota shared 60/40 from July",
                                       meeting: "cad-1", on: "2005-03-08")
        #expect(decided.summary.status == "accepted" && decided.reexamination?.decision == "accepted")
        #expect(decided.reexamination?.outcome == "overturned" && decided.reexamination?.meeting == "cad-1")
        #expect(try hq.meeting("cad-1").agenda.contains(caseID))
        expectError(.conflict) { try hq.arbitrate(caseID, outcome: "upheld", reason: "second thoughts") }
        // Lee's points follow the decision standing: the acceptance's 20, on the day of the overturn.
        let accepted = try hq.ledger(member: "lee").filter { $0.criterion == "accepted" }
        #expect(accepted.map(\.date) == ["2005-03-08"] && accepted.map(\.points) == [20])
        try exchange(hq, branch)
        try branch.milestone(caseID, "arbitration-notified", on: "2005-03-09")
        // Accepted on re-examination: it can be implemented like any accepted reform task.
        try branch.milestone(caseID, "implemented", on: "2005-03-10")
        try exchange(branch, lee)
        let inbox = try lee.inbox()
        #expect(inbox.count == 1 && inbox[0].decision == "accepted" && inbox[0].reexamination == "overturned")
        #expect(inbox[0].arbitrationReason == "Quota shared 60/40 from July" && inbox[0].arbitrationNotified)
        #expect(inbox[0].status == "implemented")
    }

    @Test func theSubmitterMayOnlyAskAndOnlyForTheirOwnDecidedCase() throws {
        let (branch, lee, _, caseID) = try decidedCase(accept: true)
        // Another monitor sees nothing of it and may not ask for it.
        let (han, _) = try makeReplica("han", role: .monitor, monitorKind: "external-monitor", prefix: "HAN", seed: 3, on: "2005-03-20")
        try branch.send(to: han)
        expectError(.forbidden) { try han.requestReexamination(caseID, reason: "not mine") }
        // The submitter writes the request's fields only: the arbitration's reason is staff's.
        try lee.requestReexamination(caseID, reason: "The acceptance came without the budget", on: "2005-03-02")
        try exchange(lee, branch)
        let (hq, _) = try makeReplica("hq1", role: .hq, prefix: "HQ", seed: 9, on: "2005-03-20")
        try exchange(branch, hq)
        // Upheld: the acceptance stands.
        let upheld = try hq.arbitrate(caseID, outcome: "upheld", reason: "Budget confirmed", on: "2005-03-02")
        #expect(upheld.summary.status == "accepted" && upheld.reexamination?.outcome == "upheld")
        #expect(upheld.reexamination?.decision == "accepted")
        #expect(try hq.ledger(member: "lee").filter { $0.criterion == "accepted" }.map(\.points) == [20])
        // An acceptance overturned (on another case) loses its points.
        let second = try lee.createCase(NewCase(title: "Second", body: "b", area: "goods", cause: "process", branch: "busan",
                                                reportedOn: "2005-03-01"))
        try exchange(lee, hq)
        try hq.decide(second.id, accept: true, reason: "yes", on: "2005-03-03")
        try hq.requestReexamination(second.id, reason: "a competitor objects", on: "2005-03-04")
        try hq.arbitrate(second.id, outcome: "overturned", reason: "the objection stands", on: "2005-03-05")
        #expect(try hq.ledger(member: "lee").filter { $0.criterion == "accepted" }.map(\.subjectID) == [caseID])
    }

    @Test func contradictoryOutcomesRecordedApartLeaveTheDecisionAsItWas() throws {
        let (branch, lee, _, caseID) = try decidedCase(accept: false)
        try lee.requestReexamination(caseID, reason: "Unfair", on: "2005-03-02")
        try exchange(lee, branch)
        let (hq, _) = try makeReplica("hq1", role: .hq, prefix: "HQ", seed: 9, on: "2005-03-20")
        let (minister, _) = try makeReplica("hq2", role: .hq, prefix: "HQM", seed: 10, on: "2005-03-20")
        try exchange(branch, hq)
        try exchange(branch, minister)
        try minister.arbitrate(caseID, outcome: "overturned", reason: "One view", on: "2005-03-02")
        try hq.arbitrate(caseID, outcome: "upheld", reason: "Another view", on: "2005-03-02")
        try exchange(minister, hq)
        try exchange(hq, branch)
        // Every replica agrees: overturning needs an outcome nobody contradicted.
        for replica in [branch, hq, minister] { #expect(try replica.caseDetail(caseID).summary.status == "rejected") }
        #expect(try hq.digest() == branch.digest() && hq.digest() == minister.digest())
    }

    @Test func reexaminationReportCountsOutcomesAsComputedByHand() throws {
        let f = try ReportFixture(on: "2005-01-03")
        // Five decided cases: three re-examined in Q1 2005 (one overturned after 10 days and
        // reported back, one upheld after 4 days, one pending), one in Q2 (pending), one never.
        try f.addCases((1...5).map { ("r\($0)", "2005-01-0\($0)", ["branch": $0 == 5 ? "seoul" : "busan"]) })
        f.on("2005-06-30")
        for id in ["r1", "r2", "r3", "r4", "r5"] { try f.hq.decide(id, accept: id != "r2", reason: "decided", on: "2005-01-10") }
        try f.hq.requestReexamination("r1", reason: "a", on: "2005-02-01")
        try f.hq.requestReexamination("r2", reason: "b", on: "2005-02-05")
        try f.hq.requestReexamination("r3", reason: "c", on: "2005-03-20")
        try f.hq.requestReexamination("r5", reason: "e", on: "2005-04-02")
        try f.hq.arbitrate("r1", outcome: "overturned", reason: "x", on: "2005-02-11")
        try f.hq.milestone("r1", "arbitration-notified", on: "2005-02-12")
        try f.hq.arbitrate("r2", outcome: "upheld", reason: "y", on: "2005-02-09")
        let q1 = try f.run(f.reports(period: .quarter(2005, 1)), HQReports.reexaminations)
        #expect(q1.requested == 3)
        #expect(q1.rows.map(\.outcome) == ["upheld", "overturned", "pending", "all"])
        #expect(q1.rows.map(\.cases) == [1, 1, 1, 3])
        #expect(q1.rows.map(\.percent) == [33.3, 33.3, 33.3, 100.0])
        // Medians: upheld 4 days, overturned 10, all arbitrated (4, 10) 7.0.
        #expect(q1.rows.map(\.medianDaysToOutcome) == [4.0, 10.0, nil, 7.0])
        #expect(q1.rows.map(\.notified) == [0, 1, 0, 1])
        #expect(q1.cases.map(\.ref) == ["R1", "R2", "R3"])
        #expect(q1.cases.map(\.decisionReexamined) == ["accepted", "rejected", "accepted"])
        #expect(q1.cases.map(\.decision) == ["rejected", "rejected", "accepted"])
        #expect(q1.csv.text == """
            outcome,cases,percent,medianDaysToOutcome,notified\r
            upheld,1,33.3,4.0,0\r
            overturned,1,33.3,10.0,1\r
            pending,1,33.3,,0\r
            all,3,100.0,7.0,1\r

            """)
        let seoul = try f.run(f.reports(period: .year(2005), branch: "seoul"), HQReports.reexaminations)
        #expect(seoul.requested == 1 && seoul.rows[2].cases == 1)
        // The case breakdown counts cases under re-examination as in arbitration.
        let breakdown = try f.run(f.reports(period: .year(2005)), HQReports.breakdown)
        #expect(breakdown.byStatus.first { $0.key == "in-arbitration" }?.count == 2)
    }

    @Test func referralAnswersAndOverdueReferralsAsComputedByHand() throws {
        let f = try ReportFixture(on: "2005-01-03")
        try f.addCases((1...4).map { ("f\($0)", "2005-01-0\($0)", ["branch": "busan"]) })
        f.on("2005-06-30")
        try f.hq.refer("f1", to: "Inter-ministry joint committee", on: "2005-01-10")
        try f.hq.refer("f2", to: "Inter-ministry joint committee", on: "2005-01-20")
        try f.hq.refer("f3", to: "Prime Minister's mediation council", on: "2005-02-01", due: "2005-07-01")
        try f.hq.refer("f4", to: "Prime Minister's mediation council", on: "2005-05-01", dueDays: 14)
        // Answers after 10 and 20 days.
        try f.hq.answerReferral("f1", answer: "The decree is amended", on: "2005-01-20")
        try f.hq.answerReferral("F2", answer: "Declined", on: "2005-02-09")
        expectError(.invalidValue) { try f.hq.answerReferral("f3", answer: "too early", on: "2005-01-31") }
        let detail = try f.hq.caseDetail("f1")
        #expect(detail.referral == ReferralView(referredTo: "Inter-ministry joint committee", sentOn: "2005-01-10", dueOn: "2005-02-09",
                                                answer: "The decree is amended", answeredOn: "2005-01-20"))
        let report = try f.run(f.reports(period: .year(2005), now: "2005-06-30"), HQReports.referrals)
        #expect(report.rows.map(\.body) == ["(all)", "Inter-ministry joint committee", "Prime Minister's mediation council"])
        #expect(report.rows.map(\.sent) == [4, 2, 2] && report.rows.map(\.answered) == [2, 2, 0])
        #expect(report.rows.map(\.waiting) == [2, 0, 2])
        // f4 was due on 2005-05-15: 46 days overdue on 2005-06-30; f3 is due on 2005-07-01.
        #expect(report.rows.map(\.overdue) == [1, 0, 1])
        #expect(report.rows[0].medianDaysToAnswer == 15.0 && report.rows[0].meanDaysToAnswer == 15.0)
        #expect(report.overdue.map(\.ref) == ["F4"] && report.overdue[0].daysOverdue == 46 && report.overdue[0].dueOn == "2005-05-15")
        // The inbox chases the same referral, on the replica's today (2005-06-30).
        let waiting = try f.hq.waitingReferrals()
        #expect(waiting.map(\.ref) == ["F4", "F3"] && waiting.map(\.overdue) == [true, false])
        #expect(waiting[0].daysWaiting == 60 && waiting[0].daysOverdue == 46 && waiting[1].daysOverdue == -1)
        #expect(try f.hq.waitingReferrals(overdueOnly: true).map(\.ref) == ["F4"])
        // A case never referred has no answer to record.
        try f.addCases([("f5", "2005-01-05", [:])])
        expectError(.conflict) { try f.hq.answerReferral("f5", answer: "?") }
    }
}
