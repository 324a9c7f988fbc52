import SyncCore

/// A small schema unrelated to civil affairs, to show the engine knows no domain: to-do lists
/// and their tasks, with a field of every merge rule and every storage.
enum TodoSchema {
    static let list = EntityKind("list")
    static let task = EntityKind("task")

    static let schema = SyncSchema(name: "todo", version: 1, entities: [
        EntityDeclaration(list, table: "lists", [
            .field("name", .register(.text(maxLength: 100)), .column("name", .text)),
            .field("owner", .register(.optionalText(maxLength: 40)), .column("owner", .text)),
            .field("sharedWith", .addWinsSet(.text(maxLength: 40)), .setTable(table: "list_shares", owner: "list_id", element: "person")),
            .field("pinnedBy", .addWinsSet(.text(maxLength: 40)), .setFlag(table: "list_shares", column: "pinned")),
        ]),
        EntityDeclaration(task, table: "tasks", [
            .field("list", .register(.text(maxLength: 40)), .column("list_id", .text)),
            .field("title", .register(.text(maxLength: 200)), .column("title", .text)),
            .field("due", .register(.optionalDate), .column("due", .text)),
            .field("effort", .maxInteger(0...100), .column("effort", .integer)),
            .derived(DerivedColumn("state", initial: "todo", from: "progress") { reached in
                reached.contains("done") ? "done" : reached.contains("started") ? "doing" : "todo"
            }),
            .field("progress", .milestones(["started", "done", "frozen"], seals: ["frozen": "estimates"]),
                   .milestoneTable(table: "task_progress", owner: "task_id")),
            .field("estimates", .keyedRegister(.integer(0...100)),
                   .keyedTable(table: "task_estimates", owner: "task_id", key: "person", value: "points", counted: "counted_points", late: "late")),
            .field("labels", .addWinsSet(.record(["label": .text(maxLength: 20), "color": .choice(["red", "green", "blue"])])),
                   .recordTable(table: "task_labels", owner: "task_id", key: "label_key", members: [("label", "label"), ("color", "color")])),
            .field("notes", .log(.text(maxLength: 500)), .logTable(table: "task_notes", owner: "task_id", value: "text")),
        ], indexes: [IndexDeclaration("tasks_list", on: "tasks", ["list_id"])]),
    ])
}

/// Random writes of any schema, drawn from its declarations: every field gets writes of its
/// own rule and values of its own type, on a few entities so that writes collide.
struct RandomWrites {
    let schema: SyncSchema
    static let ids = ["a", "b"]
    static let people = ["p1", "p2", "p3"]

    func next(_ rng: inout SplitMix64) -> FieldWrite {
        func pick<T>(_ items: [T]) -> T { items[Int(rng.next() % UInt64(items.count))] }
        let entity = pick(schema.entities)
        let field = pick(entity.fields)
        let id = pick(Self.ids)
        func value(_ type: ValueType) -> JSONValue {
            switch type {
            case .text: .string("v\(rng.next() % 4)")
            case .optionalText: rng.next() % 5 == 0 ? .null : .string("v\(rng.next() % 4)")
            case .choice(let options), .optionalChoice(let options): .string(pick(options))
            case .integer(let range): .int(range.lowerBound + Int64(rng.next() % UInt64(min(10, range.upperBound - range.lowerBound + 1))))
            case .date, .optionalDate: .string("2026-01-0\(1 + rng.next() % 9)")
            case .choiceList(let options): .array([.string(pick(options))])
            case .record(let members):
                .object(Dictionary(uniqueKeysWithValues: members.map { ($0.key, value($0.value)) }))
            }
        }
        switch field.rule {
        case .register(let type):
            return .set(entity.kind, id, field.name, value(type))
        case .keyedRegister(let type):
            return .set(entity.kind, id, field.name, value(type), key: pick(Self.people))
        case .maxInteger(let range):
            return .raise(entity.kind, id, field.name, to: range.lowerBound + Int64(rng.next() % 10))
        case .milestones(let allowed, _):
            return .reach(entity.kind, id, allowed.sorted()[Int(rng.next() % UInt64(allowed.count))], field: field.name)
        case .addWinsSet(let type):
            if case .record = type {
                let element = "k\(rng.next() % 3)"
                return rng.next() % 3 == 0 ? .remove(entity.kind, id, field.name, element: element)
                    : .add(entity.kind, id, field.name, element: element, value: value(type))
            }
            let element = pick(Self.people)
            return rng.next() % 3 == 0 ? .remove(entity.kind, id, field.name, element: element) : .add(entity.kind, id, field.name, element: element)
        case .log(let type):
            return .append(entity.kind, id, field.name, value(type).stringValue ?? "note")
        }
    }
}
