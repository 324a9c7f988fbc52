import FieldClient
import Foundation
import GRDB
import SyncCore
import Testing

/// Rewards and recognition (issue 15) against a hand-built February and March 2005 of points.
@Suite("Rewards report")
struct RewardsReportTests {
    /// The hostile title of Lee's first suggestion: it must stay text in the letter.
    static let hostileTitle = "Bid bonds <script>alert(\"x\")</script> & 'refunds'"

    /// Points by the embedded policy (Table 1), by hand:
    ///
    /// February: Lee's `lee-b` accepted on 02-25 (+20). Lee 20.
    /// March: Lee's `lee-a` examined 03-02 (+5) and accepted 03-10 (+20), Choi's `choi-a`
    /// examined 03-04 (+5) and accepted 03-20 (+20), Park's (internal) `park-a` accepted 03-12
    /// (+20); workshop `w1` on 03-15: Lee, Choi, Kang and Park confirmed (+3 each), Yoon attended
    /// unconfirmed (nothing); Lee raised a subject there (+10).
    /// Lee 5+20+3+10 = 38, Choi 5+20+3 = 28, Kang 3, Park 20+3 = 23 (ranked apart: internal).
    func month() throws -> ReportFixture {
        let f = try ReportFixture()
        try f.hq.addMember(id: "lee", MemberFields(name: "Lee Sun-hee", kind: "external-monitor", branch: "busan"))
        try f.hq.addMember(id: "choi", MemberFields(name: "Choi", kind: "external-monitor", branch: "seoul"))
        try f.hq.addMember(id: "kang", MemberFields(name: "Kang", kind: "external-monitor", branch: "busan"))
        try f.hq.addMember(id: "yoon", MemberFields(name: "Yoon", kind: "external-monitor", branch: "busan"))
        try f.hq.addMember(id: "park", MemberFields(name: "Park", kind: "internal-monitor", branch: "busan", division: "contracts"))
        try f.addCases([
            ("lee-a", "2005-02-20", ["submitter": "lee", "source": "external-monitor", "title": Self.hostileTitle]),
            ("lee-b", "2005-02-01", ["submitter": "lee", "source": "external-monitor"]),
            ("choi-a", "2005-03-01", ["submitter": "choi", "source": "external-monitor"]),
            ("park-a", "2005-03-01", ["submitter": "park", "source": "internal-monitor"]),
            ("open-a", "2005-03-01", ["submitter": "lee", "source": "external-monitor"]),
        ])
        try f.hq.decide("lee-b", accept: true, reason: "Agreed", on: "2005-02-25")
        try f.hq.milestone("lee-a", "examined", on: "2005-03-02")
        try f.hq.decide("lee-a", accept: true, reason: "Agreed", on: "2005-03-10")
        try f.hq.milestone("choi-a", "examined", on: "2005-03-04")
        try f.hq.decide("choi-a", accept: true, reason: "Agreed", on: "2005-03-20")
        try f.hq.decide("park-a", accept: true, reason: "Agreed", on: "2005-03-12")
        try f.hq.createMeeting(id: "w1", kind: "workshop", title: "March workshop", date: "2005-03-15")
        try f.hq.attend("w1", members: ["lee", "choi", "kang", "park", "yoon"])
        try f.hq.confirm("w1", members: ["lee", "choi", "kang", "park"])
        try f.hq.raiseSubject("w1", member: "lee", subject: "Refund deadlines")
        return f
    }

    /// The rewards HQ gives: Choi's letter, Lee's gift certificate, Park's points, an incentive.
    func given() throws -> ReportFixture {
        let f = try month()
        try f.hq.giveReward(id: "a1", kind: "appreciation-letter", member: "choi", period: "2005-03", cases: ["CHOI-A"], on: "2005-03-25")
        try f.hq.giveReward(id: "g1", kind: "gift-certificate", member: "lee", period: "2005-03", amount: 50_000, on: "2005-04-01")
        try f.hq.giveReward(id: "p1", kind: "points", member: "park", period: "2005-Q1", amount: 30, on: "2005-04-02")
        try f.hq.giveReward(id: "d1", kind: "division-incentive", division: "contracts", period: "2005", amount: 1_000_000,
                            note: "Best division of 2005-Q1", on: "2005-04-05")
        return f
    }

    @Test func theMonthsCandidatesComeFromTheBestMonitorFigures() throws {
        let f = try month()
        let before = try f.hq.rewardCandidates(month: "2005-03")
        // Outside monitors ranked among themselves: Park's 23 does not push Kang out.
        #expect(before.giftCertificates.map(\.member) == ["lee", "choi", "kang"])
        #expect(before.giftCertificates.map(\.points) == [38, 28, 3])
        #expect(before.giftCertificates.map(\.rank) == [1, 2, 3])
        #expect(before.giftCertificates.allSatisfy { $0.giftCertificate == nil })
        // Reform tasks selected in March with no letter: Lee's and Choi's (not Park's: internal;
        // not Lee's February one; not the open case).
        #expect(before.letters.map(\.caseID) == ["lee-a", "choi-a"])
        #expect(before.letters.map(\.selectedOn) == ["2005-03-10", "2005-03-20"])
        #expect(before.letters[0].title == Self.hostileTitle && before.letters[0].status == "accepted")

        try f.hq.giveReward(id: "g1", kind: "gift-certificate", member: "lee", period: "2005-03", amount: 50_000, on: "2005-04-01")
        try f.hq.giveReward(id: "a1", kind: "appreciation-letter", member: "choi", period: "2005-03", cases: ["choi-a"], on: "2005-03-25")
        let after = try f.hq.rewardCandidates(month: "2005-03", count: 2)
        #expect(after.giftCertificates.map(\.member) == ["lee", "choi"])
        #expect(after.giftCertificates.map(\.giftCertificate) == ["g1", nil])
        #expect(after.giftCertificates[0].givenOn == "2005-04-01" && after.giftCertificates[0].amount == 50_000)
        #expect(after.letters.map(\.caseID) == ["lee-a"])
        let february = try f.hq.rewardCandidates(month: "2005-02")
        #expect(february.giftCertificates.map(\.member) == ["lee"] && february.giftCertificates[0].points == 20)
        #expect(february.letters.map(\.caseID) == ["lee-b"])
        // The same figures `points best` gives, once internal monitors are set apart.
        let best = try f.hq.bestMonitors(month: "2005-03", count: 4)
        #expect(best.map(\.member) == ["lee", "choi", "park", "kang"] && best.map(\.points) == [38, 28, 23, 3])

        expectError(.invalidValue) { _ = try f.hq.rewardCandidates(month: "2005") }
        expectError(.invalidValue) { _ = try f.hq.rewardCandidates(month: "2005-3") }
        expectError(.invalidValue) { _ = try f.hq.rewardCandidates(month: "2005-03", count: 0) }
    }

    @Test func theReportCountsWhatWasGivenAndWhoIsStillDue() throws {
        let f = try given()
        let year = try f.run(f.reports(period: .year(2005)), HQReports.rewards)
        #expect(year.total == 4)
        #expect(year.rewards.map(\.id) == ["a1", "g1", "p1", "d1"])
        #expect(year.byKind.map(\.kind) == Domain.rewardKinds)
        #expect(year.byKind.map(\.count) == [1, 1, 0, 0, 1, 1])
        #expect(year.byKind.map(\.amount) == [0, 50_000, 0, 0, 30, 1_000_000])
        #expect(year.rewards[0].cases == ["choi-a"] && year.rewards[0].refs == ["CHOI-A"])
        #expect(year.rewards[2].division == "contracts" && year.rewards[2].memberKind == "internal-monitor")
        #expect(year.rewards[3].member == nil && year.rewards[3].division == "contracts" && year.rewards[3].note == "Best division of 2005-Q1")
        #expect(year.months.map(\.month) == ["2005-02", "2005-03"])
        #expect(year.months[1].candidates.map(\.points) == [38, 28, 3])
        #expect(year.months[1].givenTo == ["lee"] && year.months[1].unrewarded == 2 && year.months[0].unrewarded == 1)
        #expect(year.lettersDue.map(\.caseID) == ["lee-b", "lee-a"])

        #expect(year.csv.text == """
            list,month,rank,id,kind,member,name,member_kind,branch,division,period,date,amount,points,cases,refs\r
            reward,,,a1,appreciation-letter,choi,Choi,external-monitor,seoul,,2005-03,2005-03-25,,,choi-a,CHOI-A\r
            reward,,,g1,gift-certificate,lee,Lee Sun-hee,external-monitor,busan,,2005-03,2005-04-01,50000,,,\r
            reward,,,p1,points,park,Park,internal-monitor,busan,contracts,2005-Q1,2005-04-02,30,,,\r
            reward,,,d1,division-incentive,,,,,contracts,2005,2005-04-05,1000000,,,\r
            candidate,2005-02,1,,gift-certificate,lee,Lee Sun-hee,external-monitor,busan,,2005-02,,,20,,\r
            candidate,2005-03,1,g1,gift-certificate,lee,Lee Sun-hee,external-monitor,busan,,2005-03,2005-04-01,50000,38,,\r
            candidate,2005-03,2,,gift-certificate,choi,Choi,external-monitor,seoul,,2005-03,,,28,,\r
            candidate,2005-03,3,,gift-certificate,kang,Kang,external-monitor,busan,,2005-03,,,3,,\r
            letter-due,2005-02,,,appreciation-letter,lee,Lee Sun-hee,external-monitor,busan,,,2005-02-25,,,lee-b,LEE-B\r
            letter-due,2005-03,,,appreciation-letter,lee,Lee Sun-hee,external-monitor,busan,,,2005-03-10,,,lee-a,LEE-A\r

            """)

        // A quarter: what was given in it (by the day given); no outside monitor earned points in
        // it and the gift certificate rewards March, so no month to propose.
        let q2 = try f.run(f.reports(period: .quarter(2005, 2)), HQReports.rewards)
        #expect(q2.rewards.map(\.id) == ["g1", "p1", "d1"] && q2.months.isEmpty && q2.lettersDue.isEmpty)
        // Busan: its members' rewards and monitors; the division's incentive has no branch.
        let busan = try f.run(f.reports(period: .year(2005), branch: "busan", bestCount: 2), HQReports.rewards)
        #expect(busan.rewards.map(\.id) == ["g1", "p1"] && busan.total == 2)
        #expect(busan.months.map { $0.candidates.map(\.member) } == [["lee"], ["lee", "kang"]])
        #expect(busan.months[1].candidates.map(\.rank) == [1, 2])
        // The bundle carries it, and the CSV of every report names it.
        let bundle = try f.run(f.reports(period: .year(2005)), HQReports.all)
        #expect(bundle.rewards == year && bundle.sections.last?.name == .rewards)
    }

    @Test func badRewardsAreRefusedBeforeAnythingIsRecorded() throws {
        let f = try given()
        let hq = f.hq
        expectError(.invalidValue) { try hq.giveReward(kind: "medal", member: "lee", period: "2005-03") }
        expectError(.invalidValue) { try hq.giveReward(kind: "workshop-invitation", member: "lee", period: "all") }
        expectError(.invalidValue) { try hq.giveReward(kind: "workshop-invitation", member: "lee", period: "2005-13") }
        // A gift certificate rewards one month, an outside monitor, once.
        expectError(.invalidValue) { try hq.giveReward(kind: "gift-certificate", member: "choi", period: "2005") }
        expectError(.invalidValue) { try hq.giveReward(kind: "gift-certificate", member: "park", period: "2005-03") }
        expectError(.conflict) { try hq.giveReward(kind: "gift-certificate", member: "lee", period: "2005-03") }
        // Exactly one of member and division, by kind.
        expectError(.invalidValue) { try hq.giveReward(kind: "division-incentive", member: "park", period: "2005") }
        expectError(.invalidValue) { try hq.giveReward(kind: "division-incentive", period: "2005") }
        expectError(.invalidValue) { try hq.giveReward(kind: "gift-certificate", division: "contracts", period: "2005-03") }
        expectError(.invalidValue) { try hq.giveReward(kind: "points", member: "lee", division: "contracts", period: "2005") }
        expectError(.notFound) { try hq.giveReward(kind: "workshop-invitation", member: "nobody", period: "2005-03") }
        expectError(.invalidValue) { try hq.giveReward(kind: "points", member: "lee", period: "2005") }
        // A letter names reform tasks its recipient suggested, not yet thanked.
        expectError(.invalidValue) { try hq.giveReward(kind: "appreciation-letter", member: "lee", period: "2005-03") }
        expectError(.notFound) { try hq.giveReward(kind: "appreciation-letter", member: "lee", period: "2005-03", cases: ["nope"]) }
        expectError(.conflict) { try hq.giveReward(kind: "appreciation-letter", member: "lee", period: "2005-03", cases: ["open-a"]) }
        expectError(.invalidValue) { try hq.giveReward(kind: "appreciation-letter", member: "lee", period: "2005-03", cases: ["choi-a"]) }
        expectError(.conflict) { try hq.giveReward(kind: "appreciation-letter", member: "choi", period: "2005-03", cases: ["choi-a"]) }
        expectError(.conflict) { try hq.giveReward(kind: "web-posting", member: "lee", period: "2005-03", cases: ["open-a"]) }
        expectError(.invalidValue) { try hq.giveReward(kind: "workshop-invitation", member: "lee", period: "2005-03", amount: -1) }
        expectError(.invalidValue) { try hq.giveReward(kind: "workshop-invitation", member: "lee", period: "2005-03", on: "2006-01-03") }
        expectError(.conflict) { try hq.giveReward(id: "g1", kind: "workshop-invitation", member: "lee", period: "2005-03") }
        #expect(try hq.rewards().map(\.id) == ["a1", "g1", "p1", "d1"])
        // The web posting of a selected reform, and a workshop invitation, need no more.
        let posting = try hq.giveReward(id: "w1", kind: "web-posting", member: "lee", period: "2005-03", cases: ["LEE-A", "lee-a"])
        #expect(posting.cases == ["lee-a"] && posting.givenOn == "2006-01-02")
        #expect(try hq.rewards(member: "lee").map(\.id) == ["g1", "w1"])
        #expect(try hq.rewards(kind: "points").map(\.id) == ["p1"])
        // By the period rewarded (the posting rewards March too), not the day given.
        #expect(try hq.rewards(period: .quarter(2005, 1)).map(\.id) == ["a1", "g1", "p1", "w1"])
        expectError(.invalidValue) { _ = try hq.rewards(kind: "medal") }
    }

    @Test func onlyHeadquartersGivesRewardsAndTheRecipientSeesTheirs() throws {
        let f = try given()
        let (busan, _) = try makeReplica("kim", role: .branch, branch: "busan", prefix: "BSN", seed: 7, on: "2006-01-02")
        try f.hq.send(to: busan)
        let refused = Self.error { try busan.giveReward(kind: "workshop-invitation", member: "lee", period: "2005-03") }
        #expect(refused?.code == .forbidden && refused?.message.contains("only headquarters may give rewards") == true)
        let (monitor, _) = try makeReplica("yoon", role: .monitor, prefix: "YOON", seed: 8, on: "2006-01-02")
        expectError(.forbidden) { try monitor.giveReward(kind: "gift-certificate", member: "yoon", period: "2005-03") }
        let (expert, _) = try makeReplica("prof", role: .expert, prefix: "PROF", seed: 9, on: "2006-01-02")
        expectError(.forbidden) { try expert.giveReward(kind: "workshop-invitation", member: "prof", period: "2005-03") }

        // The server's rules: staff of any branch are refused (the same reason a replica gives),
        // and a reward is shown to its recipient only (HQ sees everything).
        let operations = try f.hq.operations().map(\.operation).filter { $0.entity == .reward }
        try f.hq.store.writer.read { db in
            let facts = ReplicaAccessFacts(db: db, visibility: .heldEntities)
            let policy = AccessPolicy()
            let denials = try policy.judge(operations, by: Principal(memberID: "hq1", role: .branch, branch: "busan"), facts: facts)
            #expect(denials.count == operations.count)
            #expect(denials.values.allSatisfy { $0.code == .forbidden && $0.reason.contains("only headquarters gives rewards") })
            #expect(try policy.judge(operations, by: Principal(memberID: "hq1", role: .hq), facts: facts).isEmpty)
            #expect(try policy.audience(of: EntityKey(.reward, "g1"), facts: facts) == [.member("lee")])
            #expect(try policy.audience(of: EntityKey(.reward, "d1"), facts: facts).isEmpty)
            #expect(AccessPolicy.referencedEntities(operations.first { $0.field == "cases" }!) == [EntityKey(.case, "choi-a")])
        }
    }

    @Test func theLetterIsAPrintablePageWithTheAgencysWording() throws {
        let f = try given()
        try f.hq.giveReward(id: "l1", kind: "appreciation-letter", member: "lee", period: "2005-03", cases: ["lee-a", "lee-b"],
                            on: "2005-04-02")
        let letter = try f.hq.rewardLetter("l1")
        #expect(letter.name == "Lee Sun-hee" && letter.agency == "Public Procurement Service" && letter.givenOn == "2005-04-02")
        #expect(letter.reforms.map(\.ref) == ["LEE-A", "LEE-B"])
        let html = letter.html
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("Dear Lee Sun-hee,"))
        #expect(html.contains("Bid bonds &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;refunds&#39;"))
        #expect(!html.contains("<script") && !html.contains(Self.hostileTitle))
        #expect(html.contains("LEE-B</span> — Task lee-b"))
        #expect(html.contains("2 April 2005") && html.contains("No. l1"))
        #expect(html.contains("selected as reform tasks") && html.contains("Public Procurement Service"))
        #expect(html.contains("@media print") && html.contains("size: A4"))
        // Nothing fetched: no address of any kind, no script, no external style or image.
        #expect(!html.lowercased().contains("http") && !html.contains("src=") && !html.contains("<link") && !html.contains("url("))

        let signed = try f.hq.rewardLetter("a1", agency: "PPS <Busan office>")
        #expect(signed.html.contains("PPS &lt;Busan office&gt;") && signed.html.contains("selected as a reform task"))
        #expect(signed.html.contains("Dear Choi,") && signed.html.contains("25 March 2005"))
        expectError(.invalidValue) { _ = try f.hq.rewardLetter("g1") }
        expectError(.notFound) { _ = try f.hq.rewardLetter("nope") }
        expectError(.invalidValue) { _ = try f.hq.rewardLetter("a1", agency: " ") }
    }

    static func error(_ body: () throws -> Void) -> SyncError? {
        do { try body(); return nil } catch let error as SyncError { return error } catch { return nil }
    }
}
