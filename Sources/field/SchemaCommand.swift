import ArgumentParser
import FieldClient
import SyncCore

struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print the SQL of a replica, generated from the entity declarations.",
        discussion: """
        Every kind (member, case, meeting, council, motion, consultation) is declared once, in
        CivilAffairs' CivicSchema; the tables of a replica, the field catalog and the materialiser
        all come from those declarations. This prints the tables a new replica gets (the same text
        as Schemas/replica.sql, which a test keeps equal), or, with --fields, every field of every
        kind with its merge rule.

        Examples:
          field schema > Schemas/replica.sql
          field schema --fields
        """)

    @Flag(help: "List every field of every kind and its merge rule instead of the SQL.") var fields = false
    @OptionGroup var output: OutputOptions

    func run() throws {
        let schema = SyncSchema.civic
        guard fields || output.json else {
            print(ReplicaSchema.sql(for: schema))
            return
        }
        struct Field: Encodable { var entity: String; var field: String; var rule: String }
        // `String(describing:)` of a rule reads like its declaration, module prefixes aside.
        let rows = schema.entities.flatMap { entity in
            entity.fields.map { Field(entity: entity.kind.rawValue, field: $0.name,
                                      rule: String(describing: $0.rule).replacingOccurrences(of: "SyncCore.", with: "")) }
        }
        if output.json { try CLI.printJSON(rows); return }
        CLI.table(["entity", "field", "rule"], rows.map { [$0.entity, $0.field, $0.rule] })
    }
}
