import Foundation
import GRDB
import SyncCore
import CivilAffairs

/// CivicSync benchmark: SyncCore against plain SQLite through the same binding (GRDB), on
/// real files, in the same run, reported as ratios. Usage:
///   swift run -c release civicsync-bench [--edits N] [--rounds R] [--json]
struct Options {
    var edits = 20_000
    var rounds = 3
    var json = false
    /// In-memory databases: measures CPU cost only, without fsync noise from other processes.
    var memory = false

    init(arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--edits": edits = Int(iterator.next() ?? "") ?? edits
            case "--rounds": rounds = Int(iterator.next() ?? "") ?? rounds
            case "--json": json = true
            case "--memory": memory = true
            case "-h", "--help":
                print("usage: civicsync-bench [--edits N (default 20000)] [--rounds R (default 3)] [--memory] [--json]")
                exit(0)
            default:
                FileHandle.standardError.write(Data("civicsync-bench: unknown argument \(argument) (try --help)\n".utf8))
                exit(2)
            }
        }
    }
}

let options = Options(arguments: CommandLine.arguments)
let directory = FileManager.default.temporaryDirectory.appendingPathComponent("civicsync-bench-\(ProcessInfo.processInfo.processIdentifier)")
try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: directory) }
let fileCounter = FileCounter()

/// Names fresh database files; a class so top-level functions can share it (main-thread only).
final class FileCounter: @unchecked Sendable {
    // @unchecked: the benchmark runs on one thread.
    var value = 0
}

func freshPath() -> String {
    fileCounter.value += 1
    return directory.appendingPathComponent("db\(fileCounter.value).sqlite").path
}

/// Both sides get the same connection settings as a real replica: WAL, synchronous FULL.
func makeQueue() throws -> DatabaseQueue {
    if options.memory { return try DatabaseQueue() }
    return try DatabaseQueue(path: freshPath(), configuration: ReplicaStore.fileConfiguration())
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

/// The edits both sides perform: (case, field, value), deterministic.
struct Edit { var caseIndex: Int; var field: String; var value: JSONValue }
func makeEdits(_ n: Int) -> [Edit] {
    var rng = SplitMix64(seed: 42)
    let cases = max(1, n / 10)
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

let plainSchema = """
    CREATE TABLE cases (id TEXT PRIMARY KEY, title TEXT, body TEXT, area TEXT, priority INTEGER);
    CREATE TABLE comments (id TEXT PRIMARY KEY, case_id TEXT NOT NULL, author TEXT NOT NULL, hlc TEXT NOT NULL, body TEXT NOT NULL);
    CREATE INDEX comments_case ON comments(case_id, hlc);
    """

let batch = 100
let edits = makeEdits(options.edits)

/// Plain SQLite: one prepared UPSERT per edit, same transaction size.
func plainEdits() throws -> Double {
    let queue = try makeQueue()
    try queue.write { try $0.execute(sql: plainSchema) }
    return try seconds {
        for start in stride(from: 0, to: edits.count, by: batch) {
            try queue.write { db in
                for edit in edits[start..<min(start + batch, edits.count)] {
                    let statement = try db.cachedStatement(sql: "INSERT INTO cases(id, \(edit.field)) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET \(edit.field) = excluded.\(edit.field)")
                    let value: DatabaseValue = edit.value.intValue.map { $0.databaseValue } ?? (edit.value.stringValue ?? "").databaseValue
                    try statement.execute(arguments: ["case-\(edit.caseIndex)", value])
                }
            }
        }
    }
}

func syncCoreEdits() throws -> (Double, ReplicaStore) {
    let store = try ReplicaStore(writer: makeQueue(), create: ReplicaID("bench")!, wallClock: SystemWallClock(), schema: .civic)
    let time = try seconds {
        for start in stride(from: 0, to: edits.count, by: batch) {
            try store.record(edits[start..<min(start + batch, edits.count)].map {
                FieldWrite.set(.case, "case-\($0.caseIndex)", $0.field, $0.value)
            }, author: "m-bench")
        }
    }
    return (time, store)
}

func plainComments() throws -> Double {
    let queue = try makeQueue()
    try queue.write { try $0.execute(sql: plainSchema) }
    return try seconds {
        for start in stride(from: 0, to: edits.count, by: batch) {
            try queue.write { db in
                let statement = try db.cachedStatement(sql: "INSERT INTO comments(id, case_id, author, hlc, body) VALUES (?, ?, ?, ?, ?)")
                for index in start..<min(start + batch, edits.count) {
                    try statement.execute(arguments: ["bench:\(index + 1)", "case-\(edits[index].caseIndex)", "m-bench",
                                                      "001767225600000-000000-bench", "Comment number \(index) on this case"])
                }
            }
        }
    }
}

func syncCoreComments() throws -> Double {
    let store = try ReplicaStore(writer: makeQueue(), create: ReplicaID("bench")!, wallClock: SystemWallClock(), schema: .civic)
    return try seconds {
        for start in stride(from: 0, to: edits.count, by: batch) {
            try store.record((start..<min(start + batch, edits.count)).map {
                FieldWrite.append(.case, "case-\(edits[$0].caseIndex)", "comments", "Comment number \($0) on this case")
            }, author: "m-bench")
        }
    }
}

/// Remote operations: the log of a replica that made the edits above, applied to a fresh replica.
func syncCoreMerge(_ operations: [SyncOperation]) throws -> Double {
    let store = try ReplicaStore(writer: makeQueue(), create: ReplicaID("merge")!, wallClock: SystemWallClock(), schema: .civic)
    return try seconds {
        for start in stride(from: 0, to: operations.count, by: 500) {
            try store.apply(Array(operations[start..<min(start + 500, operations.count)]))
        }
    }
}

/// Plain SQLite: UUID-keyed UPSERT of each change, producing the same final rows.
func plainMerge(_ operations: [SyncOperation]) throws -> Double {
    let queue = try makeQueue()
    try queue.write { try $0.execute(sql: plainSchema) }
    return try seconds {
        for start in stride(from: 0, to: operations.count, by: 500) {
            try queue.write { db in
                for op in operations[start..<min(start + 500, operations.count)] {
                    let statement = try db.cachedStatement(sql: "INSERT INTO cases(id, \(op.field)) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET \(op.field) = excluded.\(op.field)")
                    let value: DatabaseValue = op.value.intValue.map { $0.databaseValue } ?? (op.value.stringValue ?? "").databaseValue
                    try statement.execute(arguments: [op.entityID, value])
                }
            }
        }
    }
}

var results: [(String, Double, Double)] = []
var plainEditTimes: [Double] = [], coreEditTimes: [Double] = []
var plainCommentTimes: [Double] = [], coreCommentTimes: [Double] = []
var plainMergeTimes: [Double] = [], coreMergeTimes: [Double] = []
for _ in 0..<options.rounds {
    plainEditTimes.append(try plainEdits())
    let (time, source) = try syncCoreEdits()
    coreEditTimes.append(time)
    plainCommentTimes.append(try plainComments())
    coreCommentTimes.append(try syncCoreComments())
    let operations = try source.writer.read { db in try source.operations(afterSeq: 0, limit: Int.max, db).map(\.operation) }
    plainMergeTimes.append(try plainMerge(operations))
    coreMergeTimes.append(try syncCoreMerge(operations))
}
results = [
    ("local field edits (record vs plain UPSERT)", median(coreEditTimes), median(plainEditTimes)),
    ("local appends: comments (record vs plain INSERT)", median(coreCommentTimes), median(plainCommentTimes)),
    ("merge remote operations (apply vs plain UPSERT)", median(coreMergeTimes), median(plainMergeTimes)),
]

if options.json {
    let rows = results.map { name, core, plain in
        "{\"workload\":\"\(name)\",\"syncCoreSeconds\":\(core),\"plainSeconds\":\(plain),\"ratio\":\(core / plain)}"
    }
    print("{\"memory\":\(options.memory),\"edits\":\(options.edits),\"rounds\":\(options.rounds),\"results\":[\(rows.joined(separator: ","))]}")
} else {
    print("CivicSync benchmark (\(options.memory ? "in-memory" : "files, WAL, synchronous FULL")): \(options.edits) changes over \(max(1, options.edits / 10)) cases, transactions of \(batch) (merge: 500), median of \(options.rounds) rounds")
    for (name, core, plain) in results {
        let perSecond = Double(options.edits) / core
        print(String(format: "%-52@ SyncCore %7.3fs  plain %7.3fs  ratio %5.2fx  (%.0f changes/s)", name as NSString, core, plain, core / plain, perSecond))
    }
}
