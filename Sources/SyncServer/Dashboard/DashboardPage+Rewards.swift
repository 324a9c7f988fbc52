import SyncCore

/// Rewards and recognition: what was given in the period, and who is still due something, the
/// months' best outside monitors without a gift certificate and the reform tasks without an
/// appreciation letter, so HQ sees at a glance whom it has not rewarded yet.
extension DashboardPage {
    /// Rows of each table at most (the report's JSON and CSV have them all).
    static let rewardRows = 20

    var rewards: String {
        let report = reports.rewards
        let counts = report.byKind.filter { $0.count > 0 }.map { "\($0.kind) \($0.count)" }.joined(separator: ", ")
        let given = report.rewards.suffix(Self.rewardRows).reversed().map { reward -> [String] in
            let recipient = reward.member.map { HTML.escape(reward.name ?? $0) } ?? "division " + HTML.escape(reward.division ?? "?")
            return [HTML.escape(reward.givenOn ?? "–"), HTML.escape(reward.kind), recipient, HTML.escape(reward.period ?? "–"),
                    reward.amount.map(HTML.count) ?? "–", HTML.escape(reward.refs.joined(separator: " "))]
        }
        // Newest month first: the best monitors of each month not yet given their certificate.
        var due: [[String]] = []
        for month in report.months.reversed() {
            for candidate in month.candidates where candidate.giftCertificate == nil {
                due.append([HTML.escape(month.month), "gift-certificate", HTML.escape(candidate.name ?? candidate.member),
                            "rank \(candidate.rank), \(HTML.count(candidate.points)) points"])
            }
        }
        for letter in report.lettersDue.reversed() {
            due.append([HTML.escape(String(letter.selectedOn.prefix(7))), "appreciation-letter", HTML.escape(letter.name ?? letter.member),
                        HTML.escape((letter.ref ?? letter.caseID) + " " + (letter.title ?? "")) + " (\(HTML.escape(letter.status)) \(HTML.escape(letter.selectedOn)))"])
        }
        let note = "\(HTML.count(report.total)) given in \(periodText(snapshot.period))" + (counts.isEmpty ? "" : " (\(counts))")
            + "; below, the best outside monitors (top \(report.bestCount)) without a gift certificate for their month and the reform tasks without an appreciation letter (field reward candidates)."
        return section("Rewards and recognition", id: "rewards", note: note,
                       table([("Given on", false), ("Kind", false), ("Recipient", false), ("Period", false), ("Amount", true), ("Cases", false)],
                             Array(given), id: "table-rewards")
                       + table([("Month", false), ("Due", false), ("Who", false), ("Why", false)],
                               Array(due.prefix(Self.rewardRows)), id: "table-rewards-due"))
    }
}
