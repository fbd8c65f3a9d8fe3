/// How two sets of figures differ.
///
/// Amounts and counts must be equal exactly (they are exact decimals); ratios (yoy, mom, share,
/// annual_share, annual_yoy and the comparable-basis growths) may differ by the tolerance: |new − old| ≤ absolute, or
/// |new − old| ≤ relative × |old|.
public struct Comparison: Sendable {
    public enum Kind: String, Sendable, Codable { case changed, added, removed }

    public struct Difference: Sendable {
        public let key: AggregateKey
        public let kind: Kind
        public let old: FixedDecimal?
        public let new: FixedDecimal?

        public var absoluteDelta: FixedDecimal? {
            guard let old, let new else { return nil }
            return new - old
        }

        /// (new − old) / |old|, rounded to 6 decimals; `nil` when old is 0 or missing.
        public var relativeDelta: FixedDecimal? {
            guard let old, let new else { return nil }
            return FixedDecimal.ratio(new - old, old.magnitude)
        }
    }

    public struct Tolerance: Sendable {
        public var absolute: FixedDecimal = .zero
        public var relative: FixedDecimal = .zero
        public init(absolute: FixedDecimal = .zero, relative: FixedDecimal = .zero) {
            self.absolute = absolute
            self.relative = relative
        }
    }

    public let compared: Int
    public let equal: Int
    /// Ratios that differ but within the tolerance.
    public let withinTolerance: Int
    /// Differences beyond tolerance, largest change first.
    public let differences: [Difference]

    public var changed: Int { differences.filter { $0.kind == .changed }.count }
    public var added: Int { differences.filter { $0.kind == .added }.count }
    public var removed: Int { differences.filter { $0.kind == .removed }.count }
    public var isClean: Bool { differences.isEmpty }

    /// The measures compared with the tolerance.
    public static let ratioMeasures: Set<Measure> = Set(Measure.allCases.filter(\.isRatio))

    /// Compares `new` against `old` (the baseline), optionally only for some metrics and periods.
    public init(
        old: AggregateFile, new: AggregateFile, tolerance: Tolerance = Tolerance(),
        metrics: Set<String>? = nil, periods: ((String) -> Bool)? = nil
    ) {
        func included(_ key: AggregateKey) -> Bool {
            (metrics?.contains(key.metric) ?? true) && (periods?(key.period) ?? true)
        }
        var compared = 0
        var equal = 0
        var within = 0
        var differences: [Difference] = []
        for (key, oldValue) in old.values where included(key) {
            compared += 1
            guard let newValue = new.values[key] else {
                differences.append(Difference(key: key, kind: .removed, old: oldValue, new: nil))
                continue
            }
            if newValue == oldValue {
                equal += 1
                continue
            }
            let delta = (newValue - oldValue).magnitude
            if Self.ratioMeasures.contains(key.measure),
                delta <= tolerance.absolute
                    || FixedDecimal.ratio(delta, oldValue.magnitude).map({ $0 <= tolerance.relative }) == true
            {
                within += 1
                continue
            }
            differences.append(Difference(key: key, kind: .changed, old: oldValue, new: newValue))
        }
        for (key, newValue) in new.values where included(key) && old.values[key] == nil {
            compared += 1
            differences.append(Difference(key: key, kind: .added, old: nil, new: newValue))
        }
        // Largest change first: changed by relative then absolute size, then added/removed by key.
        differences.sort { a, b in
            let ra = a.relativeDelta?.magnitude
            let rb = b.relativeDelta?.magnitude
            if a.kind != b.kind { return a.kind == .changed }
            if let ra, let rb, ra != rb { return ra > rb }
            if (ra == nil) != (rb == nil) { return rb == nil }
            let aa = a.absoluteDelta?.magnitude ?? .zero
            let ab = b.absoluteDelta?.magnitude ?? .zero
            if aa != ab { return aa > ab }
            return AggregateKey.byteOrder(a.key, b.key)
        }
        self.compared = compared
        self.equal = equal
        self.withinTolerance = within
        self.differences = differences
    }
}
