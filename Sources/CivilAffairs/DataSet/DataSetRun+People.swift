import SyncCore
/// Members and councils: headquarters staff and the minister, four staff per branch, external
/// monitors (about 20% in the pilot year, the rest joining during the main year, as the team
/// grew from 220 to 1,058), internal monitors with divisions, ten outside experts and a pool
/// of 190 specialists.
extension DataSetRun {
    mutating func members() {
        let t0 = calendar.at(0, minute: 540)
        let registrar = "hq-01"
        func register(_ replica: Int, at: Int64, by author: String, _ id: String, name: String, kind: String,
                      affiliation: String? = nil, branch: String? = nil, division: String? = nil, areas: [String]? = nil) {
            emitter.set(replica, at: at, author: author, .member, id, "name", name)
            emitter.set(replica, at: at, author: author, .member, id, "kind", kind)
            if let affiliation { emitter.set(replica, at: at, author: author, .member, id, "affiliation", affiliation) }
            if let branch { emitter.set(replica, at: at, author: author, .member, id, "branch", branch) }
            if let division { emitter.set(replica, at: at, author: author, .member, id, "division", division) }
            if let areas { emitter.set(replica, at: at, author: author, .member, id, "areas", .array(areas.map(JSONValue.string))) }
            summary.members += 1
        }
        for i in 1...8 {
            let id = "hq-" + Self.pad(i, 2)
            hqStaff.append(id)
            register(Self.hq, at: t0, by: i == 1 ? id : registrar, id, name: name(), kind: "hq", affiliation: "agency",
                     division: ["customer-support", "information-planning", "e-procurement-system"][i % 3])
        }
        register(Self.hq, at: t0, by: registrar, minister, name: "The Minister", kind: "hq", affiliation: "agency")
        summary.staff += hqStaff.count + 1
        let staffPerBranch = max(4, Int((4 * scale.squareRoot()).rounded()))
        for branch in branches {
            var list: [String] = []
            for i in 1...staffPerBranch {
                let id = "stf-\(branch.id)-\(Self.pad(i, 2))"
                list.append(id)
                register(Self.hq, at: t0, by: registrar, id, name: name(), kind: "staff", affiliation: "agency", branch: branch.id,
                         division: "customer-support")
            }
            branchStaff.append(list)
            summary.staff += list.count
        }
        monitorsByBranch = Array(repeating: [], count: branches.count)
        externalByBranch = Array(repeating: [], count: branches.count)
        internalByBranch = Array(repeating: [], count: branches.count)
        let weights = branches.enumerated().map { ($0.offset, $0.element.weight) }
        let mainStart = calendar.monthRanges[12].lowerBound
        let externals = scaled(940, minimum: 24)
        for i in 1...externals {
            let b = rng.weighted(weights)
            // 20% in the pilot year's first quarter, 35% in the main year's first quarter, the rest by September.
            let share = Double(i) / Double(externals)
            let joinDay = share <= 0.2 ? rng.int(0...89) : share <= 0.55 ? mainStart + rng.int(0...89) : mainStart + rng.int(90...272)
            let id = "ext-" + Self.pad(i, 5)
            let areaCount = rng.int(1...2)
            let areas = Array(Set((0..<areaCount).map { _ in rng.weighted(Vocabulary.areaWeights) })).sorted()
            let affiliation = rng.weighted([("citizen", 0.4), ("supplier", 0.4), ("public-organisation", 0.2)])
            register(b + 1, at: calendar.at(joinDay, minute: workMinute()), by: branchStaff[b][0], id, name: name(),
                     kind: "external-monitor", affiliation: affiliation, branch: branches[b].id, areas: areas)
            externalByBranch[b].append(Monitor(id: id, joinDay: joinDay))
        }
        summary.externalMonitors = externals
        let internals = scaled(60, minimum: 24)
        for i in 1...internals {
            let b = (i - 1) % branches.count
            let joinDay = rng.int(0...20)
            let id = "int-" + Self.pad(i, 4)
            register(Self.hq, at: calendar.at(joinDay, minute: workMinute()), by: registrar, id, name: name(), kind: "internal-monitor",
                     affiliation: "agency", branch: branches[b].id, division: Vocabulary.divisions[(i - 1) % Vocabulary.divisions.count])
            internalByBranch[b].append(Monitor(id: id, joinDay: joinDay))
        }
        summary.internalMonitors = internals
        for b in branches.indices {
            externalByBranch[b].sort { ($0.joinDay, $0.id) < ($1.joinDay, $1.id) }
            internalByBranch[b].sort { ($0.joinDay, $0.id) < ($1.joinDay, $1.id) }
            monitorsByBranch[b] = (externalByBranch[b] + internalByBranch[b]).sorted { ($0.joinDay, $0.id) < ($1.joinDay, $1.id) }
        }
        for i in 1...10 {
            let id = "exp-" + Self.pad(i, 2)
            experts.append(id)
            register(Self.hq, at: t0, by: registrar, id, name: name(), kind: "expert", affiliation: ["academia", "ngo", "law-firm"][i % 3])
        }
        for i in 1...190 {
            let id = "spc-" + Self.pad(i, 3)
            specialists.append(id)
            register(Self.hq, at: t0, by: registrar, id, name: name(), kind: "expert",
                     affiliation: rng.pick(["academia", "ngo", "law-firm", "citizen", "supplier"]))
        }
        summary.experts = experts.count + specialists.count
    }

    mutating func councils() {
        let t0 = calendar.at(0, minute: 600)
        let ministers = [minister, "hq-01"] + rng.sample(10, of: specialists.count).map { specialists[$0] }
        let specs: [(String, String, [String])] = [
            ("council-practical", "Practical Council of Restructuring Public Affairs and Systems", Array(hqStaff.prefix(4)) + branchStaff.prefix(5).map { $0[0] }),
            ("council-experts", "Consultation of Restructuring Public Affairs and Systems", experts),
            ("council-ministers", "Council of Countermeasure against Public Grievance", ministers),
            ("council-budget", "Budget Execution Committee", Array(hqStaff.prefix(5))),
            ("council-disputes", "Consultation of Arbitrating Dispute", Array(hqStaff.prefix(3)) + Array(experts.prefix(2))),
        ]
        for (id, name, members) in specs {
            emitter.set(Self.hq, at: t0, author: "hq-01", .council, id, "name", name)
            for member in members { emitter.add(Self.hq, at: t0, author: "hq-01", .council, id, "members", element: member) }
            councilMembers[id] = members
        }
        summary.councils = specs.count
    }
}
