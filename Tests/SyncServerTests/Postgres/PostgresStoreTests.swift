import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ScratchPostgres
import SyncCore
import SyncServer
import Testing

/// What only the PostgreSQL store has: versioned migrations, working copies that follow the
/// journal, log positions handed out under concurrent writers, and the same answers as the
/// embedded store for the same pushes.
@Suite("PostgreSQL store")
struct PostgresStoreTests {
    static func database() async throws -> (url: DatabaseURL, name: String) {
        let text = try await ScratchPostgres.newDatabase()
        let url = try DatabaseURL(text)
        return (url, url.database)
    }

    static func open(_ url: DatabaseURL, _ directory: String, instance: String = "a",
                     clock: ManualWallClock = ManualWallClock(milliseconds: ServerHarness.startMilliseconds)) async throws -> PostgresSyncStorage {
        try await PostgresSyncStorage.open(url: url, directory: directory, instance: instance, wallClock: clock, maximumConnections: 4)
    }

    static let hq = Principal(memberID: "hq", role: .hq)

    /// A case created by an HQ device, as a push batch.
    static func caseBatch(_ device: Device, _ id: String) throws -> PushBatch {
        let ops = try device.record(World.caseWrites(id, submitter: "m1", branch: "busan", title: "Case \(id)"))
        return PushBatch(replica: device.store.replicaID, items: ops.map { .operation($0) })
    }

    @Test("migrate brings an empty database to this build's schema once; a newer schema is refused and nothing is changed")
    func migrations() async throws {
        let (url, name) = try await Self.database()
        let journal = PostgresJournal(url: url, maximumConnections: 1)
        defer { journal.shutdown() }
        let first = try await journal.migrate()
        #expect(first.from == 0 && first.to == PostgresJournal.schemaVersion)
        let again = try await journal.migrate()
        #expect(again.from == PostgresJournal.schemaVersion && again.to == PostgresJournal.schemaVersion)
        try await journal.checkSchema()

        let cluster = try ScratchPostgres.shared()
        _ = try cluster.psql(name, "INSERT INTO civicsync_migrations(version, name, applied_ms) VALUES (99, 'from the future', 0)")
        do {
            _ = try await journal.migrate()
            Issue.record("a database of schema 99 was migrated")
        } catch let error as SyncError {
            #expect(error.code == .incompatibleReplica)
            #expect(error.message.contains("newer than this build's") && error.message.contains("upgrade this program"))
        }
        await #expect(throws: SyncError.self) { _ = try await Self.open(url, ServerHarness.temporaryDirectory("pg")) }
        #expect(try cluster.psql(name, "SELECT string_agg(version::text, ',' ORDER BY version) FROM civicsync_migrations") == (1...PostgresJournal.schemaVersion).map(String.init).joined(separator: ",") + ",99\n")
    }

    @Test("an unmigrated database is refused by a start that must not migrate, with the command to run")
    func unmigrated() async throws {
        let (url, _) = try await Self.database()
        do {
            _ = try await PostgresSyncStorage.open(url: url, directory: ServerHarness.temporaryDirectory("pg"), instance: "a", migrate: false)
            Issue.record("an unmigrated database was opened")
        } catch let error as SyncError {
            #expect(error.message.contains("syncserver migrate"))
        }
    }

    @Test("a database that does not answer is a clear storage error, not a hang")
    func unreachable() async throws {
        let url = try DatabaseURL("postgres://nobody:s3cr3t-word@127.0.0.1:1/none?sslmode=disable")
        do {
            _ = try await PostgresSyncStorage.open(url: url, directory: ServerHarness.temporaryDirectory("pg"), instance: "a")
            Issue.record("opened a database on port 1")
        } catch let error as SyncError {
            #expect(error.code == .storage)
            #expect(error.message.contains("127.0.0.1:1") && !error.message.contains("s3cr3t-word"))
            #expect(!String(describing: error).contains("s3cr3t-word"))
        }
    }

    @Test("a working copy is reused when it still matches the database, rebuilt when it follows another one or entries it recorded are gone")
    func workingCopies() async throws {
        let (urlA, nameA) = try await Self.database()
        let (urlB, _) = try await Self.database()
        let directory = ServerHarness.temporaryDirectory("pg")
        let device = try Device("hqr", member: "hq")
        var digest = ""
        do {
            let storage = try await Self.open(urlA, directory)
            for id in ["c1", "c2", "c3"] {
                let outcome = try await storage.push(try Self.caseBatch(device, id), as: Self.hq, receivedAt: ServerHarness.startMilliseconds)
                #expect(outcome.rejected.isEmpty)
            }
            #expect(try await storage.storedOperationCount() == 27)
            digest = try await storage.digest(as: Self.hq, listEntities: false).digest
            // A mark of our own: survives only if the working copy is reused.
            try await storage.local.store.writer.write { db in
                try db.execute(sql: "INSERT INTO server_meta(key, value) VALUES ('test_marker', 'kept')")
            }
            storage.close()
        }
        func marker(_ storage: PostgresSyncStorage) async throws -> String? {
            try await storage.local.store.writer.read { db in try String.fetchOne(db, sql: "SELECT value FROM server_meta WHERE key = 'test_marker'") }
        }
        do {
            let reopened = try await Self.open(urlA, directory)
            #expect(try await marker(reopened) == "kept")
            #expect(try await reopened.digest(as: Self.hq, listEntities: false).digest == digest)
            reopened.close()
        }
        do {
            // The same directory on another database: rebuilt, empty.
            let other = try await Self.open(urlB, directory)
            #expect(try await marker(other) == nil)
            #expect(try await other.storedOperationCount() == 0)
            other.close()
        }
        do {
            let back = try await Self.open(urlA, directory)
            #expect(try await back.storedOperationCount() == 27)
            #expect(try await back.digest(as: Self.hq, listEntities: false).digest == digest)
            try await back.local.store.writer.write { db in
                try db.execute(sql: "INSERT INTO server_meta(key, value) VALUES ('test_marker', 'kept')")
            }
            back.close()
        }
        // The database loses its last entry (restored from an older backup): the copy is rebuilt.
        _ = try ScratchPostgres.shared().psql(nameA, "DELETE FROM civicsync_journal WHERE position = (SELECT max(position) FROM civicsync_journal)")
        let restored = try await Self.open(urlA, directory)
        #expect(try await marker(restored) == nil)
        #expect(try await restored.storedOperationCount() == 18)
    }

    @Test("two instances cannot share one data directory")
    func oneInstancePerDirectory() async throws {
        let (url, _) = try await Self.database()
        let directory = ServerHarness.temporaryDirectory("pg")
        let first = try await Self.open(url, directory)
        do {
            _ = try await Self.open(url, directory, instance: "b")
            Issue.record("a second instance opened the same working copy")
        } catch let error as SyncError {
            #expect(error.message.contains("a syncserver process"))
        }
        first.close()
    }

    @Test("pull cursors skip nothing while two instances append concurrently: every operation once, in any page size")
    func concurrentWriters() async throws {
        let (url, _) = try await Self.database()
        let a = try await Self.open(url, ServerHarness.temporaryDirectory("pg-a"), instance: "a")
        let b = try await Self.open(url, ServerHarness.temporaryDirectory("pg-b"), instance: "b")
        let instances = [a, b]
        let writers = 8, rounds = 6
        let acknowledged = try await withThrowingTaskGroup(of: [String].self) { group in
            for writer in 0..<writers {
                group.addTask {
                    let device = try Device("w\(writer)", member: "hq")
                    var ids: [String] = []
                    for round in 0..<rounds {
                        let instance = instances[(writer + round) % 2]
                        let outcome = try await instance.push(try Self.caseBatch(device, "c\(writer)x\(round)"), as: Self.hq,
                                                              receivedAt: ServerHarness.startMilliseconds)
                        #expect(outcome.rejected.isEmpty)
                        ids += outcome.acknowledged
                    }
                    return ids
                }
            }
            // A reader pulls all along, from either instance, in small pages.
            group.addTask {
                var cursor = PullCursor(position: 0), seen: [String] = [], turn = 0
                for _ in 0..<200 {
                    turn += 1
                    let page = try await instances[turn % 2].pull(as: Self.hq, after: cursor, limit: 1 + turn % 7, bounded: true)
                    seen += page.operations.map(\.id.description)
                    cursor = page.cursor
                    try await Task.sleep(for: .milliseconds(2))
                }
                return seen.map { "pulled:" + $0 }
            }
            var all: [String] = []
            for try await ids in group { all += ids }
            return all
        }
        let pushed = acknowledged.filter { !$0.hasPrefix("pulled:") }
        let pulledEarly = acknowledged.filter { $0.hasPrefix("pulled:") }.map { String($0.dropFirst(7)) }
        #expect(pushed.count == writers * rounds * 9)
        // The reader goes on to the end; nothing it pulled before comes again, nothing is missing.
        var cursor = PullCursor(position: 0), seen: [String] = [], turn = 0
        repeat {
            turn += 1
            let page = try await instances[turn % 2].pull(as: Self.hq, after: cursor, limit: 5, bounded: true)
            seen += page.operations.map(\.id.description)
            cursor = page.cursor
            if !page.more { break }
        } while true
        #expect(Set(seen).count == seen.count, "an operation came twice")
        #expect(Set(seen) == Set(pushed))
        // The reader that pulled during the pushes: its pages so far are a prefix of the log order.
        #expect(Array(seen.prefix(pulledEarly.count)) == pulledEarly)
        let digestA = try await a.digest(as: Self.hq, listEntities: false)
        let digestB = try await b.digest(as: Self.hq, listEntities: false)
        #expect(digestA.digest == digestB.digest)
    }

    @Test("a dashboard ticket issued through one instance signs in through another, once; the session holds on both until signed out")
    func sharedDashboardSessions() async throws {
        let (url, _) = try await Self.database()
        let clock = ManualWallClock(milliseconds: ServerHarness.startMilliseconds)
        let a = try await Self.open(url, ServerHarness.temporaryDirectory("pg-a"), instance: "a", clock: clock)
        let b = try await Self.open(url, ServerHarness.temporaryDirectory("pg-b"), instance: "b", clock: clock)
        let hq = try await TokenAuthority(storage: a, ids: SeededIDSource(seed: 3), wallClock: clock).issue(Self.hq).token
        func app(_ storage: PostgresSyncStorage, seed: UInt64) -> some ApplicationProtocol {
            buildApplication(configuration: ServerConfiguration(host: "127.0.0.1", port: 0), storage: storage, wallClock: clock,
                             ids: SeededIDSource(seed: seed))
        }
        let appB = app(b, seed: 2)
        try await app(a, seed: 1).test(.router) { clientA in
            try await appB.test(.router) { clientB in
                let issued = try await clientA.execute(uri: "/v1/dashboard/ticket", method: .post, headers: clientA.headers(token: hq))
                #expect(issued.status == .ok)
                let path = try #require(try parseJSON(String(buffer: issued.body)).objectValue?["path"]?.stringValue)
                let signIn = try await clientB.get(path)
                #expect(signIn.status == 303)
                let id = try #require(DashboardTests.session(signIn.headers))
                #expect(try await clientA.get(path).status == 401, "a ticket works once across instances")
                #expect(try await clientA.get("/dashboard", headers: DashboardTests.cookie(id)).status == 200)
                #expect(try await clientB.get("/dashboard", headers: DashboardTests.cookie(id)).status == 200)
                var logout = DashboardTests.cookie(id)
                logout[HTTPField.Name("Sec-Fetch-Site")!] = "same-origin"
                #expect(try await clientA.execute(uri: "/dashboard/logout", method: .post, headers: logout).status == .seeOther)
                #expect(try await clientB.get("/dashboard", headers: DashboardTests.cookie(id)).status == 401)
            }
        }
    }

    @Test("instances share the rate limit: each allows its share of the live instances' heartbeats, and the share grows when one leaves")
    func sharedRateLimit() async throws {
        let (url, name) = try await Self.database()
        let clock = ManualWallClock(milliseconds: ServerHarness.startMilliseconds)
        let a = try await Self.open(url, ServerHarness.temporaryDirectory("pg-a"), instance: "a", clock: clock)
        let b = try await Self.open(url, ServerHarness.temporaryDirectory("pg-b"), instance: "b", clock: clock)
        let now = ServerHarness.startMilliseconds
        #expect(try await a.journal.heartbeat(instance: "a", at: now) == 1)
        #expect(try await b.journal.heartbeat(instance: "b", at: now + 1_000) == 2)
        // An instance not seen for longer than the window no longer counts.
        _ = try ScratchPostgres.shared().psql(name, "INSERT INTO civicsync_instances VALUES ('gone', 0, \(now - 60_000))")
        #expect(try await a.journal.heartbeat(instance: "a", at: now + 2_000) == 2)

        let limiter = RateLimiter(requestsPerSecond: 10, burst: 8, clock: clock)
        let loop = a.shareRateLimit(limiter, every: .milliseconds(50))
        defer { loop.cancel() }
        try await Self.eventually { await limiter.share == 2 }
        var allowed = 0
        for _ in 0..<8 where await limiter.admit("token") == .allowed { allowed += 1 }
        #expect(allowed == 4, "half the burst on each of two instances")
        await b.journal.leave(instance: "b")
        try await Self.eventually { await limiter.share == 1 }
    }

    /// Waits (at most 10 s) until `condition` holds.
    static func eventually(_ condition: @Sendable () async -> Bool) async throws {
        for _ in 0..<200 {
            if await condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("the condition did not come true within 10 s")
    }
}
