import Foundation

/// A streaming scanner for the XML of Office Open XML parts: bytes go in as they are inflated, in
/// chunks of any size, and elements come out as events. Names are local (a prefix such as `x:` is
/// dropped), so workbooks written with namespace prefixes read the same.
///
/// It is the subset that spreadsheet parts use, with limits: elements, attributes, text with the
/// five named and the numeric character references, CDATA, comments and processing instructions.
/// A document type declaration is refused (no entity can expand), and so is a token longer than
/// ``maxTokenBytes``. Not a validating parser: what it cannot read it reports, naming the byte.
struct XMLScanner {
    protocol Handler {
        mutating func start(_ name: String, _ attributes: [String: String]) throws
        mutating func end(_ name: String) throws
        /// Character data between tags (whitespace included); called only while ``wantsText``.
        mutating func text(_ text: String) throws
        var wantsText: Bool { get }
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The longest tag or run of text held while waiting for its end (a cell holds at most 32,767
    /// characters; text nobody wants is dropped as it comes, whatever its length).
    static let maxTokenBytes = 1 << 20

    private var buffer: [UInt8] = []
    private var position = 0
    /// Bytes of the part scanned before `buffer[0]`, for messages.
    private var consumed = 0
    /// The names of the elements open, innermost last.
    private var open: [String] = []

    /// Scans `chunk`, delivering every complete token to `handler`.
    mutating func feed<H: Handler>(_ chunk: some Collection<UInt8>, to handler: inout H) throws {
        if consumed == 0 && position == 0 && buffer.isEmpty, let first = chunk.first, first == 0xFF || first == 0xFE {
            throw Failure(description: "the part is in UTF-16 (only UTF-8 parts are read)")
        }
        if position > 0 && position >= buffer.count / 2 {
            buffer.removeFirst(position)
            consumed += position
            position = 0
        }
        buffer.append(contentsOf: chunk)
        try scan(&handler, atEnd: false)
    }

    /// Ends the part: nothing may be left open.
    mutating func finish<H: Handler>(_ handler: inout H) throws {
        try scan(&handler, atEnd: true)
        if position < buffer.count {
            let rest = buffer[position...].allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
            if !rest { throw Failure(description: "the XML ends inside a tag") }
        }
        if !open.isEmpty { throw Failure(description: "the XML ends with \(open.count) elements still open") }
    }

    private func failure(_ what: String, at offset: Int) -> Failure {
        Failure(description: "\(what) at byte \(consumed + offset)")
    }

    private mutating func scan<H: Handler>(_ handler: inout H, atEnd: Bool) throws {
        let count = buffer.count
        while position < count {
            if buffer[position] != 0x3C {  // text up to the next '<'
                guard let lt = index(of: 0x3C, from: position) else {
                    if !handler.wantsText {
                        position = count  // whitespace between tags, or text no element asks for
                        return
                    }
                    if count - position > Self.maxTokenBytes { throw failure("text too long", at: position) }
                    return
                }
                if handler.wantsText { try handler.text(try decode(position, lt)) }
                position = lt
                continue
            }
            // Markup.
            if starts(with: "<!--", at: position) {
                guard let close = find("-->", from: position + 4) else { return try waitOrFail(atEnd) }
                position = close + 3
            } else if starts(with: "<![CDATA[", at: position) {
                guard let close = find("]]>", from: position + 9) else { return try waitOrFail(atEnd) }
                if handler.wantsText { try handler.text(try utf8(buffer[(position + 9)..<close], at: position + 9)) }
                position = close + 3
            } else if starts(with: "<?", at: position) {
                guard let close = find("?>", from: position + 2) else { return try waitOrFail(atEnd) }
                position = close + 2
            } else if starts(with: "<!", at: position) {
                if count - position < 9 && !atEnd { return }
                throw failure("a document type declaration (<!DOCTYPE …>) is not allowed in a workbook", at: position)
            } else {
                guard let gt = tagEnd(from: position + 1) else { return try waitOrFail(atEnd) }
                try tag(position + 1, gt, &handler)
                position = gt + 1
            }
        }
    }

    private func waitOrFail(_ atEnd: Bool) throws {
        if atEnd { throw failure("the XML ends inside markup", at: position) }
        if buffer.count - position > Self.maxTokenBytes { throw failure("a tag too long", at: position) }
    }

    private func index(of byte: UInt8, from: Int) -> Int? {
        var i = from
        while i < buffer.count {
            if buffer[i] == byte { return i }
            i += 1
        }
        return nil
    }

    private func starts(with text: StaticString, at offset: Int) -> Bool {
        let n = text.utf8CodeUnitCount
        guard offset + n <= buffer.count else {
            // A prefix of the marker at the end of the buffer is not (yet) the marker.
            return false
        }
        let p = text.utf8Start
        for k in 0..<n where buffer[offset + k] != p[k] { return false }
        return true
    }

    private func find(_ text: StaticString, from: Int) -> Int? {
        var i = from
        while i + text.utf8CodeUnitCount <= buffer.count {
            if starts(with: text, at: i) { return i }
            i += 1
        }
        return nil
    }

    /// The `>` that ends a tag begun before `from`, outside quoted attribute values.
    private func tagEnd(from: Int) -> Int? {
        var quote: UInt8 = 0
        var i = from
        while i < buffer.count {
            let b = buffer[i]
            if quote != 0 {
                if b == quote { quote = 0 }
            } else if b == 0x22 || b == 0x27 {
                quote = b
            } else if b == 0x3E {
                return i
            }
            i += 1
        }
        return nil
    }

    private static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }

    /// The local part of a qualified name.
    private func localName(_ start: Int, _ end: Int) -> String {
        var s = start
        for i in start..<end where buffer[i] == 0x3A { s = i + 1 }
        return String(decoding: buffer[s..<end], as: UTF8.self)
    }

    /// `[start, end)` is the inside of `<…>`.
    private mutating func tag<H: Handler>(_ start: Int, _ end: Int, _ handler: inout H) throws {
        var i = start
        if buffer[i] == 0x2F {  // </name>
            i += 1
            let nameStart = i
            while i < end && !Self.isSpace(buffer[i]) { i += 1 }
            guard i > nameStart else { throw failure("an end tag without a name", at: start) }
            let name = localName(nameStart, i)
            guard let innermost = open.popLast() else { throw failure("an end tag without its start", at: start) }
            guard innermost == name else { throw failure("an end tag </\(name)> inside <\(innermost)>", at: start) }
            try handler.end(name)
            return
        }
        var last = end
        let selfClosing = buffer[end - 1] == 0x2F
        if selfClosing { last -= 1 }
        let nameStart = i
        while i < last && !Self.isSpace(buffer[i]) { i += 1 }
        guard i > nameStart else { throw failure("a tag without a name", at: start) }
        let name = localName(nameStart, i)
        var attributes: [String: String] = [:]
        while true {
            while i < last && Self.isSpace(buffer[i]) { i += 1 }
            if i >= last { break }
            let keyStart = i
            while i < last && buffer[i] != 0x3D && !Self.isSpace(buffer[i]) { i += 1 }
            let keyEnd = i
            while i < last && Self.isSpace(buffer[i]) { i += 1 }
            guard i < last, buffer[i] == 0x3D else { throw failure("an attribute without a value", at: keyStart) }
            i += 1
            while i < last && Self.isSpace(buffer[i]) { i += 1 }
            guard i < last, buffer[i] == 0x22 || buffer[i] == 0x27 else {
                throw failure("an attribute value without quotes", at: i)
            }
            let quote = buffer[i]
            i += 1
            let valueStart = i
            while i < last && buffer[i] != quote { i += 1 }
            guard i < last else { throw failure("an unterminated attribute value", at: valueStart) }
            attributes[localName(keyStart, keyEnd)] = try decode(valueStart, i)
            i += 1
        }
        try handler.start(name, attributes)
        if selfClosing {
            try handler.end(name)
        } else {
            if open.count >= 256 { throw failure("elements nested more than 256 deep", at: start) }
            open.append(name)
        }
    }

    /// Bytes as UTF-8 text, refused when they are not UTF-8 (never replaced in silence).
    private func utf8(_ bytes: ArraySlice<UInt8>, at offset: Int) throws -> String {
        guard let text = String(bytes: bytes, encoding: .utf8) else {
            throw failure("bytes that are not UTF-8", at: offset)
        }
        return text
    }

    /// Text with its character references resolved.
    private func decode(_ start: Int, _ end: Int) throws -> String {
        guard let amp = buffer[start..<end].firstIndex(of: 0x26) else {
            return try utf8(buffer[start..<end], at: start)
        }
        var out: [UInt8] = Array(buffer[start..<amp])
        var i = amp
        while i < end {
            let b = buffer[i]
            guard b == 0x26 else {
                out.append(b)
                i += 1
                continue
            }
            guard let semi = buffer[i..<min(end, i + 12)].firstIndex(of: 0x3B) else {
                throw failure("a '&' that starts no character reference", at: i)
            }
            let name = String(decoding: buffer[(i + 1)..<semi], as: UTF8.self)
            switch name {
            case "lt": out.append(0x3C)
            case "gt": out.append(0x3E)
            case "amp": out.append(0x26)
            case "quot": out.append(0x22)
            case "apos": out.append(0x27)
            default:
                var scalar: UInt32?
                if name.hasPrefix("#x") || name.hasPrefix("#X") {
                    scalar = UInt32(name.dropFirst(2), radix: 16)
                } else if name.hasPrefix("#") {
                    scalar = UInt32(name.dropFirst(1), radix: 10)
                }
                guard let scalar, let u = Unicode.Scalar(scalar) else {
                    throw failure("an unknown character reference &\(name);", at: i)
                }
                out.append(contentsOf: Array(String(Character(u)).utf8))
            }
            i = semi + 1
        }
        return try utf8(out[...], at: start)
    }
}
