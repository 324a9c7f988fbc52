import FieldClient
import Testing

/// Issue 14: the progress line a long sync draws on a terminal (total, rate, time left).
@Suite struct ProgressLineTests {
    @Test func operationsWithATotalShowBarRateAndTimeLeft() {
        let progress = SyncProgress(phase: .pull, pushed: 0, pulled: 12_345, batches: 25, done: 12_345, total: 24_690)
        let line = progress.barLine(elapsed: .seconds(2))
        #expect(line.hasPrefix("pull     [████████████············]"), "\(line)")
        #expect(line.contains(" 50%  12,345 of 24,690 operations"), "\(line)")
        #expect(line.contains("6,173/s"), "\(line)")
        #expect(line.contains("0:02 left"), "\(line)")
    }

    @Test func bytesOfASnapshotFile() {
        let progress = SyncProgress(phase: .snapshot, pushed: 0, pulled: 0, batches: 1, done: 4 << 20, total: 8 << 20, unit: .bytes)
        let line = progress.barLine(elapsed: .seconds(4))
        #expect(line.contains("4.0 MB of 8.0 MB") && line.contains("1.0 MB/s") && line.contains("0:04 left"), "\(line)")
    }

    @Test func withoutATotalRunningCountsAndNoBar() {
        let progress = SyncProgress(phase: .snapshot, pushed: 3, pulled: 900, batches: 2, done: 900)
        let line = progress.barLine(elapsed: .seconds(3))
        #expect(!line.contains("[") && line.contains("900 operations") && line.contains("300/s"), "\(line)")
        #expect(SyncProgress(phase: .verify, pushed: 0, pulled: 0, batches: 0).barLine(elapsed: .zero).contains("comparing digests"))
    }

    @Test func finishedAndOverfullNeverOverflowTheBar() {
        let done = SyncProgress(phase: .push, pushed: 10, pulled: 0, batches: 1, done: 12, total: 10)
        let line = done.barLine(elapsed: .seconds(1))
        #expect(line.contains("[████████████████████████]") && line.contains("100%") && !line.contains("left"), "\(line)")
    }
}
