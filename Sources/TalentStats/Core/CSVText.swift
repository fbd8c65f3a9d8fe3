/// Builds RFC 4180 CSV text (UTF-8, LF line ends), quoting only fields that need it.
struct CSVText {
    private(set) var text = ""

    init(header: [String]) { append(header) }

    mutating func append(_ fields: [String]) {
        text += fields.map(Self.escape).joined(separator: ",")
        text += "\n"
    }

    static func escape(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
