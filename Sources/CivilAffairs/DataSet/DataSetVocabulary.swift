import SyncCore
/// The words the generated data set is made of: the regional branches of the agency, its
/// divisions, and the kinds of grievance and call the case study describes. Plain data, so
/// that generated cases read like real ones in demos.
enum DataSetVocabulary {
    struct Branch {
        var id: String
        /// Case reference prefix and replica suffix.
        var code: String
        /// Share of the national volume.
        var weight: Double
    }

    /// A dozen regional branch offices.
    static let branches: [Branch] = [
        Branch(id: "seoul", code: "SEL", weight: 0.20), Branch(id: "gyeonggi", code: "GGI", weight: 0.14),
        Branch(id: "busan", code: "BSN", weight: 0.11), Branch(id: "incheon", code: "ICN", weight: 0.08),
        Branch(id: "daegu", code: "DGU", weight: 0.08), Branch(id: "gwangju", code: "GWJ", weight: 0.07),
        Branch(id: "daejeon", code: "DJN", weight: 0.07), Branch(id: "ulsan", code: "USN", weight: 0.05),
        Branch(id: "gangwon", code: "GWN", weight: 0.05), Branch(id: "chungbuk", code: "CBK", weight: 0.05),
        Branch(id: "jeonbuk", code: "JBK", weight: 0.05), Branch(id: "jeju", code: "JJU", weight: 0.05),
    ]

    /// Divisions of internal monitors and staff (the units evaluated on their findings).
    static let divisions = ["customer-support", "goods-purchasing", "services-contracts", "facility-contracts",
                            "construction-management", "e-procurement-system", "information-planning", "legal-affairs",
                            "audit-inspection", "planning-budget"]

    /// Share of cases per area.
    static let areaWeights: [(String, Double)] = [
        ("goods", 0.30), ("services", 0.18), ("facility-construction", 0.20), ("construction-management", 0.10), ("e-procurement", 0.22),
    ]

    /// Causes per area: the e-procurement system's problems are mostly electronic.
    static func causeWeights(area: String) -> [(String, Double)] {
        let electronic = area == "e-procurement" ? 0.55 : 0.10
        return [("electronic-system", electronic), ("process", 0.30), ("practice", 0.22), ("law-system", 0.18),
                ("social-issue", 0.03), ("conflict-of-interest", 0.03), ("conflicting-systems", 0.02)]
    }

    /// Sources of the cases that do not come out of a workshop debate (those are made at the
    /// workshops): external monitors find fewer than one task in ten, as in 2004 (6 of 72).
    static let sourceWeights: [(String, Double)] = [
        ("external-monitor", 0.09), ("internal-monitor", 0.36), ("call-centre", 0.30), ("division", 0.25),
    ]

    static let titles: [String: [String]] = [
        "goods": ["Bid bond refunds take weeks", "Unit prices for office furniture out of date", "Delivery inspection repeated twice",
                  "Small suppliers excluded by pooled contracts", "Catalogue item descriptions are ambiguous"],
        "services": ["Cleaning service contracts renewed without review", "Consulting fees paid late",
                     "Evaluation criteria for IT services unclear", "Security service staffing rules too rigid"],
        "facility-construction": ["Design changes not reflected in contract price", "Subcontractor payments delayed",
                                  "Pre-qualification documents duplicated", "Site acceptance takes too long"],
        "construction-management": ["Supervision reports not shared with builders", "Safety audit schedule conflicts",
                                    "Progress payments computed inconsistently"],
        "e-procurement": ["Certificate login fails on new browsers", "Bid submission times out near deadline",
                          "Attachment size limit too small", "Notices hard to search by region", "Mobile site lacks bid status"],
    ]

    static let bodies = ["Reported by several suppliers this month.", "The same problem was raised at the last workshop.",
                         "Customers call the desk about this every week.", "Found during a routine review of contracts.",
                         "Causes extra cost for small businesses."]

    static let comments = ["Called the supplier; waiting for documents.", "Responsible team asked for details.",
                           "Similar case handled last year; checking the outcome.", "Legal review requested."]

    static let reasons = ["accept": "The council agreed; the responsible team will fix it.",
                          "reject": "Current rules are justified; reasons sent to the submitter.",
                          "immediate": "Fixed at the weekly meeting."]

    static let subjects = ["Refund deadlines", "Bid evaluation transparency", "Pooled contracts and small firms",
                           "Paperless delivery inspection", "Late payment interest", "Login certificates", "Regional preference rules",
                           "Joint bidding by startups", "Price adjustment for materials", "Accessibility of the e-procurement site"]

    static let topics = ["Bid deposit refund", "Registration as a supplier", "Certificate renewal", "Contract payment date",
                         "Tender notice question", "Evaluation result", "Delivery inspection", "Price adjustment request",
                         "System error report", "Complaint about staff"]

    static let familyNames = ["Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon", "Jang", "Lim", "Han", "Oh",
                              "Seo", "Shin", "Kwon", "Hwang", "Ahn", "Song", "Yoo", "Hong"]
    static let syllables = ["Min", "Ji", "Seo", "Hyun", "Woo", "Jin", "Young", "Soo", "Eun", "Ha", "Jun", "Hee", "Sung",
                            "Yeon", "Dong", "Hye"]
}
