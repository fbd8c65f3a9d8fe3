import Foundation
import XlsxWriter

/// Lays out the monthly report workbook officials read (labels in Chinese).
///
/// Every figure comes from ``Aggregates``, the same values as `aggregates.csv`; a figure that is not
/// available shows ``ReportSettings/missingSymbol`` as text, never 0 or an Excel error. Text that
/// comes from input (district names, file names, messages) is always written as a string, so a cell
/// starting with `=` stays text.
public enum WorkbookReport {
    /// Writes the workbook to `path`.
    public static func write(_ model: ReportModel, to path: String) throws {
        let workbook = try Workbook(path: path)
        var layout = Layout(model: model, workbook: workbook, styles: try WorkbookStyles(workbook))
        try layout.writeAll()
        try workbook.close()
    }

    /// `2024年12月`.
    static func chinese(_ month: YearMonth) -> String { "\(month.year)年\(month.month)月" }
}

/// A sheet's planned name and what it holds (for the contents list on the cover).
struct PlannedSheet {
    let name: String
    let description: String
    /// Hidden sheets are listed without a link (Excel cannot jump to a hidden sheet).
    var linked = true
}

struct Layout {
    let model: ReportModel
    let workbook: Workbook
    let styles: WorkbookStyles
    var names = SheetNamer()

    var reference: ReferenceData { model.reference }
    var period: YearMonth { model.period }
    var periodText: String { model.period.description }
    var periodZh: String { WorkbookReport.chinese(model.period) }
    var title: String { "\(reference.city.name)人才统计月报（\(periodZh)）" }
    var missing: String { model.settings.missingSymbol }

    init(model: ReportModel, workbook: Workbook, styles: WorkbookStyles) {
        self.model = model
        self.workbook = workbook
        self.styles = styles
    }

    // MARK: - Plan

    mutating func writeAll() throws {
        let cover = names.take("说明")
        let overview = names.take("总览")
        let metricSheets = reference.metrics.map { names.take($0.nameZh) }
        let annualSheets = reference.metrics.map { names.take("\($0.nameZh)（年度）") }
        let trend = names.take("月度趋势")
        let quality = names.take("数据质量")
        let rejectSheets = pagedNames("拒收明细", rows: model.validated.rejections.count)
        let revisionSheets = pagedNames("修订记录", rows: model.validated.revisions.count)
        let publishedRevisionSheets = pagedNames("已发布数据修订", rows: model.marks.shownRevisions.count)
        let collectionSheet = model.collection.map { _ in names.take("报送情况") }
        let missingSheet = names.take("缺报镇街")
        let outliers = names.take("异常波动")
        let notes = names.take("注释")
        let chartData = names.take("图表数据")

        var plan: [PlannedSheet] = [
            PlannedSheet(name: cover, description: "封面、目录、指标定义与计算口径"),
            PlannedSheet(name: overview, description: "全市各指标\(periodZh)当月、累计、同期累计、同比、环比及报送情况"),
        ]
        for (metric, sheet) in zip(reference.metrics, metricSheets) {
            plan.append(
                PlannedSheet(
                    name: sheet, description: "\(metric.nameZh)（\(metric.unit.symbol)）：各镇街当月、累计、同期、同比、环比、占比、排名"))
        }
        for (metric, sheet) in zip(reference.metrics, annualSheets) {
            plan.append(PlannedSheet(name: sheet, description: "\(metric.nameZh)（\(metric.unit.symbol)）：各年度分镇街数据及年度同比"))
        }
        plan.append(PlannedSheet(name: trend, description: "全市各指标逐月数据"))
        plan.append(PlannedSheet(name: quality, description: "数据质量：行数核对（读取 = 采用 + 拒收 + 超出报告期 + 被替代）与各文件情况"))
        for sheet in rejectSheets { plan.append(PlannedSheet(name: sheet, description: "拒收记录：文件、行号、原因代码与说明")) }
        for sheet in revisionSheets { plan.append(PlannedSheet(name: sheet, description: "修订记录：后报文件替代先报数据（原值 → 新值）")) }
        for sheet in publishedRevisionSheets {
            plan.append(PlannedSheet(name: sheet, description: "已发布数据修订：与此前发布的数值不同的数据（首次发布、上次发布、原值、新值及引起变动的原始数据）"))
        }
        if let collectionSheet {
            plan.append(
                PlannedSheet(name: collectionSheet, description: "\(periodZh)各镇街报送情况：报送文件、时间、采用条数、是否逾期或缺报"))
        }
        plan.append(PlannedSheet(name: missingSheet, description: "\(periodZh)缺报的镇街与指标"))
        plan.append(PlannedSheet(name: outliers, description: "环比变动超过 \(percent(model.settings.outlierThreshold)) 的数据"))
        plan.append(PlannedSheet(name: notes, description: "注释：符号、初步数、修订、可比口径等说明"))
        plan.append(
            PlannedSheet(
                name: chartData, description: "（隐藏工作表，右键工作表标签选“取消隐藏”可见）图表所用数据：排序后的镇街累计、全市本年与上年逐月", linked: false))

        try workbook.setProperties(
            DocumentProperties(
                title: title,
                subject: "\(reference.city.name)人才统计 \(periodZh)",
                author: model.settings.organization,
                company: model.settings.organization,
                category: "统计报表",
                keywords: (["人才统计", reference.city.name, periodText] + reference.metrics.map(\.nameZh)).joined(
                    separator: ", "),
                comments: "由 talentstats 根据各镇街报送数据生成",
                created: model.settings.generated))

        let coverSheet = try workbook.addWorksheet(named: cover)
        let overviewSheet = try workbook.addWorksheet(named: overview)
        let metricWorksheets = try metricSheets.map { try workbook.addWorksheet(named: $0) }
        let annualWorksheets = try annualSheets.map { try workbook.addWorksheet(named: $0) }
        let trendSheet = try workbook.addWorksheet(named: trend)
        let qualitySheet = try workbook.addWorksheet(named: quality)
        let rejectWorksheets = try rejectSheets.map { try workbook.addWorksheet(named: $0) }
        let revisionWorksheets = try revisionSheets.map { try workbook.addWorksheet(named: $0) }
        let publishedRevisionWorksheets = try publishedRevisionSheets.map { try workbook.addWorksheet(named: $0) }
        let collectionWorksheet = try collectionSheet.map { try workbook.addWorksheet(named: $0) }
        let missingWorksheet = try workbook.addWorksheet(named: missingSheet)
        let outlierSheet = try workbook.addWorksheet(named: outliers)
        let notesSheet = try workbook.addWorksheet(named: notes)
        let chartSheet = try workbook.addWorksheet(named: chartData)

        try writeCover(coverSheet, plan: plan)
        try writeOverview(overviewSheet)
        var chartRow = 0
        for (m, sheet) in metricWorksheets.enumerated() {
            try writeMetric(sheet, metric: m, chartData: chartSheet, chartRow: &chartRow)
        }
        for (m, sheet) in annualWorksheets.enumerated() { try writeAnnual(sheet, metric: m) }
        try writeTrend(trendSheet)
        try writeQuality(qualitySheet)
        for (page, sheet) in rejectWorksheets.enumerated() { try writeRejects(sheet, page: page) }
        for (page, sheet) in revisionWorksheets.enumerated() { try writeRevisions(sheet, page: page) }
        for (page, sheet) in publishedRevisionWorksheets.enumerated() {
            try writePublishedRevisions(sheet, page: page)
        }
        if let collectionWorksheet, let status = model.collection { try writeCollection(collectionWorksheet, status) }
        try writeMissing(missingWorksheet)
        try writeOutliers(outlierSheet)
        try writeNotes(notesSheet)
        try finish(chartSheet, title: "图表数据", headerRow: 0, freezeRow: 1, freezeColumn: 0)
        // Only the charts read it: hidden so that printing the workbook does not print it.
        try chartSheet.hide()
        try coverSheet.activate()
    }

    /// Sheets up to this many rows are scaled to print on one page (a district table with its title).
    static let onePageRows = 45

    /// Rows per detail sheet: Excel's limit less the title and header rows. A longer listing is
    /// split over several sheets (拒收明细, 拒收明细2, …), never truncated.
    static let rowsPerPage = Worksheet.maxRows - 4

    /// Sheet names for a listing of `rows` rows: one sheet, or numbered sheets when it exceeds a sheet.
    mutating func pagedNames(_ base: String, rows: Int) -> [String] {
        let pages = max(1, (rows + Self.rowsPerPage - 1) / Self.rowsPerPage)
        return (0..<pages).map { names.take(pages == 1 ? base : "\(base)\($0 + 1)") }
    }

    /// The rows of `all` that go on sheet `page`.
    func page<T>(_ all: [T], _ page: Int) -> ArraySlice<T> {
        let start = min(all.count, page * Self.rowsPerPage)
        return all[start..<min(all.count, start + Self.rowsPerPage)]
    }

    // MARK: - Helpers

    func amount(
        _ value: AggregateValue?, _ sheet: Worksheet, _ row: Int, _ column: Int, _ format: Format, total: Bool = false
    ) throws {
        if let value {
            try sheet.write(number: value.doubleValue, row: row, column: column, format: format)
        } else {
            try sheet.write(
                string: missing, row: row, column: column, format: total ? styles.totalMissing : styles.missing)
        }
    }

    /// Writes the figure of a key with its marks ([r] revised, [p] provisional) after the number,
    /// by the cell's number format, so the cell stays a number.
    func figure(
        _ period: String, _ code: String, _ metric: String, _ measure: Measure, _ sheet: Worksheet, _ row: Int,
        _ column: Int, _ format: Format, total: Bool = false
    ) throws {
        let key = AggregateKey(period: period, districtCode: code, metric: metric, measure: measure)
        if model.marks[key].contains(.suppressed), model.aggregates[key] != nil {
            try sheet.write(
                string: FigureMarks.Kind.suppressed.symbol, row: row, column: column,
                format: total ? styles.totalMissing : styles.missing)
            return
        }
        try amount(model.aggregates[key], sheet, row, column, try styles.marked(format, model.marks[key]), total: total)
    }

    /// A figure as the workbook shows it: `nil` when absent or suppressed.
    func shown(_ period: String, _ code: String, _ metric: String, _ measure: Measure) -> AggregateValue? {
        let key = AggregateKey(period: period, districtCode: code, metric: metric, measure: measure)
        return model.marks[key].contains(.suppressed) ? nil : model.aggregates[key]
    }

    func percent(_ value: FixedDecimal) -> String {
        let hundred = FixedDecimal(units: value.units * 100)
        return "\(hundred)%"
    }

    func writeTitle(_ sheet: Worksheet, _ text: String, _ subtitle: String) throws {
        try sheet.write(string: text, row: 0, column: 0, format: styles.title, fitsWidth: false)
        try sheet.write(string: subtitle, row: 1, column: 0, format: styles.subtitle, fitsWidth: false)
        try sheet.setRow(0, height: 24)
    }

    /// Column widths, frozen panes and print set-up common to every sheet.
    /// - Parameter lastRow: the sheet's last row; a sheet of up to ``onePageRows`` rows prints on one page.
    func finish(
        _ sheet: Worksheet, title: String, headerRow: Int, freezeRow: Int, freezeColumn: Int, lastRow: Int = .max
    ) throws {
        try sheet.fitColumns()
        if freezeRow > 0 || freezeColumn > 0 { try sheet.freezePanes(row: freezeRow, column: freezeColumn) }
        try sheet.setUpPrinting(
            orientation: .landscape, paper: 9, fitWidth: 1, fitHeight: lastRow < Self.onePageRows ? 1 : 0,
            repeatRows: headerRow...headerRow,
            header: "&L\(escapeHeader(self.title))&R\(escapeHeader(title))",
            footer: "&L\(escapeHeader(model.settings.organization))&C第 &P 页，共 &N 页&R报告期：\(periodZh)")
    }

    func escapeHeader(_ text: String) -> String { text.replacingOccurrences(of: "&", with: "&&") }

    /// Text from input, cut to what a cell holds (Excel: 32,767 characters) with a note; in practice
    /// messages are already short, this is the last line of defence.
    func cellText(_ text: String) -> String {
        let limit = Worksheet.maxStringLength - 64
        guard text.count > limit else { return text }
        return String(text.prefix(limit)) + "…（已截断，共 \(text.count) 字符）"
    }

    /// Writes a table: header at `top`, rows below; returns the last row written.
    @discardableResult
    func table(
        _ sheet: Worksheet, top: Int, name: String, columns: [String], rows: Int, fill: (Int, Int) throws -> Void
    ) throws -> Int {
        let count = max(rows, 1)
        if rows == 0 {
            try sheet.write(string: "（无）", row: top + 1, column: 0, format: styles.text)
        } else {
            for i in 0..<rows { try fill(i, top + 1 + i) }
        }
        try sheet.addTable(
            firstRow: top, firstColumn: 0, lastRow: top + count, lastColumn: columns.count - 1, name: name,
            columns: columns, headerFormat: styles.header)
        return top + count
    }

    // MARK: - Cover

    func writeCover(_ sheet: Worksheet, plan: [PlannedSheet]) throws {
        // Two columns: a label (A) and wrapped text (B), so the cover prints on A4 portrait.
        let labelWidth = 24.0
        let textWidth = 96.0
        try sheet.hideGridlines()
        try sheet.setColumns(0, 0, width: labelWidth)
        try sheet.setColumns(1, 1, width: textWidth)
        try sheet.write(string: title, row: 0, column: 0, format: styles.title, fitsWidth: false)
        try sheet.setRow(0, height: 28)
        func wrappedRow(_ row: Int, _ text: String) throws {
            let lines = max(1, Int((DisplayWidth.of(text) / (textWidth - 2)).rounded(.up)))
            if lines > 1 { try sheet.setRow(row, height: Double(lines) * 14.5) }
        }
        let v = model.validated
        let totals = v.totals
        let facts: [(String, String)] = [
            ("报告期", periodZh),
            ("编制单位", model.settings.organization),
            ("联系方式", model.settings.contact.isEmpty ? missing : model.settings.contact),
            ("生成日期", dateText(model.settings.generated)),
            (
                "数据来源",
                "各镇街（园区）报送的原始数据文件 \(v.files.count) 个（采用 \(v.filesUsed) 个，拒收 \(v.filesRejected) 个\(v.filesNotRead > 0 ? "，未读取 \(v.filesNotRead) 个" : "")）；读取观测值 \(totals.read) 条，其中采用 \(totals.used) 条、拒收 \(totals.rejected) 条、超出报告期 \(totals.outOfScope) 条、被替代 \(totals.superseded) 条"
            ),
            ("统计范围", "\(reference.city.name)所辖 \(reference.districts.count) 个镇街（园区）；全市数据为报送镇街之和"),
            (
                "发布编号",
                model.releaseID.map { "第 \($0) 号发布（发布库 releases.sqlite，可用 talentstats releases 查看历次发布）" } ?? missing
            ),
        ]
        var row = 2
        for (label, value) in facts {
            try sheet.write(string: label, row: row, column: 0, format: styles.label)
            try sheet.write(string: value, row: row, column: 1, format: styles.wrapped)
            try wrappedRow(row, value)
            row += 1
        }
        func section(_ heading: String, name: String, columns: [String], rows: [(String, String, Bool)]) throws {
            row += 1
            try sheet.write(string: heading, row: row, column: 0, format: styles.heading)
            row += 1
            let top = row
            try table(sheet, top: top, name: name, columns: columns, rows: rows.count) { i, r in
                let (first, second, isLink) = rows[i]
                if isLink {
                    try sheet.writeLink(toSheet: first, text: first, row: r, column: 0, format: styles.link)
                } else {
                    try sheet.write(string: first, row: r, column: 0, format: styles.label)
                }
                try sheet.write(string: second, row: r, column: 1, format: styles.wrapped)
                try wrappedRow(r, second)
            }
            row = top + max(rows.count, 1) + 1
        }
        try section(
            "符号说明", name: "Symbols", columns: ["符号", "含义"],
            rows: symbolKey.map { ($0.symbol, $0.meaning, false) })
        try section(
            "目录", name: "Contents", columns: ["工作表", "内容"], rows: plan.map { ($0.name, $0.description, $0.linked) })
        try section(
            "指标说明", name: "Metrics", columns: ["指标", "计量单位、类型与口径"],
            rows: reference.metrics.map { metric in
                let meaning =
                    metric.kind == .stock
                    ? "月末时点数；累计即当月数；年度数为该年最后有数据月份的数值"
                    : "当月发生数；累计为本年1月至当月之和；年度数为全年各月之和"
                return (
                    "\(metric.nameZh)",
                    "单位：\(metric.unit.symbol)；\(metric.kind.chineseName)\(metric.integer ? "，整数" : "")。\(meaning)。英文：\(metric.nameEn)",
                    false
                )
            })
        let definitions: [(String, String, Bool)] = [
            ("当月", "报告期当月数值：时点指标为月末数，流量指标为当月发生数", false),
            ("累计", "流量指标为本年1月至报告期有数据月份之和；时点指标等于当月数", false),
            ("同期（同期累计）", "上年同月的累计数", false),
            ("同比", "累计 ÷ 同期累计 − 1；同期为零或缺失时不计算", false),
            ("环比", "当月 ÷ 上月 − 1（1月与上年12月比较）；上月为零或缺失时不计算", false),
            ("可比同比", comparableMeaning, false),
            ("占比", "镇街累计 ÷ 全市累计", false),
            ("排名", "各镇街按累计从大到小排名，数值相同者并列（如 1、2、2、4）；全市不排名", false),
            (
                "年度",
                "流量指标为全年各月之和，时点指标为该年最后有数据月份的数值（未报12月的镇街取其当年最后报送月份，年度表“备注”列注明）；全市年度数为各镇街年度数之和；年度同比仅对完整年度、且两年有数据的月份相同时计算",
                false
            ),
            ("全市", "报送该月数据的镇街之和；各表全市合计为 SUM 公式，可在 Excel 中核对", false),
            ("精度", "全部数据按精确小数计算；比率四舍五入保留 6 位小数，显示为百分比（1 位小数）", false),
        ]
        try section("计算口径", name: "Definitions", columns: ["术语", "定义"], rows: definitions)
        try sheet.setUpPrinting(
            orientation: .portrait, paper: 9, fitWidth: 1, fitHeight: 0,
            header: "&C\(escapeHeader(title))", footer: "&C第 &P 页，共 &N 页")
    }

    func dateText(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = model.settings.timeZone
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        return "\(c.year ?? 1970)年\(c.month ?? 1)月\(c.day ?? 1)日"
    }

    // MARK: - Overview

    func writeOverview(_ sheet: Worksheet) throws {
        try writeTitle(sheet, "全市主要指标（\(periodZh)）", "全市数据为报送镇街之和；“\(missing)”表示无数据或无法计算")
        let top = 3
        let columns = ["指标", "计量单位", "当月", "累计", "同期累计", "同比", "环比", "报送镇街数", "应报镇街数", "可比同比"]
        let code = reference.city.code
        try table(sheet, top: top, name: "Overview", columns: columns, rows: reference.metrics.count) { i, r in
            let metric = reference.metrics[i]
            let format = styles.amount(metric)
            try sheet.write(string: metric.nameZh, row: r, column: 0, format: styles.text)
            try sheet.write(string: metric.unit.symbol, row: r, column: 1, format: styles.text)
            try figure(periodText, code, metric.id, .month, sheet, r, 2, format)
            try figure(periodText, code, metric.id, .ytd, sheet, r, 3, format)
            try figure(periodText, code, metric.id, .ytdPrev, sheet, r, 4, format)
            try figure(periodText, code, metric.id, .yoy, sheet, r, 5, styles.ratio)
            try figure(periodText, code, metric.id, .mom, sheet, r, 6, styles.ratio)
            let reporting = reference.districts.filter {
                model.aggregates.value(periodText, $0.code, metric.id, .month) != nil
            }.count
            try sheet.write(number: Double(reporting), row: r, column: 7, format: styles.integer)
            try sheet.write(number: Double(reference.districts.count), row: r, column: 8, format: styles.integer)
            try figure(periodText, code, metric.id, .yoyComparable, sheet, r, 9, styles.ratio)
        }
        try finish(sheet, title: "总览", headerRow: top, freezeRow: top + 1, freezeColumn: 1)
    }

    // MARK: - Per metric

    func writeMetric(_ sheet: Worksheet, metric m: Int, chartData: Worksheet, chartRow: inout Int) throws {
        let metric = reference.metrics[m]
        let a = model.aggregates
        try writeTitle(
            sheet, "\(metric.nameZh)（\(metric.unit.symbol)）分镇街情况（\(periodZh)）",
            "\(metric.kind.chineseName)；占比、排名按累计计算；全市合计为各镇街之和（SUM 公式）")
        let top = 3
        let columns = [
            "代码", "镇街", "当月（\(metric.unit.symbol)）", "累计（\(metric.unit.symbol)）", "同期（\(metric.unit.symbol)）", "同比",
            "环比", "占比", "排名", "可比同比",
        ]
        let districts = reference.districts
        let format = styles.amount(metric)
        let firstDataRow = top + 1
        let lastDistrictRow = top + districts.count
        try table(sheet, top: top, name: "T_\(metric.id)", columns: columns, rows: districts.count + 1) { i, r in
            if i < districts.count {
                let d = districts[i]
                try sheet.write(string: d.code, row: r, column: 0, format: styles.text)
                try sheet.write(string: d.name, row: r, column: 1, format: styles.text)
                try figure(periodText, d.code, metric.id, .month, sheet, r, 2, format)
                try figure(periodText, d.code, metric.id, .ytd, sheet, r, 3, format)
                try figure(periodText, d.code, metric.id, .ytdPrev, sheet, r, 4, format)
                try figure(periodText, d.code, metric.id, .yoy, sheet, r, 5, styles.ratio)
                try figure(periodText, d.code, metric.id, .mom, sheet, r, 6, styles.ratio)
                try figure(periodText, d.code, metric.id, .share, sheet, r, 7, styles.ratio)
                try figure(periodText, d.code, metric.id, .rank, sheet, r, 8, styles.integer)
                try figure(periodText, d.code, metric.id, .yoyComparable, sheet, r, 9, styles.ratio)
            } else {
                let city = reference.city
                try sheet.write(string: city.code, row: r, column: 0, format: styles.totalText)
                try sheet.write(string: "全市合计", row: r, column: 1, format: styles.totalText)
                for (column, measure) in [(2, Measure.month), (3, .ytd), (4, .ytdPrev)] {
                    try total(
                        sheet, row: r, column: column,
                        key: AggregateKey(
                            period: periodText, districtCode: city.code, metric: metric.id, measure: measure),
                        parts: districts.map { shown(periodText, $0.code, metric.id, measure) },
                        firstRow: firstDataRow, lastRow: lastDistrictRow, format: styles.amount(metric, total: true))
                }
                try figure(periodText, city.code, metric.id, .yoy, sheet, r, 5, styles.totalRatio, total: true)
                try figure(periodText, city.code, metric.id, .mom, sheet, r, 6, styles.totalRatio, total: true)
                try sheet.write(string: "—", row: r, column: 7, format: styles.totalMissing)
                try sheet.write(string: "—", row: r, column: 8, format: styles.totalMissing)
                try figure(
                    periodText, city.code, metric.id, .yoyComparable, sheet, r, 9, styles.totalRatio, total: true)
            }
        }
        try finish(sheet, title: metric.nameZh, headerRow: top, freezeRow: top + 1, freezeColumn: 2)

        // Chart data: districts sorted by ytd (largest first), then the city's months this year and last.
        let ranked = districts.compactMap { d -> (String, FixedDecimal)? in
            guard case .amount(let v)? = shown(periodText, d.code, metric.id, .ytd) else { return nil }
            return (d.shortName, v)
        }.sorted { $0.1 > $1.1 }
        let barTop = chartRow
        try chartData.write(
            string: "\(metric.nameZh)：各镇街累计（降序）", row: barTop, column: 0, format: styles.heading, fitsWidth: false)
        try chartData.write(string: "镇街", row: barTop + 1, column: 0, format: styles.label)
        try chartData.write(string: "累计（\(metric.unit.symbol)）", row: barTop + 1, column: 1, format: styles.label)
        for (i, entry) in ranked.enumerated() {
            try chartData.write(string: entry.0, row: barTop + 2 + i, column: 0, format: styles.text)
            try chartData.write(number: entry.1.doubleValue, row: barTop + 2 + i, column: 1, format: format)
        }
        let lineTop = barTop
        try chartData.write(string: "月份", row: lineTop + 1, column: 3, format: styles.label)
        try chartData.write(string: "\(period.year)年", row: lineTop + 1, column: 4, format: styles.label)
        try chartData.write(string: "\(period.year - 1)年", row: lineTop + 1, column: 5, format: styles.label)
        for month in 1...12 {
            let r = lineTop + 1 + month
            try chartData.write(string: "\(month)月", row: r, column: 3, format: styles.text)
            for (column, year) in [(4, period.year), (5, period.year - 1)] {
                let ym = YearMonth(year: year, month: month)!
                if let value = shown(ym.description, reference.city.code, metric.id, .month), ym <= period {
                    try chartData.write(number: value.doubleValue, row: r, column: column, format: format)
                }
            }
        }
        chartRow = barTop + max(ranked.count, 12) + 4

        if !ranked.isEmpty {
            let bar = try Chart(workbook: workbook, kind: .bar)
            try bar.addSeries(
                name: "累计（\(metric.unit.symbol)）",
                categories: CellReference.range(
                    sheet: chartData.name, firstRow: barTop + 2, firstColumn: 0, lastRow: barTop + 1 + ranked.count,
                    lastColumn: 0),
                values: CellReference.range(
                    sheet: chartData.name, firstRow: barTop + 2, firstColumn: 1, lastRow: barTop + 1 + ranked.count,
                    lastColumn: 1))
            try bar.setTitle("\(metric.nameZh)：各镇街累计（\(periodZh)）")
            try bar.setAxes(
                valueName: metric.unit.symbol, valueFormat: metric.integer ? "#,##0" : "#,##0", reverseCategories: true)
            try bar.setLegend(.none)
            try sheet.insert(chart: bar, row: top, column: columns.count + 1, xScale: 1.4, yScale: 2.6)
        }
        let line = try Chart(workbook: workbook, kind: .line)
        for (column, year) in [(4, period.year), (5, period.year - 1)] {
            try line.addSeries(
                name: "\(year)年",
                categories: CellReference.range(
                    sheet: chartData.name, firstRow: lineTop + 2, firstColumn: 3, lastRow: lineTop + 13, lastColumn: 3),
                values: CellReference.range(
                    sheet: chartData.name, firstRow: lineTop + 2, firstColumn: column, lastRow: lineTop + 13,
                    lastColumn: column))
        }
        try line.setTitle("全市\(metric.nameZh)逐月（当月，\(metric.unit.symbol)）")
        try line.setAxes(valueFormat: "#,##0")
        try line.setLegend(.bottom)
        try sheet.insert(chart: line, row: top + 40, column: columns.count + 1, xScale: 1.4, yScale: 1.2)
    }

    /// A total written as `=SUM(...)` with its computed value when the district figures add up to
    /// the city figure exactly; otherwise the figure alone (so the sheet never shows a formula that
    /// would recalculate to something else).
    func total(
        _ sheet: Worksheet, row: Int, column: Int, key: AggregateKey, parts: [AggregateValue?], firstRow: Int,
        lastRow: Int, format plain: Format
    ) throws {
        let value = model.aggregates[key]
        let format = try styles.marked(plain, model.marks[key])
        if model.marks[key].contains(.suppressed), value != nil {
            try sheet.write(
                string: FigureMarks.Kind.suppressed.symbol, row: row, column: column, format: styles.totalMissing)
            return
        }
        guard case .amount(let figure)? = value else {
            try sheet.write(string: missing, row: row, column: column, format: styles.totalMissing)
            return
        }
        let sum = parts.reduce(FixedDecimal.zero) { acc, part in
            if case .amount(let v)? = part { return acc + v }
            return acc
        }
        if sum == figure {
            let range =
                "\(CellReference.a1(row: firstRow, column: column)):\(CellReference.a1(row: lastRow, column: column))"
            try sheet.write(
                formula: "=SUM(\(range))", value: figure.doubleValue, row: row, column: column, format: format)
        } else {
            try sheet.write(number: figure.doubleValue, row: row, column: column, format: format)
        }
    }

    // MARK: - Annual

    func writeAnnual(_ sheet: Worksheet, metric m: Int) throws {
        let metric = reference.metrics[m]
        let a = model.aggregates
        let isStock = metric.kind == .stock
        let firstYear = a.firstMonth?.year ?? period.year
        let years = Array(firstYear...period.year)
        let completeYears = years.filter { $0 < period.year || period.month == 12 }
        let yoyYears = completeYears.filter { $0 > firstYear }
        let partial = period.month == 12 ? "" : "；\(period.year)年为1—\(period.month)月"
        let rule = isStock ? "年度数为该年最后有数据月份的时点数，全市为各镇街年度数之和" : "年度数为全年各月之和"
        try writeTitle(
            sheet, "\(metric.nameZh)（\(metric.unit.symbol)）分年度情况",
            "\(rule)\(partial)；年度同比仅对完整年度、且两年有数据的月份相同时计算")
        let top = 3
        // A stock's district figure may come from before the year's last month: the 备注 column says
        // from which month, so that the total (a SUM of the cells above) is read for what it is.
        let carried: [[(year: Int, month: YearMonth)]] = reference.districts.map { d in
            guard isStock else { return [] }
            return years.compactMap { year in a.annualCarriedFrom(year, d.code, metric.id).map { (year, $0) } }
        }
        let columns =
            ["代码", "镇街"] + years.map { "\($0)年（\(metric.unit.symbol)）" } + yoyYears.map { "\($0)年同比" }
            + yoyYears.map { "\($0)年可比同比" } + (isStock ? ["备注"] : [])
        let noteColumn = 2 + years.count + 2 * yoyYears.count
        let format = styles.amount(metric)
        let districts = reference.districts
        try table(sheet, top: top, name: "A_\(metric.id)", columns: columns, rows: districts.count + 1) { i, r in
            let isCity = i == districts.count
            let d = isCity ? reference.city : districts[i]
            try sheet.write(string: d.code, row: r, column: 0, format: isCity ? styles.totalText : styles.text)
            try sheet.write(
                string: isCity ? "全市合计" : d.name, row: r, column: 1, format: isCity ? styles.totalText : styles.text)
            for (offset, year) in years.enumerated() {
                if isCity {
                    try total(
                        sheet, row: r, column: 2 + offset,
                        key: AggregateKey(
                            period: String(year), districtCode: d.code, metric: metric.id, measure: .annual),
                        parts: districts.map { shown(String(year), $0.code, metric.id, .annual) },
                        firstRow: top + 1, lastRow: top + districts.count, format: styles.amount(metric, total: true))
                } else {
                    try figure(String(year), d.code, metric.id, .annual, sheet, r, 2 + offset, format)
                }
            }
            for (offset, year) in yoyYears.enumerated() {
                try figure(
                    String(year), d.code, metric.id, .annualYoy, sheet, r, 2 + years.count + offset,
                    isCity ? styles.totalRatio : styles.ratio, total: isCity)
                try figure(
                    String(year), d.code, metric.id, .annualYoyComparable, sheet, r,
                    2 + years.count + yoyYears.count + offset, isCity ? styles.totalRatio : styles.ratio, total: isCity)
            }
            if isStock {
                let note = isCity ? "" : carried[i].map { "\($0.year)年取自\($0.month.month)月" }.joined(separator: "；")
                try sheet.write(
                    string: note, row: r, column: noteColumn, format: isCity ? styles.totalText : styles.text)
            }
        }
        var lastRow = top + districts.count + 1
        if isStock {
            let count = carried.reduce(0) { $0 + $1.count }
            let closing = period.month == 12 ? "12月" : "12月（\(period.year)年为\(period.month)月）"
            let note =
                "注：时点指标的年度数为各镇街该年最后有数据月份的数值。未报送\(closing)数据的镇街，"
                + "年度数取其当年最后报送月份的数值，并在“备注”列注明（如“\(period.year)年取自11月”）；"
                + "全市年度数为各镇街年度数之和，即合计行的 SUM 公式，各镇街占比之和为 100%。"
                + (count == 0 ? "本表无此类情况。" : "本表共 \(count) 处。")
            lastRow += 2
            try sheet.write(string: note, row: lastRow, column: 0, format: styles.text, fitsWidth: false)
        }
        try finish(
            sheet, title: "\(metric.nameZh)（年度）", headerRow: top, freezeRow: top + 1, freezeColumn: 2, lastRow: lastRow)
    }

    // MARK: - Trend

    func writeTrend(_ sheet: Worksheet) throws {
        let a = model.aggregates
        try writeTitle(sheet, "全市各指标逐月数据", "时点指标为月末数；流量指标列出当月与累计")
        let top = 3
        var columns = ["月份"]
        var cells: [(Metric, Measure)] = []
        for metric in reference.metrics {
            columns.append("\(metric.nameZh)\(metric.kind == .flow ? "当月" : "")（\(metric.unit.symbol)）")
            cells.append((metric, .month))
            if metric.kind == .flow {
                columns.append("\(metric.nameZh)累计（\(metric.unit.symbol)）")
                cells.append((metric, .ytd))
            }
        }
        let first = a.firstMonth ?? period
        let months = (first.ordinal...period.ordinal).map { YearMonth(ordinal: $0)! }
        try table(sheet, top: top, name: "Trend", columns: columns, rows: months.count) { i, r in
            let month = months[i]
            try sheet.write(string: month.description, row: r, column: 0, format: styles.text)
            for (offset, (metric, measure)) in cells.enumerated() {
                try figure(
                    month.description, reference.city.code, metric.id, measure, sheet, r, 1 + offset,
                    styles.amount(metric))
            }
        }
        try finish(
            sheet, title: "月度趋势", headerRow: top, freezeRow: top + 1, freezeColumn: 1, lastRow: top + months.count)
    }

    // MARK: - Data quality

    func writeQuality(_ sheet: Worksheet) throws {
        let v = model.validated
        let t = v.totals
        try writeTitle(
            sheet, "数据质量：行数核对",
            "读取 \(t.read) = 采用 \(t.used) + 拒收 \(t.rejected) + 超出报告期 \(t.outOfScope) + 被替代 \(t.superseded)\(t.balances ? "（平衡）" : "（不平衡！）")；文件 \(v.files.count) 个 = 采用 \(v.filesUsed) + 拒收 \(v.filesRejected) + 未读取 \(v.filesNotRead)"
        )
        let top = 3
        let columns = ["文件", "状态", "编码", "格式", "读取", "采用", "拒收", "超出报告期", "被替代", "SHA-256", "说明"]
        try table(sheet, top: top, name: "Accounting", columns: columns, rows: v.files.count + 1) { i, r in
            if i < v.files.count {
                let f = v.files[i]
                try sheet.write(string: f.facts.file.relativePath, row: r, column: 0, format: styles.text)
                try sheet.write(
                    string: f.notRead ? "未读取" : f.rejection == nil ? "采用" : "拒收", row: r, column: 1, format: styles.text
                )
                let encoding =
                    f.facts.format?.sheet.map { "工作簿（工作表“\($0)”，表头在第\(f.facts.format!.headerLine)行）" }
                    ?? f.facts.encoding?.rawValue ?? missing
                try sheet.write(string: encoding, row: r, column: 2, format: styles.text)
                try sheet.write(
                    string: f.facts.layout.map { $0 == .long ? "长表" : "宽表" } ?? missing, row: r, column: 3,
                    format: styles.text)
                let a = f.accounting
                for (offset, n) in [a.read, a.used, a.rejected, a.outOfScope, a.superseded].enumerated() {
                    try sheet.write(number: Double(n), row: r, column: 4 + offset, format: styles.persons)
                }
                try sheet.write(
                    string: f.facts.sha256.isEmpty ? missing : String(f.facts.sha256.prefix(16)) + "…", row: r,
                    column: 9, format: styles.text)
                try sheet.write(
                    string: cellText(f.unread?.chinese ?? f.rejection ?? ""), row: r, column: 10, format: styles.text)
            } else {
                try sheet.write(string: "合计", row: r, column: 0, format: styles.totalText)
                try sheet.write(string: "", row: r, column: 1, format: styles.totalText)
                try sheet.write(string: "", row: r, column: 2, format: styles.totalText)
                try sheet.write(string: "", row: r, column: 3, format: styles.totalText)
                for (offset, n) in [t.read, t.used, t.rejected, t.outOfScope, t.superseded].enumerated() {
                    let column = 4 + offset
                    let range =
                        "\(CellReference.a1(row: top + 1, column: column)):\(CellReference.a1(row: top + v.files.count, column: column))"
                    if v.files.isEmpty {
                        try sheet.write(number: Double(n), row: r, column: column, format: styles.totalPersons)
                    } else {
                        try sheet.write(
                            formula: "=SUM(\(range))", value: Double(n), row: r, column: column,
                            format: styles.totalPersons)
                    }
                }
                try sheet.write(string: "", row: r, column: 9, format: styles.totalText)
                try sheet.write(string: "", row: r, column: 10, format: styles.totalText)
            }
        }
        // Figures one enterprise dominates (统计法 第二十五条), whether or not disclosure control is on.
        let heading = top + v.files.count + 3
        let policy =
            model.disclosure.map {
                "已启用保密处理：企业数少于 \($0.minimumEnterprises) 家，或最大 \($0.dominanceN) 家企业合计超过 \($0.dominanceK)% 的镇街数据以 \(FigureMarks.Kind.suppressed.symbol) 代替，并作相应的二次隐藏"
            } ?? "未启用保密处理（配置 disclosure_min_enterprises 等项可启用）：下列数据发布前请核实是否可能反映单个企业的数据"
        try sheet.write(
            string: "单一企业占比过半的镇街数据（\(periodZh)当月，\(model.dominated.count) 项）；\(policy)", row: heading,
            column: 0, format: styles.heading, fitsWidth: false)
        let last = try table(
            sheet, top: heading + 1, name: "Dominance", columns: ["镇街", "指标", "企业数", "最大企业占比", "本表处理"],
            rows: model.dominated.count
        ) { i, r in
            let x = model.dominated[i]
            let metric = reference.metrics[x.metric]
            let key = AggregateKey(
                period: periodText, districtCode: reference.districts[x.district].code, metric: metric.id,
                measure: .month)
            try sheet.write(string: reference.districts[x.district].name, row: r, column: 0, format: styles.text)
            try sheet.write(string: metric.nameZh, row: r, column: 1, format: styles.text)
            try sheet.write(number: Double(x.enterprises), row: r, column: 2, format: styles.integer)
            try sheet.write(number: x.largestShare.doubleValue, row: r, column: 3, format: styles.ratio)
            try sheet.write(
                string: model.marks[key].contains(.suppressed) ? "已隐藏" : "已公布", row: r, column: 4, format: styles.text)
        }
        try finish(sheet, title: "数据质量", headerRow: top, freezeRow: top + 1, freezeColumn: 1, lastRow: last)
    }

    func writeRejects(_ sheet: Worksheet, page: Int) throws {
        let all = model.validated.rejections
        let slice = Array(self.page(all, page))
        let total = model.validated.rejectionCount
        let part =
            all.count > Self.rowsPerPage
            ? "；本表为第 \(page * Self.rowsPerPage + 1)—\(page * Self.rowsPerPage + slice.count) 条" : ""
        let listed = total > all.count ? "；此处列出前 \(all.count) 条，完整清单见 rejects.csv" : ""
        try writeTitle(sheet, "拒收明细", total == 0 ? "本期无拒收记录" : "共 \(total) 条（行号 0 表示整个文件被拒收）\(listed)\(part)")
        let top = 3
        try table(
            sheet, top: top, name: "Rejects\(page + 1)",
            columns: ["文件", "行号", "列号", "原因代码", "原因", "原始内容", "说明", "详细（英文）"], rows: slice.count
        ) { i, r in
            let x = slice[i]
            try sheet.write(string: cellText(x.file), row: r, column: 0, format: styles.text)
            try sheet.write(number: Double(x.line), row: r, column: 1, format: styles.integer)
            if let column = x.column {
                try sheet.write(number: Double(column), row: r, column: 2, format: styles.integer)
            } else {
                try sheet.write(string: missing, row: r, column: 2, format: styles.missing)
            }
            try sheet.write(string: x.code.rawValue, row: r, column: 3, format: styles.text)
            try sheet.write(string: x.code.chineseDescription, row: r, column: 4, format: styles.text)
            try sheet.write(string: x.found.map { "“\($0)”" } ?? missing, row: r, column: 5, format: styles.text)
            try sheet.write(string: cellText(x.chineseMessage), row: r, column: 6, format: styles.text)
            try sheet.write(string: cellText(x.message), row: r, column: 7, format: styles.text)
        }
        try finish(sheet, title: "拒收明细", headerRow: top, freezeRow: top + 1, freezeColumn: 0)
    }

    func writeRevisions(_ sheet: Worksheet, page: Int) throws {
        let v = model.validated
        let revisions = Array(self.page(v.revisions, page))
        let part =
            v.revisions.count > Self.rowsPerPage
            ? "；本表为第 \(page * Self.rowsPerPage + 1)—\(page * Self.rowsPerPage + revisions.count) 条" : ""
        let listed = v.revisionCount > v.revisions.count ? "；此处列出前 \(v.revisions.count) 条" : ""
        let unchanged =
            v.unchangedResubmissions > 0 ? "；另有 \(v.unchangedResubmissions) 条后报数据与原值相同（已替代，数值未变，不列出）" : ""
        // Cells a later file reported the other way (a district total ⇄ enterprise by enterprise).
        let shown = v.replacedCells.prefix(5).map { x in
            let how =
                switch x.why {
                case .otherKind(let toEntities): toEntities ? "改为分企业报送" : "改为报送镇街合计"
                case .formReturn: "以填报表为准，未再列出的企业不再计入"
                }
            return "\(x.month) \(reference.districts[x.district].name) \(reference.metrics[x.metric].nameZh)"
                + "（\(x.earlier.map { v.files[$0.file].facts.file.relativePath }.joined(separator: "、")) → \(v.files[x.file].facts.file.relativePath)，\(how)）"
        }
        let replacedCells =
            v.replacedCells.isEmpty
            ? ""
            : "；\(v.replacedCells.count) 次镇街指标由后报文件整体替代（改变报送口径，或由填报表重报；镇街合计与分企业数据不相加）：\(shown.joined(separator: "；"))\(v.replacedCells.count > 5 ? "等" : "")"
        try writeTitle(
            sheet, "修订记录",
            v.revisions.isEmpty
                ? (v.replacedCells.isEmpty ? "本期无修订\(unchanged)" : "本期无逐条修订\(unchanged)\(replacedCells)")
                : "后报文件（按路径顺序在后）中的同一统计期、镇街、指标替代先报数据，共 \(v.revisionCount) 条\(listed)\(part)\(unchanged)\(replacedCells)")
        let top = 3
        let columns = ["统计期", "镇街", "指标", "主体", "原值", "新值", "变动", "原文件", "原行号", "新文件", "新行号"]
        try table(sheet, top: top, name: "Revisions\(page + 1)", columns: columns, rows: revisions.count) { i, r in
            let x = revisions[i]
            let metric = reference.metrics[x.key.metric]
            let format = styles.amount(metric)
            try sheet.write(string: x.key.month.description, row: r, column: 0, format: styles.text)
            try sheet.write(string: reference.districts[x.key.district].name, row: r, column: 1, format: styles.text)
            try sheet.write(string: metric.nameZh, row: r, column: 2, format: styles.text)
            try sheet.write(
                string: x.key.entity.isEmpty ? missing : x.key.entity, row: r, column: 3, format: styles.text)
            try sheet.write(number: x.old.value.doubleValue, row: r, column: 4, format: format)
            try sheet.write(number: x.new.value.doubleValue, row: r, column: 5, format: format)
            try sheet.write(number: (x.new.value - x.old.value).doubleValue, row: r, column: 6, format: format)
            try sheet.write(string: v.files[x.old.file].facts.file.relativePath, row: r, column: 7, format: styles.text)
            try sheet.write(number: Double(x.old.line), row: r, column: 8, format: styles.integer)
            try sheet.write(string: v.files[x.new.file].facts.file.relativePath, row: r, column: 9, format: styles.text)
            try sheet.write(number: Double(x.new.line), row: r, column: 10, format: styles.integer)
        }
        try finish(sheet, title: "修订记录", headerRow: top, freezeRow: top + 1, freezeColumn: 0)
    }

    func writeCollection(_ sheet: Worksheet, _ status: CollectionStatus) throws {
        let zone = model.settings.timeZone
        let deadline = CollectionStatus.format(status.deadline, timeZone: zone)
        try writeTitle(
            sheet, "报送情况（\(periodZh)）",
            "报送截止 \(deadline)（\(zone.identifier)）；\(reference.districts.count) 个镇街中已报齐 \(status.entries.filter { $0.state == .complete }.count) 个、部分缺报 \(status.entries.filter { $0.state == .incomplete }.count) 个、未报送 \(status.missing) 个、报表被拒收 \(status.rejected) 个，逾期 \(status.late) 个。报送时间为文件的修改时间"
        )
        let top = 3
        let columns = ["代码", "镇街", "状态", "报送文件", "形式", "报送时间", "采用条数", "拒收条数", "缺报指标"]
        try table(sheet, top: top, name: "Collection", columns: columns, rows: status.entries.count) { i, r in
            let x = status.entries[i]
            let d = reference.districts[x.district]
            try sheet.write(string: d.code, row: r, column: 0, format: styles.text)
            try sheet.write(string: d.name, row: r, column: 1, format: styles.text)
            try sheet.write(string: x.chinese, row: r, column: 2, format: styles.text)
            let files = x.sent.map(\.path).joined(separator: "；")
            try sheet.write(string: files.isEmpty ? missing : cellText(files), row: r, column: 3, format: styles.text)
            let kinds = Array(Set(x.sent.map { CollectionStatus.chineseKind($0.kind) })).sorted().joined(separator: "、")
            try sheet.write(string: kinds.isEmpty ? missing : kinds, row: r, column: 4, format: styles.text)
            try sheet.write(
                string: x.arrived.map { CollectionStatus.format($0, timeZone: zone) } ?? missing, row: r, column: 5,
                format: styles.text)
            try sheet.write(number: Double(x.used), row: r, column: 6, format: styles.integer)
            try sheet.write(
                number: Double(x.sent.reduce(0) { $0 + $1.rejected }), row: r, column: 7, format: styles.integer)
            let lacking = x.missingMetrics.map { reference.metrics[$0].nameZh }.joined(separator: "、")
            try sheet.write(string: lacking.isEmpty ? missing : lacking, row: r, column: 8, format: styles.text)
        }
        try finish(sheet, title: "报送情况", headerRow: top, freezeRow: top + 1, freezeColumn: 2)
    }

    func writeMissing(_ sheet: Worksheet) throws {
        let missingList = model.quality.missing
        try writeTitle(
            sheet, "缺报镇街（\(periodZh)）", missingList.isEmpty ? "本期各镇街均已报送全部指标" : "\(missingList.count) 个镇街缺报一项或多项指标")
        let top = 3
        try table(sheet, top: top, name: "Missing", columns: ["代码", "镇街", "缺报指标", "缺报项数"], rows: missingList.count) {
            i, r in
            let x = missingList[i]
            let d = reference.districts[x.district]
            try sheet.write(string: d.code, row: r, column: 0, format: styles.text)
            try sheet.write(string: d.name, row: r, column: 1, format: styles.text)
            try sheet.write(
                string: x.metrics.map { reference.metrics[$0].nameZh }.joined(separator: "、"), row: r, column: 2,
                format: styles.text)
            try sheet.write(number: Double(x.metrics.count), row: r, column: 3, format: styles.integer)
        }
        try finish(sheet, title: "缺报镇街", headerRow: top, freezeRow: top + 1, freezeColumn: 0)
    }

    func writeOutliers(_ sheet: Worksheet) throws {
        // A withheld figure is not listed (its month and the month before would show it).
        let list = model.quality.outliers.filter { x in
            let code = reference.districts[x.district].code
            let id = reference.metrics[x.metric].id
            return shown(periodText, code, id, .month) != nil && shown(periodText, code, id, .mom) != nil
        }
        try writeTitle(sheet, "异常波动（\(periodZh)）", "环比绝对值超过 \(percent(model.settings.outlierThreshold)) 的镇街数据，请核实")
        let top = 3
        try table(sheet, top: top, name: "Outliers", columns: ["代码", "镇街", "指标", "上月", "当月", "环比"], rows: list.count) {
            i, r in
            let x = list[i]
            let d = reference.districts[x.district]
            let metric = reference.metrics[x.metric]
            try sheet.write(string: d.code, row: r, column: 0, format: styles.text)
            try sheet.write(string: d.name, row: r, column: 1, format: styles.text)
            try sheet.write(string: "\(metric.nameZh)（\(metric.unit.symbol)）", row: r, column: 2, format: styles.text)
            try sheet.write(number: x.previous.doubleValue, row: r, column: 3, format: styles.amount(metric))
            try sheet.write(number: x.month.doubleValue, row: r, column: 4, format: styles.amount(metric))
            try sheet.write(number: x.mom.doubleValue, row: r, column: 5, format: styles.ratio)
        }
        try finish(sheet, title: "异常波动", headerRow: top, freezeRow: top + 1, freezeColumn: 0)
    }
}

/// Makes sheet names that Excel accepts: at most 31 characters, none of `[]:*?/\`, no leading or
/// trailing apostrophe, unique (case-insensitively) in the workbook.
struct SheetNamer {
    private var used: Set<String> = []

    static func sanitize(_ name: String) -> String {
        var cleaned = String(name.map { "[]:*?/\\".contains($0) ? "_" : $0 })
        while cleaned.hasPrefix("'") { cleaned.removeFirst() }
        while cleaned.hasSuffix("'") { cleaned.removeLast() }
        if cleaned.isEmpty { cleaned = "Sheet" }
        return String(cleaned.prefix(31))
    }

    mutating func take(_ wanted: String) -> String {
        let base = Self.sanitize(wanted)
        var candidate = base
        var n = 2
        while used.contains(candidate.lowercased()) {
            let suffix = "(\(n))"
            candidate = String(base.prefix(31 - suffix.count)) + suffix
            n += 1
        }
        used.insert(candidate.lowercased())
        return candidate
    }
}
