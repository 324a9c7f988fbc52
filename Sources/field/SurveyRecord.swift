import ArgumentParser
import FieldClient

struct SurveyRecord: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Record a satisfaction survey's result.",
        discussion: """
        Examples:
          field survey record --period 2003 --score 79.2 --source outside-institution
          field survey record --period 2005-Q1 --score 81 --source own-survey --branch busan --respondents 340
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "Survey id (default: a fresh sur-… id).") var id: String?
    @Option(help: "Period surveyed: YYYY, YYYY-Qn or YYYY-MM.") var period: String
    @Option(help: "Score in points out of 100, at most two decimals (79.2).") var score: String
    @Option(help: "outside-institution, own-survey or government-evaluation.") var source: String
    @Option(help: "How many customers answered (leave out when unknown).") var respondents: Int?
    @Option(help: "The branch surveyed (default: yours for branch staff, the whole agency for HQ).") var branch: String?
    @Option(help: "Only this area (goods, services, facility-construction, construction-management, e-procurement).") var area: String?
    @Option(help: "A note (the institution's name, the method).") var note: String?

    func run() throws {
        let made = try replica.open().recordSurvey(id: id, period: period, score: score, source: source, respondents: respondents,
                                                   branch: branch, area: area, note: note)
        if output.json { try CLI.printJSON(made); return }
        print("recorded survey \(made.id): \(made.period ?? "?") \(SurveyList.score(made.score)) points (\(made.source ?? "?"), \(made.branch.map { "branch \($0)" } ?? "whole agency"))")
    }
}
