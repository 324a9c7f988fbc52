import Crypto
import Foundation
import SyncCore

/// One entry of the PostgreSQL store's journal: the changes of one group of pushes (or of one
/// imported batch) at a gapless position, with a hash chained over every entry before it.
///
/// Every instance records the entries in position order into its working copy, so all of them
/// hold the same state and hand out the same pull cursors. The chain lets an instance that
/// restarts check that its working copy still matches the database (a database restored from
/// a backup, or another database at the same URL, breaks the chain and the copy is rebuilt).
public struct JournalEntry: Sendable, Equatable {
    public var position: Int64
    public var changes: [StoreChange]
    /// SHA-256 (hex) of the previous entry's chain and this entry's body.
    public var chain: String

    /// The body's format; an instance refuses entries of a format it does not know.
    static let format: Int64 = 1

    public init(position: Int64, changes: [StoreChange], previousChain: String) {
        self.position = position
        self.changes = changes
        self.chain = Self.chain(previous: previousChain, body: Self.body(changes))
    }

    init(position: Int64, changes: [StoreChange], chain: String) {
        self.position = position
        self.changes = changes
        self.chain = chain
    }

    /// The chain value after `previous` for an entry whose body is `body`.
    static func chain(previous: String, body: String) -> String {
        var hasher = SHA256()
        hasher.update(data: Data(previous.utf8))
        hasher.update(data: Data([0x0A]))
        hasher.update(data: Data(body.utf8))
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// Operations in the entry.
    public var operationCount: Int { changes.reduce(0) { $0 + $1.operations.count } }

    /// The stored text: canonical JSON, operations in their wire form.
    public var body: String { Self.body(changes) }

    static func body(_ changes: [StoreChange]) -> String {
        JSONValue.object(["format": .int(format), "changes": .array(changes.map(\.journalValue))]).canonicalJSON
    }

    /// Reads a stored entry back. A body this build cannot read is an error, never skipped:
    /// skipping would leave this instance's state behind the others' for good.
    static func decode(position: Int64, body: String, chain: String) throws -> JournalEntry {
        let value: JSONValue
        do {
            value = try JSONParser.parse(Array(body.utf8))
        } catch {
            throw SyncError(.storage, "journal entry \(position) is not readable JSON", cause: error)
        }
        guard let object = value.objectValue, let format = object["format"]?.intValue,
              let changes = object["changes"]?.arrayValue else {
            throw SyncError(.storage, "journal entry \(position) lacks its format or changes")
        }
        guard format == Self.format else {
            throw SyncError(.incompatibleReplica, "journal entry \(position) has format \(format); this build reads format \(Self.format): upgrade this instance")
        }
        do {
            return JournalEntry(position: position, changes: try changes.map(StoreChange.init(journalValue:)), chain: chain)
        } catch {
            throw SyncError(.storage, "journal entry \(position) cannot be read", cause: error)
        }
    }
}

extension StoreChange {
    /// The change as JSON for the journal.
    var journalValue: JSONValue {
        var object: [String: JSONValue] = ["operations": .array(operations.map(\.wireValue))]
        if let replica {
            object["replica"] = .object(["replica": .string(replica.replica), "member": .string(replica.memberID),
                                         "ms": .int(replica.milliseconds)])
        }
        if !rejections.isEmpty {
            object["rejections"] = .array(rejections.map {
                .object(["op": .string($0.operationID), "member": .string($0.memberID), "fingerprint": .string($0.fingerprint),
                         "code": .string($0.code), "reason": .string($0.reason)])
            })
        }
        if let usage {
            object["usage"] = .object(["member": .string(usage.memberID), "day": .string(usage.day),
                                       "operations": .int(Int64(usage.operations)), "bytes": .int(Int64(usage.bytes))])
        }
        return .object(object)
    }

    init(journalValue value: JSONValue) throws {
        guard let object = value.objectValue, let operations = object["operations"]?.arrayValue else {
            throw SyncError(.malformed, "a journal change must be an object with operations")
        }
        func text(_ object: [String: JSONValue], _ name: String) throws -> String {
            guard let text = object[name]?.stringValue else { throw SyncError(.malformed, "journal member '\(name)' must be a string") }
            return text
        }
        func number(_ object: [String: JSONValue], _ name: String) throws -> Int64 {
            guard let number = object[name]?.intValue else { throw SyncError(.malformed, "journal member '\(name)' must be an integer") }
            return number
        }
        self.init(operations: try operations.map(SyncOperation.init(wire:)))
        if let binding = object["replica"]?.objectValue {
            replica = ReplicaBinding(replica: try text(binding, "replica"), memberID: try text(binding, "member"),
                                     milliseconds: try number(binding, "ms"))
        }
        for item in object["rejections"]?.arrayValue ?? [] {
            guard let rejection = item.objectValue else { throw SyncError(.malformed, "a journal rejection must be an object") }
            rejections.append(RememberedRejection(operationID: try text(rejection, "op"), memberID: try text(rejection, "member"),
                                                  fingerprint: try text(rejection, "fingerprint"), code: try text(rejection, "code"),
                                                  reason: try text(rejection, "reason")))
        }
        if let charge = object["usage"]?.objectValue {
            usage = UsageCharge(memberID: try text(charge, "member"), day: try text(charge, "day"),
                                operations: Int(try number(charge, "operations")), bytes: Int(try number(charge, "bytes")))
        }
    }
}
