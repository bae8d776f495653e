/// The parameters of a programme in force from one date (to another, or until the next version).
///
/// A parameter left out does not restrict: no per-use cap means none, no list of categories means
/// every category (domain.md). Every value may carry its ``Source``, which explanations cite.
public struct PolicyVersion: Sendable, Hashable {
    /// The stored parameters, in one box: a version is copied wherever a rule looks one up (once or
    /// more for every use decided), and a copy is then one reference, not each of its texts.
    struct Values: Sendable, Hashable {
        var effectiveFrom: BusinessDate
        var effectiveUntil: BusinessDate? = nil
        var rate: Sourced<Rate>? = nil
        var caps: Caps
        var rounding: Sourced<Rounding>
        var quotaValidity: Sourced<QuotaValidity>? = nil
        var redemption: RedemptionRules
        var eligibility: Eligibility
        var taxBase: Sourced<TaxBase>
        var requiredReviewLevels: Sourced<[ReviewLevel]>? = nil
        var note: String? = nil
        var noteZh: String? = nil
    }

    private final class Box: @unchecked Sendable {
        // Written only through a uniquely referenced box (``update``).
        var values: Values
        init(_ values: Values) { self.values = values }
    }

    private var box: Box

    public var effectiveFrom: BusinessDate {
        get { box.values.effectiveFrom }
        set { update { $0.effectiveFrom = newValue } }
    }
    /// The last day in force, inclusive; `nil` runs until the next version starts.
    public var effectiveUntil: BusinessDate? {
        get { box.values.effectiveUntil }
        set { update { $0.effectiveUntil = newValue } }
    }
    /// The share of the base the programme pays: required for vouchers and matching, unused for grants.
    public var rate: Sourced<Rate>? {
        get { box.values.rate }
        set { update { $0.rate = newValue } }
    }
    public var caps: Caps {
        get { box.values.caps }
        set { update { $0.caps = newValue } }
    }
    public var rounding: Sourced<Rounding> {
        get { box.values.rounding }
        set { update { $0.rounding = newValue } }
    }
    /// How long a granted voucher quota can be used. `nil`: to the end of the grant's calendar year.
    public var quotaValidity: Sourced<QuotaValidity>? {
        get { box.values.quotaValidity }
        set { update { $0.quotaValidity = newValue } }
    }
    public var redemption: RedemptionRules {
        get { box.values.redemption }
        set { update { $0.redemption = newValue } }
    }
    public var eligibility: Eligibility {
        get { box.values.eligibility }
        set { update { $0.eligibility = newValue } }
    }
    public var taxBase: Sourced<TaxBase> {
        get { box.values.taxBase }
        set { update { $0.taxBase = newValue } }
    }
    /// The review levels that must grant a claim, in order (`[district, city]`), before its quota
    /// is used or its grant paid; the city may then lower the district's amount, never raise it.
    /// `nil`: the district's grant suffices and a city decision may change it either way.
    public var requiredReviewLevels: Sourced<[ReviewLevel]>? {
        get { box.values.requiredReviewLevels }
        set { update { $0.requiredReviewLevels = newValue } }
    }
    /// Why this version exists or what it changed, for the people who read the policy.
    public var note: String? {
        get { box.values.note }
        set { update { $0.note = newValue } }
    }
    /// The note in Chinese, where the policy file gives it apart (`note_zh`).
    public var noteZh: String? {
        get { box.values.noteZh }
        set { update { $0.noteZh = newValue } }
    }

    /// The note as a page in `language` shows it: the Chinese where there is one.
    public func note(_ language: Language) -> String? { language == .zh ? noteZh ?? note : note }

    private mutating func update(_ change: (inout Values) -> Void) {
        if !isKnownUniquelyReferenced(&box) { box = Box(box.values) }
        change(&box.values)
    }

    public static func == (lhs: PolicyVersion, rhs: PolicyVersion) -> Bool {
        lhs.box === rhs.box || lhs.box.values == rhs.box.values
    }

    public func hash(into hasher: inout Hasher) { box.values.hash(into: &hasher) }

    public init(
        effectiveFrom: BusinessDate,
        effectiveUntil: BusinessDate? = nil,
        rate: Sourced<Rate>? = nil,
        caps: Caps = Caps(),
        rounding: Sourced<Rounding> = Sourced(.downToFen),
        quotaValidity: Sourced<QuotaValidity>? = nil,
        redemption: RedemptionRules = RedemptionRules(),
        eligibility: Eligibility = Eligibility(),
        taxBase: Sourced<TaxBase> = Sourced(.inclusive),
        note: String? = nil
    ) {
        box = Box(
            Values(
                effectiveFrom: effectiveFrom,
                effectiveUntil: effectiveUntil,
                rate: rate,
                caps: caps,
                rounding: rounding,
                quotaValidity: quotaValidity,
                redemption: redemption,
                eligibility: eligibility,
                taxBase: taxBase,
                note: note
            )
        )
    }

    /// Caps on what is paid. Each is optional; a missing cap does not restrict.
    public struct Caps: Sendable, Hashable {
        /// Per applicant per calendar year, by kind of applicant (enterprise, team).
        public var perApplicantPerYear: [ApplicantKind: Sourced<Money>]
        /// Per group of enterprises under one actual controller, per calendar year.
        public var perGroupPerYear: Sourced<Money>?
        /// Per single use (voucher) or claim (matching).
        public var perUse: Sourced<Money>?
        /// Per project, over the project's life.
        public var perProject: Sourced<Money>?
        /// The programme's budget per calendar year.
        public var budgetPerYear: Sourced<Money>?

        public init(
            perApplicantPerYear: [ApplicantKind: Sourced<Money>] = [:],
            perGroupPerYear: Sourced<Money>? = nil,
            perUse: Sourced<Money>? = nil,
            perProject: Sourced<Money>? = nil,
            budgetPerYear: Sourced<Money>? = nil
        ) {
            self.perApplicantPerYear = perApplicantPerYear
            self.perGroupPerYear = perGroupPerYear
            self.perUse = perUse
            self.perProject = perProject
            self.budgetPerYear = budgetPerYear
        }
    }

    /// What happens after a use: how long a provider has to claim redemption, and where the
    /// voucher money that a reduced or rejected redemption does not pay goes.
    public struct RedemptionRules: Sendable, Hashable {
        /// Days after the use by which the provider must file; `nil`: no deadline.
        public var deadlineDays: Sourced<Int>?
        public var unpaidAmount: Sourced<UnpaidRedemptionEffect>

        public init(
            deadlineDays: Sourced<Int>? = nil,
            unpaidAmount: Sourced<UnpaidRedemptionEffect> = Sourced(.forfeited)
        ) {
            self.deadlineDays = deadlineDays
            self.unpaidAmount = unpaidAmount
        }
    }

    /// Who and what may be supported. `nil` for a list: no restriction.
    public struct Eligibility: Sendable, Hashable {
        public var applicantKinds: Sourced<Set<ApplicantKind>>?
        public var productCategories: Sourced<Set<String>>?
        public var providerRegions: Sourced<Set<String>>?
        /// The districts an applicant must be registered in to claim.
        public var applicantDistricts: Sourced<Set<String>>?
        /// The attributes an applicant must hold, every one of them, to claim (`tech-sme`, `jic-member`).
        public var applicantAttributes: Sourced<Set<String>>?
        /// Whether a use must name its invoice (so that one invoice is never funded twice).
        public var invoiceRequired: Sourced<Bool>?

        public init(
            applicantKinds: Sourced<Set<ApplicantKind>>? = nil,
            productCategories: Sourced<Set<String>>? = nil,
            providerRegions: Sourced<Set<String>>? = nil,
            applicantDistricts: Sourced<Set<String>>? = nil,
            applicantAttributes: Sourced<Set<String>>? = nil,
            invoiceRequired: Sourced<Bool>? = nil
        ) {
            self.applicantKinds = applicantKinds
            self.productCategories = productCategories
            self.providerRegions = providerRegions
            self.applicantDistricts = applicantDistricts
            self.applicantAttributes = applicantAttributes
            self.invoiceRequired = invoiceRequired
        }
    }

    /// When a quota of programme year `year`, granted on `grantedOn`, can be used: from the later
    /// of the grant and 1 January of the year; to 31 December of the year (`end of year`), or for
    /// N months counted from that first day (to the day before the same date N months later, which
    /// may run into the next year). A grant made before its year starts is usable from 1 January.
    public func quotaValidity(year: Int, grantedOn: BusinessDate) -> (from: BusinessDate, until: BusinessDate) {
        let from = max(grantedOn, BusinessDate.startOfYear(year))
        switch quotaValidity?.value ?? .endOfYear {
        case .endOfYear: return (from, BusinessDate.endOfYear(year))
        case .months(let months): return (from, from.adding(months: months).adding(days: -1))
        }
    }

    /// The last day a provider may file for redemption of a use on `usedOn`, if there is a deadline.
    public func redemptionDeadline(usedOn: BusinessDate) -> BusinessDate? {
        redemption.deadlineDays.map { usedOn.adding(days: $0.value) }
    }

    // MARK: - Validation

    func validate(for kind: ProgrammeKind, key: String) throws(PolicyError) {
        if let until = effectiveUntil, until < effectiveFrom {
            throw PolicyError(
                key: "\(key).effective_until",
                reason: "\(until) is before effective_from \(effectiveFrom); dates are out of order",
                zh: "\(until) 早于生效日 effective_from \(effectiveFrom)；日期顺序颠倒"
            )
        }
        switch (kind, rate) {
        case (.voucher, nil), (.matching, nil):
            throw PolicyError(
                key: "\(key).rate",
                reason: "a \(kind.rawValue) programme needs a rate, e.g. 50%",
                zh: "\(LedgerError.kindZh(kind))项目需要补贴比例，如 50%"
            )
        case (.grant, .some):
            throw PolicyError(
                key: "\(key).rate",
                reason: "a grant programme pays decided amounts and takes no rate",
                zh: "资助项目按核定金额拨付，不设补贴比例"
            )
        case (.voucher, .some(let rate)) where rate.value > .hundredPercent:
            throw PolicyError(
                key: "\(key).rate",
                reason: "\(rate.value) is over 100%; a voucher cannot pay more than the service costs",
                zh: "\(rate.value) 超过 100%；创新券的补贴不能超过服务金额"
            )
        case (_, .some(let rate)) where rate.value.basisPoints <= 0:
            throw PolicyError(
                key: "\(key).rate",
                reason: "\(rate.value) pays nothing; a rate must be above 0%",
                zh: "\(rate.value) 不补贴任何金额；比例须大于 0%"
            )
        default:
            break
        }
        let namedCaps: [(String, Sourced<Money>?)] =
            caps.perApplicantPerYear.sorted { $0.key < $1.key }.map {
                ("caps.per_applicant_per_year.\($0.key.rawValue)", $0.value)
            }
            + [
                ("caps.per_group_per_year", caps.perGroupPerYear), ("caps.per_use", caps.perUse),
                ("caps.per_project", caps.perProject), ("caps.budget_per_year", caps.budgetPerYear),
            ]
        for case (let name, .some(let cap)) in namedCaps where cap.value.isNegative {
            throw PolicyError(
                key: "\(key).\(name)",
                reason: "\(cap.value) is negative; a cap is zero or more",
                zh: "\(cap.value) 为负数；上限须为零或正数"
            )
        }
        if let days = redemption.deadlineDays, days.value < 1 || days.value > 3660 {
            throw PolicyError(
                key: "\(key).redemption.deadline_days",
                reason: "\(days.value) days is not a deadline; use 1 to 3660",
                zh: "\(days.value) 天不是有效的期限；请用 1 至 3660"
            )
        }
        if case .months(let months)? = quotaValidity?.value, months < 1 || months > 120 {
            throw PolicyError(
                key: "\(key).quota_validity",
                reason: "\(months) months is not a validity; use 1 to 120",
                zh: "\(months) 个月不是有效的有效期；请用 1 至 120"
            )
        }
        if let levels = requiredReviewLevels?.value,
            levels.isEmpty || levels.first != .district || levels != levels.sorted()
                || Set(levels).count != levels.count
        {
            throw PolicyError(
                key: "\(key).review.required_levels",
                reason: "list the levels in the order they decide, from district: [district] or [district, city]",
                zh: "请按审核顺序从区级起列出审核级别：[district] 或 [district, city]"
            )
        }
        if case .exclusive(let vat) = taxBase.value, vat.basisPoints < 0 || vat > .hundredPercent {
            throw PolicyError(
                key: "\(key).tax_base",
                reason: "a VAT rate of \(vat) is not plausible; use 0% to 100%",
                zh: "增值税率 \(vat) 不合理；请用 0% 至 100%"
            )
        }
    }
}

/// How long a granted quota can be used.
public enum QuotaValidity: Sendable, Hashable {
    /// To 31 December of the year it was granted.
    case endOfYear
    /// N months from the grant (the day before the same date N months later).
    case months(Int)
}

/// Where the part of a use that a reduced or rejected redemption does not pay goes.
public enum UnpaidRedemptionEffect: String, Sendable, Hashable, Codable, CaseIterable {
    /// Back to the applicant's quota, to be used again while the quota is valid.
    case returned
    /// Lost to the applicant; counted as forfeited in reconciliation.
    case forfeited
}

/// Whether a service amount counts with or without VAT.
public enum TaxBase: Sendable, Hashable {
    /// The invoiced amount, tax included.
    case inclusive
    /// The amount without VAT: the stated tax is taken off, or, when none is stated, the amount is
    /// divided by (1 + the VAT rate), rounded down to the fen.
    case exclusive(vatRate: Rate)
}
