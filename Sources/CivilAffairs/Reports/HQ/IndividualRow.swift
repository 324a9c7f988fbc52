import SyncCore

/// One person in a ranking of individuals (`IndividualRanking`): what they earned, found and
/// solved in the report's period.
public struct IndividualRow: Codable, Sendable, Hashable {
    /// Competition ranking on (points, findings, solved): people equal on all three share a rank.
    public var rank: Int
    public var member: String
    public var name: String?
    public var kind: String?
    public var branch: String?
    /// The member's division, or nil (people without a division are still ranked as people).
    public var division: String?
    /// Mileage points of the period (the ledger of `PointsReport`; members the points policy
    /// does not reward, such as staff under the built-in policy, have 0).
    public var points: Int
    /// Cases the member submitted whose `reportedOn` is in the period.
    public var findings: Int
    /// Cases assigned to the member (`assignee`), now `accepted` or `implemented`, whose
    /// `reportedOn` is in the period.
    public var solved: Int

    public init(rank: Int, member: String, name: String? = nil, kind: String? = nil, branch: String? = nil, division: String? = nil,
                points: Int, findings: Int, solved: Int) {
        self.rank = rank
        self.member = member
        self.name = name
        self.kind = kind
        self.branch = branch
        self.division = division
        self.points = points
        self.findings = findings
        self.solved = solved
    }
}
