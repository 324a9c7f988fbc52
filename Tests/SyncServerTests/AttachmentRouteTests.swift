import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SyncCore
@testable import SyncServer
import Testing

/// Issue 14: the attachment routes' rules, in process: who may add or remove a file, records
/// that disagree on a file's size, and an upload whose last step was cut.
@Suite("attachment routes")
struct AttachmentRouteTests {
    static let bytesHeader = HTTPField.Name("CivicSync-Attachment-Bytes")!

    static func harness() throws -> (ServerHarness, String) {
        let directory = ServerHarness.temporaryDirectory("attachments")
        var configuration = ServerConfiguration(host: "127.0.0.1", port: 0)
        configuration.attachmentsDirectory = directory
        return (try ServerHarness(configuration: configuration), directory)
    }

    static func hash(_ data: Data) -> String { SHA256.hash(data: data).hexText }

    static func record(_ name: String, _ type: String, _ bytes: Int) -> JSONValue {
        .object(["name": .string(name), "mediaType": .string(type), "bytes": .int(Int64(bytes))])
    }

    @Test("a submitter adds files to their case but cannot take one away")
    func addNotRemove() async throws {
        let (harness, _) = try Self.harness()
        let file = Data("signed letter".utf8), sha = Self.hash(file)
        try await harness.test { client in
            let m1 = try await harness.token("m1", .monitor)
            let monitor = try Device("mr1", member: "m1")
            var ops = try monitor.record(World.caseWrites("c1", submitter: "m1", branch: "busan"))
            ops += try monitor.record([.add(.case, "c1", "attachments", element: sha, value: Self.record("letter.txt", "text/plain", file.count))])
            #expect(try await client.push(m1, replica: "mr1", ops).rejected.isEmpty)
            let removal = try monitor.record([.remove(.case, "c1", "attachments", element: sha)])
            #expect(try await client.push(m1, replica: "mr1", removal).rejected.values.contains("forbidden"))
            // A key that is not a SHA-256 is refused, even to HQ.
            let hq = try await harness.token("hq", .hq)
            let hqDevice = try Device("hqr", member: "hq")
            let bad = try hqDevice.record([.add(.case, "c1", "attachments", element: "../../etc/passwd", value: Self.record("x", "text/plain", 1))])
            #expect(try await client.push(hq, replica: "hqr", bad).rejected.values.contains("invalid_value"))
        }
    }

    @Test("records that disagree on a file's size: the upload is judged by the record of its size, the download by the bytes kept")
    func disagreeingRecords() async throws {
        let (harness, _) = try Self.harness()
        let file = Data(repeating: 7, count: 3_000), sha = Self.hash(file)
        try await harness.test { client in
            let hq = try await harness.token("hq", .hq)
            let device = try Device("hqr", member: "hq")
            var ops = try device.record(World.caseWrites("a", submitter: "hq", branch: nil) + World.caseWrites("b", submitter: "hq", branch: nil))
            // Case "a" sorts first and names the hash with a wrong size and a refused type.
            ops += try device.record([.add(.case, "a", "attachments", element: sha, value: Self.record("wrong.exe", "application/x-msdownload", 99)),
                                      .add(.case, "b", "attachments", element: sha, value: Self.record("right.txt", "text/plain", file.count))])
            #expect(try await client.push(hq, replica: "hqr", ops).rejected.isEmpty)
            var headers = client.headers(token: hq)
            headers[.contentType] = "application/octet-stream"
            headers[Self.bytesHeader] = String(file.count)
            let put = try await client.execute(uri: "/v1/attachments/\(sha)?offset=0", method: .put, headers: headers, body: ByteBuffer(bytes: file))
            #expect(put.status == .ok, "\(String(buffer: put.body))")
            let got = try await client.execute(uri: "/v1/attachments/\(sha)", method: .get, headers: client.headers(token: hq))
            #expect(got.status == .ok && Data(got.body.readableBytesView) == file)
            #expect(got.headers[.contentType] == "text/plain" && got.headers[Self.bytesHeader] == "3000")
        }
    }

    @Test("an upload whose bytes all arrived but were not kept is finished by an empty piece")
    func finishACutUpload() async throws {
        let (harness, directory) = try Self.harness()
        let file = Data(repeating: 9, count: 5_000), sha = Self.hash(file)
        try await harness.test { client in
            let hq = try await harness.token("hq", .hq)
            let device = try Device("hqr", member: "hq")
            var ops = try device.record(World.caseWrites("a", submitter: "hq", branch: nil))
            ops += try device.record([.add(.case, "a", "attachments", element: sha, value: Self.record("scan.pdf", "application/pdf", file.count))])
            #expect(try await client.push(hq, replica: "hqr", ops).rejected.isEmpty)
            // The whole file as a partial, as if the server stopped before keeping it.
            let folder = (directory as NSString).appendingPathComponent(String(sha.prefix(2)))
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try file.write(to: URL(fileURLWithPath: (folder as NSString).appendingPathComponent(sha + ".partial")))
            let status = try await client.execute(uri: "/v1/attachments/\(sha)/upload", method: .get, headers: client.headers(token: hq))
            #expect(String(buffer: status.body).contains("\"received\":5000"))
            var headers = client.headers(token: hq)
            headers[.contentType] = "application/octet-stream"
            let put = try await client.execute(uri: "/v1/attachments/\(sha)?offset=5000", method: .put, headers: headers, body: ByteBuffer())
            #expect(put.status == .ok && String(buffer: put.body).contains("\"stored\":true"), "\(String(buffer: put.body))")
        }
    }
}
