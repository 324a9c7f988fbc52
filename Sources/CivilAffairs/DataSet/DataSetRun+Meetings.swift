import SyncCore
/// The meeting calendar: the weekly customer-satisfaction meeting every Friday, the practical
/// council (2nd Tuesday), the expert consultation (3rd Thursday) and the budget execution
/// committee (4th Wednesday) every month, the minister's council and dispute arbitration every
/// quarter, and a monitors' workshop per branch each month (every other month in the pilot
/// year), with confirmed attendance and debate subjects, some of which become cases.
extension DataSetRun {
    mutating func hqMeetings(_ sink: Sink) throws {
        var plans: [(kind: String, day: Int, id: String, title: String)] = []
        for day in 0..<calendar.dayCount where calendar.weekday(day) == 5 {
            plans.append(("weekly-satisfaction", day, "wk-" + calendar.dateTexts[day], "Weekly Customer Satisfaction Meeting"))
        }
        for month in 0..<calendar.monthRanges.count {
            let label = String(calendar.dateTexts[calendar.monthRanges[month].lowerBound].prefix(7))
            plans.append(("practical-council", calendar.nth(2, weekday: 2, ofMonth: month), "pc-" + label,
                          "Practical Council \(label)"))
            plans.append(("expert-consultation", calendar.nth(3, weekday: 4, ofMonth: month), "ec-" + label,
                          "Consultation of Outside Experts \(label)"))
            plans.append(("budget-execution", calendar.nth(4, weekday: 3, ofMonth: month), "be-" + label,
                          "Budget Execution Committee \(label)"))
            if month % 3 == 2 {
                let quarter = "\(calendar.dates[calendar.monthRanges[month].lowerBound].year)-Q\((month % 12) / 3 + 1)"
                plans.append(("ministers-council", calendar.nth(3, weekday: 3, ofMonth: month), "mc-" + quarter,
                              "Council of Countermeasure against Public Grievance \(quarter)"))
            }
            if month % 3 == 1 {
                plans.append(("dispute-arbitration", calendar.nth(1, weekday: 1, ofMonth: month), "da-" + label,
                              "Consultation of Arbitrating Dispute \(label)"))
            }
        }
        plans.sort { ($0.day, $0.id) < ($1.day, $1.id) }
        for plan in plans {
            schedule[plan.kind, default: []].append(plan.day)
            meetingID[plan.kind, default: [:]][plan.day] = plan.id
            let people: [String]
            switch plan.kind {
            case "weekly-satisfaction": people = rng.sample(rng.int(4...6), of: hqStaff.count).map { hqStaff[$0] }
            case "practical-council":
                let council = councilMembers["council-practical"]!
                people = rng.sample(rng.int(6...council.count), of: council.count).map { council[$0] }
            case "expert-consultation": people = rng.sample(rng.int(6...10), of: experts.count).map { experts[$0] }
            case "ministers-council":
                let council = councilMembers["council-ministers"]!
                people = rng.sample(rng.int(8...council.count), of: council.count).map { council[$0] }
            case "budget-execution": people = councilMembers["council-budget"]!
            default: people = councilMembers["council-disputes"]!
            }
            meeting(Self.hq, author: "hq-01", id: plan.id, kind: plan.kind, title: plan.title, day: plan.day, branch: nil,
                    attendees: people, confirmRate: 1)
            try flush(sink)
        }
    }

    /// A meeting's registers and its attendance (recorded when it starts, confirmed at its end).
    mutating func meeting(_ replica: Int, author: String, id: String, kind: String, title: String, day: Int, branch: String?,
                          attendees: [String], confirmRate: Double) {
        let start = calendar.at(day, minute: 600)
        emitter.set(replica, at: start - 3 * 86_400_000, author: author, .meeting, id, "kind", kind)
        emitter.set(replica, at: start - 3 * 86_400_000, author: author, .meeting, id, "title", title)
        emitter.set(replica, at: start - 3 * 86_400_000, author: author, .meeting, id, "date", calendar.dateTexts[day])
        if let branch { emitter.set(replica, at: start - 3 * 86_400_000, author: author, .meeting, id, "branch", branch) }
        for person in attendees { emitter.add(replica, at: start, author: author, .meeting, id, "attendance", element: person) }
        for person in attendees where rng.chance(confirmRate) {
            emitter.add(replica, at: start + 7 * 3_600_000, author: author, .meeting, id, "confirmed", element: person)
        }
        summary.meetings += 1
    }

    mutating func workshops(month: Int, _ sink: Sink) throws {
        let pilot = month < 12
        if pilot && month % 2 == 1 { return }
        let perBranch = max(1, Int(scale.rounded()))
        let days = calendar.monthRanges[month]
        let label = String(calendar.dateTexts[days.lowerBound].prefix(7))
        for (b, branch) in branches.enumerated() {
            for k in 1...perBranch {
                let day = rng.int(days.lowerBound + 7...days.lowerBound + 24)
                let present = joined(monitorsByBranch[b], by: day)
                guard present.count >= 3 else { continue }
                let id = "ws-\(branch.id)-\(label)" + (perBranch > 1 ? "-\(k)" : "")
                let chosen = rng.sample(min(present.count, rng.int(12...30)), of: present.count).map { present[present.startIndex + $0].id }
                let host = staff(b)
                meeting(b + 1, author: host, id: id, kind: "workshop", title: "Monitors' workshop, \(branch.id), \(label)", day: day,
                        branch: branch.id, attendees: chosen + [host], confirmRate: 0.92)
                // Debate subjects, raised by monitors themselves; some become cases.
                for (index, raiser) in rng.sample(rng.int(2...5), of: chosen.count).map({ chosen[$0] }).enumerated() {
                    let subject = rng.pick(Vocabulary.subjects)
                    emitter.add(b + 1, at: calendar.at(day, minute: 660 + index), author: raiser, .meeting, id, "debateSubjects",
                                element: "\(raiser).\(index + 1)",
                                value: .object(["member": .string(raiser), "subject": .string(subject)]))
                    if rng.chance(0.4) {
                        let reported = min(day + rng.int(1...3), calendar.lastDay)
                        try simulateCase(branch: b, day: reported, source: "workshop", submitter: raiser, creator: raiser, sink)
                    }
                }
                try flush(sink)
            }
        }
    }
}
