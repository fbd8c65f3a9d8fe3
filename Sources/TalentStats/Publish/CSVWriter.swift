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

    /// `flags.csv`: one line per mark of a figure (``FigureMarks``), in `aggregates.csv` key order;
    /// a revised figure with the value the latest earlier release published and that release's id.
    static func flagsCSV(_ marks: FigureMarks) -> String {
        var csv = CSVText(header: [
            "period", "district_code", "metric", "measure", "flag", "previous_value", "previous_release",
        ])
        for f in marks.flags {
            csv.append([
                f.key.period, f.key.districtCode, f.key.metric, f.key.measure.rawValue, f.kind.rawValue,
                f.previousValue?.description ?? "", f.previousRelease.map(String.init) ?? "",
            ])
        }
        return csv.text
    }
}
