import SyncCore

/// The HQ dashboard as one server-rendered HTML page: key figures, inline SVG charts, tables
/// and the conflicts currently visible, for the period and branch chosen in a GET form.
///
/// Everything comes from one `DashboardSnapshot` (one read transaction) and every piece of
/// data is escaped. The page has no script and loads nothing: styles are inline, charts are
/// SVG elements, so it works on a disconnected network and under a strict CSP.
struct DashboardPage {
    let snapshot: DashboardSnapshot
    /// The signed-in member.
    let member: String
    /// Whether the caller came with a session cookie (then a logout button is offered).
    let hasSession: Bool
    /// A notice shown above the figures (a filter that could not be read).
    var message: String?

    var reports: HQReportBundle { snapshot.reports }

    var html: String {
        var out = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="referrer" content="no-referrer">
            <title>CivicSync HQ dashboard · \(HTML.escape(scopeText))</title>
            <style>\(DashboardStyle.css)</style></head><body>
            """
        out += header
        out += "<main>"
        if let message { out += "<div class=\"message\" role=\"status\">\(HTML.escape(message))</div>" }
        out += filters
        out += kpis
        out += "<div class=\"grid\">"
        out += tasksChart + repliesChart + sourcesChart + breakdownCharts + branchReplyChart + satisfaction
        out += "</div><div class=\"grid\">"
        out += stepTimes + reportedBack + leaderboard + bestMonitors + divisions + individuals + budget + rewards
        out += "</div><div class=\"grid\">"
        out += reexaminations + referrals
        out += "</div>"
        out += conflicts
        out += attachments
        out += """
            <footer>Computed on the server from \(HTML.count(snapshot.operations)) operations with the same SyncCore reports as \
            <code>field report</code> on an HQ replica; open cases are counted until \(HTML.escape(reports.asOf)). \
            Nothing on this page is fetched from elsewhere. CSV and JSON: <code>GET /v1/reports/{name}</code>.</footer>
            </main></body></html>
            """
        return out
    }

    // MARK: - Header and filters

    var scopeText: String {
        "\(periodText(snapshot.period)) · \(snapshot.branch.map { "branch \($0)" } ?? "all branches")"
    }

    func periodText(_ period: ReportPeriod) -> String {
        period == .all ? "all periods" : period.description
    }

    var header: String {
        var out = """
            <header><h1>CivicSync · headquarters</h1>
            <div class="meta">\(HTML.escape(scopeText)) · as of \(HTML.escape(reports.asOf)) · signed in as \(HTML.escape(member))</div>
            """
        if hasSession {
            out += "<form method=\"post\" action=\"/dashboard/logout\"><button type=\"submit\">Log out</button></form>"
        }
        return out + "</header>"
    }

    /// Every period the data covers: all, each year, its quarters and months.
    var periodOptions: [String] {
        var options = ["all"]
        for year in snapshot.years {
            options.append(String(year))
            options += (1...4).map { "\(year)-Q\($0)" }
            options += (1...12).map { "\(year)-\($0 < 10 ? "0" : "")\($0)" }
        }
        if !options.contains(snapshot.period.description) { options.append(snapshot.period.description) }
        return options
    }

    var filters: String {
        var out = "<form class=\"filters\" method=\"get\" action=\"/dashboard\"><label>Period<select name=\"period\">"
        for option in periodOptions {
            let selected = option == snapshot.period.description ? " selected" : ""
            out += "<option value=\"\(HTML.escape(option))\"\(selected)>\(HTML.escape(option))</option>"
        }
        out += "</select></label><label>Branch<select name=\"branch\"><option value=\"\">all branches</option>"
        var branches = snapshot.branches
        if let branch = snapshot.branch, !branches.contains(branch) { branches.append(branch) }
        for branch in branches {
            let selected = branch == snapshot.branch ? " selected" : ""
            out += "<option value=\"\(HTML.escape(branch))\"\(selected)>\(HTML.escape(branch))</option>"
        }
        return out + "</select></label><button type=\"submit\">Show</button></form>"
    }

    // MARK: - Key figures

    func kpi(_ id: String, _ label: String, _ value: String, _ sub: String) -> String {
        """
        <div class="kpi"><div class="label">\(HTML.escape(label))</div><div class="value" id="\(id)">\(HTML.escape(value))</div>\
        <div class="sub" id="\(id)-sub">\(HTML.escape(sub))</div></div>
        """
    }

    var kpis: String {
        let tasks = reports.tasks.total
        let external = reports.sources.rows.first { $0.key == "external-monitor" }
        let replies = reports.replies.overall
        let back = reports.reportedBack.all
        let change = tasks.yearBefore.map { "\(HTML.change(tasks.changePercent)) on a year before (\(HTML.count($0)))" }
            ?? "no year before to compare"
        return "<div class=\"kpis\">"
            + kpi("kpi-tasks", "Reform tasks found", HTML.count(tasks.count), change)
            + kpi("kpi-external-share", "Found by external monitors", HTML.percent(external?.percent),
                  "\(HTML.count(external?.count ?? 0)) of \(HTML.count(reports.sources.total)) tasks")
            + kpi("kpi-reply-rate", "Reply rate to customers", HTML.percent(replies.percent),
                  "\(HTML.count(replies.answered)) of \(HTML.count(replies.received)) consultations answered")
            + kpi("kpi-reported-back", "Results reported back", HTML.percent(back.percent),
                  "\(HTML.count(back.notified)) of \(HTML.count(back.closed)) closed cases")
            + kpi("kpi-points", "Mileage points", HTML.count(reports.points.totalPoints),
                  "\(HTML.count(reports.points.earners)) members earned points")
            + kpi("kpi-conflicts", "Conflicts open", HTML.count(snapshot.conflictCount), "fields written concurrently, not yet resolved")
            + "</div>"
    }

    // MARK: - Charts

    func section(_ title: String, id: String, note: String? = nil, _ body: String) -> String {
        "<section id=\"\(id)\"><h2>\(HTML.escape(title))</h2>" + (note.map { "<p class=\"note\">\(HTML.escape($0))</p>" } ?? "") + body + "</section>"
    }

    var tasksChart: String {
        let points = reports.tasks.rows.map { row in
            SVGLineChart.Point(label: row.period, value: Double(row.count),
                               text: "\(row.period): \(row.count) tasks" + (row.changePercent.map { ", \(HTML.change($0)) on a year before" } ?? ""))
        }
        return section("Reform tasks found per month", id: "chart-tasks", note: "Cases by the month they were reported.",
                       SVGLineChart(title: "Reform tasks found per month", points: points, ceiling: nil).svg)
    }

    var repliesChart: String {
        let points = reports.replies.byPeriod.map { row in
            SVGLineChart.Point(label: row.key, value: row.percent,
                               text: "\(row.key): \(HTML.percent(row.percent)) (\(row.answered) of \(row.received) answered)")
        }
        return section("Reply rate per month", id: "chart-replies", note: "Consultations answered, by the month they were received.",
                       SVGLineChart(title: "Reply rate per month", points: points, ceiling: 100, unit: "%", color: "#1f8a5b").svg)
    }

    func shareBars(_ title: String, id: String, _ rows: [ShareRow], note: String? = nil, color: String = "#2f6db5") -> String {
        let bars = rows.map { row in
            SVGBarChart.Bar(label: row.label.map { "\(row.key) \($0)" } ?? row.key, value: Double(row.count),
                            text: "\(HTML.count(row.count)) · \(HTML.percent(row.percent))")
        }
        return section(title, id: id, note: note, SVGBarChart(title: title, bars: bars, color: color).svg)
    }

    var sourcesChart: String {
        shareBars("Who finds the tasks", id: "chart-sources", reports.sources.rows, color: "#7a4fb0")
    }

    var breakdownCharts: String {
        let b = reports.breakdown
        return shareBars("Cases by area", id: "chart-area", b.byArea)
            + shareBars("Cases by cause", id: "chart-cause", b.byCause, color: "#b5602f")
            + shareBars("Cases by step of the ladder", id: "chart-step", b.byStep, note: "The highest step each case reached.", color: "#2f8fb5")
            + shareBars("Cases by status", id: "chart-status", b.byStatus, color: "#5b7d2f")
    }

    var branchReplyChart: String {
        let bars = reports.replies.byBranch.map { row in
            SVGBarChart.Bar(label: row.key, value: row.percent ?? 0,
                            text: "\(HTML.percent(row.percent)) of \(HTML.count(row.received))")
        }
        return section("Reply rate by branch", id: "chart-branch-replies",
                       SVGBarChart(title: "Reply rate by branch", bars: bars, color: "#1f8a5b").svg)
    }

    // MARK: - Tables

    func table(_ headers: [(String, Bool)], _ rows: [[String]], id: String) -> String {
        var out = "<table id=\"\(id)\"><thead><tr>"
        for (title, numeric) in headers { out += "<th\(numeric ? " class=\"n\"" : "")>\(HTML.escape(title))</th>" }
        out += "</tr></thead><tbody>"
        if rows.isEmpty { out += "<tr><td colspan=\"\(headers.count)\">none</td></tr>" }
        for row in rows {
            out += "<tr>"
            for (index, cell) in row.enumerated() {
                let numeric = index < headers.count && headers[index].1
                out += "<td\(numeric ? " class=\"n\"" : "")>\(cell)</td>"
            }
            out += "</tr>"
        }
        return out + "</tbody></table>"
    }

    var stepTimes: String {
        let rows = reports.stepTimes.rows.map { row in
            [HTML.escape("\(row.step) \(row.name)"), HTML.count(row.cases), HTML.count(row.stillThere),
             HTML.decimal(row.medianDays), HTML.decimal(row.p90Days), HTML.decimal(row.meanDays)]
        }
        return section("Days spent at each step", id: "step-times",
                       note: "Median and 90th percentile over \(HTML.count(reports.stepTimes.routedCases)) routed cases.",
                       table([("Step", false), ("Cases", true), ("Still there", true), ("Median", true), ("P90", true), ("Mean", true)],
                             rows, id: "table-step-times"))
    }

    var reportedBack: String {
        let rows = reports.reportedBack.rows.map { row in
            [HTML.escape(row.status), HTML.count(row.closed), HTML.count(row.notified), HTML.percent(row.percent),
             HTML.decimal(row.averageDaysToNotify)]
        }
        let waiting = reports.reportedBack.waiting
        let note = waiting.isEmpty ? "Every closed case has been reported back."
            : "Waiting to be told: " + waiting.prefix(8).joined(separator: ", ") + (waiting.count > 8 ? ", …" : "")
        return section("Results reported back to submitters", id: "reported-back", note: note,
                       table([("Closed as", false), ("Closed", true), ("Notified", true), ("Share", true), ("Days to notify", true)],
                             rows, id: "table-reported-back"))
    }

    var leaderboard: String {
        let rows = reports.points.leaderboard.map { row in
            [String(row.rank), HTML.escape(row.name ?? row.member), HTML.escape(row.kind ?? ""), HTML.escape(row.branch ?? ""),
             HTML.escape(row.division ?? ""), HTML.count(row.points)]
        }
        return section("Points leaderboard", id: "leaderboard",
                       note: "\(HTML.count(reports.points.totalPoints)) points earned by \(HTML.count(reports.points.earners)) members in the period.",
                       table([("#", true), ("Member", false), ("Kind", false), ("Branch", false), ("Division", false), ("Points", true)],
                             rows, id: "table-leaderboard"))
    }

    var bestMonitors: String {
        let rows = reports.points.monthly.reversed().map { month in
            [HTML.escape(month.month),
             month.best.map { "\($0.rank). \(HTML.escape($0.name ?? $0.member)) (\(HTML.count($0.points)))" }.joined(separator: " · ")]
        }
        return section("Best monitors of each month", id: "best-monitors",
                       note: "The top \(reports.points.bestCount) of each month (ties included), newest month first.",
                       table([("Month", false), ("Best monitors (points)", false)], rows, id: "table-best-monitors"))
    }

    var divisions: String {
        let report = reports.divisions
        let rows = report.divisions.map { row in
            let mark = row == report.best ? " <span class=\"badge best\">best</span>"
                : row == report.worst ? " <span class=\"badge worst\">worst</span>" : ""
            return [String(row.rank), HTML.escape(row.division) + mark, HTML.count(row.points), HTML.count(row.members), HTML.count(row.findings)]
        }
        return section("Divisions", id: "divisions", note: "Points and findings of each division's members; best and worst named.",
                       table([("#", true), ("Division", false), ("Points", true), ("Members", true), ("Findings", true)],
                             rows, id: "table-divisions"))
    }

    /// The best and worst person of each ranking (staff, external monitors) of the divisions
    /// report; the full rankings are in its JSON and CSV.
    var individuals: String {
        let report = reports.divisions
        var rows: [[String]] = []
        for (title, ranking) in [("Staff", report.staff), ("External monitors", report.externalMonitors)] {
            for (mark, row) in [("best", ranking.best), ("worst", ranking.worst)] {
                guard let row else { continue }
                rows.append([HTML.escape(title), String(row.rank),
                             HTML.escape(row.name ?? row.member) + " <span class=\"badge \(mark)\">\(mark)</span>",
                             HTML.escape(row.kind ?? ""), HTML.escape(row.branch ?? ""), HTML.escape(row.division ?? ""),
                             HTML.count(row.points), HTML.count(row.findings), HTML.count(row.solved)])
            }
        }
        let note = "\(HTML.count(report.staff.rows.count)) staff and internal monitors and \(HTML.count(report.externalMonitors.rows.count)) "
            + "external monitors ranked apart, on points, then findings, then cases solved (assigned and accepted or implemented). "
            + "Every ranking in GET /v1/reports/divisions."
        return section("Best and worst individuals", id: "individuals", note: note,
                       table([("Ranking", false), ("#", true), ("Member", false), ("Kind", false), ("Branch", false), ("Division", false),
                              ("Points", true), ("Findings", true), ("Solved", true)], rows, id: "table-individuals"))
    }

    var budget: String {
        let report = reports.budget
        let shown = report.rows.prefix(25)
        let rows = shown.map { row in
            [String(row.rank), HTML.escape(row.ref ?? row.caseID), HTML.escape(row.title ?? ""), HTML.escape(row.area ?? ""),
             HTML.escape(row.branch ?? ""), HTML.escape(row.status), row.budgetPriority.map(String.init) ?? "–"]
        }
        var note = "\(HTML.count(report.rows.count)) accepted tasks, \(HTML.count(report.unranked)) not ranked yet."
        if report.rows.count > shown.count { note += " The first \(shown.count) are shown; all of them in GET /v1/reports/budget." }
        return section("Budget execution ranking", id: "budget", note: note,
                       table([("#", true), ("Case", false), ("Title", false), ("Area", false), ("Branch", false), ("Status", false),
                              ("Priority", true)], rows, id: "table-budget"))
    }

    /// The files attached to cases and meetings, each linked to its bytes (downloaded, never
    /// shown in this page's origin).
    var attachments: String {
        let rows = snapshot.attachments.map { file -> [String] in
            let entity = HTML.escape("\(file.entity) \(file.entityID)") + (file.label.map { "<br>" + HTML.escape($0) } ?? "")
            let name = file.stored
                ? "<a href=\"/dashboard/attachments/\(HTML.escape(file.sha256))\" download>\(HTML.escape(file.name))</a>"
                : HTML.escape(file.name) + " <small>(not uploaded yet)</small>"
            return [entity, name, HTML.escape(file.mediaType), HTML.count(Int(file.bytes))]
        }
        return section("Attachments (\(HTML.count(snapshot.attachments.count)))", id: "attachments",
                       note: "Files attached to cases and meetings on the replicas (photographed grievances, attendance sheets), uploaded by their authors' syncs.",
                       table([("Entity", false), ("File", false), ("Type", false), ("Bytes", true)], rows, id: "table-attachments"))
    }

    var conflicts: String {
        let rows = snapshot.conflicts.map { conflict in
            let entity = HTML.escape("\(conflict.entity) \(conflict.entityID)")
                + (conflict.label.map { "<br>" + HTML.escape($0) } ?? "")
            let field = HTML.escape(conflict.key.isEmpty ? conflict.field : "\(conflict.field)[\(conflict.key)]")
            let competing = conflict.competing.map { "\(HTML.escape($0.author)): \(HTML.escape(SVGBarChart.clip($0.value, 80)))" }
                .joined(separator: "<br>")
            return [entity, field, HTML.escape(SVGBarChart.clip(conflict.winner, 80)), competing]
        }
        var note = "Fields written at the same time on different replicas: every replica shows the same value, and the competing values stay listed until someone resolves them (field conflicts resolve)."
        if snapshot.conflictCount > snapshot.conflicts.count {
            note += " Showing \(snapshot.conflicts.count) of \(HTML.count(snapshot.conflictCount))."
        }
        return section("Conflicts currently visible (\(HTML.count(snapshot.conflictCount)))", id: "conflicts", note: note,
                       table([("Entity", false), ("Field", false), ("Shown value", false), ("Competing values", false)],
                             rows, id: "table-conflicts"))
    }
}
