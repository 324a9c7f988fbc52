import FieldClient
import Foundation
import SyncCore
import Testing

/// Issue 14: outside experts of the consultation council have a role and token of their own.
/// Through the real `syncserver` and `field`: an expert sees the cases and motions of the
/// councils they sit on (nothing else), votes and comments offline, cannot submit cases, and
/// earns no mileage points; HQ no longer records their votes for them.
@Suite(.serialized) struct ExpertMemberTests {
    @Test func anExpertVotesAndCommentsInTheirCouncilOnlyAndEarnsNoPoints() async throws {
        let directory = try TemporaryDirectory()
        let server = ServerProcess(dataDirectory: directory.path("server"))
        let hqToken = try server.bootstrap(member: "hq1")
        let expertToken = try server.issueToken(member: "han", role: "expert")
        try server.start()
        defer { server.stop() }
        // The token says what an expert is.
        let listed = try server.admin(["token", "list"])
        #expect(listed.contains("expert han"), "\(listed)")

        // The expert's own replica, made and used through the CLI; its first sync registers them.
        let mine = directory.path("han.replica")
        try field(["init", "--replica", mine, "--member", "han", "--name", "Prof. Han", "--role", "expert", "--prefix", "HAN"])
        try field(["remote", "set", "--replica", mine, "--server", server.baseURL, "--token", expertToken])
        try field(["sync", "--replica", mine])

        let hq = try Device(name: "hq", directory: directory, setup: .init(memberID: "hq1", name: "HQ", role: .hq, refPrefix: "HQ"),
                            skewMilliseconds: 0, server: server, token: hqToken, seed: 41)
        try await hq.sync()
        #expect(try hq.replica.member("han").kind == "expert")
        let before = try hq.replica.createCase(NewCase(title: "Bid bonds held for months", body: "Refunds are slow",
                                                        area: "goods", cause: "law-system", branch: "busan"))
        let elsewhere = try hq.replica.createCase(NewCase(title: "Parking at the Seoul office", body: "Too few places",
                                                           area: "goods", cause: "process", branch: "seoul"))
        _ = try hq.replica.createCouncil(id: "consult", name: "Consultation council", members: ["hq1", "han"])
        let motion = try hq.replica.createMotion(id: "m1", case: before.id, council: "consult", action: "accept")
        try await hq.sync()

        try field(["sync", "--replica", mine])
        let cases = try field(["case", "list", "--replica", mine, "--json"]).stdout
        #expect(cases.contains(before.id) && !cases.contains(elsewhere.id), "\(cases)")
        #expect(try field(["motion", "show", "--replica", mine, motion.id]).status == 0)

        // Offline: a vote and a comment, sent by the next sync and accepted.
        try field(["motion", "vote", "--replica", mine, motion.id, "yes"])
        try field(["case", "comment", "--replica", mine, before.id, "The bond rules of 2003 allow a faster refund"])
        // What an expert may not do is refused at once, nothing recorded.
        let submitted = try field(["case", "create", "--replica", mine, "--title", "My own idea", "--body", "An idea",
                                   "--area", "goods", "--cause", "process"], expecting: 17)
        #expect(submitted.stderr.contains("an expert does not submit cases"), "\(submitted.stderr)")
        try field(["case", "comment", "--replica", mine, elsewhere.id, "Not mine to see"], expecting: 16)
        let synced = try field(["sync", "--replica", mine, "--json"])
        let report = try JSONParser.parse(Array(synced.stdout.utf8)).objectValue ?? [:]
        #expect(report["acknowledged"]?.intValue ?? 0 >= 2 && report["rejected"]?.arrayValue?.isEmpty == true, "\(synced.stdout)")

        try await hq.sync()
        #expect(try hq.replica.motion(motion.id).votes.map(\.voter) == ["han"])
        #expect(try hq.replica.caseDetail(before.id).comments.map(\.body) == ["The bond rules of 2003 allow a faster refund"])

        // HQ records the expert's confirmed attendance at a meeting: a monitor would earn 3
        // points for it; the expert earns none.
        let meeting = try hq.replica.createMeeting(kind: "expert-consultation", title: "Consultation", date: "2026-03-02")
        _ = try hq.replica.attend(meeting.id, members: ["han"])
        _ = try hq.replica.confirm(meeting.id, members: ["han"])
        #expect(try hq.replica.ledger(member: "han").isEmpty)
        #expect(try !hq.replica.leaderboard().contains { $0.member == "han" })

        // The server refuses a forged case creation from an expert's token too.
        let forged = try Device(name: "forged", directory: directory,
                                setup: .init(memberID: "han", name: "Prof. Han", role: .expert, refPrefix: "HNX"),
                                skewMilliseconds: 0, server: server, token: expertToken, seed: 42)
        let own = try forged.replica.store.record([.set(.case, "c-han", "title", .string("Forged")), .set(.case, "c-han", "submitter", .string("han")),
                                                   .set(.case, "c-han", "branch", .string("busan"))], author: "han")
        #expect(own.count == 3)
        let refused = try await forged.sync()
        #expect(refused.rejected.count == 3 && refused.rejected.allSatisfy { $0.code == "forbidden" }, "\(refused.rejected)")
    }
}
