import ArgumentParser
import FieldClient

struct PointsPolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Show the points policy in force.",
        discussion: """
        Examples:
          field points policy
          field points policy --policy my-policy.json --json
        """)

    @OptionGroup var output: OutputOptions
    @OptionGroup var policy: PolicyOptions

    func run() throws {
        let loaded = try CLI.policy(policy.policy)
        if output.json { try CLI.printJSON(loaded); return }
        print("\(loaded.policy) version \(loaded.version); earned by: \(loaded.eligibleMemberKinds.isEmpty ? "every member" : loaded.eligibleMemberKinds.joined(separator: ", "))")
        CLI.table(["CRITERION", "POINTS", "DESCRIPTION"], loaded.rules.map { [$0.criterion, String($0.points), $0.description] })
    }
}
