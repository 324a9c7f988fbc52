/// A table ready to be written as CSV (RFC 4180): every HQ report renders into one, so the CLI
/// and the server export exactly the same bytes.
///
/// Fields are quoted only when they must be (a comma, a double quote, CR or LF inside), a
/// double quote inside a quoted field is doubled, and records end with CRLF as the RFC says
/// (spreadsheets and `csv` modules read both line endings).
public struct CSVTable: Sendable, Hashable {
    public var header: [String]
    public var rows: [[String]]

    public init(header: [String], rows: [[String]]) {
        self.header = header
        self.rows = rows
    }

    /// One field, quoted if needed.
    public static func escape(_ field: String) -> String {
        let needsQuotes = field.utf8.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 10 || $0 == 13 }
        guard needsQuotes else { return field }
        var out = "\""
        for character in field {
            if character == "\"" { out += "\"\"" } else { out.append(character) }
        }
        return out + "\""
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
