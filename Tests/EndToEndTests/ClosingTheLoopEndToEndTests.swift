import FieldClient
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SyncCore
import Testing

/// Issue 15, through `field` and `syncserver`: a re-examination started offline by a branch
/// for an unsatisfied customer and arbitrated at HQ, reported back to the submitter; a
/// referral sent onward, chased when overdue and answered; the server's reports agree.
@Suite(.serialized) struct ClosingTheLoopEndToEndTests {
    struct Detail: Decodable {
        struct Summary: Decodable { var id: String; var ref: String?; var status: String }
        struct Reexamination: Decodable { var requestedOn: String?; var outcome: String?; var outcomeReason: String?; var decision: String? }
        var summary: Summary
        var reexamination: Reexamination?
    }
    struct InboxItem: Decodable {
        var ref: String?; var decision: String?; var reexamination: String?; var arbitrationReason: String?
        var referralAnswer: String?; var referralAnsweredOn: String?
    }
    struct Waiting: Decodable { var ref: String?; var overdue: Bool; var daysOverdue: Int? }

    @Test func aBranchReopensADecisionOfflineAndHeadquartersArbitratesIt() async throws {
        let directory = try TemporaryDirectory()
        let server = ServerProcess(dataDirectory: directory.path("server"))
        let hqToken = try server.bootstrap(member: "hq1")
        let kimToken = try server.issueToken(member: "kim", role: "branch", branch: "busan")
        let leeToken = try server.issueToken(member: "lee", role: "monitor")
        try server.start()
        defer { server.stop() }
        let hq = try joinedReplica(directory, server, member: "hq1", role: "hq", prefix: "HQ", token: hqToken)
        let busan = try joinedReplica(directory, server, member: "kim", role: "branch", branch: "busan", prefix: "BSN", token: kimToken)
        let lee = try joinedReplica(directory, server, member: "lee", role: "monitor", prefix: "LEE", token: leeToken)
        let today = CivilDate(millisecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1000))
        func daysAgo(_ n: Int) -> String { CivilDate(millisecondsSinceEpoch: today.millisecondsSinceEpoch - Int64(n) * 86_400_000).description }

        // Lee's grievance, rejected by Busan; a second case referred onward 40 days ago.
        let grievance = try json(Detail.Summary.self, lee, ["case", "create", "--title", "Allotment between associations",
                                                             "--body", "Our quota ignores members", "--area", "goods",
                                                             "--cause", "conflict-of-interest", "--branch", "busan"])
        try field(["sync", "--replica", lee])
        try field(["sync", "--replica", busan])
        try field(["case", "decide", "--replica", busan, grievance.id, "reject", "--reason", "Quota follows the statute", "--on", daysAgo(6)])
        try field(["case", "milestone", "--replica", busan, grievance.id, "result-notified", "--on", daysAgo(6)])
        let suggestion = try json(Detail.Summary.self, busan, ["case", "create", "--title", "Procurement law conflicts with the decree",
                                                               "--body", "Two texts disagree", "--area", "services", "--cause", "conflicting-systems"])
        try field(["case", "refer", "--replica", busan, suggestion.id, "--to", "Inter-ministry joint committee", "--on", daysAgo(40)])

        // Offline: the customer phones Busan, unsatisfied; Busan reopens the decision for them.
        let reopened = try json(Detail.self, busan, ["case", "reexamine", grievance.id, "--reason", "Veterans Welfare Corp. holds 80%",
                                                     "--on", daysAgo(5)])
        #expect(reopened.summary.status == "in-arbitration")
        // Busan chases the overdue referral in its inbox (due 30 days after sending: 10 days ago).
        let waiting = try json([Waiting].self, busan, ["inbox", "--referrals", "--overdue"])
        #expect(waiting.count == 1 && waiting[0].overdue && waiting[0].daysOverdue == 10, "\(waiting)")
        try field(["sync", "--replica", busan])

        // HQ convenes the Consultation of Arbitrating Dispute and overturns the rejection.
        try field(["sync", "--replica", hq])
        let meeting = try field(["meeting", "create", "--replica", hq, "--kind", "dispute-arbitration",
                                 "--title", "Consultation of Arbitrating Dispute", "--date", daysAgo(2), "--json"])
        let meetingID = try #require(try JSONParser.parse(Array(meeting.stdout.utf8)).objectValue?["id"]?.stringValue)
        let arbitrated = try json(Detail.self, hq, ["case", "arbitrate", grievance.id, "--outcome", "overturned",
                                                    "--reason", "Quota shared 60/40 from July", "--meeting", meetingID, "--on", daysAgo(2)])
        #expect(arbitrated.summary.status == "accepted" && arbitrated.reexamination?.decision == "accepted")
        try field(["case", "milestone", "--replica", hq, grievance.id, "arbitration-notified", "--on", daysAgo(1)])
        // The submitter cannot record the outcome of their own re-examination.
        try field(["case", "arbitrate", "--replica", lee, grievance.id, "--outcome", "upheld", "--reason", "x"], expecting: 17)
        try field(["case", "answer-referral", "--replica", busan, suggestion.id, "--answer", "The decree is amended in May"])
        for replica in [hq, busan, lee] { try field(["sync", "--replica", replica]) }

        // Reported back to the submitter like any decision.
        let inbox = try json([InboxItem].self, lee, ["inbox"])
        #expect(inbox.count == 1 && inbox[0].decision == "accepted" && inbox[0].reexamination == "overturned")
        #expect(inbox[0].arbitrationReason == "Quota shared 60/40 from July")
        #expect(try json([Waiting].self, busan, ["inbox", "--referrals"]).isEmpty)

        // The server's reports.
        let transport = URLSessionTransport(baseURL: URL(string: server.baseURL)!, timeout: 10)
        func csv(_ path: String) async throws -> String {
            let response = try await transport.send(TransportRequest(method: "GET", path: path, headers: ["Authorization": "Bearer \(hqToken)"]))
            #expect(response.status == 200)
            return String(decoding: response.body, as: UTF8.self)
        }
        #expect(try await csv("/v1/reports/reexaminations?format=csv") == """
            outcome,cases,percent,medianDaysToOutcome,notified\r
            upheld,0,0.0,,0\r
            overturned,1,100.0,3.0,1\r
            pending,0,0.0,,0\r
            all,1,100.0,3.0,1\r

            """)
        #expect(try await csv("/v1/reports/referrals?format=csv") == """
            body,sent,answered,waiting,overdue,medianDaysToAnswer,meanDaysToAnswer\r
            (all),1,1,0,0,40.0,40.0\r
            Inter-ministry joint committee,1,1,0,0,40.0,40.0\r

            """)
    }

    func json<T: Decodable>(_ type: T.Type, _ replica: String, _ arguments: [String]) throws -> T {
        let output = try field(arguments.prefix(arguments.first == "inbox" ? 1 : 2) + ["--replica", replica]
                               + arguments.dropFirst(arguments.first == "inbox" ? 1 : 2) + ["--json"])
        return try JSONDecoder().decode(T.self, from: Data(output.stdout.utf8))
    }
}
