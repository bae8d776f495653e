/// A programme's history run again through the rules, in memory, with another policy in force for
/// one year: the what-if of a reform (`voucher whatif`). Nothing is written.
///
/// Feed it every ``HistoryEvent`` of the programme in the order recorded (``apply(_:)``), then read
/// ``outcome()``. Events of `year` are decided under `reform`; the other years' under the
/// programme's own policy, so that what they counted towards a cap (a project's total over its
/// life) is what the ledger counted.
///
/// Each decision is the rule's, on the replay's own state so far, as storage loads it for the
/// ledger: the quota left, what the caps have counted, the budget drawn. The people's decisions
/// keep their intent (docs/policies.md, "What-if"):
/// - a grant stays what the reviewer granted unless the reform's caps refuse it; then it is the
///   most the reform allows;
/// - a use is decided again: the reform's rate and caps on the replay's quota; a use that would
///   now pay nothing drops out, with what depends on it;
/// - a redemption paid in full is paid in full at the reform's amount; a reduction keeps its
///   amount, never above the reform's; a rejection stays a rejection;
/// - a payment stays its amount, never above what is left of the reform's grant;
/// - an expiry lapses what is left of every quota whose validity ended, as the replay left them;
/// - a reversal cancels what the replay recorded for the event it reverses.
public struct Replay: Sendable {
    public let programme: Programme
    public let reform: Programme
    public let year: Int

    /// The events a later reversal cancels: only theirs are remembered whole.
    let reversed: Set<Int64>

    // MARK: State, as the rules see it

    /// A claim as the replay keeps it: what the rules read of its fact (the rest, its programme
    /// and applicant id, the replay knows), and what was decided and paid on it. Kept apart from
    /// ``ClaimFact`` to stay small: a replay holds one per claim, hundreds of thousands.
    struct ClaimState {
        // The fields in order of size, so that the struct packs without holes: 104 bytes a
        // claim, not 120 (at 333,333 claims and two replays, about 5 MB).
        var ref: String
        var project: String?
        var requested: Money
        /// Payments made on the claim (matching and grant programmes).
        var paid: Money = .zero
        /// The live decisions before the current one (a district's, when the city has decided).
        var earlier: [DecisionState] = []
        private var feesPaidFen: Int64
        private var yearNumber: Int32
        var applicant: Int32
        var latest: DecisionState?
        private var hasFeesPaid: Bool
        var live = true

        init(_ fact: ClaimFact, applicant: Int32) {
            ref = fact.ref
            project = fact.project
            requested = fact.requested
            feesPaidFen = fact.paid?.fen ?? 0
            hasFeesPaid = fact.paid != nil
            yearNumber = Int32(clamping: fact.year)
            self.applicant = applicant
        }

        var year: Int { Int(yearNumber) }

        /// Matching: the fees the applicant paid (the fact's `paid`).
        var feesPaid: Money? { hasFeesPaid ? Money(fen: feesPaidFen) : nil }

        var current: Money { latest?.granted ?? .zero }
        var decisions: [DecisionState] { earlier + (latest.map { [$0] } ?? []) }
    }

    struct DecisionState {
        // In order of size (see ``ClaimState``): 28 bytes, not 35.
        var seq: Int64
        var granted: Money
        var date: BusinessDate
        var validUntil: BusinessDate?
        var level: ReviewLevel
        /// Whether the decision rejected the claim (a grant of nothing is not a rejection).
        var rejected = false
        /// The term that bound what might be granted, for a grant.
        var binding: Term.Kind?
    }

    /// A use as the replay decided it, kept whole only when a later reversal cancels it.
    struct UseState {
        var year: Int
        var applicant: Int32
        var provider: Int32
        var product: Int32
        var month: Int32
        var project: String?
        var serviceAmount: Int64
        var amount: Int64
        var returned: Int64 = 0
        var binding: Term.Kind?
        /// Whether the replay's amount differs from the one recorded.
        var differs = false
    }

    /// The claims whose current grant gives an applicant a quota (almost always one), by their
    /// positions in ``claims``: a quota is read for every use, without searching the table.
    enum QuotaClaims: Sendable {
        case none
        case one(Int64)
        case many([Int64])

        var positions: [Int64] {
            switch self {
            case .none: []
            case .one(let position): [position]
            case .many(let positions): positions
            }
        }

        init(_ positions: [Int64]) {
            switch positions.count {
            case 0: self = .none
            case 1: self = .one(positions[0])
            default: self = .many(positions)
            }
        }
    }

    /// What a reversal undoes.
    enum Undo {
        case claim(Int64)
        case decision(claimSeq: Int64, seq: Int64)
        case use(UseState)
        case settlement(useSeq: Int64, use: UseState, returned: Int64)
        case payment(claimSeq: Int64, amount: Money, date: BusinessDate)
        case expiry
    }

    struct YearKey: Hashable {
        var year: Int
        var applicant: Int32
    }

    /// What the caps and the rules count for an applicant's year.
    struct YearSums: Sendable {
        /// The voucher claim open for the year (neither reversed nor rejected), 0 when none.
        var openClaim: Int64 = 0
        /// The quota account's balance.
        var quotaLeft: Int64 = 0
        /// Current grants of live claims.
        var granted: Int64 = 0
        /// Live uses, net of what settlements returned to the quota.
        var used: Int64 = 0
    }

    struct ProjectKey: Hashable {
        var project: String
        var applicant: Int32
    }

    /// Applicants by key: id, kind and group as last registered.
    var applicantIDs = DenseTable<String>(empty: "")
    var kinds = DenseTable<ApplicantKind>(empty: .enterprise)
    /// Each applicant's group and district, as numbers in `names` (-1: none): a few distinct
    /// strings, held once.
    var groupNumbers = DenseTable<Int32>(empty: -1)
    /// Each applicant's district and (for the few that have any) attributes, which eligibility reads.
    var districtNumbers = DenseTable<Int32>(empty: -1)
    var names = RepeatedNames()
    var attributes: [Int32: Set<String>] = [:]
    var groupMembers: [String: Set<Int32>] = [:]
    var claims = SeqTable<ClaimState>()
    /// Voucher claims open (neither reversed nor rejected) per applicant and year.

    /// The quotas granted to each applicant (a claim's current grant, while it has one).
    var quotaClaims = DenseTable<QuotaClaims>(empty: .none)
    /// The year's uses in the order recorded: their sequence numbers and the amounts the replay
    /// gave them (0: the use drops out). What a settlement returned, and a year other than the
    /// recorded one, are kept apart for the few uses that have them.
    var useSeqs = IncreasingSeqs()
    var useAmounts: [Int64] = []
    var useReturned: [Int64: Int64] = [:]
    var useYears: [Int64: Int] = [:]
    /// What a later reversal undoes: the event's effect, its postings, and the keys of the
    /// applicants whose quotas they move.
    var undo: [Int64: (undo: Undo, postings: [Posting], keys: [String: Int32])] = [:]

    var sums = YearTable()
    var budgetBalance: [Int: Int64] = [:]
    var grantedByProject: [ProjectKey: Int64] = [:]
    var usedByProject: [ProjectKey: Int64] = [:]

    // MARK: The year's figures

    var totals = KindTotals()
    var useCount = 0
    var serviceAmount: Int64 = 0
    var usedInYear: Int64 = 0
    var usesByApplicant = DenseTable<Int>(empty: 0)
    var usesByProvider = DenseTable<Int>(empty: 0)
    var usesByProduct = DenseTable<Int>(empty: 0)
    var usedByMonth: [Int32: Int64] = [:]
    var binding = BindingCounts()
    var changes: [ReplayChange] = []
    var otherAmounts = 0
    /// Matching and grant programmes: live payments of the year, by applicant.
    var paymentsByApplicant: [Int32: (count: Int, amount: Int64)] = [:]

    /// A replay of `programme`'s history with `reform`'s versions in force for `year`'s events.
    /// `reversed`: the events of the history that a later reversal cancels.
    public init(programme: Programme, reform: Programme? = nil, year: Int, reversed: Set<Int64>) {
        self.programme = programme
        self.reform = reform ?? programme
        self.year = year
        self.reversed = reversed
    }

    /// Makes room in the replay's tables for the history it is about to be given: how many
    /// claims, uses and applicants it has (each at most). Optional: the tables grow as needed
    /// without it, but growing a table of a million entries copies it, step by step, and leaves
    /// the old copies as holes in memory.
    public mutating func reserve(claims claimCount: Int, uses useCount: Int, applicants applicantCount: Int) {
        claims.reserve(claimCount)
        useSeqs.reserve(useCount)
        useAmounts.reserveCapacity(useCount)
        applicantIDs.reserve(applicantCount)
        kinds.reserve(applicantCount)
        groupNumbers.reserve(applicantCount)
        districtNumbers.reserve(applicantCount)
        quotaClaims.reserve(applicantCount)
        usesByApplicant.reserve(applicantCount)
    }

    /// The policy an event of `year` is decided under.
    func policy(for eventYear: Int) -> Programme { eventYear == year ? reform : programme }

    // MARK: Applying the history

    /// Runs one recorded event through the rules on the replay's state.
    public mutating func apply(_ event: HistoryEvent) {
        switch event {
        case .registration(_, let applicant, let key): register(applicant, key: key)
        case .claim(let seq, let date, let fact, let applicant):
            claim(seq: seq, date: date, fact: fact, applicant: applicant)
        case .decision(let seq, let date, let claimSeq, let fact):
            decide(seq: seq, date: date, claimSeq: claimSeq, fact)
        case .use(let seq, let fact, let keys): use(seq: seq, fact: fact, keys: keys)
        case .settlement(let seq, let useSeq, let fact, let use, let applicant):
            settle(seq: seq, useSeq: useSeq, fact: fact, use: use, applicant: applicant)
        case .payment(let seq, let date, let claimSeq, let amount):
            pay(seq: seq, claimSeq: claimSeq, amount: amount, on: date)
        case .expiry(let seq, let date): expire(seq: seq, date: date)
        case .reversal(_, _, let target): reverse(target)
        }
    }

    mutating func register(_ applicant: Applicant, key index: Int32) {
        applicantIDs[index] = applicant.id
        if let old = group(of: index) { groupMembers[old]?.remove(index) }
        groupNumbers[index] = applicant.group.map { names.number($0) } ?? -1
        if let group = applicant.group { groupMembers[group, default: []].insert(index) }
        kinds[index] = applicant.kind
        districtNumbers[index] = names.number(applicant.district)
        attributes[index] = applicant.attributes.isEmpty ? nil : applicant.attributes
    }

    /// A claim's fact, as recorded, for the rules that take one.
    func fact(of claim: ClaimState) -> ClaimFact {
        ClaimFact(
            ref: claim.ref,
            applicantID: applicantIDs[claim.applicant],
            programme: programme.id,
            year: claim.year,
            requested: claim.requested,
            project: claim.project,
            paid: claim.feesPaid
        )
    }

    /// The group an applicant belongs to, as last registered.
    func group(of index: Int32) -> String? { names[groupNumbers[index]] }

    func applicant(_ index: Int32) -> Applicant {
        Applicant(
            id: applicantIDs[index],
            kind: kinds[index],
            group: group(of: index),
            district: names[districtNumbers[index]] ?? "",
            // Most ledgers record no attributes: no look-up per use then.
            attributes: attributes.isEmpty ? [] : attributes[index] ?? []
        )
    }
    /// The quota the current grant of the claim at `position` in ``claims`` gives, as storage
    /// gives it to the rule.
    func grantedQuota(at position: Int64) -> GrantedQuota? {
        // Fields read in place, not the claim copied out of its table.
        let index = Int(position)
        guard let decision = claims.values[index].latest,
            let validUntil = decision.validUntil
        else { return nil }
        let grantedOn = decision.date
        let year = claims.values[index].year
        return GrantedQuota(
            claimRef: claims.values[index].ref,
            year: year,
            quota: Quota(
                granted: decision.granted,
                grantedOn: grantedOn,
                validFrom: max(grantedOn, BusinessDate.startOfYear(year)),
                validUntil: validUntil,
                left: decision.granted
            )
        )
    }

    /// After a claim or a decision on it changed: the voucher claim open for its applicant and
    /// year, as storage finds it: a live claim whose latest live decision is not a rejection.
    mutating func reopened(_ claimSeq: Int64) {
        guard programme.kind == .voucher, let claim = claims[claimSeq] else { return }
        let year = claim.year
        if claim.live && !(claim.latest?.rejected ?? false) {
            sums[year, claim.applicant].openClaim = claimSeq
        } else if sums[year, claim.applicant].openClaim == claimSeq {
            sums[year, claim.applicant].openClaim = 0
        }
    }

    /// The applicant's quota that a use on `date` draws on, as ``Lifecycle/quota(covering:among:)``
    /// finds it among ``quotas(of:)``; for an applicant with one quota (most), that one, with no
    /// list made.
    func quota(of applicant: Int32, covering date: BusinessDate) -> GrantedQuota? {
        if case .one(let position) = quotaClaims[applicant] { return grantedQuota(at: position) }
        return Lifecycle.quota(covering: date, among: quotas(of: applicant))
    }

    /// The applicant's granted quotas, in the order storage gives them to the rule: by the end
    /// of their validity, then the day they were granted.
    func quotas(of applicant: Int32) -> [GrantedQuota] {
        // A loop, not compactMap(grantedQuota): a method passed as a closure would copy the
        // whole replay to capture it.
        var quotas: [GrantedQuota] = []
        switch quotaClaims[applicant] {
        case .none: return []
        case .one(let position): return grantedQuota(at: position).map { [$0] } ?? []
        case .many(let positions):
            for position in positions { if let quota = grantedQuota(at: position) { quotas.append(quota) } }
        }
        return quotas.sorted { ($0.quota.validUntil, $0.quota.grantedOn) < ($1.quota.validUntil, $1.quota.grantedOn) }
    }
}
