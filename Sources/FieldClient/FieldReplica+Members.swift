import Foundation
import GRDB
import SyncCore

/// A registered member: monitor, staff, outside expert or HQ.
public struct MemberView: Codable, Sendable, Equatable {
    public var id: String
    public var name: String?
    public var kind: String?
    public var affiliation: String?
    public var branch: String?
    public var division: String?
    public var areas: [String]
}

/// Fields to write on a member; nil leaves a field as it is.
public struct MemberFields: Sendable, Equatable {
    public var name: String?
    public var kind: String?
    public var affiliation: String?
    public var branch: String?
    public var division: String?
    public var areas: [String]?

    public init(name: String? = nil, kind: String? = nil, affiliation: String? = nil, branch: String? = nil,
                division: String? = nil, areas: [String]? = nil) {
        self.name = name
        self.kind = kind
        self.affiliation = affiliation
        self.branch = branch
        self.division = division
        self.areas = areas
    }
}

extension FieldReplica {
    /// Registers a member. `id` defaults to a fresh `mem-…` id; an existing id is refused.
    @discardableResult
    public func addMember(id: String? = nil, _ fields: MemberFields) throws -> MemberView {
        guard let name = fields.name else { throw SyncError(.invalidValue, "a member needs a name; add --name") }
        guard let kind = fields.kind else {
            throw SyncError(.invalidValue, "a member needs a kind; add --kind (\(Domain.memberKinds.joined(separator: ", ")))")
        }
        let memberID = id ?? newID("mem")
        try Check.identifier(memberID, what: "member id")
        return try write { db in
            if try memberExists(memberID, db) {
                throw SyncError(.conflict, "member '\(memberID)' already exists; change it with `field member edit \(memberID)`")
            }
            var all = fields
            all.name = name
            all.kind = kind
            // Branch staff register members with their own branch, which keeps them theirs.
            let me = try me(db)
            if me.role == .branch, all.branch == nil { all.branch = me.branch }
            try record(try memberWrites(memberID, all), db)
            return try member(memberID, db)
        }
    }

    /// Changes a member's fields.
    @discardableResult
    public func editMember(_ id: String, _ fields: MemberFields) throws -> MemberView {
        try write { db in
            guard try memberExists(id, db) else { throw unknownMember(id) }
            let writes = try memberWrites(id, fields)
            guard !writes.isEmpty else { throw SyncError(.invalidValue, "nothing to change; pass at least one field option") }
            try record(writes, db)
            return try member(id, db)
        }
    }

    func memberWrites(_ id: String, _ fields: MemberFields) throws -> [FieldWrite] {
        var writes: [FieldWrite] = []
        if let name = fields.name {
            try Check.text(name, what: "name")
            writes.append(.set(.member, id, "name", .string(name)))
        }
        if let kind = fields.kind {
            try Check.choice(kind, in: Domain.memberKinds, what: "member kind")
            writes.append(.set(.member, id, "kind", .string(kind)))
        }
        if let affiliation = fields.affiliation {
            try Check.choice(affiliation, in: Domain.affiliations, what: "affiliation")
            writes.append(.set(.member, id, "affiliation", .string(affiliation)))
        }
        if let branch = fields.branch {
            try Check.identifier(branch, what: "branch")
            writes.append(.set(.member, id, "branch", .string(branch)))
        }
        if let division = fields.division {
            try Check.text(division, what: "division", max: 200)
            writes.append(.set(.member, id, "division", .string(division)))
        }
        if let areas = fields.areas {
            for area in areas { try Check.choice(area, in: Domain.areas, what: "area") }
            var unique: [String] = []
            for area in areas where !unique.contains(area) { unique.append(area) }
            writes.append(.set(.member, id, "areas", .array(unique.map(JSONValue.string))))
        }
        return writes
    }

    public func members(kind: String? = nil, branch: String? = nil) throws -> [MemberView] {
        if let kind { try Check.choice(kind, in: Domain.memberKinds, what: "member kind") }
        return try read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM members WHERE (? IS NULL OR kind = ?) AND (? IS NULL OR branch = ?) ORDER BY id
                """, arguments: [kind, kind, branch, branch]).map(Self.memberView)
        }
    }

    public func member(_ id: String) throws -> MemberView {
        try read { db in try member(id, db) }
    }

    func member(_ id: String, _ db: Database) throws -> MemberView {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM members WHERE id = ?", arguments: [id]) else {
            throw unknownMember(id)
        }
        return Self.memberView(row)
    }

    func memberExists(_ id: String, _ db: Database) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT 1 FROM members WHERE id = ?", arguments: [id]) != nil
    }

    func requireMember(_ id: String, _ db: Database) throws {
        guard try memberExists(id, db) else { throw unknownMember(id) }
    }

    func unknownMember(_ id: String) -> SyncError {
        SyncError(.notFound, "unknown member '\(id.prefix(64))'; list members with `field member list` or register one with `field member add`")
    }

    static func memberView(_ row: Row) -> MemberView {
        let areasText: String? = row["areas"]
        let areas = areasText.flatMap { try? JSONDecoder().decode([String].self, from: Data($0.utf8)) } ?? []
        return MemberView(id: row["id"], name: row["name"], kind: row["kind"], affiliation: row["affiliation"],
                          branch: row["branch"], division: row["division"], areas: areas)
    }
}
