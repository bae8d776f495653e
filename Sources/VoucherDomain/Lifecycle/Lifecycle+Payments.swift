// MARK: - Payments, expiry, reversal

/// A claim as a payment sees it: the grant and what was paid on it before.
public struct PaymentState: Sendable, Hashable {
    public var claim: ClaimFact
    public var kind: ProgrammeKind
    public var granted: Money
    public var paidBefore: Money
    /// The review level the grant still awaits, and its rule (``Lifecycle/awaitedReview(of:on:decided:)``);
    /// nil when it may be paid.
    public var awaiting: AwaitedReview?

    public init(claim: ClaimFact, kind: ProgrammeKind, granted: Money, paidBefore: Money) {
        self.claim = claim
        self.kind = kind
        self.granted = granted
        self.paidBefore = paidBefore
    }
}

/// A voucher quota whose validity has ended, with what is left of it.
public struct EndedQuota: Sendable, Hashable {
    public var claimRef: String
    public var applicantID: String
    public var year: Int
    public var left: Money

    public init(claimRef: String, applicantID: String, year: Int, left: Money) {
        self.claimRef = claimRef
        self.applicantID = applicantID
        self.year = year
        self.left = left
    }
}

/// The event a reversal would cancel, as the reversal sees it.
public struct ReversalTarget: Sendable, Hashable {
    public var seq: Int64
    public var kind: EventKind
    public var programme: ProgrammeID?
    /// The event that already reversed it, if one did.
    public var reversedBy: Int64?
    /// A live event that depends on it (a decision on a claim, a filing of a use, a settlement of
    /// a filing, a later decision on the same claim, money received back that would then exceed
    /// what is owed): its event number. What it is follows from this event's kind.
    public var dependent: Int64?
    /// Its postings, in line order.
    public var postings: [Posting]
    /// Its business date, and the latest date of a reversal of an event that depended on it
    /// (nil when the storage did not say: no check).
    public var date: BusinessDate?
    public var dependentsReversedOn: BusinessDate?
    /// A decision's reversal: its claim, the grant the reversal restores (the claim's earlier live
    /// decision's, or zero), and the year's budget with the decision's grant as current.
    public var restores: (claim: String, grant: Money, budget: BudgetState?)?
    /// A decision's reversal: what its claim's grant has funded (its live uses net of what they
    /// returned, its payments); nil when the storage did not say.
    public var claimFunded: Money?

    public init(
        seq: Int64,
        kind: EventKind,
        programme: ProgrammeID?,
        reversedBy: Int64?,
        dependent: Int64?,
        postings: [Posting],
        date: BusinessDate? = nil,
        dependentsReversedOn: BusinessDate? = nil
    ) {
        self.seq = seq
        self.kind = kind
        self.programme = programme
        self.reversedBy = reversedBy
        self.dependent = dependent
        self.postings = postings
        self.date = date
        self.dependentsReversedOn = dependentsReversedOn
    }

    public static func == (lhs: ReversalTarget, rhs: ReversalTarget) -> Bool {
        lhs.seq == rhs.seq && lhs.kind == rhs.kind && lhs.programme == rhs.programme && lhs.reversedBy == rhs.reversedBy
            && lhs.dependent == rhs.dependent
            && lhs.postings == rhs.postings
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(seq)
        hasher.combine(kind)
        hasher.combine(postings)
    }
}

extension Lifecycle {
    /// The payment checked on its own, and the canonical form of what was asked.
    public static func submission(of request: PaymentRequest) throws(LedgerError) -> CanonicalJSON {
        guard request.amount > .zero else {
            throw .invalid(
                field: "amount",
                value: request.amount.formatted(),
                reason: "a payment is more than zero",
                zh: "拨付金额须大于零"
            )
        }
        try checkAmount(request.amount, field: "amount")
        return .object(["claim": .string(request.claimRef), "amount": .money(request.amount)])
    }

    /// Pays (part of) a granted matching claim or grant to the applicant, never more than is left
    /// of the grant. Vouchers are paid to providers by redemption instead.
    public static func pay(_ request: PaymentRequest, state: PaymentState) throws(LedgerError) -> EventDraft {
        let claim = state.claim
        guard state.kind != .voucher else {
            throw .wrongProgrammeKind(
                programme: claim.programme.value,
                kind: .voucher,
                operation: "a payment (vouchers are redeemed by providers)"
            )
        }
        if let awaiting = state.awaiting {
            throw .awaitingReview(claim: claim.ref, level: awaiting.level, rule: awaiting.rule, operation: "paid")
        }
        let left = state.granted.remaining(after: state.paidBefore)
        guard request.amount <= left else {
            throw .paymentOverGrant(claim: claim.ref, left: left, requested: request.amount)
        }
        let quota = LedgerAccount(.quota, programme: claim.programme, year: claim.year, party: claim.applicantID)
        let paid = LedgerAccount(.paid, programme: claim.programme, year: claim.year, party: claim.applicantID)
        let (granted, before) = (state.granted.formatted(), state.paidBefore.formatted())
        let explanation = StoredExplanation.json(
            amount: request.amount,
            en: [
                "granted \(granted) − paid before \(before) = \(left.formatted())",
                "paid \(request.amount.formatted())",
            ],
            zh: ["核定 \(granted) − 已拨付 \(before) = \(left.formatted())", "拨付 \(request.amount.formatted())"]
        )
        return EventDraft(
            kind: .payment,
            programme: claim.programme,
            payload: .object(["claim": .string(claim.ref), "amount": .money(request.amount)]),
            explanation: explanation,
            postings: Posting.transfer(request.amount, from: quota, to: paid),
            amount: request.amount
        )
    }

    /// Lapses what is left of each quota whose validity ended; nil when nothing is left to lapse.
    public static func expire(
        programme: Programme,
        ended: [EndedQuota]
    ) throws(LedgerError) -> EventDraft? {
        guard programme.kind == .voucher else {
            throw .wrongProgrammeKind(programme: programme.id.value, kind: programme.kind, operation: "expiry")
        }
        let lapsing = ended.filter { $0.left > .zero }
        if lapsing.isEmpty { return nil }
        var postings: [Posting] = []
        var lapsed: [CanonicalJSON] = []
        for quota in lapsing {
            postings += Posting.transfer(
                quota.left,
                from: LedgerAccount(.quota, programme: programme.id, year: quota.year, party: quota.applicantID),
                to: LedgerAccount(.lapsed, programme: programme.id, year: quota.year)
            )
            lapsed.append(
                .object([
                    "claim": .string(quota.claimRef), "applicant": .string(quota.applicantID),
                    "amount": .money(quota.left),
                ])
            )
        }
        return EventDraft(
            kind: .expiry,
            programme: programme.id,
            payload: .object(["programme": .string(programme.id.value), "lapsed": .array(lapsed)]),
            postings: postings
        )
    }

    /// The reversal checked on its own, and the canonical form of what was asked.
    public static func reversalSubmission(
        event seq: Int64,
        reason: String
    ) throws(LedgerError) -> (
        reason: String, canonical: CanonicalJSON
    ) {
        let why = try required(reason, field: "reason")
        return (why, .object(["reverses": .int(seq), "reason": .string(why)]))
    }

    /// What depends on an event of `kind`, as a refusal to reverse it names it.
    static func dependentWords(of kind: EventKind) -> LocalizedText {
        switch kind {
        case .claim: LocalizedText(zh: "该申领的审核", en: "a decision on the claim")
        case .decision: LocalizedText(zh: "同一申领的后续审核", en: "a later decision on the same claim")
        case .use: LocalizedText(zh: "该用券的兑付申请", en: "a redemption filing for the use")
        case .redemptionFiled: LocalizedText(zh: "该兑付申请的结算", en: "the filing's settlement")
        case .recovery:
            LocalizedText(
                zh: "同一用券已追回的款项（不冲销它，已追回的将多于应追回的）",
                en: "money received back on the same use (without this amount owed, more would have been "
                    + "received than owed)"
            )
        default: LocalizedText(zh: "依赖它的事件", en: "an event that depends on it")
        }
    }

    /// Cancels an event by a new one that posts the opposite amounts and references it. An event is
    /// reversed at most once; a reversal, a registration or a policy is not reversed; what depends
    /// on the event must be reversed first. A reversal on `date` may not be dated before the event
    /// it reverses, nor before the reversal of what depended on it: a report to any date then
    /// counts an event from its own date to its reversal's, and its dependents within that. Nor
    /// is it dated after `today`, unless the event it reverses was dated ahead (recorded before
    /// that rule): the reversal is then dated as that event, which it cancels before it counts
    /// anywhere.
    public static func reverse(
        _ target: ReversalTarget,
        reason: String,
        on date: BusinessDate? = nil,
        today: BusinessDate? = nil
    ) throws(LedgerError) -> EventDraft {
        if let by = target.reversedBy { throw .alreadyReversed(event: target.seq, by: by) }
        guard target.kind.isReversible else {
            throw .notReversible(
                event: target.seq,
                reason: target.kind == .reversal
                    ? LocalizedText(zh: "它本身是冲销", en: "it is itself a reversal")
                    : LocalizedText(
                        zh: "\(LedgerError.eventZh(target.kind))事件以记录新内容更正，不以冲销更正",
                        en:
                            "a \(target.kind.rawValue) event is corrected by recording the new details, not by a reversal"
                    ),
                remedy: target.kind == .reversal
                    ? LocalizedText(zh: "请重新记录原事件", en: "record the original again instead") : nil
            )
        }
        // Money paid out is not undone by a reversal, which would lower the published redeemed
        // figure without a word: what is owed back is recorded as a recovery.
        if target.kind == .redemptionSettled,
            let paid = target.postings.first(where: { $0.account.kind == .paid && $0.amount > .zero })
        {
            throw .notReversible(
                event: target.seq,
                reason: LocalizedText(
                    zh: "已向服务机构兑付 \(paid.amount.formatted())",
                    en: "it paid the provider \(paid.amount.formatted())"
                ),
                remedy: LocalizedText(
                    zh: "请改为在其用券上记录应追回款项，追回时再记录已追回"
                        + "（均由财务记录）：控制台的「追回」页面，或命令行 `voucher recover`",
                    en: "record what is owed back instead, as a "
                        + "recovery on its use, and what is received back when it comes (finance records both): on "
                        + "the command line `voucher recover --use USE --amount A --reason R`, then `voucher recover "
                        + "receive --use USE --amount A`; in the console, the page of money owed back; in the API, "
                        + "the use's recoveries and receipts"
                )
            )
        }
        if let dependent = target.dependent {
            throw .notReversible(
                event: target.seq,
                reason: LocalizedText(
                    zh: "\(Self.dependentWords(of: target.kind).zh)（事件 \(dependent)）依赖于它",
                    en: "\(Self.dependentWords(of: target.kind).en) (event \(dependent)) depends on it"
                ),
                remedy: LocalizedText(
                    zh: "请先冲销依赖它的事件；那个事件若也不能冲销，按它的说明办理",
                    en: "reverse the event that depends on it first; where that one cannot be reversed either, do as "
                        + "its own reason says"
                )
            )
        }
        if let date, let today, date > today, date != target.date {
            if let dated = target.date, dated > today {
                throw .invalid(
                    field: "date",
                    value: date.iso,
                    reason: "is after today (\(today.iso), Beijing time); event \(target.seq) is dated ahead, "
                        + "\(dated.iso), and a reversal of it is dated that day",
                    zh: "晚于今天（北京时间 \(today.iso)）；事件 \(target.seq) 的日期 \(dated.iso) 在今天之后，"
                        + "冲销它的日期应与其相同"
                )
            }
            try checkNotLater(date, than: today)
        }
        if let date, let dated = target.date, date < dated, let today, dated > today {
            throw .invalid(
                field: "date",
                value: date.iso,
                reason: "is before event \(target.seq), dated \(dated.iso), which is after today; a reversal of it is "
                    + "dated \(dated.iso)",
                zh: "早于事件 \(target.seq) 的日期 \(dated.iso)，该日期在今天之后；冲销它的日期应为 \(dated.iso)"
            )
        }
        if let date, let dated = target.date, date < dated {
            throw .invalid(
                field: "date",
                value: date.iso,
                reason:
                    "is before event \(target.seq), dated \(dated.iso); a reversal is dated on or after what it reverses",
                zh: "早于事件 \(target.seq) 的日期 \(dated.iso)；冲销的日期不得早于被冲销的事件"
            )
        }
        // What a grant funded stays granted: a decision whose reversal would leave the claim's
        // grant below that waits for those uses or payments to be reversed.
        if let restores = target.restores, let funded = target.claimFunded, restores.grant < funded {
            throw .notReversible(
                event: target.seq,
                reason: LocalizedText(
                    zh: "申领 \(restores.claim) 已资助 \(funded.formatted())（其用券与拨付），冲销此审核后其核定额将为 "
                        + "\(restores.grant.formatted())",
                    en: "claim \(restores.claim) has funded \(funded.formatted()) (its uses and payments), and "
                        + "without this decision its grant would be \(restores.grant.formatted())"
                ),
                remedy: LocalizedText(zh: "请先冲销这些用券或拨付", en: "reverse those uses or payments first")
            )
        }
        // Reversing a decision that lowered (or rejected) a grant restores the earlier grant: the
        // money must still be in the budget.
        if let restores = target.restores {
            try checkBudget(restores.budget, claim: restores.claim, granted: restores.grant)
        }
        if let date, let dependents = target.dependentsReversedOn, date < dependents {
            throw .invalid(
                field: "date",
                value: date.iso,
                reason: "is before \(dependents.iso), when what depended on event \(target.seq) was reversed; "
                    + "a reversal is dated on or after those",
                zh: "早于 \(dependents.iso)，依赖事件 \(target.seq) 的记录于该日冲销；此冲销的日期不得早于那些冲销"
            )
        }
        return EventDraft(
            kind: .reversal,
            programme: target.programme,
            reverses: target.seq,
            payload: .object([
                "reverses": .int(target.seq), "kind": .string(target.kind.rawValue), "reason": .string(reason),
            ]),
            postings: target.postings.map { Posting($0.account, Money(fen: -$0.amount.fen)) }
        )
    }
}
