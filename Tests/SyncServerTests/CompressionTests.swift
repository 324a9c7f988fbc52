import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SyncCore
@testable import SyncServer
import Testing

/// Issue 14: gzip on the wire. Answers are compressed for clients that accept it; pushes may
/// come compressed, and the body limit holds for what they decompress to.
@Suite("compression")
struct CompressionTests {
    static let acceptEncoding = HTTPField.Name("Accept-Encoding")!
    static let contentEncoding = HTTPField.Name("Content-Encoding")!

    func gunzip(_ buffer: ByteBuffer) throws -> String {
        String(buffer: try GzipStream.decompress(buffer, limit: 64 << 20))
    }

    /// A harness whose store holds `cases` cases pushed by HQ.
    func filled(cases: Int) async throws -> (ServerHarness, String) {
        let harness = try ServerHarness()
        let hq = try await harness.token("hq", .hq)
        let device = try Device("hqr", member: "hq")
        var operations: [SyncOperation] = []
        for index in 0..<cases {
            operations += try device.record(World.caseWrites("HQ-\(index)", submitter: "hq", branch: "busan",
                                                             title: "Bid bond refunds take forty days in branch \(index % 7)"))
        }
        let batch = operations
        try await harness.test { client in
            let answer = try await client.push(hq, replica: "hqr", batch)
            #expect(answer.acknowledged.count == batch.count)
        }
        return (harness, hq)
    }

    @Test("a pull page is gzip-compressed for a client that accepts it, and reads the same")
    func compressedPull() async throws {
        let (harness, hq) = try await filled(cases: 200)
        try await harness.test { client in
            var plainHeaders = client.headers(token: hq)
            plainHeaders[Self.acceptEncoding] = "identity"
            let plain = try await client.execute(uri: "/v1/pull?cursor=0&limit=400", method: .get, headers: plainHeaders)
            #expect(plain.headers[Self.contentEncoding] == nil)
            var gzipHeaders = client.headers(token: hq)
            gzipHeaders[Self.acceptEncoding] = "br;q=1.0, gzip;q=0.8"
            let compressed = try await client.execute(uri: "/v1/pull?cursor=0&limit=400", method: .get, headers: gzipHeaders)
            #expect(compressed.status == .ok)
            #expect(compressed.headers[Self.contentEncoding] == "gzip")
            #expect(compressed.headers[values: .vary].contains("Accept-Encoding"))
            #expect(try gunzip(compressed.body) == String(buffer: plain.body))
            // JSON of operations compresses several times over.
            #expect(compressed.body.readableBytes * 4 < plain.body.readableBytes,
                    "\(compressed.body.readableBytes) compressed against \(plain.body.readableBytes)")
            // gzip refused by quality 0: sent as it is.
            var refused = client.headers(token: hq)
            refused[Self.acceptEncoding] = "gzip;q=0"
            let identity = try await client.execute(uri: "/v1/pull?cursor=0&limit=400", method: .get, headers: refused)
            #expect(identity.headers[Self.contentEncoding] == nil)
            // Small answers go as they are.
            var small = client.headers(token: hq)
            small[Self.acceptEncoding] = "gzip"
            let health = try await client.execute(uri: "/v1/health", method: .get, headers: small)
            #expect(health.headers[Self.contentEncoding] == nil)
        }
        let exposition = harness.metrics.exposition()
        #expect(exposition.contains("civicsync_response_wire_bytes_total"))
    }

    @Test("reports (CSV) come compressed too")
    func compressedReport() async throws {
        let (harness, hq) = try await filled(cases: 50)
        try await harness.test { client in
            var headers = client.headers(token: hq)
            headers[Self.acceptEncoding] = "gzip"
            let list = try await client.execute(uri: "/v1/reports", method: .get, headers: headers)
            #expect(list.status == .ok)
            let report = try await client.execute(uri: "/v1/reports/all?format=csv", method: .get, headers: headers)
            #expect(report.status == .ok)
            #expect(report.headers[Self.contentEncoding] == "gzip")
            var plainHeaders = client.headers(token: hq)
            plainHeaders[Self.acceptEncoding] = "identity"
            let plain = try await client.execute(uri: "/v1/reports/all?format=csv", method: .get, headers: plainHeaders)
            #expect(try gunzip(report.body) == String(buffer: plain.body))
            #expect(report.body.readableBytes < plain.body.readableBytes)
        }
    }

    @Test("a gzip push is stored like a plain one, and says what it saved")
    func compressedPush() async throws {
        let harness = try ServerHarness()
        let hq = try await harness.token("hq", .hq)
        let device = try Device("hqr", member: "hq")
        var operations: [SyncOperation] = []
        for index in 0..<100 {
            operations += try device.record(World.caseWrites("HQ-\(index)", submitter: "hq", branch: nil, title: "A title that repeats itself \(index)"))
        }
        let body = "{\"replica\":\"hqr\",\"operations\":[" + operations.map(\.canonicalJSON).joined(separator: ",") + "]}"
        let compressed = try GzipStream.compress(Data(body.utf8))
        let count = operations.count
        try await harness.test { client in
            var headers = client.headers(token: hq, json: true)
            headers[Self.contentEncoding] = "gzip"
            let response = try await client.execute(uri: "/v1/push", method: .post, headers: headers, body: ByteBuffer(bytes: compressed))
            #expect(response.status == .ok, "\(String(buffer: response.body))")
            // The server says it reads gzip bodies (RFC 7694), so clients know to send them.
            #expect(response.headers[Self.acceptEncoding] == "gzip")
            let answer = try parseJSON(String(buffer: response.body))
            #expect(answer.objectValue?["acknowledged"]?.arrayValue?.count == count)
            let pulled = try await client.pullAll(hq)
            #expect(pulled.0.count == count)
        }
        let exposition = harness.metrics.exposition()
        let received = Self.counter(exposition, "civicsync_request_wire_bytes_total")
        let decoded = Self.counter(exposition, "civicsync_request_body_bytes_total")
        #expect(received == Double(compressed.count) && decoded == Double(body.utf8.count), "\(received) \(decoded)")
    }

    @Test("a compression bomb is a 413 at the decompressed limit; broken or unknown encodings are refused")
    func bombAndBrokenBodies() async throws {
        let harness = try ServerHarness(configuration: ServerConfiguration(host: "127.0.0.1", port: 0, maxBodyBytes: 1 << 20))
        let hq = try await harness.token("hq", .hq)
        // 64 MiB of spaces inside a JSON body: about 64 KiB compressed, well under the limit.
        var bomb = ByteBuffer(string: "{\"replica\":\"hqr\",\"operations\":[")
        bomb.writeRepeatingByte(UInt8(ascii: " "), count: 64 << 20)
        bomb.writeString("]}")
        let compressedBomb = try GzipStream.compress(&bomb, level: 9)
        #expect(compressedBomb.readableBytes < 1 << 20)
        try await harness.test { client in
            var headers = client.headers(token: hq, json: true)
            headers[Self.contentEncoding] = "gzip"
            let refused = try await client.execute(uri: "/v1/push", method: .post, headers: headers, body: compressedBomb)
            #expect(refused.status == .contentTooLarge)
            #expect(errorCode(String(buffer: refused.body)) == "payload_too_large")
            #expect(String(buffer: refused.body).contains("decompresses"))

            let broken = try await client.execute(uri: "/v1/push", method: .post, headers: headers, body: ByteBuffer(string: "not gzip at all"))
            #expect(broken.status == .badRequest)
            #expect(errorCode(String(buffer: broken.body)) == "malformed_body")

            var cut = try GzipStream.compress(Data("{\"replica\":\"hqr\",\"operations\":[]}".utf8))
            cut.removeLast(6)
            let truncated = try await client.execute(uri: "/v1/push", method: .post, headers: headers, body: ByteBuffer(bytes: cut))
            #expect(truncated.status == .badRequest)
            #expect(errorCode(String(buffer: truncated.body)) == "incomplete_body")

            headers[Self.contentEncoding] = "br"
            let unknown = try await client.execute(uri: "/v1/push", method: .post, headers: headers, body: ByteBuffer(string: "{}"))
            #expect(unknown.status == .unsupportedMediaType)
            #expect(errorCode(String(buffer: unknown.body)) == "unsupported_encoding")
            #expect(unknown.headers[Self.acceptEncoding] == "gzip")

            // And the server is unharmed.
            let health = try await client.execute(uri: "/v1/health", method: .get)
            #expect(health.status == .ok)
        }
    }

    static func counter(_ exposition: String, _ name: String) -> Double {
        exposition.split(separator: "\n").first { $0.hasPrefix(name + " ") || $0.hasPrefix(name + "{") }
            .flatMap { $0.split(separator: " ").last }.flatMap { Double($0) } ?? -1
    }
}

/// The gzip codec itself: what goes in comes out, and bad input is named, never crashed on.
@Suite("gzip codec")
struct GzipCodecTests {
    @Test("round trips of many sizes, in one piece and streamed")
    func roundTrips() throws {
        var generator = SystemRandomNumberGenerator()
        for size in [0, 1, 100, 1_023, 1_024, 65_535, 65_536, 200_000, 1_000_003] {
            var bytes = [UInt8](repeating: 0, count: size)
            for index in 0..<size {
                bytes[index] = index % 3 == 0 ? UInt8.random(in: 0...255, using: &generator) : UInt8(index % 26 + 97)
            }
            let data = Data(bytes)
            let compressed = try GzipStream.compress(data)
            #expect(try GzipStream.decompress(compressed, limit: size + 1) == data)
            // Streamed in uneven pieces.
            let stream = try GzipStream()
            var out = Data()
            var offset = 0
            while offset < size {
                let end = min(size, offset + 7_919)
                var piece = ByteBuffer(bytes: bytes[offset..<end])
                for chunk in try stream.deflate(&piece, finish: false) { out.append(contentsOf: chunk.readableBytesView) }
                offset = end
            }
            var empty = ByteBuffer()
            for chunk in try stream.deflate(&empty, finish: true) { out.append(contentsOf: chunk.readableBytesView) }
            #expect(try GzipStream.decompress(out, limit: size + 1) == data)
        }
    }

    @Test("a body cut anywhere is refused, even where the cut falls on a full output buffer")
    func everyCutIsTruncated() throws {
        let data = Data(String(repeating: "refunds are slow; ", count: 12_000).utf8)
        let compressed = try GzipStream.compress(data)
        for length in stride(from: 1, to: compressed.count, by: 1) {
            #expect(throws: GzipStream.Failure.self, "cut at \(length) of \(compressed.count)") {
                _ = try GzipStream.decompress(compressed.prefix(length), limit: 1 << 20)
            }
        }
        #expect(try GzipStream.decompress(compressed, limit: 1 << 20) == data)
    }

    @Test("an empty write in the middle of a stream adds nothing and does not hang")
    func emptyWrites() throws {
        let stream = try GzipStream()
        var first = ByteBuffer(string: "first part, ")
        var out = Data()
        for chunk in try stream.deflate(&first, finish: false) { out.append(contentsOf: chunk.readableBytesView) }
        var empty = ByteBuffer()
        #expect(try stream.deflate(&empty, finish: false).isEmpty)
        var second = ByteBuffer(string: "second part")
        for chunk in try stream.deflate(&second, finish: true) { out.append(contentsOf: chunk.readableBytesView) }
        #expect(try GzipStream.decompress(out, limit: 1_000) == Data("first part, second part".utf8))
    }

    @Test("only this machine is loopback: a name that begins with 127 is not")
    func loopbackHosts() {
        for host in ["127.0.0.1", "127.1.2.3", "localhost", "LOCALHOST", "::1", "[::1]"] { #expect(Loopback.contains(host), "\(host)") }
        for host in ["127.0.0.1.nip.io", "127.example.org", "128.0.0.1", "10.0.0.1", "hq.example.org", "1270.0.0.1", "127.0.0", "127.0.0.256"] {
            #expect(!Loopback.contains(host), "\(host)")
        }
    }

    @Test("Accept-Encoding: a named gzip;q=0 wins over *")
    func acceptEncodingRules() {
        #expect(ResponseCompressionMiddleware.acceptsGzip(["gzip"]))
        #expect(ResponseCompressionMiddleware.acceptsGzip(["br, *;q=0.1"]))
        #expect(!ResponseCompressionMiddleware.acceptsGzip(["gzip;q=0, *"]))
        #expect(!ResponseCompressionMiddleware.acceptsGzip(["identity"]))
        #expect(!ResponseCompressionMiddleware.acceptsGzip([]))
    }

    @Test("too large, truncated, trailing bytes and garbage each get their own failure")
    func failures() throws {
        let data = Data(repeating: 65, count: 100_000)
        let compressed = try GzipStream.compress(data)
        #expect(throws: GzipStream.Failure.tooLarge) { try GzipStream.decompress(compressed, limit: 99_999) }
        #expect(throws: GzipStream.Failure.truncated) { try GzipStream.decompress(compressed.dropLast(4), limit: 200_000) }
        #expect(throws: GzipStream.Failure.corrupt) { try GzipStream.decompress(compressed + Data("junk".utf8), limit: 200_000) }
        #expect(throws: GzipStream.Failure.corrupt) { try GzipStream.decompress(Data("plain text".utf8), limit: 200_000) }
        #expect(throws: (any Error).self) { try GzipStream.decompress(Data(), limit: 10) }
    }
}
