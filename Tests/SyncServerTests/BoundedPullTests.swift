import Foundation
import HummingbirdTesting
import SyncCore
import SyncServer
import Testing

/// Pull pages never exceed their limit, even when thousands of entities become visible at once
/// (issue 11): the cursor can stand inside an entity's replayed history. Protocol 1 clients
/// keep plain numeric cursors.
@Suite("Bounded pulls")
struct BoundedPullTests {
    @Test("forty motions shown at once arrive in pages of at most 7, each operation once, each entity's history in log order", arguments: StoreKind.allCases)
    func largeReplayIsPaged(_ store: StoreKind) async throws {
        let harness = try await ServerHarness(on: store)
        try await harness.test { client in
            let world = try await World.seed(harness, client)
            let (_, legacyStart) = try await client.pullAll(world.token("m1"))
            var start = "0"
            while true {
                let page = try await client.pullPage(world.token("m1"), cursor: start, limit: 50)
                start = page.cursor
                if !page.more { break }
            }
            // Forty motions on council k1, then m1 is seated on it: all of them become visible at one position.
            var writes: [FieldWrite] = []
            for index in 1...40 {
                writes += [.set(.motion, "mass\(index)", "council", .string("k1")), .set(.motion, "mass\(index)", "action", .string("accept")),
                           .set(.motion, "mass\(index)", "quorum", .int(2))]
            }
            try await world.hqWrites(writes, client)
            try await world.hqWrites([.add(.council, "k1", "members", element: "m1")], client)

            var bounded: [SyncOperation] = []
            var cursor = start, pages = 0
            while true {
                let page = try await client.pullPage(world.token("m1"), cursor: cursor, limit: 7)
                #expect(page.status == 200, "\(page.body)")
                #expect(page.operations.count <= 7, "a page of \(page.operations.count) operations for a limit of 7")
                bounded += page.operations
                pages += 1
                #expect(page.cursor != cursor || !page.more, "the cursor did not move")
                cursor = page.cursor
                if !page.more || pages > 200 { break }
            }
            #expect(pages >= 18, "124 operations in pages of at most 7")
            #expect(Set(bounded.map(\.id)).count == bounded.count, "an operation arrived twice")
            // A protocol 1 client gets the same operations (in pages that may exceed the limit).
            let (legacy, _) = try await client.pullAll(world.token("m1"), from: legacyStart, limit: 7)
            #expect(Set(bounded.map(\.id)) == Set(legacy.map(\.id)))
            #expect(bounded.entities.contains(EntityKey(.motion, "mass40")) && bounded.entities.contains(EntityKey(.council, "k1")))
            // Each entity's operations come in the order they were written (HQ's clock order).
            for entity in bounded.entities {
                let stamps = bounded.filter { EntityKey($0.entity, $0.entityID) == entity }.map(\.hlc)
                #expect(stamps == stamps.sorted(), "\(entity) arrived out of order")
            }
        }
    }

    @Test("random writes that change who sees what, pulled in pages of random limits between them: every page within its limit, every operation once, the server's digest reached", arguments: StoreKind.allCases, Array(UInt64(1)...12))
    func randomVisibilityChanges(_ store: StoreKind, seed: UInt64) async throws {
        let harness = try await ServerHarness(on: store)
        try await harness.test { client in
            let world = try await World.seed(harness, client)
            var rng = SplitMix64(seed: seed)
            func pick<T>(_ items: [T]) -> T { items[Int(rng.next() % UInt64(items.count))] }
            let readers = ["m1", "m2", "m3", "x1", "s1", "s2"]
            var devices: [String: Device] = [:]
            var cursors: [String: String] = [:]
            var seen: [String: Set<OperationID>] = [:]
            for member in readers {
                devices[member] = try Device("rd\(member)", member: member)
                cursors[member] = "0"
            }
            var motions = 0
            for round in 0..<12 {
                var writes: [FieldWrite] = []
                for _ in 0..<Int(rng.next() % 6 + 1) {
                    switch rng.next() % 6 {
                    case 0:
                        motions += 1
                        writes += [.set(.motion, "r\(motions)", "council", .string(pick(["k1", "k2"]))),
                                   .set(.motion, "r\(motions)", "case", .string(pick(["cS1", "cB1"]))),
                                   .set(.motion, "r\(motions)", "action", .string("accept"))]
                    case 1: writes.append(.add(.council, pick(["k1", "k2"]), "members", element: pick(["m1", "m2", "m3", "x1"])))
                    case 2: writes.append(.add(.meeting, pick(["wS", "nN"]), "attendance", element: pick(["m1", "m2", "m3"])))
                    case 3: writes.append(.set(.case, pick(["cS1", "cB1"]), "branch", .string(pick(["busan", "seoul"]))))
                    case 4: writes.append(.add(.meeting, pick(["wS", "nN", "wB"]), "agenda", element: pick(["cS1", "cB1"])))
                    default: writes.append(.set(.council, "k2", "name", .string("Second council \(round)")))
                    }
                }
                try await world.hqWrites(writes, client)
                // Some readers pull a page or two, with any limit, from wherever they stand.
                for member in readers where rng.next() % 2 == 0 {
                    for _ in 0..<Int(rng.next() % 2 + 1) {
                        let limit = Int(rng.next() % 6) + 1
                        let page = try await client.pullPage(world.token(member), cursor: cursors[member]!, limit: limit)
                        #expect(page.status == 200, "seed \(seed): \(page.body)")
                        #expect(page.operations.count <= limit, "seed \(seed): \(member) got \(page.operations.count) for a limit of \(limit)")
                        for op in page.operations {
                            #expect(seen[member, default: []].insert(op.id).inserted, "seed \(seed): \(member) got \(op.id) twice")
                        }
                        try devices[member]!.store.apply(page.operations)
                        cursors[member] = page.cursor
                    }
                }
            }
            for member in readers {
                while true {
                    let limit = Int(rng.next() % 6) + 1
                    let page = try await client.pullPage(world.token(member), cursor: cursors[member]!, limit: limit)
                    #expect(page.operations.count <= limit)
                    for op in page.operations {
                        #expect(seen[member, default: []].insert(op.id).inserted, "seed \(seed): \(member) got \(op.id) twice")
                    }
                    try devices[member]!.store.apply(page.operations)
                    cursors[member] = page.cursor
                    if !page.more { break }
                }
                let (legacy, _) = try await client.pullAll(world.token(member), limit: 1_000)
                #expect(seen[member, default: []] == Set(legacy.map(\.id)), "seed \(seed): \(member) received another set than a full pull")
                let server = try await client.digest(world.token(member))
                #expect(try devices[member]!.store.stateDigest() == server.digest, "seed \(seed): \(member) diverged from the server")
            }
        }
    }

    @Test("a cursor the server did not give is a 400; an inside cursor is refused to a protocol 1 client and shows nothing unseen when made up; numbers still work for both", arguments: StoreKind.allCases)
    func cursorErrors(_ store: StoreKind) async throws {
        let harness = try await ServerHarness(on: store)
        try await harness.test { client in
            let world = try await World.seed(harness, client)
            for bad in ["-1", "abc", "3.0.x", "3.4.", "3.9.Y2FzZR9jMQ"] {
                let page = try await client.pullPage(world.token("m1"), cursor: bad, limit: 5)
                #expect(page.status == 400 && page.body.contains("invalid_parameter"), "\(bad): \(page.body)")
            }
            let inside = PullCursor(position: 3, replay: .init(entity: EntityKey(.case, "cB1"), lastSeq: 2)).description
            #expect(PullCursor(inside) == PullCursor(position: 3, replay: .init(entity: EntityKey(.case, "cB1"), lastSeq: 2)))
            let legacy = try await client.get("/v1/pull?cursor=\(inside)", headers: client.headers(token: world.token("m1")))
            #expect(legacy.status == 400)
            // A cursor made up to stand inside the replay of another branch's case shows nothing of it.
            let (everything, _) = try await client.pullAll(world.token("hq"), limit: 1_000)
            let foreign = everything.filter { $0.entity == .case && $0.entityID == "cS1" }
            #expect(!foreign.isEmpty)
            let forged = PullCursor(position: Int64(everything.count), replay: .init(entity: EntityKey(.case, "cS1"), lastSeq: 1)).description
            let leak = try await client.pullPage(world.token("m1"), cursor: forged, limit: 500)
            #expect(leak.status == 200 && !leak.operations.contains { $0.entityID == "cS1" }, "\(leak.body)")
            let plain = try await client.pullPage(world.token("m1"), cursor: "0", limit: 500)
            let (old, _) = try await client.pullAll(world.token("m1"), limit: 500)
            #expect(plain.status == 200 && Set(plain.operations.map(\.id)) == Set(old.map(\.id)))
        }
    }
}
