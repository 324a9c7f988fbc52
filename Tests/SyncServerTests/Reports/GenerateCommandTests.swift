import Foundation
import SyncCore
import SyncServer
import Testing

/// `syncserver generate`: the seeded data set lands in the server's store with visibility
/// grants (branches can pull their part), the summary is printed, and a non-empty store is
/// refused unless `--force`.
@Suite("syncserver generate", .serialized)
struct GenerateCommandTests {
    @Test("fills an empty store, refuses a non-empty one, adds nothing twice with --force")
    func generate() async throws {
        let directory = ServerHarness.temporaryDirectory("generate")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try ServerProcess.run(["generate", "--data-dir", directory, "--seed", "3", "--scale", "0.02", "--json"])
        #expect(first.status == 0, "\(first.stderr)")
        let output = try #require(try JSONSerialization.jsonObject(with: Data(first.stdout.utf8)) as? [String: Any])
        let summary = try #require(output["summary"] as? [String: Any])
        let expected = try DataSetGenerator(seed: 3, scale: 0.02).operations().count
        #expect(summary["operations"] as? Int == expected)
        #expect(output["storedOperations"] as? Int == expected)
        #expect(summary["branches"] as? Int == DataSetGenerator.branches.count)

        let refused = try ServerProcess.run(["generate", "--data-dir", directory, "--seed", "3", "--scale", "0.02", "--json"])
        #expect(refused.status != 0 && errorCode(refused.stdout) == "conflict")
        #expect(refused.stdout.contains("--force"))
        let forced = try ServerProcess.run(["generate", "--data-dir", directory, "--seed", "3", "--scale", "0.02", "--force"])
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(forced.stdout.contains("the store now holds \(expected)"), "the same seed adds no operation twice: \(forced.stdout)")
        #expect(forced.stdout.contains("branches       \(DataSetGenerator.branches.count)"))

        // Grants were recorded as for pushed operations: a branch pulls its own cases.
        let storage = try SQLiteSyncStorage.open(directory: directory)
        let branch = DataSetGenerator.branches[0]
        var pulled: [SyncOperation] = [], cursor = PullCursor.start
        while true {
            let page = try await storage.pull(as: Principal(memberID: "someone", role: .branch, branch: branch), after: cursor, limit: 5_000, bounded: true)
            pulled += page.operations
            cursor = page.cursor
            if !page.more { break }
        }
        let branchCases = try await storage.store.writer.read { db in
            try Set(String.fetchAll(db, sql: "SELECT id FROM cases WHERE branch = ?", arguments: [branch]))
        }
        #expect(!branchCases.isEmpty)
        #expect(branchCases.isSubset(of: Set(pulled.filter { $0.entity == .case }.map(\.entityID))))
        let bad = try ServerProcess.run(["generate", "--data-dir", directory, "--scale", "0"])
        #expect(bad.status != 0 && bad.stderr.contains("scale"))
    }
}
