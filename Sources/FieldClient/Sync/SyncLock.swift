import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SyncCore

/// One sync at a time per replica file: an advisory lock (`flock`) on `<replica>-sync.lock`,
/// released when the sync ends or its process dies. Two syncs of one replica at once could
/// re-date an operation the other is getting stored.
final class SyncLock: Sendable {
    private let descriptor: Int32

    private init(descriptor: Int32) { self.descriptor = descriptor }

    /// Takes the lock for the replica at `path` (nil: an in-memory replica, nothing to lock).
    static func acquire(for path: String?) throws -> SyncLock? {
        guard let path else { return nil }
        let descriptor = open(path + "-sync.lock", O_CREAT | O_RDWR, 0o644)
        guard descriptor >= 0 else {
            throw SyncError(.storage, "cannot create the sync lock next to \(path) (errno \(errno))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw SyncError(.conflict, "another `field sync` is running on this replica; wait for it to finish")
        }
        return SyncLock(descriptor: descriptor)
    }

    func release() {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
