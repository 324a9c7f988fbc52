import ArgumentParser
import FieldClient

struct CaseEdit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edit",
        abstract: "Change fields of a case.",
        discussion: """
        Writing a field that is in conflict resolves the conflict with the new value.

        Examples:
          field case edit BSN-2026-0001 --title "Bid bond refunds take 30 days"
          field case edit BSN-2026-0001 --assignee kim --priority 7
          field case edit BSN-2026-0001 --budget-priority 3
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var target: CaseTarget
    @Option(help: "Title.") var title: String?
    @Option(help: "Body.") var body: String?
    @Option(help: "Area.") var area: String?
    @Option(help: "Cause.") var cause: String?
    @Option(help: "Source.") var source: String?
    @Option(help: "Branch.") var branch: String?
    @Option(help: "Assignee's member id.") var assignee: String?
    @Option(help: "Priority 0-9.") var priority: Int?
    @Option(help: "Date reported, YYYY-MM-DD.") var reportedOn: String?
    @Option(help: "Budget execution committee priority (0 = highest).") var budgetPriority: Int?

    func run() throws {
        let summary = try replica.open().editCase(target.caseRef, FieldClient.CaseEdit(
            title: title, body: body, area: area, cause: cause, source: source, branch: branch, assignee: assignee,
            priority: priority, reportedOn: reportedOn, budgetPriority: budgetPriority))
        if output.json { try CLI.printJSON(summary); return }
        print("updated case \(summary.ref ?? summary.id)")
    }
}
