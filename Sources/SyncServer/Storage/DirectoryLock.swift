import Foundation
import SyncCore
#if canImport(Glibc)
import Glibc
#endif

/// An exclusive lock on a data directory for the life of the process: two instances must not
/// share one working copy (each records the journal on its own), and a store must not be
/// restored or repaired under a running server. The kernel releases it when the process ends,
/// however it ends.
///
/// A class because it owns the open file descriptor.
public final class DirectoryLock: Sendable {
    private let descriptor: Int32

    public init(directory: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw SyncError(.storage, "cannot create the directory \(directory)", cause: error)
        }
        let path = (directory as NSString).appendingPathComponent("instance.lock")
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw SyncError(.storage, "cannot open \(path)") }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw SyncError(.conflict, "a syncserver process (serve, restore or check --repair) uses \(directory); stop it first, or give each instance its own --data-dir")
        }
        self.descriptor = descriptor
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
