import Hummingbird

/// Applies the per-token rate limit to the authenticated routes: sits after `AuthMiddleware`,
/// so only tokens the server issued get a bucket (a flood of made-up tokens is refused with 401
/// and cannot push real tokens' buckets out of the limiter), and answers 429 `rate_limited` with
/// `Retry-After` when the caller's token has spent its burst.
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = SyncRequestContext

    let limiter: RateLimiter
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let key = context.tokenHash else { return try await next(request, context) }
        switch await limiter.admit(key) {
        case .allowed:
            return try await next(request, context)
        case .limited(let seconds):
            metrics.rateLimited.increment()
            context.logger.notice("rate limited", metadata: ["retry_after_s": .stringConvertible(seconds)])
            throw APIError.rateLimited(retryAfterSeconds: seconds, requestsPerSecond: limiter.requestsPerSecond, burst: limiter.burst)
        }
    }
}
