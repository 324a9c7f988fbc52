import FieldClient
import Foundation
import GRDB
import SyncCore
import Testing

/// Issue 13: backups, restores and epochs, against the real `syncserver` and replica files.
@Suite(.serialized) struct BackupRestoreTests {
    struct World {
        let directory: TemporaryDirectory
        let server: ServerProcess
        let hq: Device
        let branch: Device
        let monitor: Device
        var devices: [Device] { [hq, branch, monitor] }
    }

    func makeWorld() throws -> World {
        let directory = try TemporaryDirectory()
        let server = ServerProcess(dataDirectory: directory.path("server"))
        let hqToken = try server.bootstrap(member: "hq1")
        try server.start()
        let kimToken = try server.issueToken(member: "kim", role: "branch", branch: "busan")
        let parkToken = try server.issueToken(member: "park", role: "monitor")
        let hq = try Device(name: "hq", directory: directory, setup: .init(memberID: "hq1", name: "HQ", role: .hq, refPrefix: "HQ"),
                            skewMilliseconds: 0, server: server, token: hqToken, seed: 31)
        let branch = try Device(name: "busan", directory: directory,
                                setup: .init(memberID: "kim", name: "Kim", role: .branch, branch: "busan", refPrefix: "BSN"),
                                skewMilliseconds: 2_000, server: server, token: kimToken, seed: 32)
        let monitor = try Device(name: "park", directory: directory,
                                 setup: .init(memberID: "park", name: "Park", role: .monitor, refPrefix: "PRK"),
                                 skewMilliseconds: -3_000, server: server, token: parkToken, seed: 33)
        return World(directory: directory, server: server, hq: hq, branch: branch, monitor: monitor)
    }

    func newCase(_ title: String) -> NewCase {
        NewCase(title: title, body: "Details of \(title)", area: "goods", cause: "process")
    }

    /// The issue's story: after a restore from an older backup, replicas whose acknowledged
    /// operations were lost push them again, even once other pushes carried the restored log
    /// past their old cursors; every operation any replica holds ends up on the server.
    @Test func restoringAnOlderBackupLosesNoOperation() async throws {
        let world = try makeWorld()
        defer { world.server.stop() }
        let hqCase = try world.hq.replica.createCase(newCase("Slow refunds"))
        _ = try world.branch.replica.createCase(newCase("Busan portal"))
        for device in world.devices { try await device.sync() }
        for device in world.devices { try await device.sync() }
        let backup = world.directory.path("backup.sqlite")
        _ = try world.server.admin(["backup", "--to", backup])

        // After the backup: acknowledged work the restore will lose, some of it on others' entities.
        var lost: [String] = []
        for index in 1...3 { lost.append(try world.monitor.replica.createCase(newCase("Monitor finding \(index)")).id) }
        let busanLate = try world.branch.replica.createCase(newCase("Busan late case"))
        for device in world.devices { device.advance(hours: 1); try await device.sync() }
        try await world.hq.sync()
        try world.hq.replica.comment(busanLate.id, "HQ follows up")
        try await world.hq.sync()
        for device in world.devices { #expect(try await device.replica.syncStatus(checkServer: false).waiting == 0) }

        world.server.stop()
        let restored = try Binaries.run(Binaries.syncserver, ["restore", "--data-dir", world.server.dataDirectory, "--from", backup])
        #expect(restored.status == 1 && restored.stderr.contains("--force"), "a non-empty store is not replaced silently: \(restored.stderr)")
        let forced = try world.server.admin(["restore", "--from", backup, "--force"])
        #expect(forced.contains("new epoch"))
        try world.server.restart()

        // HQ writes first, carrying the restored log past the others' old cursors.
        for index in 1...12 { _ = try world.hq.replica.createCase(newCase("HQ after restore \(index)")) }
        let first = try await world.hq.sync()
        #expect(first.epochChanged)
        for _ in 0..<2 { for device in world.devices { try await device.sync() } }

        let everything = try world.devices.reduce(into: Set<String>()) { $0.formUnion(try $1.operationIDs) }
        let onServer = try world.hq.operationIDs
        #expect(everything.subtracting(onServer).isEmpty, "lost: \(everything.subtracting(onServer).sorted().prefix(10))")
        for id in lost { #expect(try world.hq.replica.caseDetail(id).summary.title?.hasPrefix("Monitor finding") == true) }
        #expect(try world.hq.replica.caseDetail(hqCase.id).summary.title == "Slow refunds")
        #expect(try world.branch.replica.caseDetail(busanLate.id).comments.count == 1)
        for device in world.devices {
            let report = try await device.sync()
            #expect(report.converged == true, "\(device.name) did not converge")
            let deferred = try await device.replica.syncStatus(checkServer: false).deferred
            #expect(report.rejected.isEmpty && report.waiting == 0, "\(device.name): \(report.rejected) \(deferred)")
        }
    }

    /// A replica file restored from an old copy of itself learns its highest counter from the
    /// server: what it wrote before its first sync gets new ids instead of clashing.
    @Test func aReplicaRestoredFromAnOldCopyOfItselfNeverReusesAnID() async throws {
        let world = try makeWorld()
        defer { world.server.stop() }
        _ = try world.monitor.replica.createCase(newCase("First"))
        try await world.monitor.sync()
        let copy = world.directory.path("park-copy.replica")
        try await world.monitor.replica.store.writer.unsafeRead { db in try db.execute(sql: "VACUUM INTO ?", arguments: [copy]) }
        let after = try (1...3).map { try world.monitor.replica.createCase(newCase("After the copy \($0)")).id }
        try await world.monitor.sync()

        // The laptop is restored from the copy and used offline before its first sync.
        let restored = try FieldReplica.open(path: copy, wallClock: world.monitor.clock, ids: SeededIDSource(seed: 99))
        let offline = try restored.createCase(newCase("Written on the restored laptop"))
        // Later edits keep their order once the clashing operations before them are renumbered.
        _ = try restored.editCase(offline.id, CaseEdit(title: "Retitled once"))
        for index in 2...12 { _ = try restored.editCase(offline.id, CaseEdit(title: "Retitled \(index) times")) }
        let report = try await restored.syncClient().sync()
        #expect(report.counterAdvanced)
        #expect(report.renumbered >= 1, "\(report)")
        #expect(report.rejected.isEmpty, "\(report.rejected)")
        #expect(report.converged == true)
        try await world.hq.sync()
        let titles = Set(try after.compactMap { try world.hq.replica.caseDetail($0).summary.title })
        #expect(titles == ["After the copy 1", "After the copy 2", "After the copy 3"])
        #expect(try restored.caseDetail(offline.id).summary.title == "Retitled 12 times")
        try await world.hq.sync()
        #expect(try world.hq.replica.caseDetail(offline.id).summary.title == "Retitled 12 times")
        #expect(try after.allSatisfy { id in try restored.caseDetail(id).summary.title?.hasPrefix("After the copy") == true })
        // And a new operation after that sync is numbered past everything the server holds.
        let next = try restored.createCase(newCase("Next"))
        let nextSync = try await restored.syncClient().sync()
        #expect(nextSync.renumbered == 0 && nextSync.rejected.isEmpty)
        _ = next
    }

    /// `syncserver check` finds damage in what is derived from the log; `--repair` rebuilds it;
    /// restore refuses to run under a serving server.
    @Test func checkFindsDamageAndRepairRebuildsIt() async throws {
        let world = try makeWorld()
        defer { world.server.stop() }
        for index in 1...5 { _ = try world.branch.replica.createCase(newCase("Case \(index)")) }
        try await world.branch.sync()
        let sound = try Binaries.run(Binaries.syncserver, ["check", "--data-dir", world.server.dataDirectory])
        #expect(sound.status == 0 && sound.stdout.hasPrefix("ok: "), "\(sound.stdout) \(sound.stderr)")
        let busy = try Binaries.run(Binaries.syncserver, ["restore", "--data-dir", world.server.dataDirectory, "--from",
                                                          world.directory.path("none.sqlite"), "--force"])
        #expect(busy.status == 1 && busy.stderr.contains("stop it first"), "\(busy.stderr)")

        let port = world.server.port
        world.server.stop()
        let path = (world.server.dataDirectory as NSString).appendingPathComponent("server.sqlite")
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in try db.execute(sql: "UPDATE cases SET title = 'tampered' WHERE id = (SELECT min(id) FROM cases)") }
        try queue.close()
        let damaged = try Binaries.run(Binaries.syncserver, ["check", "--data-dir", world.server.dataDirectory])
        #expect(damaged.status == 3, "\(damaged.stdout) \(damaged.stderr)")
        #expect(damaged.stdout.hasPrefix("damaged: cases: 1 stored row"), "\(damaged.stdout)")
        #expect(damaged.stdout.split(separator: "\n").count == 1)
        let repaired = try Binaries.run(Binaries.syncserver, ["check", "--data-dir", world.server.dataDirectory, "--repair", "--json"])
        #expect(repaired.status == 0, "\(repaired.stdout) \(repaired.stderr)")
        #expect(repaired.stdout.contains("\"repaired\":true"))
        try world.server.start(port: port)
        try await world.hq.sync()
        #expect(try world.hq.replica.cases().allSatisfy { $0.title != "tampered" })
    }

    /// A replica whose state was damaged (a merge row edited, an entity's rows lost) finds the
    /// entities that differ and takes them again from the server with `field repair`; its own
    /// change not sent before the damage goes with the repair's sync and stays shown.
    @Test func fieldRepairTakesDivergedEntitiesAgainAndKeepsWaitingChanges() async throws {
        let world = try makeWorld()
        defer { world.server.stop() }
        let cases = try (1...6).map { try world.branch.replica.createCase(newCase("Busan case \($0)")).id }
        try await world.branch.sync()
        try await world.hq.sync()
        try world.hq.replica.comment(cases[0], "Not sent yet")
        let path = world.directory.path("hq.replica")
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            try db.execute(sql: "UPDATE field_state SET value = '\"Tampered\"' WHERE entity = 'case' AND entity_id = ? AND field = 'title'",
                           arguments: [cases[0]])
            try db.execute(sql: "DELETE FROM field_state WHERE entity = 'case' AND entity_id = ?", arguments: [cases[1]])
        }
        try queue.close()
        let repaired = try Binaries.run(Binaries.field, ["repair", "--replica", path, "--json"])
        #expect(repaired.status == 0, "\(repaired.stdout) \(repaired.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(repaired.stdout.utf8)) as? [String: Any]
        let names = report?["repaired"] as? [String] ?? []
        #expect(names.contains("case \(cases[0])") && names.contains("case \(cases[1])"), "\(repaired.stdout)")
        #expect(report?["converged"] as? Bool == true, "\(repaired.stdout)")
        #expect(report?["keptDigestRewritten"] as? Bool == true, "the damaged rows no longer matched the kept digest")
        let reopened = try FieldReplica.open(path: path, wallClock: world.hq.clock, ids: SeededIDSource(seed: 5))
        #expect(try reopened.caseDetail(cases[0]).summary.title == "Busan case 1")
        #expect(try reopened.caseDetail(cases[0]).comments.map(\.body) == ["Not sent yet"])
        #expect(try reopened.caseDetail(cases[1]).summary.title == "Busan case 2")
        let after = try await reopened.syncClient().sync()
        #expect(after.converged == true && after.waiting == 0)
        let clean = try Binaries.run(Binaries.field, ["repair", "--replica", path])
        #expect(clean.status == 0 && clean.stdout.hasPrefix("nothing to repair"), "\(clean.stdout) \(clean.stderr)")
    }
}
