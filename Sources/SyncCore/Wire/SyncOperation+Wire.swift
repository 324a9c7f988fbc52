import Crypto
import Foundation

/// The canonical wire form of an operation: JSON with a fixed member order and no spaces, so
/// the same operation is always the same bytes (and hashes the same everywhere).
///
/// `{"v":1,"id":"r1:7","hlc":"000001767225600000-000000-r1","author":"m1","entity":"case",
///   "entityId":"c-r1-1","field":"title","key":"","op":"set","value":"…","context":["r2:3"]}`
extension SyncOperation {
    static let wireMembers: Set<String> = ["v", "id", "hlc", "author", "entity", "entityId", "field", "key", "op", "value", "context"]

    public var canonicalJSON: String {
        var out = "{\"v\":\(SyncOperation.wireVersion),\"id\":"
        JSONValue.writeString(id.description, to: &out)
        out += ",\"hlc\":"
        JSONValue.writeString(hlc.description, to: &out)
        out += ",\"author\":"
        JSONValue.writeString(author, to: &out)
        out += ",\"entity\":"
        JSONValue.writeString(entity.rawValue, to: &out)
        out += ",\"entityId\":"
        JSONValue.writeString(entityID, to: &out)
        out += ",\"field\":"
        JSONValue.writeString(field, to: &out)
        out += ",\"key\":"
        JSONValue.writeString(key, to: &out)
        out += ",\"op\":"
        JSONValue.writeString(kind.rawValue, to: &out)
        out += ",\"value\":"
        value.write(to: &out)
        out += ",\"context\":["
        for (index, entry) in context.enumerated() {
            if index > 0 { out += "," }
            JSONValue.writeString(entry.description, to: &out)
        }
        out += "]}"
        return out
    }

    /// Parses one operation from its wire form (a JSON object already decoded to `JSONValue`).
    public init(wire: JSONValue) throws {
        guard let object = wire.objectValue else { throw SyncError(.malformed, "an operation must be a JSON object") }
        let unknown = Set(object.keys).subtracting(SyncOperation.wireMembers)
        if !unknown.isEmpty {
            throw SyncError(.malformed, "unknown operation member(s): \(unknown.sorted().joined(separator: ", "))")
        }
        guard let version = object["v"]?.intValue else { throw SyncError(.malformed, "operation lacks its version 'v'") }
        guard version == Int64(SyncOperation.wireVersion) else {
            throw SyncError(.unsupportedVersion, "operation wire version \(version) is not supported (this build reads \(SyncOperation.wireVersion))")
        }
        func text(_ name: String) throws -> String {
            guard let s = object[name]?.stringValue else { throw SyncError(.malformed, "operation member '\(name)' must be a string") }
            return s
        }
        let idText = try text("id")
        guard let id = OperationID(idText) else { throw SyncError(.malformed, "'\(idText.prefix(80))' is not an operation id (replica:counter)") }
        let hlcText = try text("hlc")
        guard let hlc = HLCTimestamp(hlcText) else { throw SyncError(.malformed, "'\(hlcText.prefix(80))' is not an HLC timestamp") }
        let entityText = try text("entity")
        guard let entity = EntityKind(rawValue: entityText) else {
            throw SyncError(.unknownField, "unknown entity kind '\(entityText.prefix(40))'")
        }
        let kindText = try text("op")
        guard let kind = OperationKind(rawValue: kindText) else {
            throw SyncError(.malformed, "unknown operation kind '\(kindText.prefix(40))'")
        }
        guard let value = object["value"] else { throw SyncError(.malformed, "operation lacks 'value'") }
        guard let contextItems = object["context"]?.arrayValue else { throw SyncError(.malformed, "operation member 'context' must be an array") }
        let context = try contextItems.map { item -> OperationID in
            guard let s = item.stringValue, let entry = OperationID(s) else {
                throw SyncError(.malformed, "context entries must be operation ids")
            }
            return entry
        }
        self.init(id: id, hlc: hlc, author: try text("author"), entity: entity, entityID: try text("entityId"),
                  field: try text("field"), key: try text("key"), kind: kind, value: value, context: context)
    }

    /// Parses and validates one operation from wire bytes.
    public static func decode(wire data: Data, catalog: FieldCatalog) throws -> SyncOperation {
        let value = try JSONParser.parse(data)
        let operation = try SyncOperation(wire: value)
        try operation.validate(against: catalog)
        return operation
    }
}

extension SyncOperation: Codable {
    public init(from decoder: any Decoder) throws {
        try self.init(wire: JSONValue(from: decoder))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(wireValue)
    }

    /// The operation as a `JSONValue` (same members as the canonical text).
    public var wireValue: JSONValue {
        .object([
            "v": .int(Int64(SyncOperation.wireVersion)),
            "id": .string(id.description),
            "hlc": .string(hlc.description),
            "author": .string(author),
            "entity": .string(entity.rawValue),
            "entityId": .string(entityID),
            "field": .string(field),
            "key": .string(key),
            "op": .string(kind.rawValue),
            "value": value,
            "context": .array(context.map { .string($0.description) }),
        ])
    }
}

extension SyncOperation {
    /// SHA-256 of the canonical wire form, in hex: what the server remembers of a refused
    /// operation, and what a replica compares with the server's to tell whether an id it holds
    /// unsent is stored there with the same content.
    public var fingerprint: String { SHA256.hash(data: Data(canonicalJSON.utf8)).hexText }
}
