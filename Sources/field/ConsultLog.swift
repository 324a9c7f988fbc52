import ArgumentParser
import FieldClient

struct ConsultLog: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Log a consultation received.",
        discussion: """
        Examples:
          field consult log --channel call-centre --topic "Login fails" --received 2026-03-02
          field consult log --channel visit --topic "Bid bond" --received 2026-03-02 --answered 2026-03-02 --case BSN-2026-0001
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "Consultation id (default: a fresh con-… id).") var id: String?
    @Option(help: "call-centre, branch-desk, visit or web.") var channel: String
    @Option(help: "What it was about.") var topic: String
    @Option(help: "Date received, YYYY-MM-DD (default: today).") var received: String?
    @Option(help: "Date answered, YYYY-MM-DD.") var answered: String?
    @Option(help: "Branch (default: yours).") var branch: String?
    @Option(name: .customLong("case"), help: "A related case.") var caseRef: String?

    func run() throws {
        let made = try replica.open().logConsultation(id: id, channel: channel, topic: topic, receivedOn: received,
                                                      answeredOn: answered, branch: branch, case: caseRef)
        if output.json { try CLI.printJSON(made); return }
        print("logged consultation \(made.id)")
    }
}
