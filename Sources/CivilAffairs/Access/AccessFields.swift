import SyncCore

/// Which declared fields decide access, and where the schema materialises them: an entity's
/// owning branch, its submitter, its organiser, the entities it names, who takes part in it. The
/// access facts read exactly these (their tables and columns come from the declarations, not
/// from SQL written by hand), and the batch facts collect exactly these from a push.
public enum AccessFields {
    /// The field naming the branch that owns an entity (staff of that branch act on it).
    public static let branch: [EntityKind: String] = [
        .case: "branch", .meeting: "branch", .consultation: "branch", .council: "branch", .member: "branch",
        .survey: "branch",
    ]
    /// The field naming the member who submitted a case (they follow and edit it).
    public static let submitter: [EntityKind: String] = [.case: "submitter"]
    /// The field naming the monitor who organised a meeting of their own.
    public static let organizer: [EntityKind: String] = [.meeting: "organizer"]
    /// The field naming an entity's kind where the kind decides access (workshops, HQ members).
    public static let kind: [EntityKind: String] = [.meeting: "kind", .member: "kind"]

    /// Every register field whose value decides access: what a batch must say about an entity
    /// it creates, and what a client sends first when it splits an entity's backlog.
    public static let deciding: Set<String> = Set(branch.values).union(submitter.values).union(organizer.values)
        .union(kind.values).union(AccessPolicy.references.values.flatMap(\.keys))

    /// The table of a kind and the columns of its access fields, from the declarations.
    static func table(_ kind: EntityKind) -> String { SyncSchema.civic.entity(kind)!.table }

    static func column(_ kind: EntityKind, _ field: String) -> String {
        guard let column = SyncSchema.civic.entity(kind)?.column(of: field) else {
            preconditionFailure("\(kind).\(field) is not a column-stored field of the civic schema")
        }
        return column
    }

    /// The child table a set or milestone field fills: (table, owner column, element column).
    static func childTable(_ kind: EntityKind, _ field: String) -> (table: String, owner: String, element: String) {
        switch SyncSchema.civic.entity(kind)?.field(field)?.storage {
        case .setTable(let table, let owner, let element)?: (table, owner, element)
        case .milestoneTable(let table, let owner)?: (table, owner, "milestone")
        case .recordTable(let table, let owner, _, let members)?:
            (table, owner, members.first { $0.member == "member" }?.column ?? "member")
        default: preconditionFailure("\(kind).\(field) is not stored in a child table")
        }
    }
}
