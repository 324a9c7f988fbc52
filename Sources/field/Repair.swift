import ArgumentParser
import FieldClient
import Foundation

struct Repair: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Find the entities that differ from the server and take them again from it.",
        discussion: """
        Syncs, then compares this replica's digest with the server's, bucket by bucket (16),
        asks the server for the hashes of the entities it may see in the buckets that differ,
        and takes every entity that differs, or is missing here, again from the server, whole.
        Changes of this replica's own that the server has not stored yet are kept and shown on
        top, as before. Entities held only here are listed, not removed. Exit code 26 when the
        digests still differ afterwards.

        Examples:
          field repair
          field repair --json
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let report = try await replica.open().repair()
        if output.json {
            try CLI.printJSON(report)
        } else if report.bucketsDiffering.isEmpty {
            print("nothing to repair: this replica's digest equals the server's (\(report.digestAfter))")
        } else {
            print("buckets differing: \(report.bucketsDiffering.map(String.init).joined(separator: ", ")) of 16")
            print("repaired:          \(report.repaired.count) entit\(report.repaired.count == 1 ? "y" : "ies") taken again from the server")
            for entity in report.repaired.prefix(20) { print("  \(entity)") }
            if report.repaired.count > 20 { print("  … and \(report.repaired.count - 20) more") }
            if report.keptWaiting > 0 { print("kept:              \(report.keptWaiting) change(s) of this replica not yet sent, shown on top") }
            if !report.onlyHere.isEmpty { print("only here:         \(report.onlyHere.count) entit\(report.onlyHere.count == 1 ? "y" : "ies") the server does not show this replica (left as they are)") }
            print("digest:            \(report.digestAfter) (\(report.converged ? "matches the server" : "still differs from the server's \(report.serverDigest)"))")
        }
        if !report.converged {
            FileHandle.standardError.write(Data("error: the digest still differs from the server's; changes not yet sent explain it only if `field status` shows some waiting\n".utf8))
            throw ExitCode(ExitCodes.diverged)
        }
    }
}
