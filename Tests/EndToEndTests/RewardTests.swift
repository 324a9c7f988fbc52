import FieldClient
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SyncCore
import Testing

/// Issue 15, through `field` and `syncserver`: an outside monitor's suggestion is accepted by
/// Busan; HQ proposes the month's rewards, gives the monitor an appreciation letter and a gift
/// certificate offline and prints the letter; after the syncs the monitor's replica lists their
/// rewards (and prints the letter too), Busan's does not see them and cannot give one, and the
/// server's report and dashboard show what was given.
@Suite(.serialized) struct RewardTests {
    struct Created: Decodable { var id: String; var ref: String? }
    struct Reward: Decodable { var id: String; var kind: String?; var member: String?; var cases: [String] }
    struct Proposal: Decodable {
        struct Monitor: Decodable { var member: String; var points: Int; var giftCertificate: String? }
        struct Letter: Decodable { var caseID: String; var member: String }
        var giftCertificates: [Monitor]
        var letters: [Letter]
    }

    @Test func hqRewardsAMonitorOfflineAndTheMonitorReceivesIt() async throws {
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

        // Lee's suggestion, accepted by Busan on 2025-03-10 (+20 points for Lee in March).
        let title = "Bid bond refunds <take> 40 days & more"
        let made = try JSONDecoder().decode(Created.self, from: Data(try field([
            "case", "create", "--replica", lee, "--title", title, "--body", "Suppliers wait", "--area", "goods",
            "--cause", "process", "--branch", "busan", "--json"]).stdout.utf8))
        let ref = try #require(made.ref)
        try field(["sync", "--replica", lee])
        try field(["sync", "--replica", busan])
        try field(["case", "decide", "--replica", busan, made.id, "accept", "--reason", "New refund rule", "--on", "2025-03-10"])
        try field(["sync", "--replica", busan])
        try field(["sync", "--replica", hq])

        // HQ, offline: the month's candidates, then the letter and the gift certificate.
        let proposal = try JSONDecoder().decode(Proposal.self, from: Data(try field([
            "reward", "candidates", "--replica", hq, "--month", "2025-03", "--json"]).stdout.utf8))
        #expect(proposal.giftCertificates.map(\.member) == ["lee"] && proposal.giftCertificates.map(\.points) == [20])
        #expect(proposal.giftCertificates[0].giftCertificate == nil)
        #expect(proposal.letters.map(\.caseID) == [made.id] && proposal.letters.map(\.member) == ["lee"])
        try field(["reward", "give", "--replica", hq, "--id", "a1", "--kind", "appreciation-letter", "--member", "lee",
                   "--period", "2025-03", "--case", ref, "--on", "2025-03-20"])
        try field(["reward", "give", "--replica", hq, "--id", "g1", "--kind", "gift-certificate", "--member", "lee",
                   "--period", "2025-03", "--amount", "50000", "--on", "2025-04-01"])
        let again = try field(["reward", "give", "--replica", hq, "--kind", "gift-certificate", "--member", "lee", "--period", "2025-03"],
                              expecting: 19)
        #expect(again.stderr.contains("already received gift certificate g1"), "\(again.stderr)")
        let letterPath = directory.path("letter-a1.html")
        try field(["reward", "letter", "--replica", hq, "a1", "--output", letterPath])
        let letter = try String(contentsOfFile: letterPath, encoding: .utf8)
        #expect(letter.contains("Dear Lee,") && letter.contains("Bid bond refunds &lt;take&gt; 40 days &amp; more"))
        #expect(letter.contains(ref) && letter.contains("20 March 2025") && letter.contains("Public Procurement Service"))
        #expect(!letter.contains("http") && !letter.contains("<take>"))
        let notALetter = try field(["reward", "letter", "--replica", hq, "g1"], expecting: 13)
        #expect(notALetter.stderr.contains("only appreciation letters are printed"), "\(notALetter.stderr)")

        // Branch staff give no rewards: refused on the replica, before anything is recorded.
        let refused = try field(["reward", "give", "--replica", busan, "--kind", "workshop-invitation", "--member", "lee",
                                 "--period", "2025-03"], expecting: 17)
        #expect(refused.stderr.contains("only headquarters may give rewards"), "\(refused.stderr)")

        for replica in [hq, lee, busan] { try field(["sync", "--replica", replica]) }

        // The recipient's replica holds their rewards and prints the letter; Busan's holds none.
        let mine = try JSONDecoder().decode([Reward].self, from: Data(try field(["reward", "list", "--replica", lee, "--json"]).stdout.utf8))
        #expect(mine.map(\.id) == ["a1", "g1"] && mine.map(\.kind) == ["appreciation-letter", "gift-certificate"])
        #expect(mine[0].cases == [made.id])
        let theirs = try JSONDecoder().decode([Reward].self, from: Data(try field(["reward", "list", "--replica", busan, "--json"]).stdout.utf8))
        #expect(theirs.isEmpty)
        let leeLetter = directory.path("lee-letter.html")
        try field(["reward", "letter", "--replica", lee, "a1", "--output", leeLetter])
        #expect(try String(contentsOfFile: leeLetter, encoding: .utf8) == letter)

        // The server computes the report from the synced facts.
        let transport = URLSessionTransport(baseURL: URL(string: server.baseURL)!, timeout: 10)
        let csv = try await transport.send(TransportRequest(method: "GET", path: "/v1/reports/rewards?period=2025&format=csv",
                                                            headers: ["Authorization": "Bearer \(hqToken)"]))
        #expect(csv.status == 200)
        #expect(String(decoding: csv.body, as: UTF8.self) == """
            list,month,rank,id,kind,member,name,member_kind,branch,division,period,date,amount,points,cases,refs\r
            reward,,,a1,appreciation-letter,lee,Lee,external-monitor,,,2025-03,2025-03-20,,,\(made.id),\(ref)\r
            reward,,,g1,gift-certificate,lee,Lee,external-monitor,,,2025-03,2025-04-01,50000,,,\r
            candidate,2025-03,1,g1,gift-certificate,lee,Lee,external-monitor,,,2025-03,2025-04-01,50000,20,,\r

            """)
        // The HQ replica's report is the server's.
        let local = try field(["report", "rewards", "--replica", hq, "--period", "2025", "--csv"]).stdout
        #expect(local == String(decoding: csv.body, as: UTF8.self))

        let dashboard = try await transport.send(TransportRequest(method: "GET", path: "/dashboard?period=2025",
                                                                  headers: ["Authorization": "Bearer \(hqToken)"]))
        let page = String(decoding: dashboard.body, as: UTF8.self)
        #expect(dashboard.status == 200 && page.contains("id=\"rewards\"") && page.contains("id=\"table-rewards\""))
        #expect(page.contains("2 given in 2025 (appreciation-letter 1, gift-certificate 1)"), "\(page.prefix(300))")
    }
}
