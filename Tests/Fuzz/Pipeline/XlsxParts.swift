// A minimal, independent .xlsx reader for the whole-pipeline fuzz target: the zip's central
// directory, each part inflated with zlib, and every XML part parsed with Foundation's XMLParser.
// (The test suite's reader uses ZIPFoundation; this one has no dependency but zlib, so that the fuzz
// build stays a plain swiftc invocation.)
import CZlib
import Foundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

enum XlsxParts {
    struct Malformed: Error, CustomStringConvertible {
        let description: String
    }

    /// Every part of the zip at `path`, by name.
    static func read(_ path: String) throws -> [String: [UInt8]] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Malformed(description: "cannot read \(path)")
        }
        let bytes = [UInt8](data)
        func u16(_ at: Int) throws -> Int {
            guard at >= 0, at + 2 <= bytes.count else { throw Malformed(description: "truncated at \(at)") }
            return Int(bytes[at]) | Int(bytes[at + 1]) << 8
        }
        func u32(_ at: Int) throws -> Int { try (u16(at) | u16(at + 2) << 16) }
        func u64(_ at: Int) throws -> Int { try (u32(at) | u32(at + 4) << 32) }

        // End of central directory: the last PK\5\6.
        var eocd = bytes.count - 22
        while eocd >= 0,
            !(bytes[eocd] == 0x50 && bytes[eocd + 1] == 0x4B && bytes[eocd + 2] == 5 && bytes[eocd + 3] == 6)
        { eocd -= 1 }
        guard eocd >= 0 else { throw Malformed(description: "no end of central directory") }
        var entries = try u16(eocd + 10)
        var directory = try u32(eocd + 16)
        if entries == 0xFFFF || directory == 0xFFFF_FFFF {
            // Zip64: the locator sits just before, pointing at the zip64 end record.
            let locator = eocd - 20
            guard try u32(locator) == 0x0706_4B50 else { throw Malformed(description: "zip64 locator missing") }
            let record = try u64(locator + 8)
            guard try u32(record) == 0x0606_4B50 else { throw Malformed(description: "zip64 end record missing") }
            entries = try u64(record + 32)
            directory = try u64(record + 48)
        }
        var parts: [String: [UInt8]] = [:]
        var at = directory
        for _ in 0..<entries {
            guard try u32(at) == 0x0201_4B50 else {
                throw Malformed(description: "bad central directory entry at \(at)")
            }
            let method = try u16(at + 10)
            var uncompressed = try u32(at + 24)
            let nameLength = try u16(at + 28)
            let extraLength = try u16(at + 30)
            let commentLength = try u16(at + 32)
            var local = try u32(at + 42)
            guard at + 46 + nameLength <= bytes.count else { throw Malformed(description: "truncated name") }
            let name = String(decoding: bytes[(at + 46)..<(at + 46 + nameLength)], as: UTF8.self)
            // Zip64 extra field: the 0xFFFFFFFF values, in order.
            var extra = at + 46 + nameLength
            let extraEnd = extra + extraLength
            while extra + 4 <= extraEnd {
                let id = try u16(extra)
                let size = try u16(extra + 2)
                if id == 1 {
                    var field = extra + 4
                    if uncompressed == 0xFFFF_FFFF {
                        uncompressed = try u64(field)
                        field += 8
                    }
                    if try u32(at + 20) == 0xFFFF_FFFF { field += 8 }
                    if local == 0xFFFF_FFFF { local = try u64(field) }
                }
                extra += 4 + size
            }
            guard try u32(local) == 0x0403_4B50 else { throw Malformed(description: "bad local header for \(name)") }
            let start = try local + 30 + u16(local + 26) + u16(local + 28)
            guard start <= bytes.count else { throw Malformed(description: "truncated part \(name)") }
            let payload = Array(bytes[start...])
            parts[name] =
                method == 0
                ? Array(payload.prefix(uncompressed)) : try inflate(payload, expected: uncompressed, name: name)
            at += 46 + nameLength + extraLength + commentLength
        }
        return parts
    }

    /// Raw deflate → bytes.
    static func inflate(_ input: [UInt8], expected: Int, name: String) throws -> [UInt8] {
        var stream = z_stream()
        guard inflateInit2_(&stream, -MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw Malformed(description: "inflateInit2 failed")
        }
        defer { inflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: max(expected, 1))
        var input = input
        let status = input.withUnsafeMutableBufferPointer { src in
            output.withUnsafeMutableBufferPointer { dst in
                stream.next_in = src.baseAddress
                stream.avail_in = uInt(src.count)
                stream.next_out = dst.baseAddress
                stream.avail_out = uInt(dst.count)
                return CZlib.inflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END, Int(stream.total_out) == expected else {
            throw Malformed(description: "\(name): inflate status \(status), \(stream.total_out) of \(expected) bytes")
        }
        return output
    }

    /// The XML parts (`*.xml`, `*.rels`) that are not well-formed XML 1.0, with the parser's error.
    static func malformedXMLParts(_ path: String) throws -> [String] {
        var problems: [String] = []
        for (name, bytes) in try read(path) where name.hasSuffix(".xml") || name.hasSuffix(".rels") {
            let parser = XMLParser(data: Data(bytes))
            if !parser.parse() {
                problems.append(
                    "\(name): \(parser.parserError.map { "\($0)" } ?? "not well-formed") at line \(parser.lineNumber)")
            }
        }
        return problems
    }
}
