import Foundation
import GRDB
import SyncCore

/// Headquarters reports and the dashboard, read from the server's own replica with the very
/// SyncCore functions an HQ replica runs, so the numbers are the same on both sides.
extension SQLiteSyncStorage {
    public func report(_ name: HQReportName?, as format: HQReportFormat, filter: HQReports) async throws -> String {
        try await Self.wrapAsync {
            try await writer.read { db in try filter.render(name, as: format, db) }
        }
    }

    public func dashboard(_ request: DashboardRequest) async throws -> DashboardSnapshot {
        try await Self.wrapAsync {
            try await writer.read { db in try Self.dashboard(request, db) }
        }
    }

    /// The whole dashboard inside one read transaction (a consistent snapshot under WAL).
    static func dashboard(_ request: DashboardRequest, _ db: Database) throws -> DashboardSnapshot {
        let years = try Int.fetchAll(db, sql: """
            SELECT DISTINCT CAST(substr(reported_on, 1, 4) AS INTEGER) FROM cases
            WHERE reported_on GLOB '[0-9][0-9][0-9][0-9]-*' ORDER BY 1
            """)
        let period = request.period ?? years.last.map { ReportPeriod.year($0) } ?? .all
        let bundle = try request.reports(period: period).all(db)
        let branches = try String.fetchAll(db, sql: """
            SELECT branch FROM cases WHERE branch IS NOT NULL
            UNION SELECT branch FROM consultations WHERE branch IS NOT NULL
            UNION SELECT branch FROM members WHERE branch IS NOT NULL
            ORDER BY 1
            """)
        let (conflicts, conflictCount) = try Self.conflicts(branch: request.branch, limit: request.conflictLimit, db)
        let operations = try Int.fetchOne(db, sql: "SELECT count(*) FROM oplog") ?? 0
        var snapshot = DashboardSnapshot(period: period, branch: request.branch, reports: bundle, branches: branches, years: years,
                                         conflicts: conflicts, conflictCount: conflictCount, operations: operations)
        snapshot.attachments = try Self.dashboardAttachments(branch: request.branch, limit: request.conflictLimit, db)
        snapshot.satisfactionTrend = period == .all ? bundle.satisfaction : try request.reports(period: .all).satisfaction(db)
        return snapshot
    }

    /// The attachments of cases and meetings (of `branch`, when given), at most `limit`.
    static func dashboardAttachments(branch: String?, limit: Int, _ db: Database) throws -> [DashboardAttachment] {
        guard try db.tableExists("case_attachments"), try db.tableExists("meeting_attachments") else { return [] }
        let filter = branch == nil ? "" : "WHERE owner_branch = ?"
        return try Row.fetchAll(db, sql: """
            SELECT * FROM (
              SELECT 'case' AS entity, a.case_id AS entity_id, a.sha256, a.name, a.media_type, a.bytes,
                     trim(coalesce(c.ref, '') || ' ' || coalesce(c.title, '')) AS label, c.branch AS owner_branch
              FROM case_attachments a LEFT JOIN cases c ON c.id = a.case_id
              UNION ALL
              SELECT 'meeting', a.meeting_id, a.sha256, a.name, a.media_type, a.bytes, m.title, m.branch
              FROM meeting_attachments a LEFT JOIN meetings m ON m.id = a.meeting_id
            ) \(filter) ORDER BY entity, entity_id, name LIMIT ?
            """, arguments: StatementArguments((branch.map { [$0] } ?? []) + [limit])).map { row in
            DashboardAttachment(sha256: row["sha256"], name: row["name"], mediaType: row["media_type"],
                                bytes: Int64(row["bytes"] as String) ?? 0, entity: row["entity"], entityID: row["entity_id"],
                                label: row["label"])
        }
    }

    /// The `conflicts` rows with a readable label for their entity; with a branch, only those
    /// on entities filed under that branch (cases, meetings, consultations, members).
    static func conflicts(branch: String?, limit: Int, _ db: Database) throws -> ([ConflictSummary], Int) {
        let labelled = """
            SELECT c.entity, c.entity_id, c.field, c.key, c.winner, c.competing,
              CASE c.entity
                WHEN 'case' THEN (SELECT trim(coalesce(ref, '') || ' ' || coalesce(title, '')) FROM cases WHERE id = c.entity_id)
                WHEN 'member' THEN (SELECT name FROM members WHERE id = c.entity_id)
                WHEN 'meeting' THEN (SELECT title FROM meetings WHERE id = c.entity_id)
                WHEN 'council' THEN (SELECT name FROM councils WHERE id = c.entity_id)
                WHEN 'consultation' THEN (SELECT topic FROM consultations WHERE id = c.entity_id)
                WHEN 'survey' THEN (SELECT coalesce(period, '') || ' ' || coalesce(source, '') FROM surveys WHERE id = c.entity_id)
                WHEN 'reward' THEN (SELECT coalesce(kind, '') || ' ' || coalesce(member_id, division, '') || ' ' || coalesce(period, '') FROM rewards WHERE id = c.entity_id)
              END AS label,
              CASE c.entity
                WHEN 'case' THEN (SELECT branch FROM cases WHERE id = c.entity_id)
                WHEN 'member' THEN (SELECT branch FROM members WHERE id = c.entity_id)
                WHEN 'meeting' THEN (SELECT branch FROM meetings WHERE id = c.entity_id)
                WHEN 'consultation' THEN (SELECT branch FROM consultations WHERE id = c.entity_id)
                WHEN 'survey' THEN (SELECT branch FROM surveys WHERE id = c.entity_id)
              END AS owner_branch
            FROM conflicts c
            """
        let filter = "WHERE ?1 IS NULL OR owner_branch = ?1"
        let count = try Int.fetchOne(db, sql: "SELECT count(*) FROM (\(labelled)) \(filter)", arguments: [branch]) ?? 0
        let rows = try Row.fetchAll(db, sql: """
            SELECT entity, entity_id, field, key, winner, competing, label FROM (\(labelled)) \(filter)
            ORDER BY entity, entity_id, field, key LIMIT ?2
            """, arguments: [branch, max(0, limit)])
        let summaries = rows.map { row -> ConflictSummary in
            let competingText: String = row[5]
            let competing = ((try? JSONDecoder().decode(JSONValue.self, from: Data(competingText.utf8)))?.arrayValue ?? []).map { item in
                let object = item.objectValue ?? [:]
                return ConflictSummary.Competitor(author: object["author"]?.stringValue ?? "?", hlc: object["hlc"]?.stringValue ?? "",
                                                  value: (object["value"] ?? .null).canonicalJSON)
            }
            let label: String? = row[6]
            return ConflictSummary(entity: row[0], entityID: row[1], field: row[2], key: row[3],
                                   label: label.flatMap { $0.isEmpty ? nil : $0 }, winner: row[4], competing: competing)
        }
        return (summaries, count)
    }
}
