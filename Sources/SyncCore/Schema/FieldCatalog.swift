/// Every field of every entity kind and its merge rule: what operations are checked against, on
/// replicas and on the server alike. Derived from a `SyncSchema`'s declarations.
public struct FieldCatalog: Sendable {
    public let fields: [EntityKind: [String: FieldRule]]

    public init(fields: [EntityKind: [String: FieldRule]]) { self.fields = fields }

    public func rule(for entity: EntityKind, field: String) throws -> FieldRule {
        guard let kindFields = fields[entity] else {
            throw SyncError(.unknownField, "unknown entity kind '\(entity.rawValue)'")
        }
        guard let rule = kindFields[field] else {
            let known = (fields[entity] ?? [:]).keys.sorted().joined(separator: ", ")
            throw SyncError(.unknownField, "\(entity.rawValue) has no field '\(field)' (known: \(known))")
        }
        return rule
    }
}
