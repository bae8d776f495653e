import Foundation
import VoucherDomain

extension BusinessDate {
    /// Today in UTC: the business date of what has no date of its own (a registration, a command
    /// given without --date).
    public static func today() -> BusinessDate {
        let parts = Calendar(identifier: .gregorian).dateComponents(
            in: TimeZone(identifier: "UTC") ?? .current,
            from: Date()
        )
        return (try? BusinessDate(year: parts.year ?? 2000, month: parts.month ?? 1, day: parts.day ?? 1)) ?? .latest
    }
}
