/// What a unit measures; values convert only within one dimension.
public enum Dimension: String, Sendable {
    case persons
    case money
}

/// A unit of measure as a power of ten of its dimension's base unit (人 or 元).
public struct MeasureUnit: Hashable, Sendable {
    public let dimension: Dimension
    /// 人 = 0, 万人 = 4; 元 = 0, 万元 = 4, 亿元 = 8.
    public let exponent: Int
    /// How the unit is written in reports, e.g. `万元`.
    public let symbol: String

    /// The recognised spellings, matched after width folding, trimming and lower-casing.
    static let spellings: [String: MeasureUnit] = {
        var table: [String: MeasureUnit] = [:]
        func add(_ dimension: Dimension, _ exponent: Int, _ symbol: String, _ names: [String]) {
            for name in names + [symbol] {
                table[name] = MeasureUnit(dimension: dimension, exponent: exponent, symbol: symbol)
            }
        }
        add(.persons, 0, "人", ["person", "persons", "people", "人数", "名"])
        add(
            .persons, 4, "万人", ["10k persons", "10,000 persons", "ten thousand persons", "10k people", "10,000 people"])
        add(.money, 0, "元", ["yuan", "cny", "rmb"])
        add(.money, 3, "千元", ["1000 yuan", "1,000 yuan", "thousand yuan"])
        add(.money, 4, "万元", ["10k yuan", "10,000 yuan", "ten thousand yuan", "10k cny", "10,000 cny"])
        add(.money, 6, "百万元", ["million yuan", "1m yuan", "million cny"])
        add(.money, 8, "亿元", ["100m yuan", "100 million yuan", "hundred million yuan", "100m cny"])
        return table
    }()

    /// The unit spelled `text`, or `nil` if it is not one talentstats knows.
    public static func parse(_ text: String) -> MeasureUnit? {
        spellings[TextNormalization.key(text)]
    }

    /// The power of ten that converts a value in `self` into `target`; `nil` across dimensions.
    public func exponent(to target: MeasureUnit) -> Int? {
        dimension == target.dimension ? exponent - target.exponent : nil
    }

    /// The units a user may write for this unit's dimension, for messages.
    public static func symbols(of dimension: Dimension) -> [String] {
        switch dimension {
        case .persons: ["人", "万人"]
        case .money: ["元", "千元", "万元", "百万元", "亿元"]
        }
    }
}
