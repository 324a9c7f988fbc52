import GRDB
import SyncCore

/// The embedded store as the working copy of a PostgreSQL store: it records the journal's
/// entries in position order and remembers, in the same transactions, how far it got.
extension SQLiteSyncStorage {
    /// How far a working copy has recorded a journal: the database it follows (its store id),
    /// the last position and that entry's chain.
    public struct JournalMark: Sendable, Equatable {
        public var storeID: String
        public var position: Int64
        public var chain: String
    }

    /// The mark, or nil for a store that never followed a journal.
    public func journalMark() throws -> JournalMark? {
        try Self.wrap { try writer.read { db in try Self.journalMark(db) } }
    }

    static func journalMark(_ db: Database) throws -> JournalMark? {
        let rows = try Row.fetchAll(db, sql: "SELECT key, value FROM server_meta WHERE key LIKE 'journal_%'")
        var values: [String: String] = [:]
        for row in rows { values[row["key"]] = row["value"] }
        guard let storeID = values["journal_store_id"], let position = values["journal_position"].flatMap(Int64.init),
              let chain = values["journal_chain"] else { return nil }
        return JournalMark(storeID: storeID, position: position, chain: chain)
    }

    static func setJournalMark(_ mark: JournalMark, _ db: Database) throws {
        try db.execute(sql: """
            INSERT OR REPLACE INTO server_meta(key, value) VALUES ('journal_store_id', ?), ('journal_position', ?), ('journal_chain', ?)
            """, arguments: [mark.storeID, String(mark.position), mark.chain])
    }

    /// Starts following the journal of `storeID` (an empty store only).
    func beginFollowing(storeID: String) throws {
        try Self.wrap {
            try writer.write { db in
                try Self.setJournalMark(JournalMark(storeID: storeID, position: 0, chain: ""), db)
            }
        }
    }

    /// Records `entries` (in position order) in one transaction: those at or before the mark
    /// are skipped (another caller recorded them first); a gap is an error, never skipped.
    /// Returns the mark after them.
    @discardableResult
    func record(_ entries: [JournalEntry]) async throws -> JournalMark {
        try await Self.wrapAsync {
            try await writer.write { db in
                guard var mark = try Self.journalMark(db) else {
                    throw SyncError(.storage, "this working copy follows no journal")
                }
                for entry in entries where entry.position > mark.position {
                    guard entry.position == mark.position + 1 else {
                        throw SyncError(.storage, "journal entry \(entry.position) follows \(mark.position): an entry is missing")
                    }
                    for change in entry.changes { try self.record(change, holdingNewer: true, db) }
                    mark.position = entry.position
                    mark.chain = entry.chain
                }
                try Self.setJournalMark(mark, db)
                return mark
            }
        }
    }
}
