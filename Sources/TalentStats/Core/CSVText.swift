/// Builds RFC 4180 CSV text (UTF-8, LF line ends), quoting only fields that need it.
///
/// In Core because three stages write CSV with it: Publish (`aggregates.csv`), Validate (the lines
/// of `rejects.csv`, which ``RejectionLog`` writes as rejections come) and Regression (`check` and
/// `diff` with `--format csv`).
struct CSVText {
    private(set) var text = ""

    init(header: [String]) { append(header) }

    mutating func append(_ fields: [String]) {
        for (i, field) in fields.enumerated() {
            if i > 0 { text += "," }
            text += Self.escape(field)
        }
        text += "\n"
    }

    /// The field as CSV: in double quotes, inner quotes doubled, when it holds a comma, a quote, a
    /// CR or an LF byte; as it is otherwise. Decided on the UTF-8 bytes, not on characters: a CR LF
    /// pair, or a comma or quote followed by a combining mark, is one character that equals none of
    /// the four, yet its bytes end a record or a field for every CSV reader.
    static func escape(_ field: String) -> String {
        guard field.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) else {
            return field
        }
        var quoted: [UInt8] = [0x22]
        quoted.reserveCapacity(field.utf8.count + 8)
        for byte in field.utf8 {
            quoted.append(byte)
            if byte == 0x22 { quoted.append(0x22) }
        }
        quoted.append(0x22)
        return String(decoding: quoted, as: UTF8.self)
    }
}
