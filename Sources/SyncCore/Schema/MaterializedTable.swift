/// A table of materialised state, derived from an entity's declaration: its columns in order,
/// its key, and the column naming the entity each row belongs to (for the digest).
struct MaterializedTable: Sendable {
    struct Column: Sendable, Equatable {
        var name: String
        var type: ColumnType
        var notNull: Bool
        /// SQL literal of the default, if any.
        var defaultValue: String?
    }

    var name: String
    var entity: EntityKind
    /// `id` for an entity table; the owner column for a child table.
    var ownerColumn: String
    var columns: [Column]
    /// Columns of the primary key, in order.
    var primaryKey: [String]
    var withoutRowID: Bool

    /// The entity table, then its child tables in the order of the members that fill them.
    static func tables(of entity: EntityDeclaration) -> [MaterializedTable] {
        var main = MaterializedTable(name: entity.table, entity: entity.kind, ownerColumn: "id",
                                     columns: [Column(name: "id", type: .text, notNull: false, defaultValue: nil)],
                                     primaryKey: ["id"], withoutRowID: false)
        var children: [MaterializedTable] = []
        func child(_ name: String, owner: String, _ columns: [Column], key: [String], withoutRowID: Bool = true) {
            guard !children.contains(where: { $0.name == name }) else { return }
            children.append(MaterializedTable(name: name, entity: entity.kind, ownerColumn: owner,
                                              columns: columns, primaryKey: key, withoutRowID: withoutRowID))
        }
        func text(_ name: String, notNull: Bool = true) -> Column { Column(name: name, type: .text, notNull: notNull, defaultValue: nil) }
        for member in entity.members {
            switch member {
            case .derived(let derived):
                main.columns.append(Column(name: derived.column, type: .text, notNull: true, defaultValue: "'\(derived.initial)'"))
            case .field(let field):
                switch field.storage {
                case .column(let column, let type):
                    main.columns.append(Column(name: column, type: type, notNull: false, defaultValue: nil))
                case .milestoneColumns(let columns):
                    for key in columns.keys.sorted() { main.columns.append(text(columns[key]!, notNull: false)) }
                case .milestoneTable(let table, let owner):
                    child(table, owner: owner, [text(owner), text("milestone"), text("reached_hlc"), text("reached_on"), text("op_id"),
                                                text("author")], key: [owner, "milestone"])
                case .setTable(let table, let owner, let element):
                    var columns = [text(owner), text(element)]
                    for other in entity.fields {
                        if case .setFlag(let flagged, let flag) = other.storage, flagged == table {
                            columns.append(Column(name: flag, type: .integer, notNull: true, defaultValue: nil))
                        }
                    }
                    child(table, owner: owner, columns, key: [owner, element])
                case .setFlag:
                    break // a column of the set table it marks
                case .recordTable(let table, let owner, let key, let members):
                    child(table, owner: owner, [text(owner), text(key)] + members.map { text($0.column) }, key: [owner, key])
                case .logTable(let table, let owner, let value):
                    child(table, owner: owner, [text("id", notNull: false), text(owner), text("author"), text("hlc"), text(value)],
                          key: ["id"], withoutRowID: false)
                case .keyedTable(let table, let owner, let key, let value, let counted, let late):
                    child(table, owner: owner, [text(owner), text(key), text(value, notNull: false), text("hlc", notNull: false),
                                                text(counted, notNull: false),
                                                Column(name: late, type: .integer, notNull: true, defaultValue: "0")],
                          key: [owner, key])
                case .keyedValueTable(let table, let owner, let key, let value):
                    child(table, owner: owner, [text(owner), text(key), text(value, notNull: false)], key: [owner, key])
                case .datesOf(let target, let column):
                    // A column of the target's table (a milestone table's `reached_on` is there already).
                    guard let rows = entity.field(target)?.storage.keyedRows,
                          let index = children.firstIndex(where: { $0.name == rows.table }) else {
                        preconditionFailure("\(entity.kind).\(field.name) dates \(target), which fills no child table declared before it")
                    }
                    if !children[index].columns.contains(where: { $0.name == column }) {
                        children[index].columns.append(text(column, notNull: false))
                    }
                }
            }
        }
        return [main] + children
    }

    /// `CREATE TABLE` for this table.
    var createStatement: String {
        var lines = columns.map { column -> String in
            var line = "    \(column.name) \(column.type.rawValue)"
            if primaryKey == [column.name] && !withoutRowID { line += " PRIMARY KEY" }
            if column.notNull { line += " NOT NULL" }
            if let value = column.defaultValue { line += " DEFAULT \(value)" }
            return line
        }
        if withoutRowID || primaryKey.count > 1 { lines.append("    PRIMARY KEY (\(primaryKey.joined(separator: ", ")))") }
        return "CREATE TABLE \(name) (\n" + lines.joined(separator: ",\n") + "\n)" + (withoutRowID ? " WITHOUT ROWID" : "") + ";"
    }

    /// `ALTER TABLE … ADD COLUMN` for a column added after the table was created.
    func addColumnStatement(_ column: Column) -> String {
        var line = "ALTER TABLE \(name) ADD COLUMN \(column.name) \(column.type.rawValue)"
        if column.notNull {
            // SQLite needs a default to add a NOT NULL column to rows that exist.
            line += " NOT NULL DEFAULT \(column.defaultValue ?? (column.type == .integer ? "0" : "''"))"
        } else if let value = column.defaultValue {
            line += " DEFAULT \(value)"
        }
        return line + ";"
    }
}
