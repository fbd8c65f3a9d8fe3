/// Builds RFC 4180 CSV text (UTF-8, LF line ends), quoting only fields that need it.
///
/// In Core because three stages write CSV with it: Publish (`aggregates.csv`), Validate (the lines
/// of `rejects.csv`, which ``RejectionLog`` writes as rejections come) and Regression (`check` and
/// `diff` with `--format csv`).
struct CSVText {
    private(set) var text = ""

    init(header: [String]) { append(header) }

    mutating func append(_ fields: [String]) {
        text += fields.map(Self.escape).joined(separator: ",")
        text += "\n"
    }

    /// The field as CSV: in double quotes, inner quotes doubled, when it holds a comma, a quote or a
    /// line break; as it is otherwise.
    static func escape(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
