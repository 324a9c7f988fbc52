import Foundation
import Hummingbird
import SyncCore
import SyncServer
import Testing

/// Schemas/openapi.yaml must describe exactly the routes the server registers.
@Suite("OpenAPI document")
struct OpenAPITests {
    static var documentPath: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Schemas/openapi.yaml").path
    }

    /// `METHOD /path` pairs from the `paths:` section: two-space keys are paths, four-space keys methods.
    static func documentedRoutes(_ text: String) -> Set<String> {
        var routes: Set<String> = [], inPaths = false, current: String?
        let methods: Set<String> = ["get", "post", "put", "patch", "delete", "head", "options"]
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if !line.hasPrefix(" ") && !line.isEmpty { inPaths = line.hasPrefix("paths:"); continue }
            guard inPaths else { continue }
            if line.hasPrefix("  /") && line.hasSuffix(":") {
                current = String(line.dropFirst(2).dropLast())
            } else if line.hasPrefix("    "), !line.hasPrefix("     "), let current {
                let key = line.trimmingCharacters(in: .whitespaces).dropLast()
                if line.hasSuffix(":"), methods.contains(String(key)) { routes.insert("\(key.uppercased()) \(current)") }
            }
        }
        return routes
    }

    @Test("every registered route is documented and every documented route is registered")
    func routesMatch() throws {
        let text = try String(contentsOfFile: Self.documentPath, encoding: .utf8)
        let documented = Self.documentedRoutes(text)
        let router = buildRouter(configuration: ServerConfiguration(), storage: try SQLiteSyncStorage.inMemory(),
                                 wallClock: SystemWallClock(), ids: SystemIDSource(), metrics: ServerMetrics())
        let registered = Set(router.routes.map { "\($0.method.rawValue) \($0.path.description.hasPrefix("/") ? "" : "/")\($0.path)" })
        #expect(registered == documented)
        #expect(Set(syncServerRoutes.map { "\($0.method) \($0.path)" }) == documented)
        #expect(documented.count == 13)
    }
}
