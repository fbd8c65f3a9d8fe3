import XlsxReader

/// The rule between a returned form's two sheets: a metric given enterprise by enterprise in
/// 企业明细 is the sum of those rows, and its 填报表 value is then a control total, not an
/// observation of its own (counting both would count the district twice).
///
/// For each metric with at least one value in 企业明细:
/// - its 填报表 value empty: the enterprise rows are used (each checked by the field rules);
/// - its 填报表 value equal to the sum of the enterprise rows, every one of which passes the field
///   rules (a valid credit code, a value, no code twice): the enterprise rows are used and the
///   total is a check (not an observation, like the form's 上期数);
/// - otherwise — the sum differs, or a row rejected on its own leaves nothing to compare with —
///   neither the total nor any of the metric's enterprise rows is used: the total and every row
///   not already rejected for its own reason are `bad_value` with both figures, so the district
///   corrects one or the other. Rows rejected for their own reason keep it.
///
/// The outcome is decided from the cells before any batch is made, with the same field rules the
/// batches then go through, so the rows it counts on are exactly those the key check takes.
struct FormTotals {
    /// 填报表 rows that are control totals (not observations).
    var checkTotals: Set<Int> = []
    /// Sheet row → column → the rejection of a total or an enterprise cell whose metric disagrees,
    /// for the main sheet (part 0) and the enterprise sheet (part 1).
    var rejected: [[Int: [Int: BatchCellRejection]]] = [[:], [:]]

    /// The outcome for a form whose main sheet has rows `main` and whose enterprise sheet has rows
    /// `detail` (both after their header), read as `format` says (``FileFormat/parts``).
    static func check(
        marker: FormMarker, main: ArraySlice<XlsxRow>, detail: ArraySlice<XlsxRow>, format: FileFormat,
        reference: ReferenceData
    ) -> FormTotals {
        var out = FormTotals()
        guard let detailFormat = format.detailFormat else { return out }
        let mainRules = RowRules(reference: reference, file: nil, format: format)
        let detailRules = RowRules(reference: reference, file: nil, format: detailFormat)
        guard let districtIndex = reference.districts.firstIndex(where: { $0.code == marker.district }) else {
            return out
        }
        let district = reference.districts[districtIndex].name
        let realColumns = FormLayout.detailColumns(reference).count
        let period = marker.period.description
        let detailRows = detail.map { (row: $0, texts: WorkbookInput.texts($0)) }
        for (m, metric) in reference.metrics.enumerated() {
            let column = 3 + m  // 1-based: code, name, then the metrics
            var sum = FixedDecimal.zero
            // Each cell of the metric: `ok` when the field rules take it. A repeated code is counted
            // apart: it is a duplicate only while its first row counts.
            var cells: [(line: Int, ok: Bool, found: String, repeated: Bool)] = []
            var seen: Set<String> = []
            for (row, texts) in detailRows {
                guard column <= texts.count, !TextNormalization.clean(texts[column - 1]).isEmpty else { continue }
                var ok = SheetBatches.isUsable(
                    row, column: column, layout: detailFormat.layout, realColumns: realColumns, periodColumn: 0)
                var repeated = false
                if ok {
                    let raw = RawObservation(
                        line: row.number, period: period, district: district, metric: metric.id,
                        value: texts[column - 1], unit: "", entity: texts.first ?? "")
                    switch detailRules.interpret(raw) {
                    case .success(let (key, value)):
                        if seen.insert(key.entity).inserted { sum += value } else { repeated = true }
                    case .failure: ok = false
                    }
                }
                cells.append((row.number, ok, TextNormalization.excerpt(texts[column - 1]), repeated))
            }
            guard !cells.isEmpty else { continue }
            // The metric's 填报表 row and its value cell.
            let totalLine = FormLayout.headerRow + 1 + m
            let valueColumn = FormLayout.valueColumn + 1
            guard let totalRow = main.first(where: { $0.number == totalLine }) else { continue }
            let totalTexts = WorkbookInput.texts(totalRow)
            let totalText = FormLayout.valueColumn < totalTexts.count ? totalTexts[FormLayout.valueColumn] : ""
            guard !TextNormalization.clean(totalText).isEmpty else { continue }
            let totalCell = "\(Rejection.columnLetters(valueColumn))\(totalLine)"
            var total: FixedDecimal?
            if SheetBatches.isUsable(
                totalRow, column: valueColumn, layout: format.layout, realColumns: nil,
                periodColumn: (format.layout.index(of: .period) ?? -1) + 1),
                case .success(let (_, value)) = mainRules.interpret(
                    RawObservation(
                        line: totalLine, period: period, district: district, metric: metric.id, value: totalText,
                        unit: "", entity: ""))
            {
                total = value
            }
            let own = cells.filter { !$0.ok }.count
            let repeats = cells.filter(\.repeated).count
            if let total, own == 0, repeats == 0, total == sum {
                out.checkTotals.insert(totalLine)
                continue
            }
            let name = metric.nameZh
            let english: String
            let chinese: String
            if total == nil {
                english =
                    "the 填报表 total \(totalCell) of \(metric.id) cannot be read, so its \(cells.count) enterprise rows in \(FormLayout.detailSheetName) cannot be checked against it: neither is used; correct the total or leave it empty"
                chinese =
                    "填报表 \(totalCell) 单元格的“\(name)”合计无法识别，无法与企业明细（\(cells.count) 家）核对：该指标本月数据均未采用，请更正合计或留空后重新报送"
            } else if own > 0 || repeats > 0 {
                let why = [
                    own > 0 ? "\(own) \(own == 1 ? "is" : "are") rejected for a reason of its own" : nil,
                    repeats > 0
                        ? "\(repeats) \(repeats == 1 ? "repeats" : "repeat") the credit code of an earlier row" : nil,
                ].compactMap { $0 }.joined(separator: " and ")
                let whyZh = [own > 0 ? "\(own) 行数据有误（见相应拒收记录）" : nil, repeats > 0 ? "\(repeats) 行重复填报了前面已有的企业" : nil]
                    .compactMap { $0 }.joined(separator: "、")
                english =
                    "the 填报表 total \(totalCell) of \(metric.id) (\(total!)) cannot be checked: of its \(cells.count) enterprise rows in \(FormLayout.detailSheetName), \(why) (the others sum to \(sum)): neither the total nor the rows are used; correct those rows"
                chinese =
                    "企业明细中“\(name)”\(whyZh)，无法与填报表 \(totalCell) 单元格的合计 \(total!) 核对（其余各行之和为 \(sum)）：该指标本月数据均未采用，请更正后重新报送"
            } else {
                english =
                    "the 填报表 total \(totalCell) of \(metric.id) (\(total!)) is not the sum of its \(cells.count) enterprise rows in \(FormLayout.detailSheetName) (\(sum)): neither is used; correct the total or the rows"
                chinese =
                    "填报表 \(totalCell) 单元格的“\(name)”合计 \(total!) 与企业明细 \(cells.count) 家之和 \(sum) 不符：该指标本月数据均未采用，请核对后重新报送"
            }
            if total != nil {
                out.rejected[0][totalLine, default: [:]][valueColumn] = BatchCellRejection(
                    english: english, chinese: chinese, found: TextNormalization.excerpt(totalText))
            }
            // Every row the field rules would take is rejected with the total, repeats included
            // (with their first rows rejected, they would count in their place).
            for cell in cells where cell.ok {
                out.rejected[1][cell.line, default: [:]][column] = BatchCellRejection(
                    english: english, chinese: chinese, found: cell.found)
            }
        }
        return out
    }
}

/// A cell rejected before the field rules, with its reason in both languages.
struct BatchCellRejection: Sendable {
    let english: String
    let chinese: String
    /// The cell's value as written.
    var found: String? = nil
}
