import SyncCore
/// The vocabulary of the participatory civil-affairs system (MISSION.md), in one place.
public enum Domain {
    /// The five areas of public procurement.
    public static let areas = ["goods", "services", "facility-construction", "construction-management", "e-procurement"]
    /// The causes that decide where a case goes on the ladder.
    public static let causes = ["law-system", "process", "practice", "electronic-system",
                                "social-issue", "conflict-of-interest", "conflicting-systems"]
    /// Where a case came from.
    public static let sources = ["external-monitor", "internal-monitor", "call-centre", "division", "workshop"]
    /// The kinds of member.
    public static let memberKinds = ["external-monitor", "internal-monitor", "staff", "expert", "hq"]
    public static let affiliations = ["citizen", "supplier", "public-organisation", "agency", "academia", "ngo", "law-firm"]
    /// Facts a case can reach; none can be undone. The last four (schema 5) are a
    /// re-examination: the submitter asks for one after a decision, the Consultation of
    /// Arbitrating Dispute upholds or overturns the decision, and the outcome is reported back.
    public static let caseMilestones = ["agency-responsible", "examined", "submitted-to-council", "accepted",
                                        "rejected", "implemented", "referred", "result-notified",
                                        "reexamination-requested", "arbitration-upheld", "arbitration-overturned",
                                        "arbitration-notified"]
    /// What a dispute arbitration decides about the decision re-examined.
    public static let arbitrationOutcomes = ["upheld", "overturned"]
    public static let meetingKinds = ["weekly-satisfaction", "practical-council", "expert-consultation",
                                      "ministers-council", "budget-execution", "workshop", "dispute-arbitration"]
    public static let motionActions = ["accept", "reject", "escalate", "refer"]
    public static let voteChoices = ["yes", "no", "abstain"]
    public static let consultationChannels = ["call-centre", "branch-desk", "visit", "web"]
    /// Who measured a satisfaction score: an outside professional institution, the agency's own
    /// customer survey, or the government's evaluation of agencies.
    public static let surveySources = ["outside-institution", "own-survey", "government-evaluation"]
    /// What the agency gives to recognise participation: to outside monitors whose suggestions
    /// became reform tasks a letter, a posting of the reform on its web site and invitations to
    /// workshops; to the month's best outside monitors a gift certificate; to inside employees
    /// points; to divisions incentives.
    public static let rewardKinds = ["appreciation-letter", "gift-certificate", "workshop-invitation", "web-posting",
                                     "points", "division-incentive"]
    /// The reward kind given to a division rather than to a member.
    public static let divisionRewardKind = "division-incentive"
    /// The member kinds that are the agency's own employees (who may receive `points`).
    public static let insideMemberKinds = ["internal-monitor", "staff", "hq"]
    /// The ladder: 1 weekly meeting, 2 practical council, 3 expert consultation, 4 minister's council.
    public static let steps: ClosedRange<Int64> = 1...4
    /// A case's status, derived from the milestones it has reached, strongest first.
    public static let caseStatusByMilestone: [(milestone: String, status: String)] = [
        ("implemented", "implemented"), ("accepted", "accepted"), ("rejected", "rejected"), ("referred", "referred"),
        ("submitted-to-council", "in-council"), ("examined", "examined"), ("agency-responsible", "acknowledged"),
    ]
    /// Every status a case can have, from open to implemented.
    public static let caseStatuses = ["open", "acknowledged", "examined", "in-council", "referred", "in-arbitration",
                                      "rejected", "accepted", "implemented"]

    /// The status a case with these milestones has. A decision under re-examination is
    /// `in-arbitration` until the arbitration's outcome; a decision overturned there is the
    /// opposite decision (a rejection overturned is accepted, and may then be implemented).
    @Sendable public static func caseStatus(_ reached: Set<String>) -> String {
        if reached.contains("implemented") { return "implemented" }
        if let decision = decision(reached) {
            let arbitrated = reached.contains("arbitration-upheld") || reached.contains("arbitration-overturned")
            if reached.contains("reexamination-requested") && !arbitrated { return "in-arbitration" }
            return decision
        }
        return caseStatusByMilestone.first { reached.contains($0.milestone) }?.status ?? "open"
    }

    /// The outcome of a case's dispute arbitration: `upheld`, `overturned`, or nil when none is
    /// recorded. Two outcomes recorded apart read as `upheld`: the decision stays as it was.
    public static func arbitrationOutcome(_ reached: Set<String>) -> String? {
        reached.contains("arbitration-upheld") ? "upheld" : reached.contains("arbitration-overturned") ? "overturned" : nil
    }

    /// The decision standing on a case: `accepted` or `rejected`, after any arbitration (nil:
    /// not decided, or decided both ways on two replicas and not arbitrated, which the
    /// milestone order settles as before: accepted). Two contradictory outcomes recorded
    /// apart leave the decision as it was: overturning needs an outcome nobody contradicted.
    public static func decision(_ reached: Set<String>) -> String? {
        let accepted = reached.contains("accepted"), rejected = reached.contains("rejected")
        guard accepted || rejected else { return nil }
        let original = accepted ? "accepted" : "rejected"
        guard accepted != rejected, reached.contains("arbitration-overturned"), !reached.contains("arbitration-upheld") else {
            return original
        }
        return original == "accepted" ? "rejected" : "accepted"
    }
}
