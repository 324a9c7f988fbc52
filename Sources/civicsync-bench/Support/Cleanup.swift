import Foundation

/// What must not outlive the benchmark when it is interrupted (SIGINT, SIGTERM): the syncserver
/// processes it started and its temporary directory (gigabytes at scale 10). A normal end cleans up
/// through `Suite` and `ServerProcess.stop()`; this covers Ctrl-C.
final class Cleanup: @unchecked Sendable {
    // @unchecked: `servers`, `directories` and `sources` are only touched under `lock`.
    static let shared = Cleanup()
    private let lock = NSLock()
    private var servers: Set<Int32> = []
    private var directories: [URL] = []
    private var sources: [any DispatchSourceSignal] = []

    func add(server pid: Int32) { _ = lock.withLock { servers.insert(pid) } }
    func remove(server pid: Int32) { _ = lock.withLock { servers.remove(pid) } }
    func add(directory: URL) { lock.withLock { directories.append(directory) } }

    /// On SIGINT or SIGTERM: stop the servers, remove the directories, exit 130 or 143.
    func installSignalHandlers() {
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { [self] in
                let (pids, paths) = lock.withLock { (servers, directories) }
                for pid in pids { kill(pid, SIGTERM) }
                for path in paths { try? FileManager.default.removeItem(at: path) }
                FileHandle.standardError.write(Data("civicsync-bench: interrupted; servers stopped, temporary files removed\n".utf8))
                exit(128 + signalNumber)
            }
            source.resume()
            lock.withLock { sources.append(source) }
        }
    }
}
