import Foundation

/// A computation started on a thread of its own, whose result is waited for later: for two
/// independent steps of a run that can overlap (``Aggregator`` computes the monthly sums while
/// ``ComparableBasis`` runs; a file's SHA-256 is computed while it is parsed: ``BackgroundHash``). The result is the same whichever thread computes it: the work must
/// only read what it shares with the caller.
final class BackgroundTask<Value: Sendable>: @unchecked Sendable {
    // Safe to send: `value` and `ranElsewhere` are written once, on the task's thread, before
    // `done` is signalled, and read only after waiting on `done`.
    private let done = DispatchSemaphore(value: 0)
    private var value: Value?
    private var ranElsewhere = false

    /// Starts `work`: on another thread when `concurrently`, else at once on this one.
    init(concurrently: Bool = ProcessInfo.processInfo.activeProcessorCount > 1, _ work: @escaping @Sendable () -> Value)
    {
        guard concurrently else {
            value = work()
            done.signal()
            return
        }
        let caller = pthread_self()
        let thread = Thread { [self] in
            ranElsewhere = pthread_equal(pthread_self(), caller) == 0
            value = work()
            done.signal()
        }
        thread.stackSize = 4 << 20
        thread.start()
    }

    /// The result, once the work is done (waits for it; later calls return at once).
    func wait() -> Value { outcome().value }

    /// The result, and whether it was computed on a thread other than the one that started it
    /// (for the tests that prove the concurrent path ran).
    func outcome() -> (value: Value, ranElsewhere: Bool) {
        done.wait()
        done.signal()
        return (value!, ranElsewhere)
    }
}
