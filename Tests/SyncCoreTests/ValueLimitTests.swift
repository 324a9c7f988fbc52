import Foundation
import SyncCore
import CivilAffairs
import Testing

/// Values obey `Schemas/operation.schema.json` whatever a client sends: limits count bytes as
/// well as characters, records take only their declared members, and the wire parser refuses
/// what would make a document ambiguous while keeping a bad number to its own operation
/// (issue 9, items 5 and 8).
@Suite("Promise: values and wire")
struct ValueLimitTests {
    static func op(_ field: String, entity: EntityKind = .member, key: String = "", kind: OperationKind = .set,
                   _ value: JSONValue) -> SyncOperation {
        let replica = ReplicaID("r")!
        return SyncOperation(id: OperationID(replica: replica, counter: 1),
                             hlc: HLCTimestamp(wallMilliseconds: 1, logical: 0, replica: replica),
                             author: "m1", entity: entity, entityID: "x1", field: field, key: key, kind: kind, value: value)
    }

    @Test("a one-character name of two megabytes is refused: limits count UTF-8 bytes too")
    func hugeGraphemeIsRefused() throws {
        let oneCharacter = "a" + String(repeating: "\u{0301}", count: 1_000_000)
        #expect(oneCharacter.count == 1)
        #expect(throws: SyncError.self) { try Self.op("name", .string(oneCharacter)).validate(against: .civicSync) }
        try Self.op("name", .string(String(repeating: "가", count: 500))).validate(against: .civicSync) // 1,500 bytes, 500 characters
        #expect(throws: SyncError.self) { try Self.op("name", .string(String(repeating: "a", count: 501))).validate(against: .civicSync) }
    }

    @Test("keys are at most 128 UTF-8 bytes, and a set element's value repeats its key")
    func keysAreBounded() throws {
        let longKey = String(repeating: "\u{1F600}", count: 33) // 33 characters, 132 bytes
        #expect(throws: SyncError.self) {
            try Self.op("attendance", entity: .meeting, key: longKey, kind: .add, .string(longKey)).validate(against: .civicSync)
        }
        let fiveThousand = String(repeating: "m", count: 5_001)
        #expect(throws: SyncError.self) {
            try Self.op("attendance", entity: .meeting, key: fiveThousand, kind: .add, .string(fiveThousand)).validate(against: .civicSync)
        }
        #expect(throws: SyncError.self) {
            try Self.op("attendance", entity: .meeting, key: "m1", kind: .add, .string("m2")).validate(against: .civicSync)
        }
        try Self.op("attendance", entity: .meeting, key: "m1", kind: .add, .string("m1")).validate(against: .civicSync)
    }

    @Test("a debate subject takes exactly its declared members, each within its limit")
    func recordsTakeDeclaredMembersOnly() throws {
        func subject(_ value: JSONValue) -> SyncOperation {
            Self.op("debateSubjects", entity: .meeting, key: "m1.a", kind: .add, value)
        }
        try subject(.object(["member": .string("m1"), "subject": .string("Fees")])).validate(against: .civicSync)
        #expect(throws: SyncError.self) {
            try subject(.object(["member": .string("m1"), "subject": .string("Fees"), "extra": .string("x")])).validate(against: .civicSync)
        }
        #expect(throws: SyncError.self) {
            try subject(.object(["member": .string("m1"), "subject": .string(String(repeating: "x", count: 5_000_000))]))
                .validate(against: .civicSync)
        }
        #expect(throws: SyncError.self) { try subject(.object(["member": .string("m1")])).validate(against: .civicSync) }
    }

    @Test("a list of areas holds distinct known areas only")
    func choiceListsAreBounded() throws {
        try Self.op("areas", .array([.string("goods"), .string("services")])).validate(against: .civicSync)
        #expect(throws: SyncError.self) {
            try Self.op("areas", .array(Array(repeating: .string("goods"), count: 100_000))).validate(against: .civicSync)
        }
    }

    @Test("the wire parser keeps a bad number to its own element and refuses ambiguous documents")
    func parserIsolatesBadNumbers() throws {
        let body = #"{"replica":"r1","operations":[{"a":1},{"v":1.5,"id":"r1:2"},{"b":99999999999999999999},{"c":-9223372036854775808}]}"#
        let (object, elements) = try JSONParser.parseObject(Data(body.utf8), isolating: "operations")
        #expect(object["replica"] == .string("r1"))
        let items = try #require(elements)
        #expect(items.count == 4)
        #expect(items[0].problem == nil && items[0].value == .object(["a": .int(1)]))
        #expect(items[1].problem?.code == .invalidValue && items[1].value.objectValue?["id"] == .string("r1:2"))
        #expect(items[2].problem?.code == .invalidValue)
        #expect(items[3].problem == nil && items[3].value == .object(["c": .int(Int64.min)]))
        for bad in [#"{"a":1,"a":2}"#, #"{"a":"\ud800"}"#, #"{"a":"x"} x"#, "{\"a\":\"\u{01}\"}", #"{"a":[1,]}"#,
                    String(repeating: "[", count: 100) + String(repeating: "]", count: 100)] {
            #expect(throws: SyncError.self, "\(bad.prefix(30))") { try JSONParser.parse(Data(bad.utf8)) }
        }
        #expect(throws: SyncError.self) { try JSONParser.parse([0x22, 0xFF, 0x22]) }
        #expect(try JSONParser.parse(Data(#""\ud83d\ude00 \u00e9\n""#.utf8)) == .string("\u{1F600} é\n"))
    }

    @Test("every canonical operation reads back to itself through the parser")
    func canonicalRoundTrip() throws {
        let op = SyncOperation(id: OperationID(replica: ReplicaID("r")!, counter: 7),
                               hlc: HLCTimestamp(wallMilliseconds: 1_767_225_600_000, logical: 3, replica: ReplicaID("r")!),
                               author: "m1", entity: .meeting, entityID: "w1", field: "debateSubjects", key: "m1.ab", kind: .add,
                               value: .object(["member": .string("m1"), "subject": .string("Quote \" backslash \\ tab \t é 😀")]))
        let parsed = try SyncOperation.decode(wire: Data(op.canonicalJSON.utf8), catalog: .civicSync)
        #expect(parsed.canonicalJSON == op.canonicalJSON)
    }
}
