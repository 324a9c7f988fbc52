import SyncCore
import Hummingbird
import Logging
import NIOCore

/// The routes the server registers, as `(method, path)`; `Schemas/openapi.yaml` must describe
/// exactly these (a test checks it).
public let syncServerRoutes: [(method: String, path: String)] = [
    ("GET", "/v1/health"), ("GET", "/v1/version"), ("GET", "/metrics"),
    ("POST", "/v1/push"), ("GET", "/v1/pull"), ("GET", "/v1/digest"),
]

/// Builds the router: open routes (health, version, metrics) and the sync routes behind the
/// protocol check and bearer-token authentication.
public func buildRouter(configuration: ServerConfiguration, storage: any SyncStorage,
                        wallClock: any WallClock, ids: any IDSource, metrics: ServerMetrics) -> Router<SyncRequestContext> {
    let routes = SyncRoutes(configuration: configuration, storage: storage, metrics: metrics, wallClock: wallClock)
    let router = Router(context: SyncRequestContext.self)
    router.add(middleware: RequestLogMiddleware(ids: ids, metrics: metrics, knownPaths: Set(syncServerRoutes.map(\.path))))
    router.get("/v1/health", use: routes.health)
    router.get("/v1/version", use: routes.version)
    router.get("/metrics", use: routes.metricsText)
    let sync = router.group("/v1")
        .add(middleware: ProtocolMiddleware())
        .add(middleware: AuthMiddleware(tokens: TokenAuthority(storage: storage, ids: ids, wallClock: wallClock)))
    sync.post("push", use: routes.push)
    sync.get("pull", use: routes.pull)
    sync.get("digest", use: routes.digest)
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
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let router = buildRouter(configuration: configuration, storage: storage, wallClock: wallClock, ids: ids, metrics: metrics)
    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port),
                             serverName: configuration.serverName),
        onServerRunning: { channel in
            await onServerRunning(channel.localAddress?.port ?? configuration.port)
        },
        logger: logger
    )
}
