import Foundation
import GRDB

/// Rebuilds the human-readable tables from `field_state` for the entities a batch touched.
/// Materialised rows are a pure function of the merge metadata, so they converge with it.
extension ReplicaStore {
    /// Which register fields of each kind land in which column of its table.
    static let columns: [EntityKind: (table: String, map: [(field: String, column: String)])] = [
        .member: ("members", [("name", "name"), ("kind", "kind"), ("affiliation", "affiliation"), ("branch", "branch"),
                              ("division", "division"), ("areas", "areas")]),
        .case: ("cases", [("ref", "ref"), ("title", "title"), ("body", "body"), ("area", "area"), ("cause", "cause"),
                          ("source", "source"), ("submitter", "submitter"), ("branch", "branch"), ("assignee", "assignee"),
                          ("priority", "priority"), ("reportedOn", "reported_on"), ("decisionReason", "decision_reason"),
                          ("referredTo", "referred_to"), ("budgetPriority", "budget_priority"), ("step", "step")]),
        .meeting: ("meetings", [("kind", "kind"), ("title", "title"), ("date", "date"), ("branch", "branch"),
                                ("organizer", "organizer")]),
        .council: ("councils", [("name", "name"), ("branch", "branch")]),
        .motion: ("motions", [("case", "case_id"), ("meeting", "meeting_id"), ("council", "council_id"),
                              ("action", "action"), ("quorum", "quorum")]),
        .consultation: ("consultations", [("channel", "channel"), ("branch", "branch"), ("topic", "topic"),
                                          ("receivedOn", "received_on"), ("answeredOn", "answered_on"), ("case", "case_id")]),
    ]

    /// Field → column, per kind, for quick lookups.
    static let columnByField: [EntityKind: [String: String]] = columns.mapValues { spec in
        Dictionary(uniqueKeysWithValues: spec.map.map { ($0.field, $0.column) })
    }

    func materialize(_ touched: Touched, _ batch: inout BatchState, _ db: Database) throws {
        // Registers: the winner lands in its column; competing heads in `conflicts`.
        for (scope, known) in touched.registers {
            let winnerJSON: String?
            if known.winnerKnown {
                winnerJSON = known.valueJSON
                if known.mayHaveHadConflict && batch.conflictsMayExist { try deleteConflict(scope, db) }
            } else {
                winnerJSON = try refreshConflict(scope, &batch, db)
            }
            if scope.key.isEmpty, let table = Self.columns[scope.entity]?.table,
               let column = Self.columnByField[scope.entity]?[scope.field] {
                try upsert(table: table, id: scope.entityID, column: column,
                           value: winnerJSON.map(Self.databaseValue(json:)) ?? .null, db)
            }
        }
        for (ref, fields) in touched.fields {
            switch ref.entity {
            case .case:
                if fields.contains("step") {
                    let step = try String.fetchOne(db.cachedStatement(sql: """
                        SELECT value FROM field_state WHERE entity = 'case' AND entity_id = ? AND field = 'step'
                        """), arguments: [ref.entityID])
                    try upsert(table: "cases", id: ref.entityID, column: "step", value: step.map(Self.databaseValue(json:)) ?? .null, db)
                }
                if fields.contains("milestones") { try refreshMilestones(ref, db) }
                if fields.contains("comments") {
                    try db.cachedStatement(sql: "INSERT INTO cases(id) VALUES (?) ON CONFLICT(id) DO NOTHING").execute(arguments: [ref.entityID])
                }
            case .meeting:
                try db.cachedStatement(sql: "INSERT INTO meetings(id) VALUES (?) ON CONFLICT(id) DO NOTHING").execute(arguments: [ref.entityID])
                if fields.contains("agenda") {
                    try refreshSet(ref, field: "agenda", table: "agenda_items", ownerColumn: "meeting_id", elementColumn: "case_id", db)
                }
                if fields.contains("attendance") || fields.contains("confirmed") { try refreshAttendance(ref, db) }
                if fields.contains("debateSubjects") { try refreshDebateSubjects(ref, db) }
            case .council:
                try db.cachedStatement(sql: "INSERT INTO councils(id) VALUES (?) ON CONFLICT(id) DO NOTHING").execute(arguments: [ref.entityID])
                if fields.contains("members") {
                    try refreshSet(ref, field: "members", table: "council_members", ownerColumn: "council_id", elementColumn: "member_id", db)
                }
            case .motion:
                if fields.contains("milestones") {
                    let closed = try String.fetchOne(db.cachedStatement(sql: """
                        SELECT hlc FROM field_state WHERE entity = 'motion' AND entity_id = ? AND field = 'milestones' AND key = 'closed'
                        """), arguments: [ref.entityID])
                    try upsert(table: "motions", id: ref.entityID, column: "closed_hlc", value: closed?.databaseValue ?? .null, db)
                }
                if fields.contains("votes") || fields.contains("milestones") {
                    try db.cachedStatement(sql: "INSERT INTO motions(id) VALUES (?) ON CONFLICT(id) DO NOTHING").execute(arguments: [ref.entityID])
                    try refreshVotes(ref, db)
                }
            case .member, .consultation:
                break
            }
        }
        if !touched.appended.isEmpty {
            let insert = try db.cachedStatement(sql: "INSERT OR IGNORE INTO comments(id, case_id, author, hlc, body) VALUES (?, ?, ?, ?, ?)")
            for op in touched.appended where op.entity == .case && op.field == "comments" {
                try insert.execute(arguments: [op.id.description, op.entityID, op.author, op.hlc.description, op.value.stringValue ?? ""])
            }
        }
    }

    private func upsert(table: String, id: String, column: String, value: DatabaseValue, _ db: Database) throws {
        try db.cachedStatement(sql: "INSERT INTO \(table)(id, \(column)) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET \(column) = excluded.\(column)")
            .execute(arguments: [id, value])
    }

    /// A case's status, derived from the milestones it has reached (strongest first).
    public static func caseStatus(_ reached: Set<String>) -> String {
        for (milestone, status) in [("implemented", "implemented"), ("accepted", "accepted"), ("rejected", "rejected"),
                                    ("referred", "referred"), ("submitted-to-council", "in-council"),
                                    ("examined", "examined"), ("agency-responsible", "acknowledged")]
        where reached.contains(milestone) {
            return status
        }
        return "open"
    }

    private func deleteConflict(_ scope: Scope, _ db: Database) throws {
        try db.cachedStatement(sql: "DELETE FROM conflicts WHERE entity = ? AND entity_id = ? AND field = ? AND key = ?")
            .execute(arguments: [scope.entity.rawValue, scope.entityID, scope.field, scope.key])
    }

    /// Re-reads a register's heads, records or clears its conflict, and returns the winner's JSON.
    private func refreshConflict(_ scope: Scope, _ batch: inout BatchState, _ db: Database) throws -> String? {
        let heads = try Row.fetchAll(db.cachedStatement(sql: """
            SELECT op_id, hlc, author, value FROM field_state
            WHERE entity = ? AND entity_id = ? AND field = ? AND key = ? ORDER BY \(MergeOrder.sqlWinnerFirst)
            """), arguments: [scope.entity.rawValue, scope.entityID, scope.field, scope.key])
        if batch.conflictsMayExist { try deleteConflict(scope, db) }
        // Concurrent writes of the same value (one person on two devices) agree: no conflict.
        if heads.count > 1 && Set(heads.map { $0[3] as String }).count > 1 {
            batch.conflictsMayExist = true
            var competing = "["
            for (index, head) in heads.enumerated() {
                if index > 0 { competing += "," }
                competing += "{\"op\":"
                JSONValue.writeString(head[0], to: &competing)
                competing += ",\"hlc\":"
                JSONValue.writeString(head[1], to: &competing)
                competing += ",\"author\":"
                JSONValue.writeString(head[2], to: &competing)
                competing += ",\"value\":" + (head[3] as String) + "}"
            }
            competing += "]"
            try db.cachedStatement(sql: "INSERT INTO conflicts(entity, entity_id, field, key, winner, competing) VALUES (?, ?, ?, ?, ?, ?)")
                .execute(arguments: [scope.entity.rawValue, scope.entityID, scope.field, scope.key, heads[0][3] as String, competing])
        }
        return heads.first?[3]
    }

    private func refreshMilestones(_ ref: EntityRef, _ db: Database) throws {
        try db.cachedStatement(sql: "DELETE FROM case_milestones WHERE case_id = ?").execute(arguments: [ref.entityID])
        // reached_on: the UTC day of the HLC's physical part (its first 15 characters, in ms).
        try db.cachedStatement(sql: """
            INSERT INTO case_milestones(case_id, milestone, reached_hlc, reached_on, op_id, author)
            SELECT entity_id, key, hlc, date(CAST(substr(hlc, 1, 15) AS INTEGER) / 1000, 'unixepoch'),
                   json_extract(value, '$'), author
            FROM field_state WHERE entity = 'case' AND entity_id = ? AND field = 'milestones'
            """).execute(arguments: [ref.entityID])
        let reached = try String.fetchAll(db.cachedStatement(sql: "SELECT milestone FROM case_milestones WHERE case_id = ?"),
                                          arguments: [ref.entityID])
        try upsert(table: "cases", id: ref.entityID, column: "status", value: Self.caseStatus(Set(reached)).databaseValue, db)
    }

    /// The elements present in an add-wins set, with the value of their newest addition.
    func setElements(_ ref: EntityRef, field: String, _ db: Database) throws -> [(key: String, value: String, author: String)] {
        let rows = try Row.fetchAll(db.cachedStatement(sql: """
            SELECT key, value, author, hlc FROM field_state WHERE entity = ? AND entity_id = ? AND field = ? ORDER BY key, \(MergeOrder.sqlWinnerFirst)
            """), arguments: [ref.entity.rawValue, ref.entityID, field])
        var result: [(key: String, value: String, author: String)] = []
        for row in rows {
            let key: String = row[0]
            if result.last?.key == key { continue }
            result.append((key, row[1], row[2]))
        }
        return result
    }

    private func refreshSet(_ ref: EntityRef, field: String, table: String, ownerColumn: String, elementColumn: String, _ db: Database) throws {
        try db.execute(sql: "DELETE FROM \(table) WHERE \(ownerColumn) = ?", arguments: [ref.entityID])
        let insert = try db.cachedStatement(sql: "INSERT INTO \(table)(\(ownerColumn), \(elementColumn)) VALUES (?, ?)")
        for element in try setElements(ref, field: field, db) {
            try insert.execute(arguments: [ref.entityID, element.key])
        }
    }

    private func refreshAttendance(_ ref: EntityRef, _ db: Database) throws {
        try db.cachedStatement(sql: "DELETE FROM attendance WHERE meeting_id = ?").execute(arguments: [ref.entityID])
        let present = Set(try setElements(ref, field: "attendance", db).map(\.key))
        let confirmed = Set(try setElements(ref, field: "confirmed", db).map(\.key))
        let insert = try db.cachedStatement(sql: "INSERT INTO attendance(meeting_id, member_id, confirmed) VALUES (?, ?, ?)")
        for member in present.union(confirmed).sorted() {
            try insert.execute(arguments: [ref.entityID, member, confirmed.contains(member) ? 1 : 0])
        }
    }

    private func refreshDebateSubjects(_ ref: EntityRef, _ db: Database) throws {
        try db.cachedStatement(sql: "DELETE FROM debate_subjects WHERE meeting_id = ?").execute(arguments: [ref.entityID])
        let insert = try db.cachedStatement(sql: "INSERT INTO debate_subjects(meeting_id, subject_id, member_id, subject) VALUES (?, ?, ?, ?)")
        for element in try setElements(ref, field: "debateSubjects", db) {
            let object = (try? JSONDecoder().decode(JSONValue.self, from: Data(element.value.utf8)))?.objectValue ?? [:]
            try insert.execute(arguments: [ref.entityID, element.key, object["member"]?.stringValue ?? "", object["subject"]?.stringValue ?? ""])
        }
    }

    /// Current vote per voter, the vote that counts, and whether the voter has a vote the
    /// closing did not see.
    ///
    /// Closing a motion seals its votes: the closing operation (value `"sealed"`) names, in its
    /// context, each voter's winning vote its replica held (`FieldRule.milestones(_:seals:)`). A
    /// voter's counted vote is that one; their votes dated before it were seen through it. A vote
    /// dated before the closing but after the voter's sealed vote, or by a voter the closing did
    /// not see at all (cast offline, or on a device whose clock was slow, and delivered after the
    /// close), is shown as `late` and does not count: every replica agrees, because the closing's
    /// context travels with it. A closing from an older client (null value) keeps the rule it was
    /// made under: the last vote dated before it counts.
    private func refreshVotes(_ ref: EntityRef, _ db: Database) throws {
        try db.cachedStatement(sql: "DELETE FROM votes WHERE motion_id = ?").execute(arguments: [ref.entityID])
        struct Cast { var id: String; var voter: String; var value: String; var hlc: String }
        var cast: [Cast] = []
        for row in try Row.fetchAll(db.cachedStatement(sql: """
            SELECT op_id, key, value, hlc FROM oplog WHERE entity = 'motion' AND entity_id = ? AND field = 'votes'
            """), arguments: [ref.entityID]) {
            cast.append(Cast(id: row[0], voter: row[1], value: row[2], hlc: row[3]))
        }
        func later(_ a: Cast, than b: Cast) -> Bool { (a.hlc, a.id) > (b.hlc, b.id) }
        var counted: [String: Cast] = [:]
        var late: Set<String> = []
        let close = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT o.hlc, o.value, o.context FROM field_state f JOIN oplog o ON o.op_id = json_extract(f.value, '$')
            WHERE f.entity = 'motion' AND f.entity_id = ? AND f.field = 'milestones' AND f.key = 'closed'
            """), arguments: [ref.entityID])
        if let close {
            let closedHLC: String = close[0]
            let before = cast.filter { $0.hlc < closedHLC }
            if (close[1] as String) == SyncOperation.sealedMarker.canonicalJSON {
                let contextJSON: String = close[2]
                let named = Set((try? JSONDecoder().decode([String].self, from: Data(contextJSON.utf8))) ?? [])
                for vote in before where named.contains(vote.id) {
                    if let sealed = counted[vote.voter], !later(vote, than: sealed) { continue }
                    counted[vote.voter] = vote
                }
                for vote in before {
                    guard let sealed = counted[vote.voter], !later(vote, than: sealed) else { late.insert(vote.voter); continue }
                }
            } else {
                for vote in before where counted[vote.voter].map({ later(vote, than: $0) }) ?? true { counted[vote.voter] = vote }
            }
        } else {
            // Open: every voter's current vote counts.
            for vote in cast where counted[vote.voter].map({ later(vote, than: $0) }) ?? true { counted[vote.voter] = vote }
        }
        let current = try Row.fetchAll(db.cachedStatement(sql: """
            SELECT key, value, hlc FROM field_state WHERE entity = 'motion' AND entity_id = ? AND field = 'votes'
            ORDER BY key, \(MergeOrder.sqlWinnerFirst)
            """), arguments: [ref.entityID])
        let insert = try db.cachedStatement(sql: """
            INSERT INTO votes(motion_id, voter_id, choice, hlc, counted_choice, late) VALUES (?, ?, ?, ?, ?, ?)
            """)
        var written = Set<String>()
        for row in current {
            let voter: String = row[0]
            guard written.insert(voter).inserted else { continue }
            try insert.execute(arguments: [ref.entityID, voter, Self.databaseValue(json: row[1]), row[2] as String,
                                           counted[voter].map { Self.databaseValue(json: $0.value) } ?? .null,
                                           late.contains(voter) ? 1 : 0])
        }
    }

    /// Canonical JSON text to a column value: strings and integers become plain SQLite values
    /// (so the tables read naturally in the `sqlite3` shell); arrays and objects stay JSON text.
    static func databaseValue(json: String) -> DatabaseValue {
        guard let first = json.utf8.first else { return .null }
        switch first {
        case UInt8(ascii: "\""):
            if !json.utf8.contains(UInt8(ascii: "\\")) {
                return String(json.dropFirst().dropLast()).databaseValue
            }
            let decoded = try? JSONDecoder().decode(String.self, from: Data(json.utf8))
            return decoded?.databaseValue ?? .null
        case UInt8(ascii: "n"):
            return .null
        case UInt8(ascii: "t"): return 1.databaseValue
        case UInt8(ascii: "f"): return 0.databaseValue
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return Int64(json).map(\.databaseValue) ?? json.databaseValue
        default:
            return json.databaseValue
        }
    }
}
