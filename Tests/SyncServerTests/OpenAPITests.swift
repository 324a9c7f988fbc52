import Foundation
import Hummingbird
import SyncCore
import SyncServer
import Testing
import Yams

/// Schemas/openapi.yaml must be valid YAML (standard tools read it) and describe exactly the
/// routes the server registers, each with its answers.
@Suite("OpenAPI document")
struct OpenAPITests {
    static var documentPath: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Schemas/openapi.yaml").path
    }

    static let methods: Set<String> = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    /// The document, parsed by a real YAML parser (a YAML error fails the test).
    static func document() throws -> [String: Any] {
        let text = try String(contentsOfFile: documentPath, encoding: .utf8)
        return try #require(try Yams.load(yaml: text) as? [String: Any], "the document is not a YAML mapping")
    }

    /// Every operation as `METHOD /path` with its object.
    static func operations(_ document: [String: Any]) throws -> [String: [String: Any]] {
        let paths = try #require(document["paths"] as? [String: Any], "no paths")
        var operations: [String: [String: Any]] = [:]
        for (path, item) in paths {
            let item = try #require(item as? [String: Any], "\(path) is not a mapping")
            for (key, operation) in item where methods.contains(key) {
                operations["\(key.uppercased()) \(path)"] = try #require(operation as? [String: Any], "\(key) \(path)")
            }
        }
        return operations
    }

    @Test("the document parses as YAML and its paths and methods are exactly the registered routes")
    func routesMatch() throws {
        let document = try Self.document()
        #expect(document["openapi"] as? String == "3.1.0")
        let documented = Set(try Self.operations(document).keys)
        #expect(documented == Set(syncServerRoutes.map { "\($0.method) \($0.path)" }))
        #expect(documented.count == syncServerRoutes.count)
        let router = buildRouter(configuration: ServerConfiguration(), storage: try SQLiteSyncStorage.inMemory(),
                                 wallClock: SystemWallClock(), ids: SystemIDSource(), metrics: ServerMetrics())
        let registered = Set(router.routes.map { "\($0.method.rawValue) \($0.path.description.hasPrefix("/") ? "" : "/")\($0.path)" })
        #expect(registered == documented)
    }

    @Test("every operation has responses, each with a description or a reference")
    func everyOperationHasResponses() throws {
        let document = try Self.document()
        let components = try #require((document["components"] as? [String: Any])?["responses"] as? [String: Any])
        for (name, operation) in try Self.operations(document) {
            let responses = operation["responses"] as? [String: Any] ?? [:]
            #expect(!responses.isEmpty, "\(name) has no responses")
            for (status, response) in responses {
                let response = response as? [String: Any] ?? [:]
                if let reference = response["$ref"] as? String {
                    let target = reference.replacingOccurrences(of: "#/components/responses/", with: "")
                    #expect(components[target] != nil, "\(name) \(status) refers to \(reference)")
                } else {
                    #expect(response["description"] is String, "\(name) \(status) has no description")
                }
            }
        }
    }

    @Test("405 (with Allow) and 429 (with Retry-After) are described; every authenticated route may answer 429")
    func limitsAreDescribed() throws {
        let document = try Self.document()
        let components = try #require(document["components"] as? [String: Any])
        let responses = try #require(components["responses"] as? [String: Any])
        let methodNotAllowed = try #require(responses["MethodNotAllowed"] as? [String: Any])
        #expect((methodNotAllowed["headers"] as? [String: Any])?["Allow"] != nil)
        let rateLimited = try #require(responses["RateLimited"] as? [String: Any])
        #expect((rateLimited["headers"] as? [String: Any])?["Retry-After"] != nil)
        let info = try #require((document["info"] as? [String: Any])?["description"] as? String)
        #expect(info.contains("405") && info.contains("429") && info.contains("docs/LIMITS.md"))
        let open: Set<String> = ["/v1/health", "/v1/version"]
        for (name, operation) in try Self.operations(document) where name.contains(" /v1/") {
            let path = String(name.split(separator: " ")[1])
            let answer429 = (operation["responses"] as? [String: Any])?["429"] as? [String: Any]
            if open.contains(path) {
                #expect(answer429 == nil, "\(name) is not rate limited")
            } else {
                #expect(answer429?["$ref"] as? String == "#/components/responses/RateLimited", "\(name)")
            }
        }
    }
}
