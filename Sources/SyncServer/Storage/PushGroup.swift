import CivilAffairs
import GRDB
import SyncCore

/// Group commit for pushes: pushes that arrive while a write transaction is running wait for
/// it, then all go in the next one, each inside its own savepoint. Each is still judged and
/// stored atomically and answered on its own (a push that fails, over its quota say, rolls back
/// alone), but a hundred replicas pushing at once share a few commits, and so a few `fsync`s,
/// instead of queueing one transaction each behind the single writer.
///
/// How a group is written is the store's: the embedded store commits it to its file; the
/// PostgreSQL store also appends its changes to the shared journal before the commit.
///
/// An actor: the queue of waiting pushes is shared mutable state.
actor PushGroup {
    typealias Apply = @Sendable (PushBatch, Principal, Int64, Database) throws -> (PushOutcome, StoreChange)
    typealias WriteGroup = @Sendable ([Job]) async -> [Result<PushOutcome, any Error>]

    struct Job: Sendable {
        let batch: PushBatch
        let principal: Principal
        let receivedAt: Int64
        let apply: Apply
        let continuation: CheckedContinuation<PushOutcome, any Error>
    }

    private let writeGroup: WriteGroup
    /// At most this many pushes, or operations, share a transaction: a group must not keep the
    /// first push in it waiting for long.
    private let maxPushes: Int
    private let maxOperations: Int
    private var waiting: [Job] = []
    private var draining = false

    init(maxPushes: Int = 64, maxOperations: Int = 20_000, write: @escaping WriteGroup) {
        writeGroup = write
        self.maxPushes = maxPushes
        self.maxOperations = maxOperations
    }

    /// Runs `apply` for this push in the next group's transaction and returns its outcome.
    func submit(_ batch: PushBatch, as principal: Principal, receivedAt: Int64, apply: @escaping Apply) async throws -> PushOutcome {
        try await withCheckedThrowingContinuation { continuation in
            waiting.append(Job(batch: batch, principal: principal, receivedAt: receivedAt, apply: apply, continuation: continuation))
            if !draining {
                draining = true
                Task { await drain() }
            }
        }
    }

    /// Writes groups until no push waits.
    private func drain() async {
        while !waiting.isEmpty {
            var count = 0, operations = 0
            while count < waiting.count && count < maxPushes && (count == 0 || operations + waiting[count].batch.items.count <= maxOperations) {
                operations += waiting[count].batch.items.count
                count += 1
            }
            let group = Array(waiting.prefix(count))
            waiting.removeFirst(count)
            let results = await writeGroup(group)
            for (job, result) in zip(group, results) { job.continuation.resume(with: result) }
        }
        draining = false
    }

    /// One transaction for the group, a savepoint per push. `beforeCommit` receives the
    /// changes of the pushes that succeeded, inside the transaction; if it throws, or the commit
    /// itself fails, every push of the group fails with it (nothing of any of them is stored).
    static func write(_ group: [Job], _ writer: any DatabaseWriter,
                      beforeCommit: (@Sendable ([StoreChange], Database) throws -> Void)? = nil) async -> [Result<PushOutcome, any Error>] {
        do {
            return try await writer.write { db in
                var results: [Result<PushOutcome, any Error>] = []
                var changes: [StoreChange] = []
                results.reserveCapacity(group.count)
                for job in group {
                    do {
                        var outcome: PushOutcome?
                        try db.inSavepoint {
                            let (answer, change) = try job.apply(job.batch, job.principal, job.receivedAt, db)
                            outcome = answer
                            changes.append(change)
                            return .commit
                        }
                        results.append(outcome.map { .success($0) } ?? .failure(SyncError(.storage, "the push was not stored")))
                    } catch {
                        results.append(.failure(error))
                    }
                }
                try beforeCommit?(changes, db)
                return results
            }
        } catch {
            return group.map { _ in .failure(error) }
        }
    }
}
