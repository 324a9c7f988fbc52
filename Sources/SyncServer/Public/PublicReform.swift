import CivilAffairs
import GRDB
import SyncCore

/// One reform on the public page: what HQ published, and nothing personal (no submitter, member,
/// branch, comment or reference).
public struct PublicReform: Sendable, Hashable, Codable {
    public var title: String
    public var area: String?
    public var cause: String?
    /// The ladder step the case reached, by name.
    public var stepReached: String?
    /// `accepted` or `implemented`.
    public var status: String
    /// The day it was accepted (its date of record), and implemented if it was.
    public var decidedOn: String?
    public var implementedOn: String?
    /// What changed, as HQ wrote it for the public.
    public var summary: String?
    public var publishedOn: String
}

extension SQLiteSyncStorage {
    /// Every published reform still accepted (and never also rejected) or implemented, newest
    /// publication first, under HQ's public title.
    public func publishedReforms() async throws -> [PublicReform] {
        try await Self.wrapAsync {
            try await writer.read { db in try Self.publishedReforms(db) }
        }
    }

    /// The newest reforms the page shows at most.
    static let publicPageLimit = 500

    static func publishedReforms(_ db: Database, limit: Int = publicPageLimit) throws -> [PublicReform] {
        guard try db.columns(in: "cases").contains(where: { $0.name == "public_title" }) else { return [] }
        let routing = LadderRouting.embedded
        return try Row.fetchAll(db, sql: """
            SELECT c.public_title, c.area, c.cause, c.step, c.status, c.public_summary, c.published_on,
                   coalesce((SELECT reached_on FROM case_milestones m WHERE m.case_id = c.id AND m.milestone = 'arbitration-overturned'),
                            (SELECT reached_on FROM case_milestones m WHERE m.case_id = c.id AND m.milestone = 'accepted')) AS decided_on,
                   (SELECT reached_on FROM case_milestones m WHERE m.case_id = c.id AND m.milestone = 'implemented') AS implemented_on
            FROM cases c
            WHERE c.published_on IS NOT NULL AND c.public_title IS NOT NULL AND c.status IN ('accepted', 'implemented')
              AND NOT (EXISTS (SELECT 1 FROM case_milestones r WHERE r.case_id = c.id AND r.milestone = 'rejected')
                       AND EXISTS (SELECT 1 FROM case_milestones a WHERE a.case_id = c.id AND a.milestone = 'accepted')
                       AND NOT EXISTS (SELECT 1 FROM case_milestones o WHERE o.case_id = c.id
                                       AND o.milestone IN ('arbitration-upheld', 'arbitration-overturned')))
            ORDER BY c.published_on DESC, c.public_title, c.id
            LIMIT ?
            """, arguments: [limit]).map { row in
            PublicReform(title: row["public_title"], area: row["area"], cause: row["cause"],
                         stepReached: (row["step"] as Int64?).map(routing.name(ofStep:)), status: row["status"],
                         decidedOn: row["decided_on"], implementedOn: row["implemented_on"],
                         summary: row["public_summary"], publishedOn: row["published_on"])
        }
    }
}
