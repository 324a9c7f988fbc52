import ArgumentParser
import Foundation
import SyncCore
import SyncServer

/// The data directory every subcommand works on: `--data-dir`, else CIVICSYNC_DATA_DIR, else
/// `./civicsync-data`.
struct DataDirectoryOptions: ParsableArguments {
    @Option(name: .long, help: "Directory of the server's database (env CIVICSYNC_DATA_DIR; default ./civicsync-data).")
    var dataDir: String?

    var resolved: String {
        dataDir ?? ProcessInfo.processInfo.environment["CIVICSYNC_DATA_DIR"] ?? "civicsync-data"
    }

    /// Opens the server store in the data directory.
    func open(policy: AccessPolicy = AccessPolicy(), quota: UsageQuota = .standard) throws -> SQLiteSyncStorage {
        try SQLiteSyncStorage.open(directory: resolved, policy: policy, quota: quota)
    }
}
