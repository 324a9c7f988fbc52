import NIOConcurrencyHelpers

/// Tells waiting pulls (`GET /v1/pull?wait=`) that operations were stored: by a push on this
/// server, or, on PostgreSQL, by any instance (its journal's `NOTIFY`).
///
/// A counter that only grows, and the waiters on it: a pull reads the counter before it looks
/// for operations, and waits only if the counter has not moved since, so a push that lands
/// between the look and the wait is never missed.
public final class ChangeFeed: Sendable {
    private struct State {
        var generation: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Bool, Never>] = [:]
        /// Waiters not registered yet, and those of them cancelled meanwhile.
        var unregistered: Set<UInt64> = []
        var cancelled: Set<UInt64> = []
        var nextWaiter: UInt64 = 0
    }
    private let state = NIOLockedValueBox(State())

    public init() {}

    /// How many times something was stored so far.
    public var generation: UInt64 { state.withLockedValue { $0.generation } }

    /// Something was stored: every waiting pull looks again.
    public func signal() {
        let woken = state.withLockedValue { state -> [CheckedContinuation<Bool, Never>] in
            state.generation &+= 1
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in woken { waiter.resume(returning: true) }
    }

    /// Waits until something is stored after `seen` (true), or `timeout` passes, or the task is
    /// cancelled (false).
    public func wait(after seen: UInt64, timeout: Duration) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { await self.waitForSignal(after: seen) }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }

    private func waitForSignal(after seen: UInt64) async -> Bool {
        let id = state.withLockedValue { state -> UInt64 in
            defer { state.nextWaiter &+= 1 }
            state.unregistered.insert(state.nextWaiter)
            return state.nextWaiter
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let answer: Bool? = state.withLockedValue { state in
                    state.unregistered.remove(id)
                    if state.generation != seen {
                        state.cancelled.remove(id)
                        return true
                    }
                    if state.cancelled.remove(id) != nil { return false }
                    state.waiters[id] = continuation
                    return nil
                }
                if let answer { continuation.resume(returning: answer) }
            }
        } onCancel: {
            let waiter = state.withLockedValue { state -> CheckedContinuation<Bool, Never>? in
                guard let waiter = state.waiters.removeValue(forKey: id) else {
                    // Not registered yet: registering will see it. Already answered: nothing to do.
                    if state.unregistered.contains(id) { state.cancelled.insert(id) }
                    return nil
                }
                return waiter
            }
            waiter?.resume(returning: false)
        }
    }
}

/// How many pulls wait at once, per token and in all: a waiting pull holds a task and is woken
/// by every push, so a client that opens many (or leaves them behind when it disconnects) is
/// answered at once beyond its share instead of piling them up.
public final class WaitingPulls: Sendable {
    public let perToken: Int
    public let total: Int
    private let counts = NIOLockedValueBox((byToken: [String: Int](), all: 0))

    public init(perToken: Int = 4, total: Int = 2_000) {
        self.perToken = perToken
        self.total = total
    }

    /// Takes a place for `token`'s pull to wait, or answers false when none is left.
    public func enter(_ token: String) -> Bool {
        counts.withLockedValue { counts in
            guard counts.all < total, counts.byToken[token, default: 0] < perToken else { return false }
            counts.byToken[token, default: 0] += 1
            counts.all += 1
            return true
        }
    }

    public func leave(_ token: String) {
        counts.withLockedValue { counts in
            let left = counts.byToken[token, default: 1] - 1
            counts.byToken[token] = left > 0 ? left : nil
            counts.all -= 1
        }
    }
}
