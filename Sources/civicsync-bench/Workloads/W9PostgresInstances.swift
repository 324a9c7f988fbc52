import Foundation
import ScratchPostgres

/// W9: W5's concurrent replicas against the PostgreSQL store: one instance, then two
/// instances on one database (replicas split between them), each beside the embedded SQLite
/// server measured in the same run. Every process shares this machine's cores, so the targets
/// are about overhead, not speed-up: one PostgreSQL instance at least half the SQLite rate,
/// two instances at least one's, no errors.
@MainActor
struct W9PostgresInstances {
    let options: Options
    let workspace: Workspace
    let binary: URL
    static let oneInstanceTarget = 0.5
    static let twoInstancesTarget = 1.0

    func run() async throws -> WorkloadResult {
        var result = WorkloadResult(id: .w9, title: "\(options.replicas) concurrent replicas: SQLite, PostgreSQL with 1 and 2 instances")
        let w5 = W5ConcurrentReplicas(options: options, workspace: workspace, binary: binary)
        Log.progress("W9 starting a throw-away PostgreSQL cluster")
        let cluster = try ScratchPostgres()
        defer { cluster.stop() }

        var runs: [(label: String, result: WorkloadResult)] = []
        for (label, instances) in [("SQLite, 1 instance", 0), ("PostgreSQL, 1 instance", 1), ("PostgreSQL, 2 instances", 2)] {
            Log.progress("W9 \(label)")
            let url = instances > 0 ? try cluster.createDatabase() : nil
            var servers: [ServerProcess] = []
            for index in 0..<max(1, instances) {
                servers.append(ServerProcess(binary: binary, dataDirectory: try workspace.directory("w9-\(instances)-\(index)"), databaseURL: url))
            }
            defer { for server in servers { server.stop() } }
            runs.append((label, try await w5.run(on: servers, result: WorkloadResult(id: .w9, title: label))))
        }
        func figure(_ run: WorkloadResult) -> (rate: Double, p99: Double?, errors: Int, converged: Bool) {
            let errors = run.measures.first { $0.name == "errors" }?.met == true ? 0 : 1
            let converged = run.measures.first { $0.name == "converged after a quiet sync" }?.met == true
            return (run.perSecond ?? 0, run.p99Ms, errors, converged)
        }
        let sqlite = figure(runs[0].result), one = figure(runs[1].result), two = figure(runs[2].result)
        for (label, run) in runs {
            let measured = figure(run)
            let errors = run.measures.first { $0.name == "errors" }?.figure ?? "?"
            result.measures.append(Measure(
                name: label,
                figure: "\(Format.count(measured.rate)) ops/s, push p99 \(measured.p99.map { String(format: "%.0f ms", $0) } ?? "-"), errors \(errors)",
                perSecond: measured.rate, p99Ms: measured.p99, target: "0 errors, all converged",
                met: measured.errors == 0 && measured.converged))
        }
        let oneRatio = sqlite.rate > 0 ? one.rate / sqlite.rate : 0
        let twoRatio = one.rate > 0 ? two.rate / one.rate : 0
        result.measures.append(Measure(name: "PostgreSQL 1 instance vs SQLite", figure: String(format: "%.2fx", oneRatio), ratio: oneRatio,
                                       target: ">= \(Self.oneInstanceTarget)x", met: oneRatio >= Self.oneInstanceTarget))
        result.measures.append(Measure(name: "PostgreSQL 2 instances vs 1", figure: String(format: "%.2fx", twoRatio), ratio: twoRatio,
                                       target: ">= \(Self.twoInstancesTarget)x", met: twoRatio >= Self.twoInstancesTarget))
        result.ratio = oneRatio
        result.perSecond = two.rate
        result.p99Ms = two.p99
        for (label, run) in runs { result.notes += run.notes.map { "\(label): \($0)" } }
        result.notes.append("PostgreSQL: a throw-away cluster on this machine (ScratchPostgres: fsync, synchronous commit and full-page writes off), "
                            + "a new database per configuration; instances run `syncserver serve --database-url …`, each with its own working copy")
        return result
    }
}
