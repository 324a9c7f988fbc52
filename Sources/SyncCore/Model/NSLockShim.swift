import Foundation

/// A thin wrapper so files that need a lock do not each import Foundation's locking directly.
final class NSLockShim: @unchecked Sendable {
    // @unchecked: NSLock is thread-safe; this class only forwards to it.
    private let lock = NSLock()
    func withLock<T>(_ body: () throws -> T) rethrows -> T { try lock.withLock(body) }
}
