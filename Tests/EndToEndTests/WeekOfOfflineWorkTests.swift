import FieldClient
import Foundation
import SyncCore
import Testing

/// Issue 5's story: HQ, two branches and monitors work offline for a week against a real
/// `syncserver` process on 127.0.0.1, sync in different orders (some interrupted), and end
/// with one state.
@Suite(.serialized) struct WeekOfOfflineWorkTests {
    @Test func aWeekOfOfflineWorkConverges() async throws {
        let directory = try TemporaryDirectory()
        let server = ServerProcess(dataDirectory: directory.path("server"))
        let hqToken = try server.bootstrap(member: "hq1")
        try server.start()
        defer { server.stop() }

        func device(_ name: String, _ member: String, _ role: Role, branch: String? = nil, kind: String? = nil,
                    prefix: String, skew: Int64, token: String? = nil, seed: UInt64) throws -> Device {
            let token = try token ?? server.issueToken(member: member, role: role.rawValue, branch: branch)
            return try Device(name: name, directory: directory,
                              setup: .init(memberID: member, name: "Member \(member)", role: role, branch: branch,
                                           monitorKind: kind, refPrefix: prefix),
                              skewMilliseconds: skew, server: server, token: token, seed: seed)
        }
        let hq = try device("hq", "hq1", .hq, prefix: "HQ", skew: 0, token: hqToken, seed: 1)
        let busan = try device("busan", "kim", .branch, branch: "busan", prefix: "BSN", skew: -7 * 60_000, seed: 2)
        let daegu = try device("daegu", "lee", .branch, branch: "daegu", prefix: "DGU", skew: 3 * 3_600_000, seed: 3)
        let m1 = try device("m1", "park", .monitor, kind: "external-monitor", prefix: "PRK", skew: 90_000, seed: 4)
        let m2 = try device("m2", "choi", .monitor, kind: "external-monitor", prefix: "CHO", skew: -3_600_000, seed: 5)
        let m3Token = try server.issueToken(member: "jung", role: "monitor", kind: "internal")
        let m3laptop = try device("m3laptop", "jung", .monitor, kind: "internal-monitor", prefix: "JNG", skew: 0, token: m3Token, seed: 6)
        let m3phone = try device("m3phone", "jung", .monitor, kind: "internal-monitor", prefix: "JNP", skew: 45_000, token: m3Token, seed: 7)
        let everyone = [hq, busan, daegu, m1, m2, m3laptop, m3phone]

        // Monday, offline: set-up and first findings.
        _ = try hq.replica.createMeeting(id: "ws-0302", kind: "workshop", title: "E-procurement debate", date: "2026-03-04")
        let caseA = try busan.replica.createCase(NewCase(title: "Bid bond refunds take 40 days", body: "Suppliers wait too long.",
                                                         area: "goods", cause: "process", branch: "busan"))
        _ = try busan.replica.route(caseA.id)
        let caseB = try daegu.replica.createCase(NewCase(title: "Inspection rules differ by site", body: "Two sites, two rules.",
                                                         area: "construction-management", cause: "practice", branch: "daegu"))
        _ = try daegu.replica.route(caseB.id)
        let caseC = try m1.replica.createCase(NewCase(title: "Certificate upload fails", body: "The portal rejects valid certificates.",
                                                      area: "e-procurement", cause: "electronic-system", branch: "busan"))
        let caseD = try m2.replica.createCase(NewCase(title: "Deposit rule is unclear", body: "Nobody knows which rule applies.",
                                                      area: "services", cause: "law-system", branch: "daegu"))
        for device in everyone { device.advance(hours: 8) }

        // Monday evening: everyone syncs, HQ first; m1's first sync drops half-way and resumes.
        for device in [hq, busan, daegu, m2, m3laptop, m3phone] { try await device.sync() }
        await #expect(throws: SyncError.self) { try await m1.sync(transport: FlakyTransport(baseURL: server.baseURL, failAfter: 2)) }
        try await m1.sync()
        for device in everyone {
            let report = try await device.sync()
            #expect(report.rejected.isEmpty, "\(device.name): \(report.rejected)")
        }

        // Tuesday/Wednesday, offline: the workshop, the ladder, concurrent edits, a motion.
        for device in everyone { device.advance(hours: 24) }
        _ = try hq.replica.createCouncil(id: "cnl-practical", name: "Practical council", members: ["hq1", "park", "jung"])
        _ = try hq.replica.attend("ws-0302", members: ["park", "choi", "jung"])
        _ = try busan.replica.attend("ws-0302", members: ["park", "choi"])           // the same attendances, on a second device
        _ = try m1.replica.attend("ws-0302", members: ["park"])                      // and the monitor's own record
        _ = try m1.replica.raiseSubject("ws-0302", member: "park", subject: "Certificates expire too soon")
        _ = try busan.replica.raiseSubject("ws-0302", member: "park", subject: "Certificates expire too soon")
        _ = try hq.replica.confirm("ws-0302", members: ["park", "choi"])
        _ = try busan.replica.route(caseC.id)
        _ = try busan.replica.milestone(caseC.id, "agency-responsible")
        _ = try busan.replica.milestone(caseC.id, "examined")
        _ = try busan.replica.editCase(caseA.id, CaseEdit(title: "Bid bond refunds take 40 days in Busan"))
        _ = try hq.replica.editCase(caseA.id, CaseEdit(title: "Bid bond refunds are slow nationwide"))   // concurrent, unaware
        _ = try daegu.replica.escalate(caseB.id)
        try m2.replica.comment(caseD.id, "Added the two contradictory notices.")
        for device in everyone { device.advance(hours: 4) }

        // Wednesday: syncs in another order; busan's is interrupted and resumed.
        for device in [m2, daegu] { try await device.sync() }
        await #expect(throws: SyncError.self) { try await busan.sync(transport: FlakyTransport(baseURL: server.baseURL, failAfter: 1)) }
        for device in [m3phone, busan, hq, m1, m3laptop, busan] { try await device.sync() }

        // Thursday: a motion on m1's case; jung changes their vote on two devices, offline.
        for device in everyone { device.advance(hours: 20) }
        _ = try hq.replica.milestone(caseC.id, "submitted-to-council")
        let motion = try hq.replica.createMotion(id: "mo-c", case: caseC.id, council: "cnl-practical", action: "accept", quorum: 2)
        try await hq.sync()
        for device in [m1, m3laptop, m3phone] { try await device.sync() }
        _ = try m1.replica.vote(motion.id, "yes")
        _ = try m3laptop.replica.vote(motion.id, "no")
        m3phone.advance(hours: 1)
        _ = try m3phone.replica.vote(motion.id, "yes")                             // changed their mind, on the phone
        for device in [m3phone, m1, m3laptop] { try await device.sync() }
        try await hq.sync()
        hq.advance(hours: 2)
        _ = try hq.replica.closeMotion(motion.id)
        try await hq.sync()
        // Friday: a late vote cast offline after the closing is recorded but does not count.
        m3laptop.advance(hours: 30)
        _ = try m3laptop.replica.vote(motion.id, "no")
        _ = try hq.replica.decide(caseC.id, accept: true, reason: "Fixed in the portal release of 2026-03-06.")

        // End of the week: everyone syncs, twice, in reverse orders.
        for device in everyone.reversed() { try await device.sync() }
        var reports: [String: SyncReport] = [:]
        for device in everyone { reports[device.name] = try await device.sync() }

        // Every replica shows exactly what the server shows for its scope.
        for device in everyone {
            let report = try #require(reports[device.name])
            #expect(report.converged == true, "\(device.name): \(report.digest) vs server \(report.serverDigest ?? "-")")
            #expect(report.rejected.isEmpty, "\(device.name) had rejections: \(report.rejected)")
            #expect(try device.replica.syncState().settings != nil)
            let waiting = try await device.replica.store.writer.read { db in try device.replica.store.countWaiting(db) }
            #expect(waiting == 0)
        }
        // HQ sees everything: nothing recorded anywhere is missing.
        let hqOps = try hq.operationIDs
        for device in everyone {
            let missing = try device.operationIDs.subtracting(hqOps)
            #expect(missing.isEmpty, "\(device.name)'s operations missing at HQ: \(missing.sorted().prefix(5))")
        }
        // The concurrent title edit is visible, identically, where the case is visible.
        let hqConflicts = try hq.replica.conflicts().filter { $0.entityID == caseA.id }
        #expect(hqConflicts.count == 1)
        #expect(Set(hqConflicts.first?.competing.map(\.value) ?? []) ==
                [.string("Bid bond refunds take 40 days in Busan"), .string("Bid bond refunds are slow nationwide")])
        #expect(try busan.replica.conflicts().filter { $0.entityID == caseA.id } == hqConflicts)
        // Attendance recorded on three devices counts once; the subject raised twice is one subject.
        let workshop = try hq.replica.meeting("ws-0302")
        #expect(workshop.attendance.map(\.member).sorted() == ["choi", "jung", "park"])
        #expect(workshop.debateSubjects.count == 1)
        #expect(try busan.replica.meeting("ws-0302") == workshop)
        // The tally agrees everywhere it is visible: park yes, jung's last vote before closing (yes, on the phone).
        let tallies = try [hq, m1, m3laptop, m3phone].map { try $0.replica.tally("mo-c") }
        #expect(tallies.allSatisfy { $0 == tallies[0] })
        #expect(tallies[0].yes == 2 && tallies[0].no == 0)
        // Points agree between HQ and the monitor's own replica.
        let hqLedger = try hq.replica.ledger(member: "park")
        #expect(try m1.replica.ledger(member: "park") == hqLedger)
        let total = hqLedger.map(\.points).reduce(0, +)
        #expect(total == 49, "1 + 5 + 10 + 20 for the accepted suggestion, 10 for the subject, 3 for the workshop")
        // The monitor learns what became of their suggestion.
        let inbox = try m1.replica.inbox()
        #expect(inbox.first { $0.caseID == caseC.id }?.status == "accepted")
        // Partial replication: monitors never receive other people's cases.
        #expect(try m2.replica.cases().map(\.id).sorted() == [caseD.id])
        #expect(try m1.replica.cases().map(\.id).contains(caseD.id) == false)
        #expect(try daegu.replica.cases().map(\.id).contains(caseA.id) == false)
        _ = server.log
    }
}
