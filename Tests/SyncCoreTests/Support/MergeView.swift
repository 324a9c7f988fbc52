import Foundation
import GRDB
import SyncCore

/// What a reader of a replica sees, as sorted lines per aspect (field values, conflicts, sets,
/// milestones, maxima, logs, keyed registers), built either from `ReferenceMerge` or from a
/// real store's tables, so the two can be compared line by line and a difference reads as
/// "this line only on one side".
///
/// Tables and columns are taken from the schema's declarations (`FieldStorage`); values are
/// written as SQL literals (`'text'`, `3`, `NULL`), which is what SQLite's `quote()` prints for
/// the store's side.
struct MergeView: Equatable {
    var aspects: [String: [String]] = [:]

    static let aspectNames = ["rows", "registers", "conflicts", "sets", "milestones", "maxima", "logs", "keyed"]

    mutating func add(_ aspect: String, _ line: String) { aspects[aspect, default: []].append(line) }
    mutating func sort() { for key in aspects.keys { aspects[key]!.sort() } }

    /// The lines of `aspect` found on one side only, prefixed by the side (`-` expected, `+` actual).
    func differences(from expected: MergeView, in aspect: String) -> [String] {
        let mine = Set(aspects[aspect] ?? []), theirs = Set(expected.aspects[aspect] ?? [])
        return theirs.subtracting(mine).sorted().map { "- " + $0 } + mine.subtracting(theirs).sorted().map { "+ " + $0 }
    }

    // MARK: - Literals

    static func literal(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }

    /// A JSON value as the column holding it reads: strings and integers plain, null NULL,
    /// booleans 1/0, arrays and objects as their canonical JSON text.
    static func literal(_ value: JSONValue?) -> String {
        switch value {
        case nil, .null?: "NULL"
        case .string(let s)?: literal(s)
        case .int(let i)?: String(i)
        case .bool(let b)?: b ? "1" : "0"
        case let other?: literal(other.canonicalJSON)
        }
    }

    /// The UTC day of a timestamp's physical part, `YYYY-MM-DD` (days-from-civil inverted).
    static func utcDay(_ milliseconds: Int64) -> String {
        let days = Int64((Double(milliseconds) / 86_400_000).rounded(.down))
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ n: Int64, _ width: Int) -> String { String(repeating: "0", count: max(0, width - String(n).count)) + String(n) }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    static func conflictLine(_ entity: EntityKind, _ id: String, _ field: String, _ key: String,
                             winner: JSONValue, _ competing: [(op: String, hlc: String, author: String, value: JSONValue)]) -> String {
        "\(entity.rawValue) \(id) \(field) [\(key)] winner=\(winner.canonicalJSON) :: "
            + competing.map { "\($0.op)@\($0.hlc) by \($0.author) = \($0.value.canonicalJSON)" }.joined(separator: " | ")
    }
}

// MARK: - The reference's view

extension MergeView {
    init(expected model: ReferenceMerge, schema: SyncSchema) {
        let entities = model.entities
        for declaration in schema.entities {
            let ids = entities.filter { $0.entity == declaration.kind }.map(\.id).sorted()
            let kind = declaration.kind
            let table = declaration.table
            // Dates of record: the winning date of the field dating `target`'s facts, per key.
            let datings = declaration.fields.compactMap { field -> (field: String, target: String, column: String)? in
                if case .datesOf(let target, let column) = field.storage { (field.name, target, column) } else { nil }
            }
            func date(_ field: String, _ id: String, _ key: String) -> JSONValue? {
                model.winner(ReferenceMerge.Scope(entity: kind, entityID: id, field: field, key: key))?.value
            }
            /// `column=value` for each date column on the rows `target` fills.
            func dateMarks(_ target: String, _ id: String, _ key: String) -> [String] {
                datings.filter { $0.target == target }.map { "\($0.column)=\(Self.literal(date($0.field, id, key)))" }
            }
            for id in ids { add("rows", "\(table) \(id)") }
            for member in declaration.members {
                if case .derived(let derived) = member {
                    for id in ids {
                        let reached = Set(model.milestones(kind, id, derived.field).keys)
                        add("milestones", "\(table).\(derived.column) \(id) = \(Self.literal(derived.compute(reached)))")
                    }
                }
            }
            for field in declaration.fields {
                let name = field.name
                switch (field.rule, field.storage) {
                case (.register, .column(let column, _)):
                    for id in ids {
                        let scope = ReferenceMerge.Scope(entity: kind, entityID: id, field: name, key: "")
                        add("registers", "\(table).\(column) \(id) = \(Self.literal(model.winner(scope)?.value))")
                    }
                case (.maxInteger, .column(let column, _)):
                    for id in ids {
                        let kept = model.maximum(ReferenceMerge.Scope(entity: kind, entityID: id, field: name, key: ""))
                        add("maxima", "\(table).\(column) \(id) = \(Self.literal(kept?.value))")
                        if let kept {
                            add("maxima", "kept \(kind.rawValue) \(id) \(name) value=\(kept.value.canonicalJSON) hlc=\(kept.hlc) author=\(kept.author)")
                        }
                    }
                case (.milestones, .milestoneColumns(let columns)):
                    for id in ids {
                        let reached = model.milestones(kind, id, name)
                        for (milestone, column) in columns {
                            add("milestones", "\(table).\(column) \(id) = \(reached[milestone].map { Self.literal($0.hlc.description) } ?? "NULL")")
                        }
                    }
                case (.milestones, .milestoneTable(let child, _)):
                    for id in ids {
                        for (milestone, op) in model.milestones(kind, id, name) {
                            // A date of record, else the day of the reaching timestamp.
                            let dated = datings.first { $0.target == name }.flatMap { date($0.field, id, milestone)?.stringValue }
                            add("milestones", "\(child) \(id) \(milestone) at=\(op.hlc) on=\(dated ?? Self.utcDay(op.hlc.wallMilliseconds)) op=\(op.id) author=\(op.author)")
                        }
                    }
                case (.addWinsSet, .setTable(let child, _, _)):
                    // One row per element present in this set or in any set flagging its table.
                    let flags = declaration.fields.compactMap { other -> (String, String)? in
                        if case .setFlag(child, let column) = other.storage { (other.name, column) } else { nil }
                    }
                    for id in ids {
                        let members = model.setElements(kind, id, name)
                        let flagged = flags.map { (column: $0.1, elements: model.setElements(kind, id, $0.0)) }
                        let all = Set(members.keys).union(flagged.flatMap(\.elements.keys))
                        for element in all {
                            let marks = flagged.map { "\($0.column)=\($0.elements[element] == nil ? 0 : 1)" } + dateMarks(name, id, element)
                            add("sets", ([child, id, Self.literal(element)] + marks).joined(separator: " "))
                        }
                    }
                case (.addWinsSet, .recordTable(let child, _, _, let members)):
                    for id in ids {
                        for (element, addition) in model.setElements(kind, id, name) {
                            let object = addition.value.objectValue ?? [:]
                            let cells = members.map { "\($0.column)=\(Self.literal(object[$0.member].flatMap { $0.stringValue ?? $0.intValue.map(String.init) } ?? ""))" } + dateMarks(name, id, element)
                            add("sets", ([child, id, Self.literal(element)] + cells).joined(separator: " "))
                        }
                    }
                case (.log, .logTable(let child, _, _)):
                    for id in ids {
                        for entry in model.logEntries(kind, id, name) {
                            add("logs", "\(child) \(entry.id) \(id) author=\(entry.author) at=\(entry.hlc) \(Self.literal(entry.value.stringValue ?? ""))")
                        }
                    }
                case (.keyedRegister, .keyedTable(let child, _, _, _, _, _)):
                    for id in ids {
                        for (key, entry) in model.keyedEntries(kind, id, name) {
                            add("keyed", (["\(child) \(id) \(Self.literal(key)) value=\(Self.literal(entry.current.value)) at=\(entry.current.hlc) counted=\(Self.literal(entry.counted)) late=\(entry.late ? 1 : 0)"] + dateMarks(name, id, key)).joined(separator: " "))
                        }
                    }
                case (.keyedRegister, .keyedValueTable(let child, _, _, _)):
                    for id in ids {
                        let keys = Set(model.scopes.filter { $0.entity == kind && $0.entityID == id && $0.field == name }.map(\.key))
                        for key in keys {
                            guard let winner = date(name, id, key) else { continue }
                            add("keyed", "\(child) \(id) \(Self.literal(key)) value=\(Self.literal(winner))")
                        }
                    }
                default:
                    break
                }
            }
        }
        for scope in model.scopes {
            if let heads = model.conflict(scope) {
                add("conflicts", Self.conflictLine(scope.entity, scope.entityID, scope.field, scope.key, winner: heads[0].value,
                                                   heads.map { ($0.id.description, $0.hlc.description, $0.author, $0.value) }))
            }
        }
        sort()
    }
}

// MARK: - The store's view

extension MergeView {
    init(actual store: ReplicaStore, schema: SyncSchema) throws {
        func lines(_ sql: String, _ arguments: StatementArguments = []) throws -> [[String]] {
            try store.writer.read { db in
                try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                    (0..<row.count).map { index -> String in
                        switch (row[index] as DatabaseValue).storage {
                        case .null: "NULL"
                        case .int64(let i): String(i)
                        case .double(let d): String(d)
                        case .string(let s): s
                        case .blob(let data): data.base64EncodedString()
                        }
                    }
                }
            }
        }
        func quoted(_ columns: [String]) -> String { columns.map { "quote(\($0))" }.joined(separator: ", ") }
        for declaration in schema.entities {
            let table = declaration.table
            let kind = declaration.kind
            /// The date columns other fields write on the rows `target` fills.
            func dateColumns(_ target: String) -> [String] {
                declaration.fields.compactMap { field in
                    if case .datesOf(target, let column) = field.storage { column } else { nil }
                }
            }
            func dateCells(_ target: String, _ values: ArraySlice<String>) -> [String] {
                zip(dateColumns(target), values).map { "\($0)=\($1)" }
            }
            func dateSelect(_ target: String) -> String { dateColumns(target).map { ", quote(\($0))" }.joined() }
            for row in try lines("SELECT id FROM \(table)") { add("rows", "\(table) \(row[0])") }
            for member in declaration.members {
                if case .derived(let derived) = member {
                    for row in try lines("SELECT id, quote(\(derived.column)) FROM \(table)") {
                        add("milestones", "\(table).\(derived.column) \(row[0]) = \(row[1])")
                    }
                }
            }
            for field in declaration.fields {
                switch (field.rule, field.storage) {
                case (.register, .column(let column, _)):
                    for row in try lines("SELECT id, quote(\(column)) FROM \(table)") {
                        add("registers", "\(table).\(column) \(row[0]) = \(row[1])")
                    }
                case (.maxInteger, .column(let column, _)):
                    for row in try lines("SELECT id, quote(\(column)) FROM \(table)") {
                        add("maxima", "\(table).\(column) \(row[0]) = \(row[1])")
                    }
                    // The kept row's timestamp and author are merge metadata, visible nowhere
                    // else; they decide what a later report or rebuild would read.
                    for row in try lines("SELECT entity_id, value, hlc, author FROM field_state WHERE entity = ? AND field = ?",
                                         [kind.rawValue, field.name]) {
                        add("maxima", "kept \(kind.rawValue) \(row[0]) \(field.name) value=\(row[1]) hlc=\(row[2]) author=\(row[3])")
                    }
                case (.milestones, .milestoneColumns(let columns)):
                    for (_, column) in columns {
                        for row in try lines("SELECT id, quote(\(column)) FROM \(table)") {
                            add("milestones", "\(table).\(column) \(row[0]) = \(row[1])")
                        }
                    }
                case (.milestones, .milestoneTable(let child, let owner)):
                    for row in try lines("SELECT \(owner), milestone, reached_hlc, reached_on, op_id, author FROM \(child)") {
                        add("milestones", "\(child) \(row[0]) \(row[1]) at=\(row[2]) on=\(row[3]) op=\(row[4]) author=\(row[5])")
                    }
                case (.addWinsSet, .setTable(let child, let owner, let element)):
                    let flags = declaration.fields.compactMap { other -> String? in
                        if case .setFlag(child, let column) = other.storage { column } else { nil }
                    }
                    for row in try lines("SELECT \(owner), quote(\(element))\(flags.map { ", \($0)" }.joined())\(dateSelect(field.name)) FROM \(child)") {
                        let marks = zip(flags, row.dropFirst(2)).map { "\($0)=\($1)" } + dateCells(field.name, row.dropFirst(2 + flags.count))
                        add("sets", ([child, row[0], row[1]] + marks).joined(separator: " "))
                    }
                case (.addWinsSet, .recordTable(let child, let owner, let key, let members)):
                    for row in try lines("SELECT \(owner), quote(\(key)), \(quoted(members.map(\.column)))\(dateSelect(field.name)) FROM \(child)") {
                        let cells = zip(members, row.dropFirst(2)).map { "\($0.column)=\($1)" } + dateCells(field.name, row.dropFirst(2 + members.count))
                        add("sets", ([child, row[0], row[1]] + cells).joined(separator: " "))
                    }
                case (.log, .logTable(let child, let owner, let value)):
                    for row in try lines("SELECT id, \(owner), author, hlc, quote(\(value)) FROM \(child)") {
                        add("logs", "\(child) \(row[0]) \(row[1]) author=\(row[2]) at=\(row[3]) \(row[4])")
                    }
                case (.keyedRegister, .keyedTable(let child, let owner, let key, let value, let counted, let late)):
                    for row in try lines("SELECT \(owner), quote(\(key)), quote(\(value)), hlc, quote(\(counted)), \(late)\(dateSelect(field.name)) FROM \(child)") {
                        add("keyed", (["\(child) \(row[0]) \(row[1]) value=\(row[2]) at=\(row[3]) counted=\(row[4]) late=\(row[5])"]
                                      + dateCells(field.name, row.dropFirst(6))).joined(separator: " "))
                    }
                case (.keyedRegister, .keyedValueTable(let child, let owner, let key, let value)):
                    for row in try lines("SELECT \(owner), quote(\(key)), quote(\(value)) FROM \(child)") {
                        add("keyed", "\(child) \(row[0]) \(row[1]) value=\(row[2])")
                    }
                default:
                    break
                }
            }
        }
        for conflict in try store.conflicts() {
            add("conflicts", Self.conflictLine(conflict.entity, conflict.entityID, conflict.field, conflict.key, winner: conflict.winner,
                                               conflict.competing.map { ($0.op, $0.hlc, $0.author, $0.value) }))
        }
        sort()
    }
}
