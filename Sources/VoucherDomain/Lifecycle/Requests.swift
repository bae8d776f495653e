/// What the people who run a programme ask the ledger to record: claims, decisions, uses,
/// redemptions, payments and registrations. Plain values; the rules in ``Lifecycle`` decide each.

// MARK: - The lifecycle

/// A claim (申领): a voucher quota for a year, a matching claim for fees paid on a project, or a grant request.
public struct ClaimRequest: Sendable, Hashable {
    public var ref: String
    public var applicantID: String
    public var programme: ProgrammeID
    public var year: Int
    public var requested: Money
    /// Matching: the project the fees were paid for.
    public var project: String?
    /// Matching: the amount actually paid, which the rate applies to.
    public var paid: Money?

    public init(
        ref: String,
        applicantID: String,
        programme: ProgrammeID,
        year: Int,
        requested: Money,
        project: String? = nil,
        paid: Money? = nil
    ) {
        self.ref = ref
        self.applicantID = applicantID
        self.programme = programme
        self.year = year
        self.requested = requested
        self.project = project
        self.paid = paid
    }
}

/// Which review a decision is: the district's, then (where the programme has one) the city's.
public enum ReviewLevel: String, Sendable, Hashable, CaseIterable, Comparable {
    case district
    case city

    /// In the order they decide: the district first.
    public static func < (lhs: ReviewLevel, rhs: ReviewLevel) -> Bool {
        lhs == .district && rhs == .city
    }
}

/// A reviewer's decision on a claim.
public struct DecisionRequest: Sendable, Hashable {
    public enum Outcome: Sendable, Hashable {
        case grant(Money)
        case reject(reason: String)

        /// What it grants: zero for a rejection.
        public var granted: Money {
            if case .grant(let amount) = self { return amount }
            return .zero
        }

        /// Why it rejects; nil for a grant.
        public var reason: String? {
            if case .reject(let reason) = self { return reason }
            return nil
        }
    }

    public var claimRef: String
    public var level: ReviewLevel
    public var outcome: Outcome
    public var reviewer: String
    /// Why a grant is what it is, when the reviewer says (a lowered grant); a rejection's reason is
    /// its outcome's.
    public var note: String?

    public init(
        claimRef: String,
        level: ReviewLevel = .district,
        outcome: Outcome,
        reviewer: String,
        note: String? = nil
    ) {
        self.claimRef = claimRef
        self.level = level
        self.outcome = outcome
        self.reviewer = reviewer
        self.note = note
    }

    /// The reason the decision records: a rejection's, or a grant's note.
    public var recordedReason: String? { outcome.reason ?? note }
}

/// A purchase paid partly with a voucher (用券); the engine computes the voucher amount.
public struct UseRequest: Sendable, Hashable {
    public var ref: String
    public var applicantID: String
    public var providerID: String
    public var productCode: String
    public var programme: ProgrammeID
    public var serviceAmount: Money
    public var project: String?
    public var eligibleAmount: Money?
    public var taxAmount: Money?
    /// The provider's invoice number (发票号码): one invoice is funded once, in any programme.
    public var invoice: String?

    public init(
        ref: String,
        applicantID: String,
        providerID: String,
        productCode: String,
        programme: ProgrammeID,
        serviceAmount: Money,
        project: String? = nil,
        eligibleAmount: Money? = nil,
        taxAmount: Money? = nil,
        invoice: String? = nil
    ) {
        self.invoice = invoice
        self.ref = ref
        self.applicantID = applicantID
        self.providerID = providerID
        self.productCode = productCode
        self.programme = programme
        self.serviceAmount = serviceAmount
        self.project = project
        self.eligibleAmount = eligibleAmount
        self.taxAmount = taxAmount
    }
}

/// A provider's claim for redemption (兑付申请) of one or more uses.
public struct RedemptionFilingRequest: Sendable, Hashable {
    public var ref: String
    public var providerID: String
    public var useRefs: [String]

    public init(ref: String, providerID: String, useRefs: [String]) {
        self.ref = ref
        self.providerID = providerID
        self.useRefs = useRefs
    }
}

/// How a filed use is settled: paid in full, reduced (with the amount paid and why), or rejected.
public struct SettlementRequest: Sendable, Hashable {
    public enum Outcome: Sendable, Hashable {
        case paid
        case reduced(paid: Money, reason: String)
        case rejected(reason: String)

        /// Why it pays less than asked, or nothing; nil when it pays in full.
        public var reason: String? {
            switch self {
            case .paid: nil
            case .reduced(_, let reason), .rejected(let reason): reason
            }
        }
    }

    public var filingRef: String
    public var useRef: String
    public var outcome: Outcome

    public init(filingRef: String, useRef: String, outcome: Outcome) {
        self.filingRef = filingRef
        self.useRef = useRef
        self.outcome = outcome
    }
}

/// A payment of (part of) a granted matching claim or grant to the applicant.
public struct PaymentRequest: Sendable, Hashable {
    public var claimRef: String
    public var amount: Money

    public init(claimRef: String, amount: Money) {
        self.claimRef = claimRef
        self.amount = amount
    }
}

// MARK: - Registrations

/// An enterprise (with its credit code) or a start-up team (with its registration number).
public struct ApplicantRegistration: Sendable, Hashable {
    public var identifier: PartyIdentifier
    public var kind: ApplicantKind
    public var name: String
    public var district: String
    public var region: String
    /// The actual controller's group, whose members share a per-group cap.
    public var group: String?
    /// What the applicant is recognised as, which a policy's eligibility may require: `tech-sme`
    /// (科技型中小企业), `jic-member` (recognised by the joint innovation centre).
    public var attributes: [String]

    public init(
        identifier: PartyIdentifier,
        kind: ApplicantKind,
        name: String,
        district: String = "",
        region: String = "",
        group: String? = nil,
        attributes: [String] = []
    ) {
        self.identifier = identifier
        self.kind = kind
        self.name = name
        self.district = district
        self.region = ProviderRegistration.regionKey(region)
        self.group = group
        self.attributes = attributes
    }

    /// An attribute's name: lower-case ASCII letters and digits, hyphens between, at most 40.
    public static func isAttributeName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (1...40).contains(bytes.count), bytes.first != UInt8(ascii: "-"), bytes.last != UInt8(ascii: "-")
        else { return false }
        return bytes.allSatisfy {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                || $0 == UInt8(ascii: "-")
        }
    }
}

/// A service provider (服务机构) and the region it is in.
public struct ProviderRegistration: Sendable, Hashable {
    public var identifier: PartyIdentifier
    public var name: String
    public var region: String

    public init(identifier: PartyIdentifier, name: String, region: String) {
        self.identifier = identifier
        self.name = name
        self.region = Self.regionKey(region)
    }

    /// A region as the ledger keeps it, for a provider and an applicant alike: its key in lower
    /// case, so that one region is one name in the reports; the Yangtze River Delta's four also by
    /// their Chinese names (上海 or 上海市 is `shanghai`). Any other name is kept in lower case.
    public static func regionKey(_ text: String) -> String {
        let trimmed = text.trimmed
        let known = knownRegions.first { $0.zh == trimmed || $0.official == trimmed }
        return known?.key ?? trimmed.lowercased()
    }

    /// The regions known by name: the Yangtze River Delta's four, whose vouchers are used and
    /// redeemed across them. The reports label them; a registration reads their Chinese names.
    /// `official`: the name with its kind of division (上海市, 江苏省).
    public static let knownRegions: [(key: String, zh: String, official: String, en: String)] = [
        ("anhui", "安徽", "安徽省", "Anhui"), ("jiangsu", "江苏", "江苏省", "Jiangsu"),
        ("shanghai", "上海", "上海市", "Shanghai"), ("zhejiang", "浙江", "浙江省", "Zhejiang"),
    ]
}

/// A catalogued product (服务产品) of a provider.
public struct ProductRegistration: Sendable, Hashable {
    public var code: String
    public var providerID: String
    public var name: String
    public var category: String
    public var listPrice: Money

    public init(code: String, providerID: String, name: String, category: String, listPrice: Money) {
        self.code = code
        self.providerID = providerID
        self.name = name
        self.category = category
        self.listPrice = listPrice
    }
}
