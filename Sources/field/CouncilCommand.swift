import ArgumentParser
import FieldClient

struct CouncilCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "council",
        abstract: "Councils and their electorate (the members who vote on motions).",
        discussion: """
        Examples:
          field council create --id practical --name "Practical Council" --member kim --member park
          field council add-member practical choi
          field council show practical --json
        """,
        subcommands: [CouncilCreate.self, CouncilList.self, CouncilShow.self, CouncilAddMember.self, CouncilRemoveMember.self])
}

func printCouncil(_ c: CouncilView) {
    print("\(c.id)  \(c.name.orDash)")
    print("members: \(c.members.isEmpty ? "-" : c.members.joined(separator: ", "))")
}
