import Foundation
import HummingbirdTesting
import SyncCore
import SyncServer
import Testing

/// Many replicas pushing at once, each batch delivered twice concurrently: every operation is
/// stored exactly once and every push gets a complete answer.
@Suite("Concurrency")
struct ConcurrencyTests {
    @Test("many replicas pushing at once store every operation exactly once", arguments: [TestingSetup.router, .live])
    func concurrentPushes(setup: TestingSetup) async throws {
        let directory = ServerHarness.temporaryDirectory("concurrency")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let harness = try ServerHarness(directory: directory)
        let monitors = (1...8).map { "m\($0)" }
        var tokens: [String: String] = [:]
        for member in monitors { tokens[member] = try await harness.token(member, .monitor) }
        let hqToken = try await harness.token("hq", .hq)
        // Each monitor submits 5 cases offline; one batch per case (a case's operations travel together).
        var batches: [(member: String, replica: String, ops: [SyncOperation])] = []
        for member in monitors {
            let device = try Device("\(member)r", member: member)
            for index in 1...5 {
                var ops = try device.record(World.caseWrites("c-\(member)-\(index)", submitter: member, branch: "busan"))
                ops += try device.record([.append(.case, "c-\(member)-\(index)", "comments", "first"),
                                          .append(.case, "c-\(member)-\(index)", "comments", "second")])
                batches.append((member, device.replica, ops))
            }
        }
        let all = batches.flatMap(\.ops)
        let frozenTokens = tokens, frozenBatches = batches
        try await harness.app().test(setup) { client in
            try await withThrowingTaskGroup(of: (Int, PushAnswer).self) { group in
                for (index, batch) in frozenBatches.enumerated() {
                    for _ in 0..<2 {
                        group.addTask {
                            (index, try await client.push(frozenTokens[batch.member]!, replica: batch.replica, batch.ops))
                        }
                    }
                }
                for try await (index, answer) in group {
                    #expect(answer.status == 200, "\(answer.body)")
                    #expect(answer.acknowledged == frozenBatches[index].ops.map(\.id.description))
                    #expect(answer.rejected.isEmpty)
                }
            }
            let stored = try harness.storage.store.allOperationIDs()
            #expect(stored == Set(all.map(\.id.description)))
            #expect(try await harness.storage.store.writer.read { db in try harness.storage.store.operationCount(db) } == all.count)
            let (pulled, _) = try await client.pullAll(hqToken, limit: 100)
            #expect(pulled.count == all.count && Set(pulled.map(\.id)) == Set(all.map(\.id)))
            for member in monitors {
                let (mine, _) = try await client.pullAll(frozenTokens[member]!, limit: 100)
                #expect(Set(mine.map(\.id)) == Set(frozenBatches.filter { $0.member == member }.flatMap(\.ops).map(\.id)))
            }
        }
    }
}
