import SyncCore
/// Cases and their way up the ladder: reported, routed by cause, acknowledged and examined;
/// then, at the meeting of their step (the weekly meeting decides at once; councils vote on a
/// motion), accepted, rejected, escalated one step, or at the top referred onward. Accepted
/// tasks get a budget priority at the next budget execution committee and are often
/// implemented; most submitters are told the result, more often as the year goes on.
extension DataSetRun {
    /// Cases reported per month: about 450 in the pilot year and 1,500 in the main year
    /// (plus those born at workshops), growing month by month.
    func caseCount(month: Int) -> Int {
        month < 12 ? scaled(30 + 1.5 * Double(month), minimum: 1) : scaled(80 + 8 * Double(month - 12), minimum: 1)
    }

    mutating func cases(month: Int, _ sink: Sink) throws {
        let days = calendar.monthRanges[month]
        let weights = branches.enumerated().map { ($0.offset, $0.element.weight) }
        for _ in 0..<caseCount(month: month) {
            let b = rng.weighted(weights)
            let day = rng.int(days.lowerBound...days.upperBound)
            var source = rng.weighted(Vocabulary.sourceWeights)
            var submitter: String
            switch source {
            case "external-monitor", "internal-monitor":
                let pool = joined(source == "external-monitor" ? externalByBranch[b] : internalByBranch[b], by: day)
                if pool.isEmpty {
                    source = "division"
                    submitter = staff(b)
                } else {
                    submitter = pool[pool.startIndex + rng.int(0...pool.count - 1)].id
                }
            default:
                submitter = staff(b)
            }
            let creator = source.hasSuffix("monitor") ? submitter : staff(b)
            try simulateCase(branch: b, day: day, source: source, submitter: submitter, creator: creator, sink)
            try flush(sink)
        }
    }

    mutating func simulateCase(branch b: Int, day: Int, source: String, submitter: String, creator: String, _ sink: Sink) throws {
        let branch = branches[b]
        let replica = b + 1
        caseCounter[b] += 1
        let id = "case-\(branch.code.lowercased())-\(Self.pad(caseCounter[b], 6))"
        let year = calendar.dates[day].year
        refCounter[b * 10_000 + year, default: 0] += 1
        let ref = "\(branch.code)-\(year)-\(Self.pad(refCounter[b * 10_000 + year]!, 4))"
        let area = rng.weighted(Vocabulary.areaWeights)
        let cause = rng.weighted(Vocabulary.causeWeights(area: area))
        let t0 = calendar.at(day, minute: workMinute())
        let fields: [(String, String)] = [
            ("ref", ref), ("title", rng.pick(Vocabulary.titles[area]!)), ("body", rng.pick(Vocabulary.bodies)), ("area", area),
            ("cause", cause), ("source", source), ("submitter", submitter), ("branch", branch.id), ("reportedOn", calendar.dateTexts[day]),
        ]
        for (field, value) in fields { emitter.set(replica, at: t0, author: creator, .case, id, field, value) }
        if rng.chance(0.5) { emitter.set(replica, at: t0, author: creator, .case, id, "priority", .int(Int64(rng.int(1...9)))) }
        summary.cases += 1
        if year == mainYear { summary.casesInYear += 1 }

        // Routed by cause, acknowledged, examined, perhaps discussed.
        let clerk = staff(b)
        var entryDay = day + rng.int(0...2)
        var step = Int(routing.causes[cause] ?? 1)
        guard entryDay <= calendar.lastDay,
              emitter.emit(replica, at: calendar.at(entryDay, minute: workMinute()), author: clerk, .case, id, "step",
                           kind: .max, value: .int(Int64(step))) != nil
        else { return }
        if rng.chance(0.8) { emitter.reach(replica, at: calendar.at(entryDay + rng.int(1...4), minute: workMinute()), author: clerk, .case, id, "agency-responsible") }
        if rng.chance(0.85) { emitter.reach(replica, at: calendar.at(entryDay + rng.int(3...12), minute: workMinute()), author: clerk, .case, id, "examined") }
        if rng.chance(0.25) {
            emitter.emit(replica, at: calendar.at(entryDay + rng.int(1...10), minute: workMinute()), author: clerk, .case, id, "comments",
                         kind: .append, value: .string(rng.pick(Vocabulary.comments)))
        }

        // Up the ladder until decided, referred, or the simulated period ends.
        var submitted = false
        var ready = entryDay + prepDays(step)
        var attempts = 0
        while true {
            let kind = Self.meetingKindOfStep[step]!
            guard let meetingDay = DataSetCalendar.next(schedule[kind] ?? [], onOrAfter: ready) else { return }
            let meeting = meetingID[kind]![meetingDay]!
            let outcome = rng.weighted(outcomes(step: step))
            let decidedAt: Int64
            let decider = rng.pick(hqStaff)
            if step == 1 {
                emitter.add(Self.hq, at: calendar.at(max(entryDay, meetingDay - 1), minute: 600), author: decider, .meeting, meeting,
                            "agenda", element: id)
                decidedAt = calendar.at(meetingDay, minute: 660)
            } else {
                attempts += 1
                let passed = motion(case: id, step: step, attempt: attempts, action: outcome, meeting: meeting, meetingDay: meetingDay,
                                    created: max(entryDay, meetingDay - 3), reachSubmitted: !submitted, author: decider)
                submitted = true
                if !passed && attempts < 3 {
                    ready = meetingDay + 1
                    continue
                }
                decidedAt = calendar.at(meetingDay, minute: 930)
            }
            switch outcome {
            case "escalate":
                step += 1
                guard emitter.emit(Self.hq, at: decidedAt, author: decider, .case, id, "step", kind: .max, value: .int(Int64(step))) != nil
                else { return }
                entryDay = meetingDay
                ready = entryDay + prepDays(step)
                attempts = 0
                continue
            case "refer":
                emitter.set(Self.hq, at: decidedAt, author: decider, .case, id, "referredTo", routing.referral)
                guard emitter.reach(Self.hq, at: decidedAt, author: decider, .case, id, "referred") else { return }
            default:
                let accepted = outcome == "accept"
                guard emitter.reach(Self.hq, at: decidedAt, author: decider, .case, id, accepted ? "accepted" : "rejected") else { return }
                let reason = step == 1 && accepted ? Vocabulary.reasons["immediate"]! : Vocabulary.reasons[outcome]!
                emitter.set(Self.hq, at: decidedAt, author: decider, .case, id, "decisionReason", reason)
                if accepted { budgetAndImplementation(case: id, replica: replica, acceptedDay: meetingDay, clerk: clerk) }
            }
            // Reported back to the submitter, more reliably as the main year goes on.
            let notifyRate = calendar.dates[meetingDay].year == mainYear ? 0.80 + 0.17 * min(1, progress(meetingDay) * 1.5) : 0.75
            if rng.chance(notifyRate) {
                emitter.reach(replica, at: calendar.at(meetingDay + rng.int(1...14), minute: workMinute()), author: clerk, .case, id,
                              "result-notified")
            }
            return
        }
    }

    /// Days of preparation before a step's meeting can take a case up.
    mutating func prepDays(_ step: Int) -> Int {
        switch step {
        case 1: rng.int(1...6)
        case 2: rng.int(5...20)
        case 3: rng.int(10...30)
        default: rng.int(10...40)
        }
    }

    func outcomes(step: Int) -> [(String, Double)] {
        switch step {
        case 1: [("accept", 0.55), ("reject", 0.20), ("escalate", 0.25)]
        case 2: [("accept", 0.50), ("reject", 0.20), ("escalate", 0.30)]
        case 3: [("accept", 0.45), ("reject", 0.25), ("escalate", 0.30)]
        default: [("accept", 0.45), ("reject", 0.20), ("refer", 0.35)]
        }
    }

    /// A motion at a council meeting: created a few days before, voted by most of the council
    /// (each member casts their own vote), closed after the meeting. Returns whether it passed.
    mutating func motion(case caseID: String, step: Int, attempt: Int, action: String, meeting: String, meetingDay: Int,
                         created: Int, reachSubmitted: Bool, author: String) -> Bool {
        let council = Self.councilOfStep[step]!
        let electorate = councilMembers[council]!
        let quorum = electorate.count / 2 + 1
        let id = "mo-\(caseID.dropFirst(5))-\(step)-\(attempt)"
        let t = calendar.at(created, minute: 600)
        emitter.set(Self.hq, at: t, author: author, .motion, id, "case", caseID)
        emitter.set(Self.hq, at: t, author: author, .motion, id, "council", council)
        emitter.set(Self.hq, at: t, author: author, .motion, id, "action", action)
        emitter.set(Self.hq, at: t, author: author, .motion, id, "quorum", .int(Int64(quorum)))
        emitter.set(Self.hq, at: t, author: author, .motion, id, "meeting", meeting)
        emitter.add(Self.hq, at: t, author: author, .meeting, meeting, "agenda", element: caseID)
        if reachSubmitted { emitter.reach(Self.hq, at: t, author: author, .case, caseID, "submitted-to-council") }
        summary.motions += 1
        var yes = 0, no = 0
        var cast: [OperationID] = []
        let voters = rng.sample(rng.int(quorum...electorate.count), of: electorate.count).map { electorate[$0] }
        for (index, voter) in voters.enumerated() {
            let choice = rng.weighted([("yes", 0.75), ("no", 0.17), ("abstain", 0.08)])
            if choice == "yes" { yes += 1 } else if choice == "no" { no += 1 }
            if let vote = emitter.emit(Self.hq, at: calendar.at(meetingDay, minute: 600 + index), author: voter, .motion, id, "votes",
                                       key: voter, kind: .set, value: .string(choice)) {
                summary.votes += 1
                cast.append(vote)
            }
        }
        // The closing seals the votes it saw: all of them, cast at the meeting before it.
        emitter.reach(Self.hq, at: calendar.at(meetingDay, minute: 900), author: author, .motion, id, "closed", sealing: cast)
        return yes > no
    }

    /// Accepted tasks: a budget priority at the next budget execution committee (which numbers
    /// the tasks it ranks 1, 2, 3…), and often implementation within a few months.
    mutating func budgetAndImplementation(case id: String, replica: Int, acceptedDay: Int, clerk: String) {
        if rng.chance(0.85), let day = DataSetCalendar.next(schedule["budget-execution"] ?? [], onOrAfter: acceptedDay + 1) {
            let priority = (budgetPriorityNext[day] ?? 0) + 1
            budgetPriorityNext[day] = priority
            let t = calendar.at(day, minute: 840)
            let meeting = meetingID["budget-execution"]![day]!
            emitter.add(Self.hq, at: t, author: "hq-01", .meeting, meeting, "agenda", element: id)
            emitter.set(Self.hq, at: t, author: "hq-01", .case, id, "budgetPriority", .int(Int64(priority)))
        }
        if rng.chance(0.6) {
            emitter.reach(replica, at: calendar.at(acceptedDay + rng.int(20...150), minute: workMinute()), author: clerk, .case, id, "implemented")
        }
    }
}
