import SyncCore
import Foundation

/// The mileage-points policy (Table 1 of MISSION.md) as versioned data, read from
/// `Schemas/points-policy.json` or its embedded copy. Points are never stored: they are
/// computed from merged facts (milestones, debate subjects, confirmed attendance) by `PointsReport`.
public struct PointsPolicy: Codable, Sendable, Equatable {
    /// What kind of fact a rule rewards.
    public enum Fact: String, Codable, Sendable, CaseIterable {
        /// A case (suggestion) reached `milestone`: points to the case's submitter.
        case caseMilestone = "case-milestone"
        /// A member raised a debate subject at a meeting: points to that member.
        case debateSubject = "debate-subject"
        /// A member attended a meeting (each time): points to the attendee.
        case meetingAttendance = "meeting-attendance"
    }

    public struct Rule: Codable, Sendable, Equatable {
        /// Stable name of the criterion, shown in ledgers (e.g. `examined`).
        public var criterion: String
        /// `suggestion` or `debate`.
        public var category: String
        public var fact: Fact
        /// For `case-milestone`: the milestone that earns the points.
        public var milestone: String?
        /// For `meeting-attendance`: count only attendance confirmed by staff.
        public var confirmedOnly: Bool?
        /// For meeting facts: only meetings of these kinds (all kinds when absent).
        public var meetingKinds: [String]?
        public var points: Int
        public var description: String
    }

    public var policy: String
    public var version: Int
    public var source: String?
    /// Member kinds that earn points; empty means every member.
    public var eligibleMemberKinds: [String]
    public var rules: [Rule]

    /// Parses and checks a policy document.
    public static func decode(_ data: Data) throws -> PointsPolicy {
        let policy: PointsPolicy
        do {
            policy = try JSONDecoder().decode(PointsPolicy.self, from: data)
        } catch {
            throw SyncError(.malformed, "the points policy is not valid policy JSON (see Schemas/points-policy.json)", cause: error)
        }
        try policy.check()
        return policy
    }

    /// Loads a policy file.
    public static func load(path: String) throws -> PointsPolicy {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SyncError(.notFound, "cannot read the points policy at \(path); pass an existing file or omit the option to use the built-in Table 1 policy")
        }
        return try decode(data)
    }

    /// The policy shipped with this build (`Schemas/points-policy.json`).
    public static let embedded: PointsPolicy = {
        // The embedded text is checked by a test; a failure here is a programming error.
        try! decode(Data(embeddedJSON.utf8))
    }()

    func check() throws {
        var seen = Set<String>()
        for rule in rules {
            guard seen.insert(rule.criterion).inserted else {
                throw SyncError(.invalidValue, "points policy: criterion '\(rule.criterion)' appears twice")
            }
            guard rule.points >= 0 else {
                throw SyncError(.invalidValue, "points policy: criterion '\(rule.criterion)' has negative points")
            }
            if rule.fact == .caseMilestone {
                guard let milestone = rule.milestone, Domain.caseMilestones.contains(milestone) else {
                    throw SyncError(.invalidValue, "points policy: criterion '\(rule.criterion)' needs a milestone among \(Domain.caseMilestones.joined(separator: ", "))")
                }
            }
            for kind in rule.meetingKinds ?? [] where !Domain.meetingKinds.contains(kind) {
                throw SyncError(.invalidValue, "points policy: unknown meeting kind '\(kind)' in '\(rule.criterion)'")
            }
        }
        for kind in eligibleMemberKinds where !Domain.memberKinds.contains(kind) {
            throw SyncError(.invalidValue, "points policy: unknown member kind '\(kind)' (known: \(Domain.memberKinds.joined(separator: ", ")))")
        }
    }
}

/// The 4-step resolution ladder as data (`Schemas/routing.json`): each cause's first step,
/// the steps' names and the body matters are referred to beyond the last step.
public struct LadderRouting: Codable, Sendable, Equatable {
    public struct Step: Codable, Sendable, Equatable {
        public var step: Int64
        public var name: String
        /// The kind of meeting that handles cases at this step.
        public var meetingKind: String
    }

    public var version: Int
    public var steps: [Step]
    /// Cause → first step.
    public var causes: [String: Int64]
    /// Where matters that involve other ministries are referred.
    public var referral: String

    public static func decode(_ data: Data) throws -> LadderRouting {
        let routing: LadderRouting
        do {
            routing = try JSONDecoder().decode(LadderRouting.self, from: data)
        } catch {
            throw SyncError(.malformed, "the routing table is not valid JSON (see Schemas/routing.json)", cause: error)
        }
        for cause in Domain.causes where routing.causes[cause] == nil {
            throw SyncError(.invalidValue, "routing table: cause '\(cause)' has no step")
        }
        for (cause, step) in routing.causes where !Domain.steps.contains(step) {
            throw SyncError(.invalidValue, "routing table: cause '\(cause)' goes to step \(step), outside \(Domain.steps)")
        }
        return routing
    }

    public static let embedded: LadderRouting = {
        // The embedded text is checked by a test; a failure here is a programming error.
        try! decode(Data(embeddedJSON.utf8))
    }()

    /// The first step for a cause.
    public func step(forCause cause: String) throws -> Int64 {
        guard let step = causes[cause] else {
            throw SyncError(.invalidValue, "unknown cause '\(cause)' (known: \(Domain.causes.joined(separator: ", ")))")
        }
        return step
    }

    public func name(ofStep step: Int64) -> String {
        steps.first { $0.step == step }?.name ?? "step \(step)"
    }

    public var lastStep: Int64 { steps.map(\.step).max() ?? Domain.steps.upperBound }
}
