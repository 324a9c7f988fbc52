import Foundation
import SyncCore
import CivilAffairs
import FieldClient

/// W5: `--replicas` in-process replicas (FieldClient, each its own in-memory replica and its
/// own token) against one real `syncserver` on loopback. Each makes `--ops-per-sync` local
/// changes, then syncs as `field sync` does (push, pull, digest), `--syncs` times, all at once.
/// Monitors edit and comment their own cases; branch staff re-prioritise and retitle the
/// cases of their branch they pulled (so some writes race the monitors').
@MainActor
struct W5ConcurrentReplicas {
    let options: Options
    let workspace: Workspace
    let binary: URL
    static let rateTarget = 10_000.0
    static let p99Target = 100.0

    /// The server's flags: no per-token rate limit and no daily quotas (the benchmark would
    /// otherwise measure the limits), less logging.
    static let serveFlags = ["--rate-limit", "0", "--quota-operations", "0", "--quota-bytes", "0", "--log-level", "warning"]

    struct Participant: Sendable {
        var index: Int
        var replica: FieldReplica
        var role: Role
        var branch: String
        var ownCases: [String]
        var inner: any SyncTransport
    }

    func run() async throws -> WorkloadResult {
        let server = ServerProcess(binary: binary, dataDirectory: try workspace.directory("w5-server"))
        defer { server.stop() }
        return try await run(on: [server], result: WorkloadResult(id: .w5, title: "\(options.replicas) concurrent replicas against one syncserver"))
    }

    /// The workload against `servers`: instances of one store (the first issues the tokens),
    /// replica i talking to instance i mod n.
    func run(on servers: [ServerProcess], result: WorkloadResult) async throws -> WorkloadResult {
        var result = result
        let server = servers[0]

        // Tokens: one per replica, each for its own member.
        Log.progress("W5 issuing \(options.replicas) tokens (one syncserver process each)")
        let branches = DataSetGenerator.branches
        let staffCount = min(branches.count, max(1, options.replicas / 8))
        var specs: [(member: String, role: Role, branch: String, token: String)] = []
        let tokenSeconds = try Timing.seconds {
            for index in 0..<options.replicas {
                let staff = index < staffCount
                let branch = branches[index % staffCount]
                let member = staff ? "bench-staff-\(branch)" : "bench-mon-\(index)"
                let token = try server.issueToken(member: member, role: staff ? "branch" : "monitor", branch: staff ? branch : nil)
                specs.append((member, staff ? .branch : .monitor, branch, token))
            }
        }
        for instance in servers { try instance.start(flags: Self.serveFlags) }

        // Replicas, their cases, and a first sync each (not timed).
        Log.progress("W5 creating \(options.replicas) replicas and syncing each once")
        var participants: [Participant] = []
        for (index, spec) in specs.enumerated() {
            let replica = try FieldReplica.createInMemory(
                setup: .init(memberID: spec.member, name: "Bench \(spec.member)", role: spec.role, branch: spec.branch),
                wallClock: SystemWallClock(), ids: SystemIDSource())
            let url = servers[index % servers.count].baseURL
            var settings = SyncSettings(serverURL: url.absoluteString, token: spec.token)
            settings.retries = 0   // an error is an error: counted, not retried away
            try replica.setRemote(settings)
            var own: [String] = []
            if spec.role == .monitor {
                for n in 0..<2 {
                    own.append(try replica.createCase(NewCase(
                        title: "Bench case \(n) of \(spec.member)", body: "Suppliers wait weeks for bid bond refunds",
                        area: Domain.areas[(index + n) % Domain.areas.count], cause: Domain.causes[(index + n) % Domain.causes.count])).id)
                }
            }
            let inner: any SyncTransport = URLSessionTransport(baseURL: url, timeout: 120)
            participants.append(Participant(index: index, replica: replica, role: spec.role, branch: spec.branch, ownCases: own, inner: inner))
        }
        let setupBook = LatencyBook()
        let setupStatuses = StatusCounter()
        let setup = await Self.syncAll(participants, book: setupBook, statuses: setupStatuses, rounds: 1, opsPerSync: 0)
        // Staff pull the monitors' cases before the timed part.
        _ = await Self.syncAll(participants.filter { $0.role == .branch }, book: setupBook, statuses: setupStatuses, rounds: 1, opsPerSync: 0)
        if setup.errors > 0 {
            result.notes.append("setup: \(setup.errors) sync errors, e.g. \(setup.errorSamples.first ?? "")")
        }

        // The timed part.
        Log.progress("W5 \(options.replicas) replicas × \(options.syncs) syncs of \(options.opsPerSync) operations")
        let book = LatencyBook()
        let statuses = StatusCounter()
        func serversCPU() -> Double? {
            let each = servers.compactMap(\.cpuSeconds)
            return each.count == servers.count ? each.reduce(0, +) : nil
        }
        let serverCPU0 = serversCPU(), ownCPU0 = CPUTime.ownSeconds()
        let start = Timing.now()
        let tally = await Self.syncAll(participants, book: book, statuses: statuses, rounds: options.syncs, opsPerSync: options.opsPerSync)
        let seconds = Timing.since(start)
        let serverCPU = serversCPU().flatMap { now in serverCPU0.map { now - $0 } }
        let ownCPU = CPUTime.ownSeconds().flatMap { now in ownCPU0.map { now - $0 } }

        // A last, quiet sync: everyone must then show the server's digest.
        Log.progress("W5 final sync of every replica")
        let finalTally = await Self.syncAll(participants, book: LatencyBook(), statuses: StatusCounter(), rounds: 1, opsPerSync: 0)

        let rate = Double(tally.acknowledged) / seconds
        let push = await book.summary("push"), pull = await book.summary("pull"), digest = await book.summary("digest")
        let sync = await book.summary("sync")
        let errors = tally.errors + tally.rejected + tally.localErrors + statuses.total
        result.measures.append(Measure(
            name: "acknowledged operations",
            figure: "\(Format.count(rate)) ops/s: \(Format.count(tally.acknowledged)) acknowledged in \(Format.seconds(seconds)), \(Format.count(tally.pulled)) pulled",
            perSecond: rate, target: ">= \(Format.count(Self.rateTarget)) ops/s", met: rate >= Self.rateTarget,
            extra: [("acknowledged", .int(tally.acknowledged)), ("pulled", .int(tally.pulled)), ("seconds", .number(seconds)),
                    ("syncs", .int(tally.syncs))]))
        if let push {
            result.measures.append(Measure(name: "push latency", figure: push.text, p50Ms: push.p50Ms, p99Ms: push.p99Ms,
                                           target: "p99 < \(Int(Self.p99Target)) ms", met: push.p99Ms < Self.p99Target, extra: push.json))
        }
        for (label, summary) in [("pull latency (each page)", pull), ("digest latency", digest), ("whole sync", sync)] {
            if let summary {
                result.measures.append(Measure(name: label, figure: summary.text, p50Ms: summary.p50Ms, p99Ms: summary.p99Ms, extra: summary.json))
            }
        }
        var errorText = "\(errors): \(tally.errors) failed syncs, \(tally.rejected) rejected operations, \(tally.localErrors) local edit errors, "
            + "\(statuses.total) non-2xx answers"
        if !statuses.snapshot.isEmpty { errorText += " (" + statuses.snapshot.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + ")" }
        if let sample = tally.errorSamples.first { errorText += "; e.g. \(sample)" }
        result.measures.append(Measure(name: "errors", figure: errorText, target: "0", met: errors == 0,
                                       extra: [("errors", .int(errors)), ("failed_syncs", .int(tally.errors)),
                                               ("rejected", .int(tally.rejected)), ("local_errors", .int(tally.localErrors)),
                                               ("non_2xx", .int(statuses.total))]))
        result.measures.append(Measure(
            name: "converged after a quiet sync",
            figure: "\(finalTally.converged) of \(participants.count) replicas show the server's digest"
                + (finalTally.errors > 0 ? "; \(finalTally.errors) final syncs failed" : ""),
            target: "all", met: finalTally.converged == participants.count && finalTally.errors == 0,
            extra: [("converged", .int(finalTally.converged)), ("replicas", .int(participants.count))]))
        result.perSecond = rate
        result.p99Ms = push?.p99Ms
        result.notes.append("server: \(binary.path) serve \(Self.serveFlags.joined(separator: " ")) (no rate limit, no quotas); "
                            + "\(options.replicas) tokens, one per member (\(staffCount) branch staff, \(options.replicas - staffCount) monitors), "
                            + "issued in \(Format.seconds(tokenSeconds))")
        result.notes.append("each replica: in memory, \(options.syncs) × (\(options.opsPerSync) local operations, one per transaction, then SyncClient.sync(): "
                            + "push, pull, digest, retries off); HTTP: URLSessionTransport, one session per replica (connections reused), as field sync")
        if let serverCPU, let ownCPU {
            result.notes.append(String(format: "CPU during the timed part: server(s) %.1f s, benchmark process (replicas, HTTP client) %.1f s, over %.1f s of wall time on %d cores",
                                       serverCPU, ownCPU, seconds, ProcessInfo.processInfo.activeProcessorCount))
        }
        return result
    }

    /// What a set of syncs did.
    struct Tally: Sendable {
        var syncs = 0
        var acknowledged = 0
        var pulled = 0
        var rejected = 0
        var errors = 0
        var localErrors = 0
        var converged = 0
        var errorSamples: [String] = []

        mutating func add(_ other: Tally) {
            syncs += other.syncs
            acknowledged += other.acknowledged
            pulled += other.pulled
            rejected += other.rejected
            errors += other.errors
            localErrors += other.localErrors
            converged += other.converged
            errorSamples += other.errorSamples.prefix(max(0, 3 - errorSamples.count))
        }
    }

    /// Every participant, at once: `rounds` × (local operations, then a sync).
    nonisolated static func syncAll(_ participants: [Participant], book: LatencyBook, statuses: StatusCounter,
                                    rounds: Int, opsPerSync: Int) async -> Tally {
        await withTaskGroup(of: Tally.self) { group in
            for participant in participants {
                group.addTask {
                    var tally = Tally()
                    for round in 0..<rounds {
                        if opsPerSync > 0 {
                            do {
                                try localOperations(participant, round: round, count: opsPerSync)
                            } catch {
                                tally.localErrors += 1
                                if tally.errorSamples.count < 3 { tally.errorSamples.append("local: \(error)") }
                            }
                        }
                        let transport = TimedTransport(inner: participant.inner, book: book, statuses: statuses)
                        let start = Timing.now()
                        do {
                            let client = try participant.replica.syncClient(transport: transport)
                            let report = try await client.sync()
                            await book.record("sync", seconds: Timing.since(start))
                            tally.syncs += 1
                            tally.acknowledged += report.acknowledged
                            tally.pulled += report.pulled
                            tally.rejected += report.rejected.count
                            if report.converged == true { tally.converged += 1 }
                            if let first = report.rejected.first, tally.errorSamples.count < 3 {
                                tally.errorSamples.append("rejected \(first.code): \(first.reason)")
                            }
                        } catch {
                            tally.errors += 1
                            if tally.errorSamples.count < 3 { tally.errorSamples.append("sync: \(error)") }
                        }
                    }
                    return tally
                }
            }
            var total = Tally()
            for await tally in group { total.add(tally) }
            return total
        }
    }

    /// `count` local changes, each its own transaction as a person's commands are.
    nonisolated static func localOperations(_ participant: Participant, round: Int, count: Int) throws {
        let replica = participant.replica
        switch participant.role {
        case .monitor, .expert:
            // (The benchmark's participants are HQ, branches and monitors; experts comment alike.)
            for j in 0..<count {
                let caseID = participant.ownCases[(round * count + j) % participant.ownCases.count]
                switch j % 4 {
                case 3: try replica.comment(caseID, "Still waiting (round \(round), note \(j))")
                case 1: try replica.editCase(caseID, CaseEdit(body: "Suppliers wait \(30 + round) days for bid bond refunds (\(j))"))
                default: try replica.editCase(caseID, CaseEdit(title: "Bid bond refunds are slow (round \(round), edit \(j))"))
                }
            }
        case .branch, .hq:
            let cases = try replica.cases(CaseFilter(branch: participant.branch))
            guard !cases.isEmpty else {
                try replica.createCase(NewCase(title: "Staff case", body: "Opened at the desk", area: Domain.areas[0], cause: Domain.causes[0]))
                return
            }
            for j in 0..<count {
                let target = cases[(round * count + j) % cases.count].id
                if j % 5 == 4 {
                    try replica.editCase(target, CaseEdit(title: "Reviewed at the branch (round \(round), edit \(j))"))
                } else {
                    try replica.editCase(target, CaseEdit(priority: (round + j) % 10))
                }
            }
        }
    }
}
