import SyncCore
import Foundation
import GRDB

/// Push: judge each operation, apply the accepted ones through the merge core, grant
/// visibility — all atomically, in a savepoint of a write transaction that the pushes arriving
/// at the same time share (`PushGroup`).
extension SQLiteSyncStorage {
    public func push(_ batch: PushBatch, as principal: Principal, receivedAt: Int64) async throws -> PushOutcome {
        let outcome = try await Self.wrapAsync {
            try await pushGroup.submit(batch, as: principal, receivedAt: receivedAt) { batch, principal, receivedAt, db in
                try self.push(batch, as: principal, receivedAt: receivedAt, db)
            }
        }
        if outcome.applied > 0 { changes.signal() }
        return outcome
    }

    /// Judges a push and records what it changes, in the caller's transaction.
    func push(_ batch: PushBatch, as principal: Principal, receivedAt: Int64, _ db: Database) throws -> (PushOutcome, StoreChange) {
        var (outcome, change) = try judge(batch, as: principal, receivedAt: receivedAt, db)
        outcome.applied = try record(change, db)
        return (outcome, change)
    }

    /// Records a change judged here or on another instance (`StoreChange`): the replica's
    /// owner, remembered refusals, the quota's count, then the operations through the merge
    /// core with the visibility grants they bring. Returns how many operations were new.
    /// `holdingNewer`: for changes judged by another instance, possibly of a newer build,
    /// operations on fields this build does not know are kept in the log, not merged (the
    /// embedded store's own pushes never carry such operations: parsing refuses them).
    @discardableResult
    func record(_ change: StoreChange, holdingNewer: Bool = false, _ db: Database) throws -> Int {
        if let binding = change.replica {
            // The replica's highest counter and latest timestamp stored, kept here so that the
            // question every sync starts with (`replicaStatus`) reads one row.
            var highest: Int64 = 0, latest = ""
            for op in change.operations where op.id.replica.rawValue == binding.replica {
                highest = max(highest, op.id.counter)
                latest = max(latest, op.hlc.description)
            }
            try db.cachedStatement(sql: """
                INSERT INTO server_replicas(replica, member_id, first_push_ms, last_push_ms, highest_counter, latest_hlc)
                VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT(replica) DO UPDATE SET last_push_ms = excluded.last_push_ms,
                    highest_counter = max(highest_counter, excluded.highest_counter), latest_hlc = max(latest_hlc, excluded.latest_hlc)
                """).execute(arguments: [binding.replica, binding.memberID, binding.milliseconds, binding.milliseconds, highest, latest])
        }
        if !change.rejections.isEmpty {
            let remember = try db.cachedStatement(sql: """
                INSERT OR REPLACE INTO server_rejections(op_id, member_id, fingerprint, code, reason) VALUES (?, ?, ?, ?, ?)
                """)
            for rejection in change.rejections {
                try remember.execute(arguments: [rejection.operationID, rejection.memberID, rejection.fingerprint,
                                                 rejection.code, rejection.reason])
            }
        }
        if let usage = change.usage {
            try db.cachedStatement(sql: """
                INSERT INTO server_usage(member_id, day, operations, bytes) VALUES (?, ?, ?, ?)
                ON CONFLICT(member_id, day) DO UPDATE SET operations = operations + excluded.operations, bytes = bytes + excluded.bytes
                """).execute(arguments: [usage.memberID, usage.day, usage.operations, usage.bytes])
        }
        guard !change.operations.isEmpty else { return 0 }
        return try importOperations(store.prepare(change.operations, holdingNewer: holdingNewer), db)
    }

    /// Judges a batch in two stages. First what does not depend on the rules: another
    /// replica's id, an id already stored, a reused timestamp, a clock too far ahead, a
    /// remembered refusal. Then the access rules (`AccessPolicy.judge`) on the rest, with facts
    /// about new entities taken only from operations that are themselves accepted.
    /// Writes nothing: what the push changes is the returned `StoreChange`.
    func judge(_ batch: PushBatch, as principal: Principal, receivedAt: Int64, _ db: Database) throws -> (PushOutcome, StoreChange) {
        var change = StoreChange()
        let (binding, newReplica) = try bindReplica(batch.replica, to: principal.memberID, role: principal.role, at: receivedAt, db)
        change.replica = binding
        let facts = ReplicaAccessFacts(db: db, visibility: .grants)
        var outcome = PushOutcome()
        outcome.serverTime = receivedAt
        outcome.maxClockAheadMilliseconds = policy.maxClockAheadMilliseconds

        var first: [OperationID: SyncOperation] = [:]
        var refused: [OperationID: Denial] = [:]
        var remember: Set<OperationID> = []
        var stored: Set<OperationID> = []
        var fingerprints: [OperationID: String] = [:]
        var hlcOwners: [HLCTimestamp: OperationID] = [:]
        var candidates: [SyncOperation] = []
        // Operations may be dated up to the tolerance after the server's clock, or after the
        // latest operation it already holds: replicas' clocks follow what they have seen, so a
        // server whose own clock was set back must not lock them out until it catches up.
        let latest = try String.fetchOne(db.cachedStatement(sql: "SELECT max(hlc) FROM oplog")).flatMap(HLCTimestamp.init)
        let clockNow = max(receivedAt, latest?.wallMilliseconds ?? receivedAt)
        let compacted = try store.hasCompacted(db)
        for item in batch.items {
            guard case .operation(let op) = item, first[op.id] == nil else { continue }
            first[op.id] = op
            if let denial = try prefilter(op, batch: batch, principal: principal, now: clockNow, compacted: compacted, hlcOwners: &hlcOwners,
                                          fingerprints: &fingerprints, stored: &stored, remember: &remember, db) {
                refused[op.id] = denial
            } else if !stored.contains(op.id) {
                candidates.append(op)
            }
        }
        if batch.resend {
            // Sent again after a restore: an entity the store lost waits for the replica that
            // created it (its own resend brings it back), even for HQ, whose writes would
            // otherwise make a headless entity its creator could no longer write.
            let declared = BatchFacts(candidates)
            for op in candidates {
                let key = EntityKey(op.entity, op.entityID)
                if !declared.declares(key), try !facts.exists(key) {
                    refused[op.id] = Denial(.notFound, "\(op.entity.rawValue) \(op.entityID) is not on this server (yet): the server was restored, and this waits until the replica that created it sends it again")
                }
            }
            candidates.removeAll { refused[$0.id] != nil }
        }
        let judged = try policy.judge(candidates, by: principal, facts: facts, refused: [:])
        for (id, denial) in judged {
            refused[id] = denial
            // Refusals of operations sent again after a restore are not remembered: what they
            // depend on may come back with another replica's next sync.
            if !batch.resend { remember.insert(id) }
        }
        let accepted = candidates.filter { refused[$0.id] == nil }
        change.usage = try chargeQuota(accepted, principal: principal, now: receivedAt, db)
        change.operations = accepted

        for id in remember.sorted() {
            guard let op = first[id], let denial = refused[id] else { continue }
            change.rejections.append(.init(operationID: id.description, memberID: principal.memberID,
                                           fingerprint: Self.fingerprint(op, &fingerprints),
                                           code: denial.code.rawValue, reason: denial.reason))
        }

        // The answer, item by item in batch order.
        for item in batch.items {
            switch item {
            case .invalid(let id, let error):
                outcome.rejected.append(.init(id: id, denial: Denial(Denial.Code(error.code), error.message)))
            case .operation(let op):
                if let original = first[op.id], !Self.sameBytes(original, op) {
                    outcome.rejected.append(.init(id: op.id.description,
                                                  denial: Denial(.idConflict, "operation id \(op.id) appears twice in this batch with different content")))
                } else if let denial = refused[op.id] {
                    outcome.rejected.append(.init(id: op.id.description, denial: denial))
                } else {
                    outcome.acknowledged.append(op.id.description)
                }
            }
        }
        // A push that changes nothing else (a retry of stored operations) records nothing, not
        // even the replica's last push time: it appends no journal entry on PostgreSQL.
        if !newReplica && change.operations.isEmpty && change.rejections.isEmpty && change.usage == nil {
            change.replica = nil
        }
        return (outcome, change)
    }

    /// What refuses an operation before the access rules are asked, or marks it as already
    /// stored. A replica's operation id reveals nothing about other replicas: another replica's
    /// id is refused as foreign before anything is looked up.
    private func prefilter(_ op: SyncOperation, batch: PushBatch, principal: Principal, now: Int64, compacted: Bool,
                           hlcOwners: inout [HLCTimestamp: OperationID], fingerprints: inout [OperationID: String],
                           stored: inout Set<OperationID>, remember: inout Set<OperationID>, _ db: Database) throws -> Denial? {
        guard op.id.replica == batch.replica else {
            return Denial(.foreignReplica, "operation \(op.id) belongs to replica '\(op.id.replica)', not to the pushing replica '\(batch.replica)'")
        }
        if let existing = try storedOperation(op.id, db) {
            // Byte for byte: two texts that differ only in Unicode normalisation are different content.
            guard Self.sameBytes(existing, op) else {
                return Denial(.idConflict, "operation id \(op.id) is already stored with different content")
            }
            stored.insert(op.id)
            return nil
        }
        // Compacted: stored once, merged; compared by the start of its fingerprint when kept.
        if compacted, try store.isCompacted(op.id, db) {
            if let kept = try store.compactedFingerprint(op.id, db), !Self.fingerprint(op, &fingerprints).hasPrefix(kept) {
                return Denial(.idConflict, "operation id \(op.id) was already stored (and since compacted) with different content")
            }
            stored.insert(op.id)
            return nil
        }
        if let owner = hlcOwners[op.hlc], owner != op.id {
            remember.insert(op.id)
            return Denial(.hlcReused, "operation \(op.id) reuses the timestamp of operation \(owner) in this batch; a replica dates each operation differently")
        }
        hlcOwners[op.hlc] = op.id
        if let owner = try String.fetchOne(db.cachedStatement(sql: "SELECT op_id FROM oplog WHERE hlc = ? AND op_id != ?"),
                                           arguments: [op.hlc.description, op.id.description]) {
            remember.insert(op.id)
            return Denial(.hlcReused, "operation \(op.id) reuses the timestamp of stored operation \(owner); a replica dates each operation differently")
        }
        // Not remembered: the same operation becomes acceptable once re-dated or once the
        // server's time catches up.
        if let denial = policy.clockDenial(op, now: now) { return denial }
        // The content's hash is computed only for an id refused before (rare), not for every operation.
        if let row = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT fingerprint, code, reason FROM server_rejections WHERE op_id = ? AND member_id = ?
            """), arguments: [op.id.description, principal.memberID]),
           (row[0] as String) == Self.fingerprint(op, &fingerprints),
           let code = Denial.Code(rawValue: row[1]) {
            return Denial(code, row[2])
        }
        return nil
    }

    /// Counts what a member stores today; refuses the whole push, storing nothing, when it
    /// would go over the quota. Returns the charge to record (nil for HQ or without a quota).
    private func chargeQuota(_ accepted: [SyncOperation], principal: Principal, now: Int64,
                             _ db: Database) throws -> StoreChange.UsageCharge? {
        guard principal.role != .hq, !accepted.isEmpty,
              quota.operationsPerDay > 0 || quota.bytesPerDay > 0 else { return nil }
        let day = CivilDate(millisecondsSinceEpoch: now).description
        let bytes = accepted.reduce(0) { $0 + $1.canonicalJSON.utf8.count }
        let used = try Row.fetchOne(db.cachedStatement(sql: "SELECT operations, bytes FROM server_usage WHERE member_id = ? AND day = ?"),
                                    arguments: [principal.memberID, day])
        let operations = (used?["operations"] as Int?) ?? 0
        let usedBytes = (used?["bytes"] as Int?) ?? 0
        let overOperations = quota.operationsPerDay > 0 && operations + accepted.count > quota.operationsPerDay
        let overBytes = quota.bytesPerDay > 0 && usedBytes + bytes > quota.bytesPerDay
        if overOperations || overBytes {
            let nextDay = CivilDate(millisecondsSinceEpoch: now).millisecondsSinceEpoch + 86_400_000
            let limit = overOperations ? "\(quota.operationsPerDay) operations" : "\(quota.bytesPerDay) bytes"
            throw QuotaExceeded(retryAfterSeconds: Int(max(1, (nextDay - now + 999) / 1000)),
                                message: "member '\(principal.memberID)' may store at most \(limit) a day (UTC); this push would go over it, so nothing of it was stored; push again tomorrow or ask headquarters to raise the quota")
        }
        return .init(memberID: principal.memberID, day: day, operations: accepted.count, bytes: bytes)
    }

    /// A replica pushes for the member who first pushed from it; anyone else is refused.
    /// Returns the binding to record, and whether the replica is new.
    private func bindReplica(_ replica: ReplicaID, to member: String, role: Principal.Role, at milliseconds: Int64,
                             _ db: Database) throws -> (StoreChange.ReplicaBinding, Bool) {
        var isNew = false
        if let owner = try String.fetchOne(db.cachedStatement(sql: "SELECT member_id FROM server_replicas WHERE replica = ?"),
                                           arguments: [replica.rawValue]) {
            guard owner == member else {
                throw SyncError(.forbidden, "replica '\(replica)' pushes for another member, not for '\(member)'; each replica has one owner")
            }
        } else {
            let count = try Int.fetchOne(db.cachedStatement(sql: "SELECT count(*) FROM server_replicas WHERE member_id = ?"),
                                         arguments: [member]) ?? 0
            guard role == .hq || count < Self.maxReplicasPerMember else {
                throw SyncError(.forbidden, "member '\(member)' already pushes from \(count) replicas, the most one member may use; sync from an existing replica, or ask headquarters")
            }
            isNew = true
        }
        return (.init(replica: replica.rawValue, memberID: member, milliseconds: milliseconds), isNew)
    }

    /// The stored operation with this id, if the server has it.
    func storedOperation(_ id: OperationID, _ db: Database) throws -> SyncOperation? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM oplog WHERE op_id = ?"), arguments: [id.description])
            .map { try ReplicaStore.loggedOperation(fromRow: $0).operation }
    }

    /// Whether two operations are the same bytes on the wire (Swift's `==` on strings treats
    /// canonically equivalent Unicode as equal; stored content is compared exactly).
    static func sameBytes(_ a: SyncOperation, _ b: SyncOperation) -> Bool {
        a.canonicalJSON.utf8.elementsEqual(b.canonicalJSON.utf8)
    }

    static func fingerprint(_ op: SyncOperation, _ cache: inout [OperationID: String]) -> String {
        if let known = cache[op.id] { return known }
        let text = op.fingerprint
        cache[op.id] = text
        return text
    }
}
