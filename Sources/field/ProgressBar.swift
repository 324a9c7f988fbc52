import FieldClient
import Foundation

/// The progress of a long sync on a terminal: the phase, a bar, done of the total, the rate and
/// the time left, on one line rewritten in place (on standard error). Without a total it shows
/// running counts. Scripts (`--json`, no terminal) never see it.
///
/// A class only to keep the phase's start under a lock: progress comes from the sync's tasks.
final class ProgressBar: @unchecked Sendable {
    // @unchecked: `phase` is only read and written under `state`.
    private struct Phase {
        var name: SyncProgress.Phase
        var started: ContinuousClock.Instant
        var lastDrawn: ContinuousClock.Instant
    }
    private let state = NSLock()
    private var phase: Phase?

    func show(_ progress: SyncProgress) {
        let now = ContinuousClock.now
        let line: String? = state.withLock {
            if phase?.name != progress.phase { phase = Phase(name: progress.phase, started: now, lastDrawn: now - .seconds(1)) }
            // At most ten redraws a second, but always the last one of a phase.
            let finished = progress.total.map { progress.done >= $0 } ?? false
            guard var current = phase, finished || now - current.lastDrawn >= .milliseconds(100) else { return nil }
            current.lastDrawn = now
            phase = current
            return progress.barLine(elapsed: now - current.started)
        }
        if let line { FileHandle.standardError.write(Data(("\r\u{1B}[2K" + line).utf8)) }
    }

    func finish() {
        let drawn = state.withLock { phase != nil }
        if drawn { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
