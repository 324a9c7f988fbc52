import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A throw-away PostgreSQL cluster for the tests and the benchmark: `initdb` in a temporary
/// directory, started on a free loopback port with durability off (`fsync`, synchronous commit
/// and full-page writes: nothing here must survive a crash), stopped and deleted by `stop()`
/// or at the latest when the process exits. Run as root (CI), every PostgreSQL program runs as
/// the unprivileged `postgres` system user through `runuser`, since PostgreSQL refuses root.
///
/// A class because it owns the running server process and its directory.
public final class ScratchPostgres: @unchecked Sendable {
    // @unchecked Sendable: the stored properties are set once in `init`; `stopped` is guarded by `lock`.
    public let port: Int
    public let directory: String
    /// The database user, with trust authentication on loopback.
    public let user = "civicsync"
    private let binaries: String
    private let lock = NSLock()
    private var stopped = false

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Clusters started by this process, stopped by the exit handler if nobody stopped them.
    nonisolated(unsafe) private static var running: [ScratchPostgres] = []
    private static let registry = NSLock()

    /// Creates and starts a cluster. Throws with what PostgreSQL printed when it cannot.
    public init() throws {
        guard let binaries = Self.findBinaries() else {
            throw Failure(description: "PostgreSQL is not installed (no initdb in /usr/lib/postgresql/*/bin or on PATH): install the distribution's postgresql package (.ci/run does)")
        }
        self.binaries = binaries
        var template = Array("/tmp/civicsync-pg-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw Failure(description: "cannot create a temporary directory") }
        directory = String(cString: made)
        port = try Self.freePort()
        if getuid() == 0 {
            guard let account = getpwnam("postgres") else {
                throw Failure(description: "running as root, but there is no 'postgres' system user to run PostgreSQL as")
            }
            guard chown(directory, account.pointee.pw_uid, account.pointee.pw_gid) == 0 else {
                throw Failure(description: "cannot hand \(directory) to the postgres user")
            }
        }
        try run("initdb", ["-D", "\(directory)/data", "-U", user, "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"])
        let options = "-p \(port) -c listen_addresses=127.0.0.1 -k \(directory) -c fsync=off -c synchronous_commit=off " +
            "-c full_page_writes=off -c max_connections=300 -c shared_buffers=64MB"
        try run("pg_ctl", ["-D", "\(directory)/data", "-l", "\(directory)/server.log", "-o", options, "-w", "-t", "60", "start"])
        Self.registry.lock()
        if Self.running.isEmpty { atexit { ScratchPostgres.stopAll() } }
        Self.running.append(self)
        Self.registry.unlock()
    }

    deinit { stop() }

    /// One cluster for the whole process, started by the first caller (each test then takes a
    /// database of its own: `createDatabase()`).
    public static func shared() throws -> ScratchPostgres { try sharedCluster.get() }
    private static let sharedCluster = Result { try ScratchPostgres() }

    /// A new, empty database of the shared cluster; returns its URL. For async callers: the
    /// programs it runs (`initdb` and `pg_ctl` the first time, `createdb`) are waited for on a
    /// thread of their own, never on one of the few threads that run Swift tasks.
    public static func newDatabase() async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try shared().createDatabase() })
            }
        }
    }

    /// A new, empty database (named `name`, or uniquely); returns its URL.
    public func createDatabase(_ name: String? = nil) throws -> String {
        let name = name ?? Self.uniqueName()
        try run("createdb", ["-h", "127.0.0.1", "-p", String(port), "-U", user, name])
        return url(name)
    }

    private static let counter = NSLock()
    nonisolated(unsafe) private static var created = 0
    private static func uniqueName() -> String {
        counter.lock()
        defer { counter.unlock() }
        created += 1
        return "civicsync_\(getpid())_\(created)"
    }

    /// The URL of database `name` (plain TCP on loopback, no TLS).
    public func url(_ name: String = "postgres") -> String {
        "postgres://\(user)@127.0.0.1:\(port)/\(name)?sslmode=disable"
    }

    /// Runs `psql` with `sql` on database `name` and returns what it printed (tuples only).
    public func psql(_ name: String, _ sql: String) throws -> String {
        try run("psql", ["-h", "127.0.0.1", "-p", String(port), "-U", user, "-d", name, "-At", "-v", "ON_ERROR_STOP=1", "-c", sql])
    }

    /// Stops the server at once and removes its directory (nothing is kept).
    public func stop() {
        lock.lock()
        defer { lock.unlock() }
        guard !stopped else { return }
        stopped = true
        _ = try? run("pg_ctl", ["-D", "\(directory)/data", "-m", "immediate", "-w", "stop"])
        try? FileManager.default.removeItem(atPath: directory)
    }

    private static func stopAll() {
        registry.lock()
        let clusters = running
        running.removeAll()
        registry.unlock()
        for cluster in clusters { cluster.stop() }
    }

    /// Runs one PostgreSQL program (as `postgres` when this process is root) and returns its
    /// standard output; a non-zero exit throws with its output.
    @discardableResult
    private func run(_ program: String, _ arguments: [String]) throws -> String {
        let path = "\(binaries)/\(program)"
        // `env -C`: in the cluster's directory, which the postgres user can enter (the caller's may not be).
        let inDirectory = ["/usr/bin/env", "-C", directory, path] + arguments
        let command = getuid() == 0 ? ["/usr/sbin/runuser", "-u", "postgres", "--"] + inDirectory : inDirectory
        // Output goes to a file, not a pipe: the server that `pg_ctl start` leaves running would
        // hold a pipe open, and reading it to its end would wait for the server to stop.
        let outputPath = "\(directory)/.\(program)-\(UUID().uuidString).out"
        defer { unlink(outputPath) }
        let status = try Self.spawnAndWait(command, output: outputPath)
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        guard status == 0 else {
            var log = ""
            if program == "pg_ctl" { log = (try? String(contentsOfFile: "\(directory)/server.log", encoding: .utf8)) ?? "" }
            throw Failure(description: "\(program) failed (\(status)): \(text)\(log)")
        }
        return text
    }

    /// Runs `command` with standard output and error into the file `output` and waits for it
    /// with `waitpid` (Foundation's `Process` leaves the child unreaped when it is started from
    /// a lazily initialised global, as `shared()` is). Returns the exit status.
    private static func spawnAndWait(_ command: [String], output: String) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = command.map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, command[0], &actions, nil, argv, environ)
        guard spawned == 0 else { throw Failure(description: "cannot run \(command[0]) (error \(spawned))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw Failure(description: "cannot wait for \(command[0])") }
        }
        // WIFEXITED / WEXITSTATUS, which Swift cannot import (macros).
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    /// The newest `/usr/lib/postgresql/N/bin`, else the directory of `initdb` on PATH.
    private static func findBinaries() -> String? {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [])
            .compactMap(Int.init).sorted(by: >)
        for version in versions where FileManager.default.isExecutableFile(atPath: "\(root)/\(version)/bin/initdb") {
            return "\(root)/\(version)/bin"
        }
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
        where FileManager.default.isExecutableFile(atPath: "\(directory)/initdb") {
            return String(directory)
        }
        return nil
    }

    /// A loopback port nobody listens on right now.
    private static func freePort() throws -> Int {
        let socketDescriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socketDescriptor >= 0 else { throw Failure(description: "cannot open a socket") }
        defer { close(socketDescriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socketDescriptor, $0, length) == 0 && getsockname(socketDescriptor, $0, &length) == 0 }
        }
        guard bound else { throw Failure(description: "cannot find a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
