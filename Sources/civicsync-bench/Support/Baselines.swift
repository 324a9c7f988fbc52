import Foundation
import GRDB
import SyncCore
import CivilAffairs

/// The changes both sides of W1–W4 perform: (case, field, value), deterministic. About ten
/// changes per case, over four fields of two types.
struct Edit: Sendable {
    var caseIndex: Int
    var field: String
    var value: JSONValue

    var caseID: String { "case-\(caseIndex)" }

    static func make(_ n: Int, seed: UInt64 = 42, cases: Int? = nil) -> [Edit] {
        var rng = SplitMix64(seed: seed)
        let cases = cases ?? max(1, n / 10)
        return (0..<n).map { _ in
            let c = Int(rng.next() % UInt64(cases))
            switch rng.next() % 4 {
            case 0: return Edit(caseIndex: c, field: "title", value: .string("Deposit rule for bid \(rng.next() % 1000)"))
            case 1: return Edit(caseIndex: c, field: "priority", value: .int(Int64(rng.next() % 10)))
            case 2: return Edit(caseIndex: c, field: "area", value: .string(Domain.areas[Int(rng.next() % 5)]))
            default: return Edit(caseIndex: c, field: "body", value: .string("Suppliers report that the e-procurement portal rejects valid certificates \(rng.next())"))
            }
        }
    }

    var write: FieldWrite { .set(.case, caseID, field, value) }
}

/// Plain SQLite through the same binding: what an application without sync would do.
enum Plain {
    static let schema = """
        CREATE TABLE cases (id TEXT PRIMARY KEY, title TEXT, body TEXT, area TEXT, priority INTEGER);
        CREATE TABLE comments (id TEXT PRIMARY KEY, case_id TEXT NOT NULL, author TEXT NOT NULL, hlc TEXT NOT NULL, body TEXT NOT NULL);
        CREATE INDEX comments_case ON comments(case_id, hlc);
        """

    static func prepared(_ queue: DatabaseQueue) throws -> DatabaseQueue {
        try queue.write { try $0.execute(sql: schema) }
        return queue
    }

    static func databaseValue(_ value: JSONValue) -> DatabaseValue {
        value.intValue.map { $0.databaseValue } ?? (value.stringValue ?? "").databaseValue
    }

    /// One prepared UPSERT per change, `batch` changes per transaction.
    static func upsert(_ changes: [(id: String, field: String, value: JSONValue)], batch: Int, into queue: DatabaseQueue) throws {
        for start in stride(from: 0, to: changes.count, by: batch) {
            try queue.write { db in
                for change in changes[start..<min(start + batch, changes.count)] {
                    let statement = try db.cachedStatement(sql: "INSERT INTO cases(id, \(change.field)) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET \(change.field) = excluded.\(change.field)")
                    try statement.execute(arguments: [change.id, databaseValue(change.value)])
                }
            }
        }
    }

    /// One prepared INSERT per comment, `batch` per transaction.
    static func insertComments(_ edits: [Edit], batch: Int, into queue: DatabaseQueue) throws {
        for start in stride(from: 0, to: edits.count, by: batch) {
            try queue.write { db in
                let statement = try db.cachedStatement(sql: "INSERT INTO comments(id, case_id, author, hlc, body) VALUES (?, ?, ?, ?, ?)")
                for index in start..<min(start + batch, edits.count) {
                    try statement.execute(arguments: ["bench:\(index + 1)", edits[index].caseID, "m-bench",
                                                      "001767225600000-000000-bench", "Comment number \(index) on this case"])
                }
            }
        }
    }
}

/// Operation sets for the merge workloads (W3, W4), made by real replicas through the public API.
enum OperationSets {
    /// The log of a replica `id` that recorded `edits` in transactions of 100: what a peer
    /// receives from it.
    static func recorded(_ edits: [Edit], replica id: String) throws -> [SyncOperation] {
        let source = try ReplicaStore.inMemory(ReplicaID(id)!, wallClock: SystemWallClock(), schema: .civic)
        for start in stride(from: 0, to: edits.count, by: 100) {
            try source.record(edits[start..<min(start + 100, edits.count)].map(\.write), author: "m-bench")
        }
        return try source.writer.read { db in try source.operations(afterSeq: 0, limit: Int.max, db).map(\.operation) }
    }

    /// Several writers editing the same cases concurrently, `total` operations in all: each
    /// writes transactions of 100 edits; after each round every writer has seen only its
    /// neighbour's previous round. So some writes overwrite what they saw (their context names
    /// the heads: supersession, also of operations delivered later) and others race (conflicts).
    /// Returned interleaved as a server would log them: round by round, writer by writer.
    static func concurrentWriters(total: Int, writers: Int = 4, seed: UInt64 = 7) throws -> [SyncOperation] {
        let stores = try (0..<writers).map {
            try ReplicaStore.inMemory(ReplicaID("writer\($0)")!, wallClock: SystemWallClock(), schema: .civic)
        }
        // A small pool of cases, so writers meet on the same fields often.
        let cases = max(10, total / 40)
        var edits = Edit.make(total, seed: seed, cases: cases)[...]
        var interleaved: [SyncOperation] = []
        var previousRound: [[SyncOperation]] = Array(repeating: [], count: writers)
        while !edits.isEmpty {
            var thisRound: [[SyncOperation]] = Array(repeating: [], count: writers)
            for (index, store) in stores.enumerated() where !edits.isEmpty {
                let chunk = edits.prefix(100)
                edits = edits.dropFirst(chunk.count)
                let written = try store.record(chunk.map(\.write), author: "m-bench\(index)")
                thisRound[index] = written
                interleaved += written
            }
            // Each writer now sees what its neighbour wrote in the previous round.
            for (index, store) in stores.enumerated() {
                let neighbour = previousRound[(index + 1) % writers]
                if !neighbour.isEmpty { _ = try store.apply(neighbour) }
            }
            previousRound = thisRound
        }
        return interleaved
    }

    /// `operations`, with re-deliveries: of every 10 deliveries, 3 repeat an operation already
    /// delivered (from the last thousand). Same length as `operations`' prefix it replaces,
    /// so it compares with clean delivery of as many operations.
    static func withDuplicates(_ operations: [SyncOperation], share: Double = 0.3, seed: UInt64 = 11) -> [SyncOperation] {
        var rng = SplitMix64(seed: seed)
        var out: [SyncOperation] = []
        out.reserveCapacity(operations.count)
        var next = 0
        while out.count < operations.count {
            let duplicate = next > 0 && Double(rng.next() % 1_000) / 1_000 < share
            if duplicate {
                let window = min(next, 1_000)
                out.append(operations[next - 1 - Int(rng.next() % UInt64(window))])
            } else {
                out.append(operations[next])
                next += 1
            }
        }
        return out
    }
}

extension ReplicaStore {
    /// Applies `operations` in batches (a pull page is 500).
    func applyInBatches(_ operations: [SyncOperation], batch: Int = 500) throws {
        for start in stride(from: 0, to: operations.count, by: batch) {
            _ = try apply(Array(operations[start..<min(start + batch, operations.count)]))
        }
    }
}
