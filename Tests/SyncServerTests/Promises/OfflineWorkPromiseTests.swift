import FieldClient
import Foundation
import GRDB
import HummingbirdTesting
import SyncCore
import SyncServer
import Testing

/// "Nothing recorded offline is lost": real field replicas (`FieldReplica` + `SyncClient` over
/// URLSession) against the app on a real port of 127.0.0.1, with clocks the test controls
/// (issue 9, items 6, 10, 12, 13, 14, 16 and 19).
@Suite("Promise: nothing recorded offline is lost")
struct OfflineWorkPromiseTests {
    static let hour: Int64 = 3_600_000
    /// Five minutes: what "dated within minutes of true time" means here.
    static let minutes: Int64 = 5 * 60_000

    /// A server with HQ, Busan staff (kim) and two external monitors (lee, park), each with a
    /// device; `skews` sets a device's clock against the server's.
    struct Nation {
        let harness: ServerHarness
        let hq: FieldDevice, kim: FieldDevice, lee: FieldDevice, park: FieldDevice

        init(_ harness: ServerHarness, port: Int, skews: [String: Int64] = [:], batchSize: Int = 500) async throws {
            self.harness = harness
            func device(_ member: String, _ role: Role, _ branch: String?, _ prefix: String, _ seed: UInt64) async throws -> FieldDevice {
                let token = try await harness.token(member, role == .hq ? .hq : role == .branch ? .branch : .monitor,
                                                    branch: branch, kind: role == .monitor ? .external : nil)
                return try FieldDevice(harness, port: port, member: member, role: role, branch: branch, prefix: prefix, token: token,
                                       skewMilliseconds: skews[member] ?? 0, batchSize: batchSize, seed: seed)
            }
            hq = try await device("hq1", .hq, nil, "HQ", 1)
            kim = try await device("kim", .branch, "busan", "BSN", 2)
            lee = try await device("lee", .monitor, nil, "LEE", 3)
            park = try await device("park", .monitor, nil, "PRK", 4)
        }
    }

    // MARK: 10 and 12. Offline work at a workshop

    @Test("a workshop a monitor records offline reaches the server whole, with their attendance and subject")
    func monitorsOwnWorkshopIsKept() async throws {
        let harness = try ServerHarness()
        try await harness.app().test(.live) { client in
            let nation = try await Nation(harness, port: try #require(client.port))
            let lee = nation.lee.replica
            _ = try lee.createMeeting(id: "ws-lee", kind: "workshop", title: "Suppliers' debate", date: "2026-01-09", branch: "busan")
            _ = try lee.attend("ws-lee", members: ["lee"])
            _ = try lee.raiseSubject("ws-lee", member: "lee", subject: "Refund deadlines")
            // What the server would refuse is refused now, before anything is recorded.
            let before = try lee.digest()
            #expect(throws: SyncError.self) { try lee.createMeeting(kind: "weekly-satisfaction", title: "W", date: "2026-01-09") }
            #expect(try lee.digest() == before)

            let report = try await nation.lee.sync()
            #expect(report.rejected.isEmpty, "\(report.rejected)")
            #expect(report.converged == true && report.waiting == 0)
            try await nation.kim.sync()
            let seen = try nation.kim.replica.meeting("ws-lee")
            #expect(seen.attendance.map(\.member) == ["lee"] && seen.debateSubjects.map(\.member) == ["lee"])
            _ = try nation.kim.replica.confirm("ws-lee", members: ["lee"])
            #expect(try await nation.kim.sync().rejected.isEmpty)
            try await nation.lee.sync()
            #expect(try lee.ledger(member: "lee").map(\.points).reduce(0, +) == 13) // subject 10 + participation 3
            // Shown to its organiser, the branch it names and HQ; not to another monitor.
            try await nation.park.sync()
            #expect(throws: SyncError.self) { try nation.park.replica.meeting("ws-lee") }
            try await nation.hq.sync()
            #expect(try nation.hq.replica.meeting("ws-lee").title == "Suppliers' debate")
        }
    }

    @Test("a monitor withdraws their own attendance; once staff confirmed it the replica refuses before recording")
    func unattendNeverDoomsOfflineWork() async throws {
        let harness = try ServerHarness()
        try await harness.app().test(.live) { client in
            let nation = try await Nation(harness, port: try #require(client.port))
            _ = try nation.kim.replica.createMeeting(id: "ws", kind: "workshop", title: "Open debate", date: "2026-01-09")
            try await nation.kim.sync()
            try await nation.lee.sync()
            _ = try nation.lee.replica.attend("ws", members: ["lee"])
            _ = try nation.lee.replica.unattend("ws", member: "lee")
            _ = try nation.lee.replica.attend("ws", members: ["lee"])
            #expect(try await nation.lee.sync().rejected.isEmpty)
            try await nation.kim.sync()
            _ = try nation.kim.replica.confirm("ws", members: ["lee"])
            try await nation.kim.sync()
            try await nation.lee.sync()
            let waitingBefore = try nation.lee.replica.status().waiting
            #expect(throws: SyncError.self) { try nation.lee.replica.unattend("ws", member: "lee") }
            #expect(try nation.lee.replica.status().waiting == waitingBefore, "nothing the server would refuse was recorded")
            #expect(try await nation.lee.sync().rejected.isEmpty)
        }
    }

    // MARK: 13 and 14. Clocks

    @Test("a server 25 hours slow refuses for now, the replica re-dates and converges in the same sync, and after the server is set right")
    func slowServerNeverLosesWork() async throws {
        let harness = try ServerHarness()
        try await harness.app().test(.live) { client in
            // Every device is right; the server is 25 hours behind them.
            let nation = try await Nation(harness, port: try #require(client.port),
                                          skews: ["hq1": 25 * Self.hour, "kim": 25 * Self.hour, "lee": 25 * Self.hour, "park": 25 * Self.hour])
            let made = try nation.lee.replica.createCase(NewCase(title: "Portal times out", body: "Every evening",
                                                                 area: "e-procurement", cause: "electronic-system", branch: "busan"))
            let report = try await nation.lee.sync()
            #expect(report.rejected.isEmpty && report.deferred > 0 && report.redated > 0, "\(report)")
            #expect(report.waiting == 0 && report.converged == true)
            // The server's clock is set right; work goes on and nothing was lost.
            harness.clock.advance(by: 25 * Self.hour)
            try nation.lee.replica.comment(made.id, "Still happening")
            let again = try await nation.lee.sync()
            #expect(again.rejected.isEmpty && again.waiting == 0 && again.converged == true, "\(again)")
            try await nation.hq.sync()
            #expect(try nation.hq.replica.caseDetail(made.id).comments.count == 1)
            let leeIDs = Set(try nation.lee.operations.map(\.id))
            let serverIDs = try harness.storage.store.allOperationIDs()
            #expect(leeIDs.allSatisfy { serverIDs.contains($0.description) })
        }
    }

    @Test("a device two days ahead is re-dated on its first sync, and once corrected writes in true time")
    func fastDeviceIsCorrected() async throws {
        let harness = try ServerHarness()
        try await harness.app().test(.live) { client in
            let nation = try await Nation(harness, port: try #require(client.port), skews: ["lee": 48 * Self.hour])
            let made = try nation.lee.replica.createCase(NewCase(title: "Forms", body: "Too many", area: "goods", cause: "process",
                                                                 branch: "busan"))
            let first = try await nation.lee.sync()
            #expect(first.rejected.isEmpty && first.redated > 0 && first.waiting == 0 && first.converged == true, "\(first)")
            let now = harness.clock.nowMilliseconds()
            for op in try nation.lee.operations { #expect(abs(op.hlc.wallMilliseconds - now) < Self.minutes, "\(op.hlc)") }
            // Someone sets the device's clock right: its next edit is not dated 47 hours ahead.
            nation.lee.clock.setSkew(0)
            try nation.lee.replica.comment(made.id, "After the clock was fixed")
            let last = try #require(try nation.lee.operations.last)
            #expect(abs(last.hlc.wallMilliseconds - harness.clock.nowMilliseconds()) < Self.minutes)
            let second = try await nation.lee.sync()
            #expect(second.rejected.isEmpty && second.deferred == 0 && second.converged == true, "\(second)")
            // The correction followed the clock being set: dates of record are today's, not two days ago.
            let later = try nation.lee.replica.createCase(NewCase(title: "Dated", body: "B", area: "goods", cause: "process",
                                                                  branch: "busan"))
            #expect(later.reportedOn == CivilDate(millisecondsSinceEpoch: harness.clock.nowMilliseconds()).description)
        }
    }

    @Test("a device wrong by up to a day that has synced once dates its operations within minutes of true time")
    func syncedOnceMeansTrueTime() async throws {
        let harness = try ServerHarness()
        try await harness.app().test(.live) { client in
            let nation = try await Nation(harness, port: try #require(client.port),
                                          skews: ["lee": -23 * Self.hour, "park": 23 * Self.hour + 54 * 60_000])
            try await nation.lee.sync()
            try await nation.park.sync()
            harness.clock.advance(by: 90 * 60_000)
            for device in [nation.lee, nation.park] {
                let op = try device.replica.createCase(NewCase(title: "T", body: "B", area: "goods", cause: "process", branch: "busan"))
                let logged = try #require(try device.replica.caseDetail(op.id).history.first)
                let dated = try #require(HLCTimestamp(logged.hlc)).wallMilliseconds
                let member = try device.replica.identity().memberID
                #expect(abs(dated - harness.clock.nowMilliseconds()) < Self.minutes, "\(member)")
            }
        }
    }

    @Test("a device a day ahead drags nobody's clock: the edit made later in real time wins")
    func latestWinsFollowsRealTime() async throws {
        let harness = try ServerHarness()
        try await harness.app().test(.live) { client in
            let nation = try await Nation(harness, port: try #require(client.port), skews: ["park": 23 * Self.hour + 54 * 60_000])
            let made = try nation.kim.replica.createCase(NewCase(title: "Original", body: "B", area: "goods", cause: "process",
                                                                 submitter: "kim"))
            try await nation.kim.sync()
            try await nation.hq.sync()
            // HQ's and Busan's devices edit the same title, Busan a minute later in real time,
            // neither having seen the other; HQ's device is the fast one.
            let hq2 = try FieldDevice(harness, port: try #require(client.port), member: "hq2", role: .hq, prefix: "HQB",
                                      token: try await harness.token("hq2", .hq), skewMilliseconds: 23 * Self.hour + 54 * 60_000, seed: 9)
            try await hq2.sync()
            _ = try hq2.replica.editCase(made.id, CaseEdit(title: "From the fast device"))
            harness.clock.advance(by: 60_000)
            _ = try nation.kim.replica.editCase(made.id, CaseEdit(title: "Later in real time"))
            try await hq2.sync()
            try await nation.kim.sync()
            try await hq2.sync()
            for device in [hq2, nation.kim] {
                #expect(try device.replica.caseDetail(made.id).summary.title == "Later in real time")
            }
            // And the slowest honest replica still writes in true time afterwards.
            _ = try nation.kim.replica.comment(made.id, "next")
            let last = try #require(try nation.kim.operations.last)
            #expect(abs(last.hlc.wallMilliseconds - harness.clock.nowMilliseconds()) < Self.minutes)
        }
    }

    @Test("a server whose clock was ahead and is set back locks no replica out")
    func serverClockSetBackLocksNoOneOut() async throws {
        let harness = try ServerHarness()
        try await harness.app().test(.live) { client in
            let nation = try await Nation(harness, port: try #require(client.port))
            harness.clock.advance(by: 2 * Self.hour)        // the server runs two hours fast...
            try await nation.lee.sync()                      // ...and the replica follows it
            _ = try nation.lee.replica.createCase(NewCase(title: "Before", body: "B", area: "goods", cause: "process", branch: "busan"))
            #expect(try await nation.lee.sync().waiting == 0)
            harness.clock.advance(by: -2 * Self.hour)       // the server is set right
            _ = try nation.lee.replica.createCase(NewCase(title: "After", body: "B", area: "goods", cause: "process", branch: "busan"))
            let report = try await nation.lee.sync()
            #expect(report.waiting == 0 && report.rejected.isEmpty && report.converged == true, "\(report)")
        }
    }

    // MARK: 3 (review). Offline work made of several steps arrives whole

    @Test("a case created and moved to another branch before the next sync is kept whole")
    func createdThenMovedIsKept() async throws {
        let harness = try ServerHarness()
        try await harness.app().test(.live) { client in
            let nation = try await Nation(harness, port: try #require(client.port))
            let made = try nation.kim.replica.createCase(NewCase(title: "Wrong office", body: "B", area: "goods", cause: "process",
                                                                 submitter: "kim"))
            _ = try nation.kim.replica.editCase(made.id, CaseEdit(branch: "seoul"))
            let report = try await nation.kim.sync()
            #expect(report.rejected.isEmpty && report.waiting == 0, "\(report.rejected)")
            try await nation.hq.sync()
            #expect(try nation.hq.replica.caseDetail(made.id).summary.branch == "seoul")
        }
    }

    @Test("what an operation refers to travels with it, however the waiting work is batched")
    func referencesTravelWithWhatTheyName() async throws {
        let harness = try ServerHarness()
        try await harness.app().test(.live) { client in
            let nation = try await Nation(harness, port: try #require(client.port), batchSize: 5)
            _ = try nation.kim.replica.createMeeting(id: "mB", kind: "weekly-satisfaction", title: "Friday", date: "2026-01-09")
            for index in 1...6 {
                _ = try nation.kim.replica.createCase(NewCase(title: "Filler \(index)", body: "B", area: "goods", cause: "process",
                                                              submitter: "kim"))
            }
            let late = try nation.kim.replica.createCase(NewCase(title: "On the agenda", body: "B", area: "goods", cause: "process",
                                                                 submitter: "kim"))
            _ = try nation.kim.replica.agenda("mB", cases: [late.id])
            let report = try await nation.kim.sync()
            #expect(report.rejected.isEmpty && report.waiting == 0, "\(report.rejected)")
            try await nation.hq.sync()
            #expect(try nation.hq.replica.meeting("mB").agenda == [late.id])
        }
    }

    // MARK: 16. Queues always move

    @Test("an entity with more waiting operations than one push may carry never blocks the sync")
    func oversizedEntityDoesNotBlockTheQueue() async throws {
        let harness = try ServerHarness(configuration: ServerConfiguration(host: "127.0.0.1", port: 0, maxBatchOperations: 20))
        try await harness.app().test(.live) { client in
            let nation = try await Nation(harness, port: try #require(client.port))
            let busy = try nation.lee.replica.createCase(NewCase(title: "Busy", body: "Many notes", area: "goods", cause: "process",
                                                                 branch: "busan"))
            for index in 1...15 { try nation.lee.replica.comment(busy.id, "Note \(index)") }
            let other = try nation.lee.replica.createCase(NewCase(title: "Unrelated", body: "B", area: "services", cause: "practice",
                                                                  branch: "busan"))
            let report = try await nation.lee.sync()
            #expect(report.rejected.isEmpty && report.waiting == 0 && report.converged == true, "\(report)")
            try await nation.hq.sync()
            #expect(try nation.hq.replica.caseDetail(busy.id).comments.count == 15)
            #expect(try nation.hq.replica.caseDetail(other.id).summary.title == "Unrelated")
        }
    }

    // MARK: 19. A new scope brings everything it may see

    @Test("a member moved to another branch receives that branch's existing cases")
    func newScopeBringsEverything() async throws {
        let harness = try ServerHarness()
        try await harness.app().test(.live) { client in
            let port = try #require(client.port)
            let nation = try await Nation(harness, port: port)
            let seoulCase = try nation.hq.replica.createCase(NewCase(title: "Seoul's", body: "B", area: "goods", cause: "process",
                                                                     branch: "seoul"))
            try await nation.hq.sync()
            try await nation.kim.sync()
            #expect(throws: SyncError.self) { try nation.kim.replica.caseDetail(seoulCase.id) }
            // Kim moves to Seoul and gets a Seoul token: `field remote set` with the same URL.
            let seoulToken = try await harness.token("kim", .branch, branch: "seoul")
            var settings = try #require(try nation.kim.replica.syncState().settings)
            settings.token = seoulToken
            try nation.kim.replica.setRemote(settings)
            let moved = try await nation.kim.sync()
            #expect(try nation.kim.replica.caseDetail(seoulCase.id).summary.title == "Seoul's")
            // The replica now works for Seoul: new work is filed there, and the server takes it.
            let identity = try nation.kim.replica.identity()
            #expect(moved.branchChanged == "seoul" && identity.branch == "seoul")
            let filed = try nation.kim.replica.createCase(NewCase(title: "Filed in Seoul", body: "B", area: "goods", cause: "process",
                                                                  submitter: "kim"))
            #expect(filed.branch == "seoul")
            #expect(try await nation.kim.sync().rejected.isEmpty)
            // A replica that changed its token without resetting its cursor (an older client)
            // learns from the pull answer that its scope changed, and starts over.
            let other = try FieldDevice(harness, port: port, member: "kim", role: .branch, branch: "busan", prefix: "KB2",
                                        token: try await harness.token("kim", .branch, branch: "busan"), seed: 21)
            try await other.sync()
            try await other.replica.store.writer.write { db in
                try db.execute(sql: "UPDATE field_sync SET token = ?", arguments: [seoulToken])
            }
            let report = try await other.sync()
            #expect(report.scopeChanged && report.converged == true)
            #expect(try other.replica.caseDetail(seoulCase.id).summary.title == "Seoul's")
        }
    }

    // MARK: 6. Quotas hold work back, never lose it

    @Test("a member over the daily quota is told to wait; the waiting work goes the next day")
    func quotaDefersButKeeps() async throws {
        let harness = try ServerHarness(quota: UsageQuota(operationsPerDay: 30, bytesPerDay: 0))
        try await harness.app().test(.live) { client in
            let nation = try await Nation(harness, port: try #require(client.port), batchSize: 10)
            for index in 1...6 {
                _ = try nation.lee.replica.createCase(NewCase(title: "Case \(index)", body: "B", area: "goods", cause: "process",
                                                              branch: "busan"))
            }
            let total = try nation.lee.operations.count
            try await nation.kim.sync()
            // Over the quota, pushing stops; the sync still pulls and says why changes wait.
            let held = try await nation.lee.sync()
            #expect(held.throttled?.contains("quota_exceeded") == true, "\(held)")
            let stored = try harness.storage.store.allOperationIDs().filter { $0.hasPrefix(nation.lee.replica.store.replicaID.rawValue) }
            #expect(stored.count <= 30 && stored.count > 0)
            #expect(try nation.lee.replica.status().waiting == total - stored.count)
            #expect(held.pulled + held.snapshotOperations > 0 && held.waiting == total - stored.count)
            harness.clock.advance(by: 24 * Self.hour)
            let report = try await nation.lee.sync()
            #expect(report.waiting == 0 && report.converged == true && report.throttled == nil, "\(report)")
        }
    }
}
