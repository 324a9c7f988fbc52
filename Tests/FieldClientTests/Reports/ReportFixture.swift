import FieldClient
import Foundation
import GRDB
import SyncCore
import Testing

/// A small HQ replica for hand-computed report expectations: cases are written straight
/// through the store (fast, exact dates), the ladder through the workflow API with the clock
/// set to the day each step happens (10:00 UTC).
struct ReportFixture {
    let hq: FieldReplica
    let clock: ManualWallClock

    init(seed: UInt64 = 61, on date: String = "2006-01-02") throws {
        (hq, clock) = try makeReplica("hq1", role: .hq, prefix: "HQ", seed: seed, on: date)
    }

    /// Sets the clock to 10:00 UTC on `date`.
    func on(_ date: String) { clock.set(at(date)) }

    /// Records cases directly (one transaction): id, reported-on date and the given registers.
    func addCases(_ specs: [(id: String, reportedOn: String, fields: [String: String])]) throws {
        var writes: [FieldWrite] = []
        for spec in specs {
            var fields = ["ref": spec.id.uppercased(), "title": "Task \(spec.id)", "area": "goods", "cause": "process",
                          "source": "division", "submitter": "hq1", "reportedOn": spec.reportedOn]
            for (key, value) in spec.fields { fields[key] = value }
            for (field, value) in fields.sorted(by: { $0.key < $1.key }) {
                writes.append(.set(.case, spec.id, field, .string(value)))
            }
        }
        try hq.store.record(writes, author: "hq1")
    }

    /// Runs every report query on the replica.
    func reports(period: ReportPeriod, branch: String? = nil, now: String = "2006-12-31", grain: ReportGrain? = nil,
                 limit: Int? = 20, bestCount: Int = 3) -> HQReports {
        HQReports(period: period, branch: branch, grain: grain, now: at(now), leaderboardLimit: limit, bestCount: bestCount)
    }

    func run<R>(_ reports: HQReports, _ compute: (HQReports) -> (Database) throws -> R) throws -> R {
        try hq.report(reports, compute)
    }
}
