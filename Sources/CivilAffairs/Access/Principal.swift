import SyncCore
/// Who is calling: the member a token is bound to and the role it grants.
///
/// The role is the token's, not the member record's: a member record is replicated data that
/// anyone with write access to it could change, while tokens are issued only by the
/// `syncserver` administrator.
public struct Principal: Sendable, Hashable, Codable {
    public enum Role: String, Sendable, Hashable, Codable, CaseIterable {
        /// Headquarters: reads and writes everything.
        case hq
        /// Staff of one regional branch.
        case branch
        /// An external or internal monitor: their own cases, meetings and votes only.
        case monitor
        /// An outside expert who sits on a consultation council: votes on the council's motions,
        /// comments on and sees the cases it decides; earns no mileage points (member kind
        /// `expert`, which the points policy does not reward).
        case expert
    }

    public enum MonitorKind: String, Sendable, Hashable, Codable, CaseIterable {
        case external
        case `internal`

        /// The member kind (`Domain.memberKinds`) a monitor of this kind writes on their own record.
        public var memberKind: String { self == .external ? "external-monitor" : "internal-monitor" }
    }

    public var memberID: String
    public var role: Role
    /// The branch of a `branch` principal; nil for the others.
    public var branch: String?
    /// The kind of a `monitor` principal; nil for the others.
    public var monitorKind: MonitorKind?

    public init(memberID: String, role: Role, branch: String? = nil, monitorKind: MonitorKind? = nil) {
        self.memberID = memberID
        self.role = role
        self.branch = role == .branch ? branch : nil
        self.monitorKind = role == .monitor ? (monitorKind ?? .external) : nil
    }

    /// The member kind this principal may write on their own member record.
    public var ownMemberKind: String {
        switch role {
        case .hq: "hq"
        case .branch: "staff"
        case .monitor: (monitorKind ?? .external).memberKind
        case .expert: "expert"
        }
    }

    /// The audiences whose entities this principal pulls; nil means everything (HQ).
    public var scopes: [AudienceScope]? {
        switch role {
        case .hq: nil
        case .branch: [.everyone, .allBranches, .branch(branch ?? ""), .member(memberID)]
        case .monitor: [.everyone, .member(memberID)]
        case .expert: [.everyone, .member(memberID), .expert(memberID)]
        }
    }

    /// The scopes as one text (`all` for HQ): a pull answer carries it, so a replica whose
    /// token now sees another scope knows to pull again from the start.
    public var scopeDescription: String {
        scopes.map { $0.map(\.description).sorted().joined(separator: ",") } ?? "all"
    }

    /// One-line description for logs and CLI output.
    public var summary: String {
        switch role {
        case .hq: "hq \(memberID)"
        case .branch: "branch \(branch ?? "?") \(memberID)"
        case .monitor: "\((monitorKind ?? .external).rawValue) monitor \(memberID)"
        case .expert: "expert \(memberID)"
        }
    }
}
