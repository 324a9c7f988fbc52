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
        result.ratio = max(replicaRatio, serverRatio)
        result.notes.append("the same \(Format.count(demo.operations)) operations of the scale \(W3Merge.scaleText(demo.scale)) data set; "
                            + "ratios on compacted sizes (VACUUM INTO a copy; the replica was checkpointed, the server left running); "
                            + "per operation = bytes / operations stored; headline ratio: the worse of replica and server")
        workspace.remove(database: plainPath)
        return result
    }

    /// The materialised tables the schema declares (entity tables and their child tables).
    static func materialisedTables(_ schema: SyncSchema) -> [String] {
        var names: [String] = []
        for entity in schema.entities {
            names.append(entity.table)
            for field in entity.fields {
                switch field.storage {
                case .milestoneTable(let table, _), .setTable(let table, _, _), .recordTable(let table, _, _, _),
                     .logTable(let table, _, _), .keyedTable(let table, _, _, _, _, _):
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
