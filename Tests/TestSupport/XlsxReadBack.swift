import Foundation
import ZIPFoundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// An independent reader of .xlsx files for tests: unzips the package and parses its XML, so a
/// workbook is checked by what is in the file, not by what the writer was asked to do.
public struct XlsxReadBack {
    public enum CellValue: Equatable, CustomStringConvertible {
        case number(Double)
        case string(String)
        case bool(Bool)

        public var description: String {
            switch self {
            case .number(let d): String(d)
            case .string(let s): s
            case .bool(let b): String(b)
            }
        }
    }

    public struct Cell: Equatable {
        public let value: CellValue?
        /// The formula without its leading `=`, if the cell holds one.
        public let formula: String?
    }

    public struct Sheet {
        public let name: String
        public let path: String
        /// By A1 reference.
        public let cells: [String: Cell]
        /// The raw XML.
        public let xml: String

        public subscript(_ ref: String) -> Cell? { cells[ref] }
    }

    /// Sheets in workbook order.
    public let sheets: [Sheet]
    /// Every part of the package by path, as text where it is XML.
    public let parts: [String: Data]

    public func sheet(_ name: String) -> Sheet? { sheets.first { $0.name == name } }

    public init(url: URL) throws {
        let archive = try Archive(url: url, accessMode: .read)
        var parts: [String: Data] = [:]
        for entry in archive {
            var data = Data()
            _ = try archive.extract(entry) { data.append($0) }
            parts[entry.path] = data
        }
        self.parts = parts
        func xml(_ path: String) throws -> Data {
            guard let data = parts[path] else { throw ReadBackError("missing part \(path)") }
            return data
        }
        let shared = parts["xl/sharedStrings.xml"].map { SharedStringsParser.parse($0) } ?? []
        let rels = ElementCollector.collect(try xml("xl/_rels/workbook.xml.rels"), element: "Relationship")
        var targets: [String: String] = [:]
        for r in rels { targets[r["Id"] ?? ""] = r["Target"] }
        let sheetEntries = ElementCollector.collect(try xml("xl/workbook.xml"), element: "sheet")
        sheets = try sheetEntries.map { entry in
            let name = entry["name"] ?? ""
            guard let target = targets[entry["r:id"] ?? ""] else {
                throw ReadBackError("sheet \(name) has no relationship")
            }
            let path = target.hasPrefix("/") ? String(target.dropFirst()) : "xl/" + target
            let data = try xml(path)
            return Sheet(
                name: name, path: path, cells: SheetParser.parse(data, shared: shared),
                xml: String(decoding: data, as: UTF8.self))
        }
    }

    public struct ReadBackError: Error, CustomStringConvertible {
        public let description: String
        init(_ d: String) { description = d }
    }
}

/// Collects the attributes of every element with a given name.
final class ElementCollector: NSObject, XMLParserDelegate {
    let element: String
    var found: [[String: String]] = []
    init(element: String) { self.element = element }

    static func collect(_ data: Data, element: String) -> [[String: String]] {
        let delegate = ElementCollector(element: element)
        let parser = XMLParser(data: data)
        parser.delegate = delegate
        parser.parse()
        return delegate.found
    }

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName qName: String?,
        attributes attributeDict: [String: String] = [:]
    ) {
        if elementName == element { found.append(attributeDict) }
    }
}

/// `xl/sharedStrings.xml`: each `<si>` is one string (plain `<t>` or rich-text runs).
final class SharedStringsParser: NSObject, XMLParserDelegate {
    var strings: [String] = []
    var current = ""
    var inText = false

    static func parse(_ data: Data) -> [String] {
        let delegate = SharedStringsParser()
        let parser = XMLParser(data: data)
        parser.delegate = delegate
        parser.parse()
        return delegate.strings
    }

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName qName: String?,
        attributes attributeDict: [String: String] = [:]
    ) {
        if elementName == "si" { current = "" }
        if elementName == "t" { inText = true }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if inText { current += string }
    }

    func parser(
        _ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?
    ) {
        if elementName == "t" { inText = false }
        if elementName == "si" { strings.append(current) }
    }
}

/// A worksheet's `<c>` cells: `t="s"` shared string, `t="str"` formula string, `t="inlineStr"`,
/// `t="b"` boolean, otherwise a number.
final class SheetParser: NSObject, XMLParserDelegate {
    let shared: [String]
    var cells: [String: XlsxReadBack.Cell] = [:]
    var ref = ""
    var type = ""
    var value: String?
    var formula: String?
    var text = ""
    var capture = false

    init(shared: [String]) { self.shared = shared }

    static func parse(_ data: Data, shared: [String]) -> [String: XlsxReadBack.Cell] {
        let delegate = SheetParser(shared: shared)
        let parser = XMLParser(data: data)
        parser.delegate = delegate
        parser.parse()
        return delegate.cells
    }

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName qName: String?,
        attributes attributeDict: [String: String] = [:]
    ) {
        switch elementName {
        case "c":
            ref = attributeDict["r"] ?? ""
            type = attributeDict["t"] ?? "n"
            value = nil
            formula = nil
        case "v", "f", "t":
            capture = true
            text = ""
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if capture { text += string }
    }

    func parser(
        _ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?
    ) {
        switch elementName {
        case "v", "t":
            value = (value ?? "") + text
            capture = false
        case "f":
            formula = text
            capture = false
        case "c":
            let cellValue: XlsxReadBack.CellValue? = value.flatMap { raw in
                switch type {
                case "s": Int(raw).flatMap { $0 < shared.count ? .string(shared[$0]) : nil }
                case "str", "inlineStr": .string(raw)
                case "b": .bool(raw == "1")
                default: Double(raw).map { .number($0) }
                }
            }
            cells[ref] = XlsxReadBack.Cell(value: cellValue, formula: formula)
        default: break
        }
    }
}
