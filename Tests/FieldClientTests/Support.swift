import FieldClient
import Foundation
import SyncCore
import Testing

/// Milliseconds at 10:00 UTC on a day.
func at(_ date: String, hour: Int64 = 10) -> Int64 {
    CivilDate(date)!.millisecondsSinceEpoch + hour * 3_600_000
}

/// A fresh in-memory field replica with a manual clock and a seeded id source.
func makeReplica(_ member: String, role: Role, branch: String? = nil, monitorKind: String? = nil, prefix: String,
                 seed: UInt64, on date: String = "2026-03-02") throws -> (FieldReplica, ManualWallClock) {
    let clock = ManualWallClock(milliseconds: at(date))
    let replica = try FieldReplica.createInMemory(
        setup: .init(memberID: member, name: member.capitalized, role: role, branch: branch, monitorKind: monitorKind, refPrefix: prefix),
        wallClock: clock, ids: SeededIDSource(seed: seed))
    return (replica, clock)
}

extension FieldReplica {
    /// Sends every operation this replica has to `other`.
    func send(to other: FieldReplica) throws {
        try other.apply(operations().map(\.operation))
    }
}

/// Exchanges operations both ways.
func exchange(_ a: FieldReplica, _ b: FieldReplica) throws {
    try a.send(to: b)
    try b.send(to: a)
}

/// Expects a SyncError with the given code.
func expectError(_ code: SyncError.Code, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) {
    do {
        try body()
        Issue.record("expected a \(code) error, but it succeeded", sourceLocation: sourceLocation)
    } catch let error as SyncError {
        #expect(error.code == code, "got \(error.code): \(error.message)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected a SyncError \(code), got \(error)", sourceLocation: sourceLocation)
    }
}

/// The package root (for Schemas/ and docs/), from this file's path.
let packageRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// A temporary directory removed when the value is dropped by the caller (`defer { dir.remove() }`).
struct TempDir {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("field-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    func remove() { try? FileManager.default.removeItem(at: url) }
}
