import ArgumentParser
import FieldClient

struct MemberCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "member",
        abstract: "Register, change, list and show members (monitors, staff, outside experts).",
        discussion: """
        Examples:
          field member add --id lee --name "Lee Jun" --kind external-monitor --affiliation supplier --area goods
          field member list --kind external-monitor
          field member show lee --json
        """,
        subcommands: [MemberAdd.self, MemberEdit.self, MemberList.self, MemberShow.self])
}

/// The member fields shared by `add` and `edit`.
struct MemberFieldOptions: ParsableArguments {
    @Option(help: "Full name.") var name: String?
    @Option(help: "external-monitor, internal-monitor, staff, expert or hq.") var kind: String?
    @Option(help: "citizen, supplier, public-organisation, agency, academia, ngo or law-firm.") var affiliation: String?
    @Option(help: "Branch id.") var branch: String?
    @Option(help: "Division (for evaluation of divisions).") var division: String?
    @Option(name: .customLong("area"), help: "An area of interest (repeatable): goods, services, facility-construction, construction-management, e-procurement.")
    var areas: [String] = []

    var fields: MemberFields {
        MemberFields(name: name, kind: kind, affiliation: affiliation, branch: branch, division: division,
                     areas: areas.isEmpty ? nil : areas)
    }
}

func printMember(_ member: MemberView) {
    print("id:          \(member.id)")
    print("name:        \(member.name.orDash)")
    print("kind:        \(member.kind.orDash)")
    print("affiliation: \(member.affiliation.orDash)")
    print("branch:      \(member.branch.orDash)")
    print("division:    \(member.division.orDash)")
    print("areas:       \(member.areas.isEmpty ? "-" : member.areas.joined(separator: ", "))")
}
