import SyncCore
/// A table ready to be written as CSV (RFC 4180): every HQ report renders into one, so the CLI
/// and the server export exactly the same bytes.
///
/// Fields are quoted only when they must be (a comma, a double quote, CR or LF inside), a
/// double quote inside a quoted field is doubled, and records end with CRLF as the RFC says
/// (spreadsheets and `csv` modules read both line endings).
///
/// Names, divisions and titles come from monitors, so a cell could hold a spreadsheet formula
/// (`=HYPERLINK(…)`, `+cmd|…`, `@SUM(…)`) that runs when headquarters opens the file. Cells that
/// begin with `=`, `+`, `-`, `@`, a tab or a carriage return are therefore written with a
/// leading `'` (OWASP's advice for CSV injection), which spreadsheets show as text; plain
/// signed numbers such as `-12.5`, which the reports produce, stay numbers.
public struct CSVTable: Sendable, Hashable {
    public var header: [String]
    public var rows: [[String]]

    public init(header: [String], rows: [[String]]) {
        self.header = header
        self.rows = rows
    }

    /// One field: neutralised if a spreadsheet would read it as a formula, then quoted if needed.
    public static func escape(_ field: String) -> String {
        let field = neutralised(field)
        let needsQuotes = field.utf8.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 10 || $0 == 13 }
        guard needsQuotes else { return field }
        var out = "\""
        for character in field {
            if character == "\"" { out += "\"\"" } else { out.append(character) }
        }
        return out + "\""
    }

    /// The characters that make a spreadsheet read a cell as a formula (or, for tab and CR,
    /// that some spreadsheets strip before doing so).
    static let formulaTriggers: Set<Unicode.Scalar> = ["=", "+", "-", "@", "\t", "\r"]

    /// `field` with a `'` in front when it begins with a formula trigger and is not a plain
    /// number; otherwise `field` unchanged. Applied to every cell, header included.
    public static func neutralised(_ field: String) -> String {
        guard let first = field.unicodeScalars.first, formulaTriggers.contains(first), !isPlainNumber(field) else {
            return field
        }
        return "'" + field
    }

    /// Whether `field` is an optionally signed decimal number (`-12.5`, `+3`, `7`): text a
    /// spreadsheet reads as that number and nothing else, so it needs no neutralising.
    static func isPlainNumber(_ field: String) -> Bool {
        var scalars = field.unicodeScalars[...]
        if let first = scalars.first, first == "-" || first == "+" { scalars = scalars.dropFirst() }
        let parts = scalars.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, !whole.isEmpty, whole.allSatisfy({ ("0"..."9").contains($0) }) else { return false }
        guard parts.count == 2 else { return true }
        return !parts[1].isEmpty && parts[1].allSatisfy { ("0"..."9").contains($0) }
    }

    /// One record (without its line ending).
    public static func record(_ fields: [String]) -> String {
        fields.map(escape).joined(separator: ",")
    }

    /// The whole table: the header, then each row, every record ending with CRLF.
    public var text: String {
        var out = Self.record(header) + "\r\n"
        for row in rows { out += Self.record(row) + "\r\n" }
        return out
    }

    /// Parses RFC 4180 text back into records (used by tests and by readers of exported files).
    /// Accepts CRLF or LF line endings; a trailing line ending does not make an empty record.
    public static func parse(_ text: String) throws -> [[String]] {
        var records: [[String]] = []
        var record: [String] = []
        var field = ""
        var quoted = false
        var atFieldStart = true
        var iterator = Array(text.unicodeScalars).makeIterator()
        var pending: Unicode.Scalar? = nil
        func next() -> Unicode.Scalar? {
            if let p = pending { pending = nil; return p }
            return iterator.next()
        }
        while let scalar = next() {
            if quoted {
                if scalar == "\"" {
                    let following = next()
                    if following == "\"" { field.unicodeScalars.append("\"") } else { quoted = false; pending = following }
                } else {
                    field.unicodeScalars.append(scalar)
                }
                continue
            }
            switch scalar {
            case "\"" where atFieldStart:
                quoted = true
                atFieldStart = false
            case "\"":
                throw SyncError(.malformed, "CSV: a double quote inside an unquoted field (record \(records.count + 1))")
            case ",":
                record.append(field); field = ""; atFieldStart = true
            case "\r":
                let following = next()
                if following != "\n" { pending = following }
                record.append(field); records.append(record); record = []; field = ""; atFieldStart = true
            case "\n":
                record.append(field); records.append(record); record = []; field = ""; atFieldStart = true
            default:
                field.unicodeScalars.append(scalar)
                atFieldStart = false
            }
        }
        if quoted { throw SyncError(.malformed, "CSV: a quoted field is not closed") }
        if !field.isEmpty || !record.isEmpty || !atFieldStart { record.append(field); records.append(record) }
        return records
    }
}

/// A report that can be exported as CSV as well as JSON.
public protocol HQReport: Codable, Sendable {
    /// The report as one CSV table (the shape is documented in docs/CLI.md).
    var csv: CSVTable { get }
}
