import Foundation

/// How many random histories a check runs, and how they are split so Swift Testing can run the
/// parts side by side: one history takes tens of milliseconds, and a couple of thousand in a
/// single test case would run on one core while the others wait.
///
/// - `CIVICSYNC_HISTORIES=N`: run N histories in each random-history check instead of its default.
/// - `CIVICSYNC_SEED=<seed>`: replay that one history (the seed a failure printed), nothing else.
enum HistoryRuns {
    /// Parts of each check; parameterised tests take `0..<chunks` as their argument.
    static let chunks = 8

    static var replaySeed: UInt64? { ProcessInfo.processInfo.environment["CIVICSYNC_SEED"].flatMap { UInt64($0) } }

    /// `CIVICSYNC_HISTORIES` when set to a non-negative number, else `defaultCount`.
    static func count(default defaultCount: Int) -> Int {
        ProcessInfo.processInfo.environment["CIVICSYNC_HISTORIES"].flatMap { Int($0) }.map { max(0, $0) } ?? defaultCount
    }

    /// The histories part `chunk` runs out of `total`, the remainder spread over the first parts.
    static func share(of total: Int, chunk: Int) -> Int {
        total / chunks + (chunk < total % chunks ? 1 : 0)
    }
}
