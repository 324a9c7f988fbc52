import Foundation
import GRDB
import SyncCore

public struct MeetingView: Codable, Sendable, Equatable {
    public struct Attendee: Codable, Sendable, Equatable {
        public var member: String
        public var confirmed: Bool
        /// The day the member attended: the date of record given with `--on`, else the
        /// meeting's date.
        public var attendedOn: String?
    }
    public struct DebateSubject: Codable, Sendable, Equatable {
        public var id: String
        public var member: String
        public var subject: String
    }
    public var id: String
    public var kind: String?
    public var title: String?
    public var date: String?
    public var branch: String?
    /// Case ids on the agenda.
    public var agenda: [String]
    public var attendance: [Attendee]
    public var debateSubjects: [DebateSubject]
}

extension FieldReplica {
    /// Creates a meeting of one of `Domain.meetingKinds`, with an optional agenda of cases.
    @discardableResult
    public func createMeeting(id: String? = nil, kind: String, title: String, date: String, branch: String? = nil,
                              agenda: [String] = []) throws -> MeetingView {
        try Check.choice(kind, in: Domain.meetingKinds, what: "meeting kind")
        try Check.text(title, what: "title")
        try Check.date(date, what: "meeting date")
        if let branch { try Check.identifier(branch, what: "branch") }
        let meetingID = id ?? newID("mtg")
        try Check.identifier(meetingID, what: "meeting id")
        return try write { db in
            if kind != AccessPolicy.monitorMeetingKind { try requireStaff(db, "create \(kind) meetings") }
            if try meetingExists(meetingID, db) {
                throw SyncError(.conflict, "meeting '\(meetingID)' already exists; choose another --id")
            }
            let me = try me(db)
            if me.role == .monitor, !agenda.isEmpty {
                throw SyncError(.forbidden, "a monitor's workshop has no agenda of cases; branch staff put cases on agendas")
            }
            var writes: [FieldWrite] = [
                .set(.meeting, meetingID, "kind", .string(kind)),
                .set(.meeting, meetingID, "title", .string(title)),
                .set(.meeting, meetingID, "date", .string(date)),
            ]
            // A monitor's own workshop names them as its organiser: it is shown to them, to the
            // branch it names and to HQ (docs/ACCESS.md).
            if me.role == .monitor { writes.append(.set(.meeting, meetingID, "organizer", .string(me.memberID))) }
            if let branch = branch ?? me.branch { writes.append(.set(.meeting, meetingID, "branch", .string(branch))) }
            for item in agenda {
                writes.append(.add(.meeting, meetingID, "agenda", element: try resolveCase(item, db)))
            }
            try record(writes, db)
            return try meeting(meetingID, db)
        }
    }

    /// Meetings of a kind, branch and period, in four queries whatever their number.
    public func meetings(kind: String? = nil, branch: String? = nil, period: ReportPeriod = .all) throws -> [MeetingView] {
        if let kind { try Check.choice(kind, in: Domain.meetingKinds, what: "meeting kind") }
        let bounds = period.bounds
        return try read { db in
            let selection = """
                SELECT id FROM meetings WHERE (?1 IS NULL OR kind = ?1) AND (?2 IS NULL OR branch = ?2)
                AND (?3 IS NULL OR date BETWEEN ?3 AND ?4)
                """
            let arguments: StatementArguments = [kind, branch, bounds?.from, bounds?.to]
            var agenda: [String: [String]] = [:], attendance: [String: [MeetingView.Attendee]] = [:]
            var subjects: [String: [MeetingView.DebateSubject]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT meeting_id, case_id FROM agenda_items WHERE meeting_id IN (\(selection)) ORDER BY case_id",
                                        arguments: arguments) {
                agenda[row[0], default: []].append(row[1])
            }
            for row in try Row.fetchAll(db, sql: """
                SELECT a.meeting_id, a.member_id, a.confirmed, COALESCE(a.attended_on, m.date) FROM attendance a
                JOIN meetings m ON m.id = a.meeting_id WHERE a.meeting_id IN (\(selection)) ORDER BY a.member_id
                """, arguments: arguments) {
                attendance[row[0], default: []].append(MeetingView.Attendee(member: row[1], confirmed: (row[2] as Int64) == 1,
                                                                              attendedOn: row[3]))
            }
            for row in try Row.fetchAll(db, sql: """
                SELECT meeting_id, subject_id, member_id, subject FROM debate_subjects WHERE meeting_id IN (\(selection)) ORDER BY subject_id
                """, arguments: arguments) {
                subjects[row[0], default: []].append(MeetingView.DebateSubject(id: row[1], member: row[2], subject: row[3]))
            }
            return try Row.fetchAll(db, sql: "SELECT id, kind, title, date, branch FROM meetings WHERE id IN (\(selection)) ORDER BY date, id",
                                    arguments: arguments).map { row in
                let id: String = row[0]
                return MeetingView(id: id, kind: row[1], title: row[2], date: row[3], branch: row[4], agenda: agenda[id] ?? [],
                                   attendance: attendance[id] ?? [], debateSubjects: subjects[id] ?? [])
            }
        }
    }

    public func meeting(_ id: String) throws -> MeetingView {
        try read { db in try meeting(id, db) }
    }

    /// Puts cases on a meeting's agenda (or takes them off with `remove`).
    @discardableResult
    public func agenda(_ meetingID: String, cases: [String], remove: Bool = false) throws -> MeetingView {
        try write { db in
            try requireMeeting(meetingID, db)
            var writes: [FieldWrite] = []
            for item in cases {
                let id = try resolveCase(item, db)
                if remove {
                    guard try onAgenda(meetingID, id, db) else {
                        throw SyncError(.notFound, "case \(item) is not on the agenda of meeting \(meetingID)")
                    }
                    writes.append(.remove(.meeting, meetingID, "agenda", element: id))
                } else {
                    writes.append(.add(.meeting, meetingID, "agenda", element: id))
                }
            }
            try record(writes, db)
            return try meeting(meetingID, db)
        }
    }

    /// Records that members attended. Two devices recording the same attendance count it once.
    /// They attended on the meeting's date, or on `on` when given (a date of record: a
    /// workshop over several days, a meeting held on another day than planned).
    @discardableResult
    public func attend(_ meetingID: String, members: [String], on: String? = nil) throws -> MeetingView {
        guard !members.isEmpty else { throw SyncError(.invalidValue, "name at least one member who attended") }
        return try write { db in
            let date = try on.map { try dateOfRecord($0, db) }
            try requireMeeting(meetingID, db)
            for member in members { try requireMember(member, db) }
            var writes = members.map { FieldWrite.add(.meeting, meetingID, "attendance", element: $0) }
            if let date { writes += members.map { Self.attendanceDate(meetingID, $0, date) } }
            try record(writes, db)
            return try meeting(meetingID, db)
        }
    }

    /// The date of record of a member's attendance.
    static func attendanceDate(_ meetingID: String, _ member: String, _ date: String) -> FieldWrite {
        .set(.meeting, meetingID, "attendanceDates", .string(date), key: member)
    }

    /// Removes a mistaken attendance entry (and its confirmation).
    @discardableResult
    public func unattend(_ meetingID: String, member: String) throws -> MeetingView {
        try write { db in
            try requireMeeting(meetingID, db)
            guard let row = try Row.fetchOne(db, sql: "SELECT confirmed FROM attendance WHERE meeting_id = ? AND member_id = ?",
                                             arguments: [meetingID, member]) else {
                throw SyncError(.notFound, "member \(member) is not recorded as attending meeting \(meetingID); see `field meeting show \(meetingID)`")
            }
            let confirmed = (row[0] as Int64) == 1
            if confirmed, try !me(db).role.isStaff {
                throw SyncError(.forbidden, "the attendance of \(member) at meeting \(meetingID) was confirmed by staff; only branch or HQ staff can withdraw it")
            }
            var writes: [FieldWrite] = []
            if try !store.heads(.meeting, meetingID, "attendance", member, db).isEmpty {
                writes.append(.remove(.meeting, meetingID, "attendance", element: member))
            }
            if confirmed { writes.append(.remove(.meeting, meetingID, "confirmed", element: member)) }
            try record(writes, db)
            return try meeting(meetingID, db)
        }
    }

    /// Confirms attendance (staff only): confirmed attendance earns participation points. With
    /// `on`, the members attended on that day (their date of record) rather than the meeting's.
    @discardableResult
    public func confirm(_ meetingID: String, members: [String], on: String? = nil) throws -> MeetingView {
        guard !members.isEmpty else { throw SyncError(.invalidValue, "name at least one member to confirm") }
        return try write { db in
            try requireStaff(db, "confirm attendance")
            let date = try on.map { try dateOfRecord($0, db) }
            try requireMeeting(meetingID, db)
            for member in members {
                guard try Bool.fetchOne(db, sql: "SELECT 1 FROM attendance WHERE meeting_id = ? AND member_id = ?",
                                        arguments: [meetingID, member]) != nil else {
                    throw SyncError(.conflict, "member \(member) is not recorded as attending meeting \(meetingID); record it first with `field meeting attend \(meetingID) \(member)`")
                }
            }
            var writes = members.map { FieldWrite.add(.meeting, meetingID, "confirmed", element: $0) }
            if let date { writes += members.map { Self.attendanceDate(meetingID, $0, date) } }
            try record(writes, db)
            return try meeting(meetingID, db)
        }
    }

    /// Records a debate subject raised by a member. The same member raising the same subject
    /// text, recorded on two devices, is one subject.
    @discardableResult
    public func raiseSubject(_ meetingID: String, member: String, subject: String) throws -> MeetingView.DebateSubject {
        try Check.text(subject, what: "debate subject")
        return try write { db in
            try requireMeeting(meetingID, db)
            try requireMember(member, db)
            let key = "\(member).\(Self.stableHash(subject.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()))"
            try record([.add(.meeting, meetingID, "debateSubjects", element: key,
                             value: .object(["member": .string(member), "subject": .string(subject)]))], db)
            return MeetingView.DebateSubject(id: key, member: member, subject: subject)
        }
    }

    // MARK: - Helpers

    func meeting(_ id: String, _ db: Database) throws -> MeetingView {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM meetings WHERE id = ?", arguments: [id]) else {
            throw unknownMeeting(id)
        }
        let agenda = try String.fetchAll(db, sql: "SELECT case_id FROM agenda_items WHERE meeting_id = ? ORDER BY case_id", arguments: [id])
        let attendance = try Row.fetchAll(db, sql: """
            SELECT member_id, confirmed, attended_on FROM attendance WHERE meeting_id = ? ORDER BY member_id
            """, arguments: [id]).map {
            MeetingView.Attendee(member: $0[0], confirmed: ($0[1] as Int64) == 1, attendedOn: ($0[2] as String?) ?? row["date"])
        }
        let subjects = try Row.fetchAll(db, sql: "SELECT subject_id, member_id, subject FROM debate_subjects WHERE meeting_id = ? ORDER BY subject_id",
                                        arguments: [id]).map { MeetingView.DebateSubject(id: $0[0], member: $0[1], subject: $0[2]) }
        return MeetingView(id: id, kind: row["kind"], title: row["title"], date: row["date"], branch: row["branch"],
                           agenda: agenda, attendance: attendance, debateSubjects: subjects)
    }

    func meetingExists(_ id: String, _ db: Database) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT 1 FROM meetings WHERE id = ?", arguments: [id]) != nil
    }

    func requireMeeting(_ id: String, _ db: Database) throws {
        guard try meetingExists(id, db) else { throw unknownMeeting(id) }
    }

    func unknownMeeting(_ id: String) -> SyncError {
        SyncError(.notFound, "unknown meeting '\(id.prefix(64))'; list meetings with `field meeting list`")
    }

    func onAgenda(_ meetingID: String, _ caseID: String, _ db: Database) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT 1 FROM agenda_items WHERE meeting_id = ? AND case_id = ?", arguments: [meetingID, caseID]) != nil
    }

    /// FNV-1a, 64 bits, as 16 hex digits: a stable key for a text on every platform.
    static func stableHash(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
