import FieldClient
import Foundation
import SyncCore
import Testing

/// `--on` through the built `field` executable: accepted where a dated fact is recorded, shown in
/// `--json` output and in the reports, refused in one line (exit 13, nothing recorded) when it is
/// not a real past date.
@Suite struct DatesOfRecordCLITests {
    struct Ladder: Decodable { var caseID: String; var ref: String?; var step: Int?; var status: String; var changed: Bool; var on: String? }
    struct Created: Decodable { var id: String; var ref: String? }
    struct Detail: Decodable {
        struct Milestone: Decodable { var milestone: String; var reachedOn: String }
        var milestones: [Milestone]
    }
    struct Steps: Decodable {
        struct Row: Decodable { var step: Int; var cases: Int; var medianDays: Double? }
        var rows: [Row]
    }
    struct Motion: Decodable {
        struct Vote: Decodable { var voter: String; var votedOn: String? }
        var closedOn: String?
        var votes: [Vote]
    }
    struct Meeting: Decodable {
        struct Attendee: Decodable { var member: String; var attendedOn: String? }
        var attendance: [Attendee]
    }

    /// The commands that record a dated fact.
    static let commands = [["case", "route"], ["case", "escalate"], ["case", "refer"], ["case", "milestone"], ["case", "decide"],
                           ["motion", "create"], ["motion", "vote"], ["motion", "close"], ["meeting", "attend"],
                           ["meeting", "confirm"], ["consult", "answer"], ["reward", "give"]]

    @Test func everyDatedCommandDocumentsOn() throws {
        let cli = FieldCLI(replicaPath: "/nonexistent/r.replica")
        for command in Self.commands {
            let help = try cli.run(command + ["--help"], useReplicaOption: false)
            #expect(help.stdout.contains("--on <on>"), "field \(command.joined(separator: " ")) --help: \(help.stdout)")
            let words = help.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            #expect(words.contains("--on 2026-"), "field \(command.joined(separator: " ")) has an example with --on")
        }
        let doc = try String(contentsOf: packageRoot.appendingPathComponent("docs/CLI.md"), encoding: .utf8)
        for command in Self.commands {
            let line = doc.split(separator: "\n").first { $0.hasPrefix("field \(command.joined(separator: " ")) ") }
            #expect(line?.contains("--on DATE") == true, "docs/CLI.md: field \(command.joined(separator: " "))")
        }
    }

    @Test func aDecisionTypedOnMondayIsDatedFriday() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let cli = FieldCLI(replicaPath: dir.path("r.replica"))
        let monday = "2026-03-09"
        try cli.ok(["init", "--member", "kim", "--name", "Kim", "--role", "branch", "--branch", "busan", "--prefix", "BSN"], date: "2026-03-02")
        try cli.ok(["member", "add", "--id", "prof", "--name", "Prof", "--kind", "expert", "--branch", "busan"], date: "2026-03-02")
        let made = try cli.json(Created.self, ["case", "create", "--title", "t", "--body", "b", "--area", "goods", "--cause", "process",
                                               "--reported-on", "2026-03-02"], date: "2026-03-02")
        let routed = try cli.json(Ladder.self, ["case", "route", made.id], date: "2026-03-02")
        #expect(routed.on == "2026-03-02" && routed.step == 2)
        let decided = try cli.json(Ladder.self, ["case", "decide", made.id, "accept", "--reason", "r", "--on", "2026-03-06"], date: monday)
        #expect(decided.on == "2026-03-06" && decided.status == "accepted")
        let text = try cli.ok(["case", "milestone", made.id, "result-notified", "--on", "2026-03-07"], date: monday)
        #expect(text.contains("on 2026-03-07"), "\(text)")
        let detail = try cli.json(Detail.self, ["case", "show", made.id], date: monday)
        #expect(detail.milestones.map(\.reachedOn) == ["2026-03-06", "2026-03-07"])
        // Step 2 from 03-02 to 03-06: 4 days, not 7.
        let steps = try cli.json(Steps.self, ["report", "step-times", "--period", "2026"], date: monday)
        #expect(steps.rows[1].cases == 1 && steps.rows[1].medianDays == 4.0)

        // A motion on a second case: put on 03-04, voted on 03-05, closed on 03-06, all typed on Monday.
        let other = try cli.json(Created.self, ["case", "create", "--title", "t2", "--body", "b", "--area", "goods", "--cause", "process"],
                                 date: "2026-03-02")
        try cli.ok(["council", "create", "--id", "pc", "--name", "PC", "--member", "kim", "--member", "prof"], date: monday)
        try cli.ok(["motion", "create", other.id, "--council", "pc", "--action", "reject", "--id", "m1", "--on", "2026-03-04"], date: monday)
        try cli.ok(["motion", "vote", "m1", "yes", "--on", "2026-03-05"], date: monday)
        try cli.ok(["motion", "vote", "m1", "yes", "--voter", "prof", "--on", "2026-03-05"], date: monday)
        let closed = try cli.json(Motion.self, ["motion", "close", "m1", "--enact", "--on", "2026-03-06"], date: monday)
        #expect(closed.closedOn == "2026-03-06" && closed.votes.map(\.votedOn) == ["2026-03-05", "2026-03-05"])
        let otherDetail = try cli.json(Detail.self, ["case", "show", other.id], date: monday)
        #expect(otherDetail.milestones.map(\.reachedOn) == ["2026-03-04", "2026-03-06"])

        try cli.ok(["meeting", "create", "--id", "ws", "--kind", "workshop", "--title", "W", "--date", "2026-03-05"], date: monday)
        let meeting = try cli.json(Meeting.self, ["meeting", "attend", "ws", "prof", "--on", "2026-03-06"], date: monday)
        #expect(meeting.attendance.map(\.attendedOn) == ["2026-03-06"])
    }

    @Test func badDatesAreOneLineErrorsAndRecordNothing() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let cli = FieldCLI(replicaPath: dir.path("r.replica"))
        let today = "2026-03-09"
        try cli.ok(["init", "--member", "kim", "--name", "Kim", "--role", "branch", "--branch", "busan", "--prefix", "BSN"], date: today)
        let made = try cli.json(Created.self, ["case", "create", "--title", "t", "--body", "b", "--area", "goods", "--cause", "process"],
                                date: today)
        try cli.ok(["council", "create", "--id", "pc", "--name", "PC", "--member", "kim"], date: today)
        try cli.ok(["motion", "create", made.id, "--council", "pc", "--action", "accept", "--id", "m1"], date: today)
        try cli.ok(["meeting", "create", "--id", "ws", "--kind", "workshop", "--title", "W", "--date", "2026-03-05"], date: today)
        try cli.ok(["consult", "log", "--id", "c1", "--channel", "call-centre", "--topic", "T", "--received", "2026-03-02"], date: today)
        let before = try cli.ok(["whoami", "--json"], date: today)
        let bad: [(String, String)] = [("2026-02-30", "is not a real date: 2026-02 has 28 days"), ("tomorrow", "is not a date"),
                                       ("2026-03-10", "is in the future (today is 2026-03-09)"), ("1999-12-31", "before 2000-01-01")]
        let commands: [[String]] = [["case", "decide", made.id, "accept", "--reason", "r"], ["case", "route", made.id],
                                    ["case", "escalate", made.id], ["case", "refer", made.id], ["case", "milestone", made.id, "examined"],
                                    ["motion", "vote", "m1", "yes"], ["motion", "close", "m1", "--enact"], ["meeting", "attend", "ws", "kim"],
                                    ["meeting", "confirm", "ws", "kim"], ["consult", "answer", "c1"]]
        for (date, message) in bad {
            for command in commands {
                let result = try cli.run(command + ["--on", date], date: today)
                #expect(result.status == ExitCodes.code(for: .invalidValue), "field \(command.joined(separator: " ")) --on \(date): \(result.stderr)")
                #expect(result.stderr.split(separator: "\n").count == 1 && result.stderr.hasPrefix("error: --on "), "\(result.stderr)")
                #expect(result.stderr.contains(message), "\(result.stderr)")
                #expect(result.stdout.isEmpty)
            }
        }
        #expect(try cli.ok(["whoami", "--json"], date: today) == before, "nothing was recorded")
    }
}
