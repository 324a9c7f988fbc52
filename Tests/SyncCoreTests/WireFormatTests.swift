import Foundation
import Testing
import SyncCore
import CivilAffairs

@Suite struct WireFormatTests {
    let sample = SyncOperation(
        id: OperationID(replica: ReplicaID("bsn1")!, counter: 7),
        hlc: HLCTimestamp(wallMilliseconds: 1_767_225_600_000, logical: 3, replica: ReplicaID("bsn1")!),
        author: "m-42", entity: .case, entityID: "c-bsn1-7", field: "title", kind: .set,
        value: .string("Bid \"deposit\" rule\n"), context: [OperationID("r2:3")!, OperationID("r1:9")!])

    @Test func canonicalFormIsStableAndRoundTrips() throws {
        let text = sample.canonicalJSON
        #expect(text == #"{"v":1,"id":"bsn1:7","hlc":"001767225600000-000003-bsn1","author":"m-42","entity":"case","entityId":"c-bsn1-7","field":"title","key":"","op":"set","value":"Bid \"deposit\" rule\n","context":["r1:9","r2:3"]}"#)
        let decoded = try SyncOperation.decode(wire: Data(text.utf8), catalog: .civicSync)
        #expect(decoded == sample)
        #expect(decoded.canonicalJSON == text)
        // The Codable form carries the same members.
        let viaCodable = try JSONDecoder().decode(SyncOperation.self, from: JSONEncoder().encode(sample))
        #expect(viaCodable == sample)
    }

    @Test(arguments: [
        ("not json", SyncError.Code.malformed),
        ("[]", .malformed),
        (#"{"v":2,"id":"a:1"}"#, .unsupportedVersion),
        (#"{"id":"a:1"}"#, .malformed),
        (#"{"v":1,"id":"a:0","hlc":"001767225600000-000000-a","author":"m","entity":"case","entityId":"c","field":"title","key":"","op":"set","value":"x","context":[]}"#, .malformed),
        (#"{"v":1,"id":"a:1","hlc":"yesterday","author":"m","entity":"case","entityId":"c","field":"title","key":"","op":"set","value":"x","context":[]}"#, .malformed),
        (#"{"v":1,"id":"a:1","hlc":"001767225600000-000000-a","author":"m","entity":"spaceship","entityId":"c","field":"title","key":"","op":"set","value":"x","context":[]}"#, .unknownField),
        (#"{"v":1,"id":"a:1","hlc":"001767225600000-000000-a","author":"m","entity":"case","entityId":"c","field":"colour","key":"","op":"set","value":"x","context":[]}"#, .unknownField),
        (#"{"v":1,"id":"a:1","hlc":"001767225600000-000000-a","author":"m","entity":"case","entityId":"c","field":"area","key":"","op":"set","value":"moon","context":[]}"#, .invalidValue),
        (#"{"v":1,"id":"a:1","hlc":"001767225600000-000000-a","author":"m","entity":"case","entityId":"c","field":"title","key":"","op":"max","value":"x","context":[]}"#, .invalidValue),
        (#"{"v":1,"id":"a:1","hlc":"001767225600000-000000-a","author":"m","entity":"case","entityId":"c","field":"title","key":"","op":"set","value":"x","context":[],"extra":1}"#, .malformed),
        (#"{"v":1,"id":"a:1","hlc":"001767225600000-000000-b","author":"m","entity":"case","entityId":"c","field":"title","key":"","op":"set","value":"x","context":[]}"#, .malformed),
        (#"{"v":1,"id":"a:1","hlc":"001767225600000-000000-a","author":"m","entity":"case","entityId":"c d","field":"title","key":"","op":"set","value":"x","context":[]}"#, .malformed),
        (#"{"v":1,"id":"a:1","hlc":"001767225600000-000000-a","author":"m","entity":"meeting","entityId":"w","field":"attendance","key":"","op":"add","value":"m","context":[]}"#, .malformed),
        (#"{"v":1,"id":"a:1","hlc":"001767225600000-000000-a","author":"m","entity":"case","entityId":"c","field":"reportedOn","key":"","op":"set","value":"2026-02-30","context":[]}"#, .invalidValue),
    ])
    func malformedOperationsAreRejectedWithAClearCode(input: String, code: SyncError.Code) {
        do {
            _ = try SyncOperation.decode(wire: Data(input.utf8), catalog: .civicSync)
            Issue.record("accepted \(input)")
        } catch let error as SyncError {
            #expect(error.code == code, "\(input): \(error.message)")
            #expect(!error.message.isEmpty)
        } catch {
            Issue.record("unexpected error type \(error)")
        }
    }

    @Test func hlcTextFormSortsLikeTimestamps() {
        let r = ReplicaID("r")!
        let stamps = [HLCTimestamp(wallMilliseconds: 5, logical: 10, replica: r),
                      HLCTimestamp(wallMilliseconds: 40, logical: 0, replica: r),
                      HLCTimestamp(wallMilliseconds: 40, logical: 2, replica: r),
                      HLCTimestamp(wallMilliseconds: 1_767_225_600_000, logical: 0, replica: r)]
        #expect(stamps.sorted() == stamps)
        #expect(stamps.map(\.description).sorted() == stamps.map(\.description))
        #expect(stamps.allSatisfy { HLCTimestamp($0.description) == $0 })
    }

    @Test func civilDatesMatchTheCalendar() {
        #expect(CivilDate(millisecondsSinceEpoch: 0).description == "1970-01-01")
        #expect(CivilDate(millisecondsSinceEpoch: 1_767_225_600_000).description == "2026-01-01")
        #expect(CivilDate(millisecondsSinceEpoch: 951_782_400_000).description == "2000-02-29")
        #expect(CivilDate("2024-02-29")?.millisecondsSinceEpoch == 1_709_164_800_000)
        #expect(CivilDate("2023-02-29") == nil)
    }

    @Test func schemaFilesMatchTheCode() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let sql = try String(contentsOf: root.appendingPathComponent("Schemas/replica.sql"), encoding: .utf8)
        #expect(sql == ReplicaSchema.sql(for: .civic) + "\n", "regenerate Schemas/replica.sql: `field schema > Schemas/replica.sql`")
        let schema = try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: root.appendingPathComponent("Schemas/operation.schema.json")))
        let properties = schema.objectValue?["properties"]?.objectValue ?? [:]
        #expect(Set(properties.keys) == ["v", "id", "hlc", "author", "entity", "entityId", "field", "key", "op", "value", "context"])
        let entities = properties["entity"]?.objectValue?["enum"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(Set(entities) == Set(SyncSchema.civic.entities.map(\.kind.rawValue)))
        let ops = properties["op"]?.objectValue?["enum"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(Set(ops) == Set(OperationKind.allCases.map(\.rawValue)))
    }
}
