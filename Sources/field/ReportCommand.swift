import ArgumentParser
import FieldClient
import Foundation
import SyncCore

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Headquarters reports (the same figures the server shows), as text, JSON or CSV.",
        discussion: """
        Every report is computed from the replica's merged state, so an HQ replica
        that has synced shows the numbers the server shows. Filters: --period (all,
        YYYY, YYYY-Qn, YYYY-MM) and --branch. A case counts in the period of its
        reported-on date, a consultation in the period it was received, points on the
        day of their fact. --json and --csv print the shapes documented in docs/CLI.md
        (CSV is RFC 4180, CRLF).

        Examples:
          field report tasks --period 2025 --grain month
          field report sources --period 2025 --csv > sources.csv
          field report replies --period 2025 --branch busan --json
          field report all --period 2025-Q2 --output-dir reports/
        """,
        subcommands: [ReportTasks.self, ReportSources.self, ReportReplies.self, ReportBreakdown.self, ReportStepTimes.self,
                      ReportReportedBack.self, ReportPoints.self, ReportDivisions.self, ReportBudget.self, ReportSatisfaction.self,
                      ReportReexaminations.self, ReportReferrals.self, ReportRewards.self, ReportAll.self])
}

/// Options every report takes: the filters and the output format.
struct ReportOptions: ParsableArguments {
    @OptionGroup var replica: ReplicaOptions
    @Option(help: ArgumentHelp("Period: all, YYYY, YYYY-Qn or YYYY-MM.", valueName: "period")) var period = "all"
    @Option(help: ArgumentHelp("Only this branch (cases, consultations, members of the branch).", valueName: "branch"))
    var branch: String?
    @Flag(help: "Print JSON (shape documented in docs/CLI.md).") var json = false
    @Flag(help: "Print CSV (RFC 4180; shape documented in docs/CLI.md).") var csv = false

    func validate() throws {
        if json && csv { throw ValidationError("choose one of --json and --csv") }
    }

    /// The report parameters. `now` is the CLI's clock (or `--now`, a date at 00:00 UTC).
    func reports(grain: String? = nil, now: String? = nil, policy: String? = nil, limit: Int? = 20, count: Int = 3) throws -> HQReports {
        let nowMilliseconds: Int64
        if let now {
            guard let date = CivilDate(now) else {
                throw SyncError(.invalidValue, "--now '\(now.prefix(20))' is not a date; write YYYY-MM-DD")
            }
            nowMilliseconds = date.millisecondsSinceEpoch
        } else {
            nowMilliseconds = CLI.wallClock.nowMilliseconds()
        }
        if let branch, branch.isEmpty { throw SyncError(.invalidValue, "--branch is empty; name a branch (e.g. busan)") }
        if let limit, limit < 1 { throw SyncError(.invalidValue, "--limit must be at least 1") }
        if count < 1 { throw SyncError(.invalidValue, "--count must be at least 1") }
        return HQReports(period: try CLI.period(period), branch: branch, grain: try grain.map(ReportGrain.init(parsing:)),
                         now: nowMilliseconds, policy: try CLI.policy(policy), leaderboardLimit: limit, bestCount: count)
    }

    /// Prints the report as JSON or CSV when asked; returns false when text is wanted.
    func printMachineReadable(_ report: some HQReport) throws -> Bool {
        if json { try CLI.printJSON(report); return true }
        if csv { CLI.write(report.csv.text); return true }
        return false
    }
}

/// `--grain`: how the period is split into rows.
struct GrainOption: ParsableArguments {
    @Option(help: ArgumentHelp("Rows per month, quarter or year (default: a year by quarter, a quarter or month by month, all by year).",
                               valueName: "grain"))
    var grain: String?
}

func percentText(_ value: Double?) -> String { value.map { ReportText.number($0) + "%" } ?? "-" }

/// Text formatting of report numbers for the terminal (one decimal, like the JSON).
enum ReportText {
    static func number(_ value: Double?) -> String {
        guard let value else { return "-" }
        let tenths = Int((value * 10).rounded())
        return (tenths < 0 ? "-" : "") + "\(abs(tenths) / 10).\(abs(tenths) % 10)"
    }

    static func change(_ value: Double?) -> String {
        guard let value else { return "-" }
        return (value > 0 ? "+" : "") + number(value) + "%"
    }

    static func shares(_ title: String, _ rows: [ShareRow]) {
        print(title)
        CLI.table(["KEY", "COUNT", "PERCENT", "NAME"], rows.map { [$0.key, String($0.count), percentText($0.percent), $0.label ?? ""] })
    }

    static func heading(_ title: String, _ reports: HQReports) {
        print("\(title) — period \(reports.period)\(reports.branch.map { ", branch \($0)" } ?? "")")
    }
}
