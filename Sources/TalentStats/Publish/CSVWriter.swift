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

/// The machine-readable outputs.
enum MachineOutputs {
    static func aggregatesCSV(_ aggregates: Aggregates) -> String {
        var csv = CSVText(header: ["period", "district_code", "metric", "measure", "value"])
        for row in aggregates.rows {
            csv.append([row.key.period, row.key.districtCode, row.key.metric, row.key.measure.rawValue, row.value.text])
        }
        return csv.text
    }

}
