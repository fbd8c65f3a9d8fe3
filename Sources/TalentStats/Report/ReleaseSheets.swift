import XlsxWriter

/// What a release adds to the workbook: the symbol key (符号说明) on the cover, the sheet of revised
/// published figures (已发布数据修订) and the notes sheet (注释).
extension Layout {
    /// Every mark the workbook uses, with its meaning (the cover's 符号说明).
    var symbolKey: [(symbol: String, meaning: String)] {
        let months = model.marks.provisionalMonths
        let provisional =
            months.isEmpty
            ? "初步数：本报告未标注初步数"
            : "初步数：依据 \(months.map(WorkbookReport.chinese).joined(separator: "、")) 数据的数值，以后发布时可能修订"
        var key = [
            (missing, "无数据或无法计算（如缺报、上年同期为零），不表示零"),
            (FigureMarks.Kind.revised.symbol, "修订数：与此前发布的数值不同（见“已发布数据修订”表，列出原值、新值及引起变动的原始数据）"),
            (FigureMarks.Kind.provisional.symbol, provisional),
        ]
        if model.marks.flags.contains(where: { $0.kind == .suppressed }) {
            key.append((FigureMarks.Kind.suppressed.symbol, "保密：数值可能反映单个企业的数据，依《统计法》第二十五条不予公布"))
        }
        key.append(("取自X月", "时点指标的年度数取自该镇街当年最后报送月份（年度表“备注”列）"))
        return key
    }

    /// What 可比同比 means (计算口径 and 注释).
    var comparableMeaning: String {
        "按可比口径计算的同比：全市为两期有数据月份相同的镇街之和相比；分企业报送的镇街为两期报送月份相同的企业之和相比。"
            + "新纳入或退出统计范围的镇街、企业不影响可比同比；两期均无可比单位时不计算"
    }

    static func measureName(_ measure: Measure) -> String {
        switch measure {
        case .month: "当月"
        case .ytd: "累计"
        case .ytdPrev: "同期累计"
        case .yoy: "同比"
        case .mom: "环比"
        case .share: "占比"
        case .rank: "排名"
        case .yoyComparable: "可比同比"
        case .annual: "年度"
        case .months: "有数据月数"
        case .annualShare: "年度占比"
        case .annualRank: "年度排名"
        case .annualYoy: "年度同比"
        case .annualYoyComparable: "年度可比同比"
        }
    }

    /// 已发布数据修订: every figure whose value differs from what an earlier release published.
    func writePublishedRevisions(_ sheet: Worksheet, page: Int) throws {
        // A withheld figure is left out (its old value could be one enterprise's), counted only.
        let all = model.marks.shownRevisions
        let withheld = model.marks.revisions.count - all.count
        let revisions = Array(self.page(all, page))
        let part =
            all.count > Self.rowsPerPage
            ? "；本表为第 \(page * Self.rowsPerPage + 1)—\(page * Self.rowsPerPage + revisions.count) 条" : ""
        try writeTitle(
            sheet, "已发布数据修订",
            (all.isEmpty
                ? "本次发布的数据与此前发布的数值均相同（或此前未发布）"
                : "与此前发布的数值不同的数据共 \(all.count) 个，在各表中以 \(FigureMarks.Kind.revised.symbol) 标注\(part)")
                + (withheld > 0 ? "；另有 \(withheld) 个保密数据（\(FigureMarks.Kind.suppressed.symbol)）的修订不予列出" : ""))
        let top = 3
        let columns = [
            "统计期", "镇街代码", "镇街", "指标", "口径", "首次发布", "上次发布", "原值", "新值", "变动", "引起变动的原始数据（文件:行）",
        ]
        let names = Dictionary(
            uniqueKeysWithValues: [(reference.city.code, reference.city.name)]
                + reference.districts.map { ($0.code, $0.name) })
        let metrics = Dictionary(uniqueKeysWithValues: reference.metrics.map { ($0.id, $0) })
        try table(sheet, top: top, name: "PublishedRevisions\(page + 1)", columns: columns, rows: revisions.count) {
            i, r in
            let x = revisions[i]
            let metric = metrics[x.key.metric]
            let isRatio = x.key.measure.isRatio
            let format =
                isRatio
                ? styles.ratio
                : [.rank, .months, .annualRank].contains(x.key.measure)
                    ? styles.integer
                    : metric.map { styles.amount($0) } ?? styles.money
            try sheet.write(string: x.key.period, row: r, column: 0, format: styles.text)
            try sheet.write(string: x.key.districtCode, row: r, column: 1, format: styles.text)
            try sheet.write(string: names[x.key.districtCode] ?? missing, row: r, column: 2, format: styles.text)
            try sheet.write(string: metric?.nameZh ?? x.key.metric, row: r, column: 3, format: styles.text)
            try sheet.write(string: Self.measureName(x.key.measure), row: r, column: 4, format: styles.text)
            try sheet.write(string: "第 \(x.previous.firstRelease) 号", row: r, column: 5, format: styles.text)
            try sheet.write(string: "第 \(x.previous.release) 号", row: r, column: 6, format: styles.text)
            if model.marks[x.key].contains(.suppressed) {
                for column in 7...9 {
                    try sheet.write(
                        string: FigureMarks.Kind.suppressed.symbol, row: r, column: column, format: styles.missing)
                }
            } else {
                try sheet.write(number: x.old.doubleValue, row: r, column: 7, format: format)
                try sheet.write(number: x.new.doubleValue, row: r, column: 8, format: format)
                try sheet.write(number: (x.new - x.old).doubleValue, row: r, column: 9, format: format)
            }
            let lines = model.revisionSources[x.key] ?? []
            let shown = lines.prefix(5).joined(separator: "；")
            try sheet.write(
                string: cellText(lines.count > 5 ? "\(shown)；等 \(lines.count) 项" : shown.isEmpty ? missing : shown),
                row: r, column: 10, format: styles.text)
        }
        try finish(sheet, title: "已发布数据修订", headerRow: top, freezeRow: top + 1, freezeColumn: 0)
    }

    /// 注释: the footnotes of the workbook, numbered.
    func writeNotes(_ sheet: Worksheet) throws {
        try writeTitle(sheet, "注释", "本报告各表所用符号与口径的说明")
        let months = model.marks.provisionalMonths
        var notes: [String] = []
        notes.append(
            months.isEmpty
                ? "本报告未标注初步数。"
                : "标注 \(FigureMarks.Kind.provisional.symbol) 的数值为初步数：依据 \(months.map(WorkbookReport.chinese).joined(separator: "、")) 的数据，"
                    + "各镇街仍可补报或更正，下次发布时可能修订。")
        let revised = model.marks.revisedCount
        notes.append(
            revised == 0
                ? "本次发布未修订此前发布的数值。"
                : "标注 \(FigureMarks.Kind.revised.symbol) 的数值与此前发布的数值不同，共 \(revised) 个，详见“已发布数据修订”表。")
        notes.append(comparableMeaning + "。")
        notes.append("时点指标的年度数为该年最后有数据月份的数值；未报12月的镇街取其当年最后报送月份，年度表“备注”列注明。")
        notes.append("全市数据为报送镇街之和；各表全市合计在各镇街数值相加等于全市数时为 SUM 公式。")
        if let id = model.releaseID {
            notes.append("本报告为第 \(id) 号发布；历次发布的全部数据保存在输出目录的 releases.sqlite 中，可用 talentstats releases 查看。")
        }
        let top = 3
        try table(sheet, top: top, name: "Notes", columns: ["序号", "注释"], rows: notes.count) { i, r in
            try sheet.write(number: Double(i + 1), row: r, column: 0, format: styles.integer)
            try sheet.write(string: notes[i], row: r, column: 1, format: styles.text)
        }
        try finish(sheet, title: "注释", headerRow: top, freezeRow: top + 1, freezeColumn: 0)
    }
}
