import Foundation
import Testing

@testable import XlsxReader

/// Collects a part's events as text, to compare scans.
private struct Recorder: XMLScanner.Handler {
    var events: [String] = []
    var wantsText: Bool { true }
    mutating func start(_ name: String, _ attributes: [String: String]) throws {
        events.append(
            "<\(name) \(attributes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))>")
    }
    mutating func end(_ name: String) throws { events.append("</\(name)>") }
    mutating func text(_ text: String) throws {
        if events.last?.hasPrefix("#") == true { events[events.count - 1] += text } else { events.append("#" + text) }
    }
}

@Suite struct XMLScannerTests {
    static let document = """
        <?xml version="1.0" encoding="UTF-8"?>
        <!-- a comment with <c> inside -->
        <x:sheetData xmlns:x="urn:x"><x:row r="1" spans='1:2'><x:c r="A1" t="inlineStr"><x:is><x:t>东城 &amp; 南城 &lt;&#x4E1C;&#20013;&gt; &quot;&apos;</x:t></x:is></x:c>
        <x:c r="B1"><x:v>1.5</x:v></x:c><x:c r="C1"><x:v><![CDATA[a<b]]></x:v></x:c><x:c r="D1"/></x:row></x:sheetData>
        """

    func scan(_ bytes: [UInt8], chunk: Int) throws -> [String] {
        var scanner = XMLScanner()
        var recorder = Recorder()
        var i = 0
        while i < bytes.count {
            try scanner.feed(bytes[i..<min(bytes.count, i + chunk)], to: &recorder)
            i += chunk
        }
        try scanner.finish(&recorder)
        return recorder.events
    }

    /// The same events whatever the chunk boundaries (one byte at a time included).
    @Test(arguments: [1, 2, 3, 7, 64, 100_000])
    func chunkBoundariesDoNotMatter(chunk: Int) throws {
        let bytes = Array(Self.document.utf8)
        let events = try scan(bytes, chunk: chunk)
        #expect(events == (try scan(bytes, chunk: bytes.count)))
        #expect(events.contains("#东城 & 南城 <东中> \"'"))
        #expect(events.contains("<row r=1 spans=1:2>"))
        #expect(events.contains("#a<b"))
        #expect(events.contains("<c r=D1>") && events.contains("</c>"))
    }

    @Test(arguments: [
        ("<a><b></a>", "inside <b>"), ("<a>", "still open"), ("</a>", "without its start"),
        ("<a b=1/>", "without quotes"),
        ("<a>&bogus;</a>", "unknown character reference"), ("<!DOCTYPE a [<!ENTITY x 'y'>]><a/>", "document type"),
        ("<a", "inside markup"), ("<a>&#xD800;</a>", "unknown character reference"),
    ])
    func malformedXMLIsReportedNotGuessed(text: String, phrase: String) throws {
        do {
            _ = try scan(Array(text.utf8), chunk: 3)
            Issue.record("\(text) was accepted")
        } catch let failure as XMLScanner.Failure {
            #expect(failure.description.contains(phrase), "\(text): \(failure.description)")
        }
    }
}

@Suite struct CellValueTests {
    /// Excel's precision: 15 significant digits; what a writer stored within it is kept as written.
    @Test(arguments: [
        ("28776.21", "28776.21"), ("0.30000000000000004", "0.3"), ("1.5E3", "1500"), ("1E-3", "0.001"),
        ("273787", "273787"), ("100.50", "100.5"), ("123456789012345678", "123456789012345678"),
        ("914419001234567891", "914419001234567891"),
        ("1.23456789012345678E17", "123456789012346000"), ("-0", "0"), ("-0.0", "0"), ("007", "7"),
        ("2.6750000000000001E5", "267500"), ("0", "0"), ("-0.1", "-0.1"), ("9.9999999999999995E-7", "0.000001"),
    ])
    func numbersReadAsExcelShowsThem(raw: String, shown: String) {
        #expect(SheetHandler.decimal(raw, Double(raw)!) == shown)
    }

    /// Serials by hand: 1 = 1900-01-01, 59 = 1900-02-28, 60 = the 29 February 1900 Excel counts,
    /// 61 = 1900-03-01, 45627 = 2024-12-01; in the 1904 system 0 = 1904-01-01.
    @Test func dateSerialsInBothSystems() {
        #expect(SheetHandler.calendarDay(1, date1904: false)! == (1900, 1, 1))
        #expect(SheetHandler.calendarDay(59, date1904: false)! == (1900, 2, 28))
        #expect(SheetHandler.calendarDay(60, date1904: false)! == (1900, 2, 29))
        #expect(SheetHandler.calendarDay(61, date1904: false)! == (1900, 3, 1))
        #expect(SheetHandler.calendarDay(45627, date1904: false)! == (2024, 12, 1))
        #expect(SheetHandler.calendarDay(45657.75, date1904: false)! == (2024, 12, 31))
        #expect(SheetHandler.calendarDay(45626.99999999999, date1904: false)! == (2024, 12, 1))
        #expect(SheetHandler.calendarDay(0, date1904: true)! == (1904, 1, 1))
        #expect(SheetHandler.calendarDay(44165, date1904: true)! == (2024, 12, 1))
    }

    @Test func dateFormatsAreToldFromNumberFormats() {
        for code in ["yyyy\"年\"m\"月\"", "yyyy/mm/dd", "[$-804]yyyy-mm", "m/d/yy h:mm", "mmm-yy"] {
            #expect(XlsxDocument.isDateFormat(code), "\(code)")
        }
        for code in ["General", "0.00", "#,##0", "0.00E+00", "0.0\"m\"", "[Red]0.00", "\\d0"] {
            #expect(!XlsxDocument.isDateFormat(code), "\(code)")
        }
        #expect(XlsxDocument.isBuiltInDate(14) && XlsxDocument.isBuiltInDate(31) && !XlsxDocument.isBuiltInDate(4))
    }

    @Test func onlyWhatWritersStoreIsANumber() {
        for text in ["7", "-7", "0.5", "1.5E3", "1e-3", "2.6750000000000001E5", ".5", "5."] {
            #expect(SheetHandler.isNumberText(text), "\(text)")
        }
        for text in ["+7", "0x10", "NaN", "inf", "1E", "1E+", "--1", "1,000", "", "-", ".", "7 "] {
            #expect(!SheetHandler.isNumberText(text), "\(text)")
        }
    }

    @Test func cellReferences() {
        #expect(SheetHandler.parseReference("A1")! == (1, 1))
        #expect(SheetHandler.parseReference("$AB$12")! == (28, 12))
        #expect(SheetHandler.parseReference("XFD1048576")! == (16384, 1_048_576))
        #expect(SheetHandler.parseReference("1A") == nil)
        #expect(SheetHandler.parseReference("A") == nil)
    }
}
