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

    @Test("cells a spreadsheet would run as formulas get a leading quote; signed numbers stay numbers")
    func formulaCellsAreNeutralised() throws {
        #expect(CSVTable.escape("=HYPERLINK(\"http://x\",\"y\")") == "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"")
        #expect(CSVTable.escape("+cmd|' /C calc'!A0") == "'+cmd|' /C calc'!A0")
        #expect(CSVTable.escape("-2+3+cmd|' /C calc'!A0") == "'-2+3+cmd|' /C calc'!A0")
        #expect(CSVTable.escape("@SUM(1+1)*cmd|' /C calc'!A0") == "'@SUM(1+1)*cmd|' /C calc'!A0")
        #expect(CSVTable.escape("\t=1+1") == "'\t=1+1")
        #expect(CSVTable.escape("\r=1+1") == "\"'\r=1+1\"")
        #expect(CSVTable.escape("=1,2") == "\"'=1,2\"")
        #expect(CSVTable.escape("-") == "'-")
        #expect(CSVTable.escape("-12.5x") == "'-12.5x")
        #expect(CSVTable.escape("1.") == "1.")
        // Plain numbers, signed or not, and text with a trigger further in are left alone.
        for number in ["-12.5", "+3", "-0.0", "42", "7.25"] { #expect(CSVTable.escape(number) == number) }
        for text in ["a=b", "Kim -ji", "x@y.org", " =spaced"] { #expect(CSVTable.escape(text) == text) }
        // Through a whole table the neutralised text parses back with its quote.
        let table = CSVTable(header: ["name", "division", "n"], rows: [["=1+1", "@team", "-3.5"]])
        #expect(table.text == "name,division,n\r\n'=1+1,'@team,-3.5\r\n")
        #expect(try CSVTable.parse(table.text) == [["name", "division", "n"], ["'=1+1", "'@team", "-3.5"]])
    }

    @Test func reportCSVNeutralisesFormulaTitles() throws {
        let (hq, _) = try makeReplica("hq1", role: .hq, prefix: "HQ", seed: 72, on: "2026-03-02")
        let title = "=HYPERLINK(\"http://evil.example\",\"Refunds\")"
        let made = try hq.createCase(NewCase(title: title, body: "b", area: "goods", cause: "process", reportedOn: "2026-03-02"))
        try hq.decide(made.id, accept: true, reason: "ok")
        try hq.editCase(made.id, CaseEdit(budgetPriority: 4))
        let text = try hq.renderReport(.budget, HQReports(period: .year(2026), now: at("2026-03-02")), as: .csv)
        let rows = try CSVTable.parse(text)
        #expect(rows.count == 2)
        #expect(rows[1][3] == "'" + title && rows[1][9] == "4")
        // JSON carries the title as it is: only the spreadsheet format needs the guard.
        let json = try hq.renderReport(.budget, HQReports(period: .year(2026), now: at("2026-03-02")), as: .json)
        #expect(json.contains("=HYPERLINK(") && !json.contains("'=HYPERLINK("))
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
