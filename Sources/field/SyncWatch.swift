import Dispatch
import FieldClient
import Foundation
import SyncCore

/// `field sync --watch`: runs `SyncClient.watch` and shows what happens, as one status line kept
/// up to date on a terminal, else one line (JSON with --json) per event. Ctrl-C (or SIGTERM)
/// stops it; a sync cut there resumes cleanly next time, like any interrupted sync.
struct SyncWatch {
    let client: SyncClient
    let json: Bool
    let server: String

    func run() async throws {
        let terminal = !json && isatty(STDOUT_FILENO) == 1
        let printer = WatchPrinter(terminal: terminal, json: json, server: server)
        let watching = Task { try await client.watch { event in printer.show(event) } }
        // Stop on SIGINT/SIGTERM: finish the status line and leave.
        let signals = [SIGINT, SIGTERM].map { number -> any DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .main)
            source.setEventHandler {
                watching.cancel()
                printer.stopped()
                exit(0)
            }
            source.resume()
            return source
        }
        defer { signals.forEach { $0.cancel() } }
        try await watching.value
    }
}

/// Prints watch events. A class only to own the line state under a lock, since events come from
/// the watch's two tasks.
final class WatchPrinter: Sendable {
    let terminal: Bool
    let json: Bool
    let server: String
    private let lock = NSLock()

    init(terminal: Bool, json: Bool, server: String) {
        self.terminal = terminal
        self.json = json
        self.server = server
    }

    func show(_ event: WatchEvent) {
        let time = Self.clock()
        let line: String
        var object: [String: JSONValue] = ["time": .string(time)]
        switch event {
        case .synced(let report):
            line = "\(time) in sync with \(server): pushed \(report.pushed), pulled \(report.pulled), \(report.conflicts) conflict(s)\(report.rejected.isEmpty ? "" : ", \(report.rejected.count) refused (see `field status`)"); watching"
            object["event"] = .string("synced")
            object["pushed"] = .int(Int64(report.pushed)); object["pulled"] = .int(Int64(report.pulled))
            object["conflicts"] = .int(Int64(report.conflicts)); object["rejected"] = .int(Int64(report.rejected.count))
            object["converged"] = report.converged.map(JSONValue.bool) ?? .null
        case .pushed(let report):
            line = "\(time) sent \(report.acknowledged) change(s)\(report.rejected.isEmpty ? "" : ", \(report.rejected.count) refused (see `field status`)")\(report.waiting > 0 ? ", \(report.waiting) waiting" : ""); watching"
            object["event"] = .string("pushed")
            object["pushed"] = .int(Int64(report.pushed)); object["acknowledged"] = .int(Int64(report.acknowledged))
            object["rejected"] = .int(Int64(report.rejected.count)); object["waiting"] = .int(Int64(report.waiting))
        case .pulled(let report):
            line = "\(time) received \(report.applied) change(s), \(report.conflicts) conflict(s); watching"
            object["event"] = .string("pulled")
            object["pulled"] = .int(Int64(report.pulled)); object["applied"] = .int(Int64(report.applied))
            object["conflicts"] = .int(Int64(report.conflicts))
        case .offline(let reason, let retry, let waiting):
            line = "\(time) offline: \(reason); trying again in \(retry) s\(waiting > 0 ? ", \(waiting) change(s) waiting" : "")"
            object["event"] = .string("offline")
            object["reason"] = .string(reason); object["retryInSeconds"] = .int(Int64(retry)); object["waiting"] = .int(Int64(waiting))
        }
        let text: String
        if json {
            text = JSONValue.object(object).canonicalJSON + "\n"
        } else if terminal {
            // One line, rewritten: cut to the terminal's usual width.
            text = "\r\u{1B}[2K" + (line.count > 120 ? String(line.prefix(119)) + "…" : line)
        } else {
            text = line + "\n"
        }
        lock.withLock { FileHandle.standardOutput.write(Data(text.utf8)) }
    }

    func stopped() {
        lock.withLock {
            if terminal { FileHandle.standardOutput.write(Data("\n".utf8)) }
            if !json { FileHandle.standardOutput.write(Data("stopped watching; run `field sync` or `field sync --watch` to go on\n".utf8)) }
        }
    }

    /// The local time of day, HH:MM:SS.
    static func clock() -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "HH:mm:ss"
        return formatter.string(from: Date())
    }
}
