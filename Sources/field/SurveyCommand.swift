import ArgumentParser
import FieldClient

struct SurveyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "survey",
        abstract: "Customer-satisfaction survey results, behind `field report satisfaction`.",
        discussion: """
        A survey result is a period's score (points out of 100) measured by an outside
        institution, the agency's own survey or the government's evaluation, for the
        whole agency (HQ's default) or one branch (branch staff's default), optionally
        for one area. Branch staff record their own branch's surveys; HQ records any.

        Examples:
          field survey record --period 2004 --score 77.8 --source outside-institution
          field survey record --period 2005-Q1 --score 76.5 --source outside-institution --respondents 1200
          field survey edit sur-abc --score 76.4
          field survey list --period 2005
        """,
        subcommands: [SurveyRecord.self, SurveyEdit.self, SurveyList.self])
}
