import SyncCore
/// The simulated calendar: two years (the pilot year, then the main year), day by day, and
/// the fixed schedule of the agency's meetings (weekly meeting on Fridays, monthly councils,
/// the quarterly minister's council...). Days are indices from 1 January of the pilot year.
struct DataSetCalendar {
    let firstYear: Int
    /// Milliseconds at 00:00 UTC of day 0.
    let startMilliseconds: Int64
    let dates: [CivilDate]
    let dateTexts: [String]
    /// The days of each month index.
    let monthRanges: [ClosedRange<Int>]

    init(firstYear: Int, years: Int) {
        self.firstYear = firstYear
        let start = CivilDate(year: firstYear, month: 1, day: 1).millisecondsSinceEpoch
        startMilliseconds = start
        let end = CivilDate(year: firstYear + years, month: 1, day: 1).millisecondsSinceEpoch
        let count = Int((end - start) / 86_400_000)
        let dates = (0..<count).map { CivilDate(millisecondsSinceEpoch: start + Int64($0) * 86_400_000) }
        self.dates = dates
        dateTexts = dates.map(\.description)
        var ranges: [ClosedRange<Int>] = []
        var first = 0
        for day in 1...count where day == count || dates[day].month != dates[day - 1].month {
            ranges.append(first...day - 1)
            first = day
        }
        monthRanges = ranges
    }

    var dayCount: Int { dates.count }
    var lastDay: Int { dates.count - 1 }

    /// The instant of a day at a minute after midnight.
    func at(_ day: Int, minute: Int) -> Int64 { startMilliseconds + Int64(day) * 86_400_000 + Int64(minute) * 60_000 }

    /// 0 = Sunday ... 6 = Saturday.
    func weekday(_ day: Int) -> Int {
        let epochDays = Int(startMilliseconds / 86_400_000) + day
        return ((epochDays + 4) % 7 + 7) % 7
    }

    /// Month index from the start (0 = January of the pilot year).
    func monthIndex(_ day: Int) -> Int { (dates[day].year - firstYear) * 12 + dates[day].month - 1 }

    /// The days of a month index.
    func days(ofMonth index: Int) -> ClosedRange<Int> { monthRanges[index] }

    /// The `n`-th (1-based) given weekday of a month index.
    func nth(_ n: Int, weekday: Int, ofMonth index: Int) -> Int {
        days(ofMonth: index).filter { self.weekday($0) == weekday }[n - 1]
    }

    /// The first day in a sorted schedule on or after `day`, if any.
    static func next(_ schedule: [Int], onOrAfter day: Int) -> Int? {
        var low = 0, high = schedule.count
        while low < high {
            let mid = (low + high) / 2
            if schedule[mid] < day { low = mid + 1 } else { high = mid }
        }
        return low < schedule.count ? schedule[low] : nil
    }
}
