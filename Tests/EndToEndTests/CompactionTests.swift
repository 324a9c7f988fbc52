import FieldClient
import Foundation
import GRDB
import SyncCore
import Testing

/// Issue 13: log compaction, against the real `syncserver` and replica files. The server drops
/// old operations; a replica kept offline across the horizon, a branch to which an old case
/// moves, and a new laptop all end where they would have without compaction, and nothing any
/// replica wrote is lost.
@Suite(.serialized) struct CompactionTests {
    func newCase(_ title: String, branch: String? = nil) -> NewCase {
        NewCase(title: title, body: "Details of \(title)", area: "goods", cause: "process", branch: branch)
    }

    @Test func replicasLateAcrossTheHorizonConvergeAndLoseNothing() async throws {
        let world = try BackupRestoreTests().makeWorld()
        defer { world.server.stop() }
        let seoulCase = try world.hq.replica.createCase(newCase("Seoul archive", branch: "seoul"))
        let busanCase = try world.branch.replica.createCase(newCase("Busan portal"))
        let parkCase = try world.monitor.replica.createCase(newCase("Park finding"))
        for title in ["Portal v2", "Portal v3", "Portal v4"] { _ = try world.branch.replica.editCase(busanCase.id, CaseEdit(title: title)) }
        try world.hq.replica.comment(seoulCase.id, "archived in Seoul")
        for _ in 0..<2 { for device in world.devices { try await device.sync() } }

        // Park goes offline with work of his own; the others carry on.
        try world.monitor.replica.comment(parkCase.id, "written offline")
        _ = try world.monitor.replica.editCase(parkCase.id, CaseEdit(title: "Park finding, checked"))
        for title in ["Portal v5", "Portal v6"] { _ = try world.branch.replica.editCase(busanCase.id, CaseEdit(title: title)) }
        try await world.branch.sync()
        try await world.hq.sync()

        // Devices date their operations by the server's clock once they know it: compact
        // everything up to now.
        world.server.stop()
        let output = try world.server.admin(["compact", "--older-than", "0s", "--json"])
        let result = try JSONParser.parse(Array(output.utf8)).objectValue?["compaction"]?.objectValue
        let dropped = result?["dropped"]?.intValue ?? 0
        #expect(dropped > 10, "\(output)")
        #expect(try world.server.admin(["check"]).hasPrefix("ok:"))
        #expect(try world.server.admin(["status"]).contains("operations compacted"))
        try world.server.restart()

        // An acknowledgement Busan never got, for an operation the server has since compacted:
        // the server still knows it by the start of its fingerprint, so it is acknowledged, not
        // sent again under a new id (which would bring "Portal v2" back).
        let v2 = try await world.branch.replica.store.writer.write { db -> String in
            let id = try String.fetchOne(db, sql: "SELECT op_id FROM oplog WHERE value = '\"Portal v2\"'")!
            try db.execute(sql: "UPDATE oplog SET sync_state = 0 WHERE op_id = ?", arguments: [id])
            return id
        }
        let again = try await world.branch.sync()
        #expect(again.renumbered == 0 && again.pushed == 0, "\(again)")
        #expect(try await world.branch.replica.store.writer.read { db in
            try Int.fetchOne(db, sql: "SELECT sync_state FROM oplog WHERE op_id = ?", arguments: [v2])
        } == 1)
        #expect(try world.branch.replica.caseDetail(busanCase.id).summary.title == "Portal v6")

        // An old case moves to Busan: its history before the horizon cannot be replayed, so the
        // branch takes a snapshot again.
        _ = try world.hq.replica.editCase(seoulCase.id, CaseEdit(branch: "busan"))
        try await world.hq.sync()
        let busan = try await world.branch.sync()
        #expect(busan.rebootstrapped, "\(busan)")
        #expect(try world.branch.replica.caseDetail(seoulCase.id).comments.map(\.body) == ["archived in Seoul"])

        // Park's cursor is older than the horizon: his sync pushes his offline work, takes a
        // snapshot again and goes on; nothing of his is lost.
        let park = try await world.monitor.sync()
        #expect(park.rebootstrapped, "\(park)")
        #expect(park.rejected.isEmpty)
        let parkDetail = try world.monitor.replica.caseDetail(parkCase.id)
        #expect(parkDetail.summary.title == "Park finding, checked")
        #expect(parkDetail.comments.map(\.body) == ["written offline"])
        try await world.hq.sync()
        #expect(try world.hq.replica.caseDetail(parkCase.id).comments.map(\.body) == ["written offline"])
        #expect(try world.hq.replica.caseDetail(busanCase.id).summary.title == "Portal v6")

        // The history a person reads: the dropped edits' surviving effect is still listed.
        let history = try world.hq.replica.caseDetail(busanCase.id).history
        #expect(history.contains { $0.field == "title" && $0.value == .string("Portal v6") })

        // A server whose epoch changes gets every replica's operations again, compacted ones
        // included: they count as stored, none is refused.
        world.server.stop()
        _ = try world.server.admin(["renew-epoch"])
        try world.server.restart()
        for device in world.devices {
            let report = try await device.sync()
            #expect(report.epochChanged && report.rejected.isEmpty, "\(device.name): \(report.rejected)")
        }

        // A new laptop bootstraps from the compacted server; everyone converges.
        let token = try world.server.issueToken(member: "hq2", role: "hq")
        let laptop = try Device(name: "laptop", directory: world.directory,
                                setup: .init(memberID: "hq2", name: "HQ 2", role: .hq, refPrefix: "HQB"),
                                skewMilliseconds: 0, server: world.server, token: token, seed: 34)
        try await laptop.sync()
        for device in world.devices + [laptop] {
            let report = try await device.sync()
            #expect(report.converged == true, "\(device.name) did not converge")
            #expect(report.waiting == 0)
        }
        let laptopDigest = try laptop.replica.store.stateDigest()
        #expect(laptopDigest == (try world.hq.replica.store.stateDigest()))
        // The laptop's own rebuild (what an upgrade does) gives the same state.
        try laptop.replica.store.rebuildState()
        #expect(try laptop.replica.store.stateDigest() == laptopDigest)
    }

    /// `field compact` drops old operations written elsewhere and keeps the replica's own; the
    /// replica goes on syncing and matches the server.
    @Test func aReplicaCompactsItsOwnLog() async throws {
        let world = try BackupRestoreTests().makeWorld()
        defer { world.server.stop() }
        let hqCase = try world.hq.replica.createCase(newCase("HQ case", branch: "busan"))
        for title in ["v2", "v3", "v4", "v5"] { _ = try world.hq.replica.editCase(hqCase.id, CaseEdit(title: title)) }
        let own = try world.branch.replica.createCase(newCase("Busan own"))
        for device in world.devices { try await device.sync() }
        try await world.branch.sync()
        let before = try world.branch.replica.store.stateDigest()
        let ownIDs = try world.branch.operationIDs.filter { $0.hasPrefix(world.branch.replica.store.replicaID.rawValue + ":") }

        let cli = try Binaries.run(Binaries.field, ["compact", "--replica", world.directory.path("busan.replica"), "--older-than", "30d", "--json"])
        #expect(cli.status == 0, "\(cli.stderr)")
        let dropped = try JSONParser.parse(Array(cli.stdout.utf8)).objectValue?["compaction"]?.objectValue?["dropped"]?.intValue ?? 0
        #expect(dropped >= 4, "\(cli.stdout)")
        let reopened = try FieldReplica.open(path: world.directory.path("busan.replica"), wallClock: world.branch.clock,
                                             ids: SeededIDSource(seed: 77))
        #expect(try reopened.store.stateDigest() == before)
        #expect(ownIDs.isSubset(of: try reopened.store.allOperationIDs()), "a replica keeps every operation of its own")
        let bad = try Binaries.run(Binaries.field, ["compact", "--replica", world.directory.path("busan.replica"), "--older-than", "soon"])
        #expect(bad.status != 0 && bad.stderr.contains("not a duration"), "\(bad.stderr)")

        _ = try world.hq.replica.editCase(hqCase.id, CaseEdit(title: "v6"))
        try await world.hq.sync()
        _ = try reopened.editCase(own.id, CaseEdit(title: "Busan own, later"))
        let report = try await reopened.syncClient().sync()
        #expect(report.converged == true)
        #expect(try reopened.caseDetail(hqCase.id).summary.title == "v6")
    }

    /// `serve --compact-older-than` compacts while serving; a replica behind the horizon takes a
    /// snapshot again and converges.
    @Test func theServerCompactsOnASchedule() async throws {
        let world = try BackupRestoreTests().makeWorld()
        defer { world.server.stop() }
        let parkCase = try world.monitor.replica.createCase(newCase("Park finding"))
        for device in world.devices { try await device.sync() }
        try world.server.restart(extraArguments: ["--compact-older-than", "0s", "--compact-every", "1s"])
        for index in 1...3 { _ = try world.hq.replica.createCase(newCase("HQ \(index)")) }
        try await world.hq.sync()
        var horizon: Int64 = 0
        for _ in 0..<100 where horizon == 0 {
            try await Task.sleep(nanoseconds: 100_000_000)
            let status = try JSONParser.parse(Array(try world.server.admin(["status", "--json"]).utf8))
            horizon = status.objectValue?["compaction"]?.objectValue?["horizon"]?.intValue ?? 0
        }
        #expect(horizon > 0, "no compaction within 10 s: \(world.server.log)")
        _ = try world.monitor.replica.editCase(parkCase.id, CaseEdit(title: "Park finding, checked"))
        let park = try await world.monitor.sync()
        #expect(park.rebootstrapped && park.converged == true, "\(park)")
        try await world.hq.sync()
        #expect(try world.hq.replica.caseDetail(parkCase.id).summary.title == "Park finding, checked")
        let bad = try Binaries.run(Binaries.syncserver, ["serve", "--data-dir", world.directory.path("other"), "--compact-older-than", "1 year"])
        #expect(bad.status != 0 && bad.stderr.contains("not a duration"), "\(bad.stderr)")
    }
}
