import Crypto
import Foundation

/// The SHA-256 of a file in lowercase hex, read a mebibyte at a time (attachments are named by
/// it on replicas and on the server).
public enum FileSHA256 {
    public static func of(_ path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw SyncError(.storage, "cannot read \(path)") }
        defer { try? handle.close() }
        var hasher = SHA256()
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
        return hasher.finalize().hexText
    }
}
