import Crypto
import Foundation

/// The digest of a merged state, as replicas and the server exchange it.
///
/// The merge state is the set of rows in `field_state` (register heads, set tags, milestones,
/// maxima, log entries); everything a replica shows is a function of it. Each row hashes to a
/// `DigestSum`; an entity's hash is the sum of its rows' hashes; entities fall into
/// `bucketCount` buckets by the hash of their key, and each bucket keeps the sum of its
/// entities' hashes. The root is the SHA-256 of the bucket sums in order.
///
/// Because sums add, the merge keeps the buckets current as it writes rows (no rehash of the
/// state), the server keeps one set of buckets per audience and adds them up for a principal,
/// and two digests that differ say which buckets hold the entities that differ.
public struct StateDigest: Sendable, Equatable {
    /// Sixteen buckets: enough to narrow a difference down, few enough to send with every digest.
    public static let bucketCount = 16
    /// Names the hashing scheme inside the root, so a future scheme never compares equal.
    static let rootPrefix = Array("civicsync-state-digest-2".utf8)

    public var buckets: [DigestSum]
    /// How many entities the digest covers (informative: not part of the root).
    public var entities: Int

    public init(buckets: [DigestSum] = Array(repeating: .zero, count: StateDigest.bucketCount), entities: Int = 0) {
        precondition(buckets.count == Self.bucketCount)
        self.buckets = buckets
        self.entities = entities
    }

    /// The hex text replicas compare.
    public var root: String {
        var hasher = SHA256()
        hasher.update(data: Self.rootPrefix)
        for bucket in buckets { hasher.update(data: bucket.bytes) }
        return hasher.finalize().hexText
    }

    /// The bucket sums as hex texts, for the digest answer (which buckets differ).
    public var bucketTexts: [String] { buckets.map { $0.bytes.hexText } }

    public static func + (lhs: StateDigest, rhs: StateDigest) -> StateDigest {
        StateDigest(buckets: zip(lhs.buckets, rhs.buckets).map { $0 + $1 }, entities: lhs.entities + rhs.entities)
    }

    /// The bucket an entity belongs to: the first four bits of the SHA-256 of its kind and id.
    public static func bucket(_ entity: EntityKind, _ id: String) -> Int {
        var hasher = SHA256()
        hasher.update(data: Array(entity.rawValue.utf8))
        hasher.update(data: [0x1F])
        hasher.update(data: Array(id.utf8))
        return hasher.finalize().withUnsafeBytes { Int($0[0] >> 4) }
    }

    /// The hash of one merge row. Every part is length-prefixed, so no two rows encode alike.
    public static func rowHash(entity: String, entityID: String, field: String, key: String,
                               opID: String, hlc: String, author: String, value: String) -> DigestSum {
        var buffer = [UInt8]()
        buffer.reserveCapacity(32 + entity.utf8.count + entityID.utf8.count + field.utf8.count + key.utf8.count + opID.utf8.count
                               + hlc.utf8.count + author.utf8.count + value.utf8.count)
        func append(_ part: String) {
            let count = UInt32(part.utf8.count)
            buffer.append(UInt8(truncatingIfNeeded: count))
            buffer.append(UInt8(truncatingIfNeeded: count >> 8))
            buffer.append(UInt8(truncatingIfNeeded: count >> 16))
            buffer.append(UInt8(truncatingIfNeeded: count >> 24))
            buffer.append(contentsOf: part.utf8)
        }
        append(entity)
        append(entityID)
        append(field)
        append(key)
        append(opID)
        append(hlc)
        append(author)
        append(value)
        return DigestSum(hash: SHA256.hash(data: buffer))
    }
}

extension Sequence where Element == UInt8 {
    /// Lower-case hexadecimal.
    public var hexText: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
