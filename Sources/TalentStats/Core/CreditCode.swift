/// The unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters from the 31
/// digits and capital letters the standard uses (no I, O, S, V or Z), the last a check character.
///
/// The check: with `c(i)` the value of the `i`-th character (its place in ``alphabet``) and the
/// weights `3^(i−1) mod 31`, the 18th character is the one of value `31 − (Σ c(i)·w(i) mod 31)`,
/// read as 0 when that is 31.
public enum CreditCode {
    public static let alphabet = Array("0123456789ABCDEFGHJKLMNPQRTUWXY".utf8)
    public static let length = 18
    static let weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

    /// The value of a code character, or `nil` when the standard does not use it.
    @inline(__always)
    static func value(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(byte - UInt8(ascii: "0"))
        default: alphabet.firstIndex(of: byte)
        }
    }

    /// The check character the first 17 characters call for, or `nil` when one of them is not a
    /// code character.
    public static func checkCharacter<C: Collection<UInt8>>(of first17: C) -> UInt8? {
        guard first17.count == length - 1 else { return nil }
        var sum = 0
        for (byte, weight) in zip(first17, weights) {
            guard let v = value(byte) else { return nil }
            sum += v * weight
        }
        return alphabet[(31 - sum % 31) % 31]
    }

    /// Whether `code` is a well-formed code with the right check character.
    public static func isValid<C: Collection<UInt8>>(_ code: C) -> Bool {
        problem(code) == nil
    }

    /// What is wrong with `code`, in English and in Chinese, or `nil` when it is valid.
    public static func problem<C: Collection<UInt8>>(_ code: C) -> (english: String, chinese: String)? {
        // The characters first: a code with a character the standard never uses (a letter typed
        // in lower case, a full-width or Cyrillic look-alike, punctuation) is reported as that, not
        // as a wrong length (such characters take several bytes).
        if let bad = code.first(where: { value($0) == nil }) {
            let lower = (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(bad)
            return lower
                ? ("has lower-case letters; the code is written in capitals", "字母应为大写")
                : (
                    "holds a character a credit code never has (the letters I, O, S, V and Z, other scripts, punctuation or spaces)",
                    "含有代码中不会出现的字符（字母 I、O、S、V、Z，其他文字、标点或空格）"
                )
        }
        guard code.count == length else {
            return ("has \(code.count) characters, not \(length)", "应为 \(length) 位，实为 \(code.count) 位")
        }
        let body = code.prefix(length - 1)
        let last = code[code.index(code.startIndex, offsetBy: length - 1)]
        guard let check = checkCharacter(of: body), check == last else {
            return (
                "fails the GB 32100 check character (a character was mistyped)", "校验码不符（可能有字符录入错误）"
            )
        }
        return nil
    }
}
