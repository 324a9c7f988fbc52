import ArgumentParser
import FieldClient

struct ConsultCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consult",
        abstract: "The consultation log: calls and visits received, and when they were answered.",
        discussion: """
        Channels: call-centre, branch-desk, visit, web. HQ's reply-rate reports read this log.

        Examples:
          field consult log --channel call-centre --topic "Refund of bid bond" --received 2026-03-02
          field consult answer con-abc --on 2026-03-03
          field consult list --unanswered
        """,
        subcommands: [ConsultLog.self, ConsultAnswer.self, ConsultList.self])
}
