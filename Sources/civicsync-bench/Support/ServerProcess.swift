import Foundation

/// A real `syncserver` on 127.0.0.1 with its own data directory: the admin subcommands
/// (`bootstrap`, `token issue`, `generate`) and `serve --port 0`, whose chosen port is read
/// from the `listening on http://127.0.0.1:PORT` line it prints (as the README's quick start
/// and the end-to-end tests do).
final class ServerProcess: @unchecked Sendable {
    // @unchecked: `process` and `port` are only touched under `lock`; the rest is immutable.
    let binary: URL
    let dataDirectory: String
    /// The PostgreSQL database every command uses (nil: the embedded SQLite store).
    let databaseURL: String?
    /// Where `serve` writes its standard output and error.
    let logPath: String
    private let lock = NSLock()
    private var process: Process?
    private var port = 0
    /// The `serve` flags in force, for the report.
    private(set) var serveFlags: [String] = []

    init(binary: URL, dataDirectory: String, databaseURL: String? = nil) {
        self.binary = binary
        self.dataDirectory = dataDirectory
        self.databaseURL = databaseURL
        logPath = dataDirectory + ".log"
    }

    var baseURL: URL { URL(string: "http://127.0.0.1:\(lock.withLock { port })")! }
    var pid: Int32? { lock.withLock { process?.processIdentifier } }

    /// Finds `syncserver`: the given path, else next to this executable (`.build/release/`).
    static func locate(_ explicit: String?) throws -> URL {
        if let explicit {
            guard FileManager.default.isExecutableFile(atPath: explicit) else {
                throw BenchError("--syncserver \(explicit) is not an executable file")
            }
            return URL(fileURLWithPath: explicit)
        }
        var candidates: [URL] = []
        if let executable = Bundle.main.executableURL { candidates.append(executable.resolvingSymlinksInPath()) }
        candidates.append(URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath())
        for executable in candidates {
            let candidate = executable.deletingLastPathComponent().appendingPathComponent("syncserver")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw BenchError("no syncserver next to \(candidates.first?.path ?? "this program"); build it with "
                         + "`swift build -c release --product syncserver`, or pass --syncserver PATH")
    }

    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `syncserver ARGS --data-dir DIR` to completion.
    @discardableResult
    func admin(_ arguments: [String]) throws -> Output {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments + storeArguments
        process.environment = Self.environment()
        // Files, not pipes: a chatty command can never block on a full pipe.
        let stem = dataDirectory + ".admin-\(UInt32.random(in: 0...UInt32.max))"
        _ = FileManager.default.createFile(atPath: stem + ".out", contents: nil)
        _ = FileManager.default.createFile(atPath: stem + ".err", contents: nil)
        defer {
            try? FileManager.default.removeItem(atPath: stem + ".out")
            try? FileManager.default.removeItem(atPath: stem + ".err")
        }
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: stem + ".out"))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: stem + ".err"))
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        Cleanup.shared.add(server: process.processIdentifier)
        process.waitUntilExit()
        Cleanup.shared.remove(server: process.processIdentifier)
        try? out.close()
        try? err.close()
        let output = Output(status: process.terminationStatus,
                            stdout: (try? String(contentsOfFile: stem + ".out", encoding: .utf8)) ?? "",
                            stderr: (try? String(contentsOfFile: stem + ".err", encoding: .utf8)) ?? "")
        guard output.status == 0 else {
            throw BenchError("syncserver \(arguments.joined(separator: " ")) failed (exit \(output.status)): "
                             + (output.stderr + output.stdout).trimmingCharacters(in: .whitespacesAndNewlines).prefix(500))
        }
        return output
    }

    /// Where every command finds the store.
    var storeArguments: [String] {
        ["--data-dir", dataDirectory] + (databaseURL.map { ["--database-url", $0] } ?? [])
    }

    /// The first HQ token.
    func bootstrap(member: String) throws -> String {
        try Self.token(admin(["bootstrap", "--member", member, "--json"]).stdout)
    }

    func issueToken(member: String, role: String, branch: String? = nil) throws -> String {
        var arguments = ["token", "issue", "--member", member, "--role", role, "--json"]
        if let branch { arguments += ["--branch", branch] }
        return try Self.token(admin(arguments).stdout)
    }

    static func token(_ json: String) throws -> String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
              let token = object["token"] as? String else {
            throw BenchError("no token in syncserver's answer: \(json.prefix(300))")
        }
        return token
    }

    /// `syncserver generate --scale S --json` into the (empty) data directory: the operations
    /// stored and the seconds the command took (process start included).
    func generate(scale: Double, seed: Int = 1) throws -> (operations: Int, seconds: Double) {
        let start = Timing.now()
        let output = try admin(["generate", "--scale", String(scale), "--seed", String(seed), "--json"])
        let seconds = Timing.since(start)
        guard let object = try? JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any],
              let stored = (object["storedOperations"] as? NSNumber)?.intValue else {
            throw BenchError("syncserver generate printed no storedOperations: \(output.stdout.prefix(300))")
        }
        return (stored, seconds)
    }

    /// Starts `serve` on 127.0.0.1 and a free port, with `flags`, and waits for its ready line.
    func start(flags: [String] = []) throws {
        let process = Process()
        process.executableURL = binary
        let arguments = ["serve"] + storeArguments + ["--host", "127.0.0.1", "--port", "0"] + flags
        process.arguments = arguments
        process.environment = Self.environment()
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try? log.close()
        Cleanup.shared.add(server: process.processIdentifier)
        lock.withLock {
            self.process = process
            serveFlags = flags
        }
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            if let range = text.range(of: "listening on http://127.0.0.1:") {
                let rest = text[range.upperBound...]
                let digits = rest.prefix { $0.isNumber }
                if let port = Int(digits), rest.dropFirst(digits.count).first?.isNewline ?? false {
                    lock.withLock { self.port = port }
                    return
                }
            }
            if !process.isRunning {
                throw BenchError("syncserver serve exited early (\(process.terminationStatus)): \(text.suffix(800))")
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        stop()
        throw BenchError("syncserver serve printed no ready line within 120 s (log: \(logPath))")
    }

    /// CPU seconds the server has used so far.
    var cpuSeconds: Double? { pid.flatMap(CPUTime.seconds(pid:)) }

    /// SIGTERM, then SIGKILL after 15 s.
    func stop() {
        guard let process = lock.withLock({ self.process }) else { return }
        if process.isRunning {
            process.terminate()
            let deadline = Date().addingTimeInterval(15)
            while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
        }
        Cleanup.shared.remove(server: process.processIdentifier)
        lock.withLock { self.process = nil }
    }

    /// The last lines of the server's log (for errors).
    func logTail(_ characters: Int = 1_000) -> String {
        String(((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "").suffix(characters))
    }

    /// The environment without the `CIVICSYNC_…` settings of whoever runs the benchmark: only
    /// the flags the benchmark passes (and states) apply.
    static func environment() -> [String: String] {
        ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("CIVICSYNC_") }
    }

    deinit { stop() }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
