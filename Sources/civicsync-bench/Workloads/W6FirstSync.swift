import Foundation
import SyncCore
import FieldClient

/// W6: a fresh HQ replica (a file, as `field init` makes it) syncs for the first time with a
/// server holding the `--scale` demo data set: its whole state over HTTP, end to end.
struct W6FirstSync {
    static let target = 100_000.0

    static func result(_ sync: FirstSync, demo: DemoServer) -> WorkloadResult {
        var result = WorkloadResult(id: .w6, title: "a fresh HQ replica's first sync of the scale \(W3Merge.scaleText(demo.scale)) data set")
        let report = sync.report
        let rate = Double(report.pulled) / sync.seconds
        result.measures.append(Measure(
            name: "first sync, end to end",
            figure: "\(Format.count(rate)) ops/s: \(Format.count(report.pulled)) operations in \(Format.seconds(sync.seconds)) "
                + "(push and pull \(Format.seconds(sync.pullSeconds)), digest check \(Format.seconds(sync.seconds - sync.pullSeconds))); "
                + "converged: \(report.converged.map { $0 ? "yes" : "NO" } ?? "not compared")",
            perSecond: rate, target: ">= \(Format.count(Self.target)) ops/s", met: rate >= Self.target && report.converged == true,
            extra: [("pulled", .int(report.pulled)), ("seconds", .number(sync.seconds)), ("pull_seconds", .number(sync.pullSeconds)),
                    ("requests", .int(report.batches)), ("converged", report.converged.map(JSONOut.bool) ?? .null),
                    ("server_cpu_seconds", sync.serverCPU.map(JSONOut.number) ?? .null),
                    ("bench_cpu_seconds", sync.ownCPU.map(JSONOut.number) ?? .null)]))
        if let pull = sync.latencies["pull"] {
            result.measures.append(Measure(name: "pull page latency", figure: pull.text, p50Ms: pull.p50Ms, p99Ms: pull.p99Ms, extra: pull.json))
        }
        if let digest = sync.latencies["digest"] {
            result.measures.append(Measure(name: "digest call", figure: digest.text, p50Ms: digest.p50Ms, p99Ms: digest.p99Ms, extra: digest.json))
        }
        result.perSecond = rate
        result.p99Ms = sync.latencies["pull"]?.p99Ms
        result.notes.append("server: syncserver generate --scale \(W3Merge.scaleText(demo.scale)) --seed 1 (\(Format.count(demo.operations)) operations), "
                            + "serve \(DemoServer.serveFlags.joined(separator: " ")); replica: FieldReplica file (WAL, synchronous FULL), HQ token, "
                            + "SyncClient.sync() with field's default settings (pull pages of 500); HTTP: "
                            + "URLSessionTransport, one session per client, as field sync")
        if let serverCPU = sync.serverCPU, let ownCPU = sync.ownCPU {
            result.notes.append(String(format: "CPU during the sync: server %.1f s, benchmark process (replica, HTTP client) %.1f s, over %.1f s of wall time",
                                       serverCPU, ownCPU, sync.seconds))
        }
        return result
    }
}
