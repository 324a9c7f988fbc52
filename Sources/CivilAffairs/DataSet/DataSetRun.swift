import SyncCore
/// One generation in progress: the dice, the calendar, who exists, what has been numbered.
/// A value type driven by `DataSetGenerator.generate`; the parts live in extensions
/// (members and councils, meetings, cases, consultations).
struct DataSetRun {
    typealias Sink = ([SyncOperation]) throws -> Void
    typealias Vocabulary = DataSetVocabulary

    struct Monitor {
        var id: String
        var joinDay: Int
    }

    let scale: Double
    let mainYear: Int
    let routing = LadderRouting.embedded
    var rng: DataSetRandom
    let calendar: DataSetCalendar
    var emitter: OperationEmitter
    var summary: DataSetSummary
    var batchSize = 5_000

    /// Replica index 0 is headquarters; branch `b` is replica `b + 1`.
    static let hq = 0
    let branches = Vocabulary.branches

    // People.
    var hqStaff: [String] = []
    let minister = "minister"
    var branchStaff: [[String]] = []
    /// Monitors of each branch, by join day.
    var monitorsByBranch: [[Monitor]] = []
    var externalByBranch: [[Monitor]] = []
    var internalByBranch: [[Monitor]] = []
    var experts: [String] = []
    var specialists: [String] = []

    // Councils by step (2, 3, 4) and for the budget committee.
    var councilMembers: [String: [String]] = [:]
    static let councilOfStep: [Int: String] = [2: "council-practical", 3: "council-experts", 4: "council-ministers"]

    // Meeting schedules: sorted days, and the meeting id of each day.
    var schedule: [String: [Int]] = [:]
    var meetingID: [String: [Int: String]] = [:]
    static let meetingKindOfStep: [Int: String] = [1: "weekly-satisfaction", 2: "practical-council", 3: "expert-consultation",
                                                   4: "ministers-council"]

    // Numbering.
    var caseCounter: [Int]
    var refCounter: [Int: Int] = [:]
    var consultationCounter: [Int]
    var budgetPriorityNext: [Int: Int] = [:]

    init(seed: UInt64, scale: Double, year: Int) {
        self.scale = scale
        mainYear = year
        rng = DataSetRandom(seed: seed)
        calendar = DataSetCalendar(firstYear: year - 1, years: 2)
        emitter = OperationEmitter(replicas: DataSetGenerator.replicaIDs, endMilliseconds: calendar.at(calendar.lastDay, minute: 1439))
        summary = DataSetSummary(seed: seed, scale: scale, year: year, firstDay: calendar.dateTexts[0],
                                 lastDay: calendar.dateTexts[calendar.lastDay])
        caseCounter = Array(repeating: 0, count: Vocabulary.branches.count)
        consultationCounter = Array(repeating: 0, count: Vocabulary.branches.count)
    }

    mutating func run(batchSize: Int, _ sink: Sink) throws {
        self.batchSize = batchSize
        members()
        councils()
        try flush(sink)
        try hqMeetings(sink)
        for month in 0..<calendar.monthRanges.count {
            try workshops(month: month, sink)
            try cases(month: month, sink)
            try consultations(month: month, sink)
        }
        try flush(sink, force: true)
        summary.operations = emitter.emitted
        summary.replicas = DataSetGenerator.replicaIDs.count
        summary.branches = branches.count
    }

    /// Hands a full batch (or, with `force`, whatever is left) to the sink.
    mutating func flush(_ sink: Sink, force: Bool = false) throws {
        if emitter.buffer.count >= batchSize || (force && !emitter.buffer.isEmpty) {
            try sink(emitter.drain())
        }
    }

    // MARK: - Small helpers

    /// A count scaled by `scale`, at least `minimum`.
    func scaled(_ base: Double, minimum: Int = 1) -> Int { max(minimum, Int((base * scale).rounded())) }

    static func pad(_ n: Int, _ width: Int) -> String {
        let text = String(n)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }

    mutating func name() -> String {
        "\(rng.pick(Vocabulary.familyNames)) \(rng.pick(Vocabulary.syllables))-\(rng.pick(Vocabulary.syllables).lowercased())"
    }

    /// A working-hours minute (09:00-17:59).
    mutating func workMinute() -> Int { rng.int(540...1079) }

    /// A member of a branch's staff.
    mutating func staff(_ branch: Int) -> String { rng.pick(branchStaff[branch]) }

    /// Fraction of the main year elapsed on a day (0 in the pilot year).
    func progress(_ day: Int) -> Double {
        let date = calendar.dates[day]
        guard date.year == mainYear else { return 0 }
        return Double(day - calendar.monthRanges[12].lowerBound) / 365
    }

    /// Monitors of a branch who had joined by `day` (external, internal or both).
    func joined(_ list: [Monitor], by day: Int) -> ArraySlice<Monitor> {
        var low = 0, high = list.count
        while low < high {
            let mid = (low + high) / 2
            if list[mid].joinDay <= day { low = mid + 1 } else { high = mid }
        }
        return list[0..<low]
    }
}
