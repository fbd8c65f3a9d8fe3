import CByteScan
import Foundation

/// One CSV record, valid until the reader's next call: fields are byte ranges of the reader's
/// buffer (quoted fields already unescaped), so reading a record allocates nothing.
public struct RecordView {
    /// Physical line the record starts on (1-based).
    public let line: Int
    /// Byte offset of the record's first byte in the file.
    public let offset: Int
    public let count: Int
    let base: UnsafeMutablePointer<UInt8>
    let bounds: UnsafeMutablePointer<Int>

    /// Field `i`, or an empty field when the record has fewer.
    public subscript(_ i: Int) -> UnsafeBufferPointer<UInt8> {
        guard i < count else { return UnsafeBufferPointer(start: nil, count: 0) }
        let start = bounds[2 * i]
        let end = bounds[2 * i + 1]
        return UnsafeBufferPointer(start: base + start, count: end - start)
    }

    /// Copies of the fields (for headers, reference files and tests).
    public var fields: [[UInt8]] { (0..<count).map { Array(self[$0]) } }
}

/// What the reader finds next. A plain value (no reference inside): the reader returns one for
/// every record, and a message string in it would cost reference counting on every return.
public enum RecordEvent {
    case record(RecordView)
    /// A record that cannot be used, at its first line.
    case malformed(line: Int, problem: RecordProblem)
}

/// Why a record cannot be used.
public enum RecordProblem: Sendable, Equatable {
    /// Longer than the reader's limit (`max_record_bytes`).
    case tooLong(limit: Int)
    /// A quote opened on the record's first line is never closed.
    case unterminatedQuote

    /// In English, for the record starting on `line`.
    public func message(line: Int) -> String {
        switch self {
        case .tooLong(let limit): "record longer than the limit of \(limit) bytes"
        case .unterminatedQuote:
            "unterminated quoted field: a \" opened on line \(line) is never closed before the end of the file"
        }
    }
}

/// Bytes a reader read, shared with the batches whose fields refer to them. The reader writes into
/// a block only while no batch holds it (``RecordReader`` checks `isKnownUniquelyReferenced`), so
/// a batch's bytes never change under it.
public final class ByteBlock: @unchecked Sendable {
    // Safe to send: after the reader hands a block to a batch it only appends past the bytes the
    // batch refers to, or moves on to a new block; a batch's bytes are never written again.
    public let base: UnsafeMutablePointer<UInt8>
    public let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        base = .allocate(capacity: capacity)
    }

    deinit { base.deallocate() }
}

/// A streaming RFC 4180 reader over a file descriptor, built for speed: it reads 1 MiB chunks into
/// a block and hands out records as ranges of it.
///
/// It splits at the byte level (`,` `"` CR LF are ASCII and never occur inside a GB18030 or UTF-8
/// multi-byte character), so it runs before decoding. Lines are physical lines: CRLF, LF and a lone
/// CR each end one, including inside quoted fields; a record is reported at its first line. Blank
/// lines are skipped. A quote inside an unquoted field, or text after a closing quote, is kept
/// literally. A record over `maxRecordBytes` is reported as malformed and skipped without being
/// kept, so memory is bounded by the chunk size plus that limit.
public final class RecordReader {
    private var source: any ByteSource
    public let maxRecordBytes: Int
    private let chunkSize: Int

    /// The block the last record returned lies in.
    public private(set) var block: ByteBlock
    private var buffer: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var end = 0  // valid bytes in buffer
    private var position = 0  // next unread byte
    private var bufferOffset: Int  // file offset of buffer[0]
    private var atEOF = false
    private var pendingCR = false  // the previous record ended with CR; skip a following LF
    private var line: Int
    private var bounds: UnsafeMutablePointer<Int>
    private var boundsCapacity = 64

    /// Whether plain records are found by the 64-byte scan (off: the general loop reads every
    /// record, for the tests that compare the two).
    let scansPlainRecords: Bool

    /// - Parameters:
    ///   - startOffset: the file offset of the source's first byte (when reading from the middle).
    ///   - startLine: the physical line of the source's first byte.
    public init(
        source: any ByteSource, maxRecordBytes: Int = 1 << 20, chunkSize: Int = 1 << 20, startOffset: Int = 0,
        startLine: Int = 1, scansPlainRecords: Bool = true
    ) {
        self.scansPlainRecords = scansPlainRecords
        self.source = source
        self.maxRecordBytes = maxRecordBytes
        self.chunkSize = max(1, chunkSize)
        capacity = self.chunkSize * 2
        block = ByteBlock(capacity: capacity)
        buffer = block.base
        bounds = .allocate(capacity: boundsCapacity * 2)
        bufferOffset = startOffset
        line = startLine
    }

    deinit { bounds.deallocate() }

    /// Replaces the block with a new one of `capacity` bytes holding `[from, end)` of the old at its start.
    private func moveToNewBlock(capacity newCapacity: Int, keepingFrom from: Int) {
        let keep = end - from
        let grown = ByteBlock(capacity: newCapacity)
        if keep > 0 { grown.base.update(from: buffer + from, count: keep) }
        block = grown
        buffer = grown.base
        capacity = newCapacity
        bufferOffset += from
        end = keep
        position -= from
    }

    /// The physical line reached (the line after the last record returned).
    public var currentLine: Int { line }

    /// Records (and blank lines) found by the 64-byte scan rather than the general loop (for the
    /// tests that prove it ran).
    public private(set) var plainScans = 0

    /// The file offset and line at which the last record (or malformed record) returned starts.
    public private(set) var lastRecordOffset = 0
    public private(set) var lastRecordLine = 0

    /// Moves the unread bytes to the front and reads more; returns false at the end of input.
    private func refill() throws -> Bool {
        if atEOF { return false }
        if !isKnownUniquelyReferenced(&block) {
            // A batch holds records of this block: the unread bytes go to a new one.
            moveToNewBlock(capacity: max(capacity, end - position + chunkSize), keepingFrom: position)
        } else if position > 0 {
            let keep = end - position
            if keep > 0 { buffer.update(from: buffer + position, count: keep) }
            bufferOffset += position
            end = keep
            position = 0
        }
        if capacity - end < chunkSize {
            moveToNewBlock(capacity: max(capacity * 2, end + chunkSize), keepingFrom: 0)
        }
        let n = try source.read(into: UnsafeMutableRawBufferPointer(start: buffer + end, count: capacity - end))
        if n == 0 {
            atEOF = true
            return false
        }
        end += n
        return true
    }

    /// The next record or problem, or `nil` at the end of input.
    public func next() throws -> RecordEvent? {
        while true {
            if position == end, try !refill() { return nil }
            if pendingCR {
                pendingCR = false
                if buffer[position] == 0x0A {
                    position += 1
                    continue
                }
            }
            // The usual record: no quote, whole in the buffer. Its commas and its end are found 64
            // bytes at a time (``byte_scan_csv_structure64``); any other record (a quote, the end of
            // the buffer, past the length limit) is scanned from its start by the general loop below,
            // which gives the same result for these.
            if scansPlainRecords {
                switch nextPlain() {
                case .event(let event): return event
                case .blank: continue
                case .general: break
                }
            }
            // Find the end of the record, tracking quotes and the lines inside quoted fields.
            var i = position
            var inQuotes = false
            var sawQuote = false
            var innerLines = 0
            var skipping = false  // over the length limit: keep counting, stop keeping
            // Once skipping has dropped the record's bytes so far: the last byte dropped, which the
            // buffer's first byte follows (whether a quote there opens a field, whether an LF there
            // ends a CR LF), so that where the drops fall changes nothing.
            var dropped: UInt8?
            let startLine = line
            let recordOffset = bufferOffset + position
            lastRecordOffset = recordOffset
            lastRecordLine = startLine
            var terminator: UInt8 = 0
            // The field bounds of a record without quotes are noted during this scan (at its
            // commas), so it is not scanned a second time. Given up at a quote (the record is
            // split by ``splitQuoted(_:_:)``) or past the length limit (it is reported, not split).
            var fused = true
            var commas = 0
            var fieldStart = position
            scan: while true {
                var needMore = false
                do {
                    // Locals, so the loop reads no property of the reader.
                    let buffer = self.buffer
                    let end = self.end
                    while i < end {
                        // Eight bytes at a time past bytes above 0x2C (only `"`, `,`, LF and CR
                        // matter here).
                        while i + 8 <= end {
                            let w = UnsafeRawPointer(buffer + i).loadUnaligned(as: UInt64.self)
                            if (w &- 0x2D2D_2D2D_2D2D_2D2D) & ~w & 0x8080_8080_8080_8080 != 0 { break }
                            i += 8
                        }
                        guard i < end else { break }
                        let b = buffer[i]
                        if b > 0x22 {
                            if b == 0x2C && fused {
                                noteField(commas, fieldStart, i)
                                commas += 1
                                fieldStart = i + 1
                            }
                            i += 1
                            continue
                        }
                        if b == 0x22 {
                            fused = false
                            sawQuote = true
                            if inQuotes {
                                // A closing quote, or the first of an escaped pair: look at the next byte.
                                if i + 1 == end && !atEOF {
                                    needMore = true
                                    break
                                }
                                if i + 1 < end && buffer[i + 1] == 0x22 {
                                    i += 2
                                    continue
                                }
                                inQuotes = false
                            } else if (i == position ? dropped ?? 0x2C : buffer[i - 1]) == 0x2C {
                                inQuotes = true  // a quote opens a field only at its start
                            }
                        } else if b == 0x0A {
                            if !inQuotes {
                                terminator = b
                                break scan
                            }
                            if (i == 0 ? dropped : buffer[i - 1]) != 0x0D { innerLines += 1 }
                        } else if b == 0x0D {
                            if !inQuotes {
                                terminator = b
                                break scan
                            }
                            innerLines += 1
                        }
                        i += 1
                    }
                }
                // The buffer ran out inside the record (or a quote needs its next byte).
                if !needMore && i - position > maxRecordBytes {
                    // Drop what is kept; go on scanning for the record's end.
                    skipping = true
                    fused = false
                    dropped = buffer[i - 1]
                    if !isKnownUniquelyReferenced(&block) {
                        moveToNewBlock(capacity: capacity, keepingFrom: i)  // i == end: keeps nothing
                    } else {
                        bufferOffset += i
                        end = 0
                    }
                    position = 0
                    i = 0
                }
                let consumedBefore = position
                let more = try refill()
                // A refill moves the record's bytes to the front of the buffer (even the one that
                // finds the end of input): so do the scan's place and the bounds noted so far.
                let shift = consumedBefore - position
                if shift != 0 {
                    i -= shift
                    if fused {
                        for k in 0..<(2 * commas) { bounds[k] -= shift }
                        fieldStart -= shift
                    }
                }
                if more { continue scan }
                if needMore { continue scan }  // at the end of input now: finish the scan
                // End of input inside the record.
                line += innerLines
                if skipping {
                    position = end
                    return .malformed(
                        line: startLine, problem: .tooLong(limit: maxRecordBytes))
                }
                if inQuotes {
                    position = end
                    return .malformed(line: startLine, problem: .unterminatedQuote)
                }
                line -= innerLines
                terminator = 0
                i = end
                break scan
            }
            // [position, i) is the record; i is its terminator or the end of input.
            let recordStart = position
            let recordEnd = i
            position = terminator == 0 ? i : i + 1
            if terminator == 0x0D {
                if position < end {
                    if buffer[position] == 0x0A { position += 1 }
                } else {
                    pendingCR = true
                }
            }
            line += innerLines + (terminator == 0 ? 0 : 1)
            if skipping {
                return .malformed(line: startLine, problem: .tooLong(limit: maxRecordBytes))
            }
            if recordEnd - recordStart > maxRecordBytes {
                return .malformed(line: startLine, problem: .tooLong(limit: maxRecordBytes))
            }
            if recordEnd == recordStart { continue }  // blank line
            // Here `fused` is `!sawQuote`: a record past the limit was reported above.
            let count: Int
            if sawQuote {
                count = splitQuoted(recordStart, recordEnd)
            } else {
                noteField(commas, fieldStart, recordEnd)
                count = commas + 1
            }
            return .record(
                RecordView(line: startLine, offset: recordOffset, count: count, base: buffer, bounds: bounds))
        }
    }

    /// What ``nextPlain()`` finds at `position`.
    private enum PlainScan {
        /// A record, or a malformed one (over the length limit), consumed.
        case event(RecordEvent)
        /// A blank line, consumed.
        case blank
        /// Nothing consumed: the record has a quote, or its end is not in the buffer within the
        /// length limit's reach.
        case general
    }

    /// The record at `position` when it has no quote and its terminator (LF or CR) is in the buffer.
    @inline(__always)
    private func nextPlain() -> PlainScan {
        let buffer = self.buffer
        let end = self.end
        let start = position
        var i = start
        var commas = 0
        var fieldStart = start
        while i + 64 <= end {
            var mask = byte_scan_csv_structure64(buffer + i)
            while mask != 0 {
                let at = i + mask.trailingZeroBitCount
                let b = buffer[at]
                if b == 0x2C {
                    noteField(commas, fieldStart, at)
                    commas += 1
                    fieldStart = at + 1
                } else if b == 0x22 {
                    return .general
                } else {
                    // LF or CR ends the record; CR LF is one terminator.
                    let startLine = line
                    lastRecordOffset = bufferOffset + start
                    lastRecordLine = startLine
                    position = at + 1
                    if b == 0x0D {
                        if position < end {
                            if buffer[position] == 0x0A { position += 1 }
                        } else {
                            pendingCR = true
                        }
                    }
                    line += 1
                    plainScans += 1
                    if at - start > maxRecordBytes {
                        return .event(
                            .malformed(
                                line: startLine, problem: .tooLong(limit: maxRecordBytes)))
                    }
                    if at == start { return .blank }
                    noteField(commas, fieldStart, at)
                    return .event(
                        .record(
                            RecordView(
                                line: startLine, offset: lastRecordOffset, count: commas + 1, base: buffer,
                                bounds: bounds)))
                }
                mask &= mask - 1
            }
            i += 64
            if i - start > maxRecordBytes { return .general }
        }
        return .general
    }

    /// Field `index` of the record is `[start, end)` of the buffer.
    @inline(__always)
    private func noteField(_ index: Int, _ start: Int, _ end: Int) {
        if index >= boundsCapacity { ensureBounds(index + 1) }
        bounds[2 * index] = start
        bounds[2 * index + 1] = end
    }

    private func ensureBounds(_ fields: Int) {
        if fields > boundsCapacity {
            let grown = UnsafeMutablePointer<Int>.allocate(capacity: fields * 4)
            grown.update(from: bounds, count: boundsCapacity * 2)
            bounds.deallocate()
            bounds = grown
            boundsCapacity = fields * 2
        }
    }

    /// Splits a record with quotes, unescaping quoted fields in place (the result is never longer).
    private func splitQuoted(_ start: Int, _ end: Int) -> Int {
        var count = 0
        var i = start
        while true {
            let fieldStart = i
            var write = i
            if i < end && buffer[i] == 0x22 {
                // Quoted: copy until the closing quote; "" is one quote; text after it is kept.
                i += 1
                var closed = false
                while i < end {
                    let b = buffer[i]
                    if !closed && b == 0x22 {
                        if i + 1 < end && buffer[i + 1] == 0x22 {
                            buffer[write] = 0x22
                            write += 1
                            i += 2
                            continue
                        }
                        closed = true
                        i += 1
                        continue
                    }
                    if closed && b == 0x2C { break }
                    buffer[write] = b
                    write += 1
                    i += 1
                }
            } else {
                while i < end && buffer[i] != 0x2C {
                    buffer[write] = buffer[i]
                    write += 1
                    i += 1
                }
            }
            ensureBounds(count + 1)
            bounds[2 * count] = fieldStart
            bounds[2 * count + 1] = write
            count += 1
            if i >= end { break }
            i += 1  // the comma
            if i == end {
                // A trailing comma: one more, empty field.
                ensureBounds(count + 1)
                bounds[2 * count] = i
                bounds[2 * count + 1] = i
                count += 1
                break
            }
        }
        return count
    }
}
