import ArgumentParser
import FieldClient
import Foundation
import SyncCore

struct SyncStatus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the server, last sync, waiting and rejected changes, and whether the replica matches the server.",
        discussion: """
        Asks the server for its digest of what this replica may see (one request, no retries);
        with --offline, or when the server cannot be reached, the match is reported as unknown.

        Examples:
          field status
          field status --offline --json
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @Flag(help: "Do not contact the server.") var offline = false

    func run() async throws {
        let status = try await replica.open().syncStatus(checkServer: !offline)
        if output.json { try CLI.printJSON(status); return }
        print("replica:    \(status.replicaID) (member \(status.member))")
        print("server:     \(status.server ?? "(not configured: field remote set)")")
        print("last sync:  \(status.lastSync ?? "never")")
        print("waiting:    \(status.waiting) local change(s)")
        for deferred in status.deferred {
            print("  \(deferred.id) \(deferred.entity) \(deferred.entityID).\(deferred.field): goes again next sync (\(deferred.reason))")
        }
        if status.clockOffsetMilliseconds != 0 {
            print("clock:      this device is \(Self.describe(status.clockOffsetMilliseconds)) the server (corrected when dating changes)")
        }
        print("rejected:   \(status.rejected.count)")
        for rejected in status.rejected {
            print("  \(rejected.id) \(rejected.entity) \(rejected.entityID).\(rejected.field): \(rejected.reason)")
        }
        print("size:       \(Self.bytes(status.fileBytes)); \(status.operations) operations in the log, \(status.entities) entities")
        if status.attachmentsWaiting > 0 || status.attachmentsRefused > 0 {
            print("files:      \(status.attachmentsWaiting) attachment(s) to upload, \(status.attachmentsRefused) refused by the server (`field attachment list`)")
        }
        if status.compaction.horizon > 0, let at = status.compaction.lastCompactedMilliseconds {
            print("compacted:  \(status.compaction.compactedOperations) operations, through log position \(status.compaction.horizon), last on \(CivilDate(millisecondsSinceEpoch: at))")
        } else {
            print("compacted:  never (`field compact --older-than 90d`)")
        }
        if let epoch = status.serverEpoch { print("epoch:      \(epoch) (the server's log this replica synced with)") }
        print("digest:     \(status.localDigest)")
        print("server:     \(status.digestMatch)")
    }

    /// "12.4 MB".
    static func bytes(_ count: Int64) -> String {
        if count < 1_000_000 { return String(format: "%.1f kB", Double(count) / 1_000) }
        return String(format: "%.1f MB", Double(count) / 1_000_000)
    }

    /// "3.2 s behind" / "2 h 5 min ahead of".
    static func describe(_ offset: Int64) -> String {
        let magnitude = abs(offset)
        let text: String
        if magnitude < 60_000 {
            text = String(format: "%.1f s", Double(magnitude) / 1000)
        } else if magnitude < 3_600_000 {
            text = "\(magnitude / 60_000) min"
        } else {
            text = "\(magnitude / 3_600_000) h \(magnitude / 60_000 % 60) min"
        }
        // The offset is what the device adds to reach the server's time: positive means behind.
        return offset > 0 ? "\(text) behind" : "\(text) ahead of"
    }
}
