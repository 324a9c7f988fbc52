import ArgumentParser
import FieldClient

struct SurveyEdit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edit",
        abstract: "Correct a survey's result (only what is given changes).",
        discussion: """
        Examples:
          field survey edit sur-abc --score 77.8
          field survey edit sur-abc --respondents 1200 --note "Korea Productivity Center"
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The survey's id.") var id: String
    @Option(help: "Period surveyed: YYYY, YYYY-Qn or YYYY-MM.") var period: String?
    @Option(help: "Score in points out of 100, at most two decimals.") var score: String?
    @Option(help: "outside-institution, own-survey or government-evaluation.") var source: String?
    @Option(help: "How many customers answered.") var respondents: Int?
    @Option(help: "A note.") var note: String?

    func run() throws {
        let made = try replica.open().editSurvey(id, period: period, score: score, source: source, respondents: respondents, note: note)
        if output.json { try CLI.printJSON(made); return }
        print("corrected survey \(made.id): \(made.period ?? "?") \(SurveyList.score(made.score)) points")
    }
}
