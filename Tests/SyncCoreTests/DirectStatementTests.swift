import Foundation
import GRDB
@testable import SyncCore
import Testing

/// The merge's hot statements bind values without GRDB's argument path
/// (`Statement+Direct.swift`); what they store must be what GRDB would have stored.
@Suite("Direct statement binding")
struct DirectStatementTests {
    @Test("texts (empty, non-ASCII, with NUL-free control characters), NULLs, integers and blobs are stored as given and read back the same")
    func valuesRoundTrip() throws {
        let queue = try DatabaseQueue()
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE t (a TEXT, b TEXT, c INTEGER, d BLOB, e)")
            let insert = try db.cachedStatement(sql: "INSERT INTO t(a, b, c, d, e) VALUES (?, ?, ?, ?, ?)")
            let texts = ["", "plain", "부산 지사 — 민원", "tab\there", String(repeating: "x", count: 10_000)]
            for text in texts {
                try insert.executeDirect { bind in
                    bind.text(text); bind.text(nil as String?); bind.int(Int64.min); bind.blob([0, 1, 255]); bind.value(.null)
                }
            }
            let rows = try Row.fetchAll(db, sql: "SELECT a, typeof(a), b, c, d, e FROM t ORDER BY rowid")
            #expect(rows.map { $0[0] as String } == texts)
            // An empty text is '' (SQLite reads a null pointer as NULL).
            #expect(rows.allSatisfy { ($0[1] as String) == "text" })
            #expect(rows.allSatisfy { $0[2] as String? == nil && $0[5] as String? == nil })
            #expect(rows.allSatisfy { ($0[3] as Int64) == Int64.min && Array($0[4] as Data) == [0, 1, 255] })

            var read: [String] = []
            try db.cachedStatement(sql: "SELECT a FROM t WHERE length(a) < ? ORDER BY rowid")
                .queryDirect({ $0.int(100) }) { read.append($0.text(0)) }
            #expect(read == Array(texts.prefix(4)))
            #expect(try db.cachedStatement(sql: "SELECT 1 FROM t WHERE a = ?").existsDirect { $0.text("") })
            #expect(try !db.cachedStatement(sql: "SELECT 1 FROM t WHERE a = ?").existsDirect { $0.text("absent") })
        }
    }

    @Test("a failing step throws GRDB's error and leaves the statement usable for the next values")
    func failureLeavesStatementUsable() throws {
        let queue = try DatabaseQueue()
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE t (id TEXT PRIMARY KEY, n INTEGER NOT NULL)")
            let insert = try db.cachedStatement(sql: "INSERT INTO t(id, n) VALUES (?, ?)")
            try insert.executeDirect { bind in bind.text("a"); bind.int(1) }
            let error = #expect(throws: DatabaseError.self) {
                try insert.executeDirect { bind in bind.text("a"); bind.int(2) }
            }
            #expect(error?.resultCode == .SQLITE_CONSTRAINT)
            #expect(error?.message?.contains("UNIQUE") == true)
            try insert.executeDirect { bind in bind.text("b"); bind.int(3) }
            #expect(try Int.fetchAll(db, sql: "SELECT n FROM t ORDER BY id") == [1, 3])
            // GRDB's own path still works on a statement the direct path used.
            try insert.execute(arguments: ["c", 4])
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM t") == 3)
        }
    }
}
