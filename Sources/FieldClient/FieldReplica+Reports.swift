import Foundation
import GRDB
import SyncCore

public struct ConsultationView: Codable, Sendable, Equatable {
    public var id: String
    public var channel: String?
    public var branch: String?
    public var topic: String?
    public var receivedOn: String?
    public var answeredOn: String?
    public var caseID: String?
}

extension FieldReplica {
    // MARK: - Mileage points (computed by SyncCore's PointsReport, the same on the server)

    public func ledger(member: String, period: ReportPeriod = .all, policy: PointsPolicy = .embedded) throws -> [PointsEntry] {
        try read { db in
            try requireMember(member, db)
            return try PointsReport.ledger(policy: policy, period: period, member: member, db)
        }
    }

    public func leaderboard(period: ReportPeriod = .all, limit: Int? = nil, policy: PointsPolicy = .embedded) throws -> [LeaderboardRow] {
        try read { db in try PointsReport.leaderboard(policy: policy, period: period, limit: limit, db) }
    }

    /// The best monitors of a month (`YYYY-MM`), the top `count` ranks.
    public func bestMonitors(month: String, count: Int = 3, policy: PointsPolicy = .embedded) throws -> [LeaderboardRow] {
        guard case .month(let year, let m) = try ReportPeriod(parsing: month) else {
            throw SyncError(.invalidValue, "'\(month.prefix(20))' is not a month; write it as YYYY-MM (e.g. 2026-03)")
        }
        guard count >= 1 else { throw SyncError(.invalidValue, "--count must be at least 1") }
        return try read { db in try PointsReport.bestMonitors(policy: policy, year: year, month: m, count: count, db) }
    }

    public func divisionPoints(period: ReportPeriod = .all, policy: PointsPolicy = .embedded) throws -> [DivisionRow] {
        try read { db in try PointsReport.divisions(policy: policy, period: period, db) }
    }

    // MARK: - Conflicts

    public func conflicts() throws -> [Conflict] { try read { db in try store.conflicts(db) } }

    /// Resolves a conflict by choosing one competing value (`chooseOp`, an operation id from the
    /// conflict) or writing a new `value`. The write has seen every competing value, so it replaces them all.
    @discardableResult
    public func resolveConflict(entity: EntityKind, id: String, field: String, key: String = "",
                                chooseOp: String? = nil, value: JSONValue? = nil) throws -> [Conflict] {
        guard (chooseOp == nil) != (value == nil) else {
            throw SyncError(.invalidValue, "give exactly one of --choose OP (a competing value) or --value VALUE (a new value)")
        }
        return try write { db in
            guard let conflict = try store.conflicts(db).first(where: {
                $0.entity == entity && $0.entityID == id && $0.field == field && $0.key == key
            }) else {
                throw SyncError(.notFound, "no conflict on \(entity.rawValue) \(id) \(field)\(key.isEmpty ? "" : " [\(key)]"); list them with `field conflicts list`")
            }
            let chosen: JSONValue
            if let chooseOp {
                guard let candidate = conflict.competing.first(where: { $0.op == chooseOp }) else {
                    throw SyncError(.notFound, "operation \(chooseOp) is not one of the competing values (\(conflict.competing.map(\.op).joined(separator: ", ")))")
                }
                chosen = candidate.value
            } else {
                chosen = value!
            }
            try record([.set(entity, id, field, chosen, key: key)], db)
            return try store.conflicts(db)
        }
    }

    // MARK: - Consultations (the call-centre and branch-desk log behind the reply rate)

    @discardableResult
    public func logConsultation(id: String? = nil, channel: String, topic: String, receivedOn: String? = nil,
                                answeredOn: String? = nil, branch: String? = nil, case idOrRef: String? = nil) throws -> ConsultationView {
        try Check.choice(channel, in: Domain.consultationChannels, what: "channel")
        try Check.text(topic, what: "topic")
        if let receivedOn { try Check.date(receivedOn, what: "--received date") }
        if let answeredOn { try Check.date(answeredOn, what: "--answered date") }
        if let branch { try Check.identifier(branch, what: "branch") }
        let consultationID = id ?? newID("con")
        try Check.identifier(consultationID, what: "consultation id")
        return try write { db in
            try requireStaff(db, "log consultations")
            let received = try receivedOn ?? today(db)
            if let answeredOn, answeredOn < received {
                throw SyncError(.invalidValue, "answered on \(answeredOn) is before received on \(received)")
            }
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM consultations WHERE id = ?", arguments: [consultationID]) != nil {
                throw SyncError(.conflict, "consultation '\(consultationID)' already exists; choose another --id")
            }
            var writes: [FieldWrite] = [
                .set(.consultation, consultationID, "channel", .string(channel)),
                .set(.consultation, consultationID, "topic", .string(topic)),
                .set(.consultation, consultationID, "receivedOn", .string(received)),
            ]
            if let branch = try branch ?? me(db).branch { writes.append(.set(.consultation, consultationID, "branch", .string(branch))) }
            if let answeredOn { writes.append(.set(.consultation, consultationID, "answeredOn", .string(answeredOn))) }
            if let idOrRef { writes.append(.set(.consultation, consultationID, "case", .string(try resolveCase(idOrRef, db)))) }
            try record(writes, db)
            return try consultation(consultationID, db)
        }
    }

    /// Records the reply to a consultation, answered on the date of record `on` (default today).
    @discardableResult
    public func answerConsultation(_ id: String, on date: String? = nil) throws -> ConsultationView {
        try write { db in
            try requireStaff(db, "answer consultations")
            let answered = try dateOfRecord(date, db)
            let current = try consultation(id, db)
            if let received = current.receivedOn, answered < received {
                throw SyncError(.invalidValue, "answered on \(answered) is before received on \(received)")
            }
            try record([.set(.consultation, id, "answeredOn", .string(answered))], db)
            return try consultation(id, db)
        }
    }

    public func consultations(branch: String? = nil, unansweredOnly: Bool = false, period: ReportPeriod = .all) throws -> [ConsultationView] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM consultations WHERE (?1 IS NULL OR branch = ?1) AND (?2 = 0 OR answered_on IS NULL) ORDER BY received_on, id
                """, arguments: [branch, unansweredOnly ? 1 : 0]).map(Self.consultationView).filter { period.contains($0.receivedOn) }
        }
    }

    func consultation(_ id: String, _ db: Database) throws -> ConsultationView {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM consultations WHERE id = ?", arguments: [id]) else {
            throw SyncError(.notFound, "unknown consultation '\(id.prefix(64))'; list them with `field consult list`")
        }
        return Self.consultationView(row)
    }

    static func consultationView(_ row: Row) -> ConsultationView {
        ConsultationView(id: row["id"], channel: row["channel"], branch: row["branch"], topic: row["topic"],
                         receivedOn: row["received_on"], answeredOn: row["answered_on"], caseID: row["case_id"])
    }
}

/// The process exit code for each error, in one place (documented in docs/CLI.md).
public enum ExitCodes {
    public static let success: Int32 = 0
    /// Anything unexpected.
    public static let failure: Int32 = 1
    /// Command-line usage errors (unknown option, missing argument), reported by the parser.
    public static let usage: Int32 = 64
    /// `field sync` finished, but the server refused some of this replica's operations
    /// (listed on stderr and by `field status`).
    public static let rejected: Int32 = 23
    /// `field repair` finished, but the replica's digest still differs from the server's.
    public static let diverged: Int32 = 26

    public static func code(for error: SyncError.Code) -> Int32 {
        switch error {
        case .malformed: 10
        case .unsupportedVersion: 11
        case .unknownField: 12
        case .invalidValue: 13
        case .notAReplica: 14
        case .incompatibleReplica: 15
        case .notFound: 16
        case .forbidden: 17
        case .storage: 18
        case .conflict: 19
        case .unreachable: 20
        case .unauthorized: 21
        case .server: 22
        case .throttled: 24
        case .schemaAhead: 25
        case .compacted: 27
        }
    }
}
