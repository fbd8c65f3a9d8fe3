import Foundation

/// A fixed-size table of plain values, zeroed, for data read at random (hash tables, dense
/// indexes): mapped from the system and advised to use 2 MiB pages where the system offers them
/// (Linux `madvise(MADV_HUGEPAGE)`, a hint the kernel may ignore).
///
/// Why: a table of tens of megabytes read at random misses the processor's page-translation cache
/// on almost every access with 4 KiB pages (a few thousand entries cover 8–16 MiB), and on a virtual
/// machine each miss is a two-level page walk; with 2 MiB pages the whole table is a few entries.
/// The memory is counted as the process's own as it is touched, as with any allocation.
///
/// An owner of raw memory: a class, so that the mapping is released exactly once (`deinit`).
final class LargeTable<Element: BitwiseCopyable> {
    let count: Int
    private let base: UnsafeMutablePointer<Element>
    private let mapping: UnsafeMutableRawPointer
    private let length: Int

    /// Tables smaller than this come from the ordinary allocator's pages (no advice).
    static var hugePageBytes: Int { 2 << 20 }

    init(zeroed count: Int) {
        precondition(count >= 0)
        self.count = count
        let bytes = max(1, count) * MemoryLayout<Element>.stride
        // Room to align the table on a 2 MiB boundary, so that all of it can be backed by huge pages.
        let extra = bytes >= Self.hugePageBytes ? Self.hugePageBytes : 0
        length = bytes + extra
        guard
            let p = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
            p != MAP_FAILED
        else { fatalError("cannot map \(length) bytes: \(String(cString: strerror(errno)))") }
        mapping = p
        var start = UInt(bitPattern: p)
        if extra > 0 {
            let mask = UInt(Self.hugePageBytes - 1)
            start = (start + mask) & ~mask
            #if os(Linux)
                _ = madvise(UnsafeMutableRawPointer(bitPattern: start), bytes, 14)  // MADV_HUGEPAGE
            #endif
        }
        base = UnsafeMutableRawPointer(bitPattern: start)!.bindMemory(to: Element.self, capacity: max(1, count))
    }

    deinit { munmap(mapping, length) }

    subscript(_ i: Int) -> Element {
        get {
            precondition(i >= 0 && i < count, "index out of range")
            return base[i]
        }
        set {
            precondition(i >= 0 && i < count, "index out of range")
            base[i] = newValue
        }
    }

}
