import FieldClient
import Foundation
import GRDB
import SyncCore
import Testing

/// Each report against numbers computed by hand on a small fixture.
@Suite("HQ reports")
struct HQReportsTests {
    /// 2004: 72 tasks in Busan (6 by external monitors) and 3 in Seoul = 75; 2005: 227 by
    /// September. The case study's +202.7% and 8.3%.
    func caseStudyYears() throws -> ReportFixture {
        let f = try ReportFixture()
        var specs: [(id: String, reportedOn: String, fields: [String: String])] = []
        // 2004: 24 per quarter in Q1-Q3 in Busan (6 external in Q1), 3 in Seoul in Q4.
        for i in 0..<72 {
            let month = 1 + i / 8          // 8 per month, January to September
            let source = i < 6 ? "external-monitor" : i < 30 ? "internal-monitor" : i < 50 ? "call-centre" : i < 65 ? "division" : "workshop"
            specs.append(("a\(i)", "2004-\(month < 10 ? "0" : "")\(month)-15", ["branch": "busan", "source": source]))
        }
        for i in 0..<3 { specs.append(("s\(i)", "2004-11-0\(i + 1)", ["branch": "seoul"])) }
        // 2005: 70 in Q1, 77 in Q2, 80 in Q3.
        for i in 0..<227 {
            let month = i < 70 ? 1 + i % 3 : i < 147 ? 4 + i % 3 : 7 + i % 3
            specs.append(("b\(i)", "2005-0\(month)-10", ["branch": i % 2 == 0 ? "busan" : "seoul"]))
        }
        try f.addCases(specs)
        return f
    }

    @Test func tasksFoundAndChangeAgainstTheYearBefore() throws {
        let f = try caseStudyYears()
        let year = try f.run(f.reports(period: .year(2005)), HQReports.tasks)
        // (227 - 75) / 75 = 202.67%
        #expect(year.total.period == "2005" && year.total.count == 227 && year.total.yearBefore == 75 && year.total.changePercent == 202.7)
        #expect(year.grain == "quarter")
        #expect(year.rows.map(\.period) == ["2005-Q1", "2005-Q2", "2005-Q3", "2005-Q4"])
        #expect(year.rows.map(\.count) == [70, 77, 80, 0])
        #expect(year.rows.map(\.yearBefore) == [24, 24, 24, 3])
        // (70-24)/24 = 191.67%, (77-24)/24 = 220.83%, (80-24)/24 = 233.33%, (0-3)/3 = -100%
        #expect(year.rows.map(\.changePercent) == [191.7, 220.8, 233.3, -100.0])
        let monthly = try f.run(f.reports(period: .quarter(2005, 1), grain: .month), HQReports.tasks)
        #expect(monthly.rows.map(\.count) == [24, 23, 23])       // i % 3 over 70 cases
        #expect(monthly.rows.map(\.yearBefore) == [8, 8, 8])
        // A year before with no task: no percentage.
        let old = try f.run(f.reports(period: .year(2004)), HQReports.tasks)
        #expect(old.total.count == 75 && old.total.yearBefore == 0 && old.total.changePercent == nil)
        // All: one row per year, no comparison.
        let all = try f.run(f.reports(period: .all), HQReports.tasks)
        #expect(all.total.count == 302 && all.total.yearBefore == nil)
        #expect(all.rows.map(\.period) == ["2004", "2005"] && all.rows.map(\.changePercent) == [nil, 202.7])
        // Branch filter: Busan had 72 in 2004 and 114 (even indices) in 2005: (114-72)/72 = 58.3%.
        let busan = try f.run(f.reports(period: .year(2005), branch: "busan"), HQReports.tasks)
        #expect(busan.total.count == 114 && busan.total.yearBefore == 72 && busan.total.changePercent == 58.3)
    }

    @Test func shareOfTasksBySource() throws {
        let f = try caseStudyYears()
        let busan = try f.run(f.reports(period: .year(2004), branch: "busan"), HQReports.sources)
        #expect(busan.total == 72)
        #expect(busan.rows.map(\.key) == ["external-monitor", "internal-monitor", "call-centre", "division", "workshop"])
        #expect(busan.rows.map(\.count) == [6, 24, 20, 15, 7])
        #expect(busan.rows.map(\.percent) == [8.3, 33.3, 27.8, 20.8, 9.7])     // 6/72 = 8.33%
        // Whole country: Seoul's 3 tasks are "division": 6 of 75 = 8.0%.
        let all = try f.run(f.reports(period: .year(2004)), HQReports.sources)
        #expect(all.total == 75 && all.rows[0].percent == 8.0 && all.rows[3].count == 18)
        // An empty period: zero rows, no percentages.
        let empty = try f.run(f.reports(period: .year(2003)), HQReports.sources)
        #expect(empty.total == 0 && empty.rows.allSatisfy { $0.count == 0 && $0.percent == nil })
    }

    @Test func replyRatePerQuarterBranchAndChannel() throws {
        let f = try ReportFixture()
        // Q1 2005: 10 received (5 Busan, 5 Seoul), 8 answered after 2 days; Q2: 50, 49 answered after 1 day.
        for i in 0..<10 {
            try f.hq.logConsultation(channel: i < 6 ? "call-centre" : "branch-desk", topic: "q1-\(i)", receivedOn: "2005-02-10",
                                     answeredOn: i < 8 ? "2005-02-12" : nil, branch: i % 2 == 0 ? "busan" : "seoul")
        }
        for i in 0..<50 {
            try f.hq.logConsultation(channel: "call-centre", topic: "q2-\(i)", receivedOn: "2005-05-02",
                                     answeredOn: i < 49 ? "2005-05-03" : nil, branch: "busan")
        }
        let year = try f.run(f.reports(period: .year(2005)), HQReports.replies)
        #expect(year.byPeriod.map(\.key) == ["2005-Q1", "2005-Q2", "2005-Q3", "2005-Q4"])
        #expect(year.byPeriod.map(\.percent) == [80.0, 98.0, nil, nil])
        #expect(year.byPeriod.map(\.averageDaysToAnswer) == [2.0, 1.0, nil, nil])
        // 57 of 60 = 95.0%; (8×2 + 49×1) / 57 = 1.14 days.
        #expect(year.overall.key == "all" && year.overall.received == 60 && year.overall.answered == 57)
        #expect(year.overall.percent == 95.0 && year.overall.averageDaysToAnswer == 1.1)
        // Busan: i even in Q1 (0,2,4,6 answered, 8 not) + 50 in Q2 → 53 of 55 = 96.4%; Seoul 4 of 5 = 80%.
        #expect(year.byBranch.map(\.key) == ["busan", "seoul"])
        #expect(year.byBranch.map(\.received) == [55, 5] && year.byBranch.map(\.answered) == [53, 4])
        #expect(year.byBranch.map(\.percent) == [96.4, 80.0])
        #expect(year.byChannel.map(\.key) == ["call-centre", "branch-desk", "visit", "web"])
        #expect(year.byChannel.map(\.received) == [56, 4, 0, 0])
        let seoul = try f.run(f.reports(period: .quarter(2005, 1), branch: "seoul"), HQReports.replies)
        #expect(seoul.overall.received == 5 && seoul.overall.percent == 80.0 && seoul.byPeriod.map(\.key) == ["2005-01", "2005-02", "2005-03"])
    }

    /// Three cases on the ladder in March 2006, see each line.
    func ladder() throws -> (ReportFixture, [String: String]) {
        let f = try ReportFixture()
        try f.hq.addMember(id: "lee", MemberFields(name: "Lee", kind: "external-monitor", branch: "busan"))
        f.on("2006-03-01")
        var ids: [String: String] = [:]
        for (name, area, cause) in [("A", "goods", "process"), ("B", "e-procurement", "electronic-system"), ("C", "services", "practice"),
                                    ("D", "facility-construction", "social-issue")] {
            let made = try f.hq.createCase(NewCase(title: "Case \(name)", body: "b", area: area, cause: cause, submitter: "lee",
                                                   branch: "busan", reportedOn: "2006-03-01"))
            ids[name] = made.id
            try f.hq.route(made.id)                       // A, C → 2; B → 1; D → 4 on 03-01
        }
        f.on("2006-03-05"); try f.hq.escalate(ids["B"]!)  // B: 4 days at step 1
        f.on("2006-03-07"); try f.hq.escalate(ids["B"]!)  // B: 2 days at step 2, then at 3 until now
        f.on("2006-03-10"); try f.hq.refer(ids["D"]!)     // D: 9 days at step 4, referred
        f.on("2006-03-11"); try f.hq.escalate(ids["A"]!)  // A: 10 days at step 2
        f.on("2006-03-15"); try f.hq.milestone(ids["D"]!, "result-notified")       // 5 days after referral
        f.on("2006-03-21"); try f.hq.decide(ids["C"]!, accept: false, reason: "no") // C: 20 days at step 2
        f.on("2006-03-25"); try f.hq.escalate(ids["C"]!)  // after the decision: not time spent
        f.on("2006-03-31"); try f.hq.decide(ids["A"]!, accept: true, reason: "ok")  // A: 20 days at step 3
        f.on("2006-04-02"); try f.hq.milestone(ids["A"]!, "result-notified")       // 2 days after the decision
        return (f, ids)
    }

    @Test func timeSpentAtEachStep() throws {
        let (f, _) = try ladder()
        let report = try f.run(f.reports(period: .year(2006), now: "2006-04-06"), HQReports.stepTimes)
        #expect(report.asOf == "2006-04-06" && report.routedCases == 4)
        #expect(report.rows.map(\.step) == [1, 2, 3, 4])
        #expect(report.rows[0].name == "Weekly Customer Satisfaction Meeting")
        #expect(report.rows.map(\.cases) == [1, 3, 2, 1])
        #expect(report.rows.map(\.stillThere) == [0, 0, 1, 0])                 // B at step 3 since 03-07
        // Step 2: [2, 10, 20] → median 10, p90 at rank 1.8 = 10 + 0.8 × 10 = 18, mean 10.7.
        #expect(report.rows[1].medianDays == 10.0 && report.rows[1].p90Days == 18.0 && report.rows[1].meanDays == 10.7)
        // Step 3: A 20 days, B 30 (03-07 → "now", 04-06): median 25, p90 at rank 0.9 = 20 + 0.9 × 10 = 29.
        #expect(report.rows[2].medianDays == 25.0 && report.rows[2].p90Days == 29.0 && report.rows[2].meanDays == 25.0)
        #expect(report.rows[0].medianDays == 4.0 && report.rows[3].medianDays == 9.0)
        // Nothing routed in 2007.
        let none = try f.run(f.reports(period: .year(2007)), HQReports.stepTimes)
        #expect(none.rows.allSatisfy { $0.cases == 0 && $0.medianDays == nil })
    }

    @Test func resultsReportedBack() throws {
        let (f, ids) = try ladder()
        let report = try f.run(f.reports(period: .year(2006)), HQReports.reportedBack)
        // Closed: A accepted (notified), C rejected (not), D referred (notified): 2 of 3.
        #expect(report.all.status == "all" && report.all.closed == 3 && report.all.notified == 2)
        #expect(report.all.percent == 66.7 && report.all.averageDaysToNotify == 3.5)
        #expect(report.rows.map(\.status) == ["all", "accepted", "rejected", "implemented", "referred"])
        #expect(report.rows.map(\.percent) == [66.7, 100.0, 0.0, nil, 100.0])
        let c = try f.hq.caseDetail(ids["C"]!).summary.ref
        #expect(report.waiting == [c].compactMap { $0 })
    }

    @Test func casesByAreaCauseStepAndStatus() throws {
        let (f, _) = try ladder()
        let report = try f.run(f.reports(period: .month(2006, 3)), HQReports.breakdown)
        #expect(report.total == 4)
        #expect(report.byArea.map(\.key) == Domain.areas)
        #expect(report.byArea.map(\.count) == [1, 1, 1, 0, 1])
        #expect(report.byArea.map(\.percent) == [25.0, 25.0, 25.0, 0.0, 25.0])
        #expect(report.byCause.first { $0.key == "process" }?.count == 1)
        // Steps now: A 3, B 3, C 3 (the late escalation still raised it), D 4.
        #expect(report.byStep.map(\.key) == ["1", "2", "3", "4"])
        #expect(report.byStep.map(\.count) == [0, 0, 3, 1])
        #expect(report.byStep[3].label == "Council of Countermeasure against Public Grievance")
        #expect(report.byStatus.map(\.key) == CaseBreakdownReport.statuses)
        #expect(Dictionary(uniqueKeysWithValues: report.byStatus.map { ($0.key, $0.count) })
                == ["open": 1, "acknowledged": 0, "examined": 0, "in-council": 0, "referred": 1, "in-arbitration": 0, "rejected": 1, "accepted": 1, "implemented": 0])
        #expect(report.byBranch == [ShareRow(key: "busan", count: 4, percent: 100.0)])
        let other = try f.run(f.reports(period: .month(2006, 3), branch: "seoul"), HQReports.breakdown)
        #expect(other.total == 0 && other.byBranch.isEmpty)
    }

    @Test func budgetRanking() throws {
        let f = try ReportFixture()
        try f.addCases([("e", "2007-03-02", ["branch": "busan"]), ("g", "2007-02-15", ["branch": "seoul"]),
                        ("a", "2007-03-01", ["branch": "busan"]), ("f", "2007-01-20", ["branch": "busan"]),
                        ("r", "2007-01-05", ["branch": "busan"]), ("x", "2006-12-30", ["branch": "busan"])])
        f.on("2007-04-01")
        for id in ["e", "g", "a", "f", "x"] { try f.hq.decide(id, accept: true, reason: "ok") }
        try f.hq.decide("r", accept: false, reason: "no")
        try f.hq.milestone("a", "implemented")
        for (id, priority) in [("e", 1), ("g", 2), ("a", 2), ("r", 1), ("x", 1)] {
            try f.hq.editCase(id, CaseEdit(budgetPriority: priority))
        }
        let report = try f.run(f.reports(period: .year(2007)), HQReports.budget)
        // Priority 1, then 2 by reported-on (g 02-15 before a 03-01), then unranked f; r was rejected, x is 2006.
        #expect(report.rows.map(\.caseID) == ["e", "g", "a", "f"])
        #expect(report.rows.map(\.rank) == [1, 2, 3, 4])
        #expect(report.rows.map(\.budgetPriority) == [1, 2, 2, nil])
        #expect(report.rows.map(\.status) == ["accepted", "accepted", "implemented", "accepted"])
        #expect(report.unranked == 1)
        #expect(try f.run(f.reports(period: .year(2007), branch: "seoul"), HQReports.budget).rows.map(\.caseID) == ["g"])
    }

    /// Lee (external, Busan): case milestones 1 + 5 in March, a workshop in April +3 = 9.
    /// Park (internal, division contracts, Seoul): workshop +3 and a debate subject +10 = 13.
    @Test func pointsLeaderboardMonthlyBestAndDivisions() throws {
        let f = try ReportFixture(on: "2026-03-01")
        try f.hq.addMember(id: "lee", MemberFields(name: "Lee", kind: "external-monitor", branch: "busan"))
        try f.hq.addMember(id: "park", MemberFields(name: "Park", kind: "internal-monitor", branch: "seoul", division: "contracts"))
        try f.hq.addMember(id: "choi", MemberFields(name: "Choi", kind: "internal-monitor", branch: "seoul", division: "audit"))
        let made = try f.hq.createCase(NewCase(title: "Refunds", body: "slow", area: "goods", cause: "process", source: "external-monitor",
                                               submitter: "lee", branch: "busan", reportedOn: "2026-03-01"))
        f.on("2026-03-02"); try f.hq.milestone(made.id, "agency-responsible")
        f.on("2026-03-03"); try f.hq.milestone(made.id, "examined")
        try f.hq.createMeeting(id: "w", kind: "workshop", title: "Workshop", date: "2026-04-14")
        try f.hq.attend("w", members: ["lee", "park", "choi"])
        try f.hq.confirm("w", members: ["lee", "park"])
        try f.hq.raiseSubject("w", member: "park", subject: "Late payments")

        let points = try f.run(f.reports(period: .year(2026), bestCount: 1), HQReports.points)
        #expect(points.leaderboard.map(\.member) == ["park", "lee"] && points.leaderboard.map(\.points) == [13, 9])
        #expect(points.totalPoints == 22 && points.earners == 2)
        #expect(points.monthly.map(\.month) == ["2026-03", "2026-04"])
        #expect(points.monthly.map { $0.best.map(\.member) } == [["lee"], ["park"]])
        #expect(points.monthly[0].best[0].points == 6)
        let limited = try f.run(f.reports(period: .year(2026), limit: 1), HQReports.points)
        #expect(limited.leaderboard.map(\.member) == ["park"] && limited.earners == 2)
        let busan = try f.run(f.reports(period: .year(2026), branch: "busan"), HQReports.points)
        #expect(busan.leaderboard.map(\.member) == ["lee"] && busan.totalPoints == 9)

        let divisions = try f.run(f.reports(period: .year(2026)), HQReports.divisions)
        #expect(divisions.divisions.map(\.division) == ["contracts", "(none)", "audit"])
        #expect(divisions.divisions.map(\.points) == [13, 9, 0])
        #expect(divisions.divisions.map(\.findings) == [0, 1, 0])           // Lee's case counts for (none)
        #expect(divisions.best?.division == "contracts" && divisions.worst?.division == "audit")
        let seoul = try f.run(f.reports(period: .year(2026), branch: "seoul"), HQReports.divisions)
        #expect(seoul.divisions.map(\.division) == ["contracts", "audit"])
    }

    /// People for the best and worst individuals (hand-computed in each expectation):
    /// staff s1 (Busan, contracts), s2 (Busan, audit), n1 (Busan, no division), s3 and s4
    /// (Seoul, contracts and audit), internal monitor i1 (Seoul, audit), external monitors e1
    /// and e3 (Busan) and e2 (Seoul), an expert x1 and an HQ member h2 (Busan), never ranked.
    ///
    /// | case | submitter | assignee | reported   | decision                               |
    /// |------|-----------|----------|------------|----------------------------------------|
    /// | c1   | e1        | s1       | 2026-02-01 | accepted 2026-03-01 (e1 +20)           |
    /// | c2   | i1        | s1       | 2026-02-10 | accepted 02-20 (i1 +20), implemented   |
    /// | c3   | s2        | s2       | 2026-03-01 | rejected (not solved)                  |
    /// | c4   | s1        | s3       | 2026-04-01 | open                                   |
    /// | c5   | e2        | n1       | 2026-05-01 | accepted 05-10 (e2 +20)                |
    /// | c6   | x1        | x1       | 2026-05-02 | accepted (an expert: not ranked)       |
    /// | c7   | h2        | h2       | 2026-06-01 | accepted (HQ: not ranked)              |
    /// | c8   | e3        | s3       | 2025-12-20 | accepted 2026-01-05 (e3 +20 in 2026)   |
    ///
    /// A workshop on 2026-04-14 attended and confirmed by e1, e2, e3, i1 (+3 each) and s1 (staff
    /// earn no points under the built-in policy); e3 raises a debate subject (+10).
    func individuals() throws -> ReportFixture {
        let f = try ReportFixture(on: "2026-12-31")
        for (id, name, kind, branch, division) in [
            ("s1", "Sun", "staff", "busan", "contracts"), ("s2", "Seo", "staff", "busan", "audit"), ("n1", "Noh", "staff", "busan", nil),
            ("s3", "Shin", "staff", "seoul", "contracts"), ("s4", "So", "staff", "seoul", "audit"),
            ("i1", "Im", "internal-monitor", "seoul", "audit"), ("e1", "Eun", "external-monitor", "busan", nil),
            ("e2", "Eom", "external-monitor", "seoul", nil), ("e3", "Ena", "external-monitor", "busan", nil),
            ("x1", "Xu", "expert", nil, nil), ("h2", "Han", "hq", "busan", nil),
        ] as [(String, String, String, String?, String?)] {
            try f.hq.addMember(id: id, MemberFields(name: name, kind: kind, branch: branch, division: division))
        }
        try f.addCases([
            ("c1", "2026-02-01", ["submitter": "e1", "assignee": "s1"]), ("c2", "2026-02-10", ["submitter": "i1", "assignee": "s1"]),
            ("c3", "2026-03-01", ["submitter": "s2", "assignee": "s2"]), ("c4", "2026-04-01", ["submitter": "s1", "assignee": "s3"]),
            ("c5", "2026-05-01", ["submitter": "e2", "assignee": "n1"]), ("c6", "2026-05-02", ["submitter": "x1", "assignee": "x1"]),
            ("c7", "2026-06-01", ["submitter": "h2", "assignee": "h2"]), ("c8", "2025-12-20", ["submitter": "e3", "assignee": "s3"]),
        ])
        try f.hq.decide("c1", accept: true, reason: "ok", on: "2026-03-01")
        try f.hq.decide("c2", accept: true, reason: "ok", on: "2026-02-20")
        try f.hq.milestone("c2", "implemented", on: "2026-06-01")
        try f.hq.decide("c3", accept: false, reason: "no", on: "2026-03-20")
        try f.hq.decide("c5", accept: true, reason: "ok", on: "2026-05-10")
        try f.hq.decide("c6", accept: true, reason: "ok", on: "2026-05-10")
        try f.hq.decide("c7", accept: true, reason: "ok", on: "2026-06-10")
        try f.hq.decide("c8", accept: true, reason: "ok", on: "2026-01-05")
        try f.hq.createMeeting(id: "w1", kind: "workshop", title: "Workshop", date: "2026-04-14")
        try f.hq.attend("w1", members: ["e1", "e2", "e3", "i1", "s1"])
        try f.hq.confirm("w1", members: ["e1", "e2", "e3", "i1", "s1"])
        try f.hq.raiseSubject("w1", member: "e3", subject: "Late payments")
        return f
    }

    @Test("best and worst individuals: staff and external monitors ranked apart, on points, findings and solved")
    func bestAndWorstIndividuals() throws {
        let f = try individuals()
        func figures(_ ranking: IndividualRanking) -> [[String]] {
            ranking.rows.map { [String($0.rank), $0.member, String($0.points), String($0.findings), String($0.solved)] }
        }
        let year = try f.run(f.reports(period: .year(2026)), HQReports.divisions)
        // Staff: i1 23 points (c2 accepted + workshop), 1 finding; s1 found c4 and solved c1 and c2;
        // s2 found c3 (rejected: not solved); n1 solved c5; s3 (c8 was reported in 2025) and s4 nothing: a tie.
        #expect(figures(year.staff) == [["1", "i1", "23", "1", "0"], ["2", "s1", "0", "1", "2"], ["3", "s2", "0", "1", "0"],
                                        ["4", "n1", "0", "0", "1"], ["5", "s3", "0", "0", "0"], ["5", "s4", "0", "0", "0"]])
        #expect(year.staff.best?.member == "i1" && year.staff.worst?.member == "s4")
        #expect(year.staff.kinds == ["staff", "internal-monitor"])
        // External monitors: e3 20 (c8 accepted in 2026) + 3 + 10 = 33 but no finding in 2026;
        // e1 and e2 20 + 3 = 23 with one finding each: they share rank 2, e2 last by id.
        #expect(figures(year.externalMonitors) == [["1", "e3", "33", "0", "0"], ["2", "e1", "23", "1", "0"], ["2", "e2", "23", "1", "0"]])
        #expect(year.externalMonitors.best?.member == "e3" && year.externalMonitors.worst?.member == "e2")
        #expect(year.externalMonitors.kinds == ["external-monitor"])
        // Each kind in its own ranking; experts and HQ (who found and solved c6, c7) in neither.
        #expect(year.staff.rows.allSatisfy { ["staff", "internal-monitor"].contains($0.kind) })
        #expect(year.externalMonitors.rows.allSatisfy { $0.kind == "external-monitor" })
        let everyone = Set((year.staff.rows + year.externalMonitors.rows).map(\.member))
        #expect(everyone.isDisjoint(with: ["x1", "h2", "hq1"]) && everyone.count == 9)
        #expect(year.staff.rows[1] == IndividualRow(rank: 2, member: "s1", name: "Sun", kind: "staff", branch: "busan", division: "contracts",
                                                    points: 0, findings: 1, solved: 2))
        #expect(year.staff.rows[3].division == nil)       // n1 has no division and is still ranked
        // Divisions are unchanged by the people: (none) 20+3 (e1) + 20+3 (e2) + 33 (e3) = 79, findings e1, e2, x1, h2;
        // audit 23 (i1), findings s2 and i1; contracts none, finding s1.
        #expect(year.divisions.map(\.division) == ["(none)", "audit", "contracts"])
        #expect(year.divisions.map(\.points) == [79, 23, 0] && year.divisions.map(\.members) == [3, 1, 0])
        #expect(year.divisions.map(\.findings) == [4, 2, 1])
        #expect(year.best?.division == "audit" && year.worst?.division == "contracts")

        // Busan only: its own people, whatever the branch of their cases.
        let busan = try f.run(f.reports(period: .year(2026), branch: "busan"), HQReports.divisions)
        #expect(figures(busan.staff) == [["1", "s1", "0", "1", "2"], ["2", "s2", "0", "1", "0"], ["3", "n1", "0", "0", "1"]])
        #expect(busan.staff.best?.member == "s1" && busan.staff.worst?.member == "n1")
        #expect(figures(busan.externalMonitors) == [["1", "e3", "33", "0", "0"], ["2", "e1", "23", "1", "0"]])
        #expect(busan.externalMonitors.best?.member == "e3" && busan.externalMonitors.worst?.member == "e1")
        // One CSV table: the divisions (audit and contracts tie on 0 points), then each ranking.
        let csv = try CSVTable.parse(try f.hq.renderReport(.divisions, f.reports(period: .year(2026), branch: "busan"), as: .csv))
        #expect(csv == [
            ["list", "rank", "division", "member", "name", "kind", "branch", "points", "members", "findings", "solved", "mark"],
            ["division", "1", "(none)", "", "", "", "", "56", "2", "2", "", ""],
            ["division", "2", "audit", "", "", "", "", "0", "0", "1", "", "best"],
            ["division", "2", "contracts", "", "", "", "", "0", "0", "1", "", "worst"],
            ["staff", "1", "contracts", "s1", "Sun", "staff", "busan", "0", "", "1", "2", "best"],
            ["staff", "2", "audit", "s2", "Seo", "staff", "busan", "0", "", "1", "0", ""],
            ["staff", "3", "", "n1", "Noh", "staff", "busan", "0", "", "0", "1", "worst"],
            ["external-monitor", "1", "", "e3", "Ena", "external-monitor", "busan", "33", "", "0", "0", "best"],
            ["external-monitor", "2", "", "e1", "Eun", "external-monitor", "busan", "23", "", "1", "0", "worst"],
        ])

        // 2025: only c8 (found by e3, accepted, assigned to s3); its points fall in 2026.
        let before = try f.run(f.reports(period: .year(2025)), HQReports.divisions)
        #expect(figures(before.staff) == [["1", "s3", "0", "0", "1"], ["2", "i1", "0", "0", "0"], ["2", "n1", "0", "0", "0"],
                                          ["2", "s1", "0", "0", "0"], ["2", "s2", "0", "0", "0"], ["2", "s4", "0", "0", "0"]])
        #expect(before.staff.best?.member == "s3" && before.staff.worst?.member == "s4")
        #expect(figures(before.externalMonitors) == [["1", "e3", "0", "1", "0"], ["2", "e1", "0", "0", "0"], ["2", "e2", "0", "0", "0"]])
        #expect(before.externalMonitors.best?.member == "e3" && before.externalMonitors.worst?.member == "e2")
        // A period when nobody did anything: everyone ranked first, nobody best or worst.
        let empty = try f.run(f.reports(period: .year(2024)), HQReports.divisions)
        #expect(empty.staff.rows.count == 6 && empty.staff.rows.allSatisfy { $0.rank == 1 })
        #expect(empty.staff.best == nil && empty.staff.worst == nil)
        #expect(empty.externalMonitors.rows.map(\.member) == ["e1", "e2", "e3"] && empty.externalMonitors.best == nil)
        // A ranking of one: a best, no worst.
        let seoulQ2 = try f.run(f.reports(period: .quarter(2026, 2), branch: "seoul"), HQReports.divisions)
        #expect(figures(seoulQ2.externalMonitors) == [["1", "e2", "23", "1", "0"]])
        #expect(seoulQ2.externalMonitors.best?.member == "e2" && seoulQ2.externalMonitors.worst == nil)
    }

    @Test func allReportsRenderAsJSONAndCSV() throws {
        let (f, _) = try ladder()
        let reports = f.reports(period: .year(2006), now: "2006-04-06")
        let bundle = try f.run(reports, HQReports.all)
        #expect(bundle.stepTimes == (try f.run(reports, HQReports.stepTimes)))
        #expect(bundle.sections.map(\.name) == HQReportName.allCases)
        // JSON round-trips; each report's CSV parses back to its header and rows.
        let json = try f.hq.renderReport(nil, reports, as: .json)
        #expect(try JSONDecoder().decode(HQReportBundle.self, from: Data(json.utf8)) == bundle)
        for name in HQReportName.allCases {
            let csv = try f.hq.renderReport(name, reports, as: .csv)
            let parsed = try CSVTable.parse(csv)
            let table = bundle.sections.first { $0.name == name }!.table
            #expect(parsed == [table.header] + table.rows, "\(name.rawValue)")
            #expect(csv.hasSuffix("\r\n"))
        }
        let steps = try CSVTable.parse(try f.hq.renderReport(.stepTimes, reports, as: .csv))
        #expect(steps[0] == ["step", "name", "cases", "stillThere", "medianDays", "p90Days", "meanDays"])
        #expect(steps[2] == ["2", "Practical Council of Restructuring Public Affairs and Systems", "3", "0", "10.0", "18.0", "10.7"])
        #expect(steps[4][4] == "9.0" && steps[4][5] == "9.0")
        // Names parse; unknown ones are refused.
        #expect(try HQReportName(parsing: "step-times") == .stepTimes)
        #expect(throws: SyncError.self) { try HQReportName(parsing: "nope") }
        #expect(throws: SyncError.self) { try ReportGrain(parsing: "week") }
    }
}
