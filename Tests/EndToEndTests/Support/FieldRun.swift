import Testing

/// Runs the `field` program with `arguments`; records a failure when it exits with another
/// status than `expecting` (0 by default), with what it printed.
@discardableResult
func field(_ arguments: [String], expecting status: Int32 = 0, sourceLocation: SourceLocation = #_sourceLocation) throws -> Binaries.Result {
    let result = try Binaries.run(Binaries.field, arguments)
    #expect(result.status == status, "field \(arguments.joined(separator: " ")): \(result.stderr)\(result.stdout)", sourceLocation: sourceLocation)
    return result
}
