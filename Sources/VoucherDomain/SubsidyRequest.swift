/// An applicant as the engine sees it: its kind and, for enterprises under one actual controller, its group.
public struct Applicant: Sendable, Hashable {
    public var id: String
    public var kind: ApplicantKind
    /// The actual controller's group, whose members share the per-group cap.
    public var group: String?
    /// The district it is registered in.
    public var district: String
    /// What it is recognised as (`tech-sme`, `jic-member`): see ``ApplicantRegistration/attributes``.
    public var attributes: Set<String>

    public init(
        id: String,
        kind: ApplicantKind,
        group: String? = nil,
        district: String = "",
        attributes: Set<String> = []
    ) {
        self.id = id
        self.kind = kind
        self.group = group
        self.district = district
        self.attributes = attributes
    }
}

/// A purchase of a catalogued product with a voucher.
public struct Purchase: Sendable, Hashable {
    /// What the service cost (服务金额), as invoiced, tax included.
    public var serviceAmount: Money
    /// The part of the service amount the programme supports, when not all of it is; tax included.
    public var eligibleAmount: Money?
    /// The VAT on the invoice, when stated; used when the policy's base is tax-exclusive.
    public var taxAmount: Money?
    public var productCategory: String
    public var providerRegion: String
    public var project: String?

    /// A purchase; refuses negative amounts and an eligible part or tax larger than the whole.
    public init(
        serviceAmount: Money,
        eligibleAmount: Money? = nil,
        taxAmount: Money? = nil,
        productCategory: String,
        providerRegion: String,
        project: String? = nil
    ) throws(SubsidyInputError) {
        if serviceAmount.isNegative { throw .negative(field: "service_amount", amount: serviceAmount) }
        if let eligibleAmount {
            if eligibleAmount.isNegative { throw .negative(field: "eligible_amount", amount: eligibleAmount) }
            if eligibleAmount > serviceAmount {
                throw .exceeds(
                    field: "eligible_amount",
                    amount: eligibleAmount,
                    limitField: "service_amount",
                    limit: serviceAmount
                )
            }
        }
        if let taxAmount {
            if taxAmount.isNegative { throw .negative(field: "tax_amount", amount: taxAmount) }
            if taxAmount > serviceAmount {
                throw .exceeds(
                    field: "tax_amount",
                    amount: taxAmount,
                    limitField: "service_amount",
                    limit: serviceAmount
                )
            }
        }
        self.serviceAmount = serviceAmount
        self.eligibleAmount = eligibleAmount
        self.taxAmount = taxAmount
        self.productCategory = productCategory
        self.providerRegion = providerRegion
        self.project = project
    }
}

/// What support is asked for; its kind must match the programme's.
public enum SubsidyBasis: Sendable, Hashable {
    /// Voucher: a quota claimed for the year (申领).
    case quotaClaim(requested: Money)
    /// Voucher: a purchase paid partly from the quota (用券).
    case purchase(Purchase)
    /// Matching: an amount the applicant actually paid on a project.
    case matching(paid: Money, project: String)
    /// Grant: an amount requested or proposed by reviewers.
    case grant(requested: Money)

    /// The programme kind this basis belongs to.
    public var programmeKind: ProgrammeKind {
        switch self {
        case .quotaClaim, .purchase: .voucher
        case .matching: .matching
        case .grant: .grant
        }
    }
}

/// A voucher quota in force for the applicant.
public struct Quota: Sendable, Hashable {
    public var granted: Money
    public var grantedOn: BusinessDate
    /// The first day the quota can be used: the later of the grant and 1 January of its year.
    public var validFrom: BusinessDate
    /// The last day the quota can be used.
    public var validUntil: BusinessDate
    /// What is left of it now.
    public var left: Money

    public init(
        granted: Money,
        grantedOn: BusinessDate,
        validFrom: BusinessDate? = nil,
        validUntil: BusinessDate,
        left: Money
    ) {
        self.granted = granted
        self.grantedOn = grantedOn
        self.validFrom = validFrom ?? grantedOn
        self.validUntil = validUntil
        self.left = left
    }
}

/// What has already been counted against the caps this request counts against, as the ledger
/// knows it on the business date. Missing figures count as zero.
///
/// What "so far" means follows the basis: for a quota claim, quota granted this year; for a
/// purchase, voucher amounts used this year; for matching and grants, amounts granted this year
/// (and, for the project, over the project's life).
public struct UsageSoFar: Sendable, Hashable {
    /// The voucher quota in force (purchases only).
    public var quota: Quota?
    public var applicantThisYear: Money
    public var groupThisYear: Money
    public var projectToDate: Money
    public var budgetThisYear: Money

    public init(
        quota: Quota? = nil,
        applicantThisYear: Money = .zero,
        groupThisYear: Money = .zero,
        projectToDate: Money = .zero,
        budgetThisYear: Money = .zero
    ) {
        self.quota = quota
        self.applicantThisYear = applicantThisYear
        self.groupThisYear = groupThisYear
        self.projectToDate = projectToDate
        self.budgetThisYear = budgetThisYear
    }
}

/// Input the engine cannot compute from. Distinct from ineligibility, which is an answer (zero, with a reason).
public enum SubsidyInputError: Error, Sendable, Equatable, CustomStringConvertible {
    case negative(field: String, amount: Money)
    case exceeds(field: String, amount: Money, limitField: String, limit: Money)
    case overflow(MoneyError)

    public var description: String {
        switch self {
        case .negative(let field, let amount):
            "\(field) is \(amount), below zero; amounts are zero or more"
        case .exceeds(let field, let amount, let limitField, let limit):
            "\(field) \(amount) is more than \(limitField) \(limit)"
        case .overflow(let error):
            error.description
        }
    }

    /// The same in Chinese, for the console's Chinese pages.
    public var zh: String {
        let names = [
            "service_amount": "服务金额", "eligible_amount": "合规金额", "tax_amount": "税额", "requested": "申请金额",
            "paid": "实际支付金额",
        ]
        func name(_ field: String) -> String { names[field] ?? field }
        return switch self {
        case .negative(let field, let amount): "\(name(field)) \(amount) 小于零；金额须为零或以上"
        case .exceeds(let field, let amount, let limitField, let limit):
            "\(name(field)) \(amount) 超过\(name(limitField)) \(limit)"
        case .overflow: "金额超出可计算的范围"
        }
    }
}
