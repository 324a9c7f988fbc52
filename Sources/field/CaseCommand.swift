import ArgumentParser
import FieldClient

struct CaseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "case",
        abstract: "Cases (reform tasks, grievances, suggestions) and the 4-step ladder.",
        discussion: """
        A case is named by its global id or its reference (BSN-2026-0042).
        The ladder: 1 weekly customer-satisfaction meeting, 2 practical council, 3 consultation of
        outside experts, 4 minister's council; routing by cause is data (Schemas/routing.json).

        Examples:
          field case create --title "Slow refunds" --body "..." --area goods --cause process
          field case route BSN-2026-0001
          field case escalate BSN-2026-0001
          field case decide BSN-2026-0001 accept --reason "new refund rule"
        """,
        subcommands: [CaseCreate.self, CaseList.self, CaseShow.self, CaseEdit.self, CaseComment.self,
                      CaseRoute.self, CaseEscalate.self, CaseRefer.self, CaseMilestone.self, CaseDecide.self, CaseAttach.self,
                      CasePublish.self, CaseUnpublish.self, CaseAnswerReferral.self, CaseReexamine.self, CaseArbitrate.self])
}

func printLadder(_ result: FieldReplica.LadderResult, verb: String) {
    let label = result.ref ?? result.caseID
    let step = result.step.map { "step \($0) (\(result.stepName ?? ""))" } ?? "no step"
    if result.changed {
        print("\(label) \(verb): \(step), status \(result.status)\(result.on.map { ", on \($0)" } ?? "")")
    } else {
        print("\(label) unchanged: already \(step), status \(result.status)")
    }
}

/// `CASE` argument plus replica and output options, for the ladder commands.
struct CaseTarget: ParsableArguments {
    @Argument(help: "Case id or reference (e.g. BSN-2026-0042).") var caseRef: String
}
