import CXlsxWriter

/// A cell format described as a value, so equal styles share one C format.
///
/// See <https://libxlsxwriter.github.io/format_8h.html>.
public struct CellStyle: Hashable, Sendable {
    public enum HorizontalAlignment: Hashable, Sendable { case left, center, right }
    public enum VerticalAlignment: Hashable, Sendable { case top, center, bottom }

    public var bold = false
    public var italic = false
    public var fontName: String?
    public var fontSize: Double?
    /// RGB, e.g. `0x1F4E79`.
    public var fontColor: UInt32?
    /// Solid fill colour, RGB.
    public var background: UInt32?
    /// An Excel number format, e.g. `#,##0.00` or `0.0%`.
    public var numberFormat: String?
    public var horizontal: HorizontalAlignment?
    public var vertical: VerticalAlignment?
    public var wrap = false
    /// Thin border on all four sides.
    public var border = false
    /// Thin border under the cell only.
    public var bottomBorder = false
    /// Single underline (used for hyperlinks).
    public var underline = false
    /// Whether a protected sheet keeps the cell from being changed (Excel's default: locked).
    public var locked = true

    public init(
        bold: Bool = false, italic: Bool = false, fontName: String? = nil, fontSize: Double? = nil,
        fontColor: UInt32? = nil, background: UInt32? = nil, numberFormat: String? = nil,
        horizontal: HorizontalAlignment? = nil, vertical: VerticalAlignment? = nil, wrap: Bool = false,
        border: Bool = false, bottomBorder: Bool = false, underline: Bool = false, locked: Bool = true
    ) {
        self.bold = bold
        self.italic = italic
        self.fontName = fontName
        self.fontSize = fontSize
        self.fontColor = fontColor
        self.background = background
        self.numberFormat = numberFormat
        self.horizontal = horizontal
        self.vertical = vertical
        self.wrap = wrap
        self.border = border
        self.bottomBorder = bottomBorder
        self.underline = underline
        self.locked = locked
    }

    /// Copies the style onto a fresh C format.
    func apply(to format: UnsafeMutablePointer<lxw_format>) {
        if bold { format_set_bold(format) }
        if italic { format_set_italic(format) }
        if let fontName { XMLText.withCString(fontName, as: .plain) { format_set_font_name(format, $0) } }
        if let fontSize { format_set_font_size(format, fontSize) }
        if let fontColor { format_set_font_color(format, lxw_color_t(fontColor)) }
        if let background {
            format_set_pattern(format, UInt8(LXW_PATTERN_SOLID.rawValue))
            format_set_bg_color(format, lxw_color_t(background))
        }
        if let numberFormat { XMLText.withCString(numberFormat, as: .plain) { format_set_num_format(format, $0) } }
        switch horizontal {
        case .left: format_set_align(format, UInt8(LXW_ALIGN_LEFT.rawValue))
        case .center: format_set_align(format, UInt8(LXW_ALIGN_CENTER.rawValue))
        case .right: format_set_align(format, UInt8(LXW_ALIGN_RIGHT.rawValue))
        case nil: break
        }
        switch vertical {
        case .top: format_set_align(format, UInt8(LXW_ALIGN_VERTICAL_TOP.rawValue))
        case .center: format_set_align(format, UInt8(LXW_ALIGN_VERTICAL_CENTER.rawValue))
        case .bottom: format_set_align(format, UInt8(LXW_ALIGN_VERTICAL_BOTTOM.rawValue))
        case nil: break
        }
        if wrap { format_set_text_wrap(format) }
        if border { format_set_border(format, UInt8(LXW_BORDER_THIN.rawValue)) }
        if bottomBorder { format_set_bottom(format, UInt8(LXW_BORDER_THIN.rawValue)) }
        if underline { format_set_underline(format, UInt8(LXW_UNDERLINE_SINGLE.rawValue)) }
        if !locked { format_set_unlocked(format) }
    }
}
