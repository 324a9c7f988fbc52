import Foundation
import HummingbirdTesting
import SyncCore
import SyncServer
import Testing

/// Push semantics: acknowledgement, idempotence, independence of rejections, replica ownership.
@Suite("Push")
struct PushTests {
    @Test("a retried batch stores nothing new and gets exactly the same answer", arguments: StoreKind.allCases)
    func idempotent(_ store: StoreKind) async throws {
        let harness = try await ServerHarness(on: store)
        try await harness.test { client in
            let world = try await World.seed(harness, client)
            let m1 = try Device("m1r", member: "m1")
            var ops = try m1.record([.set(.case, "cB1", "title", .string("Clearer title"))])
            ops += try m1.record([.reach(.case, "cB1", "examined")]) // forbidden for a monitor
            ops += try m1.record([.append(.case, "cB1", "comments", "Thank you")])
            let before = try harness.storage.store.allOperationIDs().count
            let first = try await client.push(world.token("m1"), replica: m1.replica, ops)
            #expect(first.acknowledged == [ops[0].id.description, ops[2].id.description])
            #expect(first.rejected == [ops[1].id.description: "forbidden"])
            let afterFirst = try harness.storage.store.allOperationIDs().count
            #expect(afterFirst == before + 2)
            let digest = try harness.storage.store.stateDigest()
            // On PostgreSQL, a retry that changes nothing appends nothing to the journal either.
            let head = try await (harness.served as? PostgresSyncStorage)?.journal.head()
            for _ in 0..<3 {
                let retry = try await client.push(world.token("m1"), replica: m1.replica, ops)
                #expect(retry.acknowledged == first.acknowledged)
                #expect(retry.rejected == first.rejected && retry.reasons == first.reasons)
            }
            #expect(try harness.storage.store.allOperationIDs().count == afterFirst)
            #expect(try harness.storage.store.stateDigest() == digest)
            #expect(try await (harness.served as? PostgresSyncStorage)?.journal.head() == head)
        }
    }

    @Test("a rejected operation stays rejected with the same reason even after the state changed", arguments: StoreKind.allCases)
    func stableRejection(_ store: StoreKind) async throws {
        let harness = try await ServerHarness(on: store)
        try await harness.test { client in
            let world = try await World.seed(harness, client)
            let m1 = try Device("m1r", member: "m1")
            let vote = try m1.record([.set(.motion, "v1", "votes", .string("yes"), key: "m1")])
            let first = try await client.push(world.token("m1"), replica: m1.replica, vote)
            #expect(first.rejected[vote[0].id.description] == "not_found") // m1 cannot even see the motion
            try await world.hqWrites([.add(.council, "k1", "members", element: "m1")], client)
            let retry = try await client.push(world.token("m1"), replica: m1.replica, vote)
            #expect(retry.rejected == first.rejected && retry.reasons == first.reasons)
            // A new vote, recorded after m1 joined the council, is accepted.
            let newVote = try m1.record([.set(.motion, "v1", "votes", .string("no"), key: "m1")])
            let accepted = try await client.push(world.token("m1"), replica: m1.replica, newVote)
            #expect(accepted.acknowledged == [newVote[0].id.description])
        }
    }

    @Test("rejections never block the operations after them", arguments: StoreKind.allCases)
    func rejectionsDoNotBlock(_ store: StoreKind) async throws {
        let harness = try await ServerHarness(on: store)
        try await harness.test { client in
            let world = try await World.seed(harness, client)
            let m1 = try Device("m1r", member: "m1")
            var ops: [SyncOperation] = []
            for index in 0..<10 {
                if index % 2 == 0 {
                    ops += try m1.record([.set(.case, "cS1", "title", .string("Hijack \(index)"))]) // not m1's case
                } else {
                    ops += try m1.record([.append(.case, "cB1", "comments", "Comment \(index)")])
                }
            }
            let answer = try await client.push(world.token("m1"), replica: m1.replica, ops)
            #expect(answer.acknowledged == ops.enumerated().filter { $0.offset % 2 == 1 }.map { $0.element.id.description })
            #expect(answer.rejected.count == 5 && Set(answer.rejected.values) == ["not_found"])
            let comments = try await harness.storage.store.writer.read { db in
                try Int.fetchOne(db, sql: "SELECT count(*) FROM comments WHERE case_id = 'cB1'")
            }
            #expect(comments == 5)
        }
    }

    @Test("an id reused with different content is rejected as id_conflict", arguments: StoreKind.allCases)
    func idConflict(_ store: StoreKind) async throws {
        let harness = try await ServerHarness(on: store)
        let token = try await harness.token("hq", .hq)
        let device = try Device("hqr", member: "hq")
        let op = try device.record([.set(.member, "a1", "name", .string("A"))])[0]
        var changed = op
        changed.value = .string("B")
        let forged = changed
        try await harness.test { client in
            #expect(try await client.push(token, replica: "hqr", [op]).acknowledged == [op.id.description])
            let answer = try await client.push(token, replica: "hqr", [forged])
            #expect(answer.rejected == [op.id.description: "id_conflict"])
            let twin = try device.record([.set(.member, "a2", "name", .string("A"))])[0]
            var other = twin
            other.value = .string("C")
            let inBatch = try await client.push(token, replica: "hqr", [twin, other])
            #expect(inBatch.acknowledged == [twin.id.description])
            #expect(inBatch.rejected == [twin.id.description: "id_conflict"])
        }
    }

    @Test("operations of another replica are foreign; a replica belongs to the member who first pushed from it", arguments: StoreKind.allCases)
    func replicaOwnership(_ store: StoreKind) async throws {
        let harness = try await ServerHarness(on: store)
        try await harness.test { client in
            let world = try await World.seed(harness, client)
            let m1 = try Device("m1r", member: "m1")
            let ops = try m1.record([.append(.case, "cB1", "comments", "hello")])
            let foreign = try await client.push(world.token("m1"), replica: "otherr", ops)
            #expect(foreign.rejected == [ops[0].id.description: "foreign_replica"])
            #expect(try await client.push(world.token("m1"), replica: m1.replica, ops).acknowledged.count == 1)
            let m2 = try Device("m1r", member: "m2")
            let stolen = try await client.push(world.token("m2"), replica: m1.replica,
                                               try m2.record([.append(.case, "cS1", "comments", "x")]))
            #expect(stolen.status == 403 && errorCode(stolen.body) == "forbidden")
        }
    }
}

/// A device whose clock runs days ahead cannot drag everyone's hybrid logical clocks forward.
@Suite("Clock skew")
struct ClockSkewTests {
    @Test("operations dated more than five minutes after the server's clock are refused for now; a minute ahead is fine", arguments: StoreKind.allCases)
    func futureOperationsAreRejected(_ store: StoreKind) async throws {
        let harness = try await ServerHarness(on: store)
        try await harness.test { client in
            let world = try await World.seed(harness, client)
            let fast = try Device("m1r", member: "m1", milliseconds: ServerHarness.startMilliseconds + 3 * 86_400_000)
            let future = try fast.record([.append(.case, "cB1", "comments", "From the future")])
            let answer = try await client.push(world.token("m1"), replica: fast.replica, future)
            #expect(answer.rejected[future[0].id.description] == "clock_ahead")
            #expect(answer.acknowledged.isEmpty)
            let hoursAhead = try Device("m1h", member: "m1", milliseconds: ServerHarness.startMilliseconds + 3 * 3_600_000)
            let early = try hoursAhead.record([.append(.case, "cB1", "comments", "Hours early")])
            #expect(try await client.push(world.token("m1"), replica: hoursAhead.replica, early).rejected[early[0].id.description] == "clock_ahead")
            let slightlyFast = try Device("m1s", member: "m1", milliseconds: ServerHarness.startMilliseconds + 60_000)
            let fine = try slightlyFast.record([.append(.case, "cB1", "comments", "A bit early")])
            let accepted = try await client.push(world.token("m1"), replica: slightlyFast.replica, fine)
            #expect(accepted.acknowledged == [fine[0].id.description])
        }
    }
}
