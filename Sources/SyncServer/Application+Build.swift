import SyncCore
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import HTTPTypes
import Logging
import NIOCore

/// The routes the server registers, as `(method, path)`; `Schemas/openapi.yaml` must describe
/// exactly these (a test checks it).
public let syncServerRoutes: [(method: String, path: String)] = [
    ("GET", "/v1/health"), ("GET", "/v1/version"), ("GET", "/metrics"),
    ("POST", "/v1/push"), ("GET", "/v1/pull"), ("GET", "/v1/digest"), ("GET", "/v1/replicas/{replica}"), ("GET", "/v1/snapshot"), ("GET", "/v1/snapshot/file"),
    ("GET", "/v1/attachments/{sha256}"), ("PUT", "/v1/attachments/{sha256}"), ("GET", "/v1/attachments/{sha256}/upload"),
    ("GET", "/v1/reports"), ("GET", "/v1/reports/{name}"), ("POST", "/v1/dashboard/ticket"),
    ("GET", "/dashboard"), ("GET", "/dashboard/login"), ("POST", "/dashboard/login"), ("POST", "/dashboard/logout"),
    ("GET", "/dashboard/attachments/{sha256}"), ("GET", "/reforms"),
]

/// Builds the router: open routes (health, version, metrics), the sync and report routes
/// behind the protocol check and bearer-token authentication, and the HQ dashboard, which
/// checks its own credentials (bearer token or session cookie) and answers HTML.
/// `dashboardSessions` defaults to a session table on the injected clock and ids, kept where the
/// storage says (`SyncStorage.dashboardSessionStore`: the database for PostgreSQL, else memory);
/// `rateLimiter` to one built from the configuration on the injected clock (none when
/// `rateLimitPerSecond` is 0).
public func buildRouter(configuration: ServerConfiguration, storage: any SyncStorage,
                        wallClock: any WallClock, ids: any IDSource, metrics: ServerMetrics,
                        dashboardSessions: DashboardSessions? = nil,
                        rateLimiter: RateLimiter? = nil) -> Router<SyncRequestContext> {
    let routes = SyncRoutes(configuration: configuration, storage: storage, metrics: metrics, wallClock: wallClock)
    let tokens = TokenAuthority(storage: storage, ids: ids, wallClock: wallClock)
    let reports = ReportRoutes(storage: storage, wallClock: wallClock)
    let attachmentStore = configuration.attachmentsDirectory.map(AttachmentStore.init(directory:))
    let attachments = AttachmentRoutes(configuration: configuration, storage: storage, files: attachmentStore, metrics: metrics)
    let dashboard = DashboardRoutes(storage: storage, tokens: tokens,
                                    sessions: dashboardSessions ?? DashboardSessions(ids: ids, wallClock: wallClock,
                                                                                     store: storage.dashboardSessionStore),
                                    wallClock: wallClock, files: attachmentStore)
    let router = Router(context: SyncRequestContext.self)
    router.add(middleware: RequestLogMiddleware(ids: ids, metrics: metrics, knownPaths: Set(syncServerRoutes.map(\.path))))
    router.add(middleware: ResponseCompressionMiddleware(metrics: metrics))
    router.add(middleware: SecureCookieMiddleware(tls: configuration.tls != nil))
    router.add(middleware: MethodNotAllowedMiddleware(routes: syncServerRoutes))
    router.get("/v1/health", use: routes.health)
    router.get("/v1/version", use: routes.version)
    router.get("/metrics", use: routes.metricsText)
    let sync = router.group("/v1")
        .add(middleware: ProtocolMiddleware())
        .add(middleware: AuthMiddleware(tokens: tokens))
    if let limiter = rateLimiter ?? RateLimiter(configuration, clock: wallClock) {
        sync.add(middleware: RateLimitMiddleware(limiter: limiter, metrics: metrics))
    }
    sync.post("push", use: routes.push)
    sync.get("pull", use: routes.pull)
    sync.get("digest", use: routes.digest)
    sync.get("replicas/:replica", use: routes.replicaStatus)
    sync.get("snapshot", use: routes.snapshot)
    sync.get("snapshot/file", use: routes.snapshotFile)
    sync.get("attachments/:sha256", use: attachments.download)
    sync.put("attachments/:sha256", use: attachments.upload)
    sync.get("attachments/:sha256/upload", use: attachments.uploadStatus)
    sync.get("reports", use: reports.index)
    sync.get("reports/:name", use: reports.report)
    sync.post("dashboard/ticket", use: dashboard.issueTicket)
    router.get("/dashboard", use: dashboard.show)
    router.get("/dashboard/login", use: dashboard.ticketLogin)
    router.post("/dashboard/login", use: dashboard.login)
    router.post("/dashboard/logout", use: dashboard.logout)
    router.get("/dashboard/attachments/:sha256", use: dashboard.attachment)
    // The public reform page: no sign-in, nothing personal.
    let publicPage = PublicPageCache()
    router.get("/reforms") { _, _ -> Response in
        // Rendered again only when something was stored since: anonymous visitors cost a read
        // of the change count, not of the store.
        let generation = storage.changes.generation
        let html: String
        if let cached = publicPage.page(at: generation) {
            html = cached
        } else {
            html = PublicReformsPage(reforms: try await storage.publishedReforms()).html
            publicPage.keep(html, at: generation)
        }
        var response = DashboardRoutes.html(.ok, html)
        // Revalidated every time: a reform withdrawn is gone at the next visit.
        response.headers[.cacheControl] = "no-cache"
        response.headers[HTTPField.Name("Content-Security-Policy")!] = "default-src 'none'; style-src 'unsafe-inline'"
        return response
    }
    return router
}

/// Builds the CivicSync sync server, for production (`syncserver serve`) and tests alike.
///
/// Everything that varies is injected: the storage, the clock, the id source (request ids),
/// the logger and the metrics registry; nothing global is touched.
/// `onServerRunning` receives the port actually bound (useful with port 0).
public func buildApplication(
    configuration: ServerConfiguration,
    storage: any SyncStorage,
    wallClock: any WallClock = SystemWallClock(),
    ids: any IDSource = SystemIDSource(),
    logger: Logger = Logger(label: "civicsync.server"),
    metrics: ServerMetrics = ServerMetrics(),
    dashboardSessions: DashboardSessions? = nil,
    rateLimiter: RateLimiter? = nil,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let router = buildRouter(configuration: configuration, storage: storage, wallClock: wallClock, ids: ids, metrics: metrics,
                             dashboardSessions: dashboardSessions, rateLimiter: rateLimiter)
    let http1 = http1Configuration(configuration, metrics: metrics, logger: logger)
    let server: HTTPServerBuilder
    if let tls = configuration.tls {
        // HTTPS: TLS around the same HTTP/1 channel; the files are read as the server starts
        // (`syncserver serve` reads them first, to report a bad one in words).
        server = HTTPServerBuilder { responder in
            try TLSChannel(HTTP1Channel(responder: responder, configuration: http1), tlsConfiguration: try tls.tlsConfiguration())
        }
    } else {
        server = .http1(configuration: http1)
    }
    return Application(
        router: router,
        server: server,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port),
                             serverName: configuration.serverName),
        onServerRunning: { channel in
            await onServerRunning(channel.localAddress?.port ?? configuration.port)
        },
        logger: logger
    )
}

/// The HTTP/1 channel settings that protect the server's connections: Hummingbird's idle
/// timeout, and in every connection's pipeline the connection cap (first, so a refused
/// connection starts nothing else) and the request-head timeout. The counter is shared by all
/// connections of this one server.
func http1Configuration(_ configuration: ServerConfiguration, metrics: ServerMetrics,
                        logger: Logger) -> HTTP1Channel.Configuration {
    let counter = ConnectionCounter(maximum: max(0, configuration.maxConnections))
    let headerTimeout = configuration.headerTimeout.flatMap { $0 > .zero ? TimeAmount($0) : nil }
    let idleTimeout = configuration.idleTimeout.flatMap { $0 > .zero ? TimeAmount($0) : nil }
    let refused = metrics.connectionsRefused, timedOut = metrics.headerTimeouts
    return HTTP1Channel.Configuration(
        additionalChannelHandlers: {
            var handlers: [any RemovableChannelHandler] = [
                ConnectionCapHandler(counter: counter) { refusals in
                    refused.increment()
                    // The first refusal and every thousandth: a flood must not flood the log too.
                    if refusals == 1 || refusals % 1_000 == 0 {
                        logger.warning("connection refused: the server has its maximum of connections open",
                                       metadata: ["max_connections": .stringConvertible(counter.maximum),
                                                  "refused_so_far": .stringConvertible(refusals)])
                    }
                },
            ]
            if let headerTimeout {
                handlers.append(RequestHeadTimeoutHandler(timeout: headerTimeout) {
                    timedOut.increment()
                    logger.debug("connection closed: no complete request head within the header timeout")
                })
            }
            return handlers
        }(),
        idleTimeout: idleTimeout)
}
