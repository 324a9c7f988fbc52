import Foundation
import Testing

/// The built executables, found next to the test bundle in the build products directory
/// (works with any `--scratch-path`).
enum Binaries {
    static func locate(_ name: String) -> URL? {
        var starts: [URL] = [Bundle.main.bundleURL, URL(fileURLWithPath: CommandLine.arguments[0])]
        for bundle in Bundle.allBundles { starts.append(bundle.bundleURL) }
        for start in starts {
            var directory = start.standardizedFileURL
            for _ in 0..<6 {
                let candidate = directory.appendingPathComponent(name)
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory), !isDirectory.boolValue,
                   FileManager.default.isExecutableFile(atPath: candidate.path) {
                    return candidate
                }
                directory = directory.deletingLastPathComponent()
            }
        }
        return nil
    }

    static let field = locate("field")
    static let syncserver = locate("syncserver")
    static let fuzz = locate("civicsync-fuzz")

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs a binary to completion with extra environment variables.
    static func run(_ binary: URL?, _ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        guard let binary else {
            Issue.record("executable not found next to the test bundle (\(Bundle.main.bundleURL.path)); build with `swift build` first")
            return Result(status: -1, stdout: "", stderr: "")
        }
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for key in ["CIVICSYNC_REPLICA", "CIVICSYNC_TOKEN", "CIVICSYNC_DATA_DIR", "CIVICSYNC_PORT", "CIVICSYNC_HOST", "CIVICSYNC_CLOCK_MS"] {
            env.removeValue(forKey: key)
        }
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes concurrently so a chatty process cannot block on a full pipe.
        let errBox = DataBox()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errBox.data = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errBox.data, as: UTF8.self))
    }
}

/// Holds bytes read on another thread; written once before `group.wait()` returns.
final class DataBox: @unchecked Sendable {
    // @unchecked: written by one thread, read only after a DispatchGroup wait (happens-before).
    var data = Data()
}

/// A fresh temporary directory removed at deinit.
final class TemporaryDirectory: @unchecked Sendable {
    // @unchecked: immutable after init.
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("civicsync-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    deinit { try? FileManager.default.removeItem(at: url) }
}
