import ArgumentParser
import FieldClient
import Foundation
import SyncCore

struct Sync: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Push local changes to the server, pull everyone else's, and check convergence.",
        discussion: """
        Safe to interrupt: a killed or disconnected sync resumes where it stopped and never
        applies anything twice. Operations the server rejects are kept on the replica and shown
        by `field status` with the reason; they are not retried.

        When the server cannot be reached the replica is left as it was and the exit code is 20.

        Examples:
          field sync
          field sync --json
          field sync --retries 0 --timeout 5
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "Override the saved number of retries for this run.") var retries: Int?
    @Option(help: "Override the saved per-request timeout (seconds) for this run.") var timeout: Int?

    func run() async throws {
        let field = try replica.open()
        let client = try field.syncClient { settings in
            if let retries { settings.retries = max(0, retries) }
            if let timeout { settings.timeoutSeconds = max(1, timeout) }
        }
        let showProgress = !output.json && isatty(STDERR_FILENO) == 1
        let printer: @Sendable (SyncProgress) -> Void = { progress in
            let line = "\r\(progress.phase.rawValue): pushed \(progress.pushed), pulled \(progress.pulled), \(progress.batches) batch(es)"
            FileHandle.standardError.write(Data(line.utf8))
        }
        let report = try await client.sync(progress: showProgress ? printer : nil)
        if showProgress { FileHandle.standardError.write(Data("\n".utf8)) }
        if output.json { try CLI.printJSON(report); return }
        print("pushed \(report.pushed) (acknowledged \(report.acknowledged), rejected \(report.rejected.count)), pulled \(report.pulled) (new \(report.applied))")
        for rejection in report.rejected {
            print("  rejected \(rejection.id): \(rejection.code): \(rejection.reason)")
        }
        print("conflicts: \(report.conflicts)")
        print("digest:    \(report.digest) (\(report.converged == true ? "matches the server" : "differs from the server: \(report.serverDigest ?? "unknown")"))")
    }
}
