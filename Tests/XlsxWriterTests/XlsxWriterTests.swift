import Foundation
import TestSupport
import Testing

@testable import XlsxWriter

@Suite struct WorkbookTests {
    @Test func writesNumbersStringsAndFormulasThatReadBack() throws {
        let tmp = try TemporaryFolder()
        let path = tmp.file("a.xlsx")
        let book = try Workbook(path: path.path)
        let sheet = try book.addWorksheet(named: "数据")
        let money = try book.format(CellStyle(numberFormat: "#,##0.00"))
        try sheet.write(string: "东城街道", row: 0, column: 0)
        try sheet.write(number: 1_205_000.5, row: 0, column: 1, format: money)
        try sheet.write(string: "=HYPERLINK(\"http://x\")", row: 1, column: 0)
        try sheet.write(string: "@SUM(A1)", row: 2, column: 0)
        try sheet.write(number: 2, row: 1, column: 1)
        try sheet.write(formula: "=SUM(B1:B2)", value: 1_205_002.5, row: 2, column: 1)
        try book.close()

        let back = try XlsxReadBack(url: path)
        let s = try #require(back.sheet("数据"))
        #expect(s["A1"]?.value == .string("东城街道"))
        #expect(s["B1"]?.value == .number(1_205_000.5))
        // Text that looks like a formula is stored as text, never as a formula.
        #expect(s["A2"]?.value == .string("=HYPERLINK(\"http://x\")"))
        #expect(s["A2"]?.formula == nil)
        #expect(s["A3"]?.value == .string("@SUM(A1)"))
        #expect(s["A3"]?.formula == nil)
        // A formula carries its computed value.
        #expect(s["B3"]?.formula == "SUM(B1:B2)")
        #expect(s["B3"]?.value == .number(1_205_002.5))
        // The number format is in the styles part.
        let styles = String(decoding: try #require(back.parts["xl/styles.xml"]), as: UTF8.self)
        #expect(styles.contains("#,##0.00"))
    }

    @Test func badSheetNamesThrowInsteadOfCrashing() throws {
        let tmp = try TemporaryFolder()
        let book = try Workbook(path: tmp.file("b.xlsx").path)
        _ = try book.addWorksheet(named: "总览")
        #expect(throws: XlsxError.self) { try book.addWorksheet(named: "总览") }
        #expect(throws: XlsxError.self) { try book.addWorksheet(named: "a[b]") }
        #expect(throws: XlsxError.self) { try book.addWorksheet(named: String(repeating: "长", count: 32)) }
        do {
            _ = try book.addWorksheet(named: "x/y")
            Issue.record("expected an error")
        } catch let error as XlsxError {
            #expect(error.code != nil)
            #expect(error.description.contains("x/y"))
        }
        try book.close()
    }

    @Test func closedWorkbookRefusesWorkAndCloseIsIdempotent() throws {
        let tmp = try TemporaryFolder()
        let book = try Workbook(path: tmp.file("c.xlsx").path)
        let sheet = try book.addWorksheet(named: "S")
        let format = try book.format(CellStyle(bold: true))
        try book.close()
        try book.close()
        #expect(book.isClosed)
        #expect(throws: XlsxError.self) { try sheet.write(number: 1, row: 0, column: 0) }
        #expect(throws: XlsxError.self) { try book.format(CellStyle(italic: true)) }
        #expect(throws: XlsxError.self) { try format.handle(for: "test") }
        #expect(FileManager.default.fileExists(atPath: tmp.file("c.xlsx").path))
    }

    @Test func droppedWorkbookWritesNothing() throws {
        let tmp = try TemporaryFolder()
        do {
            let book = try Workbook(path: tmp.file("d.xlsx").path)
            _ = try book.addWorksheet(named: "S")
        }
        #expect(!FileManager.default.fileExists(atPath: tmp.file("d.xlsx").path))
    }

    @Test func closeReportsAnUnwritableDestination() throws {
        let book = try Workbook(path: "/nonexistent-folder/e.xlsx")
        _ = try book.addWorksheet(named: "S")
        #expect(throws: XlsxError.self) { try book.close() }
        #expect(book.isClosed)
    }

    @Test func cellsOutsideExcelLimitsThrow() throws {
        let tmp = try TemporaryFolder()
        let book = try Workbook(path: tmp.file("f.xlsx").path)
        let sheet = try book.addWorksheet(named: "S")
        #expect(throws: XlsxError.self) { try sheet.write(number: 1, row: Worksheet.maxRows, column: 0) }
        #expect(throws: XlsxError.self) { try sheet.write(number: 1, row: 0, column: Worksheet.maxColumns) }
        #expect(throws: XlsxError.self) {
            try sheet.write(string: String(repeating: "x", count: Worksheet.maxStringLength + 1), row: 0, column: 0)
        }
        try book.close()
    }

    @Test func tablesFreezePanesPrintSetupAndPropertiesAreInTheFile() throws {
        let tmp = try TemporaryFolder()
        let path = tmp.file("g.xlsx")
        let book = try Workbook(path: path.path)
        let sheet = try book.addWorksheet(named: "表")
        for r in 1...3 {
            try sheet.write(string: "d\(r)", row: r, column: 0)
            try sheet.write(number: Double(r), row: r, column: 1)
        }
        try sheet.addTable(firstRow: 0, firstColumn: 0, lastRow: 3, lastColumn: 1, name: "T1", columns: ["镇街", "数值"])
        #expect(throws: XlsxError.self) {
            try sheet.addTable(firstRow: 5, firstColumn: 0, lastRow: 6, lastColumn: 1, columns: ["同比", "同比"])
        }
        try sheet.freezePanes(row: 1, column: 1)
        try sheet.setUpPrinting(repeatRows: 0...0, header: "&C标题", footer: "&C第 &P 页，共 &N 页")
        let created = Date(timeIntervalSince1970: 1_735_689_600)  // 2025-01-01T00:00:00Z
        try book.setProperties(DocumentProperties(title: "标题", author: "统计局", keywords: "人才", created: created))
        try book.close()

        let back = try XlsxReadBack(url: path)
        let s = try #require(back.sheet("表"))
        #expect(s["A1"]?.value == .string("镇街"))
        #expect(s["B4"]?.value == .number(3))
        #expect(s.xml.contains("<pane xSplit=\"1\" ySplit=\"1\""))
        #expect(s.xml.contains("orientation=\"landscape\""))
        #expect(s.xml.contains("fitToWidth=\"1\"") || s.xml.contains("fitToHeight=\"0\""))
        #expect(s.xml.contains("第 &amp;P 页"))
        let table = String(decoding: try #require(back.parts["xl/tables/table1.xml"]), as: UTF8.self)
        #expect(table.contains("ref=\"A1:B4\""))
        #expect(table.contains("name=\"T1\""))
        let core = String(decoding: try #require(back.parts["docProps/core.xml"]), as: UTF8.self)
        #expect(core.contains("<dc:title>标题</dc:title>"))
        #expect(core.contains("2025-01-01T00:00:00Z"))
        let workbookXML = String(decoding: try #require(back.parts["xl/workbook.xml"]), as: UTF8.self)
        #expect(workbookXML.contains("_xlnm.Print_Titles"))
    }

    @Test func sameContentGivesSameBytes() throws {
        let tmp = try TemporaryFolder()
        func make(_ name: String) throws -> Data {
            let book = try Workbook(path: tmp.file(name).path)
            let sheet = try book.addWorksheet(named: "S")
            try sheet.write(string: "x", row: 0, column: 0)
            try book.setProperties(DocumentProperties(title: "t", created: Date(timeIntervalSince1970: 1_700_000_000)))
            try book.close()
            return try Data(contentsOf: tmp.file(name))
        }
        #expect(try make("1.xlsx") == make("2.xlsx"))
    }
}

@Suite struct HelperTests {
    @Test func displayWidthCountsCJKDouble() {
        #expect(DisplayWidth.of("abc") == 3)
        #expect(DisplayWidth.of("东城街道") == 8)
        #expect(DisplayWidth.of("（亿元）") == 8)
        #expect(DisplayWidth.of("a\n东城") == 4)
    }

    @Test func numberWidthFollowsTheFormat() {
        #expect(DisplayWidth.estimate(number: 1_205_000.5, numberFormat: "#,##0.00") == 12)  // 1,205,000.50
        #expect(DisplayWidth.estimate(number: 267_500, numberFormat: "#,##0") == 7)  // 267,500
        #expect(DisplayWidth.estimate(number: 0.1234, numberFormat: "0.0%") == 5)  // 12.3%
    }

    @Test func cellReferences() {
        #expect(CellReference.a1(row: 0, column: 0) == "A1")
        #expect(CellReference.a1(row: 9, column: 25) == "Z10")
        #expect(CellReference.a1(row: 0, column: 26) == "AA1")
        #expect(CellReference.a1(row: 0, column: 16383) == "XFD1")
        #expect(
            CellReference.range(sheet: "O'Brien", firstRow: 0, firstColumn: 1, lastRow: 2, lastColumn: 1)
                == "'O''Brien'!$B$1:$B$3")
    }
}
