import SyncCore
/// A group of principals an entity can be shown to. Entities are granted to scopes; a
/// principal sees the entities granted to any of its scopes (`Principal.scopes`).
public enum AudienceScope: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Every branch office (national meetings, the member directory).
    case allBranches
    /// Every principal: public events such as workshops, which monitors attend on their own.
    case everyone
    /// One branch office.
    case branch(String)
    /// One member, whatever their role (their own cases, meetings they attend, their councils).
    case member(String)
    /// One member when they act as an outside expert (an `expert` token): the cases the
    /// councils they sit on decide. A monitor token of the same member does not carry it.
    case expert(String)

    /// The text stored in the grants table.
    public var description: String {
        switch self {
        case .allBranches: "branches"
        case .everyone: "everyone"
        case .branch(let b): "branch:\(b)"
        case .member(let m): "member:\(m)"
        case .expert(let m): "expert:\(m)"
        }
    }

    public init?(_ text: String) {
        if text == "branches" { self = .allBranches }
        else if text == "everyone" { self = .everyone }
        else if text.hasPrefix("branch:") { self = .branch(String(text.dropFirst(7))) }
        else if text.hasPrefix("member:") { self = .member(String(text.dropFirst(7))) }
        else if text.hasPrefix("expert:") { self = .expert(String(text.dropFirst(7))) }
        else { return nil }
    }

    public static func < (lhs: AudienceScope, rhs: AudienceScope) -> Bool { lhs.description < rhs.description }

    /// The order of scopes in a principal's list (`Principal.scopes`): the widest first, and
    /// at most one scope of each rank per principal. The server's per-audience digests rely on
    /// it to count each entity a principal sees once (see `SQLiteSyncStorage+Digest`).
    public var rank: Int {
        switch self {
        case .everyone: 0
        case .allBranches: 1
        case .branch: 2
        case .member: 3
        case .expert: 4
        }
    }
}
