import Foundation
import Hummingbird
import HummingbirdTesting
import SyncCore
import SyncServer
import Testing

/// The same random push histories into an embedded (SQLite) server and a PostgreSQL server:
/// both must answer every push the same, and end with equal digests for every scope, equal
/// pulled operation sets and byte-equal report CSVs; and a second PostgreSQL instance started
/// afterwards, whose working copy comes from the journal alone, must show the same.
@Suite("Differential: SQLite and PostgreSQL stores")
struct DifferentialTests {
    /// One push of the history: who pushes which of a device's recorded batches.
    struct Push: Sendable {
        var member: String
        var replica: String
        var operations: [SyncOperation]
    }

    /// A random history: several members writing (some writes outside their role, so refused),
    /// each batch pushed once or twice, batches of one replica sometimes out of order.
    static func history(seed: UInt64) throws -> [Push] {
        var rng = SplitMix64(seed: seed)
        func pick<T>(_ items: [T]) -> T { items[Int(rng.next() % UInt64(items.count))] }
        var devices: [String: Device] = [:]
        for member in ["hq", "s1", "s2", "m1", "m2", "m3", "x1"] {
            devices[member] = try Device("d\(member)", member: member)
        }
        var batches: [Push] = []
        var cases = 0, motions = 0
        for round in 0..<14 {
            let member = pick(["hq", "hq", "s1", "s2", "m1", "m2", "m3", "x1"])
            var writes: [FieldWrite] = []
            for _ in 0..<Int(rng.next() % 4 + 1) {
                switch rng.next() % 8 {
                case 0:
                    cases += 1
                    writes += World.caseWrites("r\(seed)c\(cases)", submitter: member, branch: pick(["busan", "seoul", nil]))
                case 1: writes.append(.set(.case, pick(["cB1", "cS1"]), "title", .string("Title \(round) by \(member)")))
                case 2: writes.append(.append(.case, pick(["cB1", "cS1"]), "comments", "Comment \(round) by \(member)"))
                case 3: writes.append(.add(.council, pick(["k1", "k2"]), "members", element: pick(["m1", "m2", "m3", "x1"])))
                case 4: writes.append(.set(.motion, "v1", "votes", .string(pick(["yes", "no"])), key: member))
                case 5:
                    motions += 1
                    writes += [.set(.motion, "r\(seed)v\(motions)", "council", .string("k1")),
                               .set(.motion, "r\(seed)v\(motions)", "case", .string(pick(["cS1", "cB1"]))),
                               .set(.motion, "r\(seed)v\(motions)", "action", .string("accept"))]
                case 6: writes.append(.add(.meeting, pick(["wS", "nN", "wB"]), "attendance", element: pick(["m1", "m2", "m3"])))
                default: writes.append(.reach(.case, pick(["cB1", "cS1"]), "examined"))
                }
            }
            let ops = try devices[member]!.record(writes)
            batches.append(Push(member: member, replica: devices[member]!.replica, operations: ops))
        }
        // Delivery: some batches twice, neighbours swapped (a replica's later batch first).
        var deliveries: [Push] = []
        var index = 0
        while index < batches.count {
            if index + 1 < batches.count && rng.next() % 4 == 0 {
                deliveries += [batches[index + 1], batches[index]]
                index += 2
            } else {
                deliveries.append(batches[index])
                index += 1
            }
            if rng.next() % 3 == 0, let again = deliveries.last { deliveries.append(again) }
        }
        return deliveries
    }

    /// What a server shows after the history: each push's answer, then per member the digest
    /// and the pulled operation ids, and the report CSVs.
    struct Observed: Equatable, Sendable {
        var answers: [String] = []
        var digests: [String: String] = [:]
        var pulled: [String: Set<OperationID>] = [:]
        var reports: [String: String] = [:]
    }

    static func observe(_ store: StoreKind, _ history: [Push]) async throws -> (Observed, Observed?) {
        let harness = try await ServerHarness(on: store)
        let (observed, tokens) = try await harness.test { client in
            let world = try await World.seed(harness, client)
            var observed = Observed()
            for push in history {
                let answer = try await client.push(world.token(push.member), replica: push.replica, push.operations)
                observed.answers.append("\(answer.status) \(answer.acknowledged) \(answer.rejected.sorted { $0.key < $1.key })")
            }
            try await Self.read(client, world.tokens, into: &observed)
            return (observed, world.tokens)
        }
        guard let url = harness.postgresURL else { return (observed, nil) }
        // A second instance, started now on the same database: its working copy is built from
        // the journal alone, and must show the same.
        let second = try await PostgresSyncStorage.open(url: url, directory: ServerHarness.temporaryDirectory("second"), instance: "second",
                                                        wallClock: harness.clock, maximumConnections: 2)
        let app = buildApplication(configuration: harness.configuration, storage: second, wallClock: harness.clock,
                                   ids: SeededIDSource(seed: 5))
        let replayed = try await app.test(.router) { client in
            var observed = Observed()
            try await Self.read(client, tokens, into: &observed)
            return observed
        }
        return (observed, replayed)
    }

    /// Digests and pulled sets of every member, and the reports, as `client` sees them.
    static func read(_ client: any TestClientProtocol, _ tokens: [String: String], into observed: inout Observed) async throws {
        do {
            for member in World.members {
                observed.digests[member] = try await client.digest(tokens[member]!).digest
                observed.pulled[member] = Set(try await client.pullAll(tokens[member]!, limit: 7).0.map(\.id))
            }
            let headers = client.headers(token: tokens["hq"]!)
            for uri in ["/v1/reports?format=csv", "/v1/reports/points?period=2026&format=csv", "/v1/reports?format=json&period=2026-01"] {
                let response = try await client.get(uri, headers: headers)
                #expect(response.status == 200, "\(uri): \(response.body)")
                observed.reports[uri] = response.body
            }
        }
    }

    @Test("same pushes, same answers, digests, pulled sets and report bytes", arguments: [UInt64(1), 2, 3, 4])
    func sameAnswers(seed: UInt64) async throws {
        let history = try Self.history(seed: seed)
        let (sqlite, _) = try await Self.observe(.sqlite, history)
        let (postgres, rebuilt) = try await Self.observe(.postgresql, history)
        let replayed = try #require(rebuilt)
        #expect(replayed.digests == postgres.digests && replayed.pulled == postgres.pulled && replayed.reports == postgres.reports,
                "an instance built from the journal shows another state than the one that took the pushes")
        #expect(sqlite.answers == postgres.answers)
        #expect(sqlite.digests == postgres.digests)
        #expect(sqlite.pulled == postgres.pulled)
        for (uri, text) in sqlite.reports {
            #expect(Array(text.utf8) == Array((postgres.reports[uri] ?? "").utf8), "\(uri) differs")
        }
        // The history is not trivial: something was refused, something stored.
        #expect(sqlite.answers.contains { $0.contains("forbidden") || $0.contains("not_found") })
        #expect(sqlite.pulled["hq"]!.count > 60)
    }
}
