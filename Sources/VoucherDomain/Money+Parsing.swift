// MARK: - Parsing what officials write

extension Money {
    /// Reads an amount as officials write it.
    ///
    /// Accepted: `689000`, `689,000.00`, `¥689,000`, `￥689,000元`, `68.9万`, `68.9万元`, `2360万元`,
    /// `0.05`, with spaces around. An amount in yuan takes at most two decimals; an amount in 万 at most
    /// six (one fen). Thousands separators must group by three.
    ///
    /// - Parameter allowNegative: whether a leading minus sign is accepted (adjustments, differences).
    ///   Amounts a person records (service amounts, claims, payments) are never negative.
    public static func parse(_ text: String, allowNegative: Bool = false) throws(MoneyParseError) -> Money {
        var scalars = Substring(text).unicodeScalars[...]
        trimSpaces(&scalars)
        if scalars.isEmpty { throw .empty }

        // A sign and a currency mark may come in either order: "-¥5", "¥-5".
        var sign = takeSign(&scalars)
        if let currencyLength = currencyPrefixLength(scalars) {
            scalars.removeFirst(currencyLength)
            trimSpaces(&scalars)
        }
        if sign == nil { sign = takeSign(&scalars) }
        let negative = sign == "-"
        if negative && !allowNegative { throw .negative(text: text) }

        var unitExponent = 0  // decimal places that one unit of the number shifts: 万 = 4
        if scalars.last == "元" {
            scalars.removeLast()
            trimSpaces(&scalars)
        }
        if scalars.last == "万" {
            scalars.removeLast()
            trimSpaces(&scalars)
            unitExponent = 4
        }

        // A character's position counts from the text's start: what was taken off the end (元, 万,
        // spaces) does not move it.
        let offset = text.unicodeScalars.distance(from: text.unicodeScalars.startIndex, to: scalars.startIndex)
        let number = try parseDecimal(scalars, text: text, offset: offset)
        let maximumDecimals = 2 + unitExponent
        if number.decimals.count > maximumDecimals {
            throw .tooManyDecimals(text: text, allowed: maximumDecimals, unit: unitExponent == 4 ? "万元" : "元")
        }

        // fen = integer part × 10^(2 + exponent) + decimals padded to that many places.
        var fen: Int64 = 0
        let padded = number.decimals + Array(repeating: 0, count: maximumDecimals - number.decimals.count)
        for digit in number.integer + padded {
            let (shifted, overflowA) = fen.multipliedReportingOverflow(by: 10)
            let (next, overflowB) = shifted.addingReportingOverflow(Int64(digit))
            if overflowA || overflowB { throw .outOfRange(text: text) }
            fen = next
        }
        return Money(fen: negative ? -fen : fen)
    }

    private static func trimSpaces(_ scalars: inout Substring.UnicodeScalarView) {
        while let first = scalars.first, first.properties.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.properties.isWhitespace { scalars.removeLast() }
    }

    /// Removes a leading `+`, `-` or `−` and returns it as `+` or `-`.
    private static func takeSign(_ scalars: inout Substring.UnicodeScalarView) -> Character? {
        guard let first = scalars.first, first == "+" || first == "-" || first == "−" else { return nil }
        scalars.removeFirst()
        return first == "+" ? "+" : "-"
    }

    private static func currencyPrefixLength(_ scalars: Substring.UnicodeScalarView) -> Int? {
        guard let first = scalars.first else { return nil }
        if first == "¥" || first == "￥" { return 1 }
        let prefix = String(String.UnicodeScalarView(scalars.prefix(3))).uppercased()
        return prefix == "CNY" || prefix == "RMB" ? 3 : nil
    }

    private struct DecimalDigits {
        var integer: [UInt8] = []
        var decimals: [UInt8] = []
    }

    /// Digits with optional thousands separators and one decimal point; nothing else.
    private static func parseDecimal(
        _ scalars: Substring.UnicodeScalarView,
        text: String,
        offset: Int
    ) throws(MoneyParseError) -> DecimalDigits {
        var result = DecimalDigits()
        var inDecimals = false
        var groupSizes: [Int] = [0]
        for (index, scalar) in scalars.enumerated() {
            let position = offset + index + 1
            switch scalar {
            case "0"..."9":
                let digit = UInt8(scalar.value - 48)
                if inDecimals {
                    result.decimals.append(digit)
                } else {
                    result.integer.append(digit)
                    groupSizes[groupSizes.count - 1] += 1
                }
            case "," where !inDecimals, "，" where !inDecimals:
                groupSizes.append(0)
            case ".":
                if inDecimals { throw .unexpectedCharacter(text: text, character: ".", position: position) }
                inDecimals = true
            default:
                throw .unexpectedCharacter(text: text, character: Character(scalar), position: position)
            }
        }
        if result.integer.isEmpty && result.decimals.isEmpty { throw .noDigits(text: text) }
        if groupSizes.count > 1 {
            let first = groupSizes[0]
            let rest = groupSizes.dropFirst()
            if first < 1 || first > 3 || rest.contains(where: { $0 != 3 }) {
                throw .misplacedSeparator(text: text)
            }
        }
        if result.integer.isEmpty { result.integer = [0] }
        return result
    }
}

/// Why a text is not an amount of money. Each case names the text; the description says what to write.
public enum MoneyParseError: Error, Sendable, Equatable, CustomStringConvertible {
    case empty
    case negative(text: String)
    case noDigits(text: String)
    case unexpectedCharacter(text: String, character: Character, position: Int)
    case misplacedSeparator(text: String)
    case tooManyDecimals(text: String, allowed: Int, unit: String)
    case outOfRange(text: String)

    public var description: String {
        let hint = "write an amount like 689,000.00 or 68.9万元"
        return switch self {
        case .empty:
            "the amount is empty; \(hint)"
        case .negative(let text):
            "\"\(text)\" is negative; this amount cannot be below zero"
        case .noDigits(let text):
            "\"\(text)\" has no digits; \(hint)"
        case .unexpectedCharacter(let text, let character, let position):
            "\"\(text)\" has an unexpected character \"\(character)\" at position \(position); \(hint)"
        case .misplacedSeparator(let text):
            "\"\(text)\" has a misplaced thousands separator; group digits by three, as in 1,234,567.00"
        case .tooManyDecimals(let text, let allowed, let unit):
            "\"\(text)\" has more than \(allowed) decimals of a \(unit); amounts are exact to the fen (0.01 元)"
        case .outOfRange(let text):
            "\"\(text)\" is too large for the ledger (at most 92,233,720,368,547,758.07 元)"
        }
    }

    /// The description in `language`: in Chinese for the console's Chinese pages.
    public func text(_ language: Language) -> String {
        guard language == .zh else { return description }
        let hint = "金额请写作 689,000.00 或 68.9万元"
        return switch self {
        case .empty: "金额为空；\(hint)"
        case .negative(let text): "「\(text)」为负数；此金额不能小于零"
        case .noDigits(let text): "「\(text)」没有数字；\(hint)"
        case .unexpectedCharacter(let text, let character, let position):
            "「\(text)」第 \(position) 位有无法识别的字符「\(character)」；\(hint)"
        case .misplacedSeparator(let text): "「\(text)」的千位分隔符位置不对；请每三位一组，如 1,234,567.00"
        case .tooManyDecimals(let text, let allowed, let unit):
            "「\(text)」的小数超过 \(allowed) 位（单位：\(unit)）；金额精确到分（0.01 元）"
        case .outOfRange(let text): "「\(text)」超出账本可记录的范围（最多 92,233,720,368,547,758.07 元）"
        }
    }
}

// MARK: - Formatting

extension Money {
    /// Yuan with thousands separators and two decimals: `689,000.00`, `-12.50`.
    public func formatted() -> String {
        // Written as bytes: every explanation of every use recorded shows amounts this way.
        let magnitude = fen.magnitude
        var digits: [UInt8] = []
        var yuan = magnitude / 100
        repeat {
            digits.append(UInt8(ascii: "0") + UInt8(yuan % 10))
            yuan /= 10
        } while yuan > 0
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count + digits.count / 3 + 4)
        if fen < 0 { bytes.append(UInt8(ascii: "-")) }
        for (index, digit) in digits.reversed().enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { bytes.append(UInt8(ascii: ",")) }
            bytes.append(digit)
        }
        let cents = UInt8(magnitude % 100)
        bytes += [UInt8(ascii: "."), UInt8(ascii: "0") + cents / 10, UInt8(ascii: "0") + cents % 10]
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Yuan with two decimals and no separators, as machines read it: `689000.00`.
    public func decimalString() -> String {
        let (integer, fraction) = yuanParts()
        return (fen < 0 ? "-" : "") + integer + "." + fraction
    }

    /// The 万元 style officials publish, exact and without trailing zeros:
    /// `68.9万元`, `29万元`, `2360万元`, `256.48万元`, `0.000001万元` for one fen.
    public func formattedWan() -> String {
        let magnitude = fen.magnitude
        let whole = magnitude / 1_000_000
        var fraction = String(magnitude % 1_000_000)
        fraction = String(repeating: "0", count: 6 - fraction.count) + fraction
        while fraction.last == "0" { fraction.removeLast() }
        return (fen < 0 ? "-" : "") + String(whole) + (fraction.isEmpty ? "" : "." + fraction) + "万元"
    }

    /// The 万元 style of a published sentence: at most `decimals` decimals of 万元 (rounded half
    /// away from zero), no trailing zeros: 27,773,712.34 → `2777.37万元` with 2.
    public func formattedWan(decimals: Int) -> String {
        let places = min(max(decimals, 0), 6)
        var unit: UInt64 = 1
        for _ in 0..<(6 - places) { unit *= 10 }
        let magnitude = fen.magnitude
        let rounded = (magnitude / unit + (magnitude % unit >= (unit + 1) / 2 && unit > 1 ? 1 : 0)) * unit
        let sign: Int64 = fen < 0 ? -1 : 1
        return Money(fen: sign * Int64(clamping: rounded)).formattedWan()
    }

    private func yuanParts() -> (integer: String, fraction: String) {
        let magnitude = fen.magnitude
        let cents = String(magnitude % 100)
        return (String(magnitude / 100), cents.count == 1 ? "0" + cents : cents)
    }
}

extension Money: CustomStringConvertible {
    public var description: String { formatted() }
}
