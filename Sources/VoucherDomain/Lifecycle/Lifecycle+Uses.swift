// MARK: - Uses

/// A use's facts: the `voucher_use` row and the payload its event hashes, from one value.
public struct UseFact: Sendable, Hashable {
    public var ref: String
    public var claimRef: String
    public var programme: String
    public var year: Int
    public var applicantID: String
    public var providerID: String
    public var productCode: String
    public var category: String
    public var providerRegion: String
    public var project: String?
    public var usedOn: String
    public var serviceAmount: Int64
    public var eligibleAmount: Int64?
    public var taxAmount: Int64?
    public var rateBasisPoints: Int64
    public var amount: Int64
    public var redemptionDeadline: String?
    /// The rounding of the policy version the amount was computed under (`half-up to fen`); nil
    /// only for uses recorded before the ledger kept it, which rounded down to the fen.
    public var rounding: String?
    /// The provider's invoice number (schema v8); nil when not given.
    public var invoice: String?

    public init(
        ref: String,
        claimRef: String,
        programme: String,
        year: Int,
        applicantID: String,
        providerID: String,
        productCode: String,
        category: String,
        providerRegion: String,
        project: String?,
        usedOn: String,
        serviceAmount: Int64,
        eligibleAmount: Int64?,
        taxAmount: Int64?,
        rateBasisPoints: Int64,
        amount: Int64,
        redemptionDeadline: String?,
        rounding: String? = nil,
        invoice: String? = nil
    ) {
        self.invoice = invoice
        self.ref = ref
        self.claimRef = claimRef
        self.programme = programme
        self.year = year
        self.applicantID = applicantID
        self.providerID = providerID
        self.productCode = productCode
        self.category = category
        self.providerRegion = providerRegion
        self.project = project
        self.usedOn = usedOn
        self.serviceAmount = serviceAmount
        self.eligibleAmount = eligibleAmount
        self.taxAmount = taxAmount
        self.rateBasisPoints = rateBasisPoints
        self.amount = amount
        self.redemptionDeadline = redemptionDeadline
        self.rounding = rounding
    }

    /// The payload the use event hashes. `rounding` is left out when nil, as it was before the
    /// ledger kept it.
    public var payload: CanonicalJSON {
        var members: [String: CanonicalJSON] = [
            "ref": .string(ref), "claim": .string(claimRef), "programme": .string(programme), "year": .int(Int64(year)),
            "applicant": .string(applicantID), "provider": .string(providerID), "product": .string(productCode),
            "category": .string(category), "provider_region": .string(providerRegion), "project": .optional(project),
            "used_on": .string(usedOn), "service_amount": .int(serviceAmount),
            "eligible_amount": eligibleAmount.map { .int($0) } ?? .null,
            "tax_amount": taxAmount.map { .int($0) } ?? .null,
            "rate_basis_points": .int(rateBasisPoints), "amount": .int(amount),
            "redemption_deadline": .optional(redemptionDeadline),
        ]
        if let rounding { members["rounding"] = .string(rounding) }
        if let invoice { members["invoice"] = .string(invoice) }
        return .object(members)
    }
}

/// A provider as a use sees it.
public struct ProviderFacts: Sendable, Hashable {
    public var id: String
    public var region: String

    public init(id: String, region: String) {
        self.id = id
        self.region = region
    }
}

/// A product as a use sees it.
public struct ProductFacts: Sendable, Hashable {
    public var code: String
    public var providerID: String
    public var category: String

    public init(code: String, providerID: String, category: String) {
        self.code = code
        self.providerID = providerID
        self.category = category
    }
}

/// A granted voucher quota: the claim it was granted on, and how much of it is left.
public struct GrantedQuota: Sendable, Hashable {
    public var claimRef: String
    public var year: Int
    public var quota: Quota
    /// The level of the decision that granted it (the claim's latest live decision).
    public var level: ReviewLevel

    public init(claimRef: String, year: Int, quota: Quota, level: ReviewLevel = .district) {
        self.claimRef = claimRef
        self.year = year
        self.quota = quota
        self.level = level
    }
}

extension Lifecycle {
    /// The use checked on its own, and the canonical form of what was asked.
    public static func submission(
        of request: UseRequest
    ) throws(LedgerError) -> (
        request: UseRequest, canonical: CanonicalJSON
    ) {
        var checked = request
        checked.ref = try reference(request.ref, field: "ref")
        checked.project = try projectName(request.project)
        try checkAmount(request.serviceAmount, field: "service_amount")
        if let eligible = request.eligibleAmount { try checkAmount(eligible, field: "eligible_amount") }
        if let tax = request.taxAmount { try checkAmount(tax, field: "tax_amount") }
        var members: [String: CanonicalJSON] = [
            "ref": .string(checked.ref), "applicant": .string(request.applicantID),
            "provider": .string(request.providerID), "product": .string(request.productCode),
            "programme": .string(request.programme.value), "service_amount": .money(request.serviceAmount),
            "project": .optional(checked.project),
        ]
        members["eligible_amount"] = request.eligibleAmount.map { .money($0) } ?? .null
        members["tax_amount"] = request.taxAmount.map { .money($0) } ?? .null
        checked.invoice = try invoiceNumber(request.invoice)
        // Left out when not given: a use submitted before invoices were kept replays as it was.
        if let invoice = checked.invoice { members["invoice"] = .string(invoice) }
        return (checked, .object(members))
    }

    /// What a use is decided against: the programme, the parties, the applicant's quota that covers
    /// the date (or else the nearest, so the engine can say why it does not), and what the caps
    /// have counted so far for the applicant, its group and its project.
    public struct UseState: Sendable, Hashable {
        public var programme: Programme
        public var applicant: Applicant
        public var provider: ProviderFacts
        public var product: ProductFacts
        public var quota: GrantedQuota?
        public var usage: UsageSoFar
        /// The provider's suspension in force on the use's date, if any.
        public var providerSuspension: ProviderStatusFact?
        /// The live use that the request's invoice already funded, if any.
        public var invoiceFunded: FundedUse?

        public init(
            programme: Programme,
            applicant: Applicant,
            provider: ProviderFacts,
            product: ProductFacts,
            quota: GrantedQuota?,
            usage: UsageSoFar,
            providerSuspension: ProviderStatusFact? = nil
        ) {
            self.providerSuspension = providerSuspension
            self.programme = programme
            self.applicant = applicant
            self.provider = provider
            self.product = product
            self.quota = quota
            self.usage = usage
        }
    }

    /// Checks that the programme takes uses (a voucher) and the product is the provider's.
    public static func checkUse(
        programme: Programme,
        provider: ProviderFacts,
        product: ProductFacts
    ) throws(LedgerError) {
        guard programme.kind == .voucher else {
            throw .wrongProgrammeKind(programme: programme.id.value, kind: programme.kind, operation: "a voucher use")
        }
        guard product.providerID == provider.id else {
            throw .productOfAnotherProvider(product: product.code, provider: provider.id, expected: product.providerID)
        }
    }

    /// The purchase a use describes, with its amounts checked.
    public static func purchase(_ request: UseRequest, state: UseState) throws(LedgerError) -> Purchase {
        let project = try projectName(request.project)
        do {
            return try Purchase(
                serviceAmount: request.serviceAmount,
                eligibleAmount: request.eligibleAmount,
                taxAmount: request.taxAmount,
                productCategory: state.product.category,
                providerRegion: state.provider.region,
                project: project
            )
        } catch {
            throw .invalid(
                field: "service_amount",
                value: request.serviceAmount.formatted(),
                reason: error.description,
                zh: error.zh
            )
        }
    }

    /// What a use would get on `date`: the engine's decision, for a quote or before recording.
    public static func quote(
        _ request: UseRequest,
        state: UseState,
        on date: BusinessDate
    ) throws(LedgerError)
        -> SubsidyDecision
    {
        try checkUse(programme: state.programme, provider: state.provider, product: state.product)
        let purchase = try purchase(request, state: state)
        var usage = state.usage
        usage.quota = state.quota?.quota
        do {
            return try SubsidyEngine.decide(
                programme: state.programme,
                on: date,
                applicant: state.applicant,
                basis: .purchase(purchase),
                usage: usage
            )
        } catch {
            throw .invalid(field: "use", value: request.ref, reason: error.description, zh: error.zh)
        }
    }

    /// Records a use: the voucher amount is the engine's, from the quota to the provider's account
    /// of amounts awaiting redemption. A use that is not eligible, or would pay nothing, is refused
    /// with the explanation.
    public static func use(
        _ request: UseRequest,
        state: UseState,
        on date: BusinessDate
    ) throws(LedgerError) -> (fact: UseFact, event: EventDraft, decision: SubsidyDecision) {
        try checkControls(request, state: state, on: date)
        let (decision, granted, version, rate) = try decideUse(request, state: state, on: date)
        let programme = state.programme.id
        let fact = UseFact(
            ref: request.ref,
            claimRef: granted.claimRef,
            programme: programme.value,
            year: granted.year,
            applicantID: state.applicant.id,
            providerID: state.provider.id,
            productCode: state.product.code,
            category: state.product.category,
            providerRegion: state.provider.region,
            project: try projectName(request.project),
            usedOn: date.iso,
            serviceAmount: request.serviceAmount.fen,
            eligibleAmount: request.eligibleAmount?.fen,
            taxAmount: request.taxAmount?.fen,
            rateBasisPoints: rate.value.basisPoints,
            amount: decision.amount.fen,
            redemptionDeadline: version.redemptionDeadline(usedOn: date)?.iso,
            rounding: version.rounding.value.canonicalText,
            invoice: try invoiceNumber(request.invoice)
        )
        let event = EventDraft(
            kind: .use,
            programme: programme,
            policyVersion: version,
            payload: fact.payload,
            explanation: StoredExplanation.json(for: decision),
            postings: usePostings(decision.amount, state: state, year: granted.year),
            amount: decision.amount
        )
        return (fact, event, decision)
    }

    /// What a use would be recorded with, or why it is refused: the engine's decision, the quota
    /// it draws on, and the policy version and rate it was computed under. A use that is not
    /// eligible, or would pay nothing, is refused with the explanation. ``use(_:state:on:)``
    /// records this decision; a what-if replay (``Replay``) applies it without the stored
    /// explanation.
    public static func decideUse(
        _ request: UseRequest,
        state: UseState,
        on date: BusinessDate
    ) throws(LedgerError) -> (
        decision: SubsidyDecision, quota: GrantedQuota, version: PolicyVersion, rate: Sourced<Rate>
    ) {
        let decision = try quote(request, state: state, on: date)
        if let why = decision.ineligibility {
            throw .notEligible(LocalizedText(zh: "用券 \(request.ref)", en: "use \(request.ref)"), decision, why)
        }
        let version = state.programme.version(on: date)
        guard decision.amount > .zero, let granted = state.quota, let version, let rate = version.rate else {
            throw .nothingToPay(
                explanation: LocalizedText(
                    zh: decision.explanation(.zh, citing: false).joined(separator: " · "),
                    en: decision.explanation(.en, citing: false).joined(separator: " · ")
                )
            )
        }
        return (decision, granted, version, rate)
    }

    /// A use's postings: its amount from the applicant's quota of the year to the provider's
    /// account of amounts awaiting redemption.
    public static func usePostings(_ amount: Money, state: UseState, year: Int) -> [Posting] {
        let programme = state.programme.id
        return Posting.transfer(
            amount,
            from: LedgerAccount(.quota, programme: programme, year: year, party: state.applicant.id),
            to: LedgerAccount(.awaiting, programme: programme, year: year, party: state.provider.id)
        )
    }

    /// Of an applicant's granted quotas in a programme (in order of their validity), the one that
    /// covers `date`; failing that, of the latest that ended before it and the first that begins
    /// after it, the nearer (so that the engine says the quota expired, or is not valid yet, of the
    /// one the applicant means: a use the day before this year's quota begins is told when it
    /// begins, not that a quota of years ago expired); the earlier when both are as near.
    public static func quota(covering date: BusinessDate, among quotas: [GrantedQuota]) -> GrantedQuota? {
        if let covering = quotas.first(where: { $0.quota.validFrom <= date && date <= $0.quota.validUntil }) {
            return covering
        }
        let expired = quotas.last { $0.quota.validUntil < date }
        let upcoming = quotas.first { date < $0.quota.validFrom }
        switch (expired, upcoming) {
        case (let expired?, let upcoming?):
            return expired.quota.validUntil.days(until: date) <= date.days(until: upcoming.quota.validFrom)
                ? expired : upcoming
        case (let expired?, nil): return expired
        case (nil, let upcoming?): return upcoming
        case (nil, nil): return quotas.first
        }
    }
}
