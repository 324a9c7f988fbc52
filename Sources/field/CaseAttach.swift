import ArgumentParser
import FieldClient

struct CaseAttach: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attach",
        abstract: "Attach a file to a case (a photographed paper grievance, a letter, a scan).",
        discussion: """
        The file is copied beside the replica, named by its SHA-256 (a file attached twice is
        kept once), and an operation names it on the case: its name, media type and size. The
        next `field sync` pushes that operation and then uploads the bytes, resuming an upload
        cut before. Those who may see the case see the attachment listed by `case show` and
        fetch its bytes with `field attachment get HASH`. The server sets the largest size and
        the media types it takes (by default 25 MiB of JPEG, PNG, HEIC, WebP, GIF, PDF or text);
        a file it refuses stays listed here as refused, with the reason.

        Examples:
          field case attach BSN-2026-0001 complaint-letter.jpg
          field case attach BSN-2026-0001 scan.pdf --name "Signed complaint, page 1"
          field case attach BSN-2026-0001 notes.dat --type text/plain --json
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var target: CaseTarget
    @Argument(help: "The file to attach.") var file: String
    @Option(help: "Media type (default: from the file name's extension).") var type: String?
    @Option(help: "The name shown (default: the file's name).") var name: String?

    func run() throws {
        let attached = try replica.open().attach(toCase: target.caseRef, file: file, mediaType: type, name: name)
        if output.json { try CLI.printJSON(attached); return }
        print("attached to \(target.caseRef): " + describeAttachment(attached))
    }
}

/// One line about an attachment: name, type, size, the start of its hash, where its bytes are.
func describeAttachment(_ a: AttachmentView) -> String {
    let size = a.bytes >= 1 << 20 ? String(format: "%.1f MB", Double(a.bytes) / 1_048_576)
        : a.bytes >= 1 << 10 ? String(format: "%.0f KB", Double(a.bytes) / 1_024) : "\(a.bytes) B"
    let place = a.local ? "on this replica" : "at the server (field attachment get \(a.sha256.prefix(12)))"
    return "\(a.name)  \(a.mediaType)  \(size)  \(a.sha256.prefix(12))  \(place)\(a.upload.map { "; upload: \($0)" } ?? "")"
}
