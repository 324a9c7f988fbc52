import HummingbirdTesting
import SyncCore
import SyncServer
import Testing

/// A small country whose report figures are worked out by hand (see each test), pushed
/// through HTTP by HQ so the server's state is exactly what replicas produce:
///
/// - cases c1 (2025-03-10, external-monitor, busan, m2) and c2 (2025-03-20, call-centre, seoul);
///   in March 2026 c3 (external-monitor, busan, m1), c4 (internal-monitor, busan, m3),
///   c5 (call-centre, seoul, s1), c6 (division, seoul, s1), c7 (workshop, busan, s1):
///   5 tasks against 2 a year before, +150.0%; each source 1 of 5, 20.0%.
/// - milestones (reached 2026-03-20): c3 agency-responsible + examined (m1: 6 points);
///   c4 agency-responsible, examined, submitted-to-council, accepted, result-notified
///   (m3: 36 points); c5 accepted. Budget priorities c5 = 1, c4 = 2.
/// - consultations in 2026-Q1: busan q1 (answered after 2 days), q2 (after 1 day), q3 (open);
///   seoul q4 (same day): 3 of 4 answered, 75.0%, 1.0 day on average.
/// - a conflict: a second HQ replica retitles c3 concurrently, with markup in the title.
struct ReportFixture: Sendable {
    let harness: ServerHarness
    /// Tokens: hq, s1 (busan staff), m1 (monitor).
    let tokens: [String: String]
    /// The day the facts happen (milestones, the second title) and the server's clock after seeding.
    static let march20: Int64 = 1_773_964_800_000 // 2026-03-20T00:00:00Z
    static let april1: Int64 = 1_775_001_600_000 // 2026-04-01T00:00:00Z
    static let hostileTitle = "<script>alert('x')</script> & \"bids\""

    static func seed(_ harness: ServerHarness, _ client: any TestClientProtocol) async throws -> ReportFixture {
        harness.clock.set(april1)
        var tokens: [String: String] = [:]
        tokens["hq"] = try await harness.token("hq", .hq)
        tokens["s1"] = try await harness.token("s1", .branch, branch: "busan")
        tokens["m1"] = try await harness.token("m1", .monitor, kind: .external)
        let hq = try Device("hqr", member: "hq", milliseconds: march20)
        var writes: [FieldWrite] = []
        for (id, name, kind, branch, division) in [
            ("hq", "Head Office", "hq", nil, nil), ("s1", "Busan Staff", "staff", "busan", nil),
            ("m1", "Ada Monitor", "external-monitor", nil, "citizens"), ("m2", "Bo Monitor", "external-monitor", nil, "citizens"),
            ("m3", "Cy Inspector", "internal-monitor", "busan", "contracts"),
        ] as [(String, String, String, String?, String?)] {
            writes += [.set(.member, id, "name", .string(name)), .set(.member, id, "kind", .string(kind))]
            if let branch { writes.append(.set(.member, id, "branch", .string(branch))) }
            if let division { writes.append(.set(.member, id, "division", .string(division))) }
        }
        let cases: [(String, String, String, String, String, String, String)] = [
            ("c1", "2025-03-10", "external-monitor", "busan", "goods", "process", "m2"),
            ("c2", "2025-03-20", "call-centre", "seoul", "services", "practice", "s1"),
            ("c3", "2026-03-02", "external-monitor", "busan", "goods", "process", "m1"),
            ("c4", "2026-03-05", "internal-monitor", "busan", "e-procurement", "electronic-system", "m3"),
            ("c5", "2026-03-09", "call-centre", "seoul", "goods", "law-system", "s1"),
            ("c6", "2026-03-15", "division", "seoul", "services", "process", "s1"),
            ("c7", "2026-03-28", "workshop", "busan", "goods", "practice", "s1"),
        ]
        for (id, date, source, branch, area, cause, submitter) in cases {
            writes += [.set(.case, id, "ref", .string("REF-\(id)")), .set(.case, id, "title", .string("Case \(id)")),
                       .set(.case, id, "reportedOn", .string(date)), .set(.case, id, "source", .string(source)),
                       .set(.case, id, "branch", .string(branch)), .set(.case, id, "area", .string(area)),
                       .set(.case, id, "cause", .string(cause)), .set(.case, id, "submitter", .string(submitter))]
        }
        writes += ["agency-responsible", "examined"].map { FieldWrite.reach(.case, "c3", $0) }
        writes += ["agency-responsible", "examined", "submitted-to-council", "accepted", "result-notified"].map { FieldWrite.reach(.case, "c4", $0) }
        writes += [.reach(.case, "c5", "accepted"), .set(.case, "c5", "budgetPriority", .int(1)), .set(.case, "c4", "budgetPriority", .int(2)),
                   .raise(.case, "c4", "step", to: 2)]
        for (id, branch, received, answered) in [("q1", "busan", "2026-01-10", "2026-01-12"), ("q2", "busan", "2026-02-01", "2026-02-02"),
                                                 ("q3", "busan", "2026-03-01", nil), ("q4", "seoul", "2026-03-03", "2026-03-03")] as [(String, String, String, String?)] {
            writes += [.set(.consultation, id, "channel", .string("call-centre")), .set(.consultation, id, "branch", .string(branch)),
                       .set(.consultation, id, "topic", .string("Question \(id)")), .set(.consultation, id, "receivedOn", .string(received))]
            if let answered { writes.append(.set(.consultation, id, "answeredOn", .string(answered))) }
        }
        let answer = try await client.push(tokens["hq"]!, replica: hq.replica, try hq.record(writes))
        #expect(answer.status == 200 && answer.rejected.isEmpty, "seeding failed: \(answer.body)")
        // A second HQ device that never saw c3's title writes another: a conflict.
        let other = try Device("hqr2", member: "hq", milliseconds: march20)
        let conflict = try await client.push(tokens["hq"]!, replica: other.replica,
                                             try other.record([.set(.case, "c3", "title", .string(hostileTitle))]))
        #expect(conflict.status == 200 && conflict.rejected.isEmpty, "conflicting write failed: \(conflict.body)")
        return ReportFixture(harness: harness, tokens: tokens)
    }

    func token(_ member: String) -> String { tokens[member]! }
}
