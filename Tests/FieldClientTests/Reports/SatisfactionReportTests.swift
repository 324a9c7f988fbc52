import FieldClient
import Foundation
import GRDB
import SyncCore
import Testing

/// The satisfaction report against the case study's figures and hand-computed means.
@Suite("Satisfaction report")
struct SatisfactionReportTests {
    /// The case study: 79.2 points in 2003, 77.8 in 2004, a first quarter of 2005 1.3 points
    /// below 2004 (76.5), all by an outside institution; Busan's own survey beside it.
    func caseStudy() throws -> ReportFixture {
        let f = try ReportFixture()
        try f.hq.recordSurvey(period: "2003", score: "79.2", source: "outside-institution")
        try f.hq.recordSurvey(period: "2004", score: "77.8", source: "outside-institution", respondents: 1_000)
        try f.hq.recordSurvey(period: "2005-Q1", score: "76.5", source: "outside-institution")
        try f.hq.recordSurvey(period: "2005-Q2", score: "78", source: "outside-institution")
        // Busan's own survey: two waves in 2004 (300 answers at 70.0, 100 at 74.0: weighted 71.0),
        // then 2005 (the report's 2005 figure compares with that).
        try f.hq.recordSurvey(period: "2004", score: "70", source: "own-survey", respondents: 300, branch: "busan")
        // The second wave typed on another replica (one replica refuses the same survey twice).
        try f.hq.store.record([.set(.survey, "busan-2004-b", "period", .string("2004")),
                               .set(.survey, "busan-2004-b", "scoreHundredths", .int(7_400)),
                               .set(.survey, "busan-2004-b", "source", .string("own-survey")),
                               .set(.survey, "busan-2004-b", "respondents", .int(100)),
                               .set(.survey, "busan-2004-b", "branch", .string("busan"))], author: "hq1")
        try f.hq.recordSurvey(period: "2005", score: "72.55", source: "own-survey", respondents: 250, branch: "busan")
        return f
    }

    @Test func changeOnTheYearBeforeAsTheCaseStudyComputesIt() throws {
        let f = try caseStudy()
        let all = try f.run(f.reports(period: .all), HQReports.satisfaction)
        // The agency as a whole first, then Busan.
        #expect(all.rows.map(\.period) == ["2003", "2004", "2005-Q1", "2005-Q2", "2004", "2005"])
        #expect(all.rows.map(\.score) == [79.2, 77.8, 76.5, 78.0, 71.0, 72.55])
        // 77.8 - 79.2 = -1.4; 2005-Q1 has no 2004-Q1 to compare with: against 2004, -1.3.
        #expect(all.rows.map(\.comparedWith) == [nil, "2003", "2004", "2004", nil, "2004"])
        #expect(all.rows.map(\.change) == [nil, -1.4, -1.3, 0.2, nil, 1.55])
        // (300 * 70 + 100 * 74) / 400 = 71.0, from two surveys and 400 answers.
        #expect(all.rows[4].surveys == 2 && all.rows[4].respondents == 400 && all.rows[4].branch == "busan")
        #expect(all.rows[0].respondents == nil && all.rows[1].respondents == 1_000)
        #expect(all.latest?.period == "2005-Q2" && all.latest?.change == 0.2)
        #expect(all.unreadable == 0)

        // A year keeps its own quarters; the change still reads the year before.
        let year = try f.run(f.reports(period: .year(2005)), HQReports.satisfaction)
        #expect(year.rows.map(\.period) == ["2005-Q1", "2005-Q2", "2005"])
        #expect(year.rows[0].previousScore == 77.8 && year.rows[0].change == -1.3)
        // A quarter does not hold the year it belongs to.
        let quarter = try f.run(f.reports(period: .quarter(2005, 1)), HQReports.satisfaction)
        #expect(quarter.rows.map(\.period) == ["2005-Q1"])
        // A branch: its own surveys only.
        let busan = try f.run(f.reports(period: .all, branch: "busan"), HQReports.satisfaction)
        #expect(busan.rows.map(\.score) == [71.0, 72.55] && busan.latest == nil)

        // An older agency-wide figure of another source does not become the latest.
        try f.hq.recordSurvey(period: "2004", score: "81", source: "own-survey")
        let later = try f.run(f.reports(period: .all), HQReports.satisfaction)
        #expect(later.latest?.period == "2005-Q2" && later.latest?.source == "outside-institution")
        #expect(later.rows.map(\.period) == ["2003", "2004", "2005-Q1", "2005-Q2", "2004", "2004", "2005"])

        let csv = try f.run(f.reports(period: .year(2005)), HQReports.satisfaction).csv.text
        #expect(csv == """
            period,source,branch,area,score,respondents,surveys,compared_with,previous_score,change\r
            2005-Q1,outside-institution,,,76.5,,1,2004,77.8,-1.3\r
            2005-Q2,outside-institution,,,78.0,,1,2004,77.8,0.2\r
            2005,own-survey,busan,,72.55,250,1,2004,71.0,1.55\r

            """)
    }

    @Test func aFigureIsKeptExactlyAsTypedAndBadInputIsRefused() throws {
        let f = try ReportFixture()
        #expect(try FieldReplica.scoreHundredths("79.2") == 7_920)
        #expect(try FieldReplica.scoreHundredths("0.05") == 5)
        #expect(try FieldReplica.scoreHundredths("100") == 10_000)
        for bad in ["100.01", "79.255", "-1", "7e1", "", ".5", "79.", "1000", "seventy"] {
            expectError(.invalidValue) { _ = try FieldReplica.scoreHundredths(bad) }
        }
        expectError(.invalidValue) { try f.hq.recordSurvey(period: "all", score: "70", source: "own-survey") }
        expectError(.invalidValue) { try f.hq.recordSurvey(period: "2005-Q5", score: "70", source: "own-survey") }
        // The fixture's today is 2006-01-02: 2006-Q2 has not begun.
        expectError(.invalidValue) { try f.hq.recordSurvey(period: "2006-Q2", score: "70", source: "own-survey") }
        expectError(.invalidValue) { try f.hq.recordSurvey(period: "2005", score: "70", source: "a-poll") }
        expectError(.invalidValue) { try f.hq.recordSurvey(period: "2005", score: "70", source: "own-survey", respondents: 0) }
        // The same survey typed twice is refused, pointing at the one to correct.
        let first = try f.hq.recordSurvey(period: "2005", score: "70", source: "own-survey")
        expectError(.conflict) { try f.hq.recordSurvey(period: "2005", score: "71", source: "own-survey") }
        let corrected = try f.hq.editSurvey(first.id, score: "71.25", respondents: 80)
        #expect(corrected.score == 71.25 && corrected.respondents == 80 && corrected.period == "2005")
        expectError(.notFound) { try f.hq.editSurvey("sur-nope", score: "1") }
        expectError(.invalidValue) { try f.hq.editSurvey(first.id) }
        // A period no reader understands (a newer or broken client wrote it) is counted, not hidden.
        try f.hq.store.record([.set(.survey, "odd", "period", .string("2005-H1")), .set(.survey, "odd", "scoreHundredths", .int(7_000)),
                               .set(.survey, "odd", "source", .string("own-survey"))], author: "hq1")
        let report = try f.run(f.reports(period: .all), HQReports.satisfaction)
        #expect(report.rows.map(\.score) == [71.25] && report.unreadable == 1)
    }

    @Test func branchStaffRecordTheirOwnBranchAndMonitorsNone() throws {
        let (busan, _) = try makeReplica("kim", role: .branch, branch: "busan", prefix: "BSN", seed: 7)
        let made = try busan.recordSurvey(period: "2005-Q1", score: "81", source: "own-survey")
        #expect(made.branch == "busan")
        // Another branch's survey, or the agency's, is refused before anything is recorded.
        expectError(.forbidden) { try busan.recordSurvey(period: "2005-Q2", score: "80", source: "own-survey", branch: "seoul") }
        let (monitor, _) = try makeReplica("lee", role: .monitor, prefix: "LEE", seed: 8)
        expectError(.forbidden) { try monitor.recordSurvey(period: "2005", score: "90", source: "own-survey") }
        #expect(try monitor.surveys().isEmpty && busan.surveys().count == 1)
    }
}
