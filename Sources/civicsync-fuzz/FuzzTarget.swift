import CivilAffairs
import Foundation
import GRDB
import SyncCore

/// What the fuzzer checks for every input: the wire decoding and the operation validation
/// never crash, whatever the bytes; what they accept round-trips through the canonical form;
/// and accepted operations go through the access rules and the merge without crashing.
///
/// A failed check calls `fatalError`, which libFuzzer records as a crash with the input.
enum FuzzTarget {
    static func check(_ bytes: [UInt8]) {
        checkJSON(bytes)
        guard let body = try? PushBody.parse(bytes, catalog: SyncSchema.civic.catalog, maxOperations: 5_000) else { return }
        var operations: [SyncOperation] = []
        for item in body.items {
            guard case .operation(let op) = item else { continue }
            let text = op.canonicalJSON
            let again: SyncOperation
            do {
                again = try SyncOperation.decode(wire: Data(text.utf8), catalog: SyncSchema.civic.catalog)
            } catch {
                fatalError("an accepted operation does not read back from its canonical form: \(error) in \(text)")
            }
            guard again.canonicalJSON.utf8.elementsEqual(text.utf8) else {
                fatalError("the canonical form is not stable: \(text) became \(again.canonicalJSON)")
            }
            guard HLCTimestamp(op.hlc.description) == op.hlc else { fatalError("timestamp text does not read back: \(op.hlc)") }
            operations.append(op)
        }
        // A fresh replica per input, so that any failure replays from its input alone.
        guard !operations.isEmpty,
              let store = try? ReplicaStore.inMemory(ReplicaID("fuzz")!, wallClock: ManualWallClock(milliseconds: 1_767_225_600_000), schema: .civic)
        else { return }
        do {
            try store.writer.write { db in
                let facts = ReplicaAccessFacts(db: db, visibility: .heldEntities)
                for principal in principals(for: operations) {
                    _ = try AccessPolicy().judge(operations, by: principal, facts: facts)
                }
                let result = try store.apply(operations, db)
                // What the log keeps is exactly what was received, byte for byte (for an id given
                // twice with different content, the first: the server refuses the second).
                var applied = Set(result.applied)
                let stored = Dictionary(try store.operations(afterSeq: 0, limit: Int.max, db).map { ($0.operation.id, $0.operation) },
                                        uniquingKeysWith: { first, _ in first })
                for op in operations where applied.remove(op.id) != nil {
                    guard let back = stored[op.id], back.canonicalJSON.utf8.elementsEqual(op.canonicalJSON.utf8) else {
                        fatalError("the log does not keep what it was given: \(op.canonicalJSON)")
                    }
                }
                // The kept digest is the digest of the rows, and the state (merge rows and
                // tables) is exactly what a rebuild of the log gives.
                let kept = try store.stateDigest(db)
                guard try store.recomputedDigest(db) == kept else {
                    fatalError("the kept digest differs from the digest of the merge rows")
                }
                let merged = try store.materializedDigest(db)
                try store.rebuildState(db)
                guard try store.stateDigest(db) == kept, try store.materializedDigest(db) == merged else {
                    fatalError("the merged state differs from a rebuild of its own log")
                }
            }
        } catch let error as SyncError {
            _ = error // refusing a batch with a clear error is fine
        } catch {
            fatalError("the merge failed with a non-domain error: \(error)")
        }
    }

    /// Every well-formed document reads back to itself from its canonical text.
    static func checkJSON(_ bytes: [UInt8]) {
        guard let value = try? JSONParser.parse(bytes) else { return }
        let text = value.canonicalJSON
        guard let again = try? JSONParser.parse(Array(text.utf8)), again == value else {
            fatalError("canonical JSON does not read back: \(text.prefix(200))")
        }
    }

    static func principals(for operations: [SyncOperation]) -> [Principal] {
        let author = operations[0].author
        return [Principal(memberID: author, role: .monitor), Principal(memberID: author, role: .branch, branch: "busan")]
    }
}
