import ArgumentParser
import FieldClient

struct CaseCreate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a case (suggestion, grievance, reform task).",
        discussion: """
        Areas: goods, services, facility-construction, construction-management, e-procurement.
        Causes: law-system, process, practice, electronic-system, social-issue,
        conflict-of-interest, conflicting-systems.
        Sources: external-monitor, internal-monitor, call-centre, division, workshop
        (default: your monitor kind, or division for staff).

        Examples:
          field case create --title "Bid bond refunds take weeks" --body "Suppliers wait 30 days" --area goods --cause process
          field case create --title "Login fails" --body "..." --area e-procurement --cause electronic-system --source call-centre --submitter lee
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "Short title.") var title: String
    @Option(help: "What is wrong.") var body: String
    @Option(help: "Area.") var area: String
    @Option(help: "Cause (decides the ladder step).") var cause: String
    @Option(help: "Source.") var source: String?
    @Option(help: "Submitter's member id (default: you).") var submitter: String?
    @Option(help: "Branch (default: yours).") var branch: String?
    @Option(help: "Date reported, YYYY-MM-DD (default: today).") var reportedOn: String?
    @Option(help: "Priority 0-9.") var priority: Int?

    func run() throws {
        let made = try replica.open().createCase(NewCase(title: title, body: body, area: area, cause: cause, source: source,
                                                         submitter: submitter, branch: branch, reportedOn: reportedOn, priority: priority))
        if output.json { try CLI.printJSON(made); return }
        print("created case \(made.ref.orDash) (id \(made.id))")
    }
}
