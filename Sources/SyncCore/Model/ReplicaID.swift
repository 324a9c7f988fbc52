/// The identity of one replica (a laptop, a branch office database, the server).
///
/// 1 to 32 characters of `a-z A-Z 0-9 _`: short, safe in file names and in the text forms of
/// operation ids and timestamps (which use `:` and `-` as separators).
public struct ReplicaID: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    public let rawValue: String

    public init?(_ rawValue: String) {
        guard (1...32).contains(rawValue.utf8.count),
              rawValue.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 95 })
        else { return nil }
        self.rawValue = rawValue
    }

    public static func < (lhs: ReplicaID, rhs: ReplicaID) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = ReplicaID(text) else {
            throw SyncError(.malformed, "'\(text)' is not a replica id (1-32 letters, digits or _)")
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// Makes fresh identifiers. Injected so tests are deterministic; production uses randomness.
public protocol IDSource: Sendable {
    /// A new random token of `length` characters from `[a-z0-9]`.
    func randomToken(length: Int) -> String
}

/// Randomness from the system generator, for production.
public struct SystemIDSource: IDSource {
    public init() {}
    public func randomToken(length: Int) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<length).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] })
    }
}

/// A seeded source (SplitMix64) for tests and the data-set generator: same seed, same ids.
public final class SeededIDSource: IDSource, @unchecked Sendable {
    // @unchecked: `generator` is only touched while holding `lock`.
    private let lock = NSLockShim()
    private var generator: SplitMix64

    public init(seed: UInt64) { generator = SplitMix64(seed: seed) }

    public func randomToken(length: Int) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        return lock.withLock {
            String((0..<length).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] })
        }
    }
}

/// A small, fast, seedable generator; deterministic across platforms.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
