import ArgumentParser
import FieldClient

struct CaseComment: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "comment",
        abstract: "Add a comment to a case.",
        discussion: """
        Examples:
          field case comment BSN-2026-0001 "Called the supplier back; waiting for documents."
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var target: CaseTarget
    @Argument(help: "The comment text.") var text: String

    func run() throws {
        try replica.open().comment(target.caseRef, text)
        print("commented on \(target.caseRef)")
    }
}
