import ArgumentParser
import FieldClient

struct CasePublish: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Publish an accepted or implemented reform on the server's public page (HQ).",
        discussion: """
        The server shows published reforms without sign-in at /reforms: the title and summary
        given here (HQ's own words: later edits of the case do not change them), the area, cause,
        step reached and decision dates; no submitter, member, branch, comment or reference. A
        case both accepted and rejected (decisions made apart) is refused. The decision syncs
        like any other change; `field case unpublish` withdraws it.

        Examples:
          field case publish BSN-2026-0001 --summary "Bid bond refunds now paid within 7 days"
          field case publish BSN-2026-0001 --title "Faster bid bond refunds" --summary "…" --on 2026-03-06
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var target: CaseTarget
    @Option(help: "What changed, in words for the public (at most 2,000 characters).") var summary: String
    @Option(help: "The title the page shows (default: the case's title now; later edits of the case do not change it).") var title: String?
    @Option(help: "The day it is published, YYYY-MM-DD (default: today); not in the future.") var on: String?

    func run() throws {
        let detail = try replica.open().publishReform(target.caseRef, summary: summary, title: title, on: on)
        if output.json { try CLI.printJSON(detail); return }
        print("published \(detail.summary.ref ?? detail.summary.id) on the public page from \(detail.publishedOn ?? "?")")
    }
}

struct CaseUnpublish: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unpublish",
        abstract: "Withdraw a reform from the server's public page (HQ).",
        discussion: """
        Examples:
          field case unpublish BSN-2026-0001
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var target: CaseTarget

    func run() throws {
        let detail = try replica.open().unpublishReform(target.caseRef)
        if output.json { try CLI.printJSON(detail); return }
        print("\(detail.summary.ref ?? detail.summary.id) is no longer on the public page")
    }
}
