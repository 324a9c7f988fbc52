import ArgumentParser
import FieldClient

struct MeetingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "meeting",
        abstract: "Meetings: agenda, attendance, confirmation and debate subjects.",
        discussion: """
        Kinds: weekly-satisfaction, practical-council, expert-consultation, ministers-council,
        budget-execution, workshop, dispute-arbitration.

        Examples:
          field meeting create --id ws-0314 --kind workshop --title "Goods workshop" --date 2026-03-14
          field meeting attend ws-0314 lee park
          field meeting confirm ws-0314 lee park
          field meeting subject ws-0314 --member lee --subject "Bid bond refunds"
        """,
        subcommands: [MeetingCreate.self, MeetingList.self, MeetingShow.self, MeetingAgenda.self, MeetingAttend.self,
                      MeetingUnattend.self, MeetingConfirm.self, MeetingSubject.self, MeetingAttach.self])
}

func printMeeting(_ m: MeetingView) {
    print("\(m.id)  \(m.title.orDash)")
    print("kind:   \(m.kind.orDash)    date: \(m.date.orDash)    branch: \(m.branch.orDash)")
    print("agenda: \(m.agenda.isEmpty ? "-" : m.agenda.joined(separator: ", "))")
    print("attendance:")
    for a in m.attendance {
        // The day is shown only when it is not the meeting's (a date of record given with --on).
        let day = a.attendedOn.flatMap { $0 == m.date ? nil : " on \($0)" } ?? ""
        print("  \(a.member)\(a.confirmed ? " (confirmed)" : "")\(day)")
    }
    if m.attendance.isEmpty { print("  (none)") }
    print("debate subjects:")
    for s in m.debateSubjects { print("  \(s.member): \(s.subject)") }
    if m.debateSubjects.isEmpty { print("  (none)") }
}
