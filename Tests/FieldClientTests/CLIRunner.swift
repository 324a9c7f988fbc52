import FieldClient
import Foundation
import Testing

/// Runs the built `field` executable, found next to the test bundle in the build products.
struct FieldCLI {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    let replicaPath: String
    var environment: [String: String] = [:]

    static let binary: URL? = {
        var starts: [URL] = [Bundle.main.bundleURL, URL(fileURLWithPath: CommandLine.arguments[0])]
        for bundle in Bundle.allBundles { starts.append(bundle.bundleURL) }
        let fm = FileManager.default
        for start in starts {
            var dir = start.standardizedFileURL
            for _ in 0..<6 {
                let candidate = dir.appendingPathComponent("field")
                var isDirectory: ObjCBool = false
                if fm.fileExists(atPath: candidate.path, isDirectory: &isDirectory), !isDirectory.boolValue,
                   fm.isExecutableFile(atPath: candidate.path) {
                    return candidate
                }
                dir = dir.deletingLastPathComponent()
            }
        }
        return nil
    }()

    /// Runs `field args… --replica PATH` with the wall clock fixed at 10:00 UTC on `date`
    /// (a fixed early date by default, so that the dates facts get do not depend on today).
    @discardableResult
    func run(_ args: [String], date: String? = "2026-03-01", useReplicaOption: Bool = true) throws -> Result {
        guard let binary = Self.binary else {
            Issue.record("the field executable was not found next to the test bundle (\(Bundle.main.bundleURL.path))")
            return Result(status: -1, stdout: "", stderr: "")
        }
        let process = Process()
        process.executableURL = binary
        // --replica goes after the subcommand path; put it at the end where every command accepts it.
        process.arguments = useReplicaOption ? args + ["--replica", replicaPath] : args
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: FieldReplica.pathEnvironmentVariable)
        env.removeValue(forKey: "CIVICSYNC_POINTS_POLICY")
        if let date { env["CIVICSYNC_CLOCK_MS"] = String(at(date)) }
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Runs a command that must succeed and returns its standard output.
    @discardableResult
    func ok(_ args: [String], date: String? = "2026-03-01", sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let result = try run(args, date: date)
        #expect(result.status == 0, "field \(args.joined(separator: " ")) failed: \(result.stderr)", sourceLocation: sourceLocation)
        return result.stdout
    }

    /// Runs a command with --json and decodes its output.
    func json<T: Decodable>(_ type: T.Type, _ args: [String], date: String? = "2026-03-01",
                            sourceLocation: SourceLocation = #_sourceLocation) throws -> T {
        let text = try ok(args + ["--json"], date: date, sourceLocation: sourceLocation)
        return try JSONDecoder().decode(T.self, from: Data(text.utf8))
    }

    func digest() throws -> String {
        try ok(["digest"]).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
