/// A push request body, `{"replica":"r1","operations":[…]}`: the pushing replica and each
/// operation either parsed and validated, or with the error that makes it unusable (reported
/// back to the client, never stored).
///
/// Parsing is the wire's business, so it lives here, beside the operation's wire form: the
/// server's push route and the fuzz target call the same function.
public struct PushBody: Sendable {
    public enum Item: Sendable {
        case operation(SyncOperation)
        /// An operation that failed to parse or validate; `id` is its id as sent, or `#<index>`.
        case invalid(id: String, error: SyncError)
    }

    public var replica: ReplicaID
    public var items: [Item]
    /// Whether the replica sends these operations again because the server's epoch changed
    /// (header `CivicSync-Resend: 1`, not part of the body): the server stored them once, so
    /// what they need that is not back yet makes them wait instead of being refused for good.
    public var resend = false

    public init(replica: ReplicaID, items: [Item]) {
        self.replica = replica
        self.items = items
    }

    /// Why a whole body is refused: a stable code (`malformed_json`, `invalid_request`,
    /// `unknown_field`, `batch_too_large`) and a one-line message.
    public struct Problem: Error, Sendable, Equatable {
        public var code: String
        public var message: String
        /// Whether the body was too large (the server answers 413 rather than 400).
        public var tooLarge: Bool { code == "batch_too_large" }
    }

    /// Members a push body may have.
    public static let members: Set<String> = ["replica", "operations"]

    /// Reads a push body. Whole-body problems throw a `Problem`; a bad operation (even one
    /// whose number cannot be read) only becomes an `.invalid` item, and the operations beside
    /// it go on.
    public static func parse(_ data: some Collection<UInt8>, catalog: FieldCatalog,
                             maxOperations: Int) throws(Problem) -> PushBody {
        let object: [String: JSONValue]
        let elements: [JSONParser.IsolatedElement]?
        do {
            (object, elements) = try JSONParser.parseObject(data, isolating: "operations")
        } catch let error as SyncError where error == JSONParser.notAnObject {
            throw Problem(code: "invalid_request", message: "the push body must be a JSON object {\"replica\":…,\"operations\":[…]}")
        } catch let error as SyncError {
            throw Problem(code: "malformed_json", message: "the push body is not acceptable JSON: \(error.message)")
        } catch {
            throw Problem(code: "malformed_json", message: "the push body is not acceptable JSON")
        }
        let unknown = Set(object.keys).subtracting(members)
        if !unknown.isEmpty {
            throw Problem(code: "unknown_field",
                          message: "unknown push member(s): \(unknown.sorted().joined(separator: ", ").prefix(200)) (expected replica, operations)")
        }
        guard let replicaText = object["replica"]?.stringValue else {
            throw Problem(code: "invalid_request", message: "the push body needs 'replica', the pushing replica's id")
        }
        guard let replica = ReplicaID(replicaText) else {
            throw Problem(code: "invalid_request", message: "'\(replicaText.prefix(40))' is not a replica id (1-32 letters, digits or _)")
        }
        guard let operations = elements else {
            throw Problem(code: "invalid_request", message: "the push body needs 'operations', an array of operations")
        }
        guard operations.count <= maxOperations else {
            throw Problem(code: "batch_too_large",
                          message: "a push may carry at most \(maxOperations) operations, this one has \(operations.count); push in smaller batches")
        }
        let items = operations.enumerated().map { index, element -> Item in
            do {
                if let problem = element.problem { throw problem }
                let op = try SyncOperation(wire: element.value)
                try op.validate(against: catalog)
                return .operation(op)
            } catch {
                let syncError = error as? SyncError ?? SyncError(.malformed, "operation could not be read")
                let id = element.value.objectValue?["id"]?.stringValue.map { String($0.prefix(100)) } ?? "#\(index)"
                return .invalid(id: id, error: syncError)
            }
        }
        return PushBody(replica: replica, items: items)
    }
}
