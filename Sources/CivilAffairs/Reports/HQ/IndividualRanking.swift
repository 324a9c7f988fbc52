import SyncCore

/// The best and worst individuals of one group of people, for HQ's evaluation of each person
/// (the case study selects best and worst individuals as well as divisions, on the tasks found
/// and solved). Inside people and external monitors are ranked apart, as the case study
/// evaluates employees and rewards outside monitors separately; see `insideKinds`.
///
/// Every member of the ranked kinds (of the report's branch) has a row, even with nothing to
/// their name, so the worst is the person who did least, possibly nothing, which is what HQ
/// looks for. People without a division are ranked like anyone (it is divisions that leave
/// `(none)` out of best and worst, not people).
public struct IndividualRanking: Codable, Sendable, Hashable {
    /// The member kinds ranked here.
    public var kinds: [String]
    /// Best first: points, then findings, then solved (descending), then member id.
    public var rows: [IndividualRow]
    /// The first row, when it has something to its credit (points, findings or solved).
    public var best: IndividualRow?
    /// The last row, when at least two people are ranked and the last did less than the best
    /// (a lower rank): among people who all did the same nobody is the worst.
    public var worst: IndividualRow?

    /// The agency's own people: branch and HQ divisions' staff and the internal monitors (who
    /// are employees). Members of kind `hq` are the evaluators (headquarters, the minister) and
    /// `expert`s sit on councils; neither finds or solves tasks for evaluation, so neither is ranked.
    public static let insideKinds = ["staff", "internal-monitor"]
    /// The outside monitors, ranked apart from staff.
    public static let outsideKinds = ["external-monitor"]

    public init(kinds: [String], rows: [IndividualRow], best: IndividualRow?, worst: IndividualRow?) {
        self.kinds = kinds
        self.rows = rows
        self.best = best
        self.worst = worst
    }

    /// Ranks the members of `kinds` in a tally (already filtered by branch and period).
    static func rank(kinds: [String], _ tally: PointsReport.Tally) -> IndividualRanking {
        let ranked = Set(kinds)
        let unranked = tally.members.filter { ranked.contains($0.value.kind ?? "") }.map { id, info in
            IndividualRow(rank: 0, member: id, name: info.name, kind: info.kind, branch: info.branch, division: info.division,
                          points: tally.points[id] ?? 0, findings: tally.findings[id] ?? 0, solved: tally.solved[id] ?? 0)
        }
        let sorted = unranked.sorted { ($1.points, $1.findings, $1.solved, $0.member) < ($0.points, $0.findings, $0.solved, $1.member) }
        var rows: [IndividualRow] = []
        for (index, row) in sorted.enumerated() {
            var row = row
            if let previous = rows.last, (previous.points, previous.findings, previous.solved) == (row.points, row.findings, row.solved) {
                row.rank = previous.rank
            } else {
                row.rank = index + 1
            }
            rows.append(row)
        }
        let best = rows.first.flatMap { $0.points > 0 || $0.findings > 0 || $0.solved > 0 ? $0 : nil }
        let worst = rows.count > 1 && rows.last!.rank > rows[0].rank ? rows.last : nil
        return IndividualRanking(kinds: kinds, rows: rows, best: best, worst: worst)
    }
}
