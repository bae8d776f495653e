/// The engine's answer: the amount, the term that bound it, every term with its value and clause,
/// or, when the request is not eligible, zero and the reason.
///
/// Render it with ``explanation(_:citing:)``, e.g.
/// `50% × 240,000.00 = 120,000.00 · 剩余额度 100,000.00 ← 约束 · 补贴 100,000.00`.
public struct SubsidyDecision: Sendable, Hashable {
    public var programme: ProgrammeID
    public var date: BusinessDate
    /// The first day of the policy version used; `nil` when no version was in force.
    public var policyFrom: BusinessDate?
    public var amount: Money
    /// Every term in the order computed: bases first, then the amounts that limit the result.
    public var terms: [Term]
    /// The limiting term whose value is the amount: the first of the smallest.
    public var binding: Term.Kind?
    public var ineligibility: Ineligibility?
    /// True for quota claims and grants, where the amount is the most a reviewer may grant, not a payment.
    public var isGrantLimit: Bool = false

    /// Whether support is due at all (it may still be zero, if a cap is used up).
    public var isEligible: Bool { ineligibility == nil }

    /// The term that bound the amount.
    public var bindingTerm: Term? { terms.first { $0.kind == binding && $0.limits } }
}

/// One line of a computation: a base, or an amount that limits the result.
public struct Term: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        /// The amount asked for (quota claims and grants).
        case requested
        /// The part of the service amount the programme supports.
        case eligiblePart = "eligible-part"
        /// The service amount without VAT.
        case taxExclusive = "tax-exclusive"
        /// `rate × base`, rounded.
        case rate
        case perUseCap = "per-use-cap"
        case projectCapLeft = "project-cap-left"
        case quotaLeft = "quota-left"
        case applicantCapLeft = "applicant-cap-left"
        case groupCapLeft = "group-cap-left"
        case budgetLeft = "budget-left"

        /// What the term is, as a table of terms names it.
        public func label(_ language: Language) -> String {
            let (zh, en): (String, String) =
                switch self {
                case .requested: ("申请金额", "requested")
                case .eligiblePart: ("合规部分", "eligible part")
                case .taxExclusive: ("不含税金额", "tax-exclusive amount")
                case .rate: ("补贴比例", "rate")
                case .perUseCap: ("单次上限", "per-use cap")
                case .projectCapLeft: ("项目剩余上限", "project cap left")
                case .quotaLeft: ("额度余额", "quota left")
                case .applicantCapLeft: ("年度剩余上限", "annual cap left")
                case .groupCapLeft: ("集团年度剩余上限", "group's annual cap left")
                case .budgetLeft: ("年度预算剩余", "annual budget left")
                }
            return language == .zh ? zh : en
        }
    }

    /// How the value was found, for the explanation.
    public enum Detail: Sendable, Hashable {
        case amount
        case eligiblePart(of: Money)
        case taxDeducted(gross: Money, tax: Money)
        case taxDivided(gross: Money, vat: Rate)
        case rate(Rate, base: Money, rounding: Rounding)
        case cap(Money)
        case capLeft(cap: Money, counted: Money, applicantKind: ApplicantKind?)
        case quota(Quota)
    }

    public var kind: Kind
    public var value: Money
    public var detail: Detail
    /// The policy clause the value comes from, if it comes from the policy.
    public var source: Source?
    /// Whether the term limits the result (a cap, the rate, what is left), rather than being a base.
    public var limits: Bool

    public init(kind: Kind, value: Money, detail: Detail, source: Source? = nil, limits: Bool) {
        self.kind = kind
        self.value = value
        self.detail = detail
        self.source = source
        self.limits = limits
    }
}

/// Why nothing is due. Each case carries what the officer needs to see.
public enum Ineligibility: Sendable, Hashable {
    case noPolicyInForce(date: BusinessDate)
    case wrongProgrammeKind(programme: ProgrammeKind, requested: ProgrammeKind)
    case applicantKind(ApplicantKind, allowed: [ApplicantKind], source: Source?)
    case productCategory(String, allowed: [String], source: Source?)
    case providerRegion(String, allowed: [String], source: Source?)
    case noQuota
    case quotaNotYetValid(validFrom: BusinessDate)
    case quotaExpired(validUntil: BusinessDate)

    /// A short code for scripts and scenario files: `product-category`, `quota-expired`, …
    public var code: String {
        switch self {
        case .noPolicyInForce: "no-policy-in-force"
        case .wrongProgrammeKind: "wrong-programme-kind"
        case .applicantKind: "applicant-kind"
        case .productCategory: "product-category"
        case .providerRegion: "provider-region"
        case .noQuota: "no-quota"
        case .quotaNotYetValid: "quota-not-yet-valid"
        case .quotaExpired: "quota-expired"
        }
    }
}
