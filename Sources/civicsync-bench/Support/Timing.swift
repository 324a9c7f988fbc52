import Foundation

/// Wall-clock timing on the monotonic clock.
enum Timing {
    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    static func since(_ start: UInt64) -> Double { Double(DispatchTime.now().uptimeNanoseconds &- start) / 1e9 }

    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = now()
        try body()
        return since(start)
    }

    static func seconds(_ body: () async throws -> Void) async rethrows -> Double {
        let start = now()
        try await body()
        return since(start)
    }

    /// The median (the upper one for an even count).
    static func median(_ values: [Double]) -> Double {
        precondition(!values.isEmpty)
        return values.sorted()[values.count / 2]
    }
}

/// Lines on standard error while the suite runs (standard output is for the result).
enum Log {
    static func progress(_ text: String) {
        FileHandle.standardError.write(Data("[bench] \(text)\n".utf8))
    }
}
