import FieldClient
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SyncCore
import Testing

/// Issue 14: attachments, through the real `syncserver` and `field`. A photographed grievance
/// attached offline on a branch's replica reaches headquarters, which fetches it on demand; the
/// bytes travel once per hash, resume after a cut, stay within the server's limits and within
/// the case's visibility; HQ's dashboard links them.
@Suite(.serialized) struct AttachmentTests {
    /// `count` bytes that do not repeat (a photograph compresses as badly).
    static func photo(_ count: Int, seed: UInt64) -> Data {
        var state = seed
        var bytes = [UInt8](repeating: 0, count: count)
        for index in bytes.indices {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            bytes[index] = UInt8(truncatingIfNeeded: state >> 33)
        }
        return Data(bytes)
    }

    static func request(_ url: String, token: String, method: String = "GET") async throws -> (Int, Data) {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = method
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        request.setValue("2", forHTTPHeaderField: "CivicSync-Protocol")
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? -1, data)
    }

    @Test func aGrievancePhotographedOfflineReachesHQOnceAndOnlyThoseWhoSeeTheCase() async throws {
        let directory = try TemporaryDirectory()
        let server = ServerProcess(dataDirectory: directory.path("server"))
        let hqToken = try server.bootstrap(member: "hq1")
        let kimToken = try server.issueToken(member: "kim", role: "branch", branch: "busan")
        let leeToken = try server.issueToken(member: "lee", role: "branch", branch: "seoul")
        try server.start(extraArguments: ["--attachment-max-bytes", "400000"])
        defer { server.stop() }

        let busan = directory.path("busan.replica"), hq = directory.path("hq.replica"), seoul = directory.path("seoul.replica")
        try field(["init", "--replica", busan, "--member", "kim", "--name", "Kim", "--role", "branch", "--branch", "busan", "--prefix", "BSN"])
        try field(["remote", "set", "--replica", busan, "--server", server.baseURL, "--token", kimToken])
        try field(["init", "--replica", hq, "--member", "hq1", "--name", "HQ", "--role", "hq", "--prefix", "HQ"])
        try field(["remote", "set", "--replica", hq, "--server", server.baseURL, "--token", hqToken])
        try field(["init", "--replica", seoul, "--member", "lee", "--name", "Lee", "--role", "branch", "--branch", "seoul", "--prefix", "SEL"])
        try field(["remote", "set", "--replica", seoul, "--server", server.baseURL, "--token", leeToken])

        // Offline at Busan: a paper grievance, photographed and attached to its case.
        let created = try field(["case", "create", "--replica", busan, "--title", "Refunds take 40 days", "--body", "On paper",
                                 "--area", "goods", "--cause", "process", "--json"])
        let caseID = try #require(try JSONParser.parse(Array(created.stdout.utf8)).objectValue?["id"]?.stringValue)
        let photo = Self.photo(250_000, seed: 7)
        try photo.write(to: URL(fileURLWithPath: directory.path("grievance.jpg")))
        let attached = try field(["case", "attach", "--replica", busan, caseID, directory.path("grievance.jpg"), "--json"])
        let record = try JSONParser.parse(Array(attached.stdout.utf8)).objectValue ?? [:]
        let sha = try #require(record["sha256"]?.stringValue)
        #expect(record["mediaType"] == .string("image/jpeg") && record["bytes"] == .int(250_000) && record["upload"] == .string("waiting"))
        #expect(try field(["case", "show", "--replica", busan, caseID]).stdout.contains("grievance.jpg  image/jpeg"))

        // Its sync pushes the operation, then the bytes.
        let synced = try field(["sync", "--replica", busan, "--json"])
        let report = try JSONParser.parse(Array(synced.stdout.utf8)).objectValue ?? [:]
        #expect(report["attachmentsUploaded"] == .int(1) && report["attachmentBytesSent"] == .int(250_000), "\(synced.stdout)")
        let detail = try JSONParser.parse(Array(try field(["case", "show", "--replica", busan, caseID, "--json"]).stdout.utf8)).objectValue
        #expect(detail?["attachments"]?.arrayValue?.first?.objectValue?["upload"] == .string("uploaded"))

        // HQ sees it listed, fetches it on demand, byte for byte.
        try field(["sync", "--replica", hq])
        let shown = try field(["case", "show", "--replica", hq, caseID]).stdout
        #expect(shown.contains("grievance.jpg") && shown.contains("at the server"), "\(shown)")
        let fetched = try field(["attachment", "get", "--replica", hq, String(sha.prefix(10)), "--output", directory.path("copy.jpg"), "--json"])
        #expect(try JSONParser.parse(Array(fetched.stdout.utf8)).objectValue?["fetched"] == .bool(true), "\(fetched.stdout)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: directory.path("copy.jpg"))) == photo)
        // --output a directory: the file goes in it under its name; nothing there is removed.
        let folder = directory.path("downloads")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: folder + "/notes.txt"))
        try field(["attachment", "get", "--replica", hq, sha, "--output", folder])
        #expect(try Data(contentsOf: URL(fileURLWithPath: folder + "/grievance.jpg")) == photo)
        #expect(try String(contentsOfFile: folder + "/notes.txt", encoding: .utf8) == "keep me")
        let again = try field(["attachment", "get", "--replica", hq, sha, "--json"])
        #expect(try JSONParser.parse(Array(again.stdout.utf8)).objectValue?["fetched"] == .bool(false), "\(again.stdout)")

        // The same bytes attached to another case go up once: the server holds them already.
        let second = try field(["case", "create", "--replica", busan, "--title", "Same letter, second case", "--body", "Copy",
                                "--area", "goods", "--cause", "process", "--json"])
        let secondID = try #require(try JSONParser.parse(Array(second.stdout.utf8)).objectValue?["id"]?.stringValue)
        try field(["case", "attach", "--replica", busan, secondID, directory.path("grievance.jpg"), "--name", "copy.jpg"])
        let secondSync = try JSONParser.parse(Array(try field(["sync", "--replica", busan, "--json"]).stdout.utf8)).objectValue ?? [:]
        #expect(secondSync["attachmentBytesSent"] == .int(0), "\(secondSync)")

        // Seoul's staff cannot see Busan's case: the file is not there for them, as if it did not exist.
        try field(["sync", "--replica", seoul])
        try field(["attachment", "get", "--replica", seoul, sha], expecting: 16)
        let (status, body) = try await Self.request("\(server.baseURL)/v1/attachments/\(sha)", token: leeToken)
        #expect(status == 404 && String(decoding: body, as: UTF8.self).contains("not_found"))
        let (unknown, _) = try await Self.request("\(server.baseURL)/v1/attachments/\(String(repeating: "a", count: 64))", token: hqToken)
        #expect(unknown == 404)

        // Over the server's limit, or of a type it does not take: refused at upload, with the reason kept.
        try Self.photo(500_000, seed: 9).write(to: URL(fileURLWithPath: directory.path("big.png")))
        try Data("MZ not a document".utf8).write(to: URL(fileURLWithPath: directory.path("tool.exe")))
        try field(["case", "attach", "--replica", busan, caseID, directory.path("big.png")])
        try field(["case", "attach", "--replica", busan, caseID, directory.path("tool.exe")])
        let refusedSync = try field(["sync", "--replica", busan])
        #expect(refusedSync.stdout.contains("attachment_too_large") && refusedSync.stdout.contains("attachment_type_refused"), "\(refusedSync.stdout)")
        let status2 = try field(["status", "--replica", busan, "--offline"]).stdout
        #expect(status2.contains("2 refused by the server"), "\(status2)")
        let list = try field(["attachment", "list", "--replica", busan]).stdout
        #expect(list.contains("refused: attachment_too_large") && list.contains("refused: attachment_type_refused"), "\(list)")

        // HQ's dashboard lists the file and links its bytes; a branch token does not open it.
        let (dashboard, page) = try await Self.request("\(server.baseURL)/dashboard", token: hqToken)
        #expect(dashboard == 200 && String(decoding: page, as: UTF8.self).contains("/dashboard/attachments/\(sha)"))
        let (download, bytes) = try await Self.request("\(server.baseURL)/dashboard/attachments/\(sha)", token: hqToken)
        #expect(download == 200 && bytes == photo)
        let (branchDownload, _) = try await Self.request("\(server.baseURL)/dashboard/attachments/\(sha)", token: kimToken)
        #expect(branchDownload != 200)
    }

    @Test func anUploadCutShortResumesWhereItStopped() async throws {
        let directory = try TemporaryDirectory()
        let server = ServerProcess(dataDirectory: directory.path("server"))
        let hqToken = try server.bootstrap(member: "hq1")
        try server.start()
        defer { server.stop() }
        let hq = try Device(name: "hq", directory: directory, setup: .init(memberID: "hq1", name: "HQ", role: .hq, refPrefix: "HQ"),
                            skewMilliseconds: 0, server: server, token: hqToken, seed: 51)
        let filed = try hq.replica.createCase(NewCase(title: "Scanned letter", body: "Three pages", area: "goods", cause: "process"))
        let scan = Self.photo(3 * SyncClient.attachmentChunkBytes + 12_345, seed: 3)
        try scan.write(to: URL(fileURLWithPath: directory.path("scan.pdf")))
        let attached = try hq.replica.attach(toCase: filed.id, file: directory.path("scan.pdf"))
        #expect(attached.mediaType == "application/pdf")
        try await hq.sync()  // the operation, and the file: fully, this time
        // A second file; the link drops after the push and two of its pieces.
        let other = Self.photo(3 * SyncClient.attachmentChunkBytes, seed: 4)
        try other.write(to: URL(fileURLWithPath: directory.path("other.pdf")))
        let second = try hq.replica.attach(toCase: filed.id, file: directory.path("other.pdf"))
        var settings = SyncSettings(serverURL: server.baseURL, token: hqToken)
        settings.retries = 0
        let cut = FlakyTransport(baseURL: server.baseURL, failAfter: 6)   // replica status, push, pull, upload status, 2 pieces
        let client = try hq.replica.syncClient(transport: cut) { $0.retries = 0 }
        await #expect(throws: SyncError.self) { _ = try await client.sync() }
        let (_, status) = try await Self.request("\(server.baseURL)/v1/attachments/\(second.sha256)/upload", token: hqToken)
        let received = try JSONParser.parse(Array(status)).objectValue?["received"]?.intValue ?? -1
        #expect(received == Int64(2 * SyncClient.attachmentChunkBytes), "\(String(decoding: status, as: UTF8.self))")
        // The next sync sends only the rest.
        let resumed = try await hq.sync()
        #expect(resumed.attachmentsUploaded == 1 && resumed.attachmentBytesSent == Int64(SyncClient.attachmentChunkBytes), "\(resumed)")
        let (code, bytes) = try await Self.request("\(server.baseURL)/v1/attachments/\(second.sha256)", token: hqToken)
        #expect(code == 200 && bytes == other)
    }
}
