/// The one order in which writes to the same register compete, shared by the merge, the
/// materialiser and anyone who must predict the merge (the server's access rules judging a
/// new entity from its creating batch). Two comparisons that disagree would let a check keep
/// one value while the merge keeps another.
///
/// A later hybrid-logical timestamp wins; timestamps are unique per replica, and a replica that
/// reused one (refused by the server, but possible in an imported file) is ordered by the
/// operation id's text, so every replica still picks the same winner.
public enum MergeOrder {
    /// Whether the write `(hlc, id)` wins over the write `(otherHLC, otherID)`.
    public static func wins(_ hlc: HLCTimestamp, _ id: OperationID, over otherHLC: HLCTimestamp, _ otherID: OperationID) -> Bool {
        if hlc != otherHLC { return hlc > otherHLC }
        return id.description > otherID.description
    }

    /// The same comparison on the texts of timestamps and ids, which sort like the values
    /// (fixed-width timestamps; ASCII ids), compared byte by byte as SQLite does.
    public static func wins(_ hlc: String, _ id: String, over otherHLC: String, _ otherID: String) -> Bool {
        if hlc != otherHLC { return otherHLC.utf8.lexicographicallyPrecedes(hlc.utf8) }
        return otherID.utf8.lexicographicallyPrecedes(id.utf8)
    }

    /// Whether `op` wins over `other`.
    public static func wins(_ op: SyncOperation, over other: SyncOperation) -> Bool {
        wins(op.hlc, op.id, over: other.hlc, other.id)
    }

    /// The same order in SQL, winner first, for tables with `hlc` and `op_id` text columns.
    /// (The text forms sort like the values: fixed-width timestamps; ids are ASCII.)
    public static let sqlWinnerFirst = "hlc DESC, op_id DESC"
}
