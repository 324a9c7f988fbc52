import FieldClient
import Foundation
import SyncCore
import Testing

@Suite("Mileage points (Table 1)")
struct PointsTests {
    @Test func policyFilesMatchTheEmbeddedCopiesAndTable1() throws {
        let points = try String(contentsOf: packageRoot.appendingPathComponent("Schemas/points-policy.json"), encoding: .utf8)
        #expect(points == PointsPolicy.embeddedJSON + "\n")
        let routing = try String(contentsOf: packageRoot.appendingPathComponent("Schemas/routing.json"), encoding: .utf8)
        #expect(routing == LadderRouting.embeddedJSON + "\n")
        let table1 = Dictionary(uniqueKeysWithValues: PointsPolicy.embedded.rules.map { ($0.criterion, $0.points) })
        #expect(table1 == ["agency-responsible": 1, "examined": 5, "submitted-to-council": 10, "accepted": 20,
                           "debate-subject": 10, "meeting-participation": 3])
        #expect(LadderRouting.embedded.causes.count == Domain.causes.count)
    }

    @Test func periodsParse() throws {
        #expect(try ReportPeriod(parsing: "2026-03") == .month(2026, 3))
        #expect(try ReportPeriod(parsing: "2026-Q2") == .quarter(2026, 2))
        #expect(try ReportPeriod(parsing: "2026") == .year(2026))
        #expect(try ReportPeriod(parsing: "all") == .all)
        #expect(ReportPeriod.quarter(2026, 1).bounds! == ("2026-01-01", "2026-03-31"))
        #expect(ReportPeriod.month(2024, 2).contains("2024-02-29"))
        #expect(ReportPeriod.month(2026, 3).yearBefore == .month(2025, 3))
        for bad in ["2026-13", "2026-Q5", "26", "march", "2026-3", ""] {
            #expect(throws: SyncError.self) { try ReportPeriod(parsing: bad) }
        }
    }

    /// The hand-computed story: see each expectation's comment.
    @Test func ledgerMatchesTable1ByHand() throws {
        let (branch, clock) = try makeReplica("kim", role: .branch, branch: "busan", prefix: "BSN", seed: 11, on: "2026-03-02")
        let (monitor, _) = try makeReplica("lee", role: .monitor, prefix: "LEE", seed: 12, on: "2026-03-02")
        try branch.addMember(id: "lee", MemberFields(name: "Lee", kind: "external-monitor"))
        try branch.addMember(id: "park", MemberFields(name: "Park", kind: "internal-monitor", division: "contracts"))
        try branch.addMember(id: "choi", MemberFields(name: "Choi", kind: "external-monitor"))
        // Lee's suggestion, made on Lee's own replica and synced to the branch.
        let a = try monitor.createCase(NewCase(title: "Refunds", body: "slow", area: "goods", cause: "process", branch: "busan"))
        try exchange(branch, monitor)
        let b = try branch.createCase(NewCase(title: "Forms", body: "too many", area: "services", cause: "practice",
                                              source: "internal-monitor", submitter: "park"))
        try branch.route(a.id)
        try branch.milestone(a.id, "agency-responsible")              // lee +1  (03-02)
        clock.set(at("2026-03-03"))
        try branch.milestone(a.id, "examined")                        // lee +5  (03-03)
        try branch.milestone(a.id, "agency-responsible")              // again: nothing
        try branch.createCouncil(id: "pc", name: "PC", members: ["kim"])
        clock.set(at("2026-03-04"))
        try branch.createMotion(id: "m", case: a.id, council: "pc", action: "accept") // lee +10 (03-04)
        try branch.vote("m", "yes")
        clock.set(at("2026-03-05"))
        try branch.closeMotion("m", enact: true)                      // lee +20 (03-05)
        clock.set(at("2026-03-06"))
        try branch.milestone(b.id, "agency-responsible")              // park +1 (03-06)
        try branch.createMeeting(id: "w1", kind: "workshop", title: "Workshop", date: "2026-03-14")
        try branch.attend("w1", members: ["lee", "park", "choi", "kim"])
        try branch.confirm("w1", members: ["lee", "park", "kim"])     // lee +3, park +3; choi unconfirmed; kim is staff
        try branch.raiseSubject("w1", member: "lee", subject: "Refund deadlines") // lee +10
        clock.set(at("2026-04-02"))
        try branch.milestone(b.id, "examined")                        // park +5 (04-02)
        try branch.createMeeting(id: "w2", kind: "practical-council", title: "Council", date: "2026-04-10")
        try branch.attend("w2", members: ["lee"])
        try branch.confirm("w2", members: ["lee"])                    // lee +3 (04-10)
        try exchange(branch, monitor)

        let ledger = try monitor.ledger(member: "lee")
        #expect(ledger.map(\.criterion) == ["agency-responsible", "examined", "submitted-to-council", "accepted",
                                            "debate-subject", "meeting-participation", "meeting-participation"])
        #expect(ledger.map(\.points) == [1, 5, 10, 20, 10, 3, 3])
        #expect(ledger.map(\.date) == ["2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05", "2026-03-14", "2026-03-14", "2026-04-10"])
        #expect(ledger[0].subjectLabel == "LEE-2026-0001")

        let march = try branch.leaderboard(period: .month(2026, 3))
        #expect(march.map(\.member) == ["lee", "park"])
        #expect(march.map(\.points) == [49, 4])
        #expect(try branch.leaderboard(period: .month(2026, 4)).map(\.points) == [5, 3]) // park 5, lee 3
        #expect(try branch.leaderboard(period: .month(2026, 4)).map(\.member) == ["park", "lee"])
        #expect(try branch.leaderboard(period: .quarter(2026, 1)).map(\.points) == [49, 4])
        #expect(try branch.leaderboard(period: .year(2026)).map(\.points) == [52, 9])
        #expect(try branch.leaderboard(period: .year(2025)).isEmpty)
        #expect(try branch.bestMonitors(month: "2026-03", count: 1).map(\.member) == ["lee"])
        let divisions = try branch.divisionPoints(period: .year(2026))
        #expect(divisions.map(\.division) == ["(none)", "contracts"])
        #expect(divisions.map(\.points) == [52, 9])
        #expect(divisions.first { $0.division == "contracts" }?.findings == 1)
        // The same numbers on both replicas.
        #expect(try monitor.leaderboard(period: .year(2026)) == branch.leaderboard(period: .year(2026)))
        #expect(try monitor.digest() == branch.digest())
    }

    @Test func aDifferentPolicyVersionIsLoadedAtRuntime() throws {
        let (branch, _) = try makeReplica("kim", role: .branch, branch: "busan", prefix: "BSN", seed: 21)
        try branch.addMember(id: "lee", MemberFields(name: "Lee", kind: "external-monitor"))
        let made = try branch.createCase(NewCase(title: "t", body: "b", area: "goods", cause: "process", submitter: "lee"))
        try branch.milestone(made.id, "examined")
        var policy = PointsPolicy.embedded
        policy.version = 2
        policy.rules = policy.rules.map { rule in
            var rule = rule
            if rule.criterion == "examined" { rule.points = 7 }
            return rule
        }
        let dir = try TempDir()
        defer { dir.remove() }
        let encoder = JSONEncoder()
        try encoder.encode(policy).write(to: URL(fileURLWithPath: dir.path("p.json")))
        let loaded = try PointsPolicy.load(path: dir.path("p.json"))
        #expect(try branch.ledger(member: "lee", policy: loaded).map(\.points) == [7])
        #expect(try branch.ledger(member: "lee").map(\.points) == [5])
        try Data("{\"policy\":1}".utf8).write(to: URL(fileURLWithPath: dir.path("bad.json")))
        #expect(throws: SyncError.self) { try PointsPolicy.load(path: dir.path("bad.json")) }
    }
}
