/// The rules of the voucher lifecycle, as pure functions: from the state so far (which storage
/// loads) and a request, to the event to record — its facts, postings and explanation — or a
/// refusal that says why.
///
/// ```
/// claim ─ decide ─► granted quota ─► use ─► file ─► settle (paid / reduced / rejected)
///                                    └► expire            any event ─► reverse
/// ```
///
/// Each step has two functions: `submission(_:)` checks the request on its own and gives the
/// canonical form its idempotency key is compared by; the step itself (`claim(_:state:on:)`, …)
/// decides against the state. Neither reads a database, a clock or a file.
public enum Lifecycle {
    /// The text trimmed; refused when nothing is left.
    static func required(_ text: String, field: String) throws(LedgerError) -> String {
        let trimmed = text.trimmed
        if trimmed.isEmpty { throw .invalid(field: field, value: text, reason: "is empty", zh: "为空，请填写") }
        return trimmed
    }

    /// A reference, id or code: required, and with no control or format character in it (a
    /// zero-width space, a byte-order mark, an escape). Such a character is invisible, so
    /// `U-1` and `U-1` followed by U+200B would look the same and be two references.
    public static func reference(_ text: String, field: String) throws(LedgerError) -> String {
        let trimmed = try required(text, field: field)
        if let hidden = invisibleCharacter(in: trimmed) {
            throw .invalid(
                field: field,
                value: trimmed.visible,
                reason: "holds the invisible character \(hidden.code) at position \(hidden.position); "
                    + "type the reference again without it",
                zh: "在第 \(hidden.position) 位含有不可见字符 \(hidden.code)；请重新输入，不要带该字符"
            )
        }
        return trimmed
    }

    /// A reason, trimmed, nil when empty, and on one line: a control or format character (a line
    /// break, a direction override) in it is refused, naming where.
    static func reasonOnOneLine(_ text: String?, field: String = "reason") throws(LedgerError) -> String? {
        guard let reason = text?.trimmed.nilIfEmpty else { return nil }
        if let hidden = invisibleCharacter(in: reason) {
            throw .invalid(
                field: field,
                value: reason.visible,
                reason: "holds the control character \(hidden.code) at position \(hidden.position); "
                    + "write the reason on one line",
                zh: "在第 \(hidden.position) 位含有控制字符 \(hidden.code)；请将理由写在一行内"
            )
        }
        return reason
    }

    /// A reason newly given (a rejection's, a reduction's, a settlement's rejection, a reversal's)
    /// is on one line (``reasonOnOneLine(_:)``). Storage asks once it knows the request is new, so
    /// that a retry or a re-import of one an earlier version recorded still answers with the
    /// event recorded then; a `submission` only trims the reason and requires it.
    public static func checkNewReason(_ reason: String?) throws(LedgerError) {
        _ = try reasonOnOneLine(reason)
    }

    /// A credit-code override newly given (``PartyIdentifier/overriddenCreditCode(code:reason:approvedBy:)``)
    /// gives its reason on one line and its approver's name with no invisible character, as a
    /// reason and a name are held elsewhere. Storage asks after a retry's look-up, as for
    /// ``checkNewReason(_:)``.
    public static func checkNewOverride(_ identifier: PartyIdentifier) throws(LedgerError) {
        guard case .overriddenCreditCode(_, let reason, let approvedBy) = identifier else { return }
        _ = try reasonOnOneLine(reason, field: "override_reason")
        _ = try reference(approvedBy, field: "override_by")
    }

    /// A reason that must be given (a recovery's, which its rule checks after the retry's look-up):
    /// on one line, as ``reasonOnOneLine(_:)`` holds it, and refused when empty.
    static func requiredReason(_ text: String?) throws(LedgerError) -> String {
        guard let reason = try reasonOnOneLine(text) else {
            throw .invalid(field: "reason", value: text ?? "", reason: "is empty", zh: "为空，请填写")
        }
        return reason
    }

    /// The business dates the ledger records: 1990 to 2199. A date outside is a typing mistake
    /// (9999-12-31 would put a use's redemption deadline in the year 10000, which is no date).
    public static let businessDates = BusinessDate.startOfYear(1990)...BusinessDate.endOfYear(2199)

    /// The time an event is recorded at, as it will be stored: SQLite is handed each text as a C
    /// string, so a NUL would cut it short and the stored event would no longer match its hash.
    public static func checkRecordedAt(_ text: String) throws(LedgerError) {
        if text.utf8.contains(0) {
            throw .invalid(field: "recorded_at", value: text.visible, reason: "holds a NUL", zh: "含有空字符（NUL）")
        }
    }

    /// An event of `kind` recorded on `today` (in Beijing) may be dated `date`: not later than
    /// today (``checkNotLater(_:than:)``), except a provider's suspension or reinstatement, which
    /// is dated the first day it applies and may be recorded ahead of it, and a reversal, whose
    /// own rule (``reverse(_:reason:on:today:)``) lets it be dated as an event dated ahead.
    public static func checkRecordingDate(
        _ date: BusinessDate,
        kind: EventKind,
        today: BusinessDate
    ) throws(LedgerError) {
        if kind == .providerStatus || kind == .reversal { return }
        try checkNotLater(date, than: today)
    }

    /// A business date is the day something happened, so it is not later than the day it is
    /// recorded on (`today`, in Beijing): a claim dated 2030 is a slip of the keys, and an event
    /// dated ahead would count in a report before its day. An application for next year's quota
    /// is dated the day it is made; its year is the claim's year, not its date.
    public static func checkNotLater(_ date: BusinessDate, than today: BusinessDate) throws(LedgerError) {
        guard date > today else { return }
        throw .invalid(
            field: "date",
            value: date.iso,
            reason: "is after today (\(today.iso), Beijing time); a business date is the day something "
                + "happened, so it cannot be in the future",
            zh: "晚于今天（北京时间 \(today.iso)）；业务日期是事情发生的日子，不能是将来的日期"
        )
    }

    /// The day in Beijing (UTC+8, which keeps no summer time) of a recording time as the ledger
    /// writes it, ISO 8601 in UTC (`2026-12-01T17:30:00Z` is 2 December there); nil for text in
    /// any other form.
    public static func beijingDay(ofRecordedAt text: String) -> BusinessDate? {
        let bytes = Array(text.utf8.prefix(14))
        guard text.utf8.last == UInt8(ascii: "Z"), bytes.count == 14, bytes[10] == UInt8(ascii: "T"),
            bytes[13] == UInt8(ascii: ":"), let day = BusinessDate.iso(String(decoding: bytes[0..<10], as: UTF8.self)),
            let hour = Int(String(decoding: bytes[11..<13], as: UTF8.self)), (0...23).contains(hour)
        else { return nil }
        return hour >= 16 ? day.adding(days: 1) : day
    }

    /// Who records an event, under which key and on which business date, checked before anything
    /// is written: an actor is named; neither the actor nor the key holds an invisible or control
    /// character (SQLite would also cut a NUL short, and the stored event would no longer match
    /// its hash); the date lies in ``businessDates``.
    public static func checkRecording(actor: String, key: String, on date: BusinessDate) throws(LedgerError) {
        if actor.trimmed.isEmpty {
            throw .invalid(
                field: "actor",
                value: actor,
                reason: "is empty; say who records with --actor NAME (or VOUCHER_ACTOR)",
                zh: "为空；请用 --actor 姓名（或 VOUCHER_ACTOR）写明由谁记录"
            )
        }
        for (field, text) in [("actor", actor), ("key", key)] {
            if let hidden = invisibleCharacter(in: text) {
                throw .invalid(
                    field: field,
                    value: text.visible,
                    reason: "holds the invisible character \(hidden.code) at position \(hidden.position)",
                    zh: "第 \(hidden.position) 个字符是不可见字符 \(hidden.code)"
                )
            }
        }
        try checkBusinessDate(date, today: nil)
    }

    /// A business date in ``businessDates`` and, when `today` is given, not later than it.
    public static func checkBusinessDate(_ date: BusinessDate, today: BusinessDate?) throws(LedgerError) {
        guard businessDates.contains(date) else {
            throw .invalid(
                field: "date",
                value: date.iso,
                reason:
                    "is outside the dates the ledger records, \(businessDates.lowerBound) to \(businessDates.upperBound)",
                zh: "超出账本可记录的日期范围（\(businessDates.lowerBound) 至 \(businessDates.upperBound)）"
            )
        }
        if let today { try checkNotLater(date, than: today) }
    }

    /// The first control or format character (Unicode categories Cc and Cf) of `text`, as
    /// `U+200B`, and its position counted from 1.
    public static func invisibleCharacter(in text: String) -> (code: String, position: Int)? {
        // Printable ASCII (most references) needs no look-up in Unicode's tables.
        for (offset, scalar) in text.unicodeScalars.enumerated()
        where !(0x20...0x7E).contains(scalar.value)
            && (scalar.properties.generalCategory == .control || scalar.properties.generalCategory == .format)
        {
            let hex = String(scalar.value, radix: 16, uppercase: true)
            return ("U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex, offset + 1)
        }
        return nil
    }

    /// The largest amount the ledger records: 1亿元 (100,000,000.00). No claim, purchase, grant or
    /// payment of these programmes comes near it (the largest cap is 100万元), and it keeps every
    /// sum the ledger stores inside a 64-bit count of fen for more than 900 million amounts.
    public static let largestAmount = Money(fen: 10_000_000_000)

    /// An amount of zero or more, and at most ``largestAmount``.
    static func checkAmount(_ amount: Money, field: String) throws(LedgerError) {
        if amount.isNegative {
            throw .invalid(field: field, value: amount.formatted(), reason: "is below zero", zh: "小于零")
        }
        if amount > largestAmount {
            throw .invalid(
                field: field,
                value: amount.formatted(),
                reason: "is more than the largest amount the ledger records, \(largestAmount.formatted()) (1亿元); "
                    + "check the figure",
                zh: "超过账本可记录的最大金额 \(largestAmount.formatted())（1亿元）；请核对数字"
            )
        }
    }

    /// A submission that repeats an event already recorded — the same idempotency key and content,
    /// or the same reference — records nothing new. When that event has been reversed, the
    /// submission is refused, naming the event and its reversal: "already recorded" would say it
    /// stands when the ledger says it was cancelled.
    public static func checkResubmission(
        kind: String,
        ref: String,
        event: Int64,
        reversedBy reversal: Int64?
    ) throws(LedgerError) {
        if let reversal {
            throw .resubmittedAfterReversal(kind: kind, ref: ref, event: event, reversal: reversal)
        }
    }

    /// What a per-project cap has counted so far for `applicant`, given what every applicant's
    /// project of the same name has: a project is its applicant's own, so only the applicant's own
    /// counts — another enterprise's project that happens to share the name is another project.
    public static func projectToDate(of applicant: String, byApplicant amounts: [String: Money]) -> Money {
        amounts[applicant] ?? .zero
    }

    static func subtract(_ amount: Money, _ other: Money) throws(LedgerError) -> Money {
        do {
            return try amount.subtracting(other)
        } catch {
            throw .money(error)
        }
    }
}

extension String {
    /// nil for the empty string.
    var nilIfEmpty: String? { isEmpty ? nil : self }
}

/// The project a request names, trimmed; nil when none is named.
/// A project's name, when one is given: a reference like any other (no invisible character), so
/// that one project cannot be split into two that look the same and each meet the cap.
func projectName(_ text: String?) throws(LedgerError) -> String? {
    guard let name = text?.trimmed.nilIfEmpty else { return nil }
    return try Lifecycle.reference(name, field: "project")
}
