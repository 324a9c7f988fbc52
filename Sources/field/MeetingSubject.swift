import ArgumentParser
import FieldClient

struct MeetingSubject: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "subject",
        abstract: "Record a debate subject raised by a member at a meeting.",
        discussion: """
        The same member raising the same subject, recorded on two devices, is one subject.

        Examples:
          field meeting subject ws-0314 --member lee --subject "Bid bond refunds take too long"
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Meeting id.") var meeting: String
    @Option(help: "Who raised it.") var member: String
    @Option(help: "The subject.") var subject: String

    func run() throws {
        let raised = try replica.open().raiseSubject(meeting, member: member, subject: subject)
        if output.json { try CLI.printJSON(raised); return }
        print("recorded debate subject \(raised.id)")
    }
}
