import Foundation

/// What the numbers were measured on: stated with every run, since every figure depends on it.
struct Machine: Sendable {
    var cpu: String
    var cores: Int
    var memoryGiB: Double
    var system: String
    /// The 1-minute load average when the run started: other work on the machine skews figures.
    var loadAtStart: Double?
    var build: String
    var date: String

    static func current() -> Machine {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { $0.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "" } ?? "unknown CPU"
        let osRelease = (try? String(contentsOfFile: "/etc/os-release", encoding: .utf8)) ?? ""
        let prettyName = osRelease.split(separator: "\n").first { $0.hasPrefix("PRETTY_NAME=") }
            .map { String($0.dropFirst("PRETTY_NAME=".count)).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
        var uts = utsname()
        uname(&uts)
        let kernel = withUnsafeBytes(of: &uts.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let load = loadNow()
        #if DEBUG
        let build = "debug (figures are meaningless: build with -c release)"
        #else
        let build = "release"
        #endif
        let formatter = ISO8601DateFormatter()
        return Machine(cpu: model, cores: ProcessInfo.processInfo.activeProcessorCount,
                       memoryGiB: Double(ProcessInfo.processInfo.physicalMemory) / Double(1 << 30),
                       system: "\(prettyName ?? ProcessInfo.processInfo.operatingSystemVersionString), kernel \(kernel)",
                       loadAtStart: load, build: build, date: formatter.string(from: Date()))
    }

    /// The 1-minute load average now.
    static func loadNow() -> Double? {
        (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").first.flatMap { Double($0) }
    }

    var summary: String {
        "\(cpu), \(cores) cores, \(String(format: "%.0f", memoryGiB)) GiB, \(system); \(build) build; "
            + "load \(loadAtStart.map { String(format: "%.2f", $0) } ?? "?") at start; \(date)"
    }

    var json: JSONOut {
        .object([("cpu", .string(cpu)), ("cores", .int(cores)), ("memory_gib", .number((memoryGiB * 10).rounded() / 10)),
                 ("system", .string(system)), ("load_at_start", loadAtStart.map(JSONOut.number) ?? .null),
                 ("build", .string(build)), ("date", .string(date))])
    }
}

/// CPU time of processes (Linux `/proc`), to tell the server's share of a workload from the
/// benchmark's own (the in-process replicas).
enum CPUTime {
    /// User + system seconds of a process so far (nil where `/proc` is missing).
    static func seconds(pid: Int32) -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After "pid (comm)": state is field 3, utime field 14, stime field 15.
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        return (user + system) / (ticks > 0 ? ticks : 100)
    }

    static func ownSeconds() -> Double? { seconds(pid: getpid()) }
}
