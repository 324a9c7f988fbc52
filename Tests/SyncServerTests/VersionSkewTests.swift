import FieldClient
import Foundation
import GRDB
import HummingbirdTesting
import SyncCore
import SyncServer
import Testing

/// A thousand laptops are never upgraded on the same day: replicas and a server one schema
/// version apart keep syncing both ways, through a real server on 127.0.0.1, and nothing is
/// lost in between.
@Suite("Version skew")
struct VersionSkewTests {
    /// The next schema: cases learn an `urgency`, one declaration more.
    static let newer: SyncSchema = {
        var entities = SyncSchema.civic.entities
        let index = entities.firstIndex { $0.kind == .case }!
        entities[index].members.append(.field("urgency", .register(.integer(0...3)), .column("urgency", .integer)))
        return SyncSchema(name: SyncSchema.civic.name, version: SyncSchema.civic.version + 1, entities: entities)
    }()

    @Test("a replica one version behind keeps syncing, holds what it does not know, and merges it once upgraded")
    func olderReplicaAgainstNewerServer() async throws {
        let directory = ServerHarness.temporaryDirectory("skew-old-replica")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let harness = try ServerHarness(schema: Self.newer)
        try await harness.app().test(.live) { client in
            let port = try #require(client.port)
            let upgraded = try FieldDevice(harness, port: port, member: "hq1", role: .hq, prefix: "HQ",
                                           token: try await harness.token("hq1", .hq), seed: 1, schema: Self.newer)
            let made = try upgraded.replica.createCase(NewCase(title: "Urgent", body: "B", area: "goods", cause: "process"))
            try upgraded.replica.store.record([.set(.case, made.id, "urgency", .int(3))], author: "hq1")
            #expect(try await upgraded.sync().converged == true)

            let older = try FieldDevice(harness, port: port, member: "hq2", role: .hq, prefix: "HQB",
                                        token: try await harness.token("hq2", .hq), seed: 2, schema: .civic,
                                        path: (directory as NSString).appendingPathComponent("older.replica"))
            let report = try await older.sync()
            #expect(report.held == 1 && report.converged == nil && report.schemaNote != nil, "\(report)")
            #expect(try older.replica.caseDetail(made.id).summary.title == "Urgent")
            #expect(try older.replica.exportLines().contains("\"field\":\"urgency\""), "held, and passed on in exports")
            // Its own work still goes up meanwhile.
            _ = try older.replica.comment(made.id, "Seen on the old version")
            #expect(try await older.sync().rejected.isEmpty)

            // The laptop gets the new `field`: the held operation is merged, the digests agree.
            let reopened = try FieldDevice(reopening: older, schema: Self.newer)
            let urgency = try await reopened.replica.store.writer.read { db in
                try Int.fetchOne(db, sql: "SELECT urgency FROM cases WHERE id = ?", arguments: [made.id])
            }
            #expect(urgency == 3)
            let after = try await reopened.sync()
            #expect(after.converged == true && after.schemaNote == nil, "\(after)")
        }
    }

    @Test("a replica one version ahead keeps syncing; what the server does not know waits, and goes once it is upgraded")
    func newerReplicaAgainstOlderServer() async throws {
        let directory = ServerHarness.temporaryDirectory("skew-old-server")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let older = try ServerHarness(directory: directory)
        let token = try await older.token("hq1", .hq)
        let (device, caseID) = try await older.app().test(.live) { client -> (FieldDevice, String) in
            // The server says which protocols and which schema it speaks.
            let version = try await client.get("/v1/version", headers: [:])
            #expect(version.body.contains("\"protocols\":{\"max\":2,\"min\":1}") && version.body.contains("\"version\":\(SyncSchema.civic.version)"))
            let newer = try FieldDevice(older, port: try #require(client.port), member: "hq1", role: .hq, prefix: "HQ",
                                        token: token, seed: 3, schema: Self.newer)
            let made = try newer.replica.createCase(NewCase(title: "Urgent", body: "B", area: "goods", cause: "process"))
            try newer.replica.store.record([.set(.case, made.id, "urgency", .int(2))], author: "hq1")
            let report = try await newer.sync()
            #expect(report.rejected.isEmpty && report.deferred == 1 && report.waiting == 1, "\(report)")
            #expect(report.acknowledged > 0, "the rest of the push went on")
            return (newer, made.id)
        }
        // The server is upgraded: the waiting operation goes, and the two agree.
        let upgraded = try ServerHarness(directory: directory, schema: Self.newer)
        try await upgraded.app().test(.live) { client in
            let newer = device
            var settings = try #require(try newer.replica.syncState().settings)
            settings.serverURL = "http://127.0.0.1:\(try #require(client.port))"
            try newer.replica.setRemote(settings)
            let report = try await newer.sync()
            #expect(report.rejected.isEmpty && report.waiting == 0 && report.converged == true, "\(report)")
            let stored = try await upgraded.storage.store.writer.read { db in
                try Int.fetchOne(db, sql: "SELECT urgency FROM cases WHERE id = ?", arguments: [caseID])
            }
            #expect(stored == 2)
        }
    }
}
