import Foundation
import GRDB
import SyncCore

/// Headquarters reports and the demo data set on a field replica. The figures are SyncCore's
/// `HQReports`, the very code the server runs over its own copy of the same tables.
extension FieldReplica {
    /// Computes one report in one read transaction (a consistent snapshot), e.g.
    /// `try replica.report(reports, HQReports.tasks)`.
    public func report<R>(_ reports: HQReports, _ compute: (HQReports) -> (Database) throws -> R) throws -> R {
        try read { db in try compute(reports)(db) }
    }

    /// One report (or every report, with nil) as JSON or CSV text, as the server serves it.
    public func renderReport(_ name: HQReportName?, _ reports: HQReports, as format: HQReportFormat) throws -> String {
        try read { db in try reports.render(name, as: format, db) }
    }

    /// What a replica must look like before `loadDataSet` fills it: an HQ replica with no
    /// cases, meetings, councils, motions or consultations, and no member but its owner.
    public func checkEmptyForDataSet() throws {
        try read { db in
            let me = try me(db)
            guard me.role == .hq else {
                throw SyncError(.forbidden, "a data set goes into an HQ replica; this one belongs to \(me.memberID) (\(me.role.rawValue))")
            }
            for table in ["cases", "meetings", "councils", "motions", "consultations"] {
                if try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table)") ?? 0 > 0 {
                    throw SyncError(.conflict, "the replica already holds \(table); generate into a new file (a data set is only loaded into an empty replica)")
                }
            }
            if try Int.fetchOne(db, sql: "SELECT count(*) FROM members WHERE id != ?", arguments: [me.memberID]) ?? 0 > 0 {
                throw SyncError(.conflict, "the replica already holds members; generate into a new file (a data set is only loaded into an empty replica)")
            }
        }
    }

    /// Fills an empty HQ replica with a generated data set (see `DataSetGenerator`).
    @discardableResult
    public func loadDataSet(_ generator: DataSetGenerator, batchSize: Int = 5_000,
                            progress: (Int) -> Void = { _ in }) throws -> DataSetSummary {
        try generator.validate()
        try checkEmptyForDataSet()
        return try Self.mapErrors { try store.load(generator, batchSize: batchSize, progress: progress) }
    }
}
