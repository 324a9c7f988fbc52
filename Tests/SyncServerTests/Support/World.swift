import HummingbirdTesting
import SyncCore
import SyncServer
import Testing

/// A small country seeded through HQ: two branches (busan, seoul), three monitors, an expert,
/// cases, meetings (a busan workshop, a seoul meeting, a national meeting), a council with a
/// motion, and consultations. Used by the write-rule and visibility tests.
///
/// - cB1: submitted by m1, branch busan. cS1: submitted by m2, branch seoul.
/// - wB: busan workshop, cB1 on the agenda, m2 attended. wS: seoul meeting. nN: national, cS1 on the agenda.
/// - k1: council of x1 and m3 (created by HQ). v1: motion on cS1 in k1 at nN.
/// - qB, qS: consultations of busan and seoul.
struct World: Sendable {
    let harness: ServerHarness
    let hq: Device
    /// Tokens by member id: hq, s1 (busan), s2 (seoul), m1, m2 (external), m3 (internal), x1 (monitor token for the expert).
    let tokens: [String: String]

    static let members = ["hq", "s1", "s2", "m1", "m2", "m3", "x1"]

    static func seed(_ harness: ServerHarness, _ client: any TestClientProtocol) async throws -> World {
        var tokens: [String: String] = [:]
        tokens["hq"] = try await harness.token("hq", .hq)
        tokens["s1"] = try await harness.token("s1", .branch, branch: "busan")
        tokens["s2"] = try await harness.token("s2", .branch, branch: "seoul")
        tokens["m1"] = try await harness.token("m1", .monitor, kind: .external)
        tokens["m2"] = try await harness.token("m2", .monitor, kind: .external)
        tokens["m3"] = try await harness.token("m3", .monitor, kind: .internal)
        tokens["x1"] = try await harness.token("x1", .monitor, kind: .external)
        let hq = try Device("hqr", member: "hq")
        var writes: [FieldWrite] = []
        for (id, name, kind, branch) in [("hq", "Head Office", "hq", nil), ("s1", "Busan Staff", "staff", "busan"),
                                         ("s2", "Seoul Staff", "staff", "seoul"), ("m1", "Monitor One", "external-monitor", nil),
                                         ("m2", "Monitor Two", "external-monitor", nil), ("m3", "Monitor Three", "internal-monitor", nil),
                                         ("x1", "Expert", "expert", nil)] as [(String, String, String, String?)] {
            writes += [.set(.member, id, "name", .string(name)), .set(.member, id, "kind", .string(kind))]
            if let branch { writes.append(.set(.member, id, "branch", .string(branch))) }
        }
        writes += caseWrites("cB1", submitter: "m1", branch: "busan") + caseWrites("cS1", submitter: "m2", branch: "seoul")
        writes += meetingWrites("wB", branch: "busan", kind: "workshop")
            + [.add(.meeting, "wB", "agenda", element: "cB1"), .add(.meeting, "wB", "attendance", element: "m2")]
        writes += meetingWrites("wS", branch: "seoul", kind: "weekly-satisfaction")
        writes += meetingWrites("nN", branch: nil, kind: "practical-council") + [.add(.meeting, "nN", "agenda", element: "cS1")]
        writes += [.set(.council, "k1", "name", .string("Expert consultation")),
                   .add(.council, "k1", "members", element: "x1"), .add(.council, "k1", "members", element: "m3")]
        writes += [.set(.motion, "v1", "case", .string("cS1")), .set(.motion, "v1", "council", .string("k1")),
                   .set(.motion, "v1", "meeting", .string("nN")), .set(.motion, "v1", "action", .string("accept")),
                   .set(.motion, "v1", "quorum", .int(2))]
        for (id, branch) in [("qB", "busan"), ("qS", "seoul")] {
            writes += [.set(.consultation, id, "channel", .string("call-centre")), .set(.consultation, id, "branch", .string(branch)),
                       .set(.consultation, id, "topic", .string("Tender question")),
                       .set(.consultation, id, "receivedOn", .string("2026-01-02"))]
        }
        let answer = try await client.push(tokens["hq"]!, replica: hq.replica, try hq.record(writes))
        #expect(answer.status == 200 && answer.rejected.isEmpty, "seeding failed: \(answer.body)")
        return World(harness: harness, hq: hq, tokens: tokens)
    }

    static func caseWrites(_ id: String, submitter: String, branch: String?, title: String = "Tender rules unclear") -> [FieldWrite] {
        var writes: [FieldWrite] = [
            .set(.case, id, "ref", .string("REF-\(id)")), .set(.case, id, "title", .string(title)),
            .set(.case, id, "body", .string("The rules for small tenders are hard to follow.")),
            .set(.case, id, "area", .string("goods")), .set(.case, id, "cause", .string("process")),
            .set(.case, id, "source", .string("external-monitor")), .set(.case, id, "submitter", .string(submitter)),
            .set(.case, id, "reportedOn", .string("2026-01-05")),
        ]
        if let branch { writes.append(.set(.case, id, "branch", .string(branch))) }
        return writes
    }

    static func meetingWrites(_ id: String, branch: String?, kind: String) -> [FieldWrite] {
        var writes: [FieldWrite] = [.set(.meeting, id, "kind", .string(kind)), .set(.meeting, id, "title", .string("Meeting \(id)")),
                                    .set(.meeting, id, "date", .string("2026-01-09"))]
        if let branch { writes.append(.set(.meeting, id, "branch", .string(branch))) }
        return writes
    }

    func token(_ member: String) -> String { tokens[member]! }

    /// HQ records and pushes more writes.
    func hqWrites(_ writes: [FieldWrite], _ client: any TestClientProtocol) async throws {
        let answer = try await client.push(token("hq"), replica: hq.replica, try hq.record(writes))
        #expect(answer.status == 200 && answer.rejected.isEmpty, "HQ push failed: \(answer.body)")
    }
}

extension Array where Element == SyncOperation {
    /// The entities these operations touch.
    var entities: Set<EntityKey> { Set(map { EntityKey($0.entity, $0.entityID) }) }
}
