import SyncCore
/// The server's answer to a push: exactly which operations are stored and which are not.
public struct PushOutcome: Sendable, Equatable {
    public struct Rejection: Sendable, Equatable {
        public var id: String
        public var denial: Denial
        public init(id: String, denial: Denial) {
            self.id = id
            self.denial = denial
        }
    }

    /// Operation ids now stored on the server (newly or earlier), in batch order.
    public var acknowledged: [String] = []
    /// Refused operations with their reasons, in batch order.
    public var rejected: [Rejection] = []
    /// How many acknowledged operations were new to the server (for metrics).
    public var applied: Int = 0
    /// The server's time when it judged the push (milliseconds since the epoch): a client
    /// learns its clock's offset from it.
    public var serverTime: Int64 = 0
    /// How far ahead of `serverTime` an operation may be dated.
    public var maxClockAheadMilliseconds: Int64 = 0

    public init() {}
}
