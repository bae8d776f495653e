// MARK: - The order of dates

/// A record that a new one rests on, and its date: the claim a decision decides, the use a filing
/// files, the filing a settlement settles, the decision a payment pays.
public struct EarlierRecord: Sendable, Hashable {
    /// What it is, as a person names it: `claim C-1` (申领 C-1), `use U-1`, `the district decision (event 12)`.
    public var name: LocalizedText
    public var date: BusinessDate

    public init(_ name: LocalizedText, on date: BusinessDate) {
        self.name = name
        self.date = date
    }

    /// The claim `ref`.
    public static func claim(_ ref: String, on date: BusinessDate) -> EarlierRecord {
        EarlierRecord(LocalizedText(zh: "申领 \(ref)", en: "claim \(ref)"), on: date)
    }

    /// The use `ref`.
    public static func use(_ ref: String, on date: BusinessDate) -> EarlierRecord {
        EarlierRecord(LocalizedText(zh: "用券 \(ref)", en: "use \(ref)"), on: date)
    }

    /// The redemption claim `ref`.
    public static func filing(_ ref: String, on date: BusinessDate) -> EarlierRecord {
        EarlierRecord(LocalizedText(zh: "兑付申请 \(ref)", en: "redemption claim \(ref)"), on: date)
    }

    /// A decision on claim `claim` at `level`, recorded as event `seq`.
    public static func decision(
        _ level: ReviewLevel,
        claim: String,
        seq: Int64,
        on date: BusinessDate
    ) -> EarlierRecord {
        EarlierRecord(
            LocalizedText(
                zh: "申领 \(claim) 的\(level == .district ? "区级" : "市级")审核（事件 \(seq)）",
                en: "the \(level.rawValue) decision on claim \(claim) (event \(seq))"
            ),
            on: date
        )
    }
}

extension Lifecycle {
    /// A record is dated on or after every record it rests on: a decision on or after its claim
    /// and the decisions before it, a filing on or after each use it files, a settlement on or
    /// after its filing, a payment on or after the decisions that granted what it pays. Otherwise
    /// a report to a date would count a consequence before its cause (a redemption paid before it
    /// was filed, a grant before it was claimed).
    ///
    /// It is asked when a record is made, not when a what-if replays what was recorded.
    public static func checkDate(
        of record: EventKind,
        _ date: BusinessDate,
        after earlier: [EarlierRecord]
    ) throws(LedgerError) {
        // The latest; of records of one day, the last named (the decision rather than its claim).
        guard let latest = earlier.reversed().max(by: { $0.date < $1.date }), date < latest.date else { return }
        throw .datedBefore(record: record, date: date, earlier: latest.name, earlierDate: latest.date)
    }

    /// A claim asks for an amount above zero: a claim of nothing would hold the applicant's one
    /// open voucher claim of the year and decide nothing. Asked when a claim is recorded (ledgers
    /// written before this rule may hold one; replays do not ask).
    public static func checkRequested(_ requested: Money) throws(LedgerError) {
        guard requested > .zero else {
            throw .invalid(
                field: "requested",
                value: requested.formatted(),
                reason: "is zero; a claim asks for an amount above zero",
                zh: "为零；申领金额须大于零"
            )
        }
    }

    /// A claim is for a year in which a version of the programme's policy is in force, and not
    /// for a year more than one ahead of its date; a voucher claim, which is spent within its
    /// year, for the year of its date, the year before or the year after. A mistyped year (2202,
    /// 9999) or a year before the programme began would otherwise be recorded. (A grant or a
    /// matching claim may come years after the year it is for.)
    public static func checkClaimYear(_ year: Int, on date: BusinessDate, programme: Programme) throws(LedgerError) {
        let near = programme.kind == .voucher ? abs(year - date.year) <= 1 : year <= date.year + 1
        if !near {
            throw .invalid(
                field: "year",
                value: "\(year)",
                reason: programme.kind == .voucher
                    ? "is not within a year of the claim's date \(date.iso); a voucher claim is for the year it is "
                        + "made in, the year before or the year after"
                    : "is more than a year after the claim's date \(date.iso)",
                zh: programme.kind == .voucher
                    ? "与申领日期 \(date.iso) 相差超过一年；创新券按申领当年、上一年或下一年申领"
                    : "比申领日期 \(date.iso) 晚一年以上"
            )
        }
        let inForce = programme.versions.contains { version in
            version.effectiveFrom <= .endOfYear(year)
                && (version.effectiveUntil.map { $0 >= .startOfYear(year) } ?? true)
        }
        if !inForce {
            throw .invalid(
                field: "year",
                value: "\(year)",
                reason: "no version of \(programme.id.value)'s policy is in force in \(year)",
                zh: "\(programme.id.value) 在 \(year) 年没有生效的政策版本"
            )
        }
    }
}
