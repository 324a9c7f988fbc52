import ArgumentParser
import FieldClient

struct ConflictsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conflicts",
        abstract: "Fields edited concurrently, and how to resolve them.",
        discussion: """
        Examples:
          field conflicts list
          field conflicts resolve case case-7k2m9x1q0a title --choose r4f2k9d8s1a:12
          field conflicts resolve case case-7k2m9x1q0a title --value "Agreed title"
        """,
        subcommands: [ConflictsList.self, ConflictsResolve.self],
        defaultSubcommand: ConflictsList.self)
}
