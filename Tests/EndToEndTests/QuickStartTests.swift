import Foundation
import Testing

/// Runs README.md's quick-start block verbatim with the built binaries on PATH, so the README
/// stays true.
@Suite struct QuickStartTests {
    static var readme: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("README.md")
    }

    static func quickStartScript() throws -> String {
        let text = try String(contentsOf: readme, encoding: .utf8)
        guard let begin = text.range(of: "<!-- quickstart:begin -->"), let end = text.range(of: "<!-- quickstart:end -->") else {
            throw E2EError("README.md has no quickstart block")
        }
        let block = text[begin.upperBound..<end.lowerBound]
        return block.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("```") }
            .joined(separator: "\n")
    }

    @Test func readmeQuickStartRunsAsWritten() throws {
        let script = try Self.quickStartScript()
        let field = try #require(Binaries.field)
        let directory = try TemporaryDirectory()
        let scriptPath = directory.path("quickstart.sh")
        try ("set -euo pipefail\ncd \"\(directory.url.path)\"\n" + script).write(toFile: scriptPath, atomically: true, encoding: .utf8)
        let path = field.deletingLastPathComponent().path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let result = try Binaries.run(URL(fileURLWithPath: "/bin/bash"), [scriptPath], environment: ["PATH": path])
        #expect(result.status == 0, "quick start failed: \(result.stderr)\n\(result.stdout)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count >= 2)
        let digests = lines.suffix(2)
        #expect(digests.first == digests.last, "HQ and Busan digests differ: \(digests)")
        #expect(result.stdout.contains("Bid bond refunds are slow nationwide"))
        #expect(result.stdout.contains("Bid bond refunds take 40 days in Busan"))
        #expect(result.stdout.contains("match"))
    }
}
