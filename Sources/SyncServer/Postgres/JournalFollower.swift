import PostgresNIO
import SyncCore

/// Brings an instance's working copy up to a position of the journal, entry by entry in order.
///
/// An actor: the position recorded so far is shared by every request of the instance. One
/// catch-up runs at a time; a request that needs the journal meanwhile waits for it and then
/// goes on from where it ended. Whatever happens, the working copy records each entry once
/// (`SQLiteSyncStorage.record` skips what its mark has passed, in the same transaction).
actor JournalFollower {
    private let journal: PostgresJournal
    private let local: SQLiteSyncStorage
    /// The last position recorded in the working copy, as far as this actor knows (never
    /// beyond the working copy's committed mark).
    private(set) var position: Int64
    private var running: Task<Void, any Error>?
    /// Entries and operations fetched per query while catching up (a restart may replay a
    /// whole load: each step holds at most about this many operations in memory).
    static let entriesPerFetch = 64
    static let operationsPerFetch = 20_000

    init(journal: PostgresJournal, local: SQLiteSyncStorage, recorded: Int64) {
        self.journal = journal
        self.local = local
        position = recorded
    }

    /// Records every entry up to `target`. `connection`: read through this one (a caller that
    /// holds the journal lock on it, and so must not wait for another catch-up), else through
    /// the pool.
    func catchUp(to target: Int64, connection: PostgresConnection? = nil) async throws {
        while position < target {
            if connection == nil, let current = running {
                // Another request's catch-up: wait for it, then see what is left. (Its owner
                // may not have run since it ended: clear it here, or this loop would spin.)
                _ = try? await current.value
                if running == current { running = nil }
                try await refresh()
                continue
            }
            let from = position, journal = self.journal, local = self.local
            let step = Task {
                let entries = try await journal.entries(after: from, through: target, limit: Self.entriesPerFetch,
                                                        maxOperations: Self.operationsPerFetch, connection)
                guard !entries.isEmpty else {
                    throw SyncError(.storage, "the journal has no entry after \(from) although its head is \(target)")
                }
                _ = try await local.record(entries)
            }
            if connection == nil { running = step }
            defer { if running == step { running = nil } }
            let outcome = await step.result
            try await refresh()
            try outcome.get()
        }
    }

    /// Reads the working copy's committed mark: after this instance appended (or failed to),
    /// only what its working copy really committed counts.
    func refresh() async throws {
        if let mark = try local.journalMark() { position = mark.position }
    }
}
