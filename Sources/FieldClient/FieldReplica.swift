import Foundation
import GRDB
import SyncCore

/// A field worker's offline replica: the replicated civil-affairs state (a SyncCore
/// `ReplicaStore`) plus the identity of its owner, in one SQLite file. Every method works
/// offline; every change is one transaction that either records all its operations or,
/// after an error, changes nothing.
///
/// Time and randomness are injected (`WallClock`, `IDSource`); only the CLI passes the
/// system ones.
public final class FieldReplica: Sendable {
    public let store: ReplicaStore
    /// The file, or nil for an in-memory replica.
    public let path: String?
    public let routing: LadderRouting
    let wallClock: any WallClock
    let ids: any IDSource

    /// Where the CLI looks for the replica when neither `--replica` nor the environment says.
    public static let defaultPath = "./civicsync.replica"
    /// The environment variable that overrides `defaultPath`.
    public static let pathEnvironmentVariable = "CIVICSYNC_REPLICA"

    /// The replica path: the option if given, else `$CIVICSYNC_REPLICA`, else `./civicsync.replica`.
    public static func resolvePath(option: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let option, !option.isEmpty { return option }
        if let value = environment[pathEnvironmentVariable], !value.isEmpty { return value }
        return defaultPath
    }

    /// What `create` needs to know about the owner.
    public struct Setup: Sendable, Equatable {
        public var memberID: String
        public var name: String
        public var role: Role
        public var branch: String?
        /// `external-monitor` (default for monitors) or `internal-monitor`.
        public var monitorKind: String?
        public var division: String?
        /// Case reference prefix, 2-8 capital letters or digits; by default derived from the replica id.
        public var refPrefix: String?

        public init(memberID: String, name: String, role: Role, branch: String? = nil, monitorKind: String? = nil,
                    division: String? = nil, refPrefix: String? = nil) {
            self.memberID = memberID
            self.name = name
            self.role = role
            self.branch = branch
            self.monitorKind = monitorKind
            self.division = division
            self.refPrefix = refPrefix
        }
    }

    init(store: ReplicaStore, path: String?, wallClock: any WallClock, ids: any IDSource, routing: LadderRouting) {
        self.store = store
        self.path = path
        self.wallClock = wallClock
        self.ids = ids
        self.routing = routing
    }

    /// Creates a new replica file for a member. Refuses an existing file (never overwrites).
    public static func create(path: String, setup: Setup, wallClock: any WallClock, ids: any IDSource,
                              routing: LadderRouting = .embedded, schema: SyncSchema = .civic) throws -> FieldReplica {
        let (setup, replicaID) = try prepare(setup, ids: ids)
        if FileManager.default.fileExists(atPath: path) {
            throw SyncError(.conflict, "\(path) already exists; refusing to overwrite it (choose another path with --replica)")
        }
        let store = try ReplicaStore.open(path: path, create: replicaID, wallClock: wallClock, schema: schema)
        let replica = FieldReplica(store: store, path: path, wallClock: wallClock, ids: ids, routing: routing)
        do {
            try replica.initialise(setup)
        } catch {
            // The file is ours: we made it a moment ago. Leave nothing half-made behind.
            removeFiles(of: path)
            throw error
        }
        return replica
    }

    /// Removes a replica file this program has just made, with SQLite's side files.
    public static func removeFiles(of path: String) {
        for suffix in ["", "-wal", "-shm", "-journal", "-sync.lock"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    /// An in-memory replica (tests, simulations).
    public static func createInMemory(setup: Setup, wallClock: any WallClock, ids: any IDSource,
                                      routing: LadderRouting = .embedded, schema: SyncSchema = .civic) throws -> FieldReplica {
        let (setup, replicaID) = try prepare(setup, ids: ids)
        let store = try ReplicaStore.inMemory(replicaID, wallClock: wallClock, schema: schema)
        let replica = FieldReplica(store: store, path: nil, wallClock: wallClock, ids: ids, routing: routing)
        try replica.initialise(setup)
        return replica
    }

    /// Opens an existing field replica. A missing, foreign or damaged file is reported, never modified.
    public static func open(path: String, wallClock: any WallClock, ids: any IDSource,
                            routing: LadderRouting = .embedded, schema: SyncSchema = .civic) throws -> FieldReplica {
        guard FileManager.default.fileExists(atPath: path) else {
            throw SyncError(.notFound, "no replica at \(path); create one with `field init --member ID --name NAME --role ROLE` or point --replica / $\(pathEnvironmentVariable) at yours")
        }
        try refuseForeignFile(path)
        let store = try ReplicaStore.open(path: path, wallClock: wallClock, schema: schema)
        let replica = FieldReplica(store: store, path: path, wallClock: wallClock, ids: ids, routing: routing)
        _ = try replica.identity()
        return replica
    }

    /// Looks at the file through a read-only connection before anything opens it for writing
    /// (opening for writing switches the journal to WAL, which rewrites the file header), so a
    /// foreign or damaged file is reported with its bytes untouched.
    static func refuseForeignFile(_ path: String) throws {
        var configuration = Configuration()
        configuration.readonly = true
        let verdict: String?
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            verdict = try queue.read { db -> String? in
                let tables = try String.fetchAll(db.cachedStatement(sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'grdb_migrations'"))
                guard tables.contains("replica_meta") else {
                    return tables.isEmpty ? "it is an empty database" : "it has tables \(tables.prefix(5).joined(separator: ", ")) but no replica_meta"
                }
                let format = try String.fetchOne(db.cachedStatement(sql: "SELECT value FROM replica_meta WHERE key = 'format'"))
                return format == ReplicaSchema.formatMarker ? nil : "its format marker is \(format ?? "missing")"
            }
        } catch {
            throw SyncError(.notAReplica, "\(path) is not a SQLite database or is damaged; it was left untouched", cause: error)
        }
        if let verdict {
            throw SyncError(.notAReplica, "\(path) is not a CivicSync replica (\(verdict)); it was left untouched")
        }
    }

    static func prepare(_ setup: Setup, ids: any IDSource) throws -> (Setup, ReplicaID) {
        var setup = setup
        try Check.identifier(setup.memberID, what: "member id")
        try Check.text(setup.name, what: "name")
        if let branch = setup.branch { try Check.identifier(branch, what: "branch") }
        switch setup.role {
        case .branch:
            guard setup.branch != nil else {
                throw SyncError(.invalidValue, "a branch replica needs its branch; add --branch (e.g. --branch busan)")
            }
            setup.monitorKind = nil
        case .monitor:
            let kind = setup.monitorKind ?? "external-monitor"
            guard ["external-monitor", "internal-monitor"].contains(kind) else {
                throw SyncError(.invalidValue, "unknown monitor kind '\(kind)'; use external-monitor or internal-monitor")
            }
            setup.monitorKind = kind
        case .hq, .expert:
            setup.monitorKind = nil
        }
        let token = ids.randomToken(length: 10)
        guard let replicaID = ReplicaID("r" + token) else {
            throw SyncError(.invalidValue, "the id source produced an unusable token '\(token)'")
        }
        if let prefix = setup.refPrefix {
            guard (2...8).contains(prefix.count), prefix.allSatisfy({ ($0.isUppercase && $0.isASCII) || ("0"..."9").contains($0) }) else {
                throw SyncError(.invalidValue, "reference prefix '\(prefix.prefix(20))' must be 2-8 capital letters or digits (e.g. BSN)")
            }
        } else {
            setup.refPrefix = String(token.prefix(4)).uppercased()
        }
        return (setup, replicaID)
    }

    func initialise(_ setup: Setup) throws {
        let identity = Identity(memberID: setup.memberID, name: setup.name, role: setup.role, branch: setup.branch,
                                monitorKind: setup.monitorKind, division: setup.division, refPrefix: setup.refPrefix ?? "FLD",
                                replicaID: store.replicaID.rawValue, caseCounter: 0)
        try write { db in
            try IdentityTable.insert(identity, db)
            // The owner is a member like any other: register them if nobody has yet.
            var writes: [FieldWrite] = [
                .set(.member, identity.memberID, "name", .string(identity.name)),
                .set(.member, identity.memberID, "kind", .string(identity.memberKind)),
            ]
            if let branch = identity.branch { writes.append(.set(.member, identity.memberID, "branch", .string(branch))) }
            if let division = identity.division { writes.append(.set(.member, identity.memberID, "division", .string(division))) }
            try store.record(writes, author: identity.memberID, db)
        }
    }

    // MARK: - Identity and state

    /// The owner of this replica (read afresh: the case counter moves).
    public func identity() throws -> Identity {
        try read { db in try IdentityTable.load(replicaID: store.replicaID, db) }
    }

    public struct Status: Codable, Sendable, Equatable {
        public var identity: Identity
        public var path: String?
        /// Local operations not yet acknowledged by a server.
        public var waiting: Int
        /// Local operations the server refused.
        public var rejected: Int
        /// Every operation in the log (local and received).
        public var operations: Int
        public var conflicts: Int
        public var digest: String
    }

    /// Who I am, where my replica is, how many local changes wait.
    public func status() throws -> Status {
        try read { db in
            Status(identity: try IdentityTable.load(replicaID: store.replicaID, db), path: path,
                   waiting: try store.countWaiting(db), rejected: try store.rejectedOperations(db).count,
                   operations: try store.operationCount(db),
                   conflicts: try Int.fetchOne(db.cachedStatement(sql: "SELECT count(*) FROM conflicts")) ?? 0,
                   digest: try store.stateDigest(db).root)
        }
    }

    /// The replica's state digest: equal digests mean equal materialised state.
    public func digest() throws -> String { try store.stateDigest() }

    // MARK: - Transactions

    /// One write transaction: everything in `body` is recorded, or nothing if it throws.
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        try Self.mapErrors { try store.writer.write(body) }
    }

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        try Self.mapErrors { try store.writer.read(body) }
    }

    /// Records writes authored by this replica's owner, after judging them with the server's
    /// own rules (`AccessPolicy`) against what the replica holds: whatever the server would
    /// refuse is refused now, before anything is recorded, so offline work is never silently
    /// doomed.
    @discardableResult
    func record(_ writes: [FieldWrite], _ db: Database) throws -> [SyncOperation] {
        let me = try IdentityTable.load(replicaID: store.replicaID, db)
        try Self.judge(writes, as: me.principal, db)
        return try store.record(writes, author: me.memberID, db)
    }

    /// Throws the first refusal the access rules give for `writes`, judged together as the
    /// server will judge them (the replica's own earlier, unsynced writes are part of its state).
    static func judge(_ writes: [FieldWrite], as principal: Principal, _ db: Database) throws {
        guard principal.role != .hq, !writes.isEmpty else { return }
        let local = ReplicaID("local")!
        let provisional = writes.enumerated().map { index, write in
            // Placeholder ids and increasing timestamps: record() dates the writes in this order.
            SyncOperation(id: OperationID(replica: local, counter: Int64(index + 1)),
                          hlc: HLCTimestamp(wallMilliseconds: 0, logical: Int32(min(index, Int(HLCTimestamp.maxLogical))), replica: local),
                          author: principal.memberID, entity: write.entity, entityID: write.entityID, field: write.field,
                          key: write.key, kind: write.kind, value: write.value)
        }
        let denials = try AccessPolicy().judge(provisional, by: principal, facts: ReplicaAccessFacts(db: db, visibility: .heldEntities))
        guard let (index, denial) = provisional.enumerated().lazy.compactMap({ index, op in denials[op.id].map { (index, $0) } }).first
        else { return }
        let write = writes[index]
        let code: SyncError.Code = denial.code == .notFound ? .notFound : .forbidden
        throw SyncError(code, "the server would refuse this (\(write.entity.rawValue) \(write.entityID) \(write.field)): \(denial.reason); nothing was recorded")
    }

    func me(_ db: Database) throws -> Identity { try IdentityTable.load(replicaID: store.replicaID, db) }

    static func mapErrors<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as SyncError {
            throw error
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB || error.resultCode == .SQLITE_CORRUPT {
            throw SyncError(.notAReplica, "the replica file is damaged; nothing was changed (restore it from a copy)", cause: error)
        } catch {
            throw SyncError(.storage, "the replica database failed; nothing was changed", cause: error)
        }
    }

    // MARK: - Shared helpers

    /// Today (UTC), by the injected clock corrected with the offset learnt from the server, so a
    /// device whose clock is wrong still dates what it records by the server's calendar.
    public func today() -> String { CivilDate(millisecondsSinceEpoch: now()).description }

    /// Today (UTC) by the corrected clock, inside a transaction the caller holds.
    func today(_ db: Database) throws -> String { CivilDate(millisecondsSinceEpoch: try store.correctedNow(db)).description }

    /// The corrected time now, in milliseconds since the epoch.
    public func now() -> Int64 {
        (try? store.writer.read { db in try store.correctedNow(db) }) ?? wallClock.nowMilliseconds()
    }

    func newID(_ prefix: String) -> String { prefix + "-" + ids.randomToken(length: 10) }

    /// The date of record of a fact recorded now: `on` when given (checked by
    /// `Check.dateOfRecord` against today by the corrected clock), else today.
    func dateOfRecord(_ on: String?, _ db: Database) throws -> String {
        let today = try today(db)
        guard let on else { return today }
        try Check.dateOfRecord(on, today: today)
        return on
    }

    func requireStaff(_ db: Database, _ action: String) throws {
        let me = try me(db)
        guard me.role.isStaff else {
            throw SyncError(.forbidden, "a monitor's replica cannot \(action); ask branch or HQ staff to do it")
        }
    }
}

/// Input checks that produce one-line errors saying how to fix the input.
enum Check {
    static func identifier(_ s: String, what: String) throws {
        guard (1...64).contains(s.utf8.count), s.utf8.allSatisfy({
            ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 45 || $0 == 95 || $0 == 46
        }) else {
            throw SyncError(.invalidValue, "\(what) '\(s.prefix(80))' must be 1-64 letters, digits, '-', '_' or '.'")
        }
    }

    static func text(_ s: String, what: String, max: Int = 500) throws {
        guard !s.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, s.count <= max else {
            throw SyncError(.invalidValue, "\(what) must be non-empty text of at most \(max) characters")
        }
    }

    static func choice(_ s: String, in options: [String], what: String) throws {
        guard options.contains(s) else {
            throw SyncError(.invalidValue, "unknown \(what) '\(s.prefix(60))'; use one of: \(options.joined(separator: ", "))")
        }
    }

    /// The earliest date of record a fact may have.
    static let earliestDateOfRecord = "2000-01-01"

    /// A date of record (`--on`): a real `YYYY-MM-DD` date, not before 2000-01-01 and not after
    /// `today` (a fact is typed on or after the day it happened).
    static func dateOfRecord(_ s: String, today: String, option: String = "--on") throws {
        let shown = s.prefix(40)
        guard ValueType.isDate(s) else {
            let parts = s.split(separator: "-", omittingEmptySubsequences: false)
            if s.count == 10, parts.count == 3, parts.allSatisfy({ $0.allSatisfy(\.isASCIIDigit) }),
               let year = Int(parts[0]), let month = Int(parts[1]), (1...12).contains(month), year >= 1900 {
                throw SyncError(.invalidValue, "\(option) \(shown) is not a real date: \(String(parts[0]))-\(String(parts[1])) has \(CivilDate.daysInMonth(year: year, month: month)) days")
            }
            throw SyncError(.invalidValue, "\(option) '\(shown)' is not a date; give the day the fact happened as YYYY-MM-DD (e.g. \(today))")
        }
        guard s >= earliestDateOfRecord else {
            throw SyncError(.invalidValue, "\(option) \(shown) is before \(earliestDateOfRecord); give the day the fact happened as YYYY-MM-DD")
        }
        guard s <= today else {
            throw SyncError(.invalidValue, "\(option) \(shown) is in the future (today is \(today)); record a fact on or after the day it happened")
        }
    }

    static func date(_ s: String, what: String = "date") throws {
        guard ValueType.isDate(s) else {
            throw SyncError(.invalidValue, "malformed \(what) '\(s.prefix(40))'; write it as YYYY-MM-DD (e.g. 2026-03-14)")
        }
    }
}
