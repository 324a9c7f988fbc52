import GRDB
import SyncCore

/// The public reform page (issue 15): headquarters decides which accepted or implemented
/// reforms the server shows without sign-in (`/reforms`), and what the page says changed. The
/// decision is a fact like any other: recorded offline, synced, and withdrawn by another one.
extension FieldReplica {
    /// Publishes an accepted or implemented case on the public page, recorded as published on
    /// `on` (default today), under `title` (default: the case's title now; the page keeps this
    /// one whatever later edits of the case say) with `summary`: what changed, in words for the
    /// public. Nothing else of the case appears there.
    @discardableResult
    public func publishReform(_ idOrRef: String, summary: String, title: String? = nil, on: String? = nil) throws -> CaseDetail {
        try write { db in
            try requireHeadquarters(db, "publish reforms")
            try Check.text(summary, what: "public summary", max: 2_000)
            let date = try dateOfRecord(on, db)
            let id = try resolveCase(idOrRef, db)
            let status = try String.fetchOne(db, sql: "SELECT status FROM cases WHERE id = ?", arguments: [id]) ?? "open"
            guard ["accepted", "implemented"].contains(status) else {
                throw SyncError(.conflict, "case \(idOrRef) is \(status); only accepted or implemented reforms are published (decide it first: `field case decide`)")
            }
            let reached = try milestones(id, db)
            // Accepted and rejected apart, and no arbitration settled it.
            if reached.contains("rejected") && reached.contains("accepted")
                && !reached.contains("arbitration-upheld") && !reached.contains("arbitration-overturned") {
                throw SyncError(.conflict, "case \(idOrRef) was both accepted and rejected (decisions made apart); settle it before publishing it")
            }
            let shown = try title ?? String.fetchOne(db, sql: "SELECT title FROM cases WHERE id = ?", arguments: [id]) ?? "Reform"
            try Check.text(shown, what: "public title", max: 500)
            try record([.set(.case, id, "publishedOn", .string(date)), .set(.case, id, "publicTitle", .string(shown)),
                        .set(.case, id, "publicSummary", .string(summary))], db)
        }
        return try caseDetail(idOrRef)
    }

    /// Takes a reform off the public page (its summary is kept for a later publication).
    @discardableResult
    public func unpublishReform(_ idOrRef: String) throws -> CaseDetail {
        try write { db in
            try requireHeadquarters(db, "withdraw reforms from the public page")
            let id = try resolveCase(idOrRef, db)
            try record([.set(.case, id, "publishedOn", .null)], db)
        }
        return try caseDetail(idOrRef)
    }

    func requireHeadquarters(_ db: Database, _ action: String) throws {
        guard try me(db).role == .hq else {
            throw SyncError(.forbidden, "only headquarters may \(action); this replica belongs to a \(try me(db).role.rawValue) member")
        }
    }
}
