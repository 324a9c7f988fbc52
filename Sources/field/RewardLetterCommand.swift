import ArgumentParser
import FieldClient
import Foundation
import SyncCore

struct RewardLetterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "letter",
        abstract: "Print an appreciation letter as a print-ready HTML page.",
        discussion: """
        Writes one self-contained HTML page (A4, inline styles, nothing fetched): the
        agency's letter thanking the monitor by name for the reform tasks the reward names,
        dated the day it was given. Open it in a browser and print it, or save it as PDF.
        Only appreciation letters are printed.

        Examples:
          field reward letter rwd-abc --output letter.html
          field reward letter rwd-abc --agency "Public Procurement Service, Busan office" > letter.html
        """)

    /// What `--json` prints.
    struct Output: Encodable {
        var reward: String
        var member: String
        var name: String
        var agency: String
        var givenOn: String
        var reforms: [RewardLetter.Reform]
        /// The file written (nil: the page is in `html`).
        var output: String?
        var bytes: Int
        var html: String?
    }

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The appreciation letter's reward id.") var id: String
    @Option(name: .customLong("output"), help: ArgumentHelp("Write the page to this file (default: standard output).", valueName: "file"))
    var outputFile: String?
    @Option(help: "The agency signing the letter.") var agency = RewardLetter.defaultAgency

    func run() throws {
        let letter = try replica.open().rewardLetter(id, agency: agency)
        let html = letter.html
        if let outputFile {
            do {
                try Data(html.utf8).write(to: URL(fileURLWithPath: outputFile), options: .atomic)
            } catch {
                throw SyncError(.storage, "could not write \(outputFile): \(error.localizedDescription)")
            }
        }
        if output.json {
            try CLI.printJSON(Output(reward: letter.reward, member: letter.member, name: letter.name, agency: letter.agency,
                                     givenOn: letter.givenOn, reforms: letter.reforms, output: outputFile,
                                     bytes: html.utf8.count, html: outputFile == nil ? html : nil))
            return
        }
        if let outputFile {
            print("wrote the appreciation letter \(letter.reward) for \(letter.name) to \(outputFile)")
        } else {
            CLI.write(html)
        }
    }
}
