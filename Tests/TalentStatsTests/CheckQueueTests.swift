import Foundation
import Testing

@testable import TalentStats

/// The queue between the reading thread and the key check: every batch is checked exactly once,
/// by whichever thread is free, and the key check receives the checked batches in file order.
@Suite struct CheckQueueTests {
    /// Records which batches were checked, and how often (the check runs on two threads).
    final class Checks: @unchecked Sendable {
        // Safe to send: every access holds `lock`.
        private let lock = NSLock()
        private var counts: [Int: Int] = [:]
        func record(_ n: Int) {
            lock.lock()
            counts[n, default: 0] += 1
            lock.unlock()
        }
        var all: [Int: Int] {
            lock.lock()
            defer { lock.unlock() }
            return counts
        }
    }

    /// Puts `count` batches (numbered by `bytesRead`) from a reading thread; the key check takes
    /// them here. Pauses (µs) slow the reader before each put or the key check after each take.
    func run(count: Int, readerPause: UInt32, keyCheckPause: UInt32) -> (order: [Int], counts: CheckCounts) {
        let checks = Checks()
        let queue = CheckQueue(depth: 8) { batch in
            checks.record(batch.bytesRead)
            var checked = CheckedBatch()
            checked.bytesRead = batch.bytesRead
            return checked
        }
        let reader = Thread {
            for n in 0..<count {
                if readerPause > 0 { usleep(readerPause) }
                var batch = RecordBatch(block: ByteBlock(capacity: 1))
                batch.bytesRead = n
                queue.put(batch)
            }
            queue.close()
        }
        reader.start()
        var order: [Int] = []
        while let checked = queue.take() {
            order.append(checked.bytesRead)
            if keyCheckPause > 0 { usleep(keyCheckPause) }
        }
        let counts = queue.waitUntilClosed()
        #expect(checks.all == Dictionary(uniqueKeysWithValues: (0..<count).map { ($0, 1) }), "each batch checked once")
        #expect(counts.total == count)
        return (order, counts)
    }

    @Test func aSlowKeyCheckLeavesTheChecksToTheReader() {
        let (order, counts) = run(count: 60, readerPause: 0, keyCheckPause: 2000)
        #expect(order == Array(0..<60))
        // The reader is ahead from the second batch on: it checks all but the few the key check
        // found at the head before the reader got to them.
        #expect(counts.onReadingThread > 30, "\(counts)")
    }

    @Test func aSlowReaderLeavesTheChecksToTheKeyCheck() {
        let (order, counts) = run(count: 40, readerPause: 2000, keyCheckPause: 0)
        #expect(order == Array(0..<40))
        // The key check waits at the head: it takes each batch as soon as it is put.
        #expect(counts.onKeyCheckThread > 20, "\(counts)")
    }

    @Test func anEmptyFileGivesNothing() {
        let (order, counts) = run(count: 0, readerPause: 0, keyCheckPause: 0)
        #expect(order.isEmpty)
        #expect(counts == CheckCounts())
    }
}
