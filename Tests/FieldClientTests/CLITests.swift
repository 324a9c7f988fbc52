import FieldClient
import Foundation
import SyncCore
import Testing

/// Drives the built `field` binary as a user would.
@Suite("field CLI")
struct CLITests {
    struct Created: Decodable { var id: String; var ref: String? }
    struct Tally: Decodable { var yes: Int; var no: Int; var abstain: Int; var closed: Bool; var outcome: String; var quorumMet: Bool }
    struct MotionOut: Decodable { var id: String; var tally: Tally }
    struct Ledger: Decodable { var criterion: String; var points: Int; var date: String; var subjectKind: String }
    struct Board: Decodable { var rank: Int; var member: String; var points: Int }
    struct Item: Decodable { var ref: String?; var status: String; var decision: String?; var reason: String?; var step: Int? }
    struct Meeting: Decodable { struct A: Decodable { var member: String; var confirmed: Bool }; var attendance: [A] }
    struct Status: Decodable {
        struct I: Decodable { var memberID: String; var role: String; var refPrefix: String }
        var identity: I; var waiting: Int
    }

    @Test func binaryIsFound() {
        #expect(FieldCLI.binary != nil)
    }

    @Test func fromASuggestionToAnAcceptedReformTask() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let cli = FieldCLI(replicaPath: dir.path("busan.replica"))
        try cli.ok(["init", "--member", "kim", "--name", "Kim Min-ji", "--role", "branch", "--branch", "busan", "--prefix", "BSN"], date: "2026-03-02")
        let status = try cli.json(Status.self, ["whoami"])
        #expect(status.identity.memberID == "kim" && status.identity.role == "branch" && status.identity.refPrefix == "BSN")
        try cli.ok(["member", "add", "--id", "lee", "--name", "Lee Jun", "--kind", "external-monitor", "--affiliation", "supplier", "--area", "goods"])
        try cli.ok(["member", "add", "--id", "han", "--name", "Han", "--kind", "expert", "--affiliation", "academia"])
        let made = try cli.json(Created.self, ["case", "create", "--title", "Bid bond refunds take weeks", "--body", "30 days",
                                               "--area", "goods", "--cause", "process", "--submitter", "lee", "--source", "external-monitor"],
                                date: "2026-03-02")
        #expect(made.ref == "BSN-2026-0001")
        #expect(try cli.ok(["case", "route", "BSN-2026-0001"], date: "2026-03-02").contains("step 2"))
        try cli.ok(["case", "milestone", "BSN-2026-0001", "agency-responsible"], date: "2026-03-02")
        try cli.ok(["case", "milestone", made.id, "examined"], date: "2026-03-03")
        try cli.ok(["case", "comment", "BSN-2026-0001", "Drafting a 7-day refund rule"], date: "2026-03-03")
        try cli.ok(["council", "create", "--id", "practical", "--name", "Practical Council", "--member", "kim", "--member", "han"])
        let motion = try cli.json(Created.self, ["motion", "create", "BSN-2026-0001", "--council", "practical", "--action", "accept", "--id", "m1"],
                                  date: "2026-03-04")
        #expect(motion.id == "m1")
        try cli.ok(["motion", "vote", "m1", "no", "--voter", "han"], date: "2026-03-04")
        try cli.ok(["motion", "vote", "m1", "yes", "--voter", "han"], date: "2026-03-04")
        try cli.ok(["motion", "vote", "m1", "yes"], date: "2026-03-04")
        let closed = try cli.json(MotionOut.self, ["motion", "close", "m1", "--enact"], date: "2026-03-05")
        #expect(closed.tally.closed && closed.tally.outcome == "passed")
        let final = try cli.json(Tally.self, ["motion", "tally", "m1"])
        #expect(final.closed && final.yes == 2 && final.no == 0 && final.outcome == "passed" && final.quorumMet)
        let inbox = try cli.json([Item].self, ["inbox", "--submitter", "lee"])
        #expect(inbox.count == 1)
        #expect(inbox[0].status == "accepted" && inbox[0].decision == "accepted" && inbox[0].step == 2)
        let ledger = try cli.json([Ledger].self, ["points", "ledger", "lee"])
        #expect(ledger.map(\.points) == [1, 5, 10, 20])
        #expect(ledger.map(\.date) == ["2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05"])
        let board = try cli.json([Board].self, ["points", "leaderboard", "--period", "2026-03"])
        #expect(board.map(\.member) == ["lee"] && board.map(\.points) == [36])
        #expect(try cli.json([Board].self, ["points", "leaderboard", "--period", "2026-04"]).isEmpty)
        let shown = try cli.ok(["case", "show", "BSN-2026-0001"])
        #expect(shown.contains("accepted") && shown.contains("Drafting a 7-day refund rule"))
    }

    @Test func workshopOnTwoDevicesCountsAttendanceOnce() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let branch = FieldCLI(replicaPath: dir.path("branch.replica"))
        let monitor = FieldCLI(replicaPath: dir.path("monitor.replica"))
        try branch.ok(["init", "--member", "kim", "--name", "Kim", "--role", "branch", "--branch", "busan", "--prefix", "BSN"])
        try monitor.ok(["init", "--member", "lee", "--name", "Lee", "--role", "monitor", "--prefix", "LEE"])
        try branch.ok(["member", "add", "--id", "park", "--name", "Park", "--kind", "internal-monitor", "--division", "contracts"])
        try branch.ok(["meeting", "create", "--id", "ws", "--kind", "workshop", "--title", "Goods workshop", "--date", "2026-03-14"])
        try branch.ok(["export", "--output", dir.path("b1.jsonl")])
        try monitor.ok(["import", dir.path("b1.jsonl")])
        try monitor.ok(["export", "--output", dir.path("m1.jsonl")])
        try branch.ok(["import", dir.path("m1.jsonl")])
        try branch.ok(["meeting", "attend", "ws", "lee", "park"], date: "2026-03-14")
        try monitor.ok(["meeting", "attend", "ws", "lee"], date: "2026-03-14")
        try monitor.ok(["meeting", "subject", "ws", "--member", "lee", "--subject", "Refund deadlines"], date: "2026-03-14")
        try branch.ok(["export", "--output", dir.path("b2.jsonl")])
        try monitor.ok(["export", "--output", dir.path("m2.jsonl")])
        try monitor.ok(["import", dir.path("b2.jsonl")])
        try branch.ok(["import", dir.path("m2.jsonl")])
        try branch.ok(["import", dir.path("m2.jsonl")])   // a re-delivery changes nothing
        #expect(try branch.digest() == monitor.digest())
        let meeting = try branch.json(Meeting.self, ["meeting", "show", "ws"])
        #expect(meeting.attendance.map(\.member) == ["lee", "park"])
        try branch.ok(["meeting", "confirm", "ws", "lee", "park"])
        let board = try branch.json([Board].self, ["points", "leaderboard", "--period", "2026-03"])
        #expect(board.map(\.member) == ["lee", "park"])
        #expect(board.map(\.points) == [13, 3])   // lee: subject 10 + participation 3; park: participation 3
        // A monitor's replica cannot confirm attendance.
        let refused = try monitor.run(["meeting", "confirm", "ws", "lee"])
        #expect(refused.status == ExitCodes.code(for: .forbidden))
    }

    @Test func badInputGetsOneLineErrorsExitCodesAndChangesNothing() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let cli = FieldCLI(replicaPath: dir.path("r.replica"))
        try cli.ok(["init", "--member", "kim", "--name", "Kim", "--role", "branch", "--branch", "busan", "--prefix", "BSN"])
        try cli.ok(["member", "add", "--id", "lee", "--name", "Lee", "--kind", "external-monitor"])
        let made = try cli.json(Created.self, ["case", "create", "--title", "t", "--body", "b", "--area", "goods", "--cause", "process"])
        try cli.ok(["council", "create", "--id", "pc", "--name", "PC", "--member", "kim"])
        try cli.ok(["motion", "create", made.id, "--council", "pc", "--action", "accept", "--id", "m1"])
        let before = try cli.digest()
        let cases: [([String], SyncError.Code, String)] = [
            (["case", "create", "--title", "t", "--body", "b", "--area", "groceries", "--cause", "process"], .invalidValue, "unknown area"),
            (["case", "show", "BSN-2026-0999"], .notFound, "unknown case"),
            (["case", "route", "XYZ-1"], .notFound, "unknown case"),
            (["motion", "vote", "m1", "yes", "--voter", "lee"], .forbidden, "not in the electorate"),
            (["meeting", "create", "--kind", "workshop", "--title", "W", "--date", "2026-02-31"], .invalidValue, "malformed"),
            (["meeting", "create", "--kind", "workshop", "--title", "W", "--date", "14/03/2026"], .invalidValue, "YYYY-MM-DD"),
            (["points", "leaderboard", "--period", "2026-13"], .invalidValue, "not a period"),
            (["case", "decide", made.id, "maybe", "--reason", "r"], .invalidValue, "accept or reject"),
        ]
        for (args, code, text) in cases {
            let result = try cli.run(args)
            #expect(result.status == ExitCodes.code(for: code), "field \(args.joined(separator: " ")): \(result.stderr)")
            let lines = result.stderr.split(separator: "\n")
            #expect(lines.count == 1, "\(result.stderr)")
            #expect(result.stderr.hasPrefix("error: ") && result.stderr.contains(text), "\(result.stderr)")
        }
        let usage = try cli.run(["case", "create", "--title", "t"])
        #expect(usage.status == ExitCodes.usage)
        #expect(try cli.digest() == before)
    }

    @Test func corruptAndForeignFilesAreReportedNeverOverwritten() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let garbage = Data("this is not a database, just some text that someone saved here\n".utf8)
        try garbage.write(to: URL(fileURLWithPath: dir.path("garbage.replica")))
        let cli = FieldCLI(replicaPath: dir.path("garbage.replica"))
        let opened = try cli.run(["whoami"])
        #expect(opened.status == ExitCodes.code(for: .notAReplica), "\(opened.stderr)")
        let created = try cli.run(["init", "--member", "kim", "--name", "Kim", "--role", "hq"])
        #expect(created.status == ExitCodes.code(for: .conflict), "\(created.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir.path("garbage.replica"))) == garbage)

        // A SQLite file of some other program.
        let foreignPath = dir.path("foreign.sqlite")
        let sqlite = Process()
        sqlite.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        sqlite.arguments = ["python3", "-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('create table photos(id int)'); c.commit()", foreignPath]
        try sqlite.run()
        sqlite.waitUntilExit()
        if sqlite.terminationStatus == 0 {
            let foreign = try Data(contentsOf: URL(fileURLWithPath: foreignPath))
            let result = try FieldCLI(replicaPath: foreignPath).run(["case", "list"])
            #expect(result.status == ExitCodes.code(for: .notAReplica), "\(result.stderr)")
            #expect(result.stderr.contains("not a CivicSync replica"))
            #expect(try Data(contentsOf: URL(fileURLWithPath: foreignPath)) == foreign)
        }

        let missing = try FieldCLI(replicaPath: dir.path("missing.replica")).run(["case", "list"])
        #expect(missing.status == ExitCodes.code(for: .notFound))
        #expect(missing.stderr.contains("field init"))
        #expect(!FileManager.default.fileExists(atPath: dir.path("missing.replica")))
    }

    @Test func replicaPathComesFromTheEnvironment() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        var cli = FieldCLI(replicaPath: dir.path("env.replica"))
        cli.environment = [FieldReplica.pathEnvironmentVariable: dir.path("env.replica")]
        let created = try cli.run(["init", "--member", "kim", "--name", "Kim", "--role", "hq", "--prefix", "HQ"], useReplicaOption: false)
        #expect(created.status == 0, "\(created.stderr)")
        #expect(FileManager.default.fileExists(atPath: dir.path("env.replica")))
        let who = try cli.run(["whoami", "--json"], useReplicaOption: false)
        #expect(who.status == 0 && who.stdout.contains("\"memberID\" : \"kim\""))
        let again = try cli.run(["init", "--member", "x", "--name", "X", "--role", "hq"], useReplicaOption: false)
        #expect(again.status == ExitCodes.code(for: .conflict))
    }

    @Test func everyCommandHasHelpWithExamples() throws {
        let cli = FieldCLI(replicaPath: "/nonexistent")
        let commands: [[String]] = [
            ["init"], ["whoami"], ["digest"], ["inbox"], ["export"], ["import"],
            ["member", "add"], ["member", "edit"], ["member", "list"], ["member", "show"],
            ["case", "create"], ["case", "list"], ["case", "show"], ["case", "edit"], ["case", "comment"], ["case", "route"],
            ["case", "escalate"], ["case", "refer"], ["case", "milestone"], ["case", "decide"],
            ["meeting", "create"], ["meeting", "list"], ["meeting", "show"], ["meeting", "agenda"], ["meeting", "attend"],
            ["meeting", "unattend"], ["meeting", "confirm"], ["meeting", "subject"],
            ["council", "create"], ["council", "list"], ["council", "show"], ["council", "add-member"], ["council", "remove-member"],
            ["motion", "create"], ["motion", "vote"], ["motion", "close"], ["motion", "tally"], ["motion", "list"], ["motion", "show"],
            ["points", "leaderboard"], ["points", "ledger"], ["points", "best"], ["points", "divisions"], ["points", "policy"],
            ["conflicts", "list"], ["conflicts", "resolve"], ["consult", "log"], ["consult", "answer"], ["consult", "list"],
        ]
        for command in commands {
            let result = try cli.run(["help"] + command, useReplicaOption: false)
            #expect(result.status == 0, "\(command)")
            #expect(result.stdout.contains("Examples:") && result.stdout.contains("field \(command[0])"), "help for \(command) lacks examples")
        }
    }

    @Test func pointsPolicyCanBeLoadedFromAFile() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let text = PointsPolicy.embeddedJSON.replacingOccurrences(of: "\"version\": 1", with: "\"version\": 2")
        try Data(text.utf8).write(to: URL(fileURLWithPath: dir.path("p2.json")))
        let cli = FieldCLI(replicaPath: "/nonexistent")
        let shown = try cli.run(["points", "policy", "--policy", dir.path("p2.json")], useReplicaOption: false)
        #expect(shown.status == 0 && shown.stdout.contains("version 2"))
        let missing = try cli.run(["points", "policy", "--policy", dir.path("nope.json")], useReplicaOption: false)
        #expect(missing.status == ExitCodes.code(for: .notFound))
    }
}
