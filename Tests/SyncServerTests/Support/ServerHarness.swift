import HTTPTypes
import Foundation
import Hummingbird
import Logging
import HummingbirdTesting
import ScratchPostgres
import SyncCore
import SyncServer
import Testing

/// The stores every contract test runs against.
enum StoreKind: String, CaseIterable, Sendable {
    case sqlite, postgresql
}

/// A server under test: its storage, a token authority on it, and the app built around them,
/// with a manual clock and seeded ids so every run is the same.
struct ServerHarness: Sendable {
    /// The embedded store the app serves, or on PostgreSQL the instance's working copy (what
    /// the instance has recorded, which a push through it has already reached).
    let storage: SQLiteSyncStorage
    /// What the app serves: `storage`, or the PostgreSQL store around it.
    let served: any SyncStorage
    /// The database, on PostgreSQL (another instance can open it).
    var postgresURL: DatabaseURL? { (served as? PostgresSyncStorage)?.journal.url }
    let authority: TokenAuthority
    let clock: ManualWallClock
    let configuration: ServerConfiguration
    let metrics: ServerMetrics

    static let startMilliseconds: Int64 = 1_767_225_600_000 // 2026-01-01

    /// A harness on an in-memory store, or on a fresh directory when `directory` is given.
    init(directory: String? = nil, configuration: ServerConfiguration = ServerConfiguration(host: "127.0.0.1", port: 0),
         seed: UInt64 = 7, quota: UsageQuota = .standard, schema: SyncSchema = .civic) throws {
        let clock = ManualWallClock(milliseconds: Self.startMilliseconds)
        self.clock = clock
        let storage = try directory.map { try SQLiteSyncStorage.open(directory: $0, wallClock: clock, quota: quota, schema: schema) }
            ?? SQLiteSyncStorage.inMemory(wallClock: clock, quota: quota, schema: schema)
        self.storage = storage
        served = storage
        authority = TokenAuthority(storage: storage, ids: SeededIDSource(seed: seed), wallClock: clock)
        self.configuration = configuration
        metrics = ServerMetrics()
    }

    /// A harness on `kind`: the embedded store in memory, or a new database of the test
    /// process's PostgreSQL cluster (`ScratchPostgres`) with a working copy in a fresh directory.
    init(on kind: StoreKind, configuration: ServerConfiguration = ServerConfiguration(host: "127.0.0.1", port: 0),
         seed: UInt64 = 7, quota: UsageQuota = .standard, schema: SyncSchema = .civic) async throws {
        guard kind == .postgresql else {
            try self.init(configuration: configuration, seed: seed, quota: quota, schema: schema)
            return
        }
        let clock = ManualWallClock(milliseconds: Self.startMilliseconds)
        let url = try DatabaseURL(try await ScratchPostgres.newDatabase())
        let postgres = try await PostgresSyncStorage.open(url: url, directory: Self.temporaryDirectory("instance"), instance: "test",
                                                          wallClock: clock, quota: quota, schema: schema, maximumConnections: 4)
        self.init(storage: postgres.local, served: postgres, clock: clock, configuration: configuration, seed: seed)
    }

    private init(storage: SQLiteSyncStorage, served: any SyncStorage, clock: ManualWallClock,
                 configuration: ServerConfiguration, seed: UInt64) {
        self.storage = storage
        self.served = served
        self.clock = clock
        authority = TokenAuthority(storage: served, ids: SeededIDSource(seed: seed), wallClock: clock)
        self.configuration = configuration
        metrics = ServerMetrics()
    }

    func app() -> some ApplicationProtocol {
        var logger = Logger(label: "civicsync.test")
        logger.logLevel = .warning
        return buildApplication(configuration: configuration, storage: served, wallClock: clock,
                                ids: SeededIDSource(seed: 99), logger: logger, metrics: metrics)
    }

    /// Issues a token and returns its text.
    func token(_ member: String, _ role: Principal.Role, branch: String? = nil,
               kind: Principal.MonitorKind? = nil) async throws -> String {
        try await authority.issue(Principal(memberID: member, role: role, branch: branch, monitorKind: kind)).token
    }

    /// Runs `body` against the app through the router test client.
    func test<Value: Sendable>(_ body: @Sendable (any TestClientProtocol) async throws -> Value) async throws -> Value {
        try await app().test(.router, body)
    }

    /// A fresh temporary directory.
    static func temporaryDirectory(_ name: String = "server") -> String {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("civicsync-tests-\(name)-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

/// A device: an in-memory replica that records operations as one member.
struct Device: Sendable {
    let store: ReplicaStore
    let member: String
    let clock: ManualWallClock

    init(_ replica: String, member: String, milliseconds: Int64 = ServerHarness.startMilliseconds) throws {
        clock = ManualWallClock(milliseconds: milliseconds)
        store = try ReplicaStore.inMemory(ReplicaID(replica)!, wallClock: clock, schema: .civic)
        self.member = member
    }

    var replica: String { store.replicaID.rawValue }

    /// Records writes as this device's member (or as `author`, to forge).
    @discardableResult
    func record(_ writes: [FieldWrite], as author: String? = nil) throws -> [SyncOperation] {
        clock.advance(by: 1_000)
        return try store.record(writes, author: author ?? member)
    }
}

/// Parsed answers from the server.
struct PushAnswer: Sendable, Equatable {
    var status: Int
    var acknowledged: [String]
    var rejected: [String: String] // id -> code
    var reasons: [String: String]
    var body: String
}

struct PullAnswer: Sendable {
    var operations: [SyncOperation]
    var cursor: Int64
    var more: Bool
    var body: String
}

extension TestClientProtocol {
    static var protocolHeader: HTTPField.Name { HTTPField.Name("CivicSync-Protocol")! }

    func headers(token: String?, json: Bool = false) -> HTTPFields {
        var headers = HTTPFields()
        if let token { headers[.authorization] = "Bearer \(token)" }
        headers[Self.protocolHeader] = "1"
        if json { headers[.contentType] = "application/json" }
        return headers
    }

    /// Pushes operations as a replica.
    func push(_ token: String, replica: String, _ operations: [SyncOperation]) async throws -> PushAnswer {
        let body = "{\"replica\":\"\(replica)\",\"operations\":[" + operations.map(\.canonicalJSON).joined(separator: ",") + "]}"
        return try await pushRaw(token, body: body)
    }

    func pushRaw(_ token: String?, body: String, headers extra: HTTPFields? = nil) async throws -> PushAnswer {
        let response = try await execute(uri: "/v1/push", method: .post, headers: extra ?? headers(token: token, json: true),
                                         body: ByteBuffer(string: body))
        let text = String(buffer: response.body)
        var answer = PushAnswer(status: response.status.code, acknowledged: [], rejected: [:], reasons: [:], body: text)
        if response.status == .ok {
            let json = try parseJSON(text)
            answer.acknowledged = json.objectValue?["acknowledged"]?.arrayValue?.compactMap(\.stringValue) ?? []
            for item in json.objectValue?["rejected"]?.arrayValue ?? [] {
                let object = item.objectValue ?? [:]
                let id = object["id"]?.stringValue ?? "?"
                answer.rejected[id] = object["code"]?.stringValue
                answer.reasons[id] = object["reason"]?.stringValue
            }
        }
        return answer
    }

    func pull(_ token: String, cursor: Int64 = 0, limit: Int? = nil) async throws -> PullAnswer {
        var uri = "/v1/pull?cursor=\(cursor)"
        if let limit { uri += "&limit=\(limit)" }
        let response = try await execute(uri: uri, method: .get, headers: headers(token: token))
        let text = String(buffer: response.body)
        guard response.status == .ok else {
            Issue.record("pull answered \(response.status.code): \(text)")
            return PullAnswer(operations: [], cursor: cursor, more: false, body: text)
        }
        let json = try parseJSON(text).objectValue ?? [:]
        return PullAnswer(operations: try (json["operations"]?.arrayValue ?? []).map { try SyncOperation(wire: $0) },
                          cursor: json["cursor"]?.intValue ?? -1, more: json["more"]?.boolValue ?? false, body: text)
    }

    /// One page as a protocol 2 client asks for it: an opaque text cursor, a page that never
    /// exceeds `limit`.
    func pullPage(_ token: String, cursor: String = "0", limit: Int) async throws -> (operations: [SyncOperation], cursor: String, more: Bool, status: Int, body: String) {
        var headers = headers(token: token)
        headers[Self.protocolHeader] = "2"
        let escaped = cursor.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: ".-_"))) ?? cursor
        let response = try await execute(uri: "/v1/pull?cursor=\(escaped)&limit=\(limit)", method: .get, headers: headers)
        let text = String(buffer: response.body)
        guard response.status == .ok else { return ([], cursor, false, response.status.code, text) }
        let json = try parseJSON(text).objectValue ?? [:]
        return (try (json["operations"]?.arrayValue ?? []).map { try SyncOperation(wire: $0) },
                json["cursor"]?.stringValue ?? "?", json["more"]?.boolValue ?? false, 200, text)
    }

    /// Pulls every page from `cursor`, returning all operations and the final cursor.
    func pullAll(_ token: String, from cursor: Int64 = 0, limit: Int = 50) async throws -> ([SyncOperation], Int64) {
        var cursor = cursor, all: [SyncOperation] = []
        for _ in 0..<10_000 {
            let page = try await pull(token, cursor: cursor, limit: limit)
            all += page.operations
            cursor = page.cursor
            if !page.more { break }
        }
        return (all, cursor)
    }

    func digest(_ token: String) async throws -> (digest: String, entities: Int64, visible: Set<EntityKey>) {
        let response = try await execute(uri: "/v1/digest?list=1", method: .get, headers: headers(token: token))
        let json = try parseJSON(String(buffer: response.body)).objectValue ?? [:]
        var visible: Set<EntityKey> = []
        for item in json["visible"]?.arrayValue ?? [] {
            if let kind = item.objectValue?["entity"]?.stringValue.flatMap(EntityKind.init(rawValue:)),
               let id = item.objectValue?["id"]?.stringValue { visible.insert(EntityKey(kind, id)) }
        }
        return (json["digest"]?.stringValue ?? "", json["entities"]?.intValue ?? -1, visible)
    }

    /// A GET returning status and body.
    func get(_ uri: String, headers: HTTPFields = [:]) async throws -> (status: Int, body: String, headers: HTTPFields) {
        let response = try await execute(uri: uri, method: .get, headers: headers)
        return (response.status.code, String(buffer: response.body), response.headers)
    }
}

func parseJSON(_ text: String) throws -> JSONValue {
    try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
}

/// The `error.code` of a JSON error body.
func errorCode(_ body: String) -> String? {
    (try? parseJSON(body))?.objectValue?["error"]?.objectValue?["code"]?.stringValue
}
