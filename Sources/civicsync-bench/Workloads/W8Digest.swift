import Foundation
import SyncCore
import FieldClient

/// W8: `GET /v1/digest` latency as a replica's `SyncClient` calls it, one call after another,
/// with an HQ token and a branch token, on the `--scale` server and on the `--large-scale`
/// one; the large/base ratio of the medians says whether the cost is flat in the state's size.
/// Also an empty pull at the head of the log, the other request every caught-up replica makes.
@MainActor
struct W8Digest {
    let options: Options
    static let latencyTarget = 5.0
    static let flatTarget = 1.5

    struct Series {
        var summary: LatencySummary
        var entities: Int?
    }

    func run(base: DemoServer, large: DemoServer) async throws -> WorkloadResult {
        var result = WorkloadResult(id: .w8, title: "GET /v1/digest latency, flat in the state's size")
        var series: [String: Series] = [:]
        for demo in [base, large] {
            for (scope, token) in [("HQ", demo.hqToken), ("branch \(demo.branch)", demo.branchToken)] {
                Log.progress("W8 digest, \(scope), scale \(demo.scale)")
                let measured = try await Self.series(demo: demo, token: token, calls: options.digestCalls, budget: options.digestSeconds)
                series["\(scope)@\(demo.scale)"] = measured
                let summary = measured.summary
                result.measures.append(Measure(
                    name: "\(scope), scale \(W3Merge.scaleText(demo.scale))",
                    figure: summary.text + (measured.entities.map { "; \(Format.count($0)) entities in scope" } ?? "")
                        + "; \(Format.count(demo.operations)) ops on the server",
                    p50Ms: summary.p50Ms, p99Ms: summary.p99Ms, target: "p50 < \(Int(Self.latencyTarget)) ms",
                    met: summary.p50Ms < Self.latencyTarget,
                    extra: summary.json + [("entities", measured.entities.map(JSONOut.int) ?? .null), ("scale", .number(demo.scale)),
                                           ("server_operations", .int(demo.operations))]))
            }
        }
        // An empty pull at the head of the log: what every caught-up replica pays each sync.
        var pulls: [String: LatencySummary] = [:]
        for demo in [base, large] {
            for (scope, token) in [("HQ", demo.hqToken), ("branch \(demo.branch)", demo.branchToken)] {
                Log.progress("W8 empty pull at the head, \(scope), scale \(demo.scale)")
                let summary = try await Self.headPulls(demo: demo, token: token, calls: options.digestCalls, budget: options.digestSeconds)
                pulls["\(scope)@\(demo.scale)"] = summary
                result.measures.append(Measure(
                    name: "empty pull at the head, \(scope), scale \(W3Merge.scaleText(demo.scale))",
                    figure: summary.text + "; \(Format.count(demo.operations)) ops on the server",
                    p50Ms: summary.p50Ms, p99Ms: summary.p99Ms, extra: summary.json + [("scale", .number(demo.scale))]))
            }
        }
        var worstFlat: Double = 0
        for scope in ["HQ", "branch \(base.branch)"] {
            guard let small = pulls["\(scope)@\(base.scale)"], let big = pulls["\(scope)@\(large.scale)"] else { continue }
            let ratio = big.p50Ms / small.p50Ms
            worstFlat = max(worstFlat, ratio)
            result.measures.append(Measure(
                name: "empty pull, \(scope): scale \(W3Merge.scaleText(large.scale)) / scale \(W3Merge.scaleText(base.scale))",
                figure: "p50 \(Format.ms(big.p50Ms)) vs \(Format.ms(small.p50Ms))",
                ratio: ratio, target: "<= \(Self.flatTarget)x (flat)", met: ratio <= Self.flatTarget))
        }
        for scope in ["HQ", "branch \(base.branch)"] {
            guard let small = series["\(scope)@\(base.scale)"], let big = series["\(scope)@\(large.scale)"] else { continue }
            let ratio = big.summary.p50Ms / small.summary.p50Ms
            worstFlat = max(worstFlat, ratio)
            result.measures.append(Measure(
                name: "\(scope): scale \(W3Merge.scaleText(large.scale)) / scale \(W3Merge.scaleText(base.scale))",
                figure: "p50 \(Format.ms(big.summary.p50Ms)) vs \(Format.ms(small.summary.p50Ms)) for \(Format.count(Double(large.operations) / Double(max(1, base.operations)))) times the operations",
                ratio: ratio, target: "<= \(Self.flatTarget)x (flat)", met: ratio <= Self.flatTarget))
        }
        for demo in [base, large] {
            result.measures.append(Measure(
                name: "syncserver generate --scale \(W3Merge.scaleText(demo.scale))",
                figure: "\(Format.count(Double(demo.operations) / demo.generateSeconds)) ops/s: \(Format.count(demo.operations)) operations in \(Format.seconds(demo.generateSeconds)) (process start included)",
                perSecond: Double(demo.operations) / demo.generateSeconds,
                extra: [("operations", .int(demo.operations)), ("seconds", .number(demo.generateSeconds))]))
        }
        result.ratio = worstFlat
        result.p99Ms = result.measures.compactMap(\.p99Ms).max()
        result.notes.append("each series: \(options.digestCalls) calls one after another (fewer if \(Format.seconds(options.digestSeconds)) ran out), after 3 unmeasured; "
                            + "SyncClient.serverDigest() with HQ token and a branch token (seoul, the largest branch); HTTP: "
                            + "URLSessionTransport, one session per client, as field sync"
                            + "; headline ratio: the worse flatness ratio, p99_ms: the worst p99")
        return result
    }

    /// Pulls at the head of the log (cursor = the last position, protocol 2), one after another.
    static func headPulls(demo: DemoServer, token: String, calls: Int, budget: Double) async throws -> LatencySummary {
        let book = LatencyBook()
        let statuses = StatusCounter()
        let transport = TimedTransport.make(baseURL: demo.server.baseURL, book: book, statuses: statuses)
        // The head: HQ pulls from the generated operations to the end (others wrote a few since).
        var head = "\(demo.operations)"
        while true {
            let answer = try await transport.inner.send(TransportRequest(method: "GET", path: "/v1/pull?cursor=\(head)&limit=5000", headers: [
                "Authorization": "Bearer \(demo.hqToken)", "CivicSync-Protocol": String(SyncClient.protocolVersion), "Accept": "application/json"]))
            guard answer.status == 200, let object = try? JSONParser.parse(answer.body).objectValue,
                  let cursor = object["cursor"]?.stringValue, let more = object["more"]?.boolValue else {
                throw BenchError("HQ's pull to the head answered \(answer.status)")
            }
            head = cursor
            if !more { break }
        }
        let request = TransportRequest(method: "GET", path: "/v1/pull?cursor=\(head)&limit=500", headers: [
            "Authorization": "Bearer \(token)", "CivicSync-Protocol": String(SyncClient.protocolVersion), "Accept": "application/json"])
        let warm = TimedTransport(inner: transport.inner, book: LatencyBook(), statuses: statuses)
        for _ in 0..<3 {
            let answer = try await warm.send(request)
            guard answer.status == 200, let object = try? JSONParser.parse(answer.body).objectValue,
                  object["operations"]?.arrayValue?.isEmpty == true, object["more"]?.boolValue == false else {
                throw BenchError("a pull at the head answered \(answer.status): \(String(decoding: answer.body.prefix(200), as: UTF8.self))")
            }
        }
        let start = Timing.now()
        for _ in 0..<calls {
            _ = try await transport.send(request)
            if Timing.since(start) > budget { break }
        }
        guard statuses.total == 0 else { throw BenchError("pulls answered \(statuses.snapshot)") }
        guard let summary = await book.summary("pull") else { throw BenchError("no pull was timed") }
        return summary
    }

    static func series(demo: DemoServer, token: String, calls: Int, budget: Double) async throws -> Series {
        let book = LatencyBook()
        let statuses = StatusCounter()
        let store = try ReplicaStore.inMemory(ReplicaID("digestprobe")!, wallClock: SystemWallClock(), schema: .civic)
        var settings = SyncSettings(serverURL: demo.server.baseURL.absoluteString, token: token)
        settings.retries = 0
        let transport = TimedTransport.make(baseURL: demo.server.baseURL, book: LatencyBook(), statuses: statuses)
        let warm = SyncClient(store: store, transport: transport, settings: settings, wallClock: SystemWallClock())
        for _ in 0..<3 { _ = try await warm.serverDigest() }
        // How many entities the scope covers (the answer says; SyncClient keeps only the digest).
        var entities: Int?
        let answer = try await transport.send(TransportRequest(method: "GET", path: "/v1/digest", headers: [
            "Authorization": "Bearer \(token)", "CivicSync-Protocol": String(SyncClient.protocolVersion), "Accept": "application/json"]))
        if answer.status == 200, let object = try? JSONParser.parse(answer.body).objectValue {
            entities = object["entities"]?.intValue.map(Int.init)
        }
        let timed = SyncClient(store: store, transport: TimedTransport(inner: transport.inner, book: book, statuses: statuses),
                               settings: settings, wallClock: SystemWallClock())
        let start = Timing.now()
        for _ in 0..<calls {
            _ = try await timed.serverDigest()
            if Timing.since(start) > budget { break }
        }
        guard statuses.total == 0 else { throw BenchError("digest calls answered \(statuses.snapshot)") }
        guard let summary = await book.summary("digest") else { throw BenchError("no digest call was timed") }
        return Series(summary: summary, entities: entities)
    }
}
