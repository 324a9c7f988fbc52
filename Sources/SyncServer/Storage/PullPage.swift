import Foundation
import SyncCore

/// One page of a pull.
public struct PullPage: Sendable, Equatable {
    /// Operations to apply, in delivery order (an entity's replayed history before the
    /// operations that follow it in the log).
    public var operations: [SyncOperation]
    /// The cursor to send next time.
    public var cursor: PullCursor
    /// Whether more operations wait after `cursor`.
    public var more: Bool
    /// Log positions after `cursor` up to the end of the log: for a caller who sees everything,
    /// the operations still to pull; for others an upper bound (a progress bar's total).
    public var remaining: Int64 = 0

    public init(operations: [SyncOperation], cursor: PullCursor, more: Bool, remaining: Int64 = 0) {
        self.operations = operations
        self.cursor = cursor
        self.more = more
        self.remaining = remaining
    }
}

/// Where a replica stands in the stream of operations a principal receives.
///
/// The stream follows the log: at each log position, first the whole history of every entity
/// that became visible to the principal there (its *replay*, entities in order, each entity's
/// operations in log order), then the operation at that position if the principal already saw
/// its entity. A plain cursor (`position` alone) stands after everything at that position; a
/// cursor inside a replay also names the last entity and operation delivered, so that a page
/// never holds more than its limit even when thousands of entities become visible at once.
///
/// Text form: `123` (plain, as every earlier server sent), or `123.456.<base64url of kind
/// U+001F id>` inside a replay at position 123 whose last delivered operation is at 456.
/// Clients treat it as opaque.
public struct PullCursor: Sendable, Hashable, CustomStringConvertible {
    public var position: Int64
    public var replay: Replay?

    public struct Replay: Sendable, Hashable {
        public var entity: EntityKey
        /// The log position of the last operation of `entity` delivered.
        public var lastSeq: Int64
        public init(entity: EntityKey, lastSeq: Int64) {
            self.entity = entity
            self.lastSeq = lastSeq
        }
    }

    public init(position: Int64, replay: Replay? = nil) {
        self.position = position
        self.replay = replay
    }

    public static let start = PullCursor(position: 0)

    public var description: String {
        guard let replay else { return String(position) }
        return "\(position).\(replay.lastSeq).\(replay.entity.cursorToken)"
    }

    /// Reads the text form; nil for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard let position = Int64(parts[0]), position >= 0 else { return nil }
        if parts.count == 1 {
            self.init(position: position)
            return
        }
        guard parts.count == 3, let lastSeq = Int64(parts[1]), lastSeq > 0, lastSeq <= position,
              let entity = EntityKey(cursorToken: parts[2]) else { return nil }
        self.init(position: position, replay: Replay(entity: entity, lastSeq: lastSeq))
    }
}

extension EntityKey {
    /// The entity in a cursor: base64url of kind U+001F id, without padding.
    var cursorToken: String {
        Data((entity.rawValue + "\u{1F}" + id).utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Reads `cursorToken`; nil for anything else.
    init?(cursorToken token: some StringProtocol) {
        var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64), let name = String(data: data, encoding: .utf8) else { return nil }
        let halves = name.split(separator: "\u{1F}", maxSplits: 1, omittingEmptySubsequences: false)
        guard halves.count == 2, let kind = EntityKind(rawValue: String(halves[0])), !halves[1].isEmpty else { return nil }
        self.init(kind, String(halves[1]))
    }
}
