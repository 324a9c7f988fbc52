import FieldClient
import Foundation
import SyncCore
import Testing

/// Forged operations, restarts, kills and an unreachable server, against the real processes.
@Suite(.serialized) struct SyncFaultTests {
    /// A server with HQ and one monitor replica, both configured.
    struct World {
        let directory: TemporaryDirectory
        let server: ServerProcess
        let hq: Device
        let monitor: Device
    }

    func makeWorld(start: Bool = true) throws -> World {
        let directory = try TemporaryDirectory()
        let server = ServerProcess(dataDirectory: directory.path("server"))
        let hqToken = try server.bootstrap(member: "hq1")
        if start { try server.start() } else { server.port = 9 }
        let monitorToken = try server.issueToken(member: "park", role: "monitor")
        let hq = try Device(name: "hq", directory: directory, setup: .init(memberID: "hq1", name: "HQ", role: .hq, refPrefix: "HQ"),
                            skewMilliseconds: 0, server: server, token: hqToken, seed: 11)
        let monitor = try Device(name: "m1", directory: directory,
                                 setup: .init(memberID: "park", name: "Park", role: .monitor, refPrefix: "PRK"),
                                 skewMilliseconds: 5_000, server: server, token: monitorToken, seed: 12)
        return World(directory: directory, server: server, hq: hq, monitor: monitor)
    }

    @Test func forgedOperationsAreRejectedAndReportedWhileTheRestGoesThrough() async throws {
        let world = try makeWorld()
        defer { world.server.stop() }
        let mine = try world.monitor.replica.createCase(NewCase(title: "Portal times out", body: "At 17:59 every day.",
                                                                area: "e-procurement", cause: "electronic-system"))
        // Bypassing the client's own checks, as a tampered replica would.
        let store = world.monitor.replica.store
        let forged = try store.record([.reach(.case, mine.id, "accepted")], author: "park")
        let impersonated = try store.record([.set(.member, "hq1", "name", .string("Someone else"))], author: "hq1")
        try world.monitor.replica.comment(mine.id, "Still happening on Monday.")
        let report = try await world.monitor.sync()
        #expect(Set(report.rejected.map(\.id)) == [forged[0].id.description, impersonated[0].id.description], "\(report.rejected)")
        #expect(report.acknowledged == report.pushed - 2)
        let status = try await world.monitor.replica.syncStatus(checkServer: true)
        #expect(status.rejected.count == 2)
        #expect(status.rejected.allSatisfy { !$0.reason.isEmpty })
        #expect(status.waiting == 0)
        // A second sync does not retry them, and HQ got the legitimate case and comment only.
        let again = try await world.monitor.sync()
        #expect(again.pushed == 0)
        try await world.hq.sync()
        let seen = try world.hq.replica.caseDetail(mine.id)
        #expect(seen.summary.status == "open")
        #expect(seen.comments.count == 1)
        #expect(try world.hq.replica.member("hq1").name == "HQ")
    }

    /// Issue 9, item 11: a refusal must not pass unnoticed in a script or at a glance.
    @Test func fieldSyncExitsNonZeroAndSaysWhatToDoWhenChangesAreRefused() async throws {
        let world = try makeWorld()
        defer { world.server.stop() }
        let mine = try world.monitor.replica.createCase(NewCase(title: "Portal times out", body: "At 17:59 every day.",
                                                                area: "e-procurement", cause: "electronic-system"))
        // A tampered replica writes what the server refuses (the CLI itself would not).
        _ = try world.monitor.replica.store.record([.reach(.case, mine.id, "accepted")], author: "park")
        let path = world.directory.path("m1.replica")
        let refused = try Binaries.run(Binaries.field, ["sync", "--replica", path])
        #expect(refused.status == 23, "\(refused.stdout) \(refused.stderr)")
        #expect(refused.stderr.contains("refused 1") && refused.stderr.contains("field status"), "\(refused.stderr)")
        #expect(refused.stdout.contains("rejected 1"))
        let json = try Binaries.run(Binaries.field, ["sync", "--replica", path, "--json"])
        #expect(json.status == 0, "nothing new was refused: \(json.stderr)")
        let status = try Binaries.run(Binaries.field, ["status", "--replica", path, "--offline"])
        #expect(status.stdout.contains("rejected:   1"))
    }

    @Test func serverRestartedBetweenPushAndPullStillConverges() async throws {
        let world = try makeWorld()
        defer { world.server.stop() }
        for index in 0..<12 {
            _ = try world.hq.replica.createCase(NewCase(title: "Finding \(index)", body: "Details \(index)", area: "goods", cause: "process"))
        }
        try await world.hq.sync()
        _ = try world.monitor.replica.createCase(NewCase(title: "Mine", body: "Mine", area: "services", cause: "practice"))
        let client = try world.monitor.replica.syncClient()
        var report = SyncReport()
        try await client.push(&report, progress: nil)
        try world.server.restart()
        try await client.pull(&report, progress: nil)
        let final = try await world.monitor.sync()
        #expect(final.converged == true)
        try await world.hq.sync()
        #expect(try world.hq.replica.cases().count == 13)
    }

    @Test func clientKilledMidPullResumesWithoutLossOrDoubles() async throws {
        let world = try makeWorld()
        defer { world.server.stop() }
        // HQ puts plenty on the server, all visible to the monitor: meetings they attend need
        // the meeting first, so use HQ's own cases about the monitor instead: a branch-free case
        // submitted in the monitor's name is theirs to see.
        try await world.monitor.sync()   // HQ learns about the monitor first
        try await world.hq.sync()
        for index in 0..<60 {
            _ = try world.hq.replica.createCase(NewCase(title: "Call-centre finding \(index)", body: "Body \(index)", area: "goods",
                                                        cause: "process", source: "call-centre", submitter: "park"))
        }
        try await world.hq.sync()
        var settings = try #require(try world.monitor.replica.syncState().settings)
        settings.pullLimit = 1
        try world.monitor.replica.setRemote(settings)
        let path = world.directory.path("m1.replica")
        let process = Process()
        process.executableURL = Binaries.field
        process.arguments = ["sync", "--replica", path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Wait until the pull has started, then kill -9 in the middle of it.
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, try world.monitor.replica.syncState().cursor == 0 { try await Task.sleep(nanoseconds: 10_000_000) }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let cursorAtKill = try world.monitor.replica.syncState().cursor
        #expect(cursorAtKill > 0)
        let result = try Binaries.run(Binaries.field, ["sync", "--json", "--replica", path])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try JSONDecoder().decode(SyncReport.self, from: Data(result.stdout.utf8))
        #expect(report.converged == true)
        #expect(try world.monitor.replica.cases().count == 60)
        // Every operation once: the log holds as many rows as distinct ids.
        let counts = try await world.monitor.replica.store.writer.read { db in
            (try Int.fetchOne(db, sql: "SELECT count(*) FROM oplog") ?? 0, try Int.fetchOne(db, sql: "SELECT count(DISTINCT op_id) FROM oplog") ?? 0)
        }
        #expect(counts.0 == counts.1)
    }

    @Test func unreachableServerGivesItsOwnExitCodeAndChangesNothing() throws {
        let world = try makeWorld(start: false)
        _ = try world.monitor.replica.createCase(NewCase(title: "Offline", body: "Offline", area: "goods", cause: "process"))
        let path = world.directory.path("m1.replica")
        var settings = try #require(try world.monitor.replica.syncState().settings)
        settings.serverURL = "http://127.0.0.1:9"
        try world.monitor.replica.setRemote(settings)
        let before = try world.monitor.replica.digest()
        let waiting = try world.monitor.replica.syncState()
        let result = try Binaries.run(Binaries.field, ["sync", "--retries", "1", "--timeout", "2", "--replica", path])
        #expect(result.status == ExitCodes.code(for: .unreachable))
        #expect(result.stderr.contains("cannot reach the sync server"))
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(try world.monitor.replica.digest() == before)
        #expect(try world.monitor.replica.syncState() == waiting)
        let status = try Binaries.run(Binaries.field, ["status", "--json", "--replica", path])
        #expect(status.status == 0)
        #expect(status.stdout.contains("\"digestMatch\" : \"unknown"))
    }
}
