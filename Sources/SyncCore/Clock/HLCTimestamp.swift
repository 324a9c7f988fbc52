/// A hybrid logical clock timestamp: physical milliseconds, a logical counter, and the replica
/// id as the final tie-break, so any two timestamps from different replicas are totally ordered.
///
/// The text form `WWWWWWWWWWWWWWW-LLLLLL-replica` sorts like the timestamp itself, which lets
/// SQLite compare timestamps as plain strings.
public struct HLCTimestamp: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var wallMilliseconds: Int64
    public var logical: Int32
    public var replica: ReplicaID

    public init(wallMilliseconds: Int64, logical: Int32, replica: ReplicaID) {
        self.wallMilliseconds = wallMilliseconds
        self.logical = logical
        self.replica = replica
    }

    public static func < (lhs: HLCTimestamp, rhs: HLCTimestamp) -> Bool {
        if lhs.wallMilliseconds != rhs.wallMilliseconds { return lhs.wallMilliseconds < rhs.wallMilliseconds }
        if lhs.logical != rhs.logical { return lhs.logical < rhs.logical }
        return lhs.replica.rawValue < rhs.replica.rawValue
    }

    /// Largest physical time accepted: year 9999. Keeps the fixed-width text form sortable.
    public static let maxWallMilliseconds: Int64 = 253_402_300_799_999
    /// Largest logical counter: six digits in the text form. A clock that would count past it
    /// carries into the next millisecond instead, so the text form always parses and sorts.
    public static let maxLogical: Int32 = 999_999

    public var description: String {
        guard (0...999_999_999_999_999).contains(wallMilliseconds), (0...Self.maxLogical).contains(logical) else {
            let wall = String(wallMilliseconds)
            let logicalText = String(logical)
            return String(repeating: "0", count: max(0, 15 - wall.count)) + wall + "-"
                + String(repeating: "0", count: max(0, 6 - logicalText.count)) + logicalText + "-" + replica.rawValue
        }
        // Written digit by digit: every operation's timestamp is formatted on the merge's hot path.
        var bytes = [UInt8](repeating: UInt8(ascii: "0"), count: 23)
        var wall = wallMilliseconds
        for index in stride(from: 14, through: 0, by: -1) {
            bytes[index] = UInt8(ascii: "0") + UInt8(wall % 10)
            wall /= 10
        }
        bytes[15] = UInt8(ascii: "-")
        var logicalValue = logical
        for index in stride(from: 21, through: 16, by: -1) {
            bytes[index] = UInt8(ascii: "0") + UInt8(logicalValue % 10)
            logicalValue /= 10
        }
        bytes[22] = UInt8(ascii: "-")
        bytes.append(contentsOf: replica.rawValue.utf8)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Parses the text form; nil when it is not a well-formed timestamp.
    public init?(_ text: String) {
        let parts = text.split(separator: "-", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 15, parts[1].count == 6,
              parts[0].allSatisfy(\.isASCIIDigit), parts[1].allSatisfy(\.isASCIIDigit),
              let wall = Int64(parts[0]), let logical = Int32(parts[1]),
              wall <= Self.maxWallMilliseconds, logical <= Self.maxLogical,
              let replica = ReplicaID(String(parts[2]))
        else { return nil }
        self.init(wallMilliseconds: wall, logical: logical, replica: replica)
    }
}

extension Character {
    /// `0`…`9` only (`isNumber` would take any script's digits).
    public var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
