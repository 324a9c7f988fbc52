import ArgumentParser
import FieldClient

struct CaseList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List cases, with filters.",
        discussion: """
        Statuses: open, acknowledged, examined, in-council, referred, rejected, accepted, implemented.

        Examples:
          field case list
          field case list --step 2 --status examined
          field case list --area goods --cause process --branch busan --json
          field case list --submitter lee
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "Ladder step 1-4.") var step: Int?
    @Option(help: "Status.") var status: String?
    @Option(help: "Area.") var area: String?
    @Option(help: "Cause.") var cause: String?
    @Option(help: "Branch.") var branch: String?
    @Option(help: "Submitter's member id.") var submitter: String?
    @Option(help: "Source.") var source: String?

    func run() throws {
        let cases = try replica.open().cases(CaseFilter(step: step, status: status, area: area, cause: cause, branch: branch,
                                                        submitter: submitter, source: source))
        if output.json { try CLI.printJSON(cases); return }
        CLI.table(["REF", "STEP", "STATUS", "AREA", "CAUSE", "SUBMITTER", "TITLE"], cases.map {
            [$0.ref ?? $0.id, $0.step.orDash, $0.status, $0.area.orDash, $0.cause.orDash, $0.submitter.orDash, $0.title.orDash]
        })
    }
}
