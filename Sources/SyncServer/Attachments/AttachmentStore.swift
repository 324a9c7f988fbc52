import Foundation
import SyncCore

/// The bytes of attachments, content-addressed: `<directory>/<first two hex digits>/<sha256>`,
/// with `<sha256>.partial` while an upload is under way. A file is stored once per hash,
/// whatever the number of cases or meetings that name it, and only once its bytes hash to
/// its name.
///
/// An actor: uploads of the same hash by two replicas at once must not interleave.
public actor AttachmentStore {
    public let directory: String

    /// The directory is made when the first file arrives.
    public init(directory: String) {
        self.directory = directory
    }

    /// Where a stored file is (nil: not stored).
    public nonisolated func path(of sha256: String) -> String? {
        let path = finalPath(sha256)
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

    /// Whether the file is stored, and how many bytes of an upload under way have arrived.
    public func status(of sha256: String) -> (stored: Bool, received: Int64) {
        if path(of: sha256) != nil { return (true, 0) }
        return (false, Self.size(partialPath(sha256)))
    }

    /// What `append` answers.
    public enum Outcome: Sendable, Equatable {
        /// More is expected; this many bytes have arrived.
        case partial(received: Int64)
        case stored
        /// The upload does not start where the last one ended: send from `received`.
        case wrongOffset(received: Int64)
        /// The whole file does not hash to its name: it was discarded.
        case hashMismatch
    }

    /// Appends `bytes` at `offset` of the file `sha256` of `total` bytes; once all have arrived,
    /// checks the hash and keeps the file.
    public func append(_ bytes: Data, at offset: Int64, to sha256: String, total: Int64) throws -> Outcome {
        if path(of: sha256) != nil { return .stored }
        let partial = partialPath(sha256)
        var received = Self.size(partial)
        if received > total {
            // Left by an upload of another size: start again.
            try? FileManager.default.removeItem(atPath: partial)
            received = 0
        }
        guard offset == received else { return .wrongOffset(received: received) }
        guard offset + Int64(bytes.count) <= total else { return .wrongOffset(received: received) }
        let folder = (partial as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            if !FileManager.default.fileExists(atPath: partial) { _ = FileManager.default.createFile(atPath: partial, contents: nil) }
            guard let handle = FileHandle(forWritingAtPath: partial) else { throw SyncError(.storage, "cannot write \(partial)") }
            defer { try? handle.close() }
            try handle.seek(toOffset: UInt64(offset))
            try handle.write(contentsOf: bytes)
            try handle.synchronize()
        } catch let error as SyncError {
            throw error
        } catch {
            throw SyncError(.storage, "cannot write the attachment \(sha256)", cause: error)
        }
        let now = offset + Int64(bytes.count)
        guard now == total else { return .partial(received: now) }
        guard try FileSHA256.of(partial) == sha256 else {
            try? FileManager.default.removeItem(atPath: partial)
            return .hashMismatch
        }
        do {
            try FileManager.default.moveItem(atPath: partial, toPath: finalPath(sha256))
        } catch {
            throw SyncError(.storage, "cannot keep the attachment \(sha256)", cause: error)
        }
        return .stored
    }

    nonisolated func finalPath(_ sha256: String) -> String {
        (directory as NSString).appendingPathComponent("\(sha256.prefix(2))/\(sha256)")
    }

    nonisolated func partialPath(_ sha256: String) -> String { finalPath(sha256) + ".partial" }

    public static func size(_ path: String) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? 0
    }
}
