import Foundation

/// Runs the chosen workloads in order, sharing what they can (the demo servers, W6's
/// replica), and removes every temporary file at the end.
@MainActor
final class Suite {
    let options: Options
    let workspace: Workspace
    private var binary: URL?
    private var demo: DemoServer?
    private var firstSync: FirstSync?

    init(options: Options) throws {
        self.options = options
        workspace = try Workspace()
    }

    func syncserver() throws -> URL {
        if let binary { return binary }
        let found = try ServerProcess.locate(options.syncserver)
        binary = found
        return found
    }

    /// The `--scale` demo server, made once.
    func demoServer() throws -> DemoServer {
        if let demo { return demo }
        let made = try DemoServer.make(binary: syncserver(), workspace: workspace, scale: options.scale)
        demo = made
        return made
    }

    /// W6's first sync, made once (W7 measures the replica it leaves).
    func hqFirstSync() async throws -> FirstSync {
        if let firstSync { return firstSync }
        let demo = try demoServer()
        Log.progress("W6 a fresh HQ replica's first sync of \(Format.count(demo.operations)) operations")
        let made = try await FirstSync.run(demo, workspace: workspace)
        firstSync = made
        return made
    }

    func run() async -> [WorkloadResult] {
        var results: [WorkloadResult] = []
        defer { cleanUp() }
        if options.workloads.contains(where: \.needsServer) {
            do { _ = try syncserver() } catch {
                // Fail early, before minutes of other workloads.
                return options.workloads.map { WorkloadResult(id: $0, title: "not run", failure: "\(error)") }
            }
        }
        for id in options.workloads {
            let start = Timing.now()
            var result: WorkloadResult
            do {
                result = try await run(id)
            } catch {
                result = WorkloadResult(id: id, title: "could not run", failure: "\(error)")
                Log.progress("\(id.rawValue) failed: \(error)")
            }
            result.seconds = Timing.since(start)
            Log.progress("\(id.rawValue) done in \(Format.seconds(result.seconds))")
            results.append(result)
        }
        return results
    }

    private func run(_ id: WorkloadID) async throws -> WorkloadResult {
        switch id {
        case .w1: return try W1LocalEdits(options: options, workspace: workspace).run()
        case .w2: return try W2SingleEditCommits(options: options, workspace: workspace).run()
        case .w3: return try W3Merge(options: options, workspace: workspace).run()
        case .w4: return try W4MessyDelivery(options: options, workspace: workspace).run()
        case .w5: return try await W5ConcurrentReplicas(options: options, workspace: workspace, binary: syncserver()).run()
        case .w9: return try await W9PostgresInstances(options: options, workspace: workspace, binary: syncserver()).run()
        case .w6:
            let sync = try await hqFirstSync()
            let demo = try demoServer()
            Log.progress("W6 the same first sync replaying the log (the baseline)")
            let replay = try await FirstSync.run(demo, workspace: workspace, snapshots: false, name: "hq-replay")
            // Issue 14: the same replay with nothing compressed, for the bytes on the wire.
            Log.progress("W6 the same replay without compression")
            let plainReplay = try await FirstSync.run(demo, workspace: workspace, snapshots: false, compression: false, name: "hq-replay-plain")
            try? FileManager.default.removeItem(atPath: plainReplay.path)
            var large: (FirstSync, DemoServer)?
            if options.largeScale > options.scale {
                // One server at a time beside the benchmark: the base one is idle meanwhile.
                let big = try DemoServer.make(binary: syncserver(), workspace: workspace, scale: options.largeScale)
                defer {
                    big.stop()
                    try? FileManager.default.removeItem(atPath: big.server.dataDirectory)
                }
                Log.progress("W6 a fresh HQ replica's snapshot of \(Format.count(big.operations)) operations")
                let bootstrap = try await FirstSync.run(big, workspace: workspace, name: "hq-large")
                try? FileManager.default.removeItem(atPath: bootstrap.path)
                large = (bootstrap, big)
            }
            // Issue 13: the same first sync from a compacted copy of the server.
            let compactedServer = try DemoServer.compactedCopy(of: demo, binary: syncserver(), workspace: workspace)
            defer {
                compactedServer.stop()
                try? FileManager.default.removeItem(atPath: compactedServer.server.dataDirectory)
            }
            Log.progress("W6 the same first sync from a compacted server")
            let compacted = try await FirstSync.run(compactedServer, workspace: workspace, name: "hq-compacted")
            try? FileManager.default.removeItem(atPath: compacted.path)
            return W6FirstSync.result(sync, replay: replay, plainReplay: plainReplay, large: large, compacted: compacted, demo: demo)
        case .w7:
            let sync = try await hqFirstSync()
            return try W7BytesOnDisk(workspace: workspace).run(sync: sync, demo: try demoServer())
        case .w8:
            let base = try demoServer()
            // Only one server at a time beside the benchmark: the base one is idle meanwhile.
            let large = try DemoServer.make(binary: syncserver(), workspace: workspace, scale: options.largeScale)
            defer {
                large.stop()
                try? FileManager.default.removeItem(atPath: large.server.dataDirectory)
            }
            return try await W8Digest(options: options).run(base: base, large: large)
        }
    }

    private func cleanUp() {
        demo?.stop()
        demo = nil
        firstSync = nil
        workspace.removeAll()
    }
}
