import Foundation
import Testing

@testable import TalentStats

@Suite struct FixedDecimalTests {
    func d(_ text: String) -> FixedDecimal { FixedDecimal(plain: Substring(text))! }

    @Test func additionIsExact() {
        #expect((d("0.1") + d("0.2")).description == "0.3")
        #expect((d("1205000.25") + d("0.25")).description == "1205000.5")
    }

    @Test(arguments: [
        ("267500", "267500"), ("1205000.50", "1205000.5"), ("0.000000001", "0.000000001"),
        ("007", "7"), ("0", "0"), ("12.", "12"), (".5", "0.5"), ("1.000000000000", "1"),
    ])
    func plainTextRoundTrips(_ input: String, _ expected: String) {
        #expect(FixedDecimal(plain: Substring(input))?.description == expected)
    }

    @Test(arguments: ["", ".", "1.2.3", "1e5", "-1", "+1", "0x10", "NaN", "inf", "1 2", "0.0000000001"])
    func rejectsWhatIsNotPlainDecimal(_ input: String) {
        #expect(FixedDecimal(plain: Substring(input)) == nil)
    }

    @Test func shiftsByPowersOfTen() {
        #expect(d("26.8537").shifted(by: 4)?.description == "268537")
        #expect(d("15000").shifted(by: -4)?.description == "1.5")
        #expect(d("0.00000001").shifted(by: -4) == nil)  // would need 12 decimals
    }

    @Test func ratiosRoundHalfAwayFromZero() {
        // 2/3 = 0.6666666… → 0.666667; 1/8 = 0.125 exactly.
        #expect(FixedDecimal.ratio(d("2"), d("3"))?.description == "0.666667")
        #expect(FixedDecimal.ratio(d("1"), d("8"))?.description == "0.125")
        // 0.0000005 rounds up; −0.0000005 rounds down (away from zero).
        #expect(FixedDecimal.ratio(d("1.0000005"), d("1"), minus: 1)?.description == "0.000001")
        #expect(FixedDecimal.ratio(d("0.9999995"), d("1"), minus: 1)?.description == "-0.000001")
        #expect(FixedDecimal.ratio(d("160"), d("150"), minus: 1)?.description == "0.066667")
        #expect(FixedDecimal.ratio(d("1"), d("0")) == nil)
    }

    @Test func doubleValueMatchesDecimalText() {
        #expect(d("1205000.5").doubleValue == 1_205_000.5)
        #expect(d("0.3").doubleValue == 0.3)
    }
}

@Suite struct YearMonthTests {
    @Test(arguments: [
        "2024-01", "2024-1", "202401", "2024/01", "2024/1", "2024.01", "2024年1月", "2024年01月", " 2024-01 ",
    ])
    func parsesEverySpelling(_ text: String) {
        #expect(YearMonth(parsing: text) == YearMonth(year: 2024, month: 1))
    }

    @Test(arguments: [
        "2024-13", "2024-00", "0000-01", "9999-12", "2024", "24-01", "2024-001", "2024年13月", "2024-1-1", "January 2024",
        "", "２０２４-01",
    ])
    func rejectsWhatIsNotAMonth(_ text: String) {
        #expect(YearMonth(parsing: text) == nil)
    }

    /// Seven bytes take a short path; a space in front sends the same text through the general
    /// one (which trims it): the two agree on every year and month form, and on near misses.
    @Test func theCanonicalShortPathAgreesWithTheGeneralOne() {
        var rng = SeededGenerator(state: 7)
        let alphabet = Array("0123456789-/.年月 x９")
        var texts: [String] = []
        for year in stride(from: 1990, through: 2110, by: 1) {
            for month in 0...13 { texts.append(String(format: "%04d-%02d", year, month)) }
        }
        for _ in 0..<5000 {
            texts.append(String((0..<7).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }))
        }
        for text in texts {
            #expect(YearMonth(parsing: text) == YearMonth(parsing: " " + text), "\(text)")
        }
        #expect(YearMonth(parsing: "2024-12") == YearMonth(year: 2024, month: 12))
    }

    @Test func arithmetic() {
        let jan = YearMonth(year: 2024, month: 1)!
        #expect(jan.previous == YearMonth(year: 2023, month: 12))
        #expect(jan.sameMonthLastYear == YearMonth(year: 2023, month: 1))
        #expect(jan.description == "2024-01")
        #expect(YearMonth(ordinal: jan.ordinal + 11)?.description == "2024-12")
    }
}

@Suite struct TextNormalizationTests {
    @Test func foldsFullWidthFormsAndTrims() {
        #expect(TextNormalization.clean("１３，６７３") == "13,673")
        #expect(TextNormalization.clean("东城街道\u{3000}") == "东城街道")
        #expect(TextNormalization.clean("\u{FEFF}period ") == "period")
        #expect(TextNormalization.key("跨境电商出口额（亿元）") == "跨境电商出口额(亿元)")
        #expect(TextNormalization.key(" Talent_Headcount ") == "talent_headcount")
    }
}

@Suite struct ExcerptTests {
    @Test func shortTextIsKept() {
        #expect(TextNormalization.excerpt("东城街道") == "东城街道")
    }

    @Test func controlCharactersAreVisible() {
        #expect(TextNormalization.excerpt("a\u{0}b\nc") == "a\\u{0}b\\u{a}c")
    }

    @Test func longTextIsCutWithItsLength() {
        let text = String(repeating: "长", count: 100_000)
        let excerpt = TextNormalization.excerpt(text)
        #expect(excerpt.count < 100)
        #expect(excerpt.hasSuffix("…(100000 characters)"))
    }
}

/// `CSVText` against the project's own CSV reader (an independent route): random fields with commas,
/// quotes, CR, LF, CR LF, combining marks after a comma or a quote, and Chinese read back as they
/// were written, one record a row.
@Suite struct CSVTextTests {
    @Test func everyFieldReadsBackAsWritten() throws {
        var rng = SeededGenerator(state: 3)
        let pieces = ["a", "东莞", ",", "\"", "\r", "\n", "\r\n", ",\u{301}", "\"\u{301}", " ", "x\u{0}y", "é", ""]
        var rows: [[String]] = []
        for _ in 0..<500 {
            rows.append(
                (0..<Int(1 + rng.next() % 5)).map { _ in
                    (0..<Int(rng.next() % 4)).map { _ in pieces[Int(rng.next() % UInt64(pieces.count))] }.joined()
                })
        }
        var csv = CSVText(header: ["h"])
        for row in rows { csv.append(row) }
        let read = try scan(Array(csv.text.utf8), chunkSize: 7).compactMap { event -> [String]? in
            guard case .record(_, let fields) = event else { return nil }
            return fields.map { String(decoding: $0, as: UTF8.self) }
        }
        // A row of one empty field is a blank line, which a CSV reader skips.
        let expected = [["h"]] + rows.filter { $0 != [""] }
        #expect(read == expected)
        #expect(CSVText.escape("a\r\nb") == "\"a\r\nb\"")
        #expect(CSVText.escape(",\u{301}") == "\",\u{301}\"")
        #expect(CSVText.escape("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(CSVText.escape("东莞") == "东莞")
    }
}

/// The trim without Foundation's bridged string gives what Foundation's gives, for both sets it is
/// used with, on random text whose ends are spaces of every kind, invisible characters, controls,
/// ASCII and Chinese.
@Suite struct TrimTests {
    @Test func agreesWithFoundation() {
        var rng = SeededGenerator(state: 9)
        let pieces = [
            " ", "\t", "\n", "\r\n", "\u{A0}", "\u{3000}", "\u{2009}", "\u{FEFF}", "\u{200B}", "\u{85}", "\u{1}", "a",
            "东莞", "~", "!", "\u{301}", "",
        ]
        for _ in 0..<3000 {
            let text = (0..<Int(rng.next() % 5)).map { _ in pieces[Int(rng.next() % UInt64(pieces.count))] }.joined()
            for set in [TextNormalization.spaces, CharacterSet.whitespaces] {
                #expect(
                    TextNormalization.trimmed(text, of: set) == text.trimmingCharacters(in: set),
                    "\(text.unicodeScalars.map(\.value))")
            }
        }
    }
}
