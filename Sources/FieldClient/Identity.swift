import GRDB
import SyncCore

/// What a replica's owner does in the system (MISSION.md, "People and roles").
public enum Role: String, Codable, Sendable, CaseIterable {
    /// Headquarters: consolidates nationwide state, runs the higher councils.
    case hq
    /// A regional branch office: takes complaints, examines cases, runs local meetings.
    case branch
    /// A monitor (external or internal): submits suggestions, raises debate subjects, attends workshops.
    case monitor
    /// An outside expert of a consultation council: votes and comments there, earns no points.
    case expert

    /// Whether this role may run the ladder, councils and motions, and confirm attendance.
    public var isStaff: Bool { self == .hq || self == .branch }
}

/// Who owns a replica. Stored in the replica file itself (table `field_identity`, outside the
/// replicated state: it is never synced and never part of the digest).
public struct Identity: Codable, Sendable, Equatable {
    public var memberID: String
    public var name: String
    public var role: Role
    /// The branch (required for `branch`, optional otherwise).
    public var branch: String?
    /// `external-monitor` or `internal-monitor` for monitors.
    public var monitorKind: String?
    public var division: String?
    /// Prefix of the case references made on this replica (`BSN` → `BSN-2026-0042`).
    public var refPrefix: String
    public var replicaID: String
    /// Cases created on this replica so far (the last number used in a reference).
    public var caseCounter: Int
    /// The principal the server knows this owner as (the token HQ issues for them has the same
    /// role, branch and kind): the replica judges its own writes as that principal.
    public var principal: Principal {
        switch role {
        case .hq: Principal(memberID: memberID, role: .hq)
        case .branch: Principal(memberID: memberID, role: .branch, branch: branch)
        case .monitor: Principal(memberID: memberID, role: .monitor,
                                 monitorKind: monitorKind == "internal-monitor" ? .internal : .external)
        case .expert: Principal(memberID: memberID, role: .expert)
        }
    }

    /// The member kind written to the replicated `members` table for this role.
    public var memberKind: String {
        switch role {
        case .hq: "hq"
        case .branch: "staff"
        case .monitor: monitorKind ?? "external-monitor"
        case .expert: "expert"
        }
    }
}

enum IdentityTable {
    /// Created next to SyncCore's tables. Plain SQL instead of a GRDB migrator: SyncCore
    /// refuses files whose `grdb_migrations` name identifiers it does not know.
    static let create = """
    CREATE TABLE IF NOT EXISTS field_identity (
        singleton     INTEGER PRIMARY KEY CHECK (singleton = 1),
        format        INTEGER NOT NULL,
        member_id     TEXT NOT NULL,
        name          TEXT NOT NULL,
        role          TEXT NOT NULL,
        branch        TEXT,
        monitor_kind  TEXT,
        division      TEXT,
        ref_prefix    TEXT NOT NULL,
        case_counter  INTEGER NOT NULL DEFAULT 0
    );
    """
    static let format = 1

    static func insert(_ identity: Identity, _ db: Database) throws {
        try db.execute(sql: create)
        try db.cachedStatement(sql: """
            INSERT INTO field_identity(singleton, format, member_id, name, role, branch, monitor_kind, division, ref_prefix, case_counter)
            VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, 0)
            """).execute(arguments: [format, identity.memberID, identity.name, identity.role.rawValue, identity.branch,
                             identity.monitorKind, identity.division, identity.refPrefix])
    }

    /// A branch replica whose token now names another branch (the scope a pull answer carries,
    /// `branch:<b>,…`) takes that branch: its owner was transferred. Returns the new branch.
    static func adoptBranch(fromScope scope: String, _ db: Database) throws -> String? {
        guard try db.tableExists("field_identity"),
              let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT role, branch FROM field_identity WHERE singleton = 1")),
              (row["role"] as String) == Role.branch.rawValue else { return nil }
        let branches = scope.split(separator: ",").filter { $0.hasPrefix("branch:") }.map { String($0.dropFirst(7)) }
        guard branches.count == 1, let branch = branches.first, branch != (row["branch"] as String?) else { return nil }
        try db.cachedStatement(sql: "UPDATE field_identity SET branch = ? WHERE singleton = 1").execute(arguments: [branch])
        return branch
    }

    static func load(replicaID: ReplicaID, _ db: Database) throws -> Identity {
        guard try db.tableExists("field_identity"),
              let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM field_identity WHERE singleton = 1")) else {
            throw SyncError(.notAReplica, "the replica has no field identity (it was not made by `field init`); create a field replica with `field init`")
        }
        let formatValue: Int = row["format"]
        guard formatValue <= format else {
            throw SyncError(.incompatibleReplica, "the field identity was written by a newer field client (format \(formatValue)); upgrade this program")
        }
        guard let role = Role(rawValue: row["role"]) else {
            throw SyncError(.notAReplica, "the field identity names an unknown role '\(row["role"] as String)'")
        }
        return Identity(memberID: row["member_id"], name: row["name"], role: role, branch: row["branch"],
                        monitorKind: row["monitor_kind"], division: row["division"], refPrefix: row["ref_prefix"],
                        replicaID: replicaID.rawValue, caseCounter: row["case_counter"])
    }
}
