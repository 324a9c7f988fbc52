import GRDB
import GRDBSQLite

/// Running the merge's hot statements with values bound straight into SQLite.
///
/// GRDB's `execute(arguments:)` boxes every argument as an existential, copies it into an
/// array of `DatabaseValue`s, nests a closure per string to bind it without a copy, and runs
/// its observation hooks around the step. On the statements that run once or more per merged
/// operation (the log insert, the merge rows, the materialised rows) that bookkeeping cost more
/// than SQLite itself. These run the same prepared statements, inside the same transaction,
/// with the values bound directly (SQLite copies them). Errors become the same `DatabaseError`
/// GRDB throws. The hooks skipped are GRDB's transaction observation: no store registers a
/// `TransactionObserver` or a `ValueObservation`; one that did would not see these statements.
extension Statement {
    /// Binds with `bind`, steps to the end, and resets.
    package func executeDirect(_ bind: (inout DirectBinder) -> Void) throws {
        let handle = bound(bind)
        while true {
            let code = sqlite3_step(handle)
            if code == SQLITE_DONE { break }
            if code != SQLITE_ROW { throw failure(code) }
        }
        sqlite3_reset(handle)
    }

    /// Binds with `bind` and calls `row` for each result row (valid only during the call).
    package func queryDirect(_ bind: (inout DirectBinder) -> Void, row: (DirectRow) throws -> Void) throws {
        let handle = bound(bind)
        defer { sqlite3_reset(handle) }
        while true {
            let code = sqlite3_step(handle)
            if code == SQLITE_DONE { return }
            if code != SQLITE_ROW { throw failure(code) }
            try row(DirectRow(handle))
        }
    }

    /// Whether the query returns at least one row.
    package func existsDirect(_ bind: (inout DirectBinder) -> Void) throws -> Bool {
        let handle = bound(bind)
        defer { sqlite3_reset(handle) }
        let code = sqlite3_step(handle)
        if code == SQLITE_ROW { return true }
        if code == SQLITE_DONE { return false }
        throw failure(code)
    }

    /// Resets the statement and binds its parameters; returns its SQLite handle.
    private func bound(_ bind: (inout DirectBinder) -> Void) -> OpaquePointer {
        let handle = sqliteStatement
        sqlite3_reset(handle)
        var binder = DirectBinder(handle)
        bind(&binder)
        return handle
    }

    private func failure(_ code: CInt) -> DatabaseError {
        let message = sqlite3_db_handle(sqliteStatement).flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) }
        sqlite3_reset(sqliteStatement)
        return DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: sql)
    }
}

/// Binds a statement's parameters in order, from the first.
package struct DirectBinder {
    private let handle: OpaquePointer
    private var index: CInt = 1

    package init(_ handle: OpaquePointer) { self.handle = handle }

    /// A zero-length text lives in static memory: a `String`'s empty buffer has no address, and
    /// SQLite reads a null pointer as NULL, not as ''.
    private static let empty: StaticString = ""
    /// Tells SQLite to copy the bytes before the call returns.
    private static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

    package mutating func text(_ value: String) {
        var value = value
        let index = index, handle = handle
        value.withUTF8 { bytes in
            if let base = bytes.baseAddress, bytes.count > 0 {
                _ = sqlite3_bind_text(handle, index, UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self),
                                      CInt(bytes.count), Self.transient)
            } else {
                _ = sqlite3_bind_text(handle, index, UnsafeRawPointer(Self.empty.utf8Start).assumingMemoryBound(to: CChar.self), 0, nil)
            }
        }
        self.index += 1
    }

    package mutating func text(_ value: String?) {
        if let value { text(value) } else { null() }
    }

    package mutating func int(_ value: Int64) {
        _ = sqlite3_bind_int64(handle, index, value)
        index += 1
    }

    package mutating func int(_ value: Int) { int(Int64(value)) }

    package mutating func blob(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { raw in
            _ = sqlite3_bind_blob(handle, index, raw.baseAddress, CInt(raw.count), Self.transient)
        }
        index += 1
    }

    package mutating func value(_ value: DatabaseValue) {
        switch value.storage {
        case .null: null()
        case .int64(let integer): int(integer)
        case .double(let real):
            _ = sqlite3_bind_double(handle, index, real)
            index += 1
        case .string(let string): text(string)
        case .blob(let data): blob(Array(data))
        }
    }

    package mutating func null() {
        _ = sqlite3_bind_null(handle, index)
        index += 1
    }
}

/// The current row of a statement run by `queryDirect`, read by column (0-based).
package struct DirectRow {
    private let handle: OpaquePointer
    package init(_ handle: OpaquePointer) { self.handle = handle }

    package func isNull(_ column: CInt) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }

    /// The column as text ('' for NULL).
    package func text(_ column: CInt) -> String {
        guard let bytes = sqlite3_column_text(handle, column) else { return "" }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    }

    package func optionalText(_ column: CInt) -> String? { isNull(column) ? nil : text(column) }

    package func int(_ column: CInt) -> Int64 { sqlite3_column_int64(handle, column) }
}
