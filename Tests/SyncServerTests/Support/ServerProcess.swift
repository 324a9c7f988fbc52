import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing

/// The real `syncserver` binary, run as a subprocess (built next to the test bundle).
struct ServerProcess {
    /// Where `swift build` put the executable: the directory of the running test bundle.
    static var executable: URL {
        let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [bundleDirectory, Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent()] {
            let url = candidate.appendingPathComponent("syncserver")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return bundleDirectory.appendingPathComponent("syncserver")
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `syncserver arguments…` to completion.
    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// A running `syncserver serve`; `port` is read from its ready line.
    final class Running: @unchecked Sendable {
        // @unchecked: `process` is only started and terminated from the test that owns it;
        // the pipes are read on one background thread.
        let process: Process
        let port: Int
        let readyLine: String

        init(arguments: [String], environment: [String: String] = [:], timeout: Duration = .seconds(60)) async throws {
            process = Process()
            process.executableURL = ServerProcess.executable
            process.arguments = arguments
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            try process.run()
            let handle = out.fileHandleForReading
            let owned = ProcessBox(process: process)
            // Read the first line on a background thread; give up at the deadline.
            let line: String? = try await withThrowingTaskGroup(of: String?.self) { group in
                group.addTask {
                    await withCheckedContinuation { continuation in
                        Thread.detachNewThread {
                            var buffer = Data()
                            while true {
                                let chunk = handle.availableData
                                if chunk.isEmpty { continuation.resume(returning: nil); return }
                                buffer.append(chunk)
                                if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                                    continuation.resume(returning: String(decoding: buffer[..<newline], as: UTF8.self))
                                    return
                                }
                            }
                        }
                    }
                }
                group.addTask {
                    // The deadline: stop the process, which ends the reader above.
                    try? await Task.sleep(for: timeout)
                    if !Task.isCancelled { owned.process.terminate() }
                    return nil
                }
                let first = try await group.next() ?? nil
                group.cancelAll()
                return first
            }
            guard let line, let range = line.range(of: "listening on http://127.0.0.1:"), let port = Int(line[range.upperBound...]) else {
                process.terminate()
                throw ProcessError.notReady(line ?? "no output")
            }
            self.port = port
            self.readyLine = line
        }

        func stop() {
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
        }

        /// Ends the process at once (SIGKILL): no graceful shutdown, which may wait for idle
        /// keep-alive connections for as long as the idle timeout, holding the calling thread.
        func kill() {
            if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
    }

    enum ProcessError: Error { case notReady(String) }

    /// Hands a `Process` to the deadline task.
    struct ProcessBox: @unchecked Sendable {
        // @unchecked: Process is thread-safe for terminate(); nothing else is called through the box.
        let process: Process
    }
}
