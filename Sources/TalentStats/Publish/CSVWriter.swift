/// `aggregates.csv`, the figures for machines (`rejects.csv` is written by ``RejectionLog``,
/// `manifest.json` by ``Manifest``).
enum MachineOutputs {
    /// One row per figure, in the order of ``Aggregates/rows``.
    static func aggregatesCSV(_ aggregates: Aggregates) -> String {
        var csv = CSVText(header: ["period", "district_code", "metric", "measure", "value"])
        for row in aggregates.rows {
            csv.append([row.key.period, row.key.districtCode, row.key.metric, row.key.measure.rawValue, row.value.text])
        }
        return csv.text
    }
}
