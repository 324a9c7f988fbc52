import ArgumentParser
import FieldClient
import Foundation
import SyncCore

struct AttachmentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attachment",
        abstract: "Files attached to cases and meetings: list them, fetch their bytes.",
        subcommands: [AttachmentList.self, AttachmentGet.self])
}

struct AttachmentList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List every attachment this replica knows of, and where its bytes are.",
        discussion: """
        Examples:
          field attachment list
          field attachment list --json
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let all = try replica.open().allAttachments()
        if output.json { try CLI.printJSON(all); return }
        if all.isEmpty { print("no attachments"); return }
        for a in all { print("\(a.entity) \(a.entityID)  " + describeAttachment(a)) }
    }
}

struct AttachmentGet: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get",
        abstract: "Fetch an attachment's bytes from the server (once) and print where they are.",
        discussion: """
        HASH is the attachment's SHA-256, or its first 8 or more digits (`case show` lists them).
        The bytes are kept beside the replica; a download cut short resumes. Only what this
        replica may see can be fetched: the server answers as if no such file existed otherwise.

        Examples:
          field attachment get 3f9c2a1b
          field attachment get 3f9c2a1b --output letter.jpg
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The attachment's SHA-256 (or its first digits).") var hash: String
    @Option(name: .customLong("output"), help: "Also copy the file here.") var destination: String?

    func run() async throws {
        let field = try replica.open()
        let attachment = try field.attachment(hash)
        var path = field.attachmentPath(attachment.sha256)
        let fetched = path == nil
        if path == nil { path = try await field.syncClient().downloadAttachment(attachment.sha256) }
        guard let path else { throw SyncError(.storage, "the attachment could not be kept") }
        var written: String?
        if let destination { written = try Self.copy(path, to: destination, name: attachment.name) }
        if output.json {
            try CLI.printJSON(AttachmentGetView(attachment: attachment, path: written ?? path, fetched: fetched))
            return
        }
        print("\(attachment.name) (\(attachment.mediaType), \(attachment.bytes) bytes)\(fetched ? " fetched" : ""): \(written ?? path)")
    }
}

extension AttachmentGet {
    /// Copies the file out: into `destination` when it is a directory (under the attachment's
    /// name), else as `destination`, replacing only a regular file, through a temporary file so
    /// a failed copy leaves what was there. Answers the path written.
    static func copy(_ source: String, to destination: String, name: String) throws -> String {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        var target = destination
        if manager.fileExists(atPath: destination, isDirectory: &isDirectory), isDirectory.boolValue {
            let safeName = (name as NSString).lastPathComponent
            target = (destination as NSString).appendingPathComponent(safeName.isEmpty || safeName == ".." ? "attachment" : safeName)
            if manager.fileExists(atPath: target, isDirectory: &isDirectory), isDirectory.boolValue {
                throw SyncError(.invalidValue, "\(target) is a directory; give --output a file name")
            }
        }
        let temporary = target + ".partial-copy"
        try? manager.removeItem(atPath: temporary)
        do {
            try manager.copyItem(atPath: source, toPath: temporary)
            if manager.fileExists(atPath: target) { try manager.removeItem(atPath: target) }
            try manager.moveItem(atPath: temporary, toPath: target)
        } catch {
            try? manager.removeItem(atPath: temporary)
            throw SyncError(.storage, "cannot write \(target)", cause: error)
        }
        return target
    }
}

/// `field attachment get --json`.
struct AttachmentGetView: Codable {
    var attachment: AttachmentView
    var path: String
    /// Whether it was downloaded now (false: already on this replica).
    var fetched: Bool
}
