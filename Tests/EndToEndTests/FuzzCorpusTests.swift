import Foundation
import Testing

/// The fuzz target's checks (wire decoding, validation, canonical round trip, access rules and
/// merge) over the committed seed corpus and every crash input kept since: each is a
/// regression test in `swift test`, while `scripts/fuzz.sh` explores beyond them.
@Suite struct FuzzCorpusTests {
    @Test func everyCorpusInputPassesTheFuzzChecks() throws {
        let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fuzz/corpus").path
        let result = try Binaries.run(Binaries.fuzz, [corpus])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("without a failure"))
        let count = try FileManager.default.contentsOfDirectory(atPath: corpus).count
        #expect(count >= 50, "the seed corpus holds real operations of every kind")
        #expect(result.stdout.contains("replayed \(count) input(s)"))
    }
}
