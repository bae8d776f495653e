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
        if trimmed.isEmpty { throw .invalid(field: field, value: text, reason: "is empty") }
        return trimmed
    }

    static func nonNegative(_ amount: Money, field: String) throws(LedgerError) {
        if amount.isNegative { throw .invalid(field: field, value: amount.formatted(), reason: "is below zero") }
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
func projectName(_ text: String?) -> String? { text?.trimmed.nilIfEmpty }
