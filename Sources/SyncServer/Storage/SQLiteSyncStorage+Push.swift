import SyncCore
import Crypto
import Foundation
import GRDB

/// Push: judge each operation, apply the accepted ones through the merge core, grant
/// visibility — all in one write transaction.
extension SQLiteSyncStorage {
    public func push(_ batch: PushBatch, as principal: Principal, receivedAt: Int64) async throws -> PushOutcome {
        try await Self.wrapAsync {
            try await writer.write { db in try self.push(batch, as: principal, receivedAt: receivedAt, db) }
        }
    }

    func push(_ batch: PushBatch, as principal: Principal, receivedAt: Int64, _ db: Database) throws -> PushOutcome {
        try bindReplica(batch.replica, to: principal.memberID, at: receivedAt, db)
        let operations = batch.items.compactMap { item -> SyncOperation? in
            if case .operation(let op) = item { return op }
            return nil
        }
        let batchFacts = BatchFacts(operations)
        let facts = SQLiteAccessFacts(db: db)
        var outcome = PushOutcome()
        var decided: [OperationID: (op: SyncOperation, denial: Denial?)] = [:]
        var accepted: [SyncOperation] = []
        let rememberRejection = try db.cachedStatement(sql: """
            INSERT OR REPLACE INTO server_rejections(op_id, member_id, fingerprint, code, reason) VALUES (?, ?, ?, ?, ?)
            """)
        for item in batch.items {
            switch item {
            case .invalid(let id, let error):
                outcome.rejected.append(.init(id: id, denial: Denial(Denial.Code(error.code), error.message)))
            case .operation(let op):
                let denial: Denial?
                if let earlier = decided[op.id] {
                    denial = earlier.op == op ? earlier.denial
                        : Denial(.idConflict, "operation id \(op.id) appears twice in this batch with different content")
                } else {
                    let decision = try decide(op, batch: batch, principal: principal, now: receivedAt, facts: facts, batchFacts: batchFacts,
                                              remember: rememberRejection, db)
                    denial = decision.denial
                    decided[op.id] = (op, denial)
                    if denial == nil, !decision.alreadyStored {
                        accepted.append(op)
                        if op.entity == .council, principal.role == .branch, let branch = principal.branch,
                           try facts.councilFacts(op.entityID) == nil {
                            try db.execute(sql: "INSERT OR IGNORE INTO server_council_owners(council_id, branch) VALUES (?, ?)",
                                           arguments: [op.entityID, branch])
                        }
                    }
                }
                if let denial {
                    outcome.rejected.append(.init(id: op.id.description, denial: denial))
                } else {
                    outcome.acknowledged.append(op.id.description)
                }
            }
        }
        let result = try store.apply(accepted, db)
        outcome.applied = result.applied.count
        if !result.applied.isEmpty {
            let appliedIDs = Set(result.applied)
            let touched = Set(accepted.filter { appliedIDs.contains($0.id) }.map { EntityKey($0.entity, $0.entityID) })
            try refreshGrants(for: touched, seq: try maxSeq(db), db)
        }
        return outcome
    }

    /// Decides one operation: already stored (acknowledged again), rejected before (the same
    /// answer again), or judged now by the policy.
    private func decide(_ op: SyncOperation, batch: PushBatch, principal: Principal, now: Int64, facts: SQLiteAccessFacts,
                        batchFacts: BatchFacts, remember: Statement, _ db: Database) throws -> (denial: Denial?, alreadyStored: Bool) {
        if let stored = try facts.storedOperation(op.id) {
            return (stored == op ? nil : Denial(.idConflict, "operation id \(op.id) is already stored with different content"), true)
        }
        guard op.id.replica == batch.replica else {
            return (Denial(.foreignReplica, "operation \(op.id) belongs to replica '\(op.id.replica)', not to the pushing replica '\(batch.replica)'"), false)
        }
        // Not remembered: the same operation becomes acceptable once the server's time catches up.
        if let denial = policy.clockDenial(op, now: now) { return (denial, false) }
        let fingerprint = SHA256.hash(data: Data(op.canonicalJSON.utf8)).map { String(format: "%02x", $0) }.joined()
        if let row = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT code, reason FROM server_rejections WHERE op_id = ? AND member_id = ? AND fingerprint = ?
            """), arguments: [op.id.description, principal.memberID, fingerprint]),
           let code = Denial.Code(rawValue: row["code"]) {
            return (Denial(code, row["reason"]), false)
        }
        guard let denial = try policy.authorize(op, by: principal, facts: facts, batch: batchFacts) else { return (nil, false) }
        try remember.execute(arguments: [op.id.description, principal.memberID, fingerprint, denial.code.rawValue, denial.reason])
        return (denial, false)
    }

    /// A replica pushes for the member who first pushed from it; anyone else is refused.
    private func bindReplica(_ replica: ReplicaID, to member: String, at milliseconds: Int64, _ db: Database) throws {
        if let owner = try String.fetchOne(db.cachedStatement(sql: "SELECT member_id FROM server_replicas WHERE replica = ?"),
                                           arguments: [replica.rawValue]) {
            guard owner == member else {
                throw SyncError(.forbidden, "replica '\(replica)' pushes for member '\(owner)', not for '\(member)'; each replica has one owner")
            }
            try db.cachedStatement(sql: "UPDATE server_replicas SET last_push_ms = ? WHERE replica = ?")
                .execute(arguments: [milliseconds, replica.rawValue])
        } else {
            try db.cachedStatement(sql: "INSERT INTO server_replicas(replica, member_id, first_push_ms, last_push_ms) VALUES (?, ?, ?, ?)")
                .execute(arguments: [replica.rawValue, member, milliseconds, milliseconds])
        }
    }
}

extension SQLiteAccessFacts {
    /// The stored operation with this id, if the server has it.
    func storedOperation(_ id: OperationID) throws -> SyncOperation? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM oplog WHERE op_id = ?"), arguments: [id.description])
            .map { try ReplicaStore.loggedOperation(fromRow: $0).operation }
    }
}
