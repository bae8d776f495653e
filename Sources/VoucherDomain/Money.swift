/// An amount of Chinese yuan held exactly, as a whole number of fen (0.01 CNY).
///
/// Money is never a `Double`. Arithmetic that would overflow throws ``MoneyError/overflow(operation:)``
/// instead of wrapping or trapping.
///
/// ```swift
/// let service = try Money.parse("68.9万元")   // Money(fen: 68_900_000)
/// service.formatted()                        // "689,000.00"
/// service.formattedWan()                     // "68.9万元"
/// ```
public struct Money: Sendable, Hashable, Comparable, Codable {
    /// The amount in fen.
    public let fen: Int64

    /// An amount in fen.
    public init(fen: Int64) {
        self.fen = fen
    }

    /// A whole number of yuan; throws when it does not fit.
    public static func yuan(_ yuan: Int64) throws(MoneyError) -> Money {
        let (fen, overflow) = yuan.multipliedReportingOverflow(by: 100)
        if overflow { throw .overflow(operation: "\(yuan) yuan in fen") }
        return Money(fen: fen)
    }

    /// Nothing.
    public static let zero = Money(fen: 0)

    public static func < (lhs: Money, rhs: Money) -> Bool { lhs.fen < rhs.fen }

    /// Whether the amount is below zero.
    public var isNegative: Bool { fen < 0 }

    // MARK: - Checked arithmetic

    /// The sum, or ``MoneyError/overflow(operation:)``.
    public func adding(_ other: Money) throws(MoneyError) -> Money {
        let (sum, overflow) = fen.addingReportingOverflow(other.fen)
        if overflow { throw .overflow(operation: "\(formatted()) + \(other.formatted())") }
        return Money(fen: sum)
    }

    /// The difference, or ``MoneyError/overflow(operation:)``.
    public func subtracting(_ other: Money) throws(MoneyError) -> Money {
        let (difference, overflow) = fen.subtractingReportingOverflow(other.fen)
        if overflow { throw .overflow(operation: "\(formatted()) − \(other.formatted())") }
        return Money(fen: difference)
    }

    /// The amount times a whole number, or ``MoneyError/overflow(operation:)``.
    public func multiplied(by factor: Int64) throws(MoneyError) -> Money {
        let (product, overflow) = fen.multipliedReportingOverflow(by: factor)
        if overflow { throw .overflow(operation: "\(formatted()) × \(factor)") }
        return Money(fen: product)
    }

    /// The sum of many amounts, or ``MoneyError/overflow(operation:)``.
    public static func sum(_ amounts: some Sequence<Money>) throws(MoneyError) -> Money {
        var total = Money.zero
        for amount in amounts { total = try total.adding(amount) }
        return total
    }

    /// What is left of `self` after `spent`, never below zero.
    ///
    /// Both are non-negative amounts in practice (a cap and what was used against it), so the
    /// subtraction cannot overflow; a negative `spent` is treated as nothing spent.
    public func remaining(after spent: Money) -> Money {
        if spent.fen <= 0 { return self }
        return spent.fen >= fen ? .zero : Money(fen: fen - spent.fen)
    }
}

/// Why an amount of money could not be computed.
public enum MoneyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The result does not fit in 64-bit fen (about ±92 trillion yuan).
    case overflow(operation: String)

    public var description: String {
        switch self {
        case .overflow(let operation):
            "amount too large: \(operation) does not fit in the ledger's range of ±92,233,720,368,547,758.07"
        }
    }

    /// The same in Chinese.
    public var zh: String {
        switch self {
        case .overflow(let operation):
            "金额过大：\(operation) 超出账本可记录的范围（±92,233,720,368,547,758.07）"
        }
    }
}
