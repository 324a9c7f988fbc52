/// A hybrid logical clock (Kulkarni et al.): timestamps that follow physical time when clocks
/// agree, and still respect causality when they do not. A replica that receives an operation
/// from a replica whose clock runs ahead moves its own clock past it, so anything written after
/// seeing an operation is ordered after it, whatever the wall clocks say.
///
/// The logical counter is bounded by the text form (six digits): a clock that would count past
/// `HLCTimestamp.maxLogical` moves to the next millisecond with a counter of zero, which is
/// still after every timestamp seen, so no operation can make a replica's clock unreadable.
public struct HybridLogicalClock: Sendable {
    public let replica: ReplicaID
    public private(set) var last: HLCTimestamp
    private let wallClock: any WallClock

    public init(replica: ReplicaID, wallClock: any WallClock, last: HLCTimestamp? = nil) {
        self.replica = replica
        self.wallClock = wallClock
        self.last = last ?? HLCTimestamp(wallMilliseconds: 0, logical: 0, replica: replica)
    }

    /// A timestamp for a local event, strictly after every timestamp seen so far.
    /// Throws only when time has run out (the year 9999), never silently goes back.
    public mutating func now() throws -> HLCTimestamp {
        let physical = min(wallClock.nowMilliseconds(), HLCTimestamp.maxWallMilliseconds)
        if physical > last.wallMilliseconds {
            last = HLCTimestamp(wallMilliseconds: physical, logical: 0, replica: replica)
        } else if last.logical < HLCTimestamp.maxLogical {
            last = HLCTimestamp(wallMilliseconds: last.wallMilliseconds, logical: last.logical + 1, replica: replica)
        } else if last.wallMilliseconds < HLCTimestamp.maxWallMilliseconds {
            last = HLCTimestamp(wallMilliseconds: last.wallMilliseconds + 1, logical: 0, replica: replica)
        } else {
            throw SyncError(.conflict, "the replica's clock has reached the largest timestamp the wire format can carry")
        }
        return last
    }

    /// Moves the clock past a timestamp received from elsewhere.
    public mutating func observe(_ remote: HLCTimestamp) {
        if remote.wallMilliseconds > last.wallMilliseconds
            || (remote.wallMilliseconds == last.wallMilliseconds && remote.logical > last.logical) {
            last = HLCTimestamp(wallMilliseconds: remote.wallMilliseconds, logical: remote.logical, replica: replica)
        }
    }
}
