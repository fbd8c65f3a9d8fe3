import Foundation

/// Reads one input file into a validator: Ingest's batches → the field rules → the key check.
///
/// A large file (``IngestLimits/parallelMinBytes``, on a machine with more than one core) is read
/// on a second thread while this one does the key check, batch by batch, through a short queue
/// (``CheckQueue``). The field rules of a batch (a pure function of its bytes) run on whichever of
/// the two threads is free first, so that neither waits while the other has work. The key check
/// takes the batches in file order either way, so the result is the same in every byte as a read
/// on one thread.
public enum Intake {
    /// Batches read ahead of the key check, at most (bounds the memory in flight to a few MiB).
    static let queueDepth = 8

    /// Reads `file` into `validator` (``Validator/begin(_:format:)`` through ``Validator/end(_:)``).
    @discardableResult
    public static func read(_ file: InputFile, into validator: inout Validator, progress: ((Int) -> Void)? = nil)
        -> FileOutcome
    {
        let reader: FileReader
        switch Ingest.open(file, reference: validator.reference, limits: validator.limits) {
        case .failure(let refusal):
            validator.begin(file)
            validator.end(refusal.outcome)
            return refusal.outcome
        case .success(let opened): reader = opened
        }
        validator.begin(file, format: reader.format)
        let rules = validator.partRules
        let check: @Sendable (RecordBatch) -> CheckedBatch = { rules[$0.part].check($0) }
        let twoThreads =
            reader.bytes >= validator.limits.parallelMinBytes && ProcessInfo.processInfo.activeProcessorCount > 1
        var checks = CheckCounts()
        if twoThreads {
            let queue = CheckQueue(depth: queueDepth, check: check)
            let producer = Thread {
                while let batch = reader.nextBatch() { queue.put(batch) }
                queue.close()
            }
            producer.stackSize = 1 << 20
            producer.start()
            while let checked = queue.take() {
                validator.consume(checked)
                progress?(checked.bytesRead)
            }
            checks = queue.waitUntilClosed()
        } else {
            while let batch = reader.nextBatch() {
                let checked = check(batch)
                validator.consume(checked)
                progress?(checked.bytesRead)
                checks.onKeyCheckThread += 1
            }
        }
        let outcome = reader.finish(readOnTwoThreads: twoThreads, checks: checks)
        validator.end(outcome)
        return outcome
    }
}

/// How many batches of a file were put through the field rules on each thread (for the log, and
/// for the tests that prove both threads took part).
public struct CheckCounts: Sendable, Equatable {
    /// On the thread that reads the file.
    public var onReadingThread = 0
    /// On the thread that does the key check.
    public var onKeyCheckThread = 0
    public var total: Int { onReadingThread + onKeyCheckThread }

    public init(onReadingThread: Int = 0, onKeyCheckThread: Int = 0) {
        self.onReadingThread = onReadingThread
        self.onKeyCheckThread = onKeyCheckThread
    }
}

/// A bounded first-in first-out queue of batches between the reading thread and the key check,
/// whose field rules run on whichever thread gets to a batch first.
///
/// The key check takes batches from the head only, in file order; it checks the head itself when
/// no one has. The reading thread, once it is ahead (two or more batches waiting) or the queue is
/// full, checks the newest batch no one has claimed before it reads on. A batch is checked exactly
/// once, and the key check sees the same checked batches in the same order whoever checked them.
final class CheckQueue: @unchecked Sendable {
    // Safe to send: every access to `items`, `head`, `closed` and `counts` holds `condition`'s
    // lock; a batch claimed for checking (`.checking`) is touched only by the thread that claimed
    // it until it puts the result back under the lock.
    private let condition = NSCondition()
    private enum Item {
        case raw(RecordBatch)
        case checking
        case checked(CheckedBatch)
        case taken
    }
    private var items: [Item] = []
    private var head = 0
    private var closed = false
    private var counts = CheckCounts()
    private let depth: Int
    private let check: @Sendable (RecordBatch) -> CheckedBatch

    init(depth: Int, check: @escaping @Sendable (RecordBatch) -> CheckedBatch) {
        self.depth = depth
        self.check = check
    }

    /// Adds a batch read (the reading thread); then, while the reading thread is ahead, checks
    /// waiting batches, newest first, and waits while the queue is full.
    func put(_ batch: RecordBatch) {
        condition.lock()
        if head > 64 {
            items.removeFirst(head)
            head = 0
        }
        items.append(.raw(batch))
        condition.broadcast()
        while true {
            let waiting = items.count - head
            if waiting >= 2, let j = newestUnclaimed() {
                guard case .raw(let raw) = items[j] else { preconditionFailure("claimed a batch that is not raw") }
                items[j] = .checking
                condition.unlock()
                let checked = check(raw)
                condition.lock()
                items[j] = .checked(checked)
                counts.onReadingThread += 1
                condition.broadcast()
                continue
            }
            if waiting >= depth {
                condition.wait()
                continue
            }
            break
        }
        condition.unlock()
    }

    /// The newest raw batch after the head (the head is the key check's to claim).
    private func newestUnclaimed() -> Int? {
        var j = items.count - 1
        while j > head {
            if case .raw = items[j] { return j }
            j -= 1
        }
        return nil
    }

    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    /// The next batch checked, in file order (the key check), or `nil` once the queue is closed
    /// and empty.
    func take() -> CheckedBatch? {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if head < items.count {
                switch items[head] {
                case .checked(let checked):
                    items[head] = .taken
                    head += 1
                    condition.broadcast()
                    return checked
                case .raw(let raw):
                    items[head] = .checking
                    condition.unlock()
                    let checked = check(raw)
                    condition.lock()
                    items[head] = .taken
                    head += 1
                    counts.onKeyCheckThread += 1
                    condition.broadcast()
                    return checked
                case .checking:
                    condition.wait()
                case .taken:
                    preconditionFailure("the head of the queue was taken twice")
                }
            } else if closed {
                return nil
            } else {
                condition.wait()
            }
        }
    }

    /// Returns once the producer has closed the queue (it has delivered its last batch), with how
    /// many batches each thread checked.
    func waitUntilClosed() -> CheckCounts {
        condition.lock()
        defer { condition.unlock() }
        while !closed { condition.wait() }
        return counts
    }
}
