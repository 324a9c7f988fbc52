import ArgumentParser
import FieldClient
import Foundation
import SyncCore

/// Parses, runs (async commands such as `sync` on the async path), and turns errors into one
/// line on stderr and the documented exit code. A function, not top-level code, so that
/// `run()` resolves to the async overload for async commands.
func execute() async {
    do {
        var command = try Field.parseAsRoot()
        if var asyncCommand = command as? any AsyncParsableCommand {
            try await asyncCommand.run()
        } else {
            try command.run()
        }
    } catch let error as SyncError {
        CLI.fail(error)
    } catch {
        Field.exit(withError: error)
    }
}

await execute()
