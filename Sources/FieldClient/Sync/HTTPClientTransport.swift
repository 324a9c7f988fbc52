import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import SyncCore

/// HTTPS to a server whose certificate a private CA signed (`field remote set --ca-cert`), through
/// AsyncHTTPClient: URLSession on Linux cannot be told to trust a CA of one's own. Only that CA
/// is trusted for this server. Answers may come gzip-compressed and are decompressed here.
///
/// A class because it owns the HTTP client (its connections and threads), shut down when it goes.
public final class HTTPClientTransport: SyncTransport {
    public let baseURL: URL
    public let timeout: TimeInterval
    private let client: HTTPClient

    /// Largest answer accepted, decompressed (a snapshot file chunk is 8 MiB by default).
    static let largestAnswerBytes = 256 << 20

    public init(baseURL: URL, timeout: TimeInterval, caCertificatePEM: String) throws {
        self.baseURL = baseURL
        self.timeout = timeout
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try Self.trustRoots(pem: caCertificatePEM))
        tls.minimumTLSVersion = .tlsv12
        let seconds = TimeAmount.milliseconds(Int64(timeout * 1000))
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: tls, redirectConfiguration: .disallow,
            timeout: .init(connect: seconds, read: seconds),
            decompression: .enabled(limit: .size(Self.largestAnswerBytes)))
        // A refused certificate fails the request at once (the pool would try again until the
        // deadline); the sync client has its own retries.
        configuration.connectionPool.retryConnectionEstablishment = false
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    deinit { client.shutdown { _ in } }

    /// The certificates of a PEM file's text, or a clear error.
    public static func trustRoots(pem: String) throws -> [NIOSSLCertificate] {
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMBytes(Array(pem.utf8))
        } catch {
            throw SyncError(.invalidValue, "the CA certificate is not a PEM certificate (\(error))", cause: error)
        }
        guard !certificates.isEmpty else {
            throw SyncError(.invalidValue, "the CA certificate file holds no certificate (expected -----BEGIN CERTIFICATE-----)")
        }
        return certificates
    }

    public func send(_ request: TransportRequest) async throws -> TransportResponse {
        guard let url = URL(string: request.path, relativeTo: baseURL) else {
            throw SyncError(.malformed, "cannot build a URL from \(baseURL) and \(request.path)")
        }
        var outgoing = HTTPClientRequest(url: url.absoluteString)
        outgoing.method = HTTPMethod(rawValue: request.method)
        for (name, value) in request.headers { outgoing.headers.add(name: name, value: value) }
        if !outgoing.headers.contains(name: "Accept-Encoding") { outgoing.headers.add(name: "Accept-Encoding", value: "gzip") }
        if let body = request.body { outgoing.body = .bytes(ByteBuffer(bytes: body)) }
        do {
            let response = try await client.execute(outgoing, timeout: .milliseconds(Int64(timeout * 1000)))
            let body = try await response.body.collect(upTo: Self.largestAnswerBytes)
            var headers: [String: String] = [:]
            for header in response.headers { headers[header.name.lowercased()] = header.value }
            return TransportResponse(status: Int(response.status.code), body: Data(body.readableBytesView), headers: headers)
        } catch {
            throw SyncError(.unreachable, "cannot reach the sync server at \(baseURL.absoluteString): \(Self.describe(error))", cause: error)
        }
    }

    /// Certificate failures in words a person can act on.
    static func describe(_ error: any Error) -> String {
        let text = String(describing: error)
        if text.contains("CERTIFICATE_VERIFY_FAILED") || text.contains("handshakeFailed") {
            return "its HTTPS certificate is not signed by the CA given with --ca-cert, or does not name this host (\(text))"
        }
        return text
    }
}
