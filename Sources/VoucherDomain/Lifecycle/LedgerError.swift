/// Why the ledger refused an operation: the rules of ``Lifecycle`` and the lookups storage makes
/// before them. Nothing was written: each operation is one transaction. Each description says what
/// is wrong and what to do; ``text(_:)`` says it in Chinese too. A reason a rule words itself is a
/// ``LocalizedText``.
public enum LedgerError: Error, Sendable, Equatable, CustomStringConvertible {
    case cannotCreate(path: String)
    /// A field's value refused, and why; `zh`, the reason in Chinese where it is given.
    case invalid(field: String, value: String, reason: String, zh: String? = nil)
    case unknownProgramme(String)
    case unknownApplicant(String)
    case unknownProvider(String)
    /// `sameButCase`: a registered code that differs from it only in the case of its letters
    /// (``Lifecycle/differsOnlyInCase(_:_:)``), to name as what was most likely meant.
    case unknownProduct(String, sameButCase: String? = nil)
    case productOfAnotherProvider(product: String, provider: String, expected: String)
    case unknownClaim(String)
    case unknownUse(String)
    case unknownRedemption(String)
    case unknownEvent(Int64)
    case wrongProgrammeKind(programme: String, kind: ProgrammeKind, operation: String)
    case referenceTaken(kind: String, ref: String, event: Int64)
    /// A submission (same reference, or same idempotency key) of an event that has been reversed.
    case resubmittedAfterReversal(kind: String, ref: String, event: Int64, reversal: Int64)
    case decisionAfterProgrammeYear(claim: String, year: Int, date: BusinessDate)
    case policyRevisionChangesRecordedEvents(programme: String, date: BusinessDate, events: Int)
    /// A policy file that is already its programme's current file (installed by `event`).
    case policyFileCurrent(programme: String, event: Int64)
    /// A rule the database itself enforces (a trigger), in its words.
    case refusedByLedger(String)
    case idempotencyConflict(key: String, firstEvent: Int64)
    /// `programmeName`: the programme's name, to say beside its id.
    case claimExists(applicant: String, programme: String, year: Int, ref: String, programmeName: LocalizedText? = nil)
    case decisionOrder(claim: String, reason: LocalizedText)
    /// A record dated before a record it rests on (``Lifecycle/checkDate(of:_:after:)``).
    case datedBefore(record: EventKind, date: BusinessDate, earlier: LocalizedText, earlierDate: BusinessDate)
    /// `explanation`: the engine's lines, joined by ` · `.
    case grantOverLimit(claim: String, granted: Money, limit: Money, explanation: LocalizedText)
    /// Not eligible, in the engine's words; `why` says which rule (an import names its column).
    case notEligible(reason: LocalizedText, why: Ineligibility? = nil)
    /// An applicant outside the districts, or without the attributes, a programme requires.
    /// `remedy`: what the office does if the facts have changed (the applicant's registration).
    case applicantNotEligible(reason: LocalizedText, remedy: LocalizedText? = nil)
    case providerSuspended(provider: String, from: BusinessDate, reason: String, date: BusinessDate)
    case invoiceFunded(invoice: String, provider: String, use: String, programme: String)
    /// A grant beyond what the year's appropriation leaves.
    case overBudget(claim: String, granted: Money, left: Money, appropriated: Money, event: Int64)
    /// A grant used or paid before every required review level granted it.
    case awaitingReview(claim: String, level: ReviewLevel, rule: LocalizedText, operation: String)
    /// `explanation`: the engine's lines, joined by ` · `.
    case nothingToPay(explanation: LocalizedText)
    case redemption(use: String, reason: LocalizedText)
    case settlementOverUse(use: String, used: Money, paid: Money)
    case paymentOverGrant(claim: String, left: Money, requested: Money)
    case negativeBalance(account: String, balance: Money, change: Money)
    /// `reason`: why the event may not be reversed; `remedy`: what to do instead, which the message
    /// adds after it and the console's list of events shows once below its rows.
    case notReversible(event: Int64, reason: LocalizedText, remedy: LocalizedText? = nil)
    case alreadyReversed(event: Int64, by: Int64)
    case policy(PolicyError)
    case money(MoneyError)
    case internalInconsistency(String)

    public var description: String {
        switch self {
        case .cannotCreate(let path):
            "cannot create the ledger file \(path); check that the folder exists and is writable"
        case .invalid(let field, let value, let reason, _):
            "\(field) \"\(value)\": \(reason)"
        case .unknownProgramme(let id):
            "no programme \"\(id)\"; `voucher policy list` shows the programmes"
        case .unknownApplicant(let id):
            Self.mistypedCode(id).map { "no applicant \"\(id)\": its check character should be \($0); check the code" }
                ?? "no applicant \"\(id)\"; register the enterprise or team first"
        case .unknownProvider(let id):
            Self.mistypedCode(id).map { "no provider \"\(id)\": its check character should be \($0); check the code" }
                ?? "no provider \"\(id)\"; register the service provider first"
        case .unknownProduct(let code, let registered?):
            "no product \"\(code)\"; the catalogue has \"\(registered)\", which differs only in the case of its "
                + "letters: write the code as it was registered"
        case .unknownProduct(let code, nil):
            "no product \"\(code)\"; register the product first"
        case .productOfAnotherProvider(let product, let provider, let expected):
            "product \"\(product)\" is sold by provider \(expected), not \(provider)"
        case .unknownClaim(let ref):
            "no claim \"\(ref)\""
        case .unknownUse(let ref):
            "no use \"\(ref)\""
        case .unknownRedemption(let ref):
            "no redemption claim \"\(ref)\""
        case .unknownEvent(let seq):
            "no event \(seq)"
        case .wrongProgrammeKind(let programme, let kind, let operation):
            "\(programme) is a \(kind.rawValue) programme; \(operation) does not apply to it"
        case .referenceTaken(let kind, let ref, let event):
            "\(kind) reference \"\(ref)\" is already used by event \(event); use a new reference"
        case .resubmittedAfterReversal(let kind, let ref, let event, let reversal):
            "\(kind) \"\(ref)\" was recorded as event \(event) and reversed by event \(reversal); "
                + "nothing was recorded. To record it again, use a new reference"
        case .decisionAfterProgrammeYear(let claim, let year, let date):
            "claim \(claim): a quota for \(year) cannot be granted on \(date), after the programme year ended "
                + "(a \(year) quota is usable only within \(year)); reject it, or claim for the current year"
        case .policyRevisionChangesRecordedEvents(let programme, let date, let events):
            "\(programme): the revision would change the policy version in force on \(date), which \(events) "
                + "recorded events applied; a new version may only take effect after the last event it would change"
        case .policyFileCurrent(let programme, let event):
            "this file is already the policy file of \(programme) in force (installed by event \(event)); nothing was "
                + "installed. To revise the policy, change the file"
        case .refusedByLedger(let message):
            message
        case .idempotencyConflict(let key, let firstEvent):
            "idempotency key \"\(key)\" was recorded by event \(firstEvent) with different content; "
                + "use a new key or resubmit exactly the same content"
        case .claimExists(let applicant, let programme, let year, let ref, let name):
            "\(applicant) already has claim \(ref) for \(name.map { "the \($0.en) (\(programme))" } ?? programme) in \(year); "
                + "decide or reverse it first"
        case .decisionOrder(let claim, let reason):
            "claim \(claim): \(reason.en)"
        case .datedBefore(let record, let date, let earlier, let earlierDate):
            "a \(Self.name(of: record)) dated \(date.iso) is before \(earlier.en), dated \(earlierDate.iso); "
                + "a \(Self.name(of: record)) is dated on or after what it rests on: correct the date"
        case .grantOverLimit(let claim, let granted, let limit, let explanation):
            "claim \(claim): cannot grant \(granted), at most \(limit) — " + explanation.en
        case .notEligible(let reason, _), .applicantNotEligible(let reason, nil):
            reason.en
        case .applicantNotEligible(let reason, let remedy?):
            reason.en + "; " + remedy.en
        case .providerSuspended(let provider, let from, let reason, let date):
            "provider \(provider) is suspended from \(from) (\(reason)), so it takes no voucher on \(date); "
                + "`voucher provider reinstate` ends a suspension"
        case .overBudget(let claim, let granted, let left, let appropriated, let event):
            "claim \(claim): cannot grant \(granted.formatted()); the year's budget (\(appropriated.formatted()), "
                + "event \(event)) has \(left.formatted()) left after the other grants. Grant less, or record "
                + "a revised appropriation with `voucher budget set`"
        case .awaitingReview(let claim, let level, let rule, let operation):
            "claim \(claim) awaits the \(level.rawValue) review (\(rule.en)); its grant cannot be \(operation) until "
                + "the \(level.rawValue) grants it: `voucher decide --claim \(claim) --level \(level.rawValue) …`"
        case .invoiceFunded(let invoice, let provider, let use, let programme):
            "invoice \(invoice) of provider \(provider) already funded use \(use) (\(programme)); an invoice is "
                + "funded once, in any programme. Reverse that use first if it was recorded in error"
        case .nothingToPay(let explanation):
            "nothing to pay, so no use is recorded: " + explanation.en
        case .redemption(let use, let reason):
            "use \(use): \(reason.en)"
        case .settlementOverUse(let use, let used, let paid):
            "use \(use): cannot redeem \(paid), more than the \(used) used"
        case .paymentOverGrant(let claim, let left, let requested):
            "claim \(claim): cannot pay \(requested); \(left) of the grant is left to pay"
        case .negativeBalance(let account, let balance, let change):
            "account \(account) would go below zero: balance \(balance), change \(change)"
        case .notReversible(let event, let reason, let remedy):
            "event \(event) cannot be reversed: \(reason.en)" + (remedy.map { "; " + $0.en } ?? "")
        case .alreadyReversed(let event, let by):
            "event \(event) is already reversed by event \(by); an event is reversed at most once"
        case .policy(let error):
            error.description
        case .money(let error):
            error.description
        case .internalInconsistency(let detail):
            "internal inconsistency: \(detail); please report this with the ledger file"
        }
    }

    /// A record of this kind as a refusal names it.
    static func name(of kind: EventKind) -> String {
        switch kind {
        case .redemptionFiled: "redemption claim"
        case .redemptionSettled: "settlement"
        case .providerStatus: "provider status"
        case .recoveryReceived: "receipt"
        default: kind.rawValue
        }
    }
}
