import Synchronization
import Testing
@testable import SyncCore

/// The load pipeline hands every item over in order, and a failure on either side stops the
/// producer before the caller sees the error: nothing of a load keeps running behind it.
@Suite("load pipeline")
struct LoadPipelineTests {
    struct Refused: Error, Equatable { var item: Int }

    @Test("every item arrives once, in order, and the producer's result comes last")
    func inOrder() throws {
        let pipeline = LoadPipeline<Int, String>(capacity: 2) { put in
            for item in 0..<1_000 { try put(item) }
            return "done"
        }
        var seen: [Int] = []
        let outcome = try pipeline.drain { seen.append($0) }
        #expect(seen == Array(0..<1_000))
        #expect(outcome == "done")
    }

    @Test("a consumer that fails stops the producer, which never runs far ahead")
    func consumerFails() throws {
        let produced = Mutex(0)
        let stopped = Mutex(false)
        let pipeline = LoadPipeline<Int, Void>(capacity: 2) { put in
            defer { stopped.withLock { $0 = true } }
            for item in 0... {
                try put(item)
                produced.withLock { $0 = item + 1 }
            }
        }
        #expect(throws: Refused(item: 3)) {
            try pipeline.drain { item in if item == 3 { throw Refused(item: item) } }
        }
        #expect(stopped.withLock { $0 }, "the producer ended before drain returned")
        #expect(produced.withLock { $0 } <= 3 + 1 + 2, "at most the capacity ahead of the consumer")
    }

    @Test("a producer that fails ends the drain with its error after the items it handed over")
    func producerFails() throws {
        let pipeline = LoadPipeline<Int, Void>(capacity: 2) { put in
            for item in 0..<5 { try put(item) }
            throw Refused(item: 5)
        }
        var seen: [Int] = []
        #expect(throws: Refused(item: 5)) { try pipeline.drain { seen.append($0) } }
        #expect(seen == [0, 1, 2, 3, 4])
    }
}
