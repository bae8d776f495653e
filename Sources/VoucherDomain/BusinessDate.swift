/// A calendar day in the proleptic Gregorian calendar, with no time and no time zone: the date a
/// fact happened in the business (a use, a grant, a payment), as written on its documents.
///
/// Written and read as ISO 8601, `2023-05-10`.
public struct BusinessDate: Sendable, Hashable, Comparable, Codable {
    /// Year, month and day in one 32-bit word (`year << 9 | month << 5 | day`): four bytes instead
    /// of three integers' twenty-four, for the millions of dates a replay or an import holds, and
    /// in the order of the calendar.
    private let packed: UInt32

    public var year: Int { Int(packed >> 9) }
    public var month: Int { Int((packed >> 5) & 0xF) }
    public var day: Int { Int(packed & 0x1F) }

    /// A valid date, or ``DateParseError/impossible(text:)``.
    public init(year: Int, month: Int, day: Int) throws(DateParseError) {
        guard (1...9999).contains(year), (1...12).contains(month),
            (1...BusinessDate.daysIn(month: month, year: year)).contains(day)
        else {
            throw .impossible(text: "\(year)-\(month)-\(day)")
        }
        self.init(unchecked: year, month, day)
    }

    private init(unchecked year: Int, _ month: Int, _ day: Int) {
        packed =
            UInt32(truncatingIfNeeded: year) << 9 | UInt32(truncatingIfNeeded: month) << 5
            | UInt32(truncatingIfNeeded: day)
    }

    /// Reads `2023-05-10` (also `2023/5/10` and `2023-5-10`, as spreadsheets write it).
    public static func parse(_ text: String) throws(DateParseError) -> BusinessDate {
        if let date = iso(text) { return date }
        let trimmed = text.trimmingSpaces()
        let parts = trimmed.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "-" || $0 == "/" })
        guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCIIDigit) }),
            parts[0].count == 4, parts[1].count <= 2, parts[2].count <= 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2])
        else {
            throw .malformed(text: text)
        }
        do {
            return try BusinessDate(year: year, month: month, day: day)
        } catch {
            throw .impossible(text: text)
        }
    }

    /// `2023-05-10` exactly (ten ASCII bytes), as the ledger stores dates, read without making a
    /// string per part; nil for any other text (``parse(_:)`` then reads the other forms).
    static func iso(_ text: String) -> BusinessDate? {
        var text = text
        return text.withUTF8 { bytes -> BusinessDate? in
            guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return nil }
            func number(_ range: Range<Int>) -> Int? {
                var value = 0
                for index in range {
                    let digit = Int(bytes[index]) - 48
                    guard (0...9).contains(digit) else { return nil }
                    value = value * 10 + digit
                }
                return value
            }
            guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10) else { return nil }
            return try? BusinessDate(year: year, month: month, day: day)
        }
    }

    public static func < (lhs: BusinessDate, rhs: BusinessDate) -> Bool { lhs.packed < rhs.packed }

    /// `2023-05-10`.
    public var iso: String {
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let yearText = String(year)
        return String(repeating: "0", count: max(0, 4 - yearText.count)) + yearText + "-" + two(month) + "-" + two(day)
    }

    /// The last day of this date's calendar year.
    public var endOfYear: BusinessDate { BusinessDate(unchecked: year, 12, 31) }

    /// The first day of this date's calendar year.
    public var startOfYear: BusinessDate { BusinessDate(unchecked: year, 1, 1) }

    /// 1 January of `year` (clamped to the years a date can have, 1 to 9999).
    public static func startOfYear(_ year: Int) -> BusinessDate {
        BusinessDate(unchecked: min(max(year, 1), 9999), 1, 1)
    }

    /// 31 December of `year` (clamped to the years a date can have, 1 to 9999).
    public static func endOfYear(_ year: Int) -> BusinessDate {
        BusinessDate(unchecked: min(max(year, 1), 9999), 12, 31)
    }

    /// The same day `months` later, clamped to the month's end (31 January + 1 month = 28 or 29 February).
    public func adding(months: Int) -> BusinessDate {
        let index = year * 12 + (month - 1) + months
        let newYear = index / 12
        let newMonth = index % 12 + 1
        return BusinessDate(unchecked: newYear, newMonth, min(day, BusinessDate.daysIn(month: newMonth, year: newYear)))
    }

    /// The date `days` later (or earlier, when negative).
    public func adding(days: Int) -> BusinessDate {
        BusinessDate(dayNumber: dayNumber + days)
    }

    /// Days from `self` to `other`: positive when `other` is later.
    public func days(until other: BusinessDate) -> Int { other.dayNumber - dayNumber }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    // Days since 1970-01-01, by the civil-calendar arithmetic of eras of 400 years.
    private var dayNumber: Int {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private init(dayNumber: Int) {
        let shifted = dayNumber + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        self.init(unchecked: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

extension BusinessDate: CustomStringConvertible {
    public var description: String { iso }
}

/// Why a text is not a date.
public enum DateParseError: Error, Sendable, Equatable, CustomStringConvertible {
    case malformed(text: String)
    case impossible(text: String)

    public var description: String {
        switch self {
        case .malformed(let text): "\"\(text)\" is not a date; write it as YYYY-MM-DD, e.g. 2023-05-10"
        case .impossible(let text): "\"\(text)\" is not a day of the calendar"
        }
    }

    /// The description in `language`: in Chinese for the console's Chinese pages.
    public func text(_ language: Language) -> String {
        switch (language, self) {
        case (.en, _): description
        case (.zh, .malformed(let text)): "「\(text)」不是日期；请写作 年-月-日，如 2023-05-10"
        case (.zh, .impossible(let text)): "「\(text)」不是日历上的日期"
        }
    }
}

extension BusinessDate {
    /// Encoded as its ISO text, `"2023-05-10"`.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        self = try BusinessDate.parse(text)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(iso)
    }
}
