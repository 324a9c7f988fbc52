import Foundation

// civicsync-bench: the benchmark suite, W1–W9. See `civicsync-bench --help`.
let options: Options
do {
    guard let parsed = try Options.parse(Array(CommandLine.arguments.dropFirst())) else {
        print(Options.usage)
        exit(0)
    }
    options = parsed
} catch {
    FileHandle.standardError.write(Data("civicsync-bench: \(error) (try --help)\n".utf8))
    exit(2)
}

Cleanup.shared.installSignalHandlers()
let machine = Machine.current()
let started = Timing.now()
let suite = try Suite(options: options)
let results = await suite.run()
let reporter = Reporter(options: options, machine: machine)
print(options.json ? reporter.json(results, totalSeconds: Timing.since(started))
                   : reporter.text(results, totalSeconds: Timing.since(started)))
exit(results.contains { $0.failure != nil } ? 1 : 0)
