import NIOConcurrencyHelpers

/// The number of connections open on one server, shared by every connection's
/// `ConnectionCapHandler` across the event loops (hence the lock).
///
/// Why a cap: each connection holds a file descriptor, and a process that runs out of them can
/// no longer open its database or accept anything, so `/v1/health` fails with everything else.
/// Connections over the cap are closed as soon as they arrive instead, which keeps the server
/// answering the connections it has and new ones once others close.
public final class ConnectionCounter: Sendable {
    /// Most connections admitted at once; 0 means no cap (connections are still counted).
    public let maximum: Int
    private let counts = NIOLockedValueBox((open: 0, refused: 0))

    public init(maximum: Int) {
        self.maximum = maximum
    }

    /// Connections admitted and not yet closed.
    public var current: Int { counts.withLockedValue { $0.open } }

    /// What `acquire` decided.
    enum Admission: Equatable {
        case admitted
        /// Over the cap; `refusals` counts every connection refused since the server started.
        case refused(refusals: Int)
    }

    /// Admits one more connection if there is room; the caller must `release()` it once closed.
    func acquire() -> Admission {
        counts.withLockedValue { counts in
            guard maximum == 0 || counts.open < maximum else {
                counts.refused += 1
                return .refused(refusals: counts.refused)
            }
            counts.open += 1
            return .admitted
        }
    }

    /// A connection admitted by `acquire()` has closed.
    func release() {
        counts.withLockedValue { $0.open -= 1 }
    }
}
