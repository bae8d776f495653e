// MARK: - Recovery (追回): money paid on a use that the applicant owes back

/// An amount the applicant owes back on a use that was paid, and why; or an amount received back.
/// The `recovery` and `recovery_receipt` rows and the payloads their events hash.
public struct RecoveryFact: Sendable, Hashable {
    public var useRef: String
    public var amount: Money
    /// Why it is owed back; nil for a receipt.
    public var reason: String?

    public init(useRef: String, amount: Money, reason: String? = nil) {
        self.useRef = useRef
        self.amount = amount
        self.reason = reason
    }

    public var payload: CanonicalJSON {
        var members: [String: CanonicalJSON] = ["use": .string(useRef), "amount": .money(amount)]
        if let reason { members["reason"] = .string(reason) }
        return .object(members)
    }
}

/// A use's money as a recovery sees it: what its live settlements paid, what has been found owed
/// back, and what has been received back.
public struct RecoveryState: Sendable, Hashable {
    public var programme: ProgrammeID
    public var paid: Money
    public var owed: Money
    public var received: Money
    /// The day of the latest live settlement and recovery of the use: what is owed back is dated
    /// no earlier than the payment, and a receipt no earlier than what it pays back, so
    /// that a report to any date never shows money owed on a use that had paid nothing yet.
    public var lastSettled: BusinessDate?
    public var lastOwed: BusinessDate?

    public init(
        programme: ProgrammeID,
        paid: Money,
        owed: Money,
        received: Money,
        lastSettled: BusinessDate? = nil,
        lastOwed: BusinessDate? = nil
    ) {
        self.programme = programme
        self.paid = paid
        self.owed = owed
        self.received = received
        self.lastSettled = lastSettled
        self.lastOwed = lastOwed
    }

    /// What can still be owed back: what was paid less what is owed back already.
    public var owable: Money { paid.remaining(after: owed) }

    /// What is owed back and not yet received.
    public var outstanding: Money { owed.remaining(after: received) }

    /// Refuses a date before `earliest`, naming what it would precede.
    func check(_ date: BusinessDate?, notBefore earliest: BusinessDate?, what: String, use: String) throws(LedgerError)
    {
        guard let date, let earliest, date < earliest else { return }
        throw .invalid(
            field: "date",
            value: date.iso,
            reason: "is before \(earliest.iso), when use \(use)'s \(what) was recorded; date it on or after that",
            zh: "早于用券 \(use) 的相关记录日期 \(earliest.iso)；请填写当日或之后的日期"
        )
    }
}

extension Lifecycle {
    /// Records an amount owed back on a paid use: above zero, with a reason, and no more than what
    /// was paid less what is owed already. It moves no account: the money was paid out, and the
    /// published redeemed figure keeps it; the report shows what is owed and received beside it.
    public static func recovery(
        _ request: RecoveryFact,
        state: RecoveryState,
        on date: BusinessDate? = nil
    ) throws(LedgerError) -> EventDraft {
        try state.check(date, notBefore: state.lastSettled, what: "latest settlement", use: request.useRef)
        var checked = request
        checked.reason = try requiredReason(request.reason)
        guard request.amount > .zero else {
            throw .invalid(field: "amount", value: request.amount.formatted(), reason: "is not above zero", zh: "须大于零")
        }
        guard state.paid > .zero else {
            throw .redemption(
                use: request.useRef,
                reason: LocalizedText(
                    zh: "该用券未获兑付，无应追回款项；尚未兑付的用券应予冲销",
                    en: "nothing was paid on it, so nothing is owed back; a use not yet paid is reversed instead"
                )
            )
        }
        let room = state.owable
        guard request.amount <= room else {
            throw .redemption(
                use: request.useRef,
                reason: LocalizedText(
                    zh: "最多可记应追回 \(room.formatted())：已兑付 \(state.paid.formatted())，已记应追回 \(state.owed.formatted())",
                    en: "at most \(room.formatted()) can be owed back: \(state.paid.formatted()) was paid and "
                        + "\(state.owed.formatted()) is owed back already"
                )
            )
        }
        return EventDraft(kind: .recovery, programme: state.programme, payload: checked.payload, amount: request.amount)
    }

    /// Records money received back on a use: above zero and no more than is owed and not yet received.
    public static func recoveryReceipt(
        _ request: RecoveryFact,
        state: RecoveryState,
        on date: BusinessDate? = nil
    ) throws(LedgerError) -> EventDraft {
        try state.check(date, notBefore: state.lastOwed, what: "latest amount owed back", use: request.useRef)
        guard request.amount > .zero else {
            throw .invalid(field: "amount", value: request.amount.formatted(), reason: "is not above zero", zh: "须大于零")
        }
        let outstanding = state.outstanding
        guard request.amount <= outstanding else {
            throw .redemption(
                use: request.useRef,
                reason: LocalizedText(
                    zh: "追回 \(request.amount.formatted()) 超过待追回的 \(outstanding.formatted())（应追回 "
                        + "\(state.owed.formatted())，已追回 \(state.received.formatted())）；如确有更多应追回款项，请先记录",
                    en:
                        "cannot receive \(request.amount.formatted()): \(outstanding.formatted()) is owed back and not yet "
                        + "received (owed \(state.owed.formatted()), received \(state.received.formatted())); if more is "
                        + "owed, record it first with `voucher recover`"
                )
            )
        }
        var checked = request
        checked.reason = nil
        return EventDraft(
            kind: .recoveryReceived,
            programme: state.programme,
            payload: checked.payload,
            amount: request.amount
        )
    }
}
