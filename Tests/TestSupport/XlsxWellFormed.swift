import Foundation
import ZIPFoundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

extension XlsxReadBack {
    /// The XML parts of the .xlsx at `url` (`*.xml`, `*.rels`, `*.vml`) that Foundation's
    /// `XMLParser` does not accept as well-formed, each as `path: parser error`; empty when every
    /// part is well-formed (what Excel needs to open the file without offering a repair).
    ///
    /// Use it as `#expect(try XlsxReadBack.malformedXMLParts(at: url) == [])`.
    public static func malformedXMLParts(at url: URL) throws -> [String] {
        let archive = try Archive(url: url, accessMode: .read)
        var malformed: [String] = []
        var xmlParts = 0
        for entry in archive where entry.type == .file {
            let path = entry.path
            guard path.hasSuffix(".xml") || path.hasSuffix(".rels") || path.hasSuffix(".vml") else { continue }
            xmlParts += 1
            var data = Data()
            _ = try archive.extract(entry) { data.append($0) }
            let parser = XMLParser(data: data)
            if !parser.parse() {
                let error = parser.parserError.map { "\($0)" } ?? "unknown error"
                malformed.append("\(path): line \(parser.lineNumber) column \(parser.columnNumber): \(error)")
            }
        }
        if xmlParts == 0 { malformed.append("\(url.lastPathComponent): no XML parts at all") }
        return malformed.sorted()
    }

    /// Cell text as Excel shows it: the OOXML `_xHHHH_` escape (ECMA-376 Part 1, §22.9.2.19) decoded,
    /// `HHHH` being a UTF-16 code unit (surrogate pairs combine; an unpaired one becomes U+FFFD).
    public static func decodingEscapes(_ text: String) -> String {
        let scalars = Array(text.unicodeScalars)
        var units: [UInt16] = []
        var i = 0
        while i < scalars.count {
            if i + 7 <= scalars.count, scalars[i] == "_", scalars[i + 1] == "x", scalars[i + 6] == "_",
                scalars[(i + 2)..<(i + 6)].allSatisfy({ $0.properties.isASCIIHexDigit }),
                let unit = UInt16(String(String.UnicodeScalarView(scalars[(i + 2)..<(i + 6)])), radix: 16)
            {
                units.append(unit)
                i += 7
            } else {
                units.append(contentsOf: String(scalars[i]).utf16)
                i += 1
            }
        }
        return String(decoding: units, as: UTF16.self)
    }
}
