import ArgumentParser
import FieldClient

struct ConsultAnswer: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "answer",
        abstract: "Record the reply to a consultation.",
        discussion: """
        Examples:
          field consult answer con-abc
          field consult answer con-abc --on 2026-03-03
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Consultation id.") var id: String
    @Option(help: "Date answered, YYYY-MM-DD (default: today); not in the future.") var on: String?

    func run() throws {
        let view = try replica.open().answerConsultation(id, on: on)
        if output.json { try CLI.printJSON(view); return }
        print("consultation \(view.id) answered on \(view.answeredOn.orDash)")
    }
}
