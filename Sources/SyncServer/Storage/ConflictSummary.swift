import SyncCore

/// One field currently in conflict (a row of the `conflicts` table), as headquarters sees it
/// on the dashboard: which entity and field, the value every replica shows, and the competing
/// values with who wrote them, until someone writes a value that has seen them all.
public struct ConflictSummary: Sendable, Hashable, Codable {
    public struct Competitor: Sendable, Hashable, Codable {
        public var author: String
        /// The HLC of the competing write.
        public var hlc: String
        /// Canonical JSON of the competing value.
        public var value: String
    }

    /// `case`, `meeting`, `member`, …
    public var entity: String
    public var entityID: String
    public var field: String
    /// The element key for keyed fields (a vote's voter), empty otherwise.
    public var key: String
    /// A readable name for the entity (a case's reference and title, a member's name), if known.
    public var label: String?
    /// Canonical JSON of the value shown everywhere.
    public var winner: String
    /// Every competing write, newest first.
    public var competing: [Competitor]
}
