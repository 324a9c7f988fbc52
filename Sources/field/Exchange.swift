import ArgumentParser
import FieldClient
import Foundation
import SyncCore

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write this replica's operations as JSON lines (offline exchange between devices).",
        discussion: """
        Each line is one operation in canonical wire form (Schemas/operation.schema.json).
        Carry the file to another device and run `field import` there; importing the same
        operations twice changes nothing.

        Examples:
          field export --output busan-ops.jsonl
          field export --after 120 > newer.jsonl
        """)

    @OptionGroup var replica: ReplicaOptions
    @Option(help: "Only operations after this local sequence number.") var after: Int64 = 0
    @Option(help: "Write to this file instead of standard output.") var output: String?

    func run() throws {
        let text = try replica.open().exportLines(afterSeq: after)
        if let output {
            guard FileManager.default.createFile(atPath: output, contents: Data(text.utf8)) else {
                throw SyncError(.storage, "cannot write \(output); check the directory exists and is writable")
            }
        } else {
            print(text, terminator: "")
        }
    }
}

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply operations exported by another replica (JSON lines).",
        discussion: """
        All or nothing: one invalid line rejects the whole file. Re-imports change nothing.

        Examples:
          field import busan-ops.jsonl
          field import --json monitor-ops.jsonl
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The file to import.") var file: String

    func run() throws {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw SyncError(.notFound, "cannot read \(file); give the path of a file made by `field export`")
        }
        let result = try replica.open().importLines(String(decoding: data, as: UTF8.self))
        if output.json {
            try CLI.printJSON(["applied": result.applied.count, "duplicates": result.duplicates.count])
            return
        }
        print("applied \(result.applied.count) operation(s), \(result.duplicates.count) already known")
    }
}
