import Foundation

/// Everything the workbook shows, gathered from the earlier stages.
public struct ReportModel: Sendable {
    public let reference: ReferenceData
    public let aggregates: Aggregates
    public let validated: ValidatedData
    public let quality: QualityFindings
    public let settings: ReportSettings
    /// 报送情况 (when the run computed it).
    public var collection: CollectionStatus? = nil
    /// Revised, provisional and suppressed figures (none outside a release).
    public var marks: FigureMarks = .none
    /// The release this workbook is (its id in the release store), when it is one.
    public var releaseID: Int? = nil
    /// Report-month district figures one enterprise dominates (the 数据质量 warning).
    public var dominated: [DominatedFigure] = []
    /// The disclosure policy applied, if any.
    public var disclosure: DisclosurePolicy? = nil
    /// For each revised figure, the input rows behind the change (``Explainer``).
    public var revisionSources: [AggregateKey: [String]] = [:]

    public var period: YearMonth { validated.reportPeriod }
}

/// Presentation settings an operator may change.
public struct ReportSettings: Sendable {
    /// Publisher shown on the cover and in the document properties.
    public var organization: String
    /// Contact line on the cover (may be empty).
    public var contact: String
    /// Shown wherever a figure is not available.
    public var missingSymbol: String
    /// |环比| above this is listed as an outlier (0.5 = 50%).
    public var outlierThreshold: FixedDecimal
    /// The date printed as the generation date and stored as the creation time. Fixed for a given
    /// input so that reruns give identical bytes: `SOURCE_DATE_EPOCH` when set, else the first day
    /// of the month after the report period.
    public var generated: Date
    /// The office's time zone (`time_zone`): the calendar day the generation date is printed as.
    public var timeZone: TimeZone

    public init(
        organization: String, contact: String = "", missingSymbol: String = "—",
        outlierThreshold: FixedDecimal = FixedDecimal(units: FixedDecimal.unit / 2), generated: Date,
        timeZone: TimeZone = TimeZone(identifier: Schedule.defaultTimeZone)!
    ) {
        self.timeZone = timeZone
        self.organization = organization
        self.contact = contact
        self.missingSymbol = missingSymbol
        self.outlierThreshold = outlierThreshold
        self.generated = generated
    }

    /// The default generation date for `period` (see ``generated``). A `SOURCE_DATE_EPOCH` that is
    /// not valid (``EnvironmentSettings/sourceDateEpoch(_:)``; the command line refuses it) is not used.
    /// Without `SOURCE_DATE_EPOCH`, midnight of the 1st of the next month in the office's `timeZone`.
    public static func defaultGenerationDate(
        for period: YearMonth, timeZone: TimeZone = TimeZone(identifier: Schedule.defaultTimeZone)!,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> Date {
        if let epoch = (try? EnvironmentSettings.sourceDateEpoch(environment)) ?? nil { return epoch }
        let next = YearMonth(ordinal: period.ordinal + 1) ?? period
        var components = DateComponents()
        components.year = next.year
        components.month = next.month
        components.day = 1
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar.date(from: components) ?? Date(timeIntervalSince1970: 0)
    }
}
