/// What an operation does to its field; must match the field's `FieldRule`.
public enum OperationKind: String, Sendable, Codable, CaseIterable {
    /// Write a register (or one key of a keyed register).
    case set
    /// Raise an integer to at least this value.
    case max
    /// Record that a milestone was reached.
    case reach
    /// Add an element to an add-wins set (the element is the key; the operation id is its tag).
    case add
    /// Remove the additions of an element listed in the context.
    case remove
    /// Append an entry to a log.
    case append
}
