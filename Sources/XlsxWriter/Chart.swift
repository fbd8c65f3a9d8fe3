import CXlsxWriter

/// A chart of a ``Workbook``, placed on a sheet with ``Worksheet/insert(chart:row:column:xScale:yScale:)``.
///
/// Series refer to cell ranges (``CellReference/range(sheet:firstRow:firstColumn:lastRow:lastColumn:)``),
/// so the chart shows what the cells hold.
/// See <https://libxlsxwriter.github.io/chart_8h.html>.
public final class Chart {
    public enum Kind: Sendable { case bar, column, line }
    public enum LegendPosition: Sendable { case none, bottom, right, top }

    let workbook: Workbook
    public let kind: Kind
    private let pointer: UnsafeMutablePointer<lxw_chart>

    /// Adds a chart to `workbook`.
    public init(workbook: Workbook, kind: Kind) throws {
        let op = "workbook_add_chart"
        let book = try workbook.requireOpen(op)
        let type: UInt8 =
            switch kind {
            case .bar: UInt8(LXW_CHART_BAR.rawValue)
            case .column: UInt8(LXW_CHART_COLUMN.rawValue)
            case .line: UInt8(LXW_CHART_LINE.rawValue)
            }
        guard let chart = workbook_add_chart(book, type) else {
            throw XlsxError(misuse: "libxlsxwriter could not create the chart", operation: op, context: workbook.path)
        }
        self.workbook = workbook
        self.kind = kind
        self.pointer = chart
    }

    func handle(_ operation: String) throws -> UnsafeMutablePointer<lxw_chart> {
        _ = try workbook.requireOpen(operation, context: "chart")
        return pointer
    }

    /// Adds a series: `categories` and `values` are range references; `name` is the legend text.
    public func addSeries(name: String, categories: String, values: String) throws {
        let op = "chart_add_series"
        let chart = try handle(op)
        let series = XMLText.withCString(categories, as: .plain) { cCat in
            XMLText.withCString(values, as: .plain) { cVal in chart_add_series(chart, cCat, cVal) }
        }
        guard let series else {
            throw XlsxError(
                misuse: "libxlsxwriter refused the series", operation: op, context: "chart series '\(name)' \(values)")
        }
        XMLText.withCString(name, as: .plain) { chart_series_set_name(series, $0) }
    }

    /// Sets the chart title.
    public func setTitle(_ title: String) throws {
        let chart = try handle("chart_title_set_name")
        XMLText.withCString(title, as: .plain) { chart_title_set_name(chart, $0) }
    }

    /// Names the category and value axes; `valueFormat` is the number format of the value axis;
    /// `reverseCategories` lists the categories from the top (bar charts) or the right.
    public func setAxes(
        categoryName: String? = nil, valueName: String? = nil, valueFormat: String? = nil,
        reverseCategories: Bool = false
    ) throws {
        let chart = try handle("chart_axis_set_name")
        // A bar chart is rotated: libxlsxwriter's x_axis is then the value axis and y_axis the categories.
        let (categoryAxis, valueAxis) =
            kind == .bar ? (chart.pointee.y_axis, chart.pointee.x_axis) : (chart.pointee.x_axis, chart.pointee.y_axis)
        if let categoryName { XMLText.withCString(categoryName, as: .plain) { chart_axis_set_name(categoryAxis, $0) } }
        if let valueName { XMLText.withCString(valueName, as: .plain) { chart_axis_set_name(valueAxis, $0) } }
        if let valueFormat { XMLText.withCString(valueFormat, as: .plain) { chart_axis_set_num_format(valueAxis, $0) } }
        if reverseCategories { chart_axis_set_reverse(categoryAxis) }
    }

    /// Places or hides the legend.
    public func setLegend(_ position: LegendPosition) throws {
        let chart = try handle("chart_legend_set_position")
        let value: UInt8 =
            switch position {
            case .none: UInt8(LXW_CHART_LEGEND_NONE.rawValue)
            case .bottom: UInt8(LXW_CHART_LEGEND_BOTTOM.rawValue)
            case .right: UInt8(LXW_CHART_LEGEND_RIGHT.rawValue)
            case .top: UInt8(LXW_CHART_LEGEND_TOP.rawValue)
            }
        chart_legend_set_position(chart, value)
    }
}
