import FieldClient
import Foundation
import SyncCore
import Testing

@Suite("CSV writer (RFC 4180)")
struct CSVTableTests {
    @Test func fieldsAreQuotedOnlyWhenNeeded() {
        #expect(CSVTable.escape("plain") == "plain")
        #expect(CSVTable.escape("") == "")
        #expect(CSVTable.escape("a,b") == "\"a,b\"")
        #expect(CSVTable.escape("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(CSVTable.escape("line 1\nline 2") == "\"line 1\nline 2\"")
        #expect(CSVTable.escape("cr\r") == "\"cr\r\"")
        #expect(CSVTable.escape(" spaces stay ") == " spaces stay ")
        #expect(CSVTable.escape("서울, 부산") == "\"서울, 부산\"")
    }

    @Test func tablesEndEveryRecordWithCRLFAndParseBack() throws {
        let table = CSVTable(header: ["ref", "title", "n"], rows: [
            ["BSN-2025-0001", "Refunds, \"slow\"\nreally", "3"],
            ["SEL-2025-0002", "", "-12.5"],
        ])
        #expect(table.text == "ref,title,n\r\nBSN-2025-0001,\"Refunds, \"\"slow\"\"\nreally\",3\r\nSEL-2025-0002,,-12.5\r\n")
        #expect(try CSVTable.parse(table.text) == [table.header] + table.rows)
        // LF line endings and a missing final newline read the same.
        #expect(try CSVTable.parse("a,b\nc,\"d\ne\"") == [["a", "b"], ["c", "d\ne"]])
        #expect(throws: SyncError.self) { try CSVTable.parse("a,\"open") }
        #expect(throws: SyncError.self) { try CSVTable.parse("a,b\"c") }
    }

    @Test func reportCSVKeepsAwkwardTitlesIntact() throws {
        let (hq, _) = try makeReplica("hq1", role: .hq, prefix: "HQ", seed: 71, on: "2026-03-02")
        let title = "Refunds, \"slow\"\nin Busan"
        let made = try hq.createCase(NewCase(title: title, body: "b", area: "goods", cause: "process", reportedOn: "2026-03-02"))
        try hq.decide(made.id, accept: true, reason: "ok")
        try hq.editCase(made.id, CaseEdit(budgetPriority: 4))
        let text = try hq.renderReport(.budget, HQReports(period: .year(2026), now: at("2026-03-02")), as: .csv)
        let rows = try CSVTable.parse(text)
        #expect(rows.count == 2)
        #expect(rows[1][3] == title && rows[1][9] == "4")
    }
}
