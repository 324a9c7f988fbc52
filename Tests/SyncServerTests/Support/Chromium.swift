import Foundation

/// Headless Chromium (the Debian `chromium` package), for tests that look at the dashboard the
/// way a browser renders it. `path` is nil when it is not installed; the tests that need it are
/// then skipped with a message saying so.
enum Chromium {
    static var path: String? {
        let candidates = [ProcessInfo.processInfo.environment["CHROMIUM"], "/usr/bin/chromium", "/usr/bin/chromium-browser",
                          "/usr/bin/google-chrome"].compactMap { $0 }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs Chromium headless on `url` with `extra` arguments and returns its standard output
    /// (the DOM with `--dump-dom`). Killed after `timeout` seconds.
    static func run(_ url: String, _ extra: [String], timeout: TimeInterval = 90) throws -> String {
        guard let path else { throw Failure(description: "chromium is not installed") }
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("civicsync-chromium-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: profile) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
        process.arguments = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                             "--disable-extensions", "--user-data-dir=\(profile.path)"] + extra + [url]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let box = ServerProcess.ProcessBox(process: process)
        let deadline = DispatchWorkItem { if box.process.isRunning { box.process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: deadline)
        // Drain stderr on another thread so a chatty Chromium never blocks on a full pipe.
        let errorHandle = err.fileHandleForReading
        DispatchQueue.global().async { _ = errorHandle.readDataToEndOfFile() }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        deadline.cancel()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            throw Failure(description: "chromium exited with status \(process.terminationStatus) (\(process.terminationReason == .uncaughtSignal ? "killed" : "exit"))")
        }
        return String(decoding: data, as: UTF8.self)
    }
}
