import Foundation
import SyncCore

/// One page of a snapshot: whole entities a principal may see, in entity order.
public struct SnapshotPage: Sendable {
    public var entities: [EntitySnapshot]
    /// The cursor to send next time (the position stays the one of the first page).
    public var cursor: SnapshotCursor
    public var more: Bool
    /// The store's compacted ranges (see `ReplicaStore.compact`), on a snapshot's first page
    /// and on named entities: the importer learns which operations the bases it takes hold.
    public var compactedRanges: [CompactedRange] = []
    /// Operations the page's entities carry.
    public var operationCount: Int { entities.reduce(0) { $0 + $1.operations.count } }
}

/// Where a replica stands in a snapshot: the log position the snapshot started at (the pull
/// continues from it once the snapshot is taken), and the last entity delivered.
///
/// Text form: `123` at the start, `123.<base64url of kind U+001F id>` after an entity, each
/// followed by `~<n>` once the store has compacted (`n`: operations compacted when the snapshot
/// began; a compaction meanwhile makes the cursor stale). Clients treat it as opaque.
public struct SnapshotCursor: Sendable, Hashable, CustomStringConvertible {
    public var position: Int64
    public var after: EntityKey?
    /// The store's compacted-operation count when the snapshot began (nil: none).
    public var generation: Int64?

    public init(position: Int64, after: EntityKey? = nil, generation: Int64? = nil) {
        self.position = position
        self.after = after
        self.generation = generation
    }

    public var description: String {
        let suffix = generation.map { "~\($0)" } ?? ""
        guard let after else { return String(position) + suffix }
        return "\(position).\(after.cursorToken)" + suffix
    }

    public init?(_ text: String) {
        var text = Substring(text)
        var generation: Int64?
        if let tilde = text.lastIndex(of: "~") {
            guard let value = Int64(text[text.index(after: tilde)...]), value > 0 else { return nil }
            generation = value
            text = text[..<tilde]
        }
        guard var cursor = SnapshotCursor(plain: text) else { return nil }
        cursor.generation = generation
        self = cursor
    }

    private init?(plain text: Substring) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let position = Int64(parts[0]), position >= 0 else { return nil }
        guard parts.count == 2 else {
            self.init(position: position)
            return
        }
        guard let after = EntityKey(cursorToken: parts[1]) else { return nil }
        self.init(position: position, after: after)
    }
}
