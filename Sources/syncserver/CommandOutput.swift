import ArgumentParser
import Foundation
import SyncCore
import SyncServer

/// Printing results and failures the same way in every subcommand: a human line, or one JSON
/// object with `--json`.
enum CommandOutput {
    static func print(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    static func printJSON(_ value: JSONValue) {
        print(value.canonicalJSON)
    }

    /// Reports an error and returns the exit code to fail with.
    static func fail(_ error: any Error, json: Bool) -> ExitCode {
        let code: String, message: String
        if let error = error as? SyncError {
            code = snakeCase(error.code.rawValue)
            message = error.message
        } else {
            code = "error"
            message = String(describing: error)
        }
        if json {
            printJSON(.object(["error": .object(["code": .string(code), "message": .string(message)])]))
        } else {
            FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        }
        return ExitCode(1)
    }

    /// `invalidValue` → `invalid_value`, like the server's error codes.
    static func snakeCase(_ text: String) -> String {
        var out = ""
        for character in text {
            if character.isUppercase { out += "_" + character.lowercased() } else { out.append(character) }
        }
        return out
    }

    /// A token record as JSON (never its hash).
    /// The JSON of a newly issued token: its record plus the secret, shown this once.
    static func printIssued(_ record: TokenRecord, token: String) {
        var object = json(record)
        if case .object(var members) = object {
            members["token"] = .string(token)
            object = .object(members)
        }
        printJSON(object)
    }

    static func json(_ record: TokenRecord) -> JSONValue {
        var object: [String: JSONValue] = [
            "id": .string(record.id),
            "member": .string(record.principal.memberID),
            "role": .string(record.principal.role.rawValue),
            "branch": record.principal.branch.map(JSONValue.string) ?? .null,
            "kind": record.principal.monitorKind.map { .string($0.rawValue) } ?? .null,
            "label": record.label.map(JSONValue.string) ?? .null,
            "createdAt": .int(record.createdAt),
            "revoked": .bool(record.isRevoked),
        ]
        object["revokedAt"] = record.revokedAt.map(JSONValue.int) ?? .null
        return .object(object)
    }

    /// One line describing a token record.
    static func line(_ record: TokenRecord) -> String {
        let state = record.isRevoked ? "revoked" : "active"
        return "\(record.id)  \(record.principal.summary)  \(state)\(record.label.map { "  (\($0))" } ?? "")"
    }
}
