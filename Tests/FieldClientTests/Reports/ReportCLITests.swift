import FieldClient
import Foundation
import SyncCore
import Testing

/// `field generate` and `field report` through the built binary.
@Suite("field report CLI")
struct ReportCLITests {
    struct Generated: Decodable {
        struct Summary: Decodable { var operations: Int; var cases: Int; var branches: Int }
        var created: Bool; var summary: Summary; var digest: String
    }

    @Test func generateThenReportAsCSVAndJSON() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let cli = FieldCLI(replicaPath: dir.path("hq.replica"))
        let made = try cli.json(Generated.self, ["generate", "--seed", "3", "--scale", "0.05"], date: "2026-01-01")
        #expect(made.created && made.summary.branches == 12 && made.summary.cases > 50)
        #expect(try cli.digest() == made.digest)
        // A second generation into the same (now full) replica is refused.
        let again = try cli.run(["generate", "--seed", "3", "--scale", "0.05"], date: "2026-01-01")
        #expect(again.status == 19 && again.stderr.contains("already holds"))

        // CSV: RFC 4180, the documented header, the five sources, the same counts as JSON.
        let csv = try cli.ok(["report", "sources", "--period", "2025", "--csv"])
        let rows = try CSVTable.parse(csv)
        #expect(rows.first == ["source", "count", "percent"])
        #expect(rows.dropFirst().map { $0[0] } == Domain.sources)
        #expect(csv.hasSuffix("\r\n"))
        let json = try cli.json(SourceShareReport.self, ["report", "sources", "--period", "2025"])
        #expect(json.rows.map { String($0.count) } == rows.dropFirst().map { $0[1] })
        #expect(json.total == rows.dropFirst().compactMap { Int($0[1]) }.reduce(0, +))

        // The CLI prints exactly what the library computes on the same file (what the server serves).
        let replica = try FieldReplica.open(path: dir.path("hq.replica"), wallClock: ManualWallClock(milliseconds: at("2026-01-01")),
                                            ids: SeededIDSource(seed: 1))
        let reports = HQReports(period: .year(2025), branch: "busan", now: CivilDate("2026-01-01")!.millisecondsSinceEpoch)
        let steps = try cli.ok(["report", "step-times", "--period", "2025", "--branch", "busan", "--now", "2026-01-01", "--csv"])
        #expect(steps == (try replica.renderReport(.stepTimes, reports, as: .csv)))
        let tasks = try cli.json(TasksFoundReport.self, ["report", "tasks", "--period", "2025", "--branch", "busan", "--grain", "month"])
        #expect(tasks.rows.count == 12 && tasks.branch == "busan")
        #expect(tasks.total == (try replica.report(reports, HQReports.tasks)).total)

        // Every report answers in every format; `all` writes one file per report.
        for name in HQReportName.allCases.map(\.rawValue) + ["all"] {
            try cli.ok(["report", name, "--period", "2025-Q2"])
            try cli.ok(["report", name, "--period", "2025-Q2", "--json"])
            try cli.ok(["report", name, "--period", "2025-Q2", "--csv"])
        }
        // Divisions: the text names each ranking's best and worst; JSON has every ranked person.
        let divisions = try cli.json(DivisionsReport.self, ["report", "divisions", "--period", "2025"])
        #expect(divisions == (try replica.report(HQReports(period: .year(2025), now: CivilDate("2026-01-01")!.millisecondsSinceEpoch),
                                                 HQReports.divisions)))
        let staffBest = try #require(divisions.staff.best), monitorBest = try #require(divisions.externalMonitors.best)
        #expect(!divisions.staff.rows.isEmpty && divisions.staff.rows.allSatisfy { $0.kind != "external-monitor" })
        let text = try cli.ok(["report", "divisions", "--period", "2025"])
        #expect(text.contains("Individuals: \(divisions.staff.rows.count) staff and internal monitors, \(divisions.externalMonitors.rows.count) external monitors ranked"))
        let marked = text.split(separator: "\n").filter { $0.hasPrefix("staff ") || $0.hasPrefix("external-monitor ") }
        #expect(marked.count == [divisions.staff.best, divisions.staff.worst, divisions.externalMonitors.best,
                                 divisions.externalMonitors.worst].compactMap { $0 }.count)
        #expect(marked.first?.contains(" best ") == true && marked.first?.contains(" \(staffBest.member) ") == true)
        #expect(marked.contains { $0.hasPrefix("external-monitor") && $0.contains(" best ") && $0.contains(" \(monitorBest.member) ") })

        let out = dir.path("out")
        try cli.ok(["report", "all", "--period", "2025", "--csv", "--output-dir", out])
        for name in HQReportName.allCases {
            #expect(FileManager.default.fileExists(atPath: out + "/\(name.rawValue).csv"))
        }
        let bundle = try cli.json(HQReportBundle.self, ["report", "all", "--period", "2025", "--now", "2026-01-01"])
        #expect(bundle.replies.byPeriod.count == 4 && bundle.asOf == "2026-01-01")

        // Usage and value errors.
        #expect(try cli.run(["report", "tasks", "--json", "--csv"]).status == 64)
        #expect(try cli.run(["report", "tasks", "--period", "2025-13"]).status == 13)
        #expect(try cli.run(["report", "tasks", "--grain", "week"]).status == 13)
        #expect(try cli.run(["report", "step-times", "--now", "yesterday"]).status == 13)
    }
}
