import FieldClient
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import ScratchPostgres
import SyncCore
import SyncServer
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Several real `syncserver serve` processes on one PostgreSQL database, with real field
/// replicas syncing through any of them: the instances are interchangeable, and losing one
/// (kill -9) loses nothing it acknowledged.
@Suite("PostgreSQL: several server instances", .serialized)
struct PostgresInstancesTests {
    /// A database with its tokens, and `count` instances serving it.
    struct Deployment: Sendable {
        let url: String
        let instances: [ServerProcess.Running]
        let directories: [String]
        let tokens: [String: String]

        static let members: [(String, Principal)] = [
            ("hq", Principal(memberID: "hq", role: .hq)),
            ("s1", Principal(memberID: "s1", role: .branch, branch: "busan")),
            ("s2", Principal(memberID: "s2", role: .branch, branch: "seoul")),
            ("m1", Principal(memberID: "m1", role: .monitor, monitorKind: .external)),
            ("m2", Principal(memberID: "m2", role: .monitor, monitorKind: .external)),
        ]

        init(instances count: Int) async throws {
            url = try await ScratchPostgres.newDatabase()
            let journal = PostgresJournal(url: try DatabaseURL(url), maximumConnections: 1)
            defer { journal.shutdown() }
            try await journal.migrate()
            let authority = TokenAuthority(storage: journal, ids: SystemIDSource(), wallClock: SystemWallClock())
            var tokens: [String: String] = [:]
            for (member, principal) in Self.members { tokens[member] = try await authority.issue(principal).token }
            self.tokens = tokens
            var instances: [ServerProcess.Running] = []
            let directories = (0..<count).map { ServerHarness.temporaryDirectory("instance\($0)") }
            for index in 0..<count {
                instances.append(try await Self.start(url: url, directory: directories[index], name: "i\(index)"))
            }
            self.instances = instances
            self.directories = directories
        }

        static func start(url: String, directory: String, name: String) async throws -> ServerProcess.Running {
            try await ServerProcess.Running(arguments: ["serve", "--database-url", url, "--data-dir", directory,
                                                       "--port", "0", "--instance", name, "--log-level", "error"])
        }

        func url(_ index: Int) -> String { "http://127.0.0.1:\(instances[index].port)" }

        func stop() { for instance in instances { instance.kill() } }
    }

    /// A field replica in memory, on the real clock, pointed at `server`.
    static func replica(_ member: String, _ role: Role, branch: String? = nil, prefix: String, seed: UInt64,
                        server: String, token: String) throws -> FieldReplica {
        let replica = try FieldReplica.createInMemory(
            setup: .init(memberID: member, name: member.capitalized, role: role, branch: branch, refPrefix: prefix),
            wallClock: SystemWallClock(), ids: SeededIDSource(seed: seed), schema: .civic)
        try point(replica, at: server, token: token)
        return replica
    }

    static func point(_ replica: FieldReplica, at server: String, token: String) throws {
        var settings = SyncSettings(serverURL: server, token: token)
        settings.retries = 0
        try replica.setRemote(settings)
    }

    /// The writers: branch staff, monitors and HQ, each creating cases.
    static let writers: [(member: String, role: Role, branch: String?, prefix: String)] = [
        ("s1", .branch, "busan", "BSN"), ("s2", .branch, "seoul", "SEL"), ("m1", .monitor, nil, "MA"),
        ("m2", .monitor, nil, "MB"), ("hq", .hq, nil, "HQ"),
    ]

    @Test("three instances: replicas push through some while others pull through others; everyone ends with all it may see, digests equal")
    func threeInstances() async throws {
        let deployment = try await Deployment(instances: 3)
        defer { deployment.stop() }
        let rounds = 4
        // Readers pull all along, each through the instances in turn, while the writers push.
        let readers: [(member: String, role: Role, branch: String?)] = [("hq", .hq, nil), ("s1", .branch, "busan"), ("m1", .monitor, nil)]
        var readerReplicas: [FieldReplica] = []
        for (index, reader) in readers.enumerated() {
            readerReplicas.append(try Self.replica(reader.member, reader.role, branch: reader.branch, prefix: "RD\(index)",
                                                   seed: UInt64(50 + index), server: deployment.url(0), token: deployment.tokens[reader.member]!))
        }
        let ports = deployment.instances.map(\.port)
        let pulling = readerReplicas
        let writerOps = try await withThrowingTaskGroup(of: (String, Set<String>).self) { group in
            for (index, replica) in pulling.enumerated() {
                group.addTask {
                    let balancer = Balancer(ports: ports)
                    for _ in 0..<8 {
                        _ = try await replica.syncClient(transport: balancer).sync()
                        try await Task.sleep(for: .milliseconds(20))
                    }
                    return ("reader", [])
                }
            }
            for (index, writer) in Self.writers.enumerated() {
                group.addTask {
                    let replica = try Self.replica(writer.member, writer.role, branch: writer.branch, prefix: writer.prefix,
                                                   seed: UInt64(index + 1), server: deployment.url(index % 3),
                                                   token: deployment.tokens[writer.member]!)
                    let balancer = Balancer(ports: ports)
                    for round in 0..<rounds {
                        _ = try replica.createCase(NewCase(title: "\(writer.member) case \(round)", body: "Found in round \(round)",
                                                           area: "goods", cause: "process"))
                        let report = try await replica.syncClient(transport: balancer).sync()
                        #expect(report.rejected.isEmpty, "\(writer.member): \(report.rejected)")
                    }
                    // Its own cases' operations (not what it received, nor its member record, which others may see).
                    return (writer.member, Set(try replica.operations().filter { $0.local && $0.operation.entity == .case }
                        .map(\.operation.id.description)))
                }
            }
            var all: [String: Set<String>] = [:]
            for try await (member, ids) in group where member != "reader" { all[member] = ids }
            return all
        }
        // Then each reader syncs once more through each instance (its cursor kept): nothing new,
        // and the server's digest for its scope, whichever instance computes it.
        for (index, reader) in readers.enumerated() {
            let replica = readerReplicas[index]
            for instance in [1, 2, 0] {
                let report = try await replica.syncClient(transport: Balancer(ports: [ports[instance]])).sync()
                #expect(report.converged == true, "\(reader.member) via i\(instance): \(report.digest) vs \(report.serverDigest ?? "-")")
                if instance != 1 { #expect(report.pulled == 0, "\(reader.member) via i\(instance) pulled \(report.pulled) again") }
            }
            let held = Set(try replica.operations().map(\.operation.id.description))
            switch reader.member {
            case "hq":
                #expect(writerOps.values.reduce(into: Set<String>()) { $0.formUnion($1) }.isSubset(of: held))
            case "s1":
                #expect(writerOps["s1"]!.isSubset(of: held))
                #expect(held.isDisjoint(with: writerOps["s2"]!), "a Busan replica received Seoul's cases")
            default:
                #expect(writerOps["m1"]!.isSubset(of: held))
            }
        }
    }

    @Test("kill -9 of one instance during pushes: nothing it acknowledged is lost, the other keeps serving")
    func killOneInstance() async throws {
        let deployment = try await Deployment(instances: 2)
        defer { deployment.stop() }
        let victim = deployment.instances[0]
        let rounds = 20
        let killer = Task {
            try await Task.sleep(for: .milliseconds(700))
            kill(victim.process.processIdentifier, SIGKILL)
        }
        let ports = deployment.instances.map(\.port)
        let balancers = Self.writers.map { _ in Balancer(ports: ports) }
        let acknowledged = try await withThrowingTaskGroup(of: Set<String>.self) { group in
            for (index, writer) in Self.writers.enumerated() {
                group.addTask {
                    let replica = try Self.replica(writer.member, writer.role, branch: writer.branch, prefix: writer.prefix,
                                                   seed: UInt64(index + 1), server: deployment.url(0), token: deployment.tokens[writer.member]!)
                    for round in 0..<rounds {
                        _ = try replica.createCase(NewCase(title: "\(writer.member) case \(round)", body: "Round \(round)",
                                                           area: "goods", cause: "process"))
                        let report = try await replica.syncClient(transport: balancers[index]).sync()
                        #expect(report.rejected.isEmpty)
                        try await Task.sleep(for: .milliseconds(30))
                    }
                    let final = try await replica.syncClient(transport: balancers[index]).sync()
                    // (Its digest may differ for a moment: the other writers are still pushing.)
                    #expect(final.waiting == 0)
                    #expect(try replica.status().waiting == 0)
                    return Set(try replica.operations().map(\.operation.id.description))
                }
            }
            var all = Set<String>()
            for try await ids in group { all.formUnion(ids) }
            return all
        }
        _ = try await killer.value
        #expect(balancers.reduce(0) { $0 + $1.failovers } > 0, "the instance was killed after the pushes had ended")
        #expect(!victim.process.isRunning)
        let hq = try Self.replica("hq", .hq, prefix: "RDH", seed: 99, server: deployment.url(1), token: deployment.tokens["hq"]!)
        let report = try await hq.syncClient(transport: Balancer(ports: [ports[1]])).sync()
        #expect(report.converged == true)
        let held = Set(try hq.operations().map(\.operation.id.description))
        #expect(acknowledged.isSubset(of: held), "lost: \(acknowledged.subtracting(held).sorted().prefix(5))")
        #expect(acknowledged.count >= Self.writers.count * rounds * 5)

        // The killed instance starts again on its own data directory: its working copy, left
        // behind the journal (and perhaps mid-transaction), catches up and serves the same state.
        let restarted = try await Deployment.start(url: deployment.url, directory: deployment.directories[0], name: "i0-again")
        defer { restarted.kill() }
        let again = try await hq.syncClient(transport: Balancer(ports: [restarted.port])).sync()
        #expect(again.converged == true && again.pulled == 0, "pulled \(again.pulled)")
        // Both instances hand out the same log: the same operations at the same positions.
        func log(_ port: Int) async throws -> [String] {
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/v1/pull?cursor=0&limit=5000")!)
            request.setValue("Bearer \(deployment.tokens["hq"]!)", forHTTPHeaderField: "Authorization")
            request.setValue("1", forHTTPHeaderField: "CivicSync-Protocol")
            let (data, _) = try await URLSession.shared.data(for: request)
            let object = try parseJSON(String(decoding: data, as: UTF8.self)).objectValue ?? [:]
            return (object["operations"]?.arrayValue ?? []).compactMap { $0.objectValue?["id"]?.stringValue }
        }
        let survivorLog = try await log(deployment.instances[1].port)
        let restartedLog = try await log(restarted.port)
        #expect(survivorLog.count == restartedLog.count)
        if let first = zip(survivorLog, restartedLog).enumerated().first(where: { $0.element.0 != $0.element.1 }) {
            Issue.record("the logs differ from position \(first.offset + 1): \(first.element.0) vs \(first.element.1)")
        }
    }
}

/// A load balancer in the client: each request goes to the next live instance in turn; an
/// instance that cannot be reached is dropped and the request sent to the next one (a push
/// retried so is idempotent). The replica keeps one server URL, and so one pull cursor, whatever
/// instance answers: cursors travel between instances as behind a real balancer.
/// `@unchecked Sendable`: `next` and `dead` are only touched under the lock.
final class Balancer: SyncTransport, @unchecked Sendable {
    private let instances: [URLSessionTransport]
    private let lock = NSLock()
    private var next = 0
    private var dead = Set<Int>()
    /// Requests that failed over to another instance.
    private(set) var failovers = 0

    init(ports: [Int]) {
        instances = ports.map { URLSessionTransport(baseURL: URL(string: "http://127.0.0.1:\($0)")!, timeout: 300) }
    }

    private func pick() -> Int? {
        lock.withLock {
            for _ in instances.indices {
                let index = next % instances.count
                next += 1
                if !dead.contains(index) { return index }
            }
            return nil
        }
    }

    func send(_ request: TransportRequest) async throws -> TransportResponse {
        while let index = pick() {
            do {
                return try await instances[index].send(request)
            } catch let error as SyncError where error.code == .unreachable {
                lock.withLock {
                    dead.insert(index)
                    failovers += 1
                }
            }
        }
        throw SyncError(.unreachable, "no instance answers")
    }
}
