import Testing

/// Runs the `field` program with `arguments`; records a failure when it exits with another
/// status than `expecting` (0 by default), with what it printed.
@discardableResult
func field(_ arguments: [String], expecting status: Int32 = 0, sourceLocation: SourceLocation = #_sourceLocation) throws -> Binaries.Result {
    let result = try Binaries.run(Binaries.field, arguments)
    #expect(result.status == status, "field \(arguments.joined(separator: " ")): \(result.stderr)\(result.stdout)", sourceLocation: sourceLocation)
    return result
}

/// A replica file made with `field init` and pointed at `server` with `field remote set`: the two
/// commands every end-to-end story starts with, once per person taking part. Named `<member>.replica`.
func joinedReplica(_ directory: TemporaryDirectory, _ server: ServerProcess, member: String, role: String,
                   branch: String? = nil, prefix: String, token: String) throws -> String {
    let path = directory.path("\(member).replica")
    try field(["init", "--replica", path, "--member", member, "--name", member.capitalized, "--role", role, "--prefix", prefix]
              + (branch.map { ["--branch", $0] } ?? []))
    try field(["remote", "set", "--replica", path, "--server", server.baseURL, "--token", token])
    return path
}
