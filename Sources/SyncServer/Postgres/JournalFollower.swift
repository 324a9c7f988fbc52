import PostgresNIO
import SyncCore

/// Brings an instance's working copy up to a position of the journal, entry by entry in order.
///
/// An actor: the position recorded so far is shared by every request of the instance. Two
/// requests that catch up at once may fetch the same entries; the working copy records each
/// entry once whatever happens (`SQLiteSyncStorage.record` skips what its mark has passed).
actor JournalFollower {
    private let journal: PostgresJournal
    private let local: SQLiteSyncStorage
    /// The last position recorded in the working copy, as far as this actor knows.
    private(set) var position: Int64
    /// Entries fetched per query while catching up (a restart may replay thousands).
    static let entriesPerFetch = 32

    init(journal: PostgresJournal, local: SQLiteSyncStorage, recorded: Int64) {
        self.journal = journal
        self.local = local
        position = recorded
    }

    /// Records every entry up to `target`. `connection`: read through this one (a caller that
    /// holds the journal lock on it), else through the pool.
    func catchUp(to target: Int64, connection: PostgresConnection? = nil) async throws {
        while position < target {
            let entries = try await journal.entries(after: position, through: target, limit: Self.entriesPerFetch, connection)
            guard let last = entries.last else {
                throw SyncError(.storage, "the journal has no entry after \(position) although its head is \(target)")
            }
            let local = self.local
            let mark = try await Blocking.onThread { try local.record(entries) }
            position = max(position, mark.position, last.position)
        }
    }

    /// Notes a position this instance recorded itself (a push it appended).
    func advance(to recorded: Int64) {
        position = max(position, recorded)
    }
}
