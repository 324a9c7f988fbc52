import Foundation
import GRDB
import SyncCore
import FieldClient

/// W7: bytes on disk per operation, of the HQ replica after its first sync (W6) and of the
/// server's store holding the same operations, against plain tables holding the same rows: the
/// replica's materialised tables (with their indexes), copied alone into a fresh file. Sizes
/// compacted (`VACUUM INTO` a scratch copy) for the ratios; "as stored" (file + WAL) beside.
struct W7BytesOnDisk {
    let workspace: Workspace
    static let target = 2.0

    func run(sync: FirstSync, demo: DemoServer) throws -> WorkloadResult {
        var result = WorkloadResult(id: .w7, title: "bytes on disk per operation vs plain tables of the same rows")
        let store = sync.replica.store
        let replicaOperations = try store.writer.read { db in try store.operationCount(db) }
        // The replica as stored: after a checkpoint (what `field` leaves behind at exit).
        try store.writer.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
        let replicaStored = DiskSize.withWAL(sync.path)
        let replicaCompact = try DiskSize.compacted(sync.path, scratch: workspace.path("w7-scratch"))
        let serverStored = DiskSize.withWAL(demo.serverFile)
        let serverCompact = try DiskSize.compacted(demo.serverFile, scratch: workspace.path("w7-scratch"))
        let plainPath = workspace.path("w7-plain")
        let (plainSize, tables, rows) = try Self.plainCopy(of: sync.path, schema: store.schema, into: plainPath)
        let logPath = workspace.path("w7-plain-log")
        let logSize = try Self.plainOperationTable(of: store, into: logPath)

        func perOp(_ bytes: Int, _ ops: Int) -> Double { Double(bytes) / Double(max(1, ops)) }
        let plainPerOp = perOp(plainSize, replicaOperations)
        let replicaRatio = perOp(replicaCompact, replicaOperations) / plainPerOp
        let serverRatio = perOp(serverCompact, demo.operations) / plainPerOp
        result.measures.append(Measure(
            name: "replica (HQ, after first sync)",
            figure: String(format: "%.0f B/op compacted (%@), %.0f B/op as stored (%@); %@ operations",
                           perOp(replicaCompact, replicaOperations), Format.bytes(replicaCompact) as NSString,
                           perOp(replicaStored, replicaOperations), Format.bytes(replicaStored) as NSString, Format.count(replicaOperations) as NSString),
            ratio: replicaRatio, target: "<= \(Self.target)x", met: replicaRatio <= Self.target,
            extra: [("bytes_compacted", .int(replicaCompact)), ("bytes_stored", .int(replicaStored)), ("operations", .int(replicaOperations)),
                    ("bytes_per_op", .number(perOp(replicaCompact, replicaOperations)))]))
        result.measures.append(Measure(
            name: "server store",
            figure: String(format: "%.0f B/op compacted (%@), %.0f B/op as stored (%@, WAL included); %@ operations",
                           perOp(serverCompact, demo.operations), Format.bytes(serverCompact) as NSString,
                           perOp(serverStored, demo.operations), Format.bytes(serverStored) as NSString, Format.count(demo.operations) as NSString),
            ratio: serverRatio, target: "<= \(Self.target)x", met: serverRatio <= Self.target,
            extra: [("bytes_compacted", .int(serverCompact)), ("bytes_stored", .int(serverStored)), ("operations", .int(demo.operations)),
                    ("bytes_per_op", .number(perOp(serverCompact, demo.operations)))]))
        result.measures.append(Measure(
            name: "plain tables (baseline)",
            figure: String(format: "%.0f B/op (%@): %d tables, %@ rows, with their indexes", plainPerOp, Format.bytes(plainSize) as NSString,
                           tables, Format.count(rows) as NSString),
            extra: [("bytes", .int(plainSize)), ("rows", .int(rows)), ("bytes_per_op", .number(plainPerOp))]))
        let logPerOp = perOp(logSize, replicaOperations)
        result.measures.append(Measure(
            name: "reference: a plain table of the operations",
            figure: String(format: "%.0f B/op (%@): one row per operation (id, timestamp, author, entity, field, key, kind, value, context), "
                           + "primary key only; replica %.2fx, server %.2fx this", logPerOp, Format.bytes(logSize) as NSString,
                           perOp(replicaCompact, replicaOperations) / logPerOp, perOp(serverCompact, demo.operations) / logPerOp),
            ratio: perOp(replicaCompact, replicaOperations) / logPerOp,
            extra: [("bytes", .int(logSize)), ("bytes_per_op", .number(logPerOp)),
                    ("server_ratio", .number(perOp(serverCompact, demo.operations) / logPerOp))]))
        for (name, path, server) in [("server store", demo.serverFile, true), ("replica (HQ)", sync.path, false)] {
            result.measures.append(try Self.compaction(name, of: path, server: server, schema: store.schema,
                                                       scratch: workspace.path("w7-compaction")))
        }
        result.ratio = max(replicaRatio, serverRatio)
        result.notes.append("the same \(Format.count(demo.operations)) operations of the scale \(W3Merge.scaleText(demo.scale)) data set; "
                            + "ratios on compacted sizes (VACUUM INTO a copy; the replica was checkpointed, the server left running); "
                            + "per operation = bytes / operations stored; headline ratio: the worse of replica and server")
        result.notes.append("the target is judged against the plain tables of the materialised rows (what an application without sync stores); "
                            + "the plain table of the operations is a second reference, reported only: what keeping every operation costs at the least")
        workspace.remove(database: plainPath)
        workspace.remove(database: logPath)
        return result
    }

    /// Issue 13: the bytes a compaction saves. A copy of the store (`VACUUM INTO`) compacts the
    /// operations dated more than 90 days before its newest one, then is rewritten (`VACUUM`);
    /// both sizes are of rewritten files. Reported, with the time the compaction took (its two
    /// halves: dropping, and the rebuild that proves the state unchanged).
    /// A server keeps the dropped operations' fingerprints, as `syncserver compact` does.
    static func compaction(_ name: String, of path: String, server: Bool, schema: SyncSchema, scratch: String) throws -> Measure {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: scratch + suffix) }
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: scratch + suffix) } }
        var readOnly = Configuration()
        readOnly.readonly = true
        let source = try DatabaseQueue(path: path, configuration: readOnly)
        try source.writeWithoutTransaction { db in try db.execute(sql: "VACUUM INTO ?", arguments: [scratch]) }
        try source.close()
        let before = DiskSize.file(scratch)
        let copy = try ReplicaStore.open(path: scratch, schema: schema)
        let newest = try copy.writer.read { db in try String.fetchOne(db, sql: "SELECT max(hlc) FROM oplog") }.flatMap(HLCTimestamp.init)
        let started = DispatchTime.now().uptimeNanoseconds
        let report = try copy.compact(olderThan: (newest?.wallMilliseconds ?? 0) - 90 * 86_400_000, keepingFingerprints: server)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        try copy.writer.writeWithoutTransaction { db in
            try db.execute(sql: "VACUUM")
            _ = try db.checkpoint(.truncate)
        }
        try copy.writer.close()
        let after = DiskSize.file(scratch)
        return Measure(
            name: "\(name) compacted (operations older than 90 days before its newest)",
            figure: String(format: "%@ -> %@ (%.0f%% of before); log %@ -> %@ operations; %.1f s, rebuild included",
                           Format.bytes(before) as NSString, Format.bytes(after) as NSString, 100 * Double(after) / Double(max(1, before)),
                           Format.count(report.operationsBefore) as NSString, Format.count(report.operationsAfter) as NSString, seconds),
            ratio: Double(after) / Double(max(1, before)),
            extra: [("bytes_before", .int(before)), ("bytes_after", .int(after)), ("operations_before", .int(report.operationsBefore)),
                    ("operations_after", .int(report.operationsAfter)), ("seconds", .number(seconds))])
    }

    /// Every operation of `store` as one row of a plain table (its primary key only), compacted.
    static func plainOperationTable(of store: ReplicaStore, into path: String) throws -> Int {
        let queue = try DatabaseQueue(path: path, configuration: ReplicaStore.fileConfiguration())
        try queue.write { db in
            try db.execute(sql: """
                CREATE TABLE operations (id TEXT PRIMARY KEY, hlc TEXT NOT NULL, author TEXT NOT NULL, entity TEXT NOT NULL,
                    entity_id TEXT NOT NULL, field TEXT NOT NULL, key TEXT NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL,
                    context TEXT NOT NULL)
                """)
        }
        var after: Int64 = 0
        while true {
            let page = try store.writer.read { db in try store.operations(afterSeq: after, limit: 10_000, db) }
            guard let last = page.last else { break }
            after = last.seq
            try queue.write { db in
                let insert = try db.cachedStatement(sql: "INSERT INTO operations VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
                for logged in page {
                    let op = logged.operation
                    try insert.execute(arguments: [op.id.description, op.hlc.description, op.author, op.entity.rawValue, op.entityID,
                                                   op.field, op.key, op.kind.rawValue, op.value.canonicalJSON,
                                                   JSONValue.array(op.context.map { .string($0.description) }).canonicalJSON])
                }
            }
        }
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "VACUUM")
            _ = try db.checkpoint(.truncate)
        }
        try queue.close()
        return DiskSize.withWAL(path)
    }

    /// The materialised tables the schema declares (entity tables and their child tables).
    static func materialisedTables(_ schema: SyncSchema) -> [String] {
        var names: [String] = []
        for entity in schema.entities {
            names.append(entity.table)
            for field in entity.fields {
                switch field.storage {
                case .milestoneTable(let table, _), .setTable(let table, _, _), .recordTable(let table, _, _, _),
                     .logTable(let table, _, _), .keyedTable(let table, _, _, _, _, _), .keyedValueTable(let table, _, _, _):
                    names.append(table)
                default:
                    break
                }
            }
        }
        var seen = Set<String>()
        return names.filter { seen.insert($0).inserted }
    }

    /// Copies the materialised tables of `source` (their declared SQL and indexes, from the
    /// file itself) into a fresh file, compacts it, and returns its size, tables and rows.
    static func plainCopy(of source: String, schema: SyncSchema, into path: String) throws -> (bytes: Int, tables: Int, rows: Int) {
        let queue = try DatabaseQueue(path: path, configuration: ReplicaStore.fileConfiguration())
        var rows = 0
        var tables = 0
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "ATTACH DATABASE ? AS source", arguments: [source])
            try db.inTransaction {
                for table in materialisedTables(schema) {
                    guard let sql = try String.fetchOne(db, sql: "SELECT sql FROM source.sqlite_master WHERE type = 'table' AND name = ?",
                                                        arguments: [table]) else { continue }
                    try db.execute(sql: sql)
                    try db.execute(sql: "INSERT INTO main.\(table) SELECT * FROM source.\(table)")
                    rows += try Int.fetchOne(db, sql: "SELECT count(*) FROM main.\(table)") ?? 0
                    tables += 1
                    for index in try String.fetchAll(db, sql: "SELECT sql FROM source.sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
                                                     arguments: [table]) {
                        try db.execute(sql: index)
                    }
                }
                return .commit
            }
            try db.execute(sql: "DETACH DATABASE source")
            try db.execute(sql: "VACUUM")
            _ = try db.checkpoint(.truncate)
        }
        try queue.close()
        return (DiskSize.withWAL(path), tables, rows)
    }
}
