import SyncCore
/// Consultations logged by the call centre and the branch desks, and their replies: the reply
/// rate climbs from about 72% in the pilot year and 80% in the main year's first quarter to
/// 98% from its second quarter, and replies come faster as it does.
extension DataSetRun {
    /// Consultations received per month: about 150 in the pilot year, 300 in the main year.
    func consultationCount(month: Int) -> Int { scaled(month < 12 ? 150 : 300, minimum: 1) }

    /// The chance a consultation received on `day` is answered at all.
    func replyRate(_ day: Int) -> Double {
        let date = calendar.dates[day]
        guard date.year == mainYear else { return 0.70 + 0.06 * Double(date.month) / 12 }
        return [0.78, 0.80, 0.82, 0.97, 0.98, 0.985, 0.98, 0.985, 0.98, 0.985, 0.98, 0.985][date.month - 1]
    }

    mutating func consultations(month: Int, _ sink: Sink) throws {
        let days = calendar.monthRanges[month]
        let weights = branches.enumerated().map { ($0.offset, $0.element.weight) }
        for _ in 0..<consultationCount(month: month) {
            let b = rng.weighted(weights)
            let day = rng.int(days.lowerBound...days.upperBound)
            consultationCounter[b] += 1
            let id = "con-\(branches[b].code.lowercased())-\(Self.pad(consultationCounter[b], 7))"
            let desk = staff(b)
            let t = calendar.at(day, minute: workMinute())
            emitter.set(b + 1, at: t, author: desk, .consultation, id, "channel",
                        rng.weighted([("call-centre", 0.55), ("branch-desk", 0.25), ("visit", 0.12), ("web", 0.08)]))
            emitter.set(b + 1, at: t, author: desk, .consultation, id, "branch", branches[b].id)
            emitter.set(b + 1, at: t, author: desk, .consultation, id, "topic", rng.pick(Vocabulary.topics))
            emitter.set(b + 1, at: t, author: desk, .consultation, id, "receivedOn", calendar.dateTexts[day])
            summary.consultations += 1
            if rng.chance(replyRate(day)) {
                let slowest = calendar.dates[day].year == mainYear ? max(2, 8 - Int(progress(day) * 12)) : 8
                let answered = day + rng.int(0...slowest)
                if answered <= calendar.lastDay {
                    emitter.set(b + 1, at: calendar.at(answered, minute: workMinute()), author: desk, .consultation, id, "answeredOn",
                                calendar.dateTexts[answered])
                }
            }
            try flush(sink)
        }
    }
}
