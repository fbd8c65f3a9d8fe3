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
