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
    private let reversed: Set<Int64>

    // MARK: State, as the rules see it

    private struct ClaimState {
        var fact: ClaimFact
        var applicant: Int32
        var live = true
        /// The live decisions before the current one (a district's, when the city has decided).
        var earlier: [DecisionState] = []
        var latest: DecisionState?
        var paid: Money = .zero

        var current: Money { latest?.granted ?? .zero }
        var decisions: [DecisionState] { earlier + (latest.map { [$0] } ?? []) }
    }

    private struct DecisionState {
        var seq: Int64
        var level: ReviewLevel
        var granted: Money
        var date: BusinessDate
        var validUntil: BusinessDate?
        /// Whether the decision rejected the claim (a grant of nothing is not a rejection).
        var rejected = false
        /// The term that bound what might be granted, for a grant.
        var binding: Term.Kind?
    }

    /// A use as the replay decided it, kept whole only when a later reversal cancels it.
    private struct UseState {
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

    /// The claims whose current grant gives an applicant a quota: almost always one.
    private enum QuotaClaims: Sendable {
        case none
        case one(Int64)
        case many([Int64])

        var seqs: [Int64] {
            switch self {
            case .none: []
            case .one(let seq): [seq]
            case .many(let seqs): seqs
            }
        }

        init(_ seqs: [Int64]) {
            switch seqs.count {
            case 0: self = .none
            case 1: self = .one(seqs[0])
            default: self = .many(seqs)
            }
        }
    }

    /// What a reversal undoes.
    private enum Undo {
        case claim(Int64)
        case decision(claimSeq: Int64, seq: Int64)
        case use(UseState)
        case settlement(useSeq: Int64, use: UseState, returned: Int64)
        case payment(claimSeq: Int64, amount: Money, date: BusinessDate)
        case expiry
    }

    private struct YearKey: Hashable {
        var year: Int
        var applicant: Int32
    }

    /// What the caps and the rules count for an applicant's year.
    fileprivate struct YearSums: Sendable {
        /// The voucher claim open for the year (neither reversed nor rejected), 0 when none.
        var openClaim: Int64 = 0
        /// The quota account's balance.
        var quotaLeft: Int64 = 0
        /// Current grants of live claims.
        var granted: Int64 = 0
        /// Live uses, net of what settlements returned to the quota.
        var used: Int64 = 0
    }

    private struct ProjectKey: Hashable {
        var project: String
        var applicant: Int32
    }

    /// Applicants by key: id, kind and group as last registered.
    private var applicantIDs = DenseTable<String>(empty: "")
    private var kinds = DenseTable<ApplicantKind>(empty: .enterprise)
    private var groups: [Int32: String] = [:]
    private var groupMembers: [String: Set<Int32>] = [:]
    private var claims = SeqTable<ClaimState>()
    /// Voucher claims open (neither reversed nor rejected) per applicant and year.

    /// The quotas granted to each applicant (a claim's current grant, while it has one).
    private var quotaClaims = DenseTable<QuotaClaims>(empty: .none)
    /// The year's uses in the order recorded: their sequence numbers and the amounts the replay
    /// gave them (0: the use drops out). What a settlement returned, and a year other than the
    /// recorded one, are kept apart for the few uses that have them.
    private var useSeqs: [Int64] = []
    private var useAmounts: [Int64] = []
    private var useReturned: [Int64: Int64] = [:]
    private var useYears: [Int64: Int] = [:]
    /// What a later reversal undoes: the event's effect, its postings, and the keys of the
    /// applicants whose quotas they move.
    private var undo: [Int64: (undo: Undo, postings: [Posting], keys: [String: Int32])] = [:]

    private var sums = YearTable()
    private var budgetBalance: [Int: Int64] = [:]
    private var grantedByProject: [ProjectKey: Int64] = [:]
    private var usedByProject: [ProjectKey: Int64] = [:]

    // MARK: The year's figures

    private var totals: [LedgerAccount.Kind: Int64] = [:]
    private var useCount = 0
    private var serviceAmount: Int64 = 0
    private var usedInYear: Int64 = 0
    private var usesByApplicant = DenseTable<Int>(empty: 0)
    private var usesByProvider = DenseTable<Int>(empty: 0)
    private var usesByProduct = DenseTable<Int>(empty: 0)
    private var usedByMonth: [Int32: Int64] = [:]
    private var binding: [Term.Kind?: Int] = [:]
    private var changes: [ReplayChange] = []
    private var otherAmounts = 0
    /// Matching and grant programmes: live payments of the year, by applicant.
    private var paymentsByApplicant: [Int32: (count: Int, amount: Int64)] = [:]

    /// A replay of `programme`'s history with `reform`'s versions in force for `year`'s events.
    /// `reversed`: the events of the history that a later reversal cancels.
    public init(programme: Programme, reform: Programme? = nil, year: Int, reversed: Set<Int64>) {
        self.programme = programme
        self.reform = reform ?? programme
        self.year = year
        self.reversed = reversed
    }

    /// The policy an event of `year` is decided under.
    private func policy(for eventYear: Int) -> Programme { eventYear == year ? reform : programme }

    // MARK: Applying the history

    /// Runs one recorded event through the rules on the replay's state.
    public mutating func apply(_ event: HistoryEvent) {
        switch event {
        case .registration(_, let applicant, let key): register(applicant, key: key)
        case .claim(let seq, let date, let fact, let applicant):
            claim(seq: seq, date: date, fact: fact, applicant: applicant)
        case .decision(let seq, let date, let claimSeq, let fact):
            decide(seq: seq, date: date, claimSeq: claimSeq, fact)
        case .use(let seq, _, let fact, let keys): use(seq: seq, fact: fact, keys: keys)
        case .settlement(let seq, let useSeq, let fact, let use, let applicant):
            settle(seq: seq, useSeq: useSeq, fact: fact, use: use, applicant: applicant)
        case .payment(let seq, let date, let claimSeq, let amount):
            pay(seq: seq, claimSeq: claimSeq, amount: amount, on: date)
        case .expiry(let seq, let date): expire(seq: seq, date: date)
        case .reversal(_, _, let target): reverse(target)
        }
    }

    private mutating func register(_ applicant: Applicant, key index: Int32) {
        applicantIDs[index] = applicant.id
        if let old = groups[index] { groupMembers[old]?.remove(index) }
        groups[index] = applicant.group
        if let group = applicant.group { groupMembers[group, default: []].insert(index) }
        kinds[index] = applicant.kind
    }

    private func applicant(_ index: Int32) -> Applicant {
        Applicant(id: applicantIDs[index], kind: kinds[index], group: groups[index])
    }

    private mutating func claim(seq: Int64, date: BusinessDate, fact: ClaimFact, applicant: Int32) {
        let policy = policy(for: fact.year)
        if applicantIDs[applicant].isEmpty { applicantIDs[applicant] = fact.applicantID }
        let key = YearKey(year: fact.year, applicant: applicant)
        let open = sums[key.year, key.applicant].openClaim
        let state = Lifecycle.ClaimState(programme: policy, openClaim: open == 0 ? nil : claims[open]?.fact.ref)
        do {
            _ = try Lifecycle.claim(fact, state: state, on: date, recording: false)
        } catch {
            record(seq, .claim, fact.ref, fact.applicantID, .refused(reason: error.description), fact.requested, .zero)
            return
        }
        claims[seq] = ClaimState(fact: fact, applicant: key.applicant)
        if programme.kind == .voucher { sums[key.year, key.applicant].openClaim = seq }
        remember(seq, .claim(seq), [], [:])
    }

    /// What the caps have counted for a claim's grant, from the replay's own figures, as storage
    /// counts them for the ledger: current grants of the other live claims.
    private mutating func grantUsage(_ claim: ClaimState) -> UsageSoFar {
        let fact = claim.fact
        let current = claim.current.fen
        let index = claim.applicant
        var usage = UsageSoFar()
        usage.applicantThisYear = Money(fen: sums[fact.year, index].granted - current)
        if let group = groups[index] {
            var sum: Int64 = 0
            for member in groupMembers[group] ?? [] {
                sum += sums[fact.year, member].granted
            }
            usage.groupThisYear = Money(fen: sum - current)
        }
        if let project = fact.project {
            usage.projectToDate = Money(
                fen: (grantedByProject[ProjectKey(project: project, applicant: index)] ?? 0) - current
            )
        }
        usage.budgetThisYear = Money(fen: -(budgetBalance[fact.year] ?? 0)).remaining(after: claim.current)
        return usage
    }

    private mutating func decide(seq: Int64, date: BusinessDate, claimSeq: Int64, _ recorded: DecisionFact) {
        guard var claim = claims[claimSeq], claim.live else { return }
        let fact = claim.fact
        let policy = policy(for: fact.year)
        var state = Lifecycle.DecisionState(
            claim: fact,
            programme: policy,
            decisions: claim.decisions.map { PriorDecision(seq: $0.seq, level: $0.level, granted: $0.granted) },
            applicant: applicant(claim.applicant)
        )
        var outcome = DecisionRequest.Outcome.reject(reason: recorded.reason ?? "rejected")
        var term: Term.Kind?
        if recorded.outcome == "granted" {
            var granted = recorded.granted
            if granted > .zero {
                state.usage = grantUsage(claim)
                let limit: Money
                var bound: String?
                do {
                    let decision = try Lifecycle.engineLimit(state: state, on: date)
                    limit = decision.ineligibility == nil ? min(decision.amount, fact.requested) : .zero
                    bound = decision.ineligibility?.code ?? decision.binding?.rawValue
                    term = decision.binding
                } catch {
                    limit = .zero
                    bound = nil
                }
                if granted > limit {
                    let what: ReplayChange.What =
                        limit > .zero ? .grantCapped(binding: bound) : .refused(reason: bound ?? "not eligible")
                    record(seq, .decision, fact.ref, fact.applicantID, what, granted, limit)
                    granted = limit
                }
            }
            outcome = .grant(granted)
        }
        let request = DecisionRequest(
            claimRef: fact.ref,
            level: recorded.level,
            outcome: outcome,
            reviewer: recorded.reviewer
        )
        let decided: (fact: DecisionFact, event: EventDraft)
        do {
            decided = try Lifecycle.decide(request, state: state, on: date, recording: false)
        } catch {
            record(
                seq,
                .decision,
                fact.ref,
                fact.applicantID,
                .refused(reason: error.description),
                recorded.granted,
                .zero
            )
            return
        }
        let before = claim.current
        if let latest = claim.latest { claim.earlier.append(latest) }
        claim.latest = DecisionState(
            seq: seq,
            level: recorded.level,
            granted: decided.fact.granted,
            date: date,
            validUntil: decided.fact.validUntil,
            rejected: decided.fact.outcome == "rejected",
            binding: term
        )
        claims[claimSeq] = claim
        regranted(claimSeq, from: before)
        reopened(claimSeq)
        post(decided.event.postings, applicant: claim.applicant)
        remember(
            seq,
            .decision(claimSeq: claimSeq, seq: seq),
            decided.event.postings,
            [fact.applicantID: claim.applicant]
        )
    }

    /// After a claim's current grant changed from `before`: the sums the caps count, and the
    /// applicant's quotas.
    private mutating func regranted(_ claimSeq: Int64, from before: Money) {
        guard let claim = claims[claimSeq] else { return }
        let fact = claim.fact
        let applicant = claim.applicant
        let after = claim.live ? claim.current : .zero
        let delta = after.fen - before.fen
        sums[fact.year, applicant].granted += delta
        if let project = fact.project {
            grantedByProject[ProjectKey(project: project, applicant: applicant), default: 0] += delta
        }
        var seqs = quotaClaims[applicant].seqs.filter { $0 != claimSeq }
        if after > .zero, claim.latest?.validUntil != nil { seqs.append(claimSeq) }
        quotaClaims[applicant] = QuotaClaims(seqs)
    }

    /// The quota a claim's current grant gives, as storage gives it to the rule.
    private func grantedQuota(_ claimSeq: Int64) -> GrantedQuota? {
        // Fields read in place, not the claim copied out of its table.
        guard let index = claims.index(of: claimSeq), let decision = claims.values[index].latest,
            let validUntil = decision.validUntil
        else { return nil }
        let grantedOn = decision.date
        let year = claims.values[index].fact.year
        return GrantedQuota(
            claimRef: claims.values[index].fact.ref,
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
    private mutating func reopened(_ claimSeq: Int64) {
        guard programme.kind == .voucher, let claim = claims[claimSeq] else { return }
        let year = claim.fact.year
        if claim.live && !(claim.latest?.rejected ?? false) {
            sums[year, claim.applicant].openClaim = claimSeq
        } else if sums[year, claim.applicant].openClaim == claimSeq {
            sums[year, claim.applicant].openClaim = 0
        }
    }

    /// The applicant's granted quotas, in the order storage gives them to the rule: by the end
    /// of their validity, then the day they were granted.
    private func quotas(of applicant: Int32) -> [GrantedQuota] {
        // A loop, not compactMap(grantedQuota): a method passed as a closure would copy the
        // whole replay to capture it.
        var quotas: [GrantedQuota] = []
        switch quotaClaims[applicant] {
        case .none: return []
        case .one(let seq): return grantedQuota(seq).map { [$0] } ?? []
        case .many(let seqs):
            for seq in seqs { if let quota = grantedQuota(seq) { quotas.append(quota) } }
        }
        return quotas.sorted { ($0.quota.validUntil, $0.quota.grantedOn) < ($1.quota.validUntil, $1.quota.grantedOn) }
    }

    private mutating func use(seq: Int64, fact: UseFact, keys: PartyKeys) {
        guard let date = try? BusinessDate.parse(fact.usedOn) else { return }
        let applicantIndex = keys.applicant
        let applicant = applicant(applicantIndex)
        let granted = quotas(of: applicantIndex)
        let covering = Lifecycle.quota(covering: date, among: granted)
        let policy = policy(for: covering?.year ?? fact.year)
        var usage = UsageSoFar()
        var quota = covering
        if let covering {
            let counted = sums[covering.year, applicantIndex]
            quota?.quota.left = Money(fen: counted.quotaLeft)
            usage.applicantThisYear = Money(fen: counted.used)
            if let group = applicant.group {
                var sum: Int64 = 0
                for member in groupMembers[group] ?? [] {
                    sum += sums[covering.year, member].used
                }
                usage.groupThisYear = Money(fen: sum)
            }
        }
        if let project = fact.project {
            usage.projectToDate = Money(
                fen: usedByProject[ProjectKey(project: project, applicant: applicantIndex)] ?? 0
            )
        }
        let request = UseRequest(
            ref: fact.ref,
            applicantID: fact.applicantID,
            providerID: fact.providerID,
            productCode: fact.productCode,
            programme: programme.id,
            serviceAmount: Money(fen: fact.serviceAmount),
            project: fact.project,
            eligibleAmount: fact.eligibleAmount.map { Money(fen: $0) },
            taxAmount: fact.taxAmount.map { Money(fen: $0) }
        )
        let state = Lifecycle.UseState(
            programme: policy,
            applicant: applicant,
            provider: ProviderFacts(id: fact.providerID, region: fact.providerRegion),
            product: ProductFacts(code: fact.productCode, providerID: fact.providerID, category: fact.category),
            quota: quota,
            usage: usage
        )
        let decided: (decision: SubsidyDecision, quota: GrantedQuota, version: PolicyVersion, rate: Sourced<Rate>)
        do {
            decided = try Lifecycle.decideUse(request, state: state, on: date)
        } catch {
            if fact.year == year {
                record(
                    seq,
                    .use,
                    fact.ref,
                    fact.applicantID,
                    .useRefused(reason: error.description),
                    Money(fen: fact.amount),
                    .zero
                )
            }
            useSeqs.append(seq)
            useAmounts.append(0)
            return
        }
        let amount = decided.decision.amount
        let useYear = decided.quota.year
        let replayed = UseState(
            year: useYear,
            applicant: applicantIndex,
            provider: keys.provider,
            product: keys.product,
            month: month(of: date),
            project: fact.project,
            serviceAmount: fact.serviceAmount,
            amount: amount.fen,
            binding: decided.decision.binding,
            differs: amount.fen != fact.amount
        )
        useSeqs.append(seq)
        useAmounts.append(amount.fen)
        if useYear != fact.year { useYears[seq] = useYear }
        if useYear == year, amount.fen != fact.amount { otherAmounts += 1 }
        counted(replayed, sign: 1)
        let postings = Lifecycle.usePostings(amount, state: state, year: useYear)
        post(postings, applicant: applicantIndex)
        remember(seq, .use(replayed), postings, [fact.applicantID: applicantIndex])
    }

    /// `2022-05` as 202205.
    private func month(of date: BusinessDate) -> Int32 { Int32(date.year * 100 + date.month) }

    /// Adds (`sign` 1) or takes out (-1) a live use in the sums the caps and the figures count.
    private mutating func counted(_ use: UseState, sign: Int64) {
        net(use, sign * (use.amount - use.returned))
        guard use.year == year else { return }
        let one = Int(sign)
        useCount += one
        serviceAmount += sign * use.serviceAmount
        usesByApplicant[use.applicant] += one
        usesByProvider[use.provider] += one
        usesByProduct[use.product] += one
        binding[use.binding, default: 0] += one
    }

    /// Moves a use's net amount (used less returned) by `delta` in every sum that counts it.
    private mutating func net(_ use: UseState, _ delta: Int64) {
        sums[use.year, use.applicant].used += delta
        if let project = use.project {
            usedByProject[ProjectKey(project: project, applicant: use.applicant), default: 0] += delta
        }
        guard use.year == year else { return }
        usedInYear += delta
        usedByMonth[use.month, default: 0] += delta
    }

    /// The use the replay recorded as `seq`, rebuilt from its recorded facts and the replay's
    /// amount; nil when it dropped out.
    private func replayed(_ seq: Int64, _ fact: UseFact, applicant: Int32) -> UseState? {
        guard let index = useIndex(seq), useAmounts[index] > 0, let date = try? BusinessDate.parse(fact.usedOn)
        else { return nil }
        return UseState(
            year: useYears[seq] ?? fact.year,
            applicant: applicant,
            provider: -1,
            product: -1,
            month: month(of: date),
            project: fact.project,
            serviceAmount: fact.serviceAmount,
            amount: useAmounts[index],
            returned: useReturned[seq] ?? 0
        )
    }

    /// Where `seq` is among the uses replayed (they arrive in order: a binary search).
    private func useIndex(_ seq: Int64) -> Int? {
        var low = 0
        var high = useSeqs.count
        while low < high {
            let middle = (low + high) / 2
            if useSeqs[middle] < seq { low = middle + 1 } else { high = middle }
        }
        return low < useSeqs.count && useSeqs[low] == seq ? low : nil
    }

    private mutating func settle(
        seq: Int64,
        useSeq: Int64,
        fact recorded: SettlementFact,
        use fact: UseFact,
        applicant: Int32
    ) {
        guard let use = replayed(useSeq, fact, applicant: applicant), let usedOn = try? BusinessDate.parse(fact.usedOn)
        else { return }
        let amount = Money(fen: use.amount)
        let outcome: SettlementRequest.Outcome
        switch recorded.outcome {
        case "paid": outcome = .paid
        case "reduced":
            if recorded.paid > amount {
                if use.year == year {
                    record(
                        seq,
                        .redemptionSettled,
                        recorded.useRef,
                        fact.applicantID,
                        .reductionCapped,
                        recorded.paid,
                        amount
                    )
                }
                outcome = .reduced(paid: amount, reason: recorded.reason ?? "reduced")
            } else {
                outcome = .reduced(paid: recorded.paid, reason: recorded.reason ?? "reduced")
            }
        default: outcome = .rejected(reason: recorded.reason ?? "rejected")
        }
        let state = Lifecycle.SettlementState(
            use: UseForRedemption(
                seq: useSeq,
                ref: recorded.useRef,
                programme: programme.id.value,
                year: use.year,
                applicantID: fact.applicantID,
                providerID: fact.providerID,
                usedOn: usedOn,
                amount: amount,
                redemptionDeadline: nil
            ),
            inFiling: true,
            settledBy: nil,
            useVersion: policy(for: use.year).version(on: usedOn)
        )
        let settled: (fact: SettlementFact, event: EventDraft)
        do {
            settled = try Lifecycle.settle(
                SettlementRequest(filingRef: recorded.filingRef, useRef: recorded.useRef, outcome: outcome),
                state: state,
                recording: false
            )
        } catch {
            return
        }
        let returned = settled.fact.unpaidEffect == .returned ? settled.fact.unpaid.fen : 0
        if returned != 0 {
            net(use, -returned)
            useReturned[useSeq, default: 0] += returned
        }
        post(settled.event.postings, applicant: use.applicant)
        remember(
            seq,
            .settlement(useSeq: useSeq, use: use, returned: returned),
            settled.event.postings,
            [fact.applicantID: applicant]
        )
    }

    private mutating func pay(seq: Int64, claimSeq: Int64, amount recorded: Money, on date: BusinessDate) {
        guard var claim = claims[claimSeq], claim.live else { return }
        let left = claim.current.remaining(after: claim.paid)
        let amount = min(recorded, left)
        if amount < recorded, claim.fact.year == year {
            record(seq, .payment, claim.fact.ref, claim.fact.applicantID, .paymentCapped, recorded, amount)
        }
        guard amount > .zero else { return }
        let state = PaymentState(
            claim: claim.fact,
            kind: programme.kind,
            granted: claim.current,
            paidBefore: claim.paid
        )
        guard let event = try? Lifecycle.pay(PaymentRequest(claimRef: claim.fact.ref, amount: amount), state: state)
        else {
            return
        }
        claim.paid = Money(fen: claim.paid.fen + amount.fen)
        claims[claimSeq] = claim
        paid(claim, amount, on: date, sign: 1)
        post(event.postings, applicant: claim.applicant)
        remember(
            seq,
            .payment(claimSeq: claimSeq, amount: amount, date: date),
            event.postings,
            [claim.fact.applicantID: claim.applicant]
        )
    }

    /// Counts a live payment of the year in (`sign` 1) or out (-1).
    private mutating func paid(_ claim: ClaimState, _ amount: Money, on date: BusinessDate, sign: Int64) {
        guard claim.fact.year == year else { return }
        usedByMonth[month(of: date), default: 0] += sign * amount.fen
        let applicant = claim.applicant
        var entry = paymentsByApplicant[applicant] ?? (0, 0)
        entry.count += Int(sign)
        entry.amount += sign * amount.fen
        paymentsByApplicant[applicant] = entry
    }

    /// Lapses what is left of every quota whose validity ended before `date`, as storage selects
    /// them for the rule: live claims whose current grant has ended, with something left.
    private mutating func expire(seq: Int64, date: BusinessDate) {
        var ended: [(seq: Int64, quota: EndedQuota)] = []
        var keys: [String: Int32] = [:]
        for (claimSeq, claim) in zip(claims.keys, claims.values) where claim.live {
            guard let decision = claim.latest, decision.granted > .zero, let until = decision.validUntil, until < date
            else { continue }
            let left = sums[claim.fact.year, claim.applicant].quotaLeft
            guard left > 0 else { continue }
            keys[claim.fact.applicantID] = claim.applicant
            ended.append(
                (
                    claimSeq,
                    EndedQuota(
                        claimRef: claim.fact.ref,
                        applicantID: claim.fact.applicantID,
                        year: claim.fact.year,
                        left: Money(fen: left)
                    )
                )
            )
        }
        ended.sort { $0.seq < $1.seq }
        guard let event = try? Lifecycle.expire(programme: programme, ended: ended.map(\.quota)) else { return }
        post(event.postings, keys: keys)
        remember(seq, .expiry, event.postings, keys)
    }

    private mutating func reverse(_ target: Int64) {
        guard let (what, postings, keys) = undo.removeValue(forKey: target) else { return }
        post(postings.map { Posting($0.account, Money(fen: -$0.amount.fen)) }, keys: keys)
        switch what {
        case .claim(let seq):
            guard var claim = claims[seq] else { return }
            let before = claim.current
            claim.live = false
            claims[seq] = claim
            regranted(seq, from: before)
            reopened(seq)
        case .decision(let claimSeq, let seq):
            guard var claim = claims[claimSeq] else { return }
            let before = claim.current
            if claim.latest?.seq == seq {
                claim.latest = claim.earlier.popLast()
            } else {
                claim.earlier.removeAll { $0.seq == seq }
            }
            claims[claimSeq] = claim
            regranted(claimSeq, from: before)
            reopened(claimSeq)
        case .use(var use):
            use.returned = useReturned[target] ?? 0
            counted(use, sign: -1)
            if use.year == year, use.differs { otherAmounts -= 1 }
            if let index = useIndex(target) { useAmounts[index] = 0 }
        case .settlement(let useSeq, let use, let returned):
            guard returned != 0 else { return }
            net(use, returned)
            useReturned[useSeq, default: 0] -= returned
        case .payment(let claimSeq, let amount, let date):
            guard var claim = claims[claimSeq] else { return }
            claim.paid = Money(fen: claim.paid.fen - amount.fen)
            claims[claimSeq] = claim
            paid(claim, amount, on: date, sign: -1)
        case .expiry:
            break
        }
    }

    // MARK: Postings and records

    /// Posts to the replay's accounts. `applicant`: the number of the one applicant whose quota
    /// the postings move, when the caller knows it (otherwise each quota's party is looked up).
    private mutating func post(_ postings: [Posting], applicant: Int32? = nil, keys: [String: Int32] = [:]) {
        for posting in postings {
            let account = posting.account
            if account.year == year { totals[account.kind, default: 0] += posting.amount.fen }
            switch account.kind {
            case .quota:
                if let party = account.party, let index = applicant ?? keys[party] {
                    sums[account.year, index].quotaLeft += posting.amount.fen
                }
            case .budget: budgetBalance[account.year, default: 0] += posting.amount.fen
            default: break
            }
        }
    }

    private mutating func remember(_ seq: Int64, _ what: Undo, _ postings: [Posting], _ keys: [String: Int32]) {
        if reversed.contains(seq) { undo[seq] = (what, postings, keys) }
    }

    private mutating func record(
        _ seq: Int64,
        _ kind: EventKind,
        _ ref: String,
        _ applicant: String,
        _ what: ReplayChange.What,
        _ recorded: Money,
        _ reform: Money
    ) {
        changes.append(
            ReplayChange(
                seq: seq,
                kind: kind,
                ref: ref,
                applicant: applicant,
                what: what,
                recorded: recorded,
                reform: reform
            )
        )
    }

    // MARK: The outcome

    /// The year's figures and breakdowns as the replay recorded them; `chainHead` is the ledger's
    /// the history was read at.
    public func outcome(chainHead: ChainHead) -> ReplayOutcome {
        var figures = ReconciliationFigures(
            programme: programme.id,
            kind: programme.kind,
            period: .year(year),
            chainHead: chainHead
        )
        func total(_ kind: LedgerAccount.Kind) -> Money { Money(fen: totals[kind] ?? 0) }
        figures.claimed = Money(fen: -(totals[.budget] ?? 0))
        figures.redeemed = total(.paid)
        figures.awaitingRedemption = total(.awaiting)
        figures.expired = total(.lapsed)
        figures.forfeited = total(.forfeited)
        figures.available = total(.quota)
        // Counted in one pass over the claims (no copy of them: there may be hundreds of thousands).
        var granted = Set<Int32>()
        var paidOnClaims: Int64 = 0
        var grantBinding: [String: Int] = [:]
        for claim in claims.values where claim.live && claim.fact.year == year {
            if claim.current > .zero {
                granted.insert(claim.applicant)
                grantBinding[claim.latest?.binding?.rawValue ?? "none", default: 0] += 1
            }
            paidOnClaims += claim.fact.paid?.fen ?? 0
        }
        figures.applicants = granted.count
        if programme.kind == .voucher {
            figures.uses = useCount
            figures.serviceAmount = Money(fen: serviceAmount)
            figures.used = Money(fen: usedInYear)
            figures.enterprisesServed = usesByApplicant.values.count { $0 > 0 }
            figures.providers = usesByProvider.values.count { $0 > 0 }
            figures.products = usesByProduct.values.count { $0 > 0 }
        } else {
            figures.uses = paymentsByApplicant.values.reduce(0) { $0 + $1.count }
            figures.used = Money(fen: paymentsByApplicant.values.reduce(0) { $0 + $1.amount })
            figures.enterprisesServed = paymentsByApplicant.values.filter { $0.count > 0 }.count
            figures.serviceAmount = Money(fen: paidOnClaims)
        }
        figures.identities = ReconciliationIdentity.check(figures)
        var byApplicant: [String: Money] = [:]
        if programme.kind == .voucher {
            for (index, counted) in sums.applicants(of: year).enumerated() where usesByApplicant[Int32(index)] > 0 {
                byApplicant[applicantIDs[Int32(index)]] = Money(fen: counted.used)
            }
        } else {
            for (applicant, entry) in paymentsByApplicant where entry.count > 0 {
                byApplicant[applicantIDs[applicant]] = Money(fen: entry.amount)
            }
        }
        var byMonth: [String: Money] = [:]
        for (month, amount) in usedByMonth where amount != 0 {
            let number = Int(month % 100)
            byMonth["\(month / 100)-\(number < 10 ? "0" : "")\(number)"] = Money(fen: amount)
        }
        var bound: [String: Int] = programme.kind == .voucher ? [:] : grantBinding
        for (term, count) in binding where count > 0 { bound[term?.rawValue ?? "none"] = count }
        return ReplayOutcome(
            figures: figures,
            usedByApplicant: byApplicant,
            usedByMonth: byMonth,
            binding: bound,
            changes: changes.filter { !reversed.contains($0.seq) },
            usesWithOtherAmount: otherAmounts
        )
    }
}

/// Values keyed by sequence number and added in increasing order: two arrays and a binary
/// search, lighter than a dictionary for hundreds of thousands of entries.
struct SeqTable<Value: Sendable>: Sendable {
    private(set) var keys: [Int64] = []
    private(set) var values: [Value] = []

    func index(of key: Int64) -> Int? {
        var low = 0
        var high = keys.count
        while low < high {
            let middle = (low + high) / 2
            if keys[middle] < key { low = middle + 1 } else { high = middle }
        }
        return low < keys.count && keys[low] == key ? low : nil
    }

    /// A value, or nil; setting a key beyond the last adds it, setting an existing key replaces
    /// its value (a table never forgets: setting nil is ignored).
    subscript(key: Int64) -> Value? {
        get { index(of: key).map { values[$0] } }
        set {
            guard let newValue else { return }
            if let index = index(of: key) {
                values[index] = newValue
            } else {
                precondition(key > (keys.last ?? .min), "sequence numbers are added in order")
                keys.append(key)
                values.append(newValue)
            }
        }
    }
}

/// Values by key (a small number from 0 up), in an array that grows as keys arrive; a key not yet
/// set reads as `empty`.
struct DenseTable<Value: Sendable>: Sendable {
    private(set) var values: [Value] = []
    let empty: Value

    init(empty: Value) { self.empty = empty }

    subscript(key: Int32) -> Value {
        get { Int(key) < values.count && key >= 0 ? values[Int(key)] : empty }
        set {
            guard key >= 0 else { return }
            let index = Int(key)
            if index >= values.count {
                values.append(contentsOf: repeatElement(empty, count: index + 1 - values.count))
            }
            values[index] = newValue
        }
    }
}

/// What the caps count per applicant, by year: a table of applicants for each year.
private struct YearTable: Sendable {
    private var years: [Int: DenseTable<Replay.YearSums>] = [:]

    subscript(year: Int, applicant: Int32) -> Replay.YearSums {
        get { years[year]?[applicant] ?? Replay.YearSums() }
        set { years[year, default: DenseTable(empty: Replay.YearSums())][applicant] = newValue }
    }

    /// The year's sums, by applicant key.
    func applicants(of year: Int) -> [Replay.YearSums] { years[year]?.values ?? [] }
}
