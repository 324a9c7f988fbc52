import Foundation

/// Bridges between the blocking world (a working copy's write transaction, the loader's
/// consumer loop) and async PostgreSQL calls. Both helpers exist because GRDB's write closures
/// and the data-set pipeline are synchronous by design, while postgres-nio is async.
enum Blocking {
    /// Runs `body` on a thread of its own and returns its result to the awaiting task, so a
    /// long blocking loop never holds one of the few cooperative threads.
    static func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try body() }) }
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    /// Waits on the calling (non-cooperative) thread for `body`, run as a task.
    static func wait<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
        let done = DispatchSemaphore(value: 0)
        let box = ResultBox<T>()
        Task {
            box.result = await Result(catching: body)
            done.signal()
        }
        done.wait()
        return try box.result!.get()
    }
}

/// The result handed from a task to the thread waiting on it.
/// `@unchecked Sendable`: written once by the task before the semaphore signals, read only by
/// the waiting thread after it; the semaphore orders the two.
private final class ResultBox<T>: @unchecked Sendable {
    var result: Result<T, any Error>?
}

extension Result where Failure == any Error {
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
