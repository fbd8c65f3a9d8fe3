import Foundation

/// Data-quality findings for the report month: districts that did not report and month-on-month
/// changes beyond the outlier threshold. Computed from the validated data and the aggregates, as
/// the last step of Aggregate; Report shows them, the manifest lists them and the exit status
/// (2, findings) comes from them.
public struct QualityFindings: Sendable {
    public struct Missing: Sendable, Equatable {
        public let district: Int
        /// Metric indices with no value for the report month.
        public let metrics: [Int]
    }

    public struct Outlier: Sendable, Equatable {
        public let district: Int
        public let metric: Int
        public let mom: FixedDecimal
        public let month: FixedDecimal
        public let previous: FixedDecimal
    }

    /// Districts lacking one or more metrics in the report month, in reference order.
    public let missing: [Missing]
    /// District and metric pairs whose |环比| in the report month is above the threshold, with the
    /// figures of the month and of the month before.
    public let outliers: [Outlier]

    /// Whether anything needs the operator's attention (exit status 2): any rejection (files not
    /// read included) or a district missing a figure for the report month. Outliers do not count.
    public static func needsAttention(_ data: ValidatedData, _ findings: QualityFindings) -> Bool {
        data.rejectionCount > 0 || !findings.missing.isEmpty
    }

    /// Finds the districts missing figures and the outliers of the report month in `aggregates`.
    public static func find(in data: ValidatedData, aggregates: Aggregates, outlierThreshold: FixedDecimal)
        -> QualityFindings
    {
        let reference = data.reference
        let period = data.reportPeriod.description
        var missing: [Missing] = []
        var outliers: [Outlier] = []
        for (d, district) in reference.districts.enumerated() {
            var lacking: [Int] = []
            for (m, metric) in reference.metrics.enumerated() {
                guard case .amount(let month)? = aggregates.value(period, district.code, metric.id, .month) else {
                    lacking.append(m)
                    continue
                }
                if case .ratio(let mom)? = aggregates.value(period, district.code, metric.id, .mom),
                    (mom < .zero ? FixedDecimal.zero - mom : mom) > outlierThreshold,
                    let previousPeriod = data.reportPeriod.previous?.description,
                    case .amount(let previous)? = aggregates.value(previousPeriod, district.code, metric.id, .month)
                {
                    outliers.append(Outlier(district: d, metric: m, mom: mom, month: month, previous: previous))
                }
            }
            if !lacking.isEmpty { missing.append(Missing(district: d, metrics: lacking)) }
        }
        return QualityFindings(missing: missing, outliers: outliers)
    }
}
