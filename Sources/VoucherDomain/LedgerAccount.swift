/// An account of the double-entry ledger: one per programme, year and (for most kinds) party.
///
/// Money moves between accounts along the lifecycle (docs/ledger.md):
/// `budget → quota` when a claim is granted, `quota → awaiting` when a voucher is used,
/// `awaiting → paid` when a redemption is paid, `awaiting → forfeited` or `awaiting → quota` for
/// what a reduced or rejected redemption does not pay, `quota → lapsed` when a quota expires, and
/// `quota → paid` when a matching claim or grant is paid out.
public struct LedgerAccount: Sendable, Hashable, Comparable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable, CaseIterable, Comparable {
        /// The programme's appropriation for the year; the one account drawn below zero.
        case budget
        /// Granted to an applicant and not yet used (voucher) or paid out (matching, grant).
        case quota
        /// Voucher amounts used at a provider and not yet redeemed.
        case awaiting
        /// Paid out: to providers on redemption, to applicants for matching and grants.
        case paid
        /// Used amounts a redemption did not pay and that are not returned to the quota.
        case forfeited
        /// Quota left when its validity ended.
        case lapsed

        public static func < (lhs: Kind, rhs: Kind) -> Bool {
            allCases.firstIndex(of: lhs) ?? 0 < allCases.firstIndex(of: rhs) ?? 0
        }

        /// Whether the account may go below zero.
        public var mayBeNegative: Bool { self == .budget }

        /// Whether the account belongs to one party (applicant or provider).
        public var isPerParty: Bool {
            switch self {
            case .quota, .awaiting, .paid: true
            case .budget, .forfeited, .lapsed: false
            }
        }
    }

    public let kind: Kind
    public let programme: ProgrammeID
    public let year: Int
    /// The applicant (quota, paid to applicants) or provider (awaiting, paid to providers).
    public let party: String?

    public init(_ kind: Kind, programme: ProgrammeID, year: Int, party: String? = nil) {
        self.kind = kind
        self.programme = programme
        self.year = year
        self.party = kind.isPerParty ? party : nil
    }

    /// `quota/sh-innovation-voucher/2022/91350100M000100Y43`.
    public var id: String {
        "\(kind.rawValue)/\(programme.value)/\(year)" + (party.map { "/\($0)" } ?? "")
    }

    public var description: String { id }

    public static func < (lhs: LedgerAccount, rhs: LedgerAccount) -> Bool { lhs.id < rhs.id }
}

/// One line of an event's double entry: an amount into (positive) or out of (negative) an account.
public struct Posting: Sendable, Hashable {
    public let account: LedgerAccount
    public let amount: Money

    public init(_ account: LedgerAccount, _ amount: Money) {
        self.account = account
        self.amount = amount
    }

    /// The two lines that move `amount` from one account to another (none when it is zero).
    public static func transfer(_ amount: Money, from: LedgerAccount, to: LedgerAccount) -> [Posting] {
        guard amount.fen != 0 else { return [] }
        return [Posting(from, Money(fen: -amount.fen)), Posting(to, amount)]
    }
}

/// What kind of fact an event records.
public enum EventKind: String, Sendable, Hashable, CaseIterable, Codable {
    case programme
    case applicant
    case provider
    case product
    case claim
    case decision
    case use
    case redemptionFiled = "redemption-filed"
    case redemptionSettled = "redemption-settled"
    case payment
    case expiry
    case reversal
    /// A provider suspended or reinstated (schema v8).
    case providerStatus = "provider-status"
    /// A programme year's appropriation, or its revision (schema v8).
    case budget
    /// An amount owed back on a paid use, and an amount received back (schema v8).
    case recovery
    case recoveryReceived = "recovery-received"

    /// Whether a reversal may cancel an event of this kind. Policies change by new versions and
    /// parties by new registrations; only the lifecycle's events are reversed.
    public var isReversible: Bool {
        switch self {
        case .programme, .applicant, .provider, .product, .reversal, .providerStatus, .budget: false
        case .claim, .decision, .use, .redemptionFiled, .redemptionSettled, .payment, .expiry, .recovery,
            .recoveryReceived:
            true
        }
    }
}
