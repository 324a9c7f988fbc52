import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HummingbirdTesting
import SyncCore
import SyncServer
import Testing

/// Many replicas pushing at once, each batch delivered twice concurrently: every operation is
/// stored exactly once and every push gets a complete answer.
@Suite("Concurrency")
struct ConcurrencyTests {
    /// How the test reaches the app: the router test client, or real HTTP on 127.0.0.1 through
    /// URLSession (HummingbirdTesting's live client gives up after 20 s without a byte, which a
    /// loaded 2-core machine running the whole suite in parallel can exceed: a timing, not a
    /// behaviour, so the live case waits as a sync client does).
    enum Reach: String, CaseIterable, Sendable { case router, live }

    @Test("many replicas pushing at once store every operation exactly once", arguments: Reach.allCases)
    func concurrentPushes(reach: Reach) async throws {
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
        if reach == .live {
            try await LiveServer.run(harness, configuration: harness.configuration) { port in
                let client = LiveHTTPClient(port: port)
                try await withThrowingTaskGroup(of: (Int, PushAnswer).self) { group in
                    for (index, batch) in frozenBatches.enumerated() {
                        for _ in 0..<2 {
                            group.addTask { (index, try await client.push(frozenTokens[batch.member]!, replica: batch.replica, batch.ops)) }
                        }
                    }
                    for try await (index, answer) in group {
                        #expect(answer.status == 200, "\(answer.body)")
                        #expect(answer.acknowledged == frozenBatches[index].ops.map(\.id.description))
                        #expect(answer.rejected.isEmpty)
                    }
                }
                let pulled = try await client.pullAll(hqToken)
                #expect(pulled.count == all.count && Set(pulled.map(\.id)) == Set(all.map(\.id)))
            }
            #expect(try harness.storage.store.allOperationIDs() == Set(all.map(\.id.description)))
            return
        }
        try await harness.app().test(.router) { client in
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

    @Test("pushes sharing one write transaction are answered one by one: one over its quota and one from another member's replica store nothing, the rest all")
    func groupedPushesFailAlone() async throws {
        let harness = try ServerHarness(quota: UsageQuota(operationsPerDay: 30, bytesPerDay: 0))
        let storage = harness.storage
        var batches: [(principal: Principal, batch: PushBatch, ops: [SyncOperation])] = []
        for index in 1...12 {
            let member = "m\(index)"
            let device = try Device("\(member)r", member: member)
            let ops = try device.record(World.caseWrites("c-\(member)", submitter: member, branch: "busan"))
            batches.append((Principal(memberID: member, role: .monitor), PushBatch(replica: ReplicaID(device.replica)!, items: ops.map { .operation($0) }), ops))
        }
        // m1's replica pushes first, alone, so that it belongs to m1.
        let first = try await storage.push(batches[0].batch, as: batches[0].principal, receivedAt: ServerHarness.startMilliseconds)
        #expect(first.acknowledged.count == batches[0].ops.count)
        // Then, all at once: m2 over the quota (35 operations), m3 pushing from m1's replica, and ten valid pushes.
        let big = try Device("bigr", member: "m2")
        var bigOps: [SyncOperation] = []
        for index in 1...5 { bigOps += try big.record(World.caseWrites("big-\(index)", submitter: "m2", branch: "busan")) }
        #expect(bigOps.count > 30)
        var jobs: [(String, Principal, PushBatch)] = [("quota", Principal(memberID: "m2", role: .monitor), PushBatch(replica: ReplicaID("bigr")!, items: bigOps.map { .operation($0) })),
                                                     ("foreign", Principal(memberID: "m3", role: .monitor), batches[0].batch)]
        for (index, entry) in batches.enumerated().dropFirst(2) { jobs.append(("ok\(index)", entry.principal, entry.batch)) }
        let frozen = jobs
        let results = await withTaskGroup(of: (String, Result<PushOutcome, any Error>).self) { group in
            for (name, principal, batch) in frozen {
                group.addTask {
                    do { return (name, .success(try await storage.push(batch, as: principal, receivedAt: ServerHarness.startMilliseconds))) }
                    catch { return (name, .failure(error)) }
                }
            }
            var all: [String: Result<PushOutcome, any Error>] = [:]
            for await (name, result) in group { all[name] = result }
            return all
        }
        guard case .failure(let quotaError)? = results["quota"] else { Issue.record("the push over the quota was stored"); return }
        #expect(quotaError is QuotaExceeded)
        guard case .failure(let foreignError as SyncError)? = results["foreign"] else { Issue.record("another member's replica pushed"); return }
        #expect(foreignError.code == .forbidden)
        for index in 2..<12 {
            guard case .success(let outcome)? = results["ok\(index)"] else { Issue.record("push \(index) failed: \(String(describing: results["ok\(index)"]))"); continue }
            #expect(outcome.acknowledged == batches[index].ops.map(\.id.description))
        }
        let stored = try storage.store.allOperationIDs()
        let expected = Set(([batches[0]] + batches.dropFirst(2)).flatMap(\.ops).map(\.id.description))
        #expect(stored == expected, "exactly the valid pushes were stored")
    }
}

/// Real HTTP to a live app through URLSession, waiting as long as a sync client would.
struct LiveHTTPClient: Sendable {
    let port: Int

    private func send(_ path: String, method: String, token: String, body: Data? = nil) async throws -> (Int, String) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!, timeoutInterval: 300)
        request.httpMethod = method
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        request.setValue("1", forHTTPHeaderField: "CivicSync-Protocol")
        if let body {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = body
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    func push(_ token: String, replica: String, _ operations: [SyncOperation]) async throws -> PushAnswer {
        let body = "{\"replica\":\"\(replica)\",\"operations\":[" + operations.map(\.canonicalJSON).joined(separator: ",") + "]}"
        let (status, text) = try await send("/v1/push", method: "POST", token: token, body: Data(body.utf8))
        var answer = PushAnswer(status: status, acknowledged: [], rejected: [:], reasons: [:], body: text)
        if status == 200 {
            let json = try parseJSON(text)
            answer.acknowledged = json.objectValue?["acknowledged"]?.arrayValue?.compactMap(\.stringValue) ?? []
            for item in json.objectValue?["rejected"]?.arrayValue ?? [] {
                let object = item.objectValue ?? [:]
                answer.rejected[object["id"]?.stringValue ?? "?"] = object["code"]?.stringValue
            }
        }
        return answer
    }

    func pullAll(_ token: String) async throws -> [SyncOperation] {
        var cursor: Int64 = 0, all: [SyncOperation] = []
        for _ in 0..<10_000 {
            let (status, text) = try await send("/v1/pull?cursor=\(cursor)&limit=100", method: "GET", token: token)
            #expect(status == 200, "\(text)")
            let json = try parseJSON(text).objectValue ?? [:]
            all += try (json["operations"]?.arrayValue ?? []).map { try SyncOperation(wire: $0) }
            cursor = json["cursor"]?.intValue ?? cursor
            if json["more"]?.boolValue != true { break }
        }
        return all
    }
}
