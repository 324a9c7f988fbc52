import ArgumentParser
import Foundation
import Hummingbird
import Logging
import SyncCore
import SyncServer

/// `syncserver serve`: runs the HTTP server on the data directory's SQLite store, or on a
/// PostgreSQL database (`--database-url`) beside other instances, until SIGINT/SIGTERM. Prints `listening on http://HOST:PORT` on standard output once it accepts
/// connections (with `--port 0`, the port actually chosen); logs go to standard error.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the sync server.")

    @OptionGroup var data: DataDirectoryOptions
    @Option(help: "Interface to bind (env CIVICSYNC_HOST; default 127.0.0.1).") var host: String?
    @Option(help: "Port to bind, 0 for any free port (env CIVICSYNC_PORT; default 8080).") var port: Int?
    @Option(help: "Largest request body in bytes (env CIVICSYNC_MAX_BODY_BYTES; default 8 MiB).") var maxBodyBytes: Int?
    @Option(help: "Most operations in one push, at least 32 (env CIVICSYNC_MAX_BATCH; default 5000).") var maxBatch: Int?
    @Option(help: "Largest pull page (env CIVICSYNC_MAX_PULL_LIMIT; default 5000).") var maxPullLimit: Int?
    @Option(help: "Requests per second each token may sustain on /v1, 0 for no limit (env CIVICSYNC_RATE_LIMIT; default 100).")
    var rateLimit: Int?
    @Option(help: "Requests a token may send at once before the rate applies (env CIVICSYNC_RATE_LIMIT_BURST; default 1000).")
    var rateLimitBurst: Int?
    @Option(help: "Seconds a connection may stay idle between requests, 0 for never closing (env CIVICSYNC_IDLE_TIMEOUT; default 60).")
    var idleTimeout: Int?
    @Option(help: "Seconds a new connection has to send a complete request head, 0 for no limit (env CIVICSYNC_HEADER_TIMEOUT; default 10).")
    var headerTimeout: Int?
    @Option(help: "Most connections open at once, 0 for no cap (env CIVICSYNC_MAX_CONNECTIONS; default 4096, or fewer when the file-descriptor limit is lower).")
    var maxConnections: Int?
    @Option(help: "Seconds an operation may be dated after the server's clock before it is refused for now, clock_ahead (env CIVICSYNC_MAX_CLOCK_AHEAD; default 300).")
    var maxClockAhead: Int?
    @Option(help: "Operations each member other than HQ may store per UTC day, 0 for no limit (env CIVICSYNC_QUOTA_OPERATIONS; default 100000).")
    var quotaOperations: Int?
    @Option(help: "Bytes of operations each member other than HQ may store per UTC day, 0 for no limit (env CIVICSYNC_QUOTA_BYTES; default 67108864).")
    var quotaBytes: Int?
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical (env CIVICSYNC_LOG_LEVEL; default info).")
    var logLevel: String?
    @Option(help: "Log format: json or text (env CIVICSYNC_LOG_FORMAT; default json).") var logFormat: String?
    @Option(help: "Where attachments' bytes are kept (env CIVICSYNC_ATTACHMENTS_DIR; default <data-dir>/attachments; give instances on one PostgreSQL database a shared directory).")
    var attachmentsDir: String?
    @Option(help: "Largest attachment in bytes (env CIVICSYNC_ATTACHMENT_MAX_BYTES; default 26214400, 25 MiB).")
    var attachmentMaxBytes: Int?
    @Option(help: "Media types attachments may have, comma-separated (env CIVICSYNC_ATTACHMENT_TYPES; default image/jpeg,image/png,image/heic,image/webp,image/gif,application/pdf,text/plain).")
    var attachmentTypes: String?
    @Option(help: "PEM certificate (chain) to serve HTTPS with; needs --tls-key (env CIVICSYNC_TLS_CERT).")
    var tlsCert: String?
    @Option(help: "PEM private key of --tls-cert (env CIVICSYNC_TLS_KEY).") var tlsKey: String?
    @Option(help: "Most PostgreSQL connections this instance opens (env CIVICSYNC_DATABASE_POOL; default 8).")
    var databasePool: Int?
    @Option(help: "Compact, while serving, operations dated more than this long ago, e.g. 365d (env CIVICSYNC_COMPACT_OLDER_THAN; default: never; embedded store only).")
    var compactOlderThan: String?
    @Option(help: "How often to compact when --compact-older-than is set, e.g. 24h (env CIVICSYNC_COMPACT_EVERY; default 1d).")
    var compactEvery: String?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        func setting(_ flag: Int?, _ name: String, _ fallback: Int) throws -> Int {
            if let flag { return flag }
            guard let text = environment[name] else { return fallback }
            guard let value = Int(text) else { throw ValidationError("\(name) must be an integer, not '\(text)'") }
            return value
        }
        var configuration = ServerConfiguration()
        configuration.host = host ?? environment["CIVICSYNC_HOST"] ?? configuration.host
        configuration.port = try setting(port, "CIVICSYNC_PORT", configuration.port)
        configuration.maxBodyBytes = try setting(maxBodyBytes, "CIVICSYNC_MAX_BODY_BYTES", configuration.maxBodyBytes)
        configuration.maxBatchOperations = try setting(maxBatch, "CIVICSYNC_MAX_BATCH", configuration.maxBatchOperations)
        configuration.maxPullLimit = try setting(maxPullLimit, "CIVICSYNC_MAX_PULL_LIMIT", configuration.maxPullLimit)
        configuration.defaultPullLimit = min(configuration.defaultPullLimit, configuration.maxPullLimit)
        configuration.rateLimitPerSecond = try setting(rateLimit, "CIVICSYNC_RATE_LIMIT", configuration.rateLimitPerSecond)
        configuration.rateLimitBurst = try setting(rateLimitBurst, "CIVICSYNC_RATE_LIMIT_BURST", configuration.rateLimitBurst)
        func seconds(_ duration: Duration?) -> Int { Int(duration?.components.seconds ?? 0) }
        let idleSeconds = try setting(idleTimeout, "CIVICSYNC_IDLE_TIMEOUT", seconds(configuration.idleTimeout))
        let headerSeconds = try setting(headerTimeout, "CIVICSYNC_HEADER_TIMEOUT", seconds(configuration.headerTimeout))
        configuration.idleTimeout = idleSeconds > 0 ? .seconds(idleSeconds) : nil
        configuration.headerTimeout = headerSeconds > 0 ? .seconds(headerSeconds) : nil
        configuration.maxConnections = try setting(maxConnections, "CIVICSYNC_MAX_CONNECTIONS",
                                                   ServerConfiguration.defaultMaxConnections(fileDescriptorLimit: Self.fileDescriptorLimit()))
        guard (0...65_535).contains(configuration.port) else { throw ValidationError("port must be 0-65535") }
        guard configuration.maxBodyBytes > 0, configuration.maxBatchOperations > 0, configuration.maxPullLimit > 0 else {
            throw ValidationError("limits must be positive")
        }
        // A client splits an entity's backlog across pushes with its creating writes first; a
        // creation is at most a dozen operations, so 32 always carries one whole.
        guard configuration.maxBatchOperations >= 32 else {
            throw ValidationError("--max-batch must be at least 32 (one entity's creating operations travel in one push)")
        }
        guard configuration.rateLimitPerSecond >= 0, idleSeconds >= 0, headerSeconds >= 0, configuration.maxConnections >= 0 else {
            throw ValidationError("the rate limit, timeouts and connection cap must be 0 (off) or positive")
        }
        guard configuration.rateLimitPerSecond == 0 || configuration.rateLimitBurst > 0 else {
            throw ValidationError("the rate-limit burst must be positive")
        }
        let clockAheadSeconds = try setting(maxClockAhead, "CIVICSYNC_MAX_CLOCK_AHEAD",
                                            Int(AccessPolicy.defaultMaxClockAheadMilliseconds / 1000))
        let quota = UsageQuota(operationsPerDay: try setting(quotaOperations, "CIVICSYNC_QUOTA_OPERATIONS", UsageQuota.standard.operationsPerDay),
                               bytesPerDay: try setting(quotaBytes, "CIVICSYNC_QUOTA_BYTES", UsageQuota.standard.bytesPerDay))
        guard clockAheadSeconds > 0, quota.operationsPerDay >= 0, quota.bytesPerDay >= 0 else {
            throw ValidationError("the clock tolerance must be positive, and the quotas 0 (off) or positive")
        }
        configuration.attachmentsDirectory = attachmentsDir ?? environment["CIVICSYNC_ATTACHMENTS_DIR"]
            ?? (data.resolved as NSString).appendingPathComponent("attachments")
        configuration.attachmentMaxBytes = Int64(try setting(attachmentMaxBytes, "CIVICSYNC_ATTACHMENT_MAX_BYTES", Int(configuration.attachmentMaxBytes)))
        guard configuration.attachmentMaxBytes > 0 else { throw ValidationError("--attachment-max-bytes must be positive") }
        if let types = attachmentTypes ?? environment["CIVICSYNC_ATTACHMENT_TYPES"] {
            let parsed = Set(types.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty })
            guard !parsed.isEmpty, parsed.allSatisfy({ $0.contains("/") }) else {
                throw ValidationError("--attachment-types must list media types such as image/jpeg,application/pdf")
            }
            configuration.attachmentMediaTypes = parsed
        }
        let certificate = tlsCert ?? environment["CIVICSYNC_TLS_CERT"], key = tlsKey ?? environment["CIVICSYNC_TLS_KEY"]
        switch (certificate, key) {
        case let (certificate?, key?):
            let tls = ServerTLS(certificatePath: certificate, keyPath: key)
            do { _ = try tls.tlsConfiguration() } catch { throw CommandOutput.fail(error, json: false) }
            configuration.tls = tls
        case (nil, nil):
            break
        default:
            throw ValidationError("HTTPS needs both --tls-cert and --tls-key")
        }
        let levelText = logLevel ?? environment["CIVICSYNC_LOG_LEVEL"] ?? "info"
        guard let level = Logger.Level(rawValue: levelText) else { throw ValidationError("unknown log level '\(levelText)'") }
        let format = logFormat ?? environment["CIVICSYNC_LOG_FORMAT"] ?? "json"
        guard ["json", "text"].contains(format) else { throw ValidationError("log format must be json or text") }

        // The one place that installs a process-wide logging backend: the program's entry point.
        LoggingSystem.bootstrap { label in
            if format == "json" { return JSONLogHandler(label: label, level: level) }
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        var schedule: CompactionSchedule?
        if let olderThan = compactOlderThan ?? environment["CIVICSYNC_COMPACT_OLDER_THAN"] {
            guard try data.postgresURL() == nil else {
                throw ValidationError("compaction works on the embedded store; on PostgreSQL the journal is kept whole")
            }
            let every = try DurationText.milliseconds(compactEvery ?? environment["CIVICSYNC_COMPACT_EVERY"] ?? "1d")
            guard every >= 1_000 else { throw ValidationError("--compact-every must be at least a second") }
            schedule = CompactionSchedule(olderThanMilliseconds: try DurationText.milliseconds(olderThan), everyMilliseconds: every)
        }
        let pool = try setting(databasePool, "CIVICSYNC_DATABASE_POOL", 8)
        guard pool > 0 else { throw ValidationError("--database-pool must be positive") }
        let instance = data.instanceName
        configuration.instance = instance
        var namedLogger = Logger(label: "civicsync.server")
        namedLogger[metadataKey: "instance"] = .string(instance)
        let logger = namedLogger
        let storage: any AdministeredStorage
        // One server per embedded store, and no restore or repair under it (PostgreSQL
        // instances lock their working copy's directory).
        let directoryLock: DirectoryLock?
        do {
            directoryLock = try data.postgresURL() == nil ? try DirectoryLock(directory: data.resolved) : nil
            storage = try await data.open(policy: AccessPolicy(maxClockAheadMilliseconds: Int64(clockAheadSeconds) * 1000),
                                          quota: quota, maximumConnections: pool, logger: logger)
        } catch {
            throw CommandOutput.fail(error, json: false)
        }
        defer { storage.close(); withExtendedLifetime(directoryLock) {} }
        // On PostgreSQL the instances behind one balancer share the per-token rate limit.
        let limiter = RateLimiter(configuration, clock: SystemWallClock())
        let heartbeat = (storage as? PostgresSyncStorage).flatMap { postgres in limiter.map { postgres.shareRateLimit($0) } }
        // Waiting pulls hear of pushes stored by the other instances.
        let relay = (storage as? PostgresSyncStorage)?.relayJournalNotifications()
        let host = configuration.host
        let scheme = configuration.tls == nil ? "http" : "https"
        if configuration.tls == nil, !Self.isLoopback(host) {
            logger.warning("serving plain HTTP on a non-loopback interface: tokens cross the network readable; serve HTTPS (--tls-cert, --tls-key) or put a TLS proxy in front (docs/DEPLOY.md)",
                           metadata: ["host": .string(host)])
        }
        let location = data.location
        let app = buildApplication(configuration: configuration, storage: storage, logger: logger,
                                   metrics: ServerMetrics(instance: instance), rateLimiter: limiter) { port in
            CommandOutput.print("listening on \(scheme)://\(host):\(port)")
            logger.info("listening", metadata: ["host": .string(host), "port": .stringConvertible(port), "scheme": .string(scheme),
                                                "store": .string(storage.storeKind), "data": .string(location)])
        }
        let compactions = (storage as? SQLiteSyncStorage).flatMap { sqlite in schedule.map { $0.start(on: sqlite, logger: logger) } }
        do {
            try await app.runService()
        } catch {
            compactions?.cancel()
            relay?.cancel()
            heartbeat?.cancel()
            await heartbeat?.value
            throw error
        }
        compactions?.cancel()
        relay?.cancel()
        // Leaves the instance table before the pool closes.
        heartbeat?.cancel()
        await heartbeat?.value
    }

    /// Whether `host` is a loopback interface (only this machine can reach it).
    static func isLoopback(_ host: String) -> Bool { Loopback.contains(host) }

    /// The soft limit on open files for this process (nil when unlimited or unknown), from
    /// which the default connection cap is derived.
    static func fileDescriptorLimit() -> Int? {
        var limit = rlimit()
        #if canImport(Glibc)
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return nil }
        let unlimited = rlim_t.max // glibc's RLIM_INFINITY, which Swift cannot import
        #else
        guard getrlimit(RLIMIT_NOFILE, &limit) == 0 else { return nil }
        let unlimited = RLIM_INFINITY
        #endif
        return limit.rlim_cur == unlimited ? nil : Int(clamping: limit.rlim_cur)
    }
}
