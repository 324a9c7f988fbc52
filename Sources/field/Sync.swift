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
        by `field status` with the reason; they are not retried, and the exit code is 23.
        Operations refused only because of time (the device's clock disagrees with the server's)
        are not rejected: the replica learns the server's time, re-dates them and sends them
        again; any still refused wait for the next sync.

        When the server cannot be reached the replica is left as it was and the exit code is 20;
        when the server asks to wait (rate limit, daily quota) it is 24.

        Every sync first asks the server what it holds of this replica. When the server's log is
        not the one this replica synced with (it was restored from a backup: another epoch), the
        replica sends every change of its own again and pulls from the beginning: nothing the
        server lost stays lost while a replica holds it. A replica file restored from an old copy
        of itself numbers its next changes after the ones the server holds.

        With --watch the replica stays synchronised until interrupted (Ctrl-C): changes recorded
        here (by any `field` command, in another terminal) are sent within a second, and changes
        stored at the server by anyone are received as soon as they are stored (the pull waits at
        the server). When the server cannot be reached it tries again after 1, 2, 4 … 60 seconds.
        On a terminal one status line is kept up to date; otherwise (and with --json, as JSON) one
        line is printed per event.

        Examples:
          field sync
          field sync --json
          field sync --retries 0 --timeout 5
          field sync --watch
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "Override the saved number of retries for this run.") var retries: Int?
    @Option(help: "Override the saved per-request timeout (seconds) for this run.") var timeout: Int?
    @Flag(help: "Keep the replica synchronised until interrupted (live sync).") var watch = false

    func run() async throws {
        let field = try replica.open()
        let client = try field.syncClient { settings in
            if let retries { settings.retries = max(0, retries) }
            if let timeout { settings.timeoutSeconds = max(1, timeout) }
        }
        if watch {
            try await SyncWatch(client: client, json: output.json, server: (try? field.syncState().settings?.serverURL) ?? "the server").run()
            return
        }
        let showProgress = !output.json && isatty(STDERR_FILENO) == 1
        let bar = ProgressBar()
        let show: @Sendable (SyncProgress) -> Void = { progress in bar.show(progress) }
        let report = try await client.sync(progress: showProgress ? show : nil)
        if showProgress { bar.finish() }
        if output.json {
            try CLI.printJSON(report)
        } else {
            print("pushed \(report.pushed) (acknowledged \(report.acknowledged), rejected \(report.rejected.count)), pulled \(report.pulled) (new \(report.applied))")
            if report.snapshotEntities > 0 {
                print("snapshot:  took \(report.snapshotEntities) entit\(report.snapshotEntities == 1 ? "y" : "ies") (\(report.snapshotOperations) operations) whole from the server: the first sync, without replaying the log")
            }
            for rejection in report.rejected {
                print("  rejected \(rejection.id): \(rejection.code): \(rejection.reason)")
            }
            if report.redated > 0 {
                print("re-dated:  \(report.redated) local change(s) written while this device's clock ran ahead of the server's")
            }
            if report.epochChanged {
                print("server:    its log is not the one this replica synced with (restored from a backup, or another server): \(report.resent) own change(s) sent again, pulled again from the beginning")
            }
            if report.counterAdvanced {
                print("counter:   the server holds later changes of this replica than this file does (restored from an older copy?); new changes are numbered after them")
            }
            if report.renumbered > 0 {
                print("renumbered: \(report.renumbered) local change(s) reused ids the server holds for other changes; they were given new ids and sent")
            }
            if report.scopeChanged {
                print("scope:     this token sees another scope than before; pulled again from the beginning")
            }
            if let branch = report.branchChanged {
                print("branch:    the token is for branch '\(branch)' now; new work is filed under it")
            }
            if report.waiting > 0 {
                print("waiting:   \(report.waiting) local change(s) still to send (they go with the next `field sync`)")
            }
            if report.attachmentsUploaded > 0 {
                print("files:     uploaded \(report.attachmentsUploaded) attachment(s), \(report.attachmentBytesSent) bytes")
            }
            if report.attachmentsWaiting > 0 {
                print("files:     \(report.attachmentsWaiting) attachment(s) wait for their operation to reach the server; they go with a later sync")
            }
            for refused in report.attachmentsRefused {
                print("  attachment \(refused.id.prefix(12)) refused: \(refused.code): \(refused.reason)")
            }
            print("conflicts: \(report.conflicts)")
            print("digest:    \(report.digest) (\(report.converged == true ? "matches the server" : "differs from the server: \(report.serverDigest ?? "unknown")"))")
        }
        if !report.rejected.isEmpty {
            // Scripts and people at a glance must not miss a refusal: say what to do, exit non-zero.
            FileHandle.standardError.write(Data("""
                error: the server refused \(report.rejected.count) of this replica's change(s); they stay on this replica but will not reach anyone. \
                See them with `field status`; change the record so the rules allow it (docs/ACCESS.md) or ask your branch or HQ to make the change.

                """.utf8))
            throw ExitCode(ExitCodes.rejected)
        }
        if let throttled = report.throttled {
            FileHandle.standardError.write(Data("error: \(throttled)\n".utf8))
            throw ExitCode(ExitCodes.code(for: .throttled))
        }
    }
}
