import Foundation

/// One entity copied whole from a store that holds it: its log (every operation on it), its
/// merge state (the `field_state` rows, and the operations named before they arrived), and
/// its materialised rows (its own row, its child tables' rows, its conflicts).
///
/// Why a copy rather than a replay: the merge state of an entity depends only on that entity's
/// operations, so a replica that takes an entity's operations *with* the state they give ends
/// exactly where replaying them would, without merging anything. A new replica's first sync
/// (`GET /v1/snapshot`) and `field repair` are made of these.
public struct EntitySnapshot: Sendable, Equatable {
    /// One `field_state` row.
    public struct StateRow: Sendable, Equatable {
        public var field: String
        public var key: String
        public var opID: String
        public var hlc: String
        public var author: String
        /// Canonical JSON, as stored.
        public var value: String
    }

    /// One `superseded` row: an operation named in a context before it arrived.
    public struct SupersededRow: Sendable, Equatable {
        public var opID: String
        public var field: String
        public var key: String
        public var byHLC: String
    }

    /// One `compacted_writes` row: a replica's newest write to a scope that compaction dropped.
    public struct DroppedWrite: Sendable, Equatable {
        public var field: String
        public var key: String
        public var kind: String
        public var replica: String
        public var hlc: String
    }

    /// What the source's compactions keep of the entity's dropped operations (see
    /// `ReplicaStore.compact`); nil for an entity none of whose operations was dropped.
    public struct CompactedPart: Sendable, Equatable {
        public var droppedWrites: [DroppedWrite] = []
        public init(droppedWrites: [DroppedWrite] = []) { self.droppedWrites = droppedWrites }
    }

    public var key: EntityKey
    /// The entity's operations, in the order the source logged them.
    public var operations: [SyncOperation]
    public var state: [StateRow]
    public var superseded: [SupersededRow]
    /// Materialised rows per table (the schema's tables of this kind, and `conflicts`), each row
    /// in the table's declared column order; values are integers, texts or null.
    public var tables: [String: [[JSONValue]]]
    public var compacted: CompactedPart?

    public init(key: EntityKey, operations: [SyncOperation], state: [StateRow], superseded: [SupersededRow],
                tables: [String: [[JSONValue]]], compacted: CompactedPart? = nil) {
        self.key = key
        self.operations = operations
        self.state = state
        self.superseded = superseded
        self.tables = tables
        self.compacted = compacted
    }

    /// The hash of the entity's merge rows (what it adds to the state digest).
    public var hash: DigestSum {
        var sum = DigestSum.zero
        for row in state {
            sum += StateDigest.rowHash(entity: key.entity.rawValue, entityID: key.id, field: row.field, key: row.key,
                                       opID: row.opID, hlc: row.hlc, author: row.author, value: row.value)
        }
        return sum
    }
}

// MARK: - Wire form

extension EntitySnapshot {
    /// `{"entity","id","operations":[…],"state":[[field,key,op,hlc,author,value]…],
    /// "superseded":[[op,field,key,byHLC]…],"tables":{"name":[[…]…]}}`, canonical.
    /// An entity some of whose operations the source compacted also has
    /// `"compacted": {"droppedWrites":[[field,key,kind,replica,hlc]…]}`.
    public var wireValue: JSONValue {
        func stateRows(_ rows: [StateRow]) -> JSONValue {
            .array(rows.map { .array([.string($0.field), .string($0.key), .string($0.opID), .string($0.hlc), .string($0.author), .string($0.value)]) })
        }
        func supersededRows(_ rows: [SupersededRow]) -> JSONValue {
            .array(rows.map { .array([.string($0.opID), .string($0.field), .string($0.key), .string($0.byHLC)]) })
        }
        var object: [String: JSONValue] = [
            "entity": .string(key.entity.rawValue),
            "id": .string(key.id),
            "operations": .array(operations.map(\.wireValue)),
            "state": stateRows(state),
            "superseded": supersededRows(superseded),
            "tables": .object(tables.mapValues { .array($0.map(JSONValue.array)) }),
        ]
        if let compacted {
            object["compacted"] = .object([
                "droppedWrites": .array(compacted.droppedWrites.map { .array([.string($0.field), .string($0.key), .string($0.kind), .string($0.replica), .string($0.hlc)]) }),
            ])
        }
        return .object(object)
    }

    /// Reads one entity of a snapshot, checking every part (a damaged or hostile answer is an
    /// error, never a partial write): operations against the wire format and the entity they
    /// belong to, rows against their shape, tables against `schema`.
    public init(wire: JSONValue, schema: SyncSchema) throws {
        guard let object = wire.objectValue, let kindText = object["entity"]?.stringValue, let id = object["id"]?.stringValue,
              let kind = EntityKind(rawValue: kindText), let declaration = schema.entity(kind),
              let operations = object["operations"]?.arrayValue, let state = object["state"]?.arrayValue,
              let superseded = object["superseded"]?.arrayValue, let tables = object["tables"]?.objectValue else {
            throw SyncError(.malformed, "a snapshot entity lacks its kind, id, operations, state, superseded or tables")
        }
        key = EntityKey(kind, id)
        self.operations = try operations.map { item in
            let op = try SyncOperation(wire: item)
            guard op.entity == kind, op.entityID == id else {
                throw SyncError(.malformed, "the snapshot of \(kind.rawValue) \(id) holds an operation on another entity (\(op.id))")
            }
            return op
        }
        func texts(_ item: JSONValue, _ count: Int, _ what: String) throws -> [String] {
            guard let parts = item.arrayValue?.compactMap(\.stringValue), parts.count == count else {
                throw SyncError(.malformed, "a \(what) row of the snapshot of \(kind.rawValue) \(id) is not \(count) texts")
            }
            return parts
        }
        func stateRows(_ items: [JSONValue]) throws -> [StateRow] {
            try items.map { item in
                let p = try texts(item, 6, "state")
                // Maxima and milestones keep their one row under an empty id.
                guard declaration.field(p[0]) != nil, HLCTimestamp(p[3]) != nil, p[2].isEmpty || OperationID(p[2]) != nil else {
                    throw SyncError(.malformed, "a state row of the snapshot of \(kind.rawValue) \(id) names an unknown field, id or timestamp")
                }
                return StateRow(field: p[0], key: p[1], opID: p[2], hlc: p[3], author: p[4], value: p[5])
            }
        }
        func supersededRows(_ items: [JSONValue]) throws -> [SupersededRow] {
            try items.map { item in
                let p = try texts(item, 4, "superseded")
                return SupersededRow(opID: p[0], field: p[1], key: p[2], byHLC: p[3])
            }
        }
        self.state = try stateRows(state)
        self.superseded = try supersededRows(superseded)
        var compacted: CompactedPart?
        if let part = object["compacted"] {
            guard let dropped = part.objectValue?["droppedWrites"]?.arrayValue else {
                throw SyncError(.malformed, "the compacted part of the snapshot of \(kind.rawValue) \(id) lacks its dropped writes")
            }
            compacted = CompactedPart(droppedWrites: try dropped.map { item in
                let p = try texts(item, 5, "dropped write")
                guard declaration.field(p[0]) != nil, ReplicaID(p[3]) != nil, HLCTimestamp(p[4]) != nil, ["set", "add"].contains(p[2]) else {
                    throw SyncError(.malformed, "a dropped write of the snapshot of \(kind.rawValue) \(id) names an unknown field, kind, replica or timestamp")
                }
                return DroppedWrite(field: p[0], key: p[1], kind: p[2], replica: p[3], hlc: p[4])
            })
        }
        self.compacted = compacted
        var rows: [String: [[JSONValue]]] = [:]
        let allowed = schema.snapshotTables(of: kind)
        for (name, value) in tables {
            guard let columns = allowed[name], let items = value.arrayValue else {
                throw SyncError(.malformed, "the snapshot of \(kind.rawValue) \(id) has rows for '\(name.prefix(40))', not a table of that kind")
            }
            rows[name] = try items.map { item in
                guard let row = item.arrayValue, row.count == columns.count,
                      row.allSatisfy({ if case .object = $0 { return false }; if case .array = $0 { return false }; if case .bool = $0 { return false }; return true }) else {
                    throw SyncError(.malformed, "a row of '\(name)' in the snapshot of \(kind.rawValue) \(id) does not have its \(columns.count) columns")
                }
                return row
            }
        }
        self.tables = rows
    }
}

extension SyncSchema {
    /// The tables an entity of `kind` has rows in, with their columns in declared order, and
    /// how to find its rows (`owner` column), `conflicts` included.
    public func snapshotTables(of kind: EntityKind) -> [String: [String]] {
        var result: [String: [String]] = ["conflicts": ReplicaStore.conflictsColumns]
        for table in tables where table.entity == kind { result[table.name] = table.columns.map(\.name) }
        return result
    }

    /// The owner column of each of `kind`'s tables (`entity_id` for conflicts, with `entity`).
    public func snapshotOwners(of kind: EntityKind) -> [String: String] {
        var result: [String: String] = ["conflicts": "entity_id"]
        for table in tables where table.entity == kind { result[table.name] = table.ownerColumn }
        return result
    }
}
