import Crypto
import Foundation

/// A sum of SHA-256 hashes modulo 2^256: the building block of the incremental state digest.
///
/// Addition is commutative and has an inverse, so the digest of a set of merge rows can be kept
/// up to date as rows come and go (add the new row's hash, subtract the old one's), and the
/// digest of a union of disjoint parts is the sum of the parts' digests. It tells equal states
/// from different ones, as a checksum; it is not meant to resist someone crafting rows to make
/// two different states sum alike.
public struct DigestSum: Hashable, Sendable {
    /// Little-endian 64-bit limbs.
    var l0: UInt64 = 0, l1: UInt64 = 0, l2: UInt64 = 0, l3: UInt64 = 0

    public static let zero = DigestSum()

    public init() {}

    /// The 32 bytes of a SHA-256 digest, read as a little-endian number.
    init<D: Digest>(hash: D) {
        hash.withUnsafeBytes { raw in
            l0 = raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self).littleEndian
            l1 = raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self).littleEndian
            l2 = raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self).littleEndian
            l3 = raw.loadUnaligned(fromByteOffset: 24, as: UInt64.self).littleEndian
        }
    }

    /// Reads the 32-byte form (`bytes`); nil for anything else.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 32 else { return nil }
        let array = Array(bytes)
        func limb(_ at: Int) -> UInt64 {
            (0..<8).reduce(UInt64(0)) { $0 | UInt64(array[at + $1]) << (8 * UInt64($1)) }
        }
        (l0, l1, l2, l3) = (limb(0), limb(8), limb(16), limb(24))
    }

    /// 32 bytes, little-endian: how a sum is stored and hashed into a root.
    public var bytes: [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(32)
        for limb in [l0, l1, l2, l3] {
            for shift in stride(from: 0, to: 64, by: 8) { out.append(UInt8(truncatingIfNeeded: limb >> UInt64(shift))) }
        }
        return out
    }

    public var isZero: Bool { l0 == 0 && l1 == 0 && l2 == 0 && l3 == 0 }

    public static func + (lhs: DigestSum, rhs: DigestSum) -> DigestSum {
        var result = lhs
        result += rhs
        return result
    }

    public static func += (lhs: inout DigestSum, rhs: DigestSum) {
        var carry: UInt64 = 0
        func add(_ a: UInt64, _ b: UInt64) -> UInt64 {
            let (s1, o1) = a.addingReportingOverflow(b)
            let (s2, o2) = s1.addingReportingOverflow(carry)
            carry = (o1 ? 1 : 0) + (o2 ? 1 : 0)
            return s2
        }
        lhs.l0 = add(lhs.l0, rhs.l0)
        lhs.l1 = add(lhs.l1, rhs.l1)
        lhs.l2 = add(lhs.l2, rhs.l2)
        lhs.l3 = add(lhs.l3, rhs.l3)
    }

    /// The additive inverse (two's complement): `x + (-x) == .zero`.
    public static prefix func - (value: DigestSum) -> DigestSum {
        var inverted = DigestSum()
        inverted.l0 = ~value.l0
        inverted.l1 = ~value.l1
        inverted.l2 = ~value.l2
        inverted.l3 = ~value.l3
        var one = DigestSum()
        one.l0 = 1
        return inverted + one
    }

    public static func - (lhs: DigestSum, rhs: DigestSum) -> DigestSum { lhs + -rhs }

    public static func -= (lhs: inout DigestSum, rhs: DigestSum) { lhs += -rhs }
}

import GRDB

extension DigestSum {
    /// `civicsync_digest_add(a, b)`: the sum of two 32-byte digest sums, in SQL, so that a
    /// stored sum moves in one UPSERT instead of a read and a write. Register it on the writing
    /// connection (`Database.add(function:)`).
    public static let sqlAdd = DatabaseFunction("civicsync_digest_add", argumentCount: 2, pure: true) { values in
        func sum(_ value: DatabaseValue) -> DigestSum {
            (Data.fromDatabaseValue(value)).flatMap { DigestSum(bytes: $0) } ?? .zero
        }
        return Data((sum(values[0]) + sum(values[1])).bytes)
    }
}
