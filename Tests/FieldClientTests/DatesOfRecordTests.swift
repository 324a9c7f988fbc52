import FieldClient
import Foundation
import GRDB
import SyncCore
import Testing

/// Issue 14: facts typed later than they happened carry a date of record (`--on`), which the
/// materialised tables and every report read; the operations' timestamps still order the merge.
/// Figures are computed by hand in the comments.
@Suite("Dates of record")
struct DatesOfRecordTests {
    /// A case received on Monday 2026-03-02 and routed that day; the replica's clock is at
    /// 10:00 UTC of the day given to `on(_:)`.
    func routedCase(_ f: ReportFixture) throws -> String {
        try f.hq.addMember(id: "lee", MemberFields(name: "Lee", kind: "external-monitor", branch: "busan", division: "audit"))
        f.on("2026-03-02")
        let made = try f.hq.createCase(NewCase(title: "Refunds", body: "slow", area: "goods", cause: "process", submitter: "lee",
                                               branch: "busan", reportedOn: "2026-03-02"))
        let routed = try f.hq.route(made.id)                                   // step 2 on 03-02
        #expect(routed.on == "2026-03-02" && routed.step == 2)
        return made.id
    }

    @Test("a decision taken on Friday and typed on Monday is dated Friday in the tables and the reports")
    func decisionTypedLater() throws {
        let f = try ReportFixture(on: "2026-03-02")
        let id = try routedCase(f)
        f.on("2026-03-09")
        let decided = try f.hq.decide(id, accept: true, reason: "agreed on Friday", on: "2026-03-06")
        #expect(decided.on == "2026-03-06" && decided.status == "accepted" && decided.changed)
        try f.hq.milestone(id, "result-notified")                              // typed and dated 03-09
        let milestones = try f.hq.caseDetail(id).milestones
        #expect(milestones.map(\.milestone) == ["accepted", "result-notified"])
        #expect(milestones.map(\.reachedOn) == ["2026-03-06", "2026-03-09"])
        // The operation that reached `accepted` keeps its own timestamp (Monday's).
        let hlc = try f.hq.store.writer.read { db in
            try String.fetchOne(db, sql: "SELECT reached_hlc FROM case_milestones WHERE case_id = ? AND milestone = 'accepted'", arguments: [id])
        }
        #expect(CivilDate(millisecondsSinceEpoch: HLCTimestamp(try #require(hlc))!.wallMilliseconds).description == "2026-03-09")

        // Step 2 from 03-02 to the decision on 03-06: 4 days, not the 7 to the day it was typed.
        let steps = try f.run(f.reports(period: .year(2026), now: "2026-03-20"), HQReports.stepTimes)
        #expect(steps.rows[1].cases == 1 && steps.rows[1].stillThere == 0)
        #expect(steps.rows[1].medianDays == 4.0 && steps.rows[1].meanDays == 4.0)
        // Decided 03-06, notified 03-09: 3 days.
        let back = try f.run(f.reports(period: .year(2026)), HQReports.reportedBack)
        #expect(back.all.closed == 1 && back.all.notified == 1 && back.all.averageDaysToNotify == 3.0)
        // The inbox tells the submitter the day of the decision.
        let inbox = try f.hq.inbox(submitter: "lee")
        #expect(inbox.first?.decision == "accepted" && inbox.first?.lastMilestone == "result-notified")
        // Lee's 20 points for the acceptance fall on Friday 03-06.
        let ledger = try f.hq.ledger(member: "lee")
        #expect(ledger.map(\.date) == ["2026-03-06"] && ledger.map(\.points) == [20])
    }

    @Test("routing and escalation typed later: step times count from the dates of record")
    func stepsTypedLater() throws {
        let f = try ReportFixture(on: "2026-03-02")
        try f.hq.addMember(id: "lee", MemberFields(name: "Lee", kind: "external-monitor", branch: "busan"))
        f.on("2026-03-12")
        let made = try f.hq.createCase(NewCase(title: "Portal", body: "b", area: "e-procurement", cause: "electronic-system",
                                               submitter: "lee", branch: "busan", reportedOn: "2026-03-02"))
        try f.hq.route(made.id, on: "2026-03-02")                             // step 1 from 03-02
        let up = try f.hq.escalate(made.id, on: "2026-03-05")                 // step 2 from 03-05
        #expect(up.step == 2 && up.on == "2026-03-05")
        try f.hq.refer(made.id, on: "2026-03-10")                             // decided (referred) 03-10
        let stored = try f.hq.store.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT step, reached_on FROM case_steps WHERE case_id = ? ORDER BY step", arguments: [made.id])
                .map { "\($0[0] as String)=\($0[1] as String)" }
        }
        #expect(stored == ["1=2026-03-02", "2=2026-03-05"])
        let steps = try f.run(f.reports(period: .year(2026), now: "2026-03-12"), HQReports.stepTimes)
        // Step 1: 03-02 → 03-05 = 3 days; step 2: 03-05 → 03-10 = 5 days (all typed on 03-12).
        #expect(steps.rows[0].medianDays == 3.0 && steps.rows[1].medianDays == 5.0)
        #expect(steps.rows.map(\.stillThere) == [0, 0, 0, 0])
        #expect(try f.hq.caseDetail(made.id).milestones.map(\.reachedOn) == ["2026-03-10"])
    }

    @Test("points by month, best monitors and divisions follow the dates of record of milestones and attendance")
    func pointsByMonth() throws {
        let f = try ReportFixture(on: "2026-03-02")
        let id = try routedCase(f)
        // Examined on 02-27 (a Friday in February), typed on Monday 03-02: 5 points in February.
        f.on("2026-03-02")
        try f.hq.milestone(id, "examined", on: "2026-02-27")
        // A two-day workshop dated 02-27: Lee attended the second day, 02-28; Park the first.
        try f.hq.addMember(id: "park", MemberFields(name: "Park", kind: "internal-monitor", branch: "busan", division: "contracts"))
        try f.hq.createMeeting(id: "ws", kind: "workshop", title: "Two days", date: "2026-02-27")
        let attended = try f.hq.attend("ws", members: ["lee"], on: "2026-02-28")
        #expect(attended.attendance.map(\.attendedOn) == ["2026-02-28"])
        try f.hq.attend("ws", members: ["park"])
        let confirmed = try f.hq.confirm("ws", members: ["lee", "park"])
        #expect(confirmed.attendance.map(\.member) == ["lee", "park"])
        #expect(confirmed.attendance.map(\.attendedOn) == ["2026-02-28", "2026-02-27"], "without --on: the meeting's date")
        // Staff correct Park's day when confirming it: 03-01.
        let corrected = try f.hq.confirm("ws", members: ["park"], on: "2026-03-01")
        #expect(corrected.attendance.map(\.attendedOn) == ["2026-02-28", "2026-03-01"])

        let lee = try f.hq.ledger(member: "lee")
        #expect(lee.map(\.date) == ["2026-02-27", "2026-02-28"] && lee.map(\.points) == [5, 3])
        #expect(try f.hq.ledger(member: "lee", period: .month(2026, 3)).isEmpty)
        let february = try f.hq.bestMonitors(month: "2026-02")
        #expect(february.map(\.member) == ["lee"] && february.map(\.points) == [8])
        let march = try f.hq.bestMonitors(month: "2026-03")
        #expect(march.map(\.member) == ["park"] && march.map(\.points) == [3])
        // Divisions in February: audit (Lee) 8 points, contracts (Park) none.
        let divisions = try f.run(f.reports(period: .month(2026, 2)), HQReports.divisions)
        #expect(divisions.divisions.first { $0.division == "audit" }?.points == 8)
        #expect(divisions.divisions.first { $0.division == "contracts" }?.points == 0)
    }

    @Test("votes and closings carry their dates; an enacted decision takes the closing's; which votes count is unchanged")
    func motionsTypedLater() throws {
        let f = try ReportFixture(on: "2026-03-02")
        let id = try routedCase(f)
        try f.hq.addMember(id: "prof", MemberFields(name: "Prof", kind: "expert"))
        try f.hq.createCouncil(id: "pc", name: "Practical council", members: ["hq1", "prof"])
        f.on("2026-03-09")
        let motion = try f.hq.createMotion(id: "m1", case: id, council: "pc", action: "accept", on: "2026-03-04")
        #expect(motion.closedOn == nil)
        try f.hq.vote("m1", "yes", on: "2026-03-05")
        try f.hq.vote("m1", "yes", voter: "prof")                              // dated today, 03-09
        let closed = try f.hq.closeMotion("m1", enact: true, on: "2026-03-06")
        #expect(closed.closedOn == "2026-03-06" && closed.tally.outcome == "passed" && closed.tally.yes == 2)
        #expect(closed.votes.map(\.votedOn) == ["2026-03-05", "2026-03-09"])
        #expect(closed.votes.map(\.countedChoice) == ["yes", "yes"], "both were recorded before the closing, whatever their dates")
        let milestones = Dictionary(uniqueKeysWithValues: try f.hq.caseDetail(id).milestones.map { ($0.milestone, $0.reachedOn) })
        #expect(milestones == ["submitted-to-council": "2026-03-04", "accepted": "2026-03-06"])
        // Step 2 from 03-02 to the enacted acceptance on 03-06.
        let steps = try f.run(f.reports(period: .year(2026)), HQReports.stepTimes)
        #expect(steps.rows[1].medianDays == 4.0)
        #expect(try f.hq.motions().first?.closedOn == "2026-03-06")
    }

    @Test("a date in the future, an impossible date or a word is refused in one line and records nothing")
    func badDates() throws {
        let f = try ReportFixture(on: "2026-03-09")
        let id = try routedCase(f)
        f.on("2026-03-09")
        let before = try f.hq.status().operations
        for bad in ["2026-02-30", "tomorrow", "2026-03-10", "1999-12-31", "2026-3-6", ""] {
            expectError(.invalidValue) { try f.hq.decide(id, accept: true, reason: "r", on: bad) }
            expectError(.invalidValue) { try f.hq.route(id, on: bad) }
            expectError(.invalidValue) { try f.hq.escalate(id, on: bad) }
            expectError(.invalidValue) { try f.hq.milestone(id, "examined", on: bad) }
            expectError(.invalidValue) { try f.hq.attend("nope", members: ["lee"], on: bad) }
        }
        #expect(try f.hq.status().operations == before, "nothing was recorded")
        do {
            try f.hq.decide(id, accept: true, reason: "r", on: "2026-02-30")
        } catch let error as SyncError {
            #expect(error.message == "--on 2026-02-30 is not a real date: 2026-02 has 28 days")
        }
        do {
            try f.hq.decide(id, accept: true, reason: "r", on: "2026-03-10")
        } catch let error as SyncError {
            #expect(error.message.contains("is in the future (today is 2026-03-09)") && !error.message.contains("\n"))
        }
        // Today itself and the earliest date are fine.
        #expect(try f.hq.milestone(id, "agency-responsible", on: "2026-03-09").on == "2026-03-09")
        #expect(try f.hq.milestone(id, "examined", on: "2000-01-01").on == "2000-01-01")
    }

    @Test("giving --on again corrects a milestone's date; without a new date nothing changes")
    func correctingADate() throws {
        let f = try ReportFixture(on: "2026-03-02")
        let id = try routedCase(f)
        f.on("2026-03-09")
        try f.hq.milestone(id, "examined", on: "2026-03-07")
        let before = try f.hq.status().operations
        #expect(try f.hq.milestone(id, "examined").changed == false)
        #expect(try f.hq.milestone(id, "examined", on: "2026-03-07").changed == false)
        #expect(try f.hq.status().operations == before)
        let fixed = try f.hq.milestone(id, "examined", on: "2026-03-05")
        #expect(fixed.changed && fixed.on == "2026-03-05")
        #expect(try f.hq.caseDetail(id).milestones.map(\.reachedOn) == ["2026-03-05"])
    }

    @Test("two replicas dating one milestone differently converge on the later write, and show the conflict")
    func concurrentDatesConverge() throws {
        let (a, clockA) = try makeReplica("hq1", role: .hq, prefix: "HQA", seed: 31, on: "2026-03-02")
        let (b, clockB) = try makeReplica("hq2", role: .hq, prefix: "HQB", seed: 32, on: "2026-03-02")
        let made = try a.createCase(NewCase(title: "T", body: "B", area: "goods", cause: "process", reportedOn: "2026-03-02"))
        try exchange(a, b)
        // Offline, both record the acceptance: A on Tuesday (dated 03-03), B on Wednesday (dated 03-04).
        clockA.set(at("2026-03-03"))
        clockB.set(at("2026-03-04"))
        try a.decide(made.id, accept: true, reason: "a", on: "2026-03-03")
        try b.decide(made.id, accept: true, reason: "b", on: "2026-03-04")
        try exchange(a, b)
        #expect(try a.digest() == b.digest())
        for replica in [a, b] {
            let detail = try replica.caseDetail(made.id)
            // The later write (B's, by timestamp) decides the date; the milestone keeps A's earlier reach.
            #expect(detail.milestones.map(\.reachedOn) == ["2026-03-04"])
            #expect(detail.milestones.map(\.author) == ["hq1"])
            #expect(try replica.conflicts().contains { $0.field == "milestoneDates" && $0.key == "accepted" })
        }
        // Resolving the conflict picks a date for everyone.
        try a.resolveConflict(entity: .case, id: made.id, field: "milestoneDates", key: "accepted", value: .string("2026-03-03"))
        try exchange(a, b)
        #expect(try b.caseDetail(made.id).milestones.map(\.reachedOn) == ["2026-03-03"])
        #expect(try a.digest() == b.digest())
    }

    @Test("facts recorded without a date of record (older replicas) are dated by their timestamps")
    func factsWithoutDates() throws {
        let f = try ReportFixture(on: "2026-03-02")
        let id = try routedCase(f)
        f.on("2026-03-05")
        // A reach as a schema-1 replica writes it: the milestone operation alone.
        try f.hq.store.record([.reach(.case, id, "examined")], author: "hq1")
        #expect(try f.hq.caseDetail(id).milestones.map(\.reachedOn) == ["2026-03-05"])
        // Its date of record arriving later (an upgraded replica, or a held operation merged) moves it.
        try f.hq.store.record([.set(.case, id, "milestoneDates", .string("2026-03-04"), key: "examined")], author: "hq1")
        #expect(try f.hq.caseDetail(id).milestones.map(\.reachedOn) == ["2026-03-04"])
        // The state rebuilt from the log is the same.
        let digest = try f.hq.digest()
        try f.hq.store.rebuildState()
        #expect(try f.hq.digest() == digest)
        #expect(try f.hq.caseDetail(id).milestones.map(\.reachedOn) == ["2026-03-04"])
    }
}
