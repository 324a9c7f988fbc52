import Foundation

/// The benchmark's command line. Every size has a default for the full run; `--quick` shrinks
/// them all (explicit options still win, wherever they stand on the line).
struct Options: Sendable {
    /// Which workloads to run, in order.
    var workloads: [WorkloadID] = WorkloadID.allCases
    var json = false
    /// Where W1, W3 and W4 run: in memory (CPU cost only), on files (WAL, synchronous FULL), or both.
    var storage: StorageChoice = .both
    var quick = false
    /// W1, W3, W4: changes per workload.
    var edits = 20_000
    /// W2: single-edit transactions.
    var commits = 500
    /// W1–W4: rounds, the median is reported.
    var rounds = 3
    /// W6, W7, W8: the demo data set's scale for the "scale 1" server.
    var scale = 1.0
    /// W3's big store and W8's big server: the demo data set at this scale (10 ≈ 1.17M operations).
    var largeScale = 10.0
    /// W5: replicas syncing at once, syncs each, local operations before each sync.
    var replicas = 100
    var syncs = 10
    var opsPerSync = 10
    /// W8: digest calls per series, and the most seconds one series may take.
    var digestCalls = 200
    var digestSeconds = 15.0
    /// The `syncserver` executable (default: next to this benchmark's executable).
    var syncserver: String?

    enum StorageChoice: String, Sendable { case memory, files, both }

    var memory: Bool { storage != .files }
    var files: Bool { storage != .memory }

    static let usage = """
    usage: civicsync-bench [options]

    CivicSync's benchmark suite: issue 11's workloads W1–W8, and W9 (issue 12). Every ratio is measured against a
    baseline in the same run (plain SQLite through the same binding, GRDB, with a replica's
    connection settings); W5, W6 and W8 start a real `syncserver` on 127.0.0.1 (a free port).
    Temporary files live under one directory of $TMPDIR, removed at the end.

      W1  local field edits, transactions of 100, vs a plain prepared UPSERT (memory and files)
      W2  one edit per transaction vs a plain one-row commit (files, WAL, synchronous FULL)
      W3  merging remote operations vs a plain UPSERT; and on a store already holding the
          --large-scale data set vs an empty one
      W4  W3's operations with 30% re-deliveries, reversed, and as concurrent writers' histories,
          vs clean in-order delivery
      W5  --replicas replicas syncing small batches at once against one syncserver
      W6  a fresh HQ replica's first sync of the --scale demo data set over HTTP
      W7  bytes on disk per operation, replica and server, vs plain tables of the same rows
      W8  GET /v1/digest latency, HQ and branch token, at --scale and at --large-scale
      W9  W5 on the embedded SQLite server, then on PostgreSQL with 1 and 2 instances (a
          throw-away cluster started here: needs the postgresql package)

    options:
      --only W1,W3          run only these workloads (default: all)
      --json                print one JSON object: {"workloads":[{"id":"W1","ratio":…,"per_second":…,"p99_ms":…},…]}
      --memory | --files    W1, W3, W4 in memory only, or on files only (default: both)
      --quick               everything smaller: the whole suite in a few minutes
      --edits N             W1, W3, W4: changes (default 20000; quick 4000)
      --commits N           W2: one-edit transactions (default 500; quick 150)
      --rounds N            W1–W4: rounds, median reported (default 3; quick 1)
      --scale S             W6–W8: demo data set of the base server (default 1; quick 0.2)
      --large-scale S       W3's big store, W8's big server (default 10 ≈ 1.17M operations; quick 1)
      --replicas N          W5: replicas syncing at once (default 100)
      --syncs N             W5: syncs per replica (default 10; quick 3)
      --ops-per-sync N      W5: local operations before each sync (default 10)
      --digest-calls N      W8: calls per series (default 200; quick 40)
      --digest-seconds S    W8: most seconds per series (default 15; quick 4)
      --syncserver PATH     the syncserver executable (default: next to civicsync-bench)
      -h, --help            this text

    Build in release first: swift build -c release --product civicsync-bench && swift build -c release --product syncserver
    """

    struct Invalid: Error, CustomStringConvertible {
        var description: String
    }

    /// Parses the arguments (without the program name). Throws `Invalid` with a message for a
    /// bad one; returns nil for `--help`.
    static func parse(_ arguments: [String]) throws -> Options? {
        var options = Options()
        var explicit: [String: String] = [:]
        var iterator = arguments.makeIterator()
        func value(_ name: String) throws -> String {
            guard let next = iterator.next(), !next.hasPrefix("--") else { throw Invalid(description: "\(name) needs a value") }
            return next
        }
        while let argument = iterator.next() {
            // --name=value as well as --name value
            var name = argument
            var inline: String?
            if argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") {
                name = String(argument[..<equals])
                inline = String(argument[argument.index(after: equals)...])
            }
            switch name {
            case "-h", "--help": return nil
            case "--json": options.json = true
            case "--quick": options.quick = true
            case "--memory":
                guard options.storage != .files else { throw Invalid(description: "--memory and --files exclude each other (give neither for both)") }
                options.storage = .memory
            case "--files":
                guard options.storage != .memory else { throw Invalid(description: "--memory and --files exclude each other (give neither for both)") }
                options.storage = .files
            case "--only", "--edits", "--commits", "--rounds", "--scale", "--large-scale", "--replicas", "--syncs",
                 "--ops-per-sync", "--digest-calls", "--digest-seconds", "--syncserver":
                explicit[name] = try inline ?? value(name)
            default:
                throw Invalid(description: "unknown argument '\(argument)'")
            }
            if inline != nil, !["--only", "--edits", "--commits", "--rounds", "--scale", "--large-scale", "--replicas", "--syncs",
                                "--ops-per-sync", "--digest-calls", "--digest-seconds", "--syncserver"].contains(name) {
                throw Invalid(description: "\(name) takes no value")
            }
        }
        if options.quick {
            options.edits = 4_000
            options.commits = 150
            options.rounds = 1
            options.scale = 0.2
            options.largeScale = 1
            options.syncs = 3
            options.digestCalls = 40
            options.digestSeconds = 4
        }
        func integer(_ name: String, _ range: ClosedRange<Int>) throws -> Int? {
            guard let text = explicit[name] else { return nil }
            guard let number = Int(text.replacingOccurrences(of: "_", with: "")), range.contains(number) else {
                throw Invalid(description: "\(name) must be an integer from \(range.lowerBound) to \(range.upperBound), not '\(text)'")
            }
            return number
        }
        func decimal(_ name: String, _ range: ClosedRange<Double>) throws -> Double? {
            guard let text = explicit[name] else { return nil }
            guard let number = Double(text), number.isFinite, range.contains(number) else {
                throw Invalid(description: "\(name) must be a number from \(range.lowerBound) to \(range.upperBound), not '\(text)'")
            }
            return number
        }
        options.edits = try integer("--edits", 100...10_000_000) ?? options.edits
        options.commits = try integer("--commits", 10...1_000_000) ?? options.commits
        options.rounds = try integer("--rounds", 1...100) ?? options.rounds
        // The generator takes 0.01 to 1000.
        options.scale = try decimal("--scale", 0.01...1_000) ?? options.scale
        options.largeScale = try decimal("--large-scale", 0.01...1_000) ?? options.largeScale
        options.replicas = try integer("--replicas", 1...1_000) ?? options.replicas
        options.syncs = try integer("--syncs", 1...10_000) ?? options.syncs
        options.opsPerSync = try integer("--ops-per-sync", 1...1_000) ?? options.opsPerSync
        options.digestCalls = try integer("--digest-calls", 1...1_000_000) ?? options.digestCalls
        options.digestSeconds = try decimal("--digest-seconds", 0.1...3_600) ?? options.digestSeconds
        if let path = explicit["--syncserver"] { options.syncserver = path }
        if let list = explicit["--only"] {
            var chosen: [WorkloadID] = []
            for item in list.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !item.isEmpty {
                let normalised = item.uppercased().hasPrefix("W") ? item.uppercased() : "W" + item
                guard let id = WorkloadID(rawValue: normalised) else {
                    throw Invalid(description: "--only: unknown workload '\(item)' (use W1 to W8, e.g. --only W1,W3)")
                }
                if !chosen.contains(id) { chosen.append(id) }
            }
            guard !chosen.isEmpty else { throw Invalid(description: "--only needs at least one workload, e.g. --only W1,W3") }
            options.workloads = WorkloadID.allCases.filter(chosen.contains)
        }
        return options
    }

    /// What the run was given, for the report.
    var summary: [(String, JSONOut)] {
        [("workloads", .array(workloads.map { .string($0.rawValue) })), ("quick", .bool(quick)), ("storage", .string(storage.rawValue)),
         ("edits", .int(edits)), ("commits", .int(commits)), ("rounds", .int(rounds)), ("scale", .number(scale)),
         ("large_scale", .number(largeScale)), ("replicas", .int(replicas)), ("syncs", .int(syncs)),
         ("ops_per_sync", .int(opsPerSync)), ("digest_calls", .int(digestCalls)), ("digest_seconds", .number(digestSeconds))]
    }
}

enum WorkloadID: String, CaseIterable, Sendable {
    case w1 = "W1", w2 = "W2", w3 = "W3", w4 = "W4", w5 = "W5", w6 = "W6", w7 = "W7", w8 = "W8", w9 = "W9"

    var needsServer: Bool { [.w5, .w6, .w7, .w8, .w9].contains(self) }
}
