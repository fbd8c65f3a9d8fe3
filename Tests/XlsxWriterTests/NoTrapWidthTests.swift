import Foundation
import TestSupport
import Testing

@testable import XlsxWriter

/// Numbers and dates of any size are written, measured and stamped without trapping.
@Suite struct NoTrapWidthTests {
    static let formats: [String?] = ["#,##0", "#,##0.00", "0.0%", "General", nil]

    @Test func estimateIsDefinedForEveryDouble() {
        let extremes: [Double] = [
            1e307, -1e307, .greatestFiniteMagnitude, -.greatestFiniteMagnitude, 1e-300, -1e-300,
            .leastNonzeroMagnitude, 0, -0.0, .nan, .infinity, -.infinity, 9.999999999999999e22, 1e21,
        ]
        for format in Self.formats {
            for x in extremes {
                let w = DisplayWidth.estimate(number: x, numberFormat: format)
                #expect(w.isFinite && w >= 1, "\(x) \(format ?? "nil")")
            }
            print(
                "width \(format ?? "nil"): 1e21 → \(DisplayWidth.estimate(number: 1e21, numberFormat: format)), "
                    + "1e307 → \(DisplayWidth.estimate(number: 1e307, numberFormat: format)), "
                    + "max → \(DisplayWidth.estimate(number: .greatestFiniteMagnitude, numberFormat: format))")
        }
    }

    @Test func estimateGrowsWithTheDigitCount() {
        for format in Self.formats {
            // ×100 for percentages is inexact in binary, so a power of ten may show one digit fewer:
            // never narrower than the power before, always wider than three powers before.
            var widths: [Double] = []
            for exponent in 0...307 {
                let w = DisplayWidth.estimate(number: pow(10, Double(exponent)), numberFormat: format)
                if let last = widths.last { #expect(w >= last, "10^\(exponent) \(format ?? "nil")") }
                if widths.count >= 3 { #expect(w > widths[widths.count - 3], "10^\(exponent) \(format ?? "nil")") }
                if format != "0.0%", let last = widths.last { #expect(w > last, "10^\(exponent) \(format ?? "nil")") }
                widths.append(w)
            }
        }
        // By hand: 1,000,000,000,000,000,000,000 is 22 digits and 7 separators.
        #expect(DisplayWidth.estimate(number: 1e21, numberFormat: "#,##0") == 29)
        #expect(DisplayWidth.estimate(number: 1e21, numberFormat: "#,##0.00") == 32)
        #expect(DisplayWidth.estimate(number: -999, numberFormat: "#,##0") == 4)
        #expect(DisplayWidth.estimate(number: 1000, numberFormat: "#,##0") == 5)
        #expect(DisplayWidth.estimate(number: 0.5, numberFormat: "0.0%") == 5)  // 50.0%
        #expect(DisplayWidth.integerDigits(.greatestFiniteMagnitude) == 309)
        #expect(DisplayWidth.integerDigits(999_999_999_999_999) == 15)
        #expect(DisplayWidth.integerDigits(1e15) == 16)
    }

    @Test func hugeNumbersAreWrittenAsTheNumbersTheyAre() throws {
        let tmp = try TemporaryFolder()
        let url = tmp.file("huge.xlsx")
        let book = try Workbook(path: url.path)
        let sheet = try book.addWorksheet(named: "S")
        // libxlsxwriter prints numbers with %.16G, so the very top of the range (1.7976931348623157e308)
        // would print as a number beyond it; 1E+307, Excel's practical limit, is exact.
        let values: [Double] = [1e307, -1e307, 1e-300, 999_999_999_999_999_999_999, 1e21]
        for (row, value) in values.enumerated() {
            try sheet.write(
                number: value, row: row, column: 0, format: try book.format(CellStyle(numberFormat: "0.0%")))
            try sheet.write(formula: "=A\(row + 1)", value: value, row: row, column: 1)
        }
        try sheet.fitColumns()
        try book.close()
        #expect(try XlsxReadBack.malformedXMLParts(at: url) == [])
        let s = try #require(try XlsxReadBack(url: url).sheet("S"))
        for (row, value) in values.enumerated() { #expect(s["A\(row + 1)"]?.value == .number(value)) }
    }

    @Test func creationTimeIsClampedForAnyDate() throws {
        #expect(Workbook.creationTime(Date(timeIntervalSince1970: 1_735_689_600.7)) == 1_735_689_600)
        #expect(Workbook.creationTime(Date(timeIntervalSince1970: -5)) == 0)
        #expect(Workbook.creationTime(Date(timeIntervalSince1970: .nan)) == 0)
        #expect(Workbook.creationTime(Date(timeIntervalSince1970: .infinity)) == 253_402_300_799)
        #expect(Workbook.creationTime(Date(timeIntervalSince1970: -.infinity)) == 0)
        #expect(Workbook.creationTime(.distantFuture) == 64_092_211_200)  // 4001-01-01
        #expect(Workbook.creationTime(Date(timeIntervalSince1970: 1e300)) == 253_402_300_799)
        for date in [Date(timeIntervalSince1970: .infinity), Date(timeIntervalSince1970: .nan), .distantPast] {
            let tmp = try TemporaryFolder()
            let url = tmp.file("d.xlsx")
            let book = try Workbook(path: url.path)
            _ = try book.addWorksheet(named: "S")
            try book.setProperties(DocumentProperties(title: "t", created: date))
            try book.close()
            #expect(try XlsxReadBack.malformedXMLParts(at: url) == [])
        }
    }
}
