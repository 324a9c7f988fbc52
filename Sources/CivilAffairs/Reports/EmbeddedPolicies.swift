import SyncCore
// Copies of Schemas/points-policy.json and Schemas/routing.json, so that programs run without
// the source tree. A test checks each constant equals its file byte for byte: edit the file,
// then paste it here (the JSON files are the source of truth).
extension PointsPolicy {
    /// The text of `Schemas/points-policy.json` (Table 1 of MISSION.md).
    public static let embeddedJSON = #"""
{
  "policy": "civicsync-mileage-points",
  "version": 1,
  "source": "Table 1 of the case study (MISSION.md, Mileage points for monitors)",
  "eligibleMemberKinds": ["external-monitor", "internal-monitor"],
  "rules": [
    {"criterion": "agency-responsible", "category": "suggestion", "fact": "case-milestone", "milestone": "agency-responsible", "points": 1,
     "description": "suggestion: the agency is found responsible (per matter)"},
    {"criterion": "examined", "category": "suggestion", "fact": "case-milestone", "milestone": "examined", "points": 5,
     "description": "suggestion: practical examination"},
    {"criterion": "submitted-to-council", "category": "suggestion", "fact": "case-milestone", "milestone": "submitted-to-council", "points": 10,
     "description": "suggestion: submitted to a council"},
    {"criterion": "accepted", "category": "suggestion", "fact": "case-milestone", "milestone": "accepted", "points": 20,
     "description": "suggestion: proposal accepted"},
    {"criterion": "debate-subject", "category": "debate", "fact": "debate-subject", "points": 10,
     "description": "debate: raising a debate subject"},
    {"criterion": "meeting-participation", "category": "debate", "fact": "meeting-attendance", "confirmedOnly": true, "points": 3,
     "description": "debate: participation in a meeting (each time, confirmed attendance)"}
  ]
}
"""#
}

extension LadderRouting {
    /// The text of `Schemas/routing.json`: which step of the ladder each cause goes to.
    public static let embeddedJSON = #"""
{
  "version": 1,
  "steps": [
    {"step": 1, "name": "Weekly Customer Satisfaction Meeting", "meetingKind": "weekly-satisfaction"},
    {"step": 2, "name": "Practical Council of Restructuring Public Affairs and Systems", "meetingKind": "practical-council"},
    {"step": 3, "name": "Consultation of Restructuring Public Affairs and Systems", "meetingKind": "expert-consultation"},
    {"step": 4, "name": "Council of Countermeasure against Public Grievance", "meetingKind": "ministers-council"}
  ],
  "causes": {
    "electronic-system": 1,
    "process": 2,
    "practice": 2,
    "law-system": 3,
    "social-issue": 4,
    "conflict-of-interest": 4,
    "conflicting-systems": 4
  },
  "referral": "inter-ministry joint committee"
}
"""#
}
