import Foundation
import SyncCore

/// What a watching replica reports (`field sync --watch`): one event per thing that happened.
public enum WatchEvent: Sendable, Equatable {
    /// A full sync finished (at the start, and after each reconnection).
    case synced(SyncReport)
    /// Local changes were sent.
    case pushed(SyncReport)
    /// Changes from others arrived.
    case pulled(SyncReport)
    /// The server cannot be reached (or failed, or asked to wait): the next attempt is in
    /// `retryInSeconds`; `waiting` local changes stay until then.
    case offline(reason: String, retryInSeconds: Int, waiting: Int)
}

extension SyncClient {
    /// Keeps the replica synchronised until the task is cancelled: a full sync, then local
    /// changes are pushed as they are recorded (the replica is looked at every
    /// `pollMilliseconds`) while a pull waits at the server for others' changes (`waitSeconds`
    /// per request), which it applies as soon as they are stored. When the server cannot be
    /// reached it tries again after 1, 2, 4 … 60 seconds, each time with a full sync.
    ///
    /// Holds the replica's sync lock throughout: a `field sync` meanwhile is refused, while
    /// every other command (recording new work) goes on as usual. Errors that waiting cannot
    /// cure (a refused token, a replica of another member) end the watch.
    public func watch(waitSeconds: Int = 25, pollMilliseconds: Int = 300,
                      onEvent: @escaping @Sendable (WatchEvent) -> Void) async throws {
        let lock = try SyncLock.acquire(for: lockPath)
        defer { lock?.release() }
        // The server must answer a waiting pull before the request times out.
        let wait = max(1, min(waitSeconds, settings.timeoutSeconds - 5))
        var backoff = 1
        while !Task.isCancelled {
            do {
                let report = try await syncHoldingLock(progress: nil)
                onEvent(.synced(report))
                if let throttled = report.throttled {
                    // Over a daily quota: pushing again soon is refused again; wait, then resync.
                    let waiting = (try? await store.writer.read { db in try store.countWaiting(db) }) ?? 0
                    onEvent(.offline(reason: throttled, retryInSeconds: Self.throttledPauseSeconds, waiting: waiting))
                    try await Task.sleep(for: .seconds(Self.throttledPauseSeconds))
                    continue
                }
                backoff = 1
                let stop = WatchStop()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await pushWhileRecorded(until: stop, pollMilliseconds: pollMilliseconds, onEvent: onEvent) }
                    group.addTask { try await pullWhileStored(until: stop, waitSeconds: wait, onEvent: onEvent) }
                    // Both run until one fails; the other then ends after its request in flight
                    // (not cancelled: URLSession on Linux does not take a cancelled request well).
                    var failure: (any Error)?
                    while !group.isEmpty {
                        do {
                            try await group.next()
                        } catch {
                            if failure == nil { failure = error }
                            await stop.stop()
                        }
                    }
                    if let failure { throw failure }
                }
            } catch let error as SyncError where Self.isPassing(error) {
                if Task.isCancelled { return }
                let waiting = (try? await store.writer.read { db in try store.countWaiting(db) }) ?? 0
                onEvent(.offline(reason: error.message, retryInSeconds: backoff, waiting: waiting))
                try? await Task.sleep(for: .seconds(backoff))
                backoff = min(backoff * 2, 60)
            } catch is CancellationError {
                return
            }
        }
    }

    /// Between pulls, against a server that answers at once instead of holding the pull.
    static let pollSecondsWithoutWait = 5

    /// How long a watch over its quota waits before trying again.
    static let throttledPauseSeconds = 300

    /// Failures that time cures: the server unreachable or failing, or asking to wait.
    static func isPassing(_ error: SyncError) -> Bool {
        [.unreachable, .server, .throttled].contains(error.code)
    }

    /// Pushes whenever changes wait, looking every `pollMilliseconds`.
    private func pushWhileRecorded(until stop: WatchStop, pollMilliseconds: Int,
                                   onEvent: @escaping @Sendable (WatchEvent) -> Void) async throws {
        while await !stop.stopped {
            try Task.checkCancellation()
            // New changes only: those the server deferred go again with the next full sync,
            // not every few hundred milliseconds.
            let waiting = try await store.writer.read { db in
                try Int.fetchOne(db, sql: "SELECT count(*) FROM oplog WHERE origin_local = 1 AND sync_state = 0") ?? 0
            }
            if waiting > 0 {
                var report = SyncReport()
                try await push(&report, progress: nil)
                try await uploadAttachments(&report, progress: nil)
                report.waiting = try await store.writer.read { db in try store.countWaiting(db) }
                try await saveClockOffset()
                if report.pushed > 0 { onEvent(.pushed(report)) }
            }
            try await Task.sleep(for: .milliseconds(pollMilliseconds))
        }
    }

    /// Pulls with a waiting first request, again and again.
    private func pullWhileStored(until stop: WatchStop, waitSeconds: Int,
                                 onEvent: @escaping @Sendable (WatchEvent) -> Void) async throws {
        while await !stop.stopped {
            try Task.checkCancellation()
            var report = SyncReport()
            let started = ContinuousClock.now
            try await pull(&report, progress: nil, waitSeconds: waitSeconds)
            if report.applied > 0 {
                report.conflicts = try await store.writer.read { db in try store.conflicts(db).count }
                onEvent(.pulled(report))
            } else if report.pulled == 0, ContinuousClock.now - started < .seconds(waitSeconds) / 2 {
                // Nothing new, and answered long before the wait: a server that does not hold
                // pulls (older than live sync). Poll it gently instead.
                try await Task.sleep(for: .seconds(Self.pollSecondsWithoutWait))
            }
        }
    }
}

/// Tells the two halves of a watch that the other one failed.
actor WatchStop {
    private(set) var stopped = false
    func stop() { stopped = true }
}
