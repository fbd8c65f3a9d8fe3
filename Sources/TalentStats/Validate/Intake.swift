import Foundation

/// Reads one input file into a validator: Ingest's batches → the field rules → the key check.
///
/// A large file (``IngestLimits/parallelMinBytes``, on a machine with more than one core) is read
/// and put through the field rules on a second thread while this one does the key check, batch by
/// batch, through a short queue. The key check takes the batches in file order either way, so the
/// result is the same in every byte as a read on one thread.
public enum Intake {
    /// Batches read ahead of the key check, at most (bounds the memory in flight to a few MiB).
    static let queueDepth = 4

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
        let twoThreads =
            reader.bytes >= validator.limits.parallelMinBytes && ProcessInfo.processInfo.activeProcessorCount > 1
        if twoThreads {
            let queue = BatchQueue(depth: queueDepth)
            let producer = Thread {
                while let batch = reader.nextBatch() { queue.put(rules[batch.part].check(batch)) }
                queue.close()
            }
            producer.stackSize = 1 << 20
            producer.start()
            while let checked = queue.take() {
                validator.consume(checked)
                progress?(checked.bytesRead)
            }
            queue.waitUntilClosed()
        } else {
            while let batch = reader.nextBatch() {
                let checked = rules[batch.part].check(batch)
                validator.consume(checked)
                progress?(checked.bytesRead)
            }
        }
        let outcome = reader.finish(readOnTwoThreads: twoThreads)
        validator.end(outcome)
        return outcome
    }
}

/// A bounded first-in first-out queue of checked batches between the reading thread and the key
/// check.
final class BatchQueue: @unchecked Sendable {
    // Safe to send: every access to `items` and `closed` holds `condition`'s lock.
    private let condition = NSCondition()
    private var items: [CheckedBatch] = []
    private var head = 0
    private var closed = false
    private let depth: Int

    init(depth: Int) { self.depth = depth }

    func put(_ batch: CheckedBatch) {
        condition.lock()
        while items.count - head >= depth { condition.wait() }
        if head > 64 {
            items.removeFirst(head)
            head = 0
        }
        items.append(batch)
        condition.broadcast()
        condition.unlock()
    }

    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    /// The next batch, or `nil` once the queue is closed and empty.
    func take() -> CheckedBatch? {
        condition.lock()
        defer { condition.unlock() }
        while head == items.count && !closed { condition.wait() }
        guard head < items.count else { return nil }
        let batch = items[head]
        items[head] = CheckedBatch()
        head += 1
        condition.broadcast()
        return batch
    }

    /// Returns once the producer has closed the queue (it has delivered its last batch).
    func waitUntilClosed() {
        condition.lock()
        while !closed { condition.wait() }
        condition.unlock()
    }
}
