import Foundation
import VoucherDomain

extension BusinessDate {
    /// Today in Beijing (China Standard Time, UTC+8, which keeps no summer time): the business
    /// date of what has no date of its own (a registration, a command given without --date, a
    /// form sent without a date). In UTC, what the commission did before 08:00 was dated the day
    /// before, and on 1 January the year before.
    public static func today(at now: Date = Date()) -> BusinessDate {
        let parts = Calendar(identifier: .gregorian).dateComponents(in: Self.beijing, from: now)
        return (try? BusinessDate(year: parts.year ?? 2000, month: parts.month ?? 1, day: parts.day ?? 1)) ?? .latest
    }

    /// UTC+8: a fixed offset, so that no time-zone database is needed.
    public static let beijing = TimeZone(secondsFromGMT: 8 * 3600) ?? .current
}
