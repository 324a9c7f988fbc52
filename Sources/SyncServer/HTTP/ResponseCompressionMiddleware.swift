import HTTPTypes
import Hummingbird
import NIOCore
import SyncCore

/// gzip-compresses answers for clients that accept it (`Accept-Encoding: gzip`): pull pages,
/// snapshot pages and files, reports and the dashboard. A full HQ pull is about 213 bytes per
/// operation as JSON and compresses to a fraction of that, which is what a branch on a
/// tethered phone pays for.
///
/// Small answers (under `minimumBytes`, when their length is known) and media types that do not
/// compress (anything but text, JSON, CSV, SVG and SQLite files) go as they are. An answer of
/// known length up to `oneShotLimit` is compressed in one piece and keeps a `Content-Length`; a
/// longer or streamed one (a snapshot file's chunk, read from disk) is compressed as it is
/// written, chunked.
/// Every answer says `Vary: Accept-Encoding`, so a cache between never serves one client's
/// encoding to another.
struct ResponseCompressionMiddleware: RouterMiddleware {
    typealias Context = SyncRequestContext

    let metrics: ServerMetrics
    /// Answers shorter than this are sent as they are: the gzip header and the CPU cost more
    /// than they save.
    var minimumBytes = 1_024

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[values: .vary].append("Accept-Encoding")
        let length = response.body.contentLength
        guard request.method != .head, Self.acceptsGzip(request.headers[values: .acceptEncoding]),
              response.headers[.contentEncoding] == nil, Self.compressible(response.headers[.contentType]),
              response.status.code >= 200, response.status != .noContent, response.status != .notModified,
              length.map({ $0 >= minimumBytes }) ?? true else {
            if let length { metrics.countResponseBytes(produced: length, sent: length) }
            return response
        }
        response.headers[.contentEncoding] = "gzip"
        response.headers[.contentLength] = nil
        let metrics = self.metrics
        // Snapshot files are large and mostly pages of rows: zlib's fastest level keeps most of
        // the saving at a third of the CPU; JSON and text get the usual level.
        let level: Int32 = Self.mediaType(response.headers[.contentType]) == "application/vnd.sqlite3" ? 1 : 6
        if let length, length <= Self.oneShotLimit {
            // A known, bounded length (JSON pages, reports): compress in one piece, so the answer
            // keeps its Content-Length.
            let collector = BufferCollector()
            try await response.body.write(collector)
            var whole = await collector.buffer
            let compressed = try GzipStream.compress(&whole, level: level)
            metrics.countResponseBytes(produced: length, sent: compressed.readableBytes)
            response.body = ResponseBody(byteBuffer: compressed)
            return response
        }
        let body = response.body
        response.body = ResponseBody { writer in
            let compressing = CompressingBodyWriter(parent: writer, stream: try GzipStream(level: level), metrics: metrics)
            try await body.write(compressing)
        }
        return response
    }

    /// Bodies up to this size are compressed in memory at once; longer ones (a snapshot file's
    /// chunk) as a stream, piece by piece as they are read.
    static let oneShotLimit = 1 << 20

    /// Whether `Accept-Encoding` accepts gzip: listed (as gzip or x-gzip) with a quality above
    /// zero, or, when not listed, covered by `*` with one (RFC 9110: `*` stands for the codings
    /// not listed).
    static func acceptsGzip(_ values: [String]) -> Bool {
        var named: Double?, anything: Double?
        for value in values {
            for item in value.split(separator: ",") {
                let parts = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
                guard let coding = parts.first else { continue }
                let quality = parts.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
                if coding == "gzip" || coding == "x-gzip" { named = max(named ?? 0, quality) }
                if coding == "*" { anything = quality }
            }
        }
        return (named ?? anything ?? 0) > 0
    }

    /// The media type of a Content-Type, without parameters, lower case.
    static func mediaType(_ contentType: String?) -> String? {
        contentType?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
    }

    /// Media types worth compressing: text, JSON, CSV, SVG and SQLite files (whose pages hold
    /// mostly text and empty space).
    static func compressible(_ contentType: String?) -> Bool {
        guard let type = mediaType(contentType) else { return false }
        return type.hasPrefix("text/") || type == "application/json" || type.hasSuffix("+json") || type == "image/svg+xml"
            || type == "application/vnd.sqlite3"
    }
}

/// Collects a response body into one buffer (for bodies of known, bounded length).
actor BufferCollector: ResponseBodyWriter {
    private(set) var buffer = ByteBuffer()

    nonisolated func write(_ part: ByteBuffer) async throws { await append(part) }
    nonisolated func finish(_ trailingHeaders: HTTPFields?) async throws {}

    private func append(_ part: ByteBuffer) {
        var part = part
        buffer.writeBuffer(&part)
    }
}

/// Writes a body through a gzip stream to the connection, counting what was produced and sent.
struct CompressingBodyWriter: ResponseBodyWriter {
    var parent: any ResponseBodyWriter
    let stream: GzipStream
    let metrics: ServerMetrics
    var produced = 0
    var sent = 0

    mutating func write(_ buffer: ByteBuffer) async throws {
        produced += buffer.readableBytes
        var input = buffer
        for chunk in try stream.deflate(&input, finish: false) {
            sent += chunk.readableBytes
            try await parent.write(chunk)
        }
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {
        var empty = ByteBuffer()
        for chunk in try stream.deflate(&empty, finish: true) {
            sent += chunk.readableBytes
            try await parent.write(chunk)
        }
        metrics.countResponseBytes(produced: produced, sent: sent)
        try await parent.finish(trailingHeaders)
    }
}
