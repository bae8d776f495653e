// MARK: - Redemption: filings and settlements

/// A recorded use, as redemption sees it.
public struct UseForRedemption: Sendable, Hashable {
    public var seq: Int64
    public var ref: String
    public var programme: String
    public var year: Int
    public var applicantID: String
    public var providerID: String
    public var usedOn: BusinessDate
    public var amount: Money
    public var redemptionDeadline: BusinessDate?

    public init(
        seq: Int64,
        ref: String,
        programme: String,
        year: Int,
        applicantID: String,
        providerID: String,
        usedOn: BusinessDate,
        amount: Money,
        redemptionDeadline: BusinessDate?
    ) {
        self.seq = seq
        self.ref = ref
        self.programme = programme
        self.year = year
        self.applicantID = applicantID
        self.providerID = providerID
        self.usedOn = usedOn
        self.amount = amount
        self.redemptionDeadline = redemptionDeadline
    }
}

/// One use of a filing, and whether it was filed after its deadline.
public struct FiledUse: Sendable, Hashable {
    public var use: UseForRedemption
    /// How many days after its deadline the use was filed; 0 when in time or it has none.
    public var daysLate: Int

    public var pastDeadline: Bool { daysLate > 0 }

    /// A use filed on `date`: late by the days from its deadline to the date.
    public init(use: UseForRedemption, filedOn date: BusinessDate) {
        self.use = use
        self.daysLate = use.redemptionDeadline.map { max($0.days(until: date), 0) } ?? 0
    }
}

/// A settlement as recorded in the `settlement` fact row and its event's payload.
public struct SettlementFact: Sendable, Hashable {
    public var filingRef: String
    public var useRef: String
    /// `paid`, `reduced` or `rejected`.
    public var outcome: String
    public var paid: Money
    public var unpaid: Money
    public var unpaidEffect: UnpaidRedemptionEffect
    public var reason: String?

    public init(
        filingRef: String,
        useRef: String,
        outcome: String,
        paid: Money,
        unpaid: Money,
        unpaidEffect: UnpaidRedemptionEffect,
        reason: String?
    ) {
        self.filingRef = filingRef
        self.useRef = useRef
        self.outcome = outcome
        self.paid = paid
        self.unpaid = unpaid
        self.unpaidEffect = unpaidEffect
        self.reason = reason
    }

    public var payload: CanonicalJSON {
        .object([
            "filing": .string(filingRef), "use": .string(useRef), "outcome": .string(outcome), "paid": .money(paid),
            "unpaid": .money(unpaid), "unpaid_effect": .string(unpaidEffect.rawValue), "reason": .optional(reason),
        ])
    }
}

extension Lifecycle {
    /// The filing checked on its own, and the canonical form of what was asked.
    public static func submission(
        of request: RedemptionFilingRequest
    ) throws(LedgerError) -> (
        ref: String, canonical: CanonicalJSON
    ) {
        let ref = try reference(request.ref, field: "ref")
        guard !request.useRefs.isEmpty else {
            throw .invalid(
                field: "uses",
                value: "",
                reason: "a redemption claim names at least one use",
                zh: "为空：兑付申请至少须包含一笔用券，请勾选要申报的用券"
            )
        }
        guard Set(request.useRefs).count == request.useRefs.count else {
            throw .invalid(
                field: "uses",
                value: request.useRefs.joined(separator: ","),
                reason: "names a use twice",
                zh: "重复包含同一笔用券"
            )
        }
        let canonical = CanonicalJSON.object([
            "ref": .string(ref), "provider": .string(request.providerID),
            "uses": .array(request.useRefs.map { .string($0) }),
        ])
        return (ref, canonical)
    }

    /// A use about to be filed, with the filing it is already in, if any.
    public struct UseToFile: Sendable, Hashable {
        public var use: UseForRedemption
        public var filedIn: String?

        public init(use: UseForRedemption, filedIn: String?) {
            self.use = use
            self.filedIn = filedIn
        }
    }

    /// Files uses for redemption: each the provider's own, not filed before, all of one programme.
    /// A use filed after its deadline is recorded and marked, for the exceptions an auditor reviews.
    public static func file(
        ref: String,
        providerID: String,
        uses: [UseToFile],
        on date: BusinessDate
    ) throws(LedgerError) -> (items: [FiledUse], event: EventDraft) {
        var items: [FiledUse] = []
        var programmeID: String?
        for candidate in uses {
            let use = candidate.use
            guard use.providerID == providerID else {
                throw .redemption(
                    use: use.ref,
                    reason: LocalizedText(
                        zh: "在服务机构 \(use.providerID) 使用，而非 \(providerID)",
                        en: "was used at provider \(use.providerID), not \(providerID)"
                    )
                )
            }
            if let filing = candidate.filedIn {
                throw .redemption(
                    use: use.ref,
                    reason: LocalizedText(
                        zh: "已在兑付申请 \(filing) 中申报",
                        en: "is already filed in redemption claim \(filing)"
                    )
                )
            }
            if let programmeID, programmeID != use.programme {
                throw .redemption(
                    use: use.ref,
                    reason: LocalizedText(
                        zh: "属于 \(use.programme)；不同项目请分别申报",
                        en: "belongs to \(use.programme); file each programme separately"
                    )
                )
            }
            programmeID = use.programme
            items.append(FiledUse(use: use, filedOn: date))
        }
        let payload = CanonicalJSON.object([
            "ref": .string(ref), "provider": .string(providerID),
            "uses": .array(
                items.map { .object(["use": .string($0.use.ref), "past_deadline": .bool($0.pastDeadline)]) }
            ),
        ])
        let programme: ProgrammeID?
        do {
            programme = try programmeID.map { try ProgrammeID($0) }
        } catch {
            throw .invalid(
                field: "programme",
                value: programmeID ?? "",
                reason: "\(error)",
                zh: (error as? PolicyError).map { $0.zh ?? $0.reason }
            )
        }
        return (items, EventDraft(kind: .redemptionFiled, programme: programme, payload: payload))
    }

    /// The settlement checked on its own, and the canonical form of what was asked.
    public static func submission(
        of request: SettlementRequest
    ) throws(LedgerError) -> (
        request: SettlementRequest, canonical: CanonicalJSON
    ) {
        var checked = request
        let canonical: CanonicalJSON
        switch request.outcome {
        case .paid:
            canonical = .object([
                "filing": .string(request.filingRef), "use": .string(request.useRef), "outcome": .string("paid"),
            ])
        case .reduced(let paid, let text):
            try checkAmount(paid, field: "amount")
            let reason = try required(text, field: "reason")
            checked.outcome = .reduced(paid: paid, reason: reason)
            canonical = .object([
                "filing": .string(request.filingRef), "use": .string(request.useRef), "outcome": .string("reduced"),
                "paid": .money(paid), "reason": .string(reason),
            ])
        case .rejected(let text):
            let reason = try required(text, field: "reason")
            checked.outcome = .rejected(reason: reason)
            canonical = .object([
                "filing": .string(request.filingRef), "use": .string(request.useRef), "outcome": .string("rejected"),
                "reason": .string(reason),
            ])
        }
        return (checked, canonical)
    }

    /// What a settlement is decided against.
    public struct SettlementState: Sendable, Hashable {
        public var use: UseForRedemption
        /// Whether the use is in the filing named.
        public var inFiling: Bool
        /// The live settlement of the use, if it has one.
        public var settledBy: Int64?
        /// The policy version the use was computed under (the one its event recorded).
        public var useVersion: PolicyVersion?

        public init(use: UseForRedemption, inFiling: Bool, settledBy: Int64?, useVersion: PolicyVersion?) {
            self.use = use
            self.inFiling = inFiling
            self.settledBy = settledBy
            self.useVersion = useVersion
        }
    }

    /// Settles one filed use: paid in full, reduced or rejected. What is not paid is returned to the
    /// applicant's quota or forfeited, as the policy version the use was computed under says — not
    /// the version in force today, so that a later revision never changes how a use settles.
    ///
    /// `recording: false` leaves out the payload and the explanation stored with the event: a
    /// what-if replay, which records nothing, needs only the settlement and its postings.
    public static func settle(
        _ request: SettlementRequest,
        state: SettlementState,
        recording: Bool = true
    ) throws(LedgerError) -> (fact: SettlementFact, event: EventDraft) {
        let use = state.use
        guard state.inFiling else {
            throw .redemption(
                use: use.ref,
                reason: LocalizedText(
                    zh: "不在兑付申请 \(request.filingRef) 中；请先申报",
                    en: "is not in redemption claim \(request.filingRef); file it first"
                )
            )
        }
        if let settled = state.settledBy {
            throw .redemption(
                use: use.ref,
                reason: LocalizedText(zh: "已由事件 \(settled) 结算", en: "is already settled by event \(settled)")
            )
        }
        let paid: Money
        let outcome: String
        var reason: String?
        switch request.outcome {
        case .paid:
            paid = use.amount
            outcome = "paid"
        case .reduced(let amount, let why):
            guard amount <= use.amount else { throw .settlementOverUse(use: use.ref, used: use.amount, paid: amount) }
            paid = amount
            outcome = amount == use.amount ? "paid" : "reduced"
            reason = why
        case .rejected(let why):
            paid = .zero
            outcome = "rejected"
            reason = why
        }
        let unpaid = try subtract(use.amount, paid)
        let effect = state.useVersion?.redemption.unpaidAmount.value ?? .forfeited
        let programme: ProgrammeID
        do {
            programme = try ProgrammeID(use.programme)
        } catch {
            throw .invalid(
                field: "programme",
                value: use.programme,
                reason: "\(error)",
                zh: error.zh ?? error.reason
            )
        }
        let awaiting = LedgerAccount(.awaiting, programme: programme, year: use.year, party: use.providerID)
        let paidAccount = LedgerAccount(.paid, programme: programme, year: use.year, party: use.providerID)
        let unpaidAccount =
            effect == .returned
            ? LedgerAccount(.quota, programme: programme, year: use.year, party: use.applicantID)
            : LedgerAccount(.forfeited, programme: programme, year: use.year)
        let postings =
            Posting.transfer(paid, from: awaiting, to: paidAccount)
            + Posting.transfer(unpaid, from: awaiting, to: unpaidAccount)
        let fact = SettlementFact(
            filingRef: request.filingRef,
            useRef: use.ref,
            outcome: outcome,
            paid: paid,
            unpaid: unpaid,
            unpaidEffect: effect,
            reason: reason
        )
        guard recording else {
            return (
                fact,
                EventDraft(
                    kind: .redemptionSettled,
                    programme: programme,
                    policyVersion: state.useVersion,
                    payload: .null,
                    postings: postings,
                    amount: paid
                )
            )
        }
        let effectText = effect == .returned ? ("returned to the quota", "退回额度") : ("forfeited", "不再退回")
        let explanation = StoredExplanation.json(
            amount: paid,
            en: ["used \(use.amount.formatted())", "paid \(paid.formatted())"]
                + (unpaid > .zero ? ["unpaid \(unpaid.formatted()), \(effectText.0)"] : []),
            zh: ["用券 \(use.amount.formatted())", "兑付 \(paid.formatted())"]
                + (unpaid > .zero ? ["未兑付 \(unpaid.formatted())，\(effectText.1)"] : [])
        )
        let event = EventDraft(
            kind: .redemptionSettled,
            programme: programme,
            policyVersion: state.useVersion,
            payload: fact.payload,
            explanation: explanation,
            postings: postings,
            amount: paid
        )
        return (fact, event)
    }
}
