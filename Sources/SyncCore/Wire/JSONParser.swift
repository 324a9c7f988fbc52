import Foundation

/// A strict JSON reader (RFC 8259) straight from UTF-8 bytes to `JSONValue`.
///
/// Why not Foundation's decoder: a push body holds many operations, and one operation whose
/// value is a fraction or a number beyond 64 bits must be refused on its own, not fail the
/// whole body (and lose the valid operations beside it). This parser reports such a number as
/// a problem of the array element that holds it (`parseObject(_:isolating:)`), while anything
/// that is not JSON at all still fails the document. It also refuses what would make a
/// document ambiguous or expensive: duplicate object keys, invalid UTF-8, lone surrogates,
/// unescaped control characters, and nesting deeper than `maxDepth`.
public struct JSONParser {
    /// Deepest nesting of arrays and objects accepted; operations need four levels.
    public static let maxDepth = 64

    private let bytes: [UInt8]
    private var index = 0
    private var depth = 0
    /// Set when a number that is not a 64-bit integer was read in lenient mode.
    private var badNumber: String?
    private var lenientNumbers = false

    private init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// Thrown by `parseObject` for a well-formed document that is not an object.
    public static let notAnObject = SyncError(.malformed, "the document must be a JSON object")

    /// Parses a whole document.
    public static func parse(_ data: some Collection<UInt8>) throws -> JSONValue {
        var parser = JSONParser(Array(data))
        parser.skipWhitespace()
        let value = try parser.value()
        parser.skipWhitespace()
        guard parser.index == parser.bytes.count else { throw parser.error("unexpected content after the JSON value") }
        return value
    }

    /// Parses a document that must be an object; the array held by its member `member` is read
    /// element by element: an element that contains a number other than a 64-bit integer
    /// becomes a failure of that element only (`invalidValue`), the others are kept. Any other
    /// defect fails the whole document. `elements` is nil when the member is absent or not an
    /// array (then it is left in `object` as it is).
    public static func parseObject(_ data: some Collection<UInt8>, isolating member: String) throws
        -> (object: [String: JSONValue], elements: [IsolatedElement]?) {
        var parser = JSONParser(Array(data))
        parser.skipWhitespace()
        guard parser.peek() == UInt8(ascii: "{") else {
            _ = try parse(data) // not JSON at all: that error; JSON of another kind: the one below
            throw JSONParser.notAnObject
        }
        var elements: [IsolatedElement]?
        let object = try parser.object { key, parser in
            guard key == member, parser.peek() == UInt8(ascii: "[") else { return nil }
            elements = try parser.isolatedElements()
            return .array([])
        }
        parser.skipWhitespace()
        guard parser.index == parser.bytes.count else { throw parser.error("unexpected content after the JSON value") }
        return (object, elements)
    }

    // MARK: - Grammar

    private mutating func value() throws -> JSONValue {
        guard let byte = peek() else { throw error("unexpected end of the document") }
        switch byte {
        case UInt8(ascii: "{"): return .object(try object { _, _ in nil })
        case UInt8(ascii: "["): return .array(try array())
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw error("unexpected character '\(Self.printable(byte))'")
        }
    }

    /// Reads an object; `special` may read a member's value itself (returning it) or decline (nil).
    private mutating func object(_ special: (String, inout JSONParser) throws -> JSONValue?) throws -> [String: JSONValue] {
        try enter()
        defer { depth -= 1 }
        index += 1 // {
        var members: [String: JSONValue] = [:]
        skipWhitespace()
        if peek() == UInt8(ascii: "}") { index += 1; return members }
        while true {
            skipWhitespace()
            guard peek() == UInt8(ascii: "\"") else { throw error("an object key must be a string") }
            let key = try string()
            skipWhitespace()
            guard peek() == UInt8(ascii: ":") else { throw error("expected ':' after an object key") }
            index += 1
            skipWhitespace()
            let member = try special(key, &self) ?? value()
            guard members.updateValue(member, forKey: key) == nil else {
                throw error("duplicate object key '\(key.prefix(40))'")
            }
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"): index += 1; return members
            default: throw error("expected ',' or '}' in an object")
            }
        }
    }

    private mutating func array() throws -> [JSONValue] {
        try elements { parser in try parser.value() }
    }

    /// The elements of an array, each read by `read`.
    private mutating func elements<Element>(_ read: (inout JSONParser) throws -> Element) throws -> [Element] {
        try enter()
        defer { depth -= 1 }
        index += 1 // [
        var items: [Element] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "]") { index += 1; return items }
        while true {
            skipWhitespace()
            items.append(try read(&self))
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"): index += 1; return items
            default: throw error("expected ',' or ']' in an array")
            }
        }
    }

    /// One element of an isolated array: its value (numbers that could not be read replaced by
    /// null, so its other members, such as an operation id, can still be reported) and the
    /// problem that makes it unusable, if any.
    public struct IsolatedElement: Sendable {
        public var value: JSONValue
        public var problem: SyncError?
    }

    /// An array whose elements succeed or fail one by one (numbers only; syntax fails all).
    private mutating func isolatedElements() throws -> [IsolatedElement] {
        try elements { parser in
            parser.lenientNumbers = true
            parser.badNumber = nil
            defer { parser.lenientNumbers = false }
            let item = try parser.value()
            return IsolatedElement(value: item, problem: parser.badNumber.map {
                SyncError(.invalidValue, "numbers must be integers between -9223372036854775808 and 9223372036854775807, not \($0.prefix(40))")
            })
        }
    }

    private mutating func string() throws -> String {
        index += 1 // opening quote
        var buffer: [UInt8] = []
        var plainStart = index
        while true {
            guard index < bytes.count else { throw error("unterminated string") }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                buffer.append(contentsOf: bytes[plainStart..<index])
                index += 1
                break
            }
            if byte < 0x20 { throw error("unescaped control character in a string") }
            if byte != UInt8(ascii: "\\") { index += 1; continue }
            buffer.append(contentsOf: bytes[plainStart..<index])
            index += 1
            guard index < bytes.count else { throw error("unterminated escape") }
            let escape = bytes[index]
            index += 1
            switch escape {
            case UInt8(ascii: "\""): buffer.append(UInt8(ascii: "\""))
            case UInt8(ascii: "\\"): buffer.append(UInt8(ascii: "\\"))
            case UInt8(ascii: "/"): buffer.append(UInt8(ascii: "/"))
            case UInt8(ascii: "b"): buffer.append(0x08)
            case UInt8(ascii: "f"): buffer.append(0x0C)
            case UInt8(ascii: "n"): buffer.append(0x0A)
            case UInt8(ascii: "r"): buffer.append(0x0D)
            case UInt8(ascii: "t"): buffer.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800...0xDBFF).contains(scalar) {
                    guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                        throw error("a high surrogate must be followed by a low surrogate")
                    }
                    index += 2
                    let low = try hex4()
                    guard (0xDC00...0xDFFF).contains(low) else { throw error("a high surrogate must be followed by a low surrogate") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    throw error("lone low surrogate in a string")
                }
                guard let unicode = Unicode.Scalar(scalar) else { throw error("invalid \\u escape") }
                buffer.append(contentsOf: Array(String(Character(unicode)).utf8))
            default:
                throw error("invalid escape '\\\(Self.printable(escape))'")
            }
            plainStart = index
        }
        let text = String(decoding: buffer, as: UTF8.self)
        // String(decoding:) repairs invalid UTF-8 with U+FFFD; a repair means the input was not UTF-8.
        guard text.utf8.count == buffer.count, text.utf8.elementsEqual(buffer) else {
            throw error("a string is not valid UTF-8")
        }
        return text
    }

    private mutating func hex4() throws -> UInt32 {
        guard index + 4 <= bytes.count else { throw error("truncated \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw error("invalid hex digit in a \\u escape")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    /// A number: integers that fit 64 bits are values; anything else (fractions, exponents,
    /// larger integers) is well-formed JSON but not a CivicSync value.
    private mutating func number() throws -> JSONValue {
        let start = index
        if peek() == UInt8(ascii: "-") { index += 1 }
        guard let first = peek(), (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else { throw error("invalid number") }
        if first == UInt8(ascii: "0") {
            index += 1
        } else {
            while let byte = peek(), (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { index += 1 }
        }
        var integral = true
        if peek() == UInt8(ascii: ".") {
            integral = false
            index += 1
            guard let byte = peek(), (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { throw error("invalid number") }
            while let byte = peek(), (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { index += 1 }
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            integral = false
            index += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { index += 1 }
            guard let byte = peek(), (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { throw error("invalid number") }
            while let byte = peek(), (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { index += 1 }
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        if integral, let value = Int64(text) { return .int(value) }
        if lenientNumbers {
            if badNumber == nil { badNumber = text }
            return .null
        }
        throw SyncError(.invalidValue, "numbers must be integers between -9223372036854775808 and 9223372036854775807, not \(text.prefix(40))")
    }

    private mutating func literal(_ word: String) throws {
        let expected = Array(word.utf8)
        guard index + expected.count <= bytes.count, bytes[index..<(index + expected.count)].elementsEqual(expected) else {
            throw error("invalid literal")
        }
        index += expected.count
    }

    // MARK: - Helpers

    private mutating func enter() throws {
        depth += 1
        guard depth <= Self.maxDepth else { throw error("nested deeper than \(Self.maxDepth) levels") }
    }

    private func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipWhitespace() {
        while let byte = peek(), byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { index += 1 }
    }

    private func error(_ message: String) -> SyncError {
        SyncError(.malformed, "\(message) at byte \(index)")
    }

    private static func printable(_ byte: UInt8) -> String {
        (0x20..<0x7F).contains(byte) ? String(UnicodeScalar(byte)) : "\\x" + String(byte, radix: 16)
    }
}
