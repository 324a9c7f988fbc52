import Foundation
import Testing

/// A real `syncserver serve` process on 127.0.0.1, with its data directory.
final class ServerProcess: @unchecked Sendable {
    // @unchecked: `process` and `output` are guarded by `lock`; the rest is immutable.
    let dataDirectory: String
    private let lock = NSLock()
    private var process: Process?
    private var output = ""
    var port: Int = 0
    /// "https" once started with a certificate (`--tls-cert`).
    var scheme = "http"

    var baseURL: String { "\(scheme)://127.0.0.1:\(port)" }

    init(dataDirectory: String) {
        self.dataDirectory = dataDirectory
    }

    /// Admin subcommand on the same data directory, e.g. `["token", "issue", ...]`; returns stdout.
    func admin(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let result = try Binaries.run(Binaries.syncserver, arguments + ["--data-dir", dataDirectory])
        #expect(result.status == 0, "syncserver \(arguments.joined(separator: " ")) failed: \(result.stderr)", sourceLocation: sourceLocation)
        return result.stdout
    }

    /// Issues a token (`--json` output's `token` member).
    func issueToken(member: String, role: String, branch: String? = nil, kind: String? = nil) throws -> String {
        var arguments = ["token", "issue", "--member", member, "--role", role, "--json"]
        if let branch { arguments += ["--branch", branch] }
        if let kind { arguments += ["--kind", kind] }
        return try Self.token(from: admin(arguments))
    }

    func bootstrap(member: String) throws -> String {
        try Self.token(from: admin(["bootstrap", "--member", member, "--json"]))
    }

    static func token(from json: String) throws -> String {
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        guard let token = object?["token"] as? String else {
            throw E2EError("no token in \(json)")
        }
        return token
    }

    /// Starts the server (on `port`, or a free one when 0) and waits for its ready line.
    func start(port requested: Int = 0, extraArguments: [String] = []) throws {
        guard let binary = Binaries.syncserver else { throw E2EError("syncserver executable not found") }
        let process = Process()
        process.executableURL = binary
        process.arguments = ["serve", "--data-dir", dataDirectory, "--host", "127.0.0.1", "--port", String(requested)] + extraArguments
        var env = ProcessInfo.processInfo.environment
        env["LOG_LEVEL"] = env["LOG_LEVEL"] ?? "warning"
        process.environment = env
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        lock.withLock {
            output = ""
            self.process = process
        }
        pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { return }
            self.lock.withLock { self.output += String(decoding: data, as: UTF8.self) }
        }
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let text = lock.withLock { output }
            for scheme in ["http", "https"] {
                if let range = text.range(of: "listening on \(scheme)://127.0.0.1:") {
                    let digits = text[range.upperBound...].prefix { $0.isNumber }
                    if let port = Int(digits), !digits.isEmpty, text[range.upperBound...].dropFirst(digits.count).first?.isNewline ?? false {
                        self.port = port
                        self.scheme = scheme
                        return
                    }
                }
            }
            if !process.isRunning { throw E2EError("syncserver exited early: \(text)") }
            Thread.sleep(forTimeInterval: 0.05)
        }
        process.terminate()
        throw E2EError("syncserver did not print its ready line within 60 s: \(lock.withLock { output })")
    }

    /// Stops the server: gracefully (SIGTERM) or abruptly (SIGKILL).
    func stop(kill: Bool = false) {
        guard let process = lock.withLock({ self.process }) else { return }
        if process.isRunning {
            if kill { Foundation.kill(process.processIdentifier, SIGKILL) } else { process.terminate() }
            process.waitUntilExit()
        }
        lock.withLock { self.process = nil }
    }

    /// Restarts on the same port (replicas keep their saved URL).
    func restart(extraArguments: [String] = []) throws {
        let port = self.port
        stop()
        try start(port: port, extraArguments: extraArguments)
    }

    var log: String { lock.withLock { output } }

    deinit { stop(kill: true) }
}

struct E2EError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
