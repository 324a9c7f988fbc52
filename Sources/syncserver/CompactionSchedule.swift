import Foundation
import Logging
import SyncCore
import SyncServer

/// `serve --compact-older-than`: compacts the embedded store every `everyMilliseconds` while it
/// serves (pushes wait for the compaction's transaction; pulls go on), and logs what it did.
struct CompactionSchedule: Sendable {
    var olderThanMilliseconds: Int64
    var everyMilliseconds: Int64

    func start(on storage: SQLiteSyncStorage, logger: Logger) -> Task<Void, Never> {
        Task.detached {
            let clock = SystemWallClock()
            while !Task.isCancelled {
                try? await Task.sleep(nanoseconds: UInt64(everyMilliseconds) * 1_000_000)
                if Task.isCancelled { return }
                do {
                    let result = try await storage.compactInBackground(olderThanMilliseconds: olderThanMilliseconds,
                                                                       now: clock.nowMilliseconds(), clock: clock)
                    logger.info("compacted", metadata: [
                        "dropped": .stringConvertible(result.compaction.dropped), "horizon": .stringConvertible(result.compaction.horizon),
                        "operations": .stringConvertible(result.compaction.operationsAfter), "ms": .stringConvertible(result.milliseconds)])
                } catch {
                    logger.error("compaction failed; nothing was changed", metadata: ["error": .string(String(describing: error))])
                }
            }
        }
    }
}
