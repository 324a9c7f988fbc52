import SyncCore

/// How the agency closes the loop with people: re-examinations and their arbitration, and the
/// answers of the bodies cases were referred to (the overdue ones named, to chase them).
extension DashboardPage {
    var reexaminations: String {
        let report = reports.reexaminations
        let rows = report.rows.map { row in
            [HTML.escape(row.outcome), HTML.count(row.cases), HTML.percent(row.percent), HTML.decimal(row.medianDaysToOutcome),
             HTML.count(row.notified)]
        }
        return section("Re-examinations and dispute arbitration", id: "reexaminations",
                       note: "\(HTML.count(report.requested)) re-examinations asked for in the period by unsatisfied customers; the decision upheld or overturned by the Consultation of Arbitrating Dispute, and reported back.",
                       table([("Outcome", false), ("Cases", true), ("Share", true), ("Median days", true), ("Reported back", true)],
                             rows, id: "table-reexaminations"))
    }

    var referrals: String {
        let report = reports.referrals
        let rows = report.rows.map { row in
            [HTML.escape(row.body), HTML.count(row.sent), HTML.count(row.answered), HTML.count(row.waiting), HTML.count(row.overdue),
             HTML.decimal(row.medianDaysToAnswer)]
        }
        var body = table([("Referred to", false), ("Sent", true), ("Answered", true), ("Waiting", true), ("Overdue", true),
                          ("Median days to answer", true)], rows, id: "table-referrals")
        if !report.overdue.isEmpty {
            let late = report.overdue.prefix(25).map { item in
                [HTML.escape(item.ref ?? item.caseID), HTML.escape(item.title ?? ""), HTML.escape(item.body ?? ""),
                 HTML.escape(item.dueOn ?? ""), HTML.count(item.daysOverdue)]
            }
            body += table([("Case", false), ("Title", false), ("Referred to", false), ("Due", false), ("Days overdue", true)],
                          Array(late), id: "table-referrals-overdue")
        }
        return section("Referrals and their answers", id: "referrals",
                       note: "Cases referred onward in the period; overdue: no answer \(ReferralReport.defaultAnswerDays) days after sending (or after the due date given), as of \(report.asOf).",
                       body)
    }
}
