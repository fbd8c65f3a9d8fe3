import Foundation
import TestSupport
import Testing

@testable import XlsxWriter

/// Whatever text a caller passes, every XML part of the workbook stays well-formed, and cell text
/// reads back exactly (after Excel's `_xHHHH_` decoding).
@Suite struct XMLSafetyTests {
    /// Every class XML 1.0 forbids or discourages, its allowed neighbours, and a literal escape.
    static let nasty =
        "a\u{0}b\u{1}c\u{8}\u{B}\u{C}\u{E}\u{1F}d\te\nf\rg\u{7F}\u{85}\u{9F}h\u{FFFE}i\u{FFFF}j"
        + "_x0041_k_x005F_l_xZZ41_m\u{D7FF}\u{E000}\u{FFFD}\u{10000}\u{10FFFF}n东"

    @Test func cellEscapingIsTheOOXMLEscapeComputedByHand() {
        #expect(
            XMLText.safe("_x0041_\u{1}\r\u{FFFE}\u{85}\u{0}", as: .cell)
                == "_x005F_x0041__x0001__x000D__xFFFE__x0085__x0000_")
        #expect(XMLText.safe("_X0041_ _x004_ _x00G1_ a\tb\nc", as: .cell) == "_X0041_ _x004_ _x00G1_ a\tb\nc")
        #expect(
            XMLText.safe("a\u{0}\u{1}\r\u{FFFF}\u{9F}\u{D7FF}\u{E000}\u{10FFFF}", as: .plain)
                == "a\u{FFFD}\u{FFFD}\r\u{FFFD}\u{FFFD}\u{D7FF}\u{E000}\u{10FFFF}")
        #expect(XMLText.safe("plain 文本", as: .plain) == "plain 文本")
        #expect(XlsxReadBack.decodingEscapes(XMLText.safe(Self.nasty, as: .cell)) == Self.nasty)
    }

    @Test func everyPartIsWellFormedAndCellsRoundTrip() throws {
        do {
            let constantMemory = false
            let tmp = try TemporaryFolder()
            let url = tmp.file("nasty.xlsx")
            let nasty = Self.nasty
            let book = try Workbook(path: url.path, constantMemory: constantMemory)
            try book.setProperties(
                DocumentProperties(
                    title: "标题" + nasty, subject: nasty, author: nasty, manager: nasty, company: nasty,
                    category: nasty, keywords: nasty, comments: nasty,
                    created: Date(timeIntervalSince1970: 1_735_689_600)))
            let rawName = "表\u{1}\u{FFFE}\u{0}"
            let sheet = try book.addWorksheet(named: rawName)
            #expect(sheet.name == "表\u{FFFD}\u{FFFD}\u{FFFD}")
            #expect(book.sheetNames == [sheet.name])
            let format = try book.format(CellStyle(fontName: "宋体\u{1}", numberFormat: "0.00\u{FFFF}"))
            try sheet.addTable(
                firstRow: 0, firstColumn: 0, lastRow: 2, lastColumn: 2, name: "T\u{1}able",
                columns: ["列\u{1}", "列\u{FFFE}_x0041_", "列\u{0}y\u{D7FF}"])
            try sheet.write(string: nasty, row: 1, column: 0)
            try sheet.write(string: "_x0041_", row: 1, column: 1)
            try sheet.write(number: 1, row: 1, column: 2, format: format)
            try sheet.write(string: "\u{FFFF}", row: 2, column: 0)
            try sheet.write(string: "\u{0}", row: 2, column: 1)
            try sheet.write(number: 2, row: 2, column: 2)
            try sheet.write(formula: "=\"a\u{1}\"&\"\u{FFFE}\"", value: 0, row: 3, column: 0)
            try sheet.writeLink(toSheet: rawName, cell: "A1", text: "链接" + nasty, row: 4, column: 0)
            try sheet.setUpPrinting(header: "&C页眉" + nasty, footer: "&R\u{FFFF}&P\u{0}")
            let chart = try Chart(workbook: book, kind: .column)
            try chart.addSeries(
                name: "系列" + nasty,
                categories: CellReference.range(sheet: rawName, firstRow: 1, firstColumn: 0, lastRow: 2, lastColumn: 0),
                values: CellReference.range(sheet: rawName, firstRow: 1, firstColumn: 2, lastRow: 2, lastColumn: 2))
            try chart.setTitle("图" + nasty)
            try chart.setAxes(categoryName: "轴" + nasty, valueName: "值\u{FFFE}", valueFormat: "#,##0\u{1}")
            try sheet.insert(chart: chart, row: 6, column: 0)
            try book.close()

            let malformed = try XlsxReadBack.malformedXMLParts(at: url)
            print("constantMemory \(constantMemory): malformed parts \(malformed)")
            #expect(malformed == [], "constantMemory \(constantMemory)")
            let back = try XlsxReadBack(url: url)
            let s = try #require(back.sheet("表\u{FFFD}\u{FFFD}\u{FFFD}"))
            func text(_ ref: String) -> String? {
                if case .string(let t)? = s[ref]?.value { return XlsxReadBack.decodingEscapes(t) }
                return nil
            }
            #expect(text("A2") == nasty)
            #expect(text("B2") == "_x0041_")
            #expect(text("A3") == "\u{FFFF}")
            #expect(text("B3") == "\u{0}")
            #expect(text("A1") == "列\u{FFFD}")
            #expect(text("B1") == "列\u{FFFD}_x0041_")
            #expect(text("C1") == "列\u{FFFD}y\u{D7FF}")
            #expect(text("A5") == "链接" + XMLText.safe(nasty, as: .plain))
            #expect(s.xml.contains("页眉a\u{FFFD}b\u{FFFD}c"))
            let core = String(decoding: try #require(back.parts["docProps/core.xml"]), as: UTF8.self)
            #expect(core.contains("标题a\u{FFFD}b\u{FFFD}c"))
            #expect(core.contains("2025-01-01T00:00:00Z"))
            let charts = back.parts.filter { $0.key.hasPrefix("xl/charts/") }.map {
                String(decoding: $0.value, as: UTF8.self)
            }
            #expect(
                charts.contains { $0.contains("图a\u{FFFD}b") && $0.contains("'表\u{FFFD}\u{FFFD}\u{FFFD}'!$A$2:$A$3") })
            // Nothing forbidden is left anywhere in the package's XML.
            for (path, data) in back.parts where path.hasSuffix(".xml") || path.hasSuffix(".rels") {
                let found = String(decoding: data, as: UTF8.self).unicodeScalars.filter { XMLText.isUnsafe($0) }
                #expect(found.isEmpty, "\(path): \(found.map { String($0.value, radix: 16) })")
            }
        }
    }

    @Test func inlineStringsOfConstantMemoryModeRoundTripToo() throws {
        let tmp = try TemporaryFolder()
        let url = tmp.file("inline.xlsx")
        let book = try Workbook(path: url.path, constantMemory: true)
        let sheet = try book.addWorksheet(named: "S\u{FFFF}")
        try sheet.write(string: Self.nasty, row: 0, column: 0)
        try sheet.write(string: "_x0041_", row: 1, column: 0)
        try book.close()
        let malformed = try XlsxReadBack.malformedXMLParts(at: url)
        print("constant memory: malformed parts \(malformed)")
        #expect(malformed == [])
        let s = try #require(try XlsxReadBack(url: url).sheet("S\u{FFFD}"))
        #expect(s.xml.contains("t=\"inlineStr\""))
        guard case .string(let a1)? = s["A1"]?.value, case .string(let a2)? = s["A2"]?.value else {
            Issue.record("no text in A1/A2")
            return
        }
        #expect(XlsxReadBack.decodingEscapes(a1) == Self.nasty)
        #expect(XlsxReadBack.decodingEscapes(a2) == "_x0041_")
    }

    @Test func tableHeadersMadeEqualBySanitizingAreRefused() throws {
        let tmp = try TemporaryFolder()
        let book = try Workbook(path: tmp.file("dup.xlsx").path)
        let sheet = try book.addWorksheet(named: "S")
        #expect(throws: XlsxError.self) {
            try sheet.addTable(firstRow: 0, firstColumn: 0, lastRow: 1, lastColumn: 1, columns: ["a\u{1}", "a\u{2}"])
        }
        try book.close()
    }

    @Test func pathsWithNULAreRefusedNotCut() {
        #expect(throws: XlsxError.self) { _ = try Workbook(path: "/tmp/a\u{0}b.xlsx") }
    }

    /// The rule that keeps this true for future APIs: only XMLText.swift makes C strings.
    @Test func onlyXMLTextMakesCStrings() throws {
        let folder = Binary.packageRoot.appendingPathComponent("Sources/XlsxWriter")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".swift") }
        #expect(files.contains("Worksheet.swift"))
        for file in files where file != "XMLText.swift" {
            let source = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            for line in source.split(separator: "\n") where !line.contains("XMLText.") {
                #expect(!line.contains("withCString") && !line.contains("strdup("), "\(file): \(line)")
            }
        }
    }
}
