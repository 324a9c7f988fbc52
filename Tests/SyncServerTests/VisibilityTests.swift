import GRDB
import HummingbirdTesting
import SyncCore
import SyncServer
import Testing

/// Partial replication, from both sides: what each principal must receive, and (by checking
/// the exact set) that nothing else ever arrives. Replicas that pulled everything agree with
/// the server's digest for their scope.
@Suite("Visibility")
struct VisibilityTests {
    static let allMembers = Set(World.members.map { EntityKey(.member, $0) })
    static func keys(_ items: [(EntityKind, String)]) -> Set<EntityKey> { Set(items.map { EntityKey($0.0, $0.1) }) }

    /// Exactly the entities each principal of the seeded world sees (wB is a workshop: public).
    static let expected: [(member: String, entities: Set<EntityKey>)] = [
        ("hq", allMembers.union(keys([(.case, "cB1"), (.case, "cS1"), (.meeting, "wB"), (.meeting, "wS"), (.meeting, "nN"),
                                      (.council, "k1"), (.motion, "v1"), (.consultation, "qB"), (.consultation, "qS")]))),
        ("s1", allMembers.union(keys([(.case, "cB1"), (.meeting, "wB"), (.meeting, "nN"), (.motion, "v1"), (.council, "k1"),
                                      (.consultation, "qB")]))),
        ("s2", allMembers.union(keys([(.case, "cS1"), (.meeting, "wS"), (.meeting, "nN"), (.motion, "v1"), (.council, "k1"),
                                      (.consultation, "qS"), (.meeting, "wB")]))), // wB: workshops are public
        ("m1", keys([(.member, "m1"), (.case, "cB1"), (.meeting, "wB")])),
        ("m2", keys([(.member, "m2"), (.case, "cS1"), (.meeting, "wB"), (.meeting, "nN"), (.motion, "v1")])),
        ("m3", keys([(.member, "m3"), (.council, "k1"), (.motion, "v1"), (.meeting, "wB")])),
        ("x1", keys([(.member, "x1"), (.council, "k1"), (.motion, "v1"), (.meeting, "wB")])),
    ]

    @Test("each principal pulls exactly its scope, every operation of each entity in it",
          arguments: StoreKind.allCases, expected.map(\.member))
    func scope(_ store: StoreKind, member: String) async throws {
        let expected = Self.expected.first { $0.member == member }!.entities
        let harness = try await ServerHarness(on: store)
        try await harness.test { client in
            let world = try await World.seed(harness, client)
            let (operations, _) = try await client.pullAll(world.token(member), limit: 7)
            #expect(operations.entities == expected)
            #expect(Set(operations.map(\.id)).count == operations.count, "an operation arrived twice")
            let serverOps = try await harness.storage.store.writer.read { db in
                try expected.flatMap { key in
                    try String.fetchAll(db, sql: "SELECT op_id FROM oplog WHERE entity = ? AND entity_id = ?",
                                        arguments: [key.entity.rawValue, key.id])
                }
            }
            #expect(Set(operations.map(\.id.description)) == Set(serverOps))
            let digest = try await client.digest(world.token(member))
            #expect(digest.visible == expected && digest.entities == Int64(expected.count))
        }
    }

    @Test("a replica that pulled everything has the server's digest for its scope", arguments: StoreKind.allCases, expected.map(\.member))
    func digestConverges(_ store: StoreKind, member: String) async throws {
        let harness = try await ServerHarness(on: store)
        try await harness.test { client in
            let world = try await World.seed(harness, client)
            let replica = try Device("pull\(member)", member: member)
            let (operations, _) = try await client.pullAll(world.token(member), limit: 5)
            try replica.store.apply(operations)
            let server = try await client.digest(world.token(member))
            #expect(try replica.store.stateDigest() == server.digest)
            let keys = Set(server.visible)
            let replicaOwn = try await replica.store.writer.read { db in try replica.store.stateDigest(of: keys, db).root }
            #expect(replicaOwn == server.digest)
            // The digest the server keeps per audience is the one computed from scratch over what it shows.
            let store = harness.storage.store
            let fromScratch = try await store.writer.read { db in try store.stateDigest(of: keys, db).root }
            #expect(fromScratch == server.digest)
        }
    }

    @Test("the digest kept per audience is, for every principal, the one computed from scratch, and a rebuild of it changes nothing", arguments: StoreKind.allCases)
    func keptAudienceDigests(_ store: StoreKind) async throws {
        let harness = try await ServerHarness(on: store)
        try await harness.test { client in
            let world = try await World.seed(harness, client)
            // A late grant moves entities between audiences: m1 joins council k1.
            try await world.hqWrites([.add(.council, "k1", "members", element: "m1")], client)
            let store = harness.storage.store
            var kept: [String: String] = [:]
            for member in Self.expected.map(\.member) + ["m1"] {
                let server = try await client.digest(world.token(member))
                let fromScratch = try await store.writer.read { db in try store.stateDigest(of: server.visible, db) }
                #expect(fromScratch.root == server.digest && Int64(fromScratch.entities) == server.entities, "\(member)")
                kept[member] = server.digest
            }
            // Opening the store with the table marked stale files every entity again, from scratch.
            try await store.writer.write { db in try db.execute(sql: "DELETE FROM server_meta WHERE key = 'audience_digest_version'") }
            _ = try SQLiteSyncStorage(writer: store.writer, wallClock: harness.clock)
            for (member, digest) in kept {
                #expect(try await client.digest(world.token(member)).digest == digest, "\(member) after the rebuild")
            }
        }
    }

    @Test("an entity that becomes visible later arrives whole, even to a replica whose cursor is past it", arguments: StoreKind.allCases)
    func lateVisibility(_ store: StoreKind) async throws {
        let harness = try await ServerHarness(on: store)
        try await harness.test { client in
            let world = try await World.seed(harness, client)
            let m1 = try Device("pullm1", member: "m1")
            let (first, cursor) = try await client.pullAll(world.token("m1"))
            try m1.store.apply(first)
            #expect(!first.entities.contains(EntityKey(.council, "k1")))
            // HQ seats m1 on council k1: k1 and its motion v1 become visible with all their history.
            try await world.hqWrites([.add(.council, "k1", "members", element: "m1")], client)
            let (second, _) = try await client.pullAll(world.token("m1"), from: cursor)
            #expect(second.entities == [EntityKey(.council, "k1"), EntityKey(.motion, "v1")])
            #expect(second.contains { $0.entity == .motion && $0.field == "case" }, "v1's older operations were replayed")
            try m1.store.apply(second)
            let server = try await client.digest(world.token("m1"))
            #expect(try m1.store.stateDigest() == server.digest)
            #expect(!server.visible.contains(EntityKey(.case, "cS1")), "a motion's case stays private to its submitter and branch")
        }
    }

    @Test("a case moved to another branch reaches the new branch whole; the old branch still converges", arguments: StoreKind.allCases)
    func caseTransfer(_ store: StoreKind) async throws {
        let harness = try await ServerHarness(on: store)
        try await harness.test { client in
            let world = try await World.seed(harness, client)
            var replicas: [String: (Device, Int64)] = [:]
            for member in ["s1", "s2"] {
                let device = try Device("pull\(member)", member: member)
                let (ops, cursor) = try await client.pullAll(world.token(member))
                try device.store.apply(ops)
                replicas[member] = (device, cursor)
            }
            // Seoul moves the case on its replica, which has seen the case's branch (no conflict).
            let s2 = replicas["s2"]!.0
            let move = try s2.record([.set(.case, "cS1", "branch", .string("busan"))])
            #expect(try await client.push(world.token("s2"), replica: s2.replica, move).rejected.isEmpty)
            for member in ["s1", "s2"] {
                let (device, cursor) = replicas[member]!
                let (ops, _) = try await client.pullAll(world.token(member), from: cursor)
                try device.store.apply(ops)
                let server = try await client.digest(world.token(member))
                #expect(server.visible.contains(EntityKey(.case, "cS1")))
                #expect(try device.store.stateDigest() == server.digest, "\(member) diverged")
            }
        }
    }

    @Test("a monitor's new case becomes visible to its branch and to them, never to other monitors", arguments: StoreKind.allCases)
    func newCaseVisibility(_ store: StoreKind) async throws {
        let harness = try await ServerHarness(on: store)
        try await harness.test { client in
            let world = try await World.seed(harness, client)
            let m1 = try Device("m1r", member: "m1")
            let ops = try m1.record(World.caseWrites("cNew", submitter: "m1", branch: "seoul"))
            #expect(try await client.push(world.token("m1"), replica: m1.replica, ops).rejected.isEmpty)
            let key = EntityKey(.case, "cNew")
            for (member, sees) in [("m1", true), ("s2", true), ("hq", true), ("s1", false), ("m2", false), ("m3", false), ("x1", false)] {
                let (pulled, _) = try await client.pullAll(world.token(member))
                #expect(pulled.entities.contains(key) == sees, "\(member)")
            }
        }
    }

    @Test("small pages deliver the same operations as one big page", arguments: StoreKind.allCases)
    func paging(_ store: StoreKind) async throws {
        let harness = try await ServerHarness(on: store)
        try await harness.test { client in
            let world = try await World.seed(harness, client)
            for member in ["s1", "m2"] {
                let (small, smallCursor) = try await client.pullAll(world.token(member), limit: 1)
                let (big, bigCursor) = try await client.pullAll(world.token(member), limit: 1_000)
                #expect(small.map(\.id) == big.map(\.id))
                #expect(smallCursor == bigCursor)
            }
        }
    }

    @Test("the access policy's audience table, entity by entity")
    func audienceUnit() throws {
        let policy = AccessPolicy(), facts = FixedFacts()
        // Council k decides motion v on case c: its members see the case as experts (issue 14).
        #expect(try policy.audience(of: EntityKey(.case, "c"), facts: facts) == [.branch("b"), .member("m"), .expert("x")])
        #expect(try policy.audience(of: EntityKey(.meeting, "n"), facts: facts)
                == [.allBranches, .member("a"), .member("d"), .member("m")])
        #expect(try policy.audience(of: EntityKey(.motion, "v"), facts: facts)
                == [.branch("b"), .member("m"), .branch("o"), .member("x")])
        #expect(try policy.audience(of: EntityKey(.council, "k"), facts: facts) == [.member("x"), .branch("o"), .branch("b")])
        #expect(try policy.audience(of: EntityKey(.member, "z"), facts: facts) == [.allBranches, .member("z")])
        #expect(try policy.audience(of: EntityKey(.consultation, "q"), facts: facts) == [.branch("b")])
        #expect(try policy.audience(of: EntityKey(.case, "unknown"), facts: facts).isEmpty)
        #expect(try policy.affected(by: [EntityKey(.case, "c")], facts: facts)
                == [EntityKey(.case, "c"), EntityKey(.motion, "v"), EntityKey(.meeting, "n"), EntityKey(.council, "k")])
        // A council's membership, or a motion put to it, changes who sees the case decided.
        #expect(try policy.affected(by: [EntityKey(.council, "k")], facts: facts).contains(EntityKey(.case, "c")))
        #expect(try policy.affected(by: [EntityKey(.motion, "v")], facts: facts).contains(EntityKey(.case, "c")))
    }
}

/// Hand-written facts for the audience unit test.
private struct FixedFacts: AccessFacts {
    func caseFacts(_ id: String) -> CaseFacts? { id == "c" ? CaseFacts(submitter: "m", branch: "b") : nil }
    func meetingFacts(_ id: String) -> MeetingFacts? {
        id == "n" ? MeetingFacts(branch: nil, attendees: ["a"], agendaSubmitters: ["m"], debaters: ["d"]) : nil
    }
    func motionFacts(_ id: String) -> MotionFacts? { id == "v" ? MotionFacts(caseID: "c", meetingID: nil, councilID: "k") : nil }
    func councilFacts(_ id: String) -> CouncilFacts? { id == "k" ? CouncilFacts(members: ["x"], ownerBranch: "o") : nil }
    func memberFacts(_ id: String) -> MemberFacts? { MemberFacts(branch: nil) }
    func consultationFacts(_ id: String) -> ConsultationFacts? { ConsultationFacts(branch: "b") }
    func surveyFacts(_ id: String) -> SurveyFacts? { nil }
    func rewardFacts(_ id: String) -> RewardFacts? { nil }
    func motions(referencing entity: EntityKey) -> [String] { entity.id == "k" || entity.id == "c" ? ["v"] : [] }
    func meetings(withAgendaCase caseID: String) -> [String] { caseID == "c" ? ["n"] : [] }
    func isVisible(_ entity: EntityKey, to principal: Principal) -> Bool { true }
}
