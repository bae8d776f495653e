/// An exact percentage with at most two decimals, held in hundredths of a percent (basis points).
///
/// `50%` is 5,000; `62.5%` is 6,250; `1:1` matching is 100% (10,000).
public struct Rate: Sendable, Hashable, Comparable, Codable {
    /// Hundredths of a percent: 10,000 is 100%.
    public let basisPoints: Int64

    public init(basisPoints: Int64) {
        self.basisPoints = basisPoints
    }

    /// A whole percentage.
    public static func percent(_ percent: Int64) -> Rate { Rate(basisPoints: percent * 100) }

    public static let hundredPercent = Rate(basisPoints: 10_000)

    public static func < (lhs: Rate, rhs: Rate) -> Bool { lhs.basisPoints < rhs.basisPoints }

    /// Reads `50%`, `62.5%`, `100%`, or a matching ratio `1:1` (government : applicant, so `1:2` is 50%).
    public static func parse(_ text: String) throws(RateParseError) -> Rate {
        let trimmed = text.trimmingSpaces()
        if trimmed.isEmpty { throw .malformed(text: text) }
        if let colon = trimmed.firstIndex(where: { $0 == ":" || $0 == "：" }) {
            guard let government = Int64(trimmed[..<colon].trimmingSpaces()),
                let applicant = Int64(trimmed[trimmed.index(after: colon)...].trimmingSpaces()),
                government >= 0, applicant > 0, government <= 1_000_000, applicant <= 1_000_000
            else { throw .malformed(text: text) }
            let scaled = government * 10_000
            guard scaled % applicant == 0 else { throw .tooPrecise(text: text) }
            return Rate(basisPoints: scaled / applicant)
        }
        guard trimmed.hasSuffix("%") || trimmed.hasSuffix("％") else { throw .missingPercentSign(text: text) }
        let number = trimmed.dropLast().trimmingSpaces()
        let parts = number.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let wholeText = parts.first, !wholeText.isEmpty,
            wholeText.allSatisfy(\.isASCIIDigit), wholeText.count <= 9
        else { throw .malformed(text: text) }
        let decimals = parts.count == 2 ? parts[1] : ""
        guard decimals.allSatisfy(\.isASCIIDigit), parts.count == 1 || !decimals.isEmpty else {
            throw .malformed(text: text)
        }
        guard decimals.count <= 2 else { throw .tooPrecise(text: text) }
        guard let whole = Int64(wholeText), let fraction = Int64(decimals.padding(toLength: 2)) else {
            throw .malformed(text: text)
        }
        return Rate(basisPoints: whole * 100 + fraction)
    }

    /// `50%`, `62.5%`, `100%`, `0.05%`.
    public func formatted() -> String {
        let whole = basisPoints / 100
        var fraction = String(basisPoints % 100)
        if fraction.count == 1 { fraction = "0" + fraction }
        while fraction.last == "0" { fraction.removeLast() }
        return "\(whole)" + (fraction.isEmpty ? "" : "." + fraction) + "%"
    }

    /// `rate × amount`, computed exactly and then rounded as `rounding` says.
    ///
    /// ```swift
    /// try Rate.percent(50).apply(to: Money(fen: 3), rounding: .init(unit: .fen, mode: .halfEven))  // 2 fen
    /// ```
    public func apply(to amount: Money, rounding: Rounding) throws(MoneyError) -> Money {
        try amount.scaled(by: basisPoints, over: 10_000, rounding: rounding)
    }
}

extension Rate: CustomStringConvertible {
    public var description: String { formatted() }
}

/// Why a text is not a rate.
public enum RateParseError: Error, Sendable, Equatable, CustomStringConvertible {
    case malformed(text: String)
    case missingPercentSign(text: String)
    case tooPrecise(text: String)

    public var description: String {
        switch self {
        case .malformed(let text):
            "\"\(text)\" is not a rate; write a percentage like 50% or 62.5%, or a ratio like 1:1"
        case .missingPercentSign(let text): "\"\(text)\" needs a percent sign: write 50%, not 50 or 0.5"
        case .tooPrecise(let text): "\"\(text)\" has more than two decimals of a percent"
        }
    }

    /// The description in `language`: in Chinese for the console's Chinese pages.
    public func text(_ language: Language) -> String {
        switch (language, self) {
        case (.en, _): description
        case (.zh, .malformed(let text)): "「\(text)」不是比例；请写作百分比如 50% 或 62.5%，或配比如 1:1"
        case (.zh, .missingPercentSign(let text)): "「\(text)」缺少百分号：请写 50%，不写 50 或 0.5"
        case (.zh, .tooPrecise(let text)): "「\(text)」的百分比超过两位小数"
        }
    }
}

// MARK: - Rounding

/// How a computed amount is rounded: to which unit, and which way.
public struct Rounding: Sendable, Hashable, Codable {
    public enum Unit: String, Sendable, Hashable, Codable, CaseIterable {
        case fen
        case yuan

        /// The unit's size in fen.
        public var fen: Int64 { self == .fen ? 1 : 100 }
    }

    public enum Mode: String, Sendable, Hashable, Codable, CaseIterable {
        /// Toward zero: never pay more than the rate allows.
        case down
        /// Halves away from zero.
        case halfUp = "half-up"
        /// Halves to the even neighbour (banker's rounding).
        case halfEven = "half-even"
    }

    public var unit: Unit
    public var mode: Mode

    public init(unit: Unit, mode: Mode) {
        self.unit = unit
        self.mode = mode
    }

    /// The default of domain.md: down to the fen.
    public static let downToFen = Rounding(unit: .fen, mode: .down)

    /// As policy files and the ledger write it: `half-up to fen`.
    public var canonicalText: String { "\(mode.rawValue) to \(unit.rawValue)" }

    /// Reads ``canonicalText``; nil for any other text.
    public init?(canonicalText: String) {
        // Looked up among the few there are: every use recorded or verified reads its rounding.
        guard let rounding = Self.byCanonicalText[canonicalText] else { return nil }
        self = rounding
    }

    private static let byCanonicalText: [String: Rounding] = Dictionary(
        uniqueKeysWithValues: Mode.allCases.flatMap { mode in
            Unit.allCases.map { unit in
                let rounding = Rounding(unit: unit, mode: mode)
                return (rounding.canonicalText, rounding)
            }
        }
    )
}

extension Money {
    /// `self × numerator ÷ denominator`, exact in 128-bit integers and then rounded once.
    public func scaled(by numerator: Int64, over denominator: Int64, rounding: Rounding) throws(MoneyError) -> Money {
        precondition(denominator > 0, "a scale's denominator is positive")
        let product = Int128(fen) * Int128(numerator)
        let divisor = Int128(denominator) * Int128(rounding.unit.fen)
        let negative = product < 0
        let magnitude = negative ? -product : product
        var quotient = magnitude / divisor
        let twiceRemainder = (magnitude % divisor) * 2
        switch rounding.mode {
        case .down:
            break
        case .halfUp:
            if twiceRemainder >= divisor { quotient += 1 }
        case .halfEven:
            if twiceRemainder > divisor || (twiceRemainder == divisor && quotient % 2 == 1) { quotient += 1 }
        }
        let result = (negative ? -quotient : quotient) * Int128(rounding.unit.fen)
        guard let fen = Int64(exactly: result) else {
            throw .overflow(operation: "\(formatted()) × \(numerator) ÷ \(denominator)")
        }
        return Money(fen: fen)
    }
}

// MARK: - Small text helpers

extension StringProtocol {
    /// Without leading and trailing white space (ASCII, ideographic and no-break spaces alike).
    func trimmingSpaces() -> String {
        var scalars = Substring(self).unicodeScalars[...]
        while let first = scalars.first, first.properties.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.properties.isWhitespace { scalars.removeLast() }
        return String(String.UnicodeScalarView(scalars))
    }

    func padding(toLength length: Int) -> String {
        String(self) + String(repeating: "0", count: Swift.max(0, length - count))
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
