import Foundation

/// Runs a producer on a thread of its own and hands its items to the caller in order, at most
/// `capacity` ahead: while the caller writes one batch, the next is generated and prepared on
/// the other core (`SQLiteSyncStorage.load`, `ReplicaStore.load`).
///
/// `@unchecked Sendable`: `items`, `outcome` and `cancelled` are only touched with `condition`
/// locked; the producer thread and the consumer share nothing else.
package final class LoadPipeline<Item: Sendable, Outcome: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private let capacity: Int
    private var items: [Item] = []
    private var outcome: Result<Outcome, any Error>?
    private var cancelled = false

    /// Why a producer stops when its consumer gave up.
    package struct Cancelled: Error {}

    /// Starts `produce` at once; it hands items over with the function it is given, which
    /// waits while `capacity` items are waiting and throws `Cancelled` once the consumer gave up.
    package init(capacity: Int, produce: @escaping @Sendable (_ put: (Item) throws -> Void) throws -> Outcome) {
        self.capacity = max(1, capacity)
        let thread = Thread { [self] in
            let result = Result { try produce(self.put) }
            condition.withLock {
                outcome = result
                condition.broadcast()
            }
        }
        thread.name = "civicsync-load-producer"
        thread.start()
    }

    private func put(_ item: Item) throws {
        condition.lock()
        defer { condition.unlock() }
        while items.count >= capacity && !cancelled { condition.wait() }
        if cancelled { throw Cancelled() }
        items.append(item)
        condition.broadcast()
    }

    /// The next item, or nil once the producer finished; rethrows the producer's error.
    private func next() throws -> Item? {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty && outcome == nil { condition.wait() }
        if !items.isEmpty {
            condition.broadcast()
            return items.removeFirst()
        }
        if case .failure(let error)? = outcome { throw error }
        return nil
    }

    /// What the producer returned, once `next()` returned nil.
    private func result() throws -> Outcome {
        condition.lock()
        defer { condition.unlock() }
        while outcome == nil { condition.wait() }
        return try outcome!.get()
    }

    /// Hands every item to `consume`, in order, and returns what the producer returned. When
    /// `consume` or the producer fails, the producer is stopped and the error thrown.
    package func drain(_ consume: (Item) throws -> Void) throws -> Outcome {
        do {
            while let item = try next() { try consume(item) }
            return try result()
        } catch {
            cancel()
            throw error
        }
    }

    /// Stops the producer (its next hand-over throws) and waits until it has ended, so nothing
    /// of it outlives the caller's failure.
    package func cancel() {
        condition.lock()
        defer { condition.unlock() }
        cancelled = true
        items.removeAll()
        condition.broadcast()
        while outcome == nil { condition.wait() }
    }
}
