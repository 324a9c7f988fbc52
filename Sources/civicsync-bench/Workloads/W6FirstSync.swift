import Foundation
import SyncCore
import FieldClient

/// W6: a fresh HQ replica (a file, as `field init` makes it) syncs for the first time with a
/// server holding the `--scale` demo data set: its whole state over HTTP, end to end. Issue 13:
/// through a snapshot (whole entities, nothing merged), against the same sync replaying the log
/// (the baseline, in the same run); and the same snapshot bootstrap from the `--large-scale`
/// server.
struct W6FirstSync {
    /// Operations the snapshot carries per second, end to end (issue 13).
    static let target = 300_000.0
    /// The large server's bootstrap, in seconds (issue 13: scale 10 under 15 s).
    static let largeTarget = 15.0

    static func result(_ sync: FirstSync, replay: FirstSync?, plainReplay: FirstSync? = nil, large: (sync: FirstSync, demo: DemoServer)?,
                       compacted: FirstSync? = nil, demo: DemoServer) -> WorkloadResult {
        var result = WorkloadResult(id: .w6, title: "a fresh HQ replica's first sync of the scale \(W3Merge.scaleText(demo.scale)) data set")
        let report = sync.report
        let carried = report.snapshotOperations + report.pulled
        let rate = Double(carried) / sync.seconds
        var extra: [(String, JSONOut)] = [
            ("snapshot_operations", .int(report.snapshotOperations)), ("snapshot_entities", .int(report.snapshotEntities)),
            ("pulled", .int(report.pulled)), ("seconds", .number(sync.seconds)), ("requests", .int(report.batches)),
            ("converged", report.converged.map(JSONOut.bool) ?? .null),
            ("server_cpu_seconds", sync.serverCPU.map(JSONOut.number) ?? .null),
            ("bench_cpu_seconds", sync.ownCPU.map(JSONOut.number) ?? .null)]
        var ratio: Double?
        var against = ""
        if let replay {
            let replayRate = Double(replay.report.pulled) / replay.seconds
            ratio = rate / replayRate
            against = String(format: "; %.1fx the same sync replaying the log (%@ ops/s, %@)", ratio!, Format.count(replayRate),
                             Format.seconds(replay.seconds))
            extra.append(("replay_seconds", .number(replay.seconds)))
            extra.append(("replay_ops_per_second", .number(replayRate)))
        }
        result.measures.append(Measure(
            name: "first sync through a snapshot, end to end",
            figure: "\(Format.count(rate)) ops-equivalent/s: \(Format.count(carried)) operations (\(Format.count(report.snapshotEntities)) entities) "
                + "in \(Format.seconds(sync.seconds)) (snapshot and pull \(Format.seconds(sync.pullSeconds)), digest check "
                + "\(Format.seconds(sync.seconds - sync.pullSeconds)))\(against); converged: \(report.converged.map { $0 ? "yes" : "NO" } ?? "not compared")",
            ratio: ratio, perSecond: rate, target: ">= \(Format.count(Self.target)) ops/s",
            met: rate >= Self.target && report.converged == true, extra: extra))
        if let replay, let plainReplay, let compressed = replay.wireBytes, let plain = plainReplay.wireBytes, compressed > 0 {
            // Issue 14: the bytes a first sync moves over the network, gzip against none.
            let operations = Double(max(1, replay.report.pulled))
            let snapshotWire = sync.wireBytes.map { String(format: "; the snapshot sync: %@ on the wire for %@ produced", Format.bytes(Int($0)), Format.bytes(Int(sync.answerBytes ?? 0))) } ?? ""
            result.measures.append(Measure(
                name: "bytes on the wire, replaying the log (issue 14)",
                figure: String(format: "gzip: %.0f bytes per operation (%@ in all, %@), without compression: %.0f bytes per operation (%@, %@): %.1fx fewer bytes",
                               compressed / operations, Format.bytes(Int(compressed)), Format.seconds(replay.seconds),
                               plain / operations, Format.bytes(Int(plain)), Format.seconds(plainReplay.seconds), plain / compressed) + snapshotWire,
                ratio: plain / compressed, perSecond: operations / replay.seconds,
                extra: [("compressed_bytes", .number(compressed)), ("plain_bytes", .number(plain)),
                        ("compressed_seconds", .number(replay.seconds)), ("plain_seconds", .number(plainReplay.seconds)),
                        ("snapshot_wire_bytes", sync.wireBytes.map(JSONOut.number) ?? .null),
                        ("snapshot_answer_bytes", sync.answerBytes.map(JSONOut.number) ?? .null)]))
        }
        if let compacted {
            // The history the replica ends up with is the whole data set's: its rate is counted
            // on those operations, the ones the snapshot carried beside it.
            let carriedCompacted = compacted.report.snapshotOperations + compacted.report.pulled
            let history = Double(demo.operations) / compacted.seconds
            result.measures.append(Measure(
                name: "the same from a compacted server (issue 13)",
                figure: "\(Format.count(history)) ops-equivalent/s of history: the state of \(Format.count(demo.operations)) operations "
                    + "in \(Format.seconds(compacted.seconds)), \(Format.count(carriedCompacted)) operations carried (older ones compacted); "
                    + String(format: "%.1fx the replay; ", history / (replay.map { Double($0.report.pulled) / $0.seconds } ?? history))
                    + "converged: \(compacted.report.converged.map { $0 ? "yes" : "NO" } ?? "not compared")",
                ratio: replay.map { history / (Double($0.report.pulled) / $0.seconds) }, perSecond: history,
                extra: [("seconds", .number(compacted.seconds)), ("carried", .int(carriedCompacted)),
                        ("converged", compacted.report.converged.map(JSONOut.bool) ?? .null)]))
        }
        if let large {
            let carriedLarge = large.sync.report.snapshotOperations + large.sync.report.pulled
            result.measures.append(Measure(
                name: "HQ bootstrap of the scale \(W3Merge.scaleText(large.demo.scale)) data set",
                figure: "\(Format.seconds(large.sync.seconds)) for \(Format.count(carriedLarge)) operations "
                    + "(\(Format.count(Double(carriedLarge) / large.sync.seconds)) ops-equivalent/s); converged: "
                    + "\(large.sync.report.converged.map { $0 ? "yes" : "NO" } ?? "not compared")",
                perSecond: Double(carriedLarge) / large.sync.seconds, target: "< \(Int(Self.largeTarget)) s",
                met: large.sync.seconds < Self.largeTarget && large.sync.report.converged == true,
                extra: [("seconds", .number(large.sync.seconds)), ("operations", .int(carriedLarge))]))
        }
        for label in ["snapshot", "pull", "digest"] {
            if let latency = sync.latencies[label] {
                result.measures.append(Measure(name: "\(label) request latency", figure: latency.text, p50Ms: latency.p50Ms,
                                               p99Ms: latency.p99Ms, extra: latency.json))
            }
        }
        result.perSecond = rate
        result.p99Ms = sync.latencies["snapshot"]?.p99Ms
        result.notes.append("server: syncserver generate --scale \(W3Merge.scaleText(demo.scale)) --seed 1 (\(Format.count(demo.operations)) operations), "
                            + "serve \(DemoServer.serveFlags.joined(separator: " ")); replica: FieldReplica file (WAL, synchronous FULL), HQ token, "
                            + "SyncClient.sync() with field's default settings (a snapshot file in chunks of 8 MB; the baseline: "
                            + "the same sync with snapshots off, pull pages of 500); HTTP: URLSessionTransport, one session per client, as field sync")
        if let serverCPU = sync.serverCPU, let ownCPU = sync.ownCPU {
            result.notes.append(String(format: "CPU during the snapshot sync: server %.1f s, benchmark process (replica, HTTP client) %.1f s, over %.1f s of wall time",
                                       serverCPU, ownCPU, sync.seconds))
        }
        return result
    }
}
