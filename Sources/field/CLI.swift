import ArgumentParser
import FieldClient
import Foundation
import SyncCore

/// Helpers shared by the commands: output, errors, the system clock and randomness (only here,
/// at the edge; the library takes them injected).
enum CLI {
    /// The wall clock: the machine's, or a fixed instant from `CIVICSYNC_CLOCK_MS` (milliseconds
    /// since the epoch) for demos and tests.
    static var wallClock: any WallClock {
        if let text = ProcessInfo.processInfo.environment["CIVICSYNC_CLOCK_MS"], let ms = Int64(text) {
            return ManualWallClock(milliseconds: ms)
        }
        return SystemWallClock()
    }

    static let ids: any IDSource = SystemIDSource()

    static func fail(_ error: SyncError) -> Never {
        var line = "error: " + error.message
        if let cause = error.cause, error.code == .storage || error.code == .notAReplica {
            line += " (" + cause.split(whereSeparator: \.isNewline).joined(separator: " ") + ")"
        }
        FileHandle.standardError.write(Data((line + "\n").utf8))
        exit(ExitCodes.code(for: error.code))
    }

    /// Pretty, key-sorted JSON, the one style of every `--json` and of the server's reports.
    static func printJSON<T: Encodable>(_ value: T) throws {
        print(try HQReports.json(value))
    }

    /// Writes text to standard output as it is (no newline added: CSV ends its own lines).
    static func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// Prints rows as aligned columns under a header.
    static func table(_ header: [String], _ rows: [[String]]) {
        var widths = header.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count { widths[index] = max(widths[index], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                index == cells.count - 1 ? cell : cell + String(repeating: " ", count: widths[index] - cell.count)
            }.joined(separator: "  ")
        }
        print(line(header))
        for row in rows { print(line(row)) }
        if rows.isEmpty { print("(none)") }
    }

    static func period(_ text: String) throws -> ReportPeriod { try ReportPeriod(parsing: text) }

    /// The points policy: `--policy`, else `$CIVICSYNC_POINTS_POLICY`, else the built-in Table 1 policy.
    static func policy(_ path: String?) throws -> PointsPolicy {
        if let path { return try PointsPolicy.load(path: path) }
        if let path = ProcessInfo.processInfo.environment["CIVICSYNC_POINTS_POLICY"], !path.isEmpty {
            return try PointsPolicy.load(path: path)
        }
        return .embedded
    }
}

extension Optional where Wrapped == String {
    var orDash: String { self ?? "-" }
}

extension Optional where Wrapped == Int {
    var orDash: String { self.map(String.init) ?? "-" }
}

/// `--replica PATH` (else `$CIVICSYNC_REPLICA`, else `./civicsync.replica`).
struct ReplicaOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The replica file (default: $CIVICSYNC_REPLICA, else ./civicsync.replica).", valueName: "path"))
    var replica: String?

    var path: String { FieldReplica.resolvePath(option: replica) }

    func open() throws -> FieldReplica {
        try FieldReplica.open(path: path, wallClock: CLI.wallClock, ids: CLI.ids)
    }
}

/// `--json`: print the documented JSON shape (docs/CLI.md) instead of text.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print JSON (shape documented in docs/CLI.md).")
    var json = false
}
