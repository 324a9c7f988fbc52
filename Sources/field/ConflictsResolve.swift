import ArgumentParser
import FieldClient
import Foundation
import SyncCore

struct ConflictsResolve: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resolve",
        abstract: "Resolve a conflict by choosing a competing value or writing a new one.",
        discussion: """
        --choose takes an operation id shown by `field conflicts list`; --value takes a new value
        (JSON when it parses as JSON, otherwise text).

        Examples:
          field conflicts resolve case case-7k2m9x1q0a title --choose r4f2k9d8s1a:12
          field conflicts resolve case case-7k2m9x1q0a priority --value 5
          field conflicts resolve motion mot-abc votes --key park --choose r9x:40
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Entity kind: member, case, meeting, council, motion, consultation.") var entity: String
    @Argument(help: "Entity id.") var id: String
    @Argument(help: "Field name.") var field: String
    @Option(help: "The key, for keyed fields (the voter of a vote).") var key = ""
    @Option(help: "The operation id of the competing value to keep.") var choose: String?
    @Option(help: "A new value.") var value: String?

    func run() throws {
        guard let kind = EntityKind(rawValue: entity), SyncSchema.civic.entity(kind) != nil else {
            throw SyncError(.invalidValue, "unknown entity kind '\(entity.prefix(20))'; use \(SyncSchema.civic.entities.map(\.kind.rawValue).joined(separator: ", "))")
        }
        var parsed: JSONValue?
        if let value {
            let asJSON = try? JSONDecoder().decode(JSONValue.self, from: Data(value.utf8))
            if let asJSON, (try? SyncSchema.civic.catalog.rule(for: kind, field: field)).map({ rule in
                if case .register(let type) = rule { return (try? type.validate(asJSON, field: field)) != nil }
                if case .keyedRegister(let type) = rule { return (try? type.validate(asJSON, field: field)) != nil }
                return false
            }) == true {
                parsed = asJSON
            } else {
                parsed = .string(value)
            }
        }
        let remaining = try replica.open().resolveConflict(entity: kind, id: id, field: field, key: key, chooseOp: choose, value: parsed)
        if output.json { try CLI.printJSON(remaining); return }
        print("resolved \(entity) \(id) \(field); \(remaining.count) conflict(s) left")
    }
}
