import ArgumentParser
import FieldClient

struct MeetingAttach: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attach",
        abstract: "Attach a file to a meeting (the signed attendance sheet, a workshop photo).",
        discussion: """
        Like `field case attach`: the file is kept beside the replica by its SHA-256, named on
        the meeting by an operation, and uploaded by the next `field sync`. Staff of the meeting's
        branch and the organiser of a workshop may attach files.

        Examples:
          field meeting attach ws-0314 attendance-sheet.jpg
          field meeting attach ws-0314 photo.heic --name "Busan workshop, March"
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Meeting id.") var meeting: String
    @Argument(help: "The file to attach.") var file: String
    @Option(help: "Media type (default: from the file name's extension).") var type: String?
    @Option(help: "The name shown (default: the file's name).") var name: String?

    func run() throws {
        let attached = try replica.open().attach(toMeeting: meeting, file: file, mediaType: type, name: name)
        if output.json { try CLI.printJSON(attached); return }
        print("attached to \(meeting): " + describeAttachment(attached))
    }
}
