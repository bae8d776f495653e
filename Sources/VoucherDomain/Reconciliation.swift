/// The reconciliation of domain.md as values: periods, figures, identities, breakdowns.

/// Which part of a programme's history a report covers.
public struct ReportPeriod: Sendable, Hashable {
    /// A programme year (its claims, their uses and redemptions, whenever these happened up to
    /// `through`), or nil for every year: the cumulative figures.
    public var year: Int?
    /// The last business date counted.
    public var through: BusinessDate

    public init(year: Int?, through: BusinessDate) {
        self.year = year
        self.through = through
    }

    /// A whole programme year, with everything recorded for it so far.
    public static func year(_ year: Int) -> ReportPeriod {
        ReportPeriod(year: year, through: BusinessDate.latest)
    }

    /// Every year, cumulative to and including `date`.
    public static func through(_ date: BusinessDate) -> ReportPeriod { ReportPeriod(year: nil, through: date) }
}

extension BusinessDate {
    /// 9999-12-31: no date limit.
    public static var latest: BusinessDate {
        guard let date = try? BusinessDate(year: 9999, month: 12, day: 31) else {
            preconditionFailure("9999-12-31 is a date")
        }
        return date
    }
}

/// The reconciliation identities of domain.md, which every programme and period must satisfy.
public enum ReconciliationIdentity: String, Sendable, Hashable, CaseIterable {
    /// Every yuan of quota granted is used, lapsed or still available.
    case claimedIsAccountedFor = "claimed = used + expired + available"
    /// Every yuan used is redeemed, awaiting redemption or forfeited.
    case usedIsAccountedFor = "used = redeemed + awaiting redemption + forfeited"

    /// The identity as written in the report: `claimed = used + expired + available`.
    public var name: String { rawValue }

    /// Both sides for `figures`.
    public func sides(of figures: ReconciliationFigures) -> (left: Money, right: Money) {
        switch self {
        case .claimedIsAccountedFor:
            (figures.claimed, Money(fen: figures.used.fen &+ figures.expired.fen &+ figures.available.fen))
        case .usedIsAccountedFor:
            (
                figures.used,
                Money(fen: figures.redeemed.fen &+ figures.awaitingRedemption.fen &+ figures.forfeited.fen)
            )
        }
    }

    /// Every identity checked against `figures`.
    public static func check(_ figures: ReconciliationFigures) -> [IdentityCheck] {
        allCases.map { identity in
            let (left, right) = identity.sides(of: figures)
            return IdentityCheck(identity: identity, left: left, right: right)
        }
    }
}

/// One reconciliation identity, checked: whether it holds, and by how much it does not.
public struct IdentityCheck: Sendable, Hashable {
    public var identity: ReconciliationIdentity
    public var left: Money
    public var right: Money
    public var holds: Bool { left == right }
    /// left − right.
    public var difference: Money { Money(fen: left.fen &- right.fen) }
    /// `claimed = used + expired + available`.
    public var name: String { identity.name }

    public init(identity: ReconciliationIdentity, left: Money, right: Money) {
        self.identity = identity
        self.left = left
        self.right = right
    }
}

/// The head of the hash chain: how many events, and the last one's hash.
public struct ChainHead: Sendable, Hashable, CustomStringConvertible {
    public var events: Int64
    public var hash: String

    public var description: String { "\(events) events, head \(hash)" }

    public init(events: Int64, hash: String) {
        self.events = events
        self.hash = hash
    }
}

/// The figures officials publish for a programme and period, with the identities checked.
public struct ReconciliationFigures: Sendable, Hashable {
    public var programme: ProgrammeID
    public var kind: ProgrammeKind
    public var period: ReportPeriod
    /// Applicants with a granted quota (or grant).
    public var applicants: Int
    /// Applicants with at least one use (or payment).
    public var enterprisesServed: Int
    public var uses: Int
    public var providers: Int
    public var products: Int
    public var claimed: Money
    public var serviceAmount: Money
    public var used: Money
    public var redeemed: Money
    public var awaitingRedemption: Money
    public var expired: Money
    public var forfeited: Money
    public var available: Money
    public var identities: [IdentityCheck]
    /// Uses whose amount exceeds rate × service amount (should be none).
    public var usesOverRate: Int
    /// Accounts that must not be negative and are (should be none).
    public var negativeAccounts: [String]
    public var chainHead: ChainHead
    /// Paid on uses and found owed back (recoveries), and of it what was received back. Redeemed
    /// keeps what was paid: money paid out is not undone.
    public var recoveryOwed: Money = .zero
    public var recovered: Money = .zero
    /// Owed back and not yet received.
    public var recoveryOutstanding: Money { recoveryOwed.remaining(after: recovered) }

    /// Figures with every count and amount at zero, to be filled in.
    public init(programme: ProgrammeID, kind: ProgrammeKind, period: ReportPeriod, chainHead: ChainHead) {
        self.programme = programme
        self.kind = kind
        self.period = period
        self.chainHead = chainHead
        applicants = 0
        enterprisesServed = 0
        uses = 0
        providers = 0
        products = 0
        claimed = .zero
        serviceAmount = .zero
        used = .zero
        redeemed = .zero
        awaitingRedemption = .zero
        expired = .zero
        forfeited = .zero
        available = .zero
        identities = []
        usesOverRate = 0
        negativeAccounts = []
    }
}

/// One row of a breakdown: the uses of one applicant, provider, category, region or month.
public struct BreakdownRow: Sendable, Hashable {
    public var key: String
    public var uses: Int
    public var serviceAmount: Money
    public var used: Money
    public var redeemed: Money

    public init(key: String, uses: Int, serviceAmount: Money, used: Money, redeemed: Money) {
        self.key = key
        self.uses = uses
        self.serviceAmount = serviceAmount
        self.used = used
        self.redeemed = redeemed
    }
}

/// What a breakdown groups uses by.
public enum BreakdownDimension: String, Sendable, Hashable, CaseIterable {
    case applicant
    case provider
    case category
    case region
    case month
}

/// What an auditor asks about: reversals, identifier overrides and redemptions filed late.
///
/// A report lists at most ``listed`` of each kind, the most significant first (reversals by the
/// amount they take out, late filings by how late), and counts every one (``counts``); `voucher
/// report --by exception` lists them all.
public struct ReportExceptions: Sendable, Hashable {
    /// How many of each kind a report lists.
    public static let listed = 20

    /// How many exceptions of each kind the period has, listed or not.
    public struct Counts: Sendable, Hashable {
        public var reversals: Int
        public var overrides: Int
        public var lateRedemptions: Int
        public var suspendedFilings: Int
        public var openRecoveries: Int

        public init(
            reversals: Int,
            overrides: Int,
            lateRedemptions: Int,
            suspendedFilings: Int = 0,
            openRecoveries: Int = 0
        ) {
            self.reversals = reversals
            self.overrides = overrides
            self.lateRedemptions = lateRedemptions
            self.suspendedFilings = suspendedFilings
            self.openRecoveries = openRecoveries
        }
    }

    public struct Reversal: Sendable, Hashable {
        public var event: Int64
        public var date: BusinessDate
        public var reversedEvent: Int64
        public var reversedKind: String
        public var reason: String
        public var actor: String
        /// What the reversal takes out: the sum of its positive postings.
        public var amount: Money

        public init(
            event: Int64,
            date: BusinessDate,
            reversedEvent: Int64,
            reversedKind: String,
            reason: String,
            actor: String,
            amount: Money = .zero
        ) {
            self.event = event
            self.date = date
            self.reversedEvent = reversedEvent
            self.reversedKind = reversedKind
            self.reason = reason
            self.actor = actor
            self.amount = amount
        }
    }

    public struct Override: Sendable, Hashable {
        public var party: String
        public var name: String
        public var reason: String
        public var approvedBy: String

        public init(party: String, name: String, reason: String, approvedBy: String) {
            self.party = party
            self.name = name
            self.reason = reason
            self.approvedBy = approvedBy
        }
    }

    public struct LateRedemption: Sendable, Hashable {
        public var filing: String
        public var use: String
        public var provider: String
        public var deadline: BusinessDate
        public var filedOn: BusinessDate

        public init(filing: String, use: String, provider: String, deadline: BusinessDate, filedOn: BusinessDate) {
            self.filing = filing
            self.use = use
            self.provider = provider
            self.deadline = deadline
            self.filedOn = filedOn
        }

        /// Days from the deadline to the filing.
        public var daysLate: Int { deadline.days(until: filedOn) }
    }

    /// A redemption filed by a provider on a day it was suspended (a suspension refuses uses, not
    /// filings: the officer decides what to pay).
    public struct SuspendedFiling: Sendable, Hashable {
        public var filing: String
        public var provider: String
        public var filedOn: BusinessDate
        public var suspendedFrom: BusinessDate
        public var reason: String

        public init(
            filing: String,
            provider: String,
            filedOn: BusinessDate,
            suspendedFrom: BusinessDate,
            reason: String
        ) {
            self.filing = filing
            self.provider = provider
            self.filedOn = filedOn
            self.suspendedFrom = suspendedFrom
            self.reason = reason
        }
    }

    /// A use on which money is owed back and not all of it received.
    public struct OpenRecovery: Sendable, Hashable {
        public var use: String
        public var applicant: String
        /// The day the first amount was found owed.
        public var since: BusinessDate
        public var owed: Money
        public var received: Money

        public init(use: String, applicant: String, since: BusinessDate, owed: Money, received: Money) {
            self.use = use
            self.applicant = applicant
            self.since = since
            self.owed = owed
            self.received = received
        }

        public var outstanding: Money { owed.remaining(after: received) }
    }

    public var reversals: [Reversal]
    public var overrides: [Override]
    public var lateRedemptions: [LateRedemption]
    public var suspendedFilings: [SuspendedFiling]
    public var openRecoveries: [OpenRecovery] = []
    /// Every exception of each kind; at least as many as listed.
    public var counts: Counts
    /// The registered names of the parties the listed exceptions name, by credit code or team
    /// number, so that a line reads 服务机构 上海某检测中心（12310000007000001F）.
    public var names: [String: String] = [:]

    public init(
        reversals: [Reversal] = [],
        overrides: [Override] = [],
        lateRedemptions: [LateRedemption] = [],
        suspendedFilings: [SuspendedFiling] = [],
        openRecoveries: [OpenRecovery] = [],
        counts: Counts? = nil
    ) {
        self.openRecoveries = openRecoveries
        self.reversals = reversals
        self.overrides = overrides
        self.lateRedemptions = lateRedemptions
        self.suspendedFilings = suspendedFilings
        self.counts =
            counts
            ?? Counts(
                reversals: reversals.count,
                overrides: overrides.count,
                lateRedemptions: lateRedemptions.count,
                suspendedFilings: suspendedFilings.count,
                openRecoveries: openRecoveries.count
            )
    }

    public var isEmpty: Bool {
        counts.reversals + counts.overrides + counts.lateRedemptions + counts.suspendedFilings + counts.openRecoveries
            == 0
    }

    /// Of filings (reference, provider, date) in the order to list them, those made on a day their
    /// provider was suspended, by the providers' recorded changes.
    public static func suspendedFilings(
        _ filings: [(ref: String, provider: String, filedOn: BusinessDate)],
        changes: [String: [ProviderStatusFact]]
    ) -> [SuspendedFiling] {
        filings.compactMap { filing in
            guard let suspension = Lifecycle.suspension(on: filing.filedOn, among: changes[filing.provider] ?? [])
            else { return nil }
            return SuspendedFiling(
                filing: filing.ref,
                provider: filing.provider,
                filedOn: filing.filedOn,
                suspendedFrom: suspension.from,
                reason: suspension.reason ?? ""
            )
        }
    }
}

/// One reviewer's decisions at one level in a report's period (`voucher report --by reviewer`).
public struct ReviewerRow: Sendable, Hashable {
    public var reviewer: String
    public var level: ReviewLevel
    public var decisions: Int
    public var grants: Int
    /// What its grants granted.
    public var granted: Money
    public var rejections: Int
    /// What the claims it rejected had requested.
    public var rejectedRequested: Money

    public init(
        reviewer: String,
        level: ReviewLevel,
        decisions: Int,
        grants: Int,
        granted: Money,
        rejections: Int,
        rejectedRequested: Money
    ) {
        self.reviewer = reviewer
        self.level = level
        self.decisions = decisions
        self.grants = grants
        self.granted = granted
        self.rejections = rejections
        self.rejectedRequested = rejectedRequested
    }
}

/// The programme's fund in a report: the year's appropriation (as recorded by the report's last
/// day), what grants have committed, what was used and paid, and what may still be granted.
public struct BudgetFigures: Sendable, Hashable {
    public var appropriation: Appropriation
    /// The event that recorded it, and its business date.
    public var event: Int64
    public var recordedOn: BusinessDate
    /// The current grants (voucher quotas granted; matching and grants decided): the report's claimed.
    public var committed: Money
    public var used: Money
    public var paid: Money

    public init(
        appropriation: Appropriation,
        event: Int64,
        recordedOn: BusinessDate,
        committed: Money,
        used: Money,
        paid: Money
    ) {
        self.appropriation = appropriation
        self.event = event
        self.recordedOn = recordedOn
        self.committed = committed
        self.used = used
        self.paid = paid
    }

    /// The fund's figures from a report's: committed is what was claimed (granted), paid what
    /// was redeemed or paid out.
    public init(appropriation: Appropriation, event: Int64, recordedOn: BusinessDate, figures: ReconciliationFigures) {
        self.init(
            appropriation: appropriation,
            event: event,
            recordedOn: recordedOn,
            committed: figures.claimed,
            used: figures.used,
            paid: figures.redeemed
        )
    }

    /// What may still be granted: appropriated − committed (negative when grants made before a
    /// smaller revision exceed it).
    public var left: Money { Money(fen: appropriation.amount.fen - committed.fen) }
}
