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
        var live = true
        var decisions: [DecisionState] = []
        var paid: Money = .zero

        var current: Money { decisions.last?.granted ?? .zero }
    }

    private struct DecisionState {
        var seq: Int64
        var level: ReviewLevel
        var granted: Money
        var date: BusinessDate
        var validUntil: BusinessDate?
    }

    private struct UseState {
        var claimSeq: Int64
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
        var usedOn: BusinessDate
        var live = true
    }

    /// What a reversal undoes.
    private enum Undo {
        case claim(Int64)
        case decision(claimSeq: Int64, seq: Int64)
        case use(Int64)
        case settlement(useSeq: Int64, returned: Int64)
        case payment(claimSeq: Int64, amount: Money)
        case expiry
    }

    private struct YearKey: Hashable {
        var year: Int
        var applicant: Int32
    }

    private struct ProjectKey: Hashable {
        var project: String
        var applicant: Int32
    }

    /// Party ids and months as small numbers.
    private var names: [String: Int32] = [:]
    private var nameList: [String] = []

    private var applicants: [String: Applicant] = [:]
    private var groupMembers: [String: Set<String>] = [:]
    private var claims: [Int64: ClaimState] = [:]
    /// Voucher claims open (neither reversed nor rejected) per applicant and year.
    private var openClaims: [YearKey: Int64] = [:]
    /// Claims with a grant, per applicant.
    private var claimsOf: [Int32: [Int64]] = [:]
    private var uses: [Int64: UseState] = [:]
    private var undo: [Int64: (undo: Undo, postings: [Posting])] = [:]
    private var reversedEvents: Set<Int64> = []

    private var quotaLeft: [YearKey: Int64] = [:]
    private var budgetBalance: [Int: Int64] = [:]
    private var grantedByApplicant: [YearKey: Int64] = [:]
    private var grantedByProject: [ProjectKey: Int64] = [:]
    private var usedByApplicant: [YearKey: Int64] = [:]
    private var usedByProject: [ProjectKey: Int64] = [:]

    // MARK: The year's figures

    private var totals: [LedgerAccount.Kind: Int64] = [:]
    private var useCount = 0
    private var serviceAmount: Int64 = 0
    private var usedInYear: Int64 = 0
    private var usesByApplicant: [Int32: Int] = [:]
    private var usesByProvider: [Int32: Int] = [:]
    private var usesByProduct: [Int32: Int] = [:]
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

    private mutating func name(_ text: String) -> Int32 {
        if let index = names[text] { return index }
        let index = Int32(nameList.count)
        names[text] = index
        nameList.append(text)
        return index
    }

    // MARK: Applying the history

    /// Runs one recorded event through the rules on the replay's state.
    public mutating func apply(_ event: HistoryEvent) {
        switch event {
        case .registration(_, let applicant): register(applicant)
        case .claim(let seq, let date, let fact): claim(seq: seq, date: date, fact: fact)
        case .decision(let seq, let date, let claimSeq, let fact): decide(seq: seq, date: date, claimSeq: claimSeq, fact)
        case .use(let seq, let claimSeq, let fact): use(seq: seq, claimSeq: claimSeq, fact: fact)
        case .settlement(let seq, let useSeq, let fact): settle(seq: seq, useSeq: useSeq, fact: fact)
        case .payment(let seq, let claimSeq, let amount): pay(seq: seq, claimSeq: claimSeq, amount: amount)
        case .expiry(let seq, let date): expire(seq: seq, date: date)
        case .reversal(_, _, let target): reverse(target)
        }
    }

    private mutating func register(_ applicant: Applicant) {
        if let old = applicants[applicant.id]?.group { groupMembers[old]?.remove(applicant.id) }
        if let group = applicant.group { groupMembers[group, default: []].insert(applicant.id) }
        applicants[applicant.id] = applicant
    }

    private func applicant(_ id: String) -> Applicant {
        applicants[id] ?? Applicant(id: id, kind: .enterprise)
    }

    private mutating func claim(seq: Int64, date: BusinessDate, fact: ClaimFact) {
        let policy = policy(for: fact.year)
        let key = YearKey(year: fact.year, applicant: name(fact.applicantID))
        let state = Lifecycle.ClaimState(programme: policy, openClaim: openClaims[key].flatMap { claims[$0]?.fact.ref })
        do {
            _ = try Lifecycle.claim(fact, state: state, on: date)
        } catch {
            record(seq, .claim, fact.ref, fact.applicantID, .refused(reason: error.description), fact.requested, .zero)
            return
        }
        claims[seq] = ClaimState(fact: fact)
        if programme.kind == .voucher { openClaims[key] = seq }
        remember(seq, .claim(seq), [])
    }

    /// What the caps have counted for a claim's grant, from the replay's own figures, as storage
    /// counts them for the ledger: current grants of the other live claims.
    private mutating func grantUsage(_ claim: ClaimState) -> UsageSoFar {
        let fact = claim.fact
        let current = claim.current.fen
        let applicantKey = YearKey(year: fact.year, applicant: name(fact.applicantID))
        var usage = UsageSoFar()
        usage.applicantThisYear = Money(fen: (grantedByApplicant[applicantKey] ?? 0) - current)
        if let group = applicant(fact.applicantID).group {
            var sum: Int64 = 0
            for member in groupMembers[group] ?? [] {
                sum += grantedByApplicant[YearKey(year: fact.year, applicant: name(member))] ?? 0
            }
            if groupMembers[group]?.contains(fact.applicantID) == true { sum -= current }
            usage.groupThisYear = Money(fen: sum)
        }
        if let project = fact.project {
            usage.projectToDate = Money(fen: (grantedByProject[ProjectKey(project: project, applicant: applicantKey.applicant)] ?? 0) - current)
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
            applicant: applicant(fact.applicantID)
        )
        var outcome = DecisionRequest.Outcome.reject(reason: recorded.reason ?? "rejected")
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
        let request = DecisionRequest(claimRef: fact.ref, level: recorded.level, outcome: outcome, reviewer: recorded.reviewer)
        let decided: (fact: DecisionFact, event: EventDraft)
        do {
            decided = try Lifecycle.decide(request, state: state, on: date)
        } catch {
            record(seq, .decision, fact.ref, fact.applicantID, .refused(reason: error.description), recorded.granted, .zero)
            return
        }
        let before = claim.current
        claim.decisions.append(
            DecisionState(
                seq: seq,
                level: recorded.level,
                granted: decided.fact.granted,
                date: date,
                validUntil: decided.fact.validUntil
            )
        )
        claims[claimSeq] = claim
        regranted(claimSeq, from: before)
        if decided.fact.outcome == "rejected", programme.kind == .voucher {
            openClaims[YearKey(year: fact.year, applicant: name(fact.applicantID))] = nil
        }
        post(decided.event.postings)
        remember(seq, .decision(claimSeq: claimSeq, seq: seq), decided.event.postings)
    }

    /// After a claim's current grant changed from `before`: the sums the caps count, and the
    /// applicant's list of claims with a grant.
    private mutating func regranted(_ claimSeq: Int64, from before: Money) {
        guard let claim = claims[claimSeq] else { return }
        let fact = claim.fact
        let applicant = name(fact.applicantID)
        let after = claim.live ? claim.current : .zero
        let delta = after.fen - before.fen
        grantedByApplicant[YearKey(year: fact.year, applicant: applicant), default: 0] += delta
        if let project = fact.project {
            grantedByProject[ProjectKey(project: project, applicant: applicant), default: 0] += delta
        }
        var list = claimsOf[applicant] ?? []
        list.removeAll { $0 == claimSeq }
        if after > .zero, claim.decisions.last?.validUntil != nil { list.append(claimSeq) }
        claimsOf[applicant] = list
    }

    /// The applicant's granted quotas, in the order storage gives them to the rule.
    private func quotas(of applicant: Int32) -> [(claimSeq: Int64, quota: GrantedQuota)] {
        var result: [(claimSeq: Int64, quota: GrantedQuota)] = []
        for claimSeq in claimsOf[applicant] ?? [] {
            guard let claim = claims[claimSeq], let decision = claim.decisions.last,
                let validUntil = decision.validUntil
            else { continue }
            let grantedOn = decision.date
            result.append(
                (
                    claimSeq,
                    GrantedQuota(
                        claimRef: claim.fact.ref,
                        year: claim.fact.year,
                        quota: Quota(
                            granted: decision.granted,
                            grantedOn: grantedOn,
                            validFrom: max(grantedOn, BusinessDate.startOfYear(claim.fact.year)),
                            validUntil: validUntil,
                            left: decision.granted
                        )
                    )
                )
            )
        }
        return result.sorted {
            ($0.quota.quota.validUntil, $0.quota.quota.grantedOn) < ($1.quota.quota.validUntil, $1.quota.quota.grantedOn)
        }
    }

    private mutating func use(seq: Int64, claimSeq recordedClaim: Int64, fact: UseFact) {
        guard let date = try? BusinessDate.parse(fact.usedOn) else { return }
        let applicantIndex = name(fact.applicantID)
        let applicant = applicant(fact.applicantID)
        let granted = quotas(of: applicantIndex)
        let covering = Lifecycle.quota(covering: date, among: granted.map(\.quota))
        let policy = policy(for: covering?.year ?? fact.year)
        var usage = UsageSoFar()
        var quota = covering
        if let covering {
            let key = YearKey(year: covering.year, applicant: applicantIndex)
            quota?.quota.left = Money(fen: quotaLeft[key] ?? 0)
            usage.applicantThisYear = Money(fen: usedByApplicant[key] ?? 0)
            if let group = applicant.group {
                var sum: Int64 = 0
                for member in groupMembers[group] ?? [] {
                    sum += usedByApplicant[YearKey(year: covering.year, applicant: name(member))] ?? 0
                }
                usage.groupThisYear = Money(fen: sum)
            }
        }
        if let project = fact.project {
            usage.projectToDate = Money(fen: usedByProject[ProjectKey(project: project, applicant: applicantIndex)] ?? 0)
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
                record(seq, .use, fact.ref, fact.applicantID, .useRefused(reason: error.description), Money(fen: fact.amount), .zero)
            }
            return
        }
        let amount = decided.decision.amount
        let useYear = decided.quota.year
        let claimSeq = granted.first { $0.quota.claimRef == decided.quota.claimRef }?.claimSeq ?? recordedClaim
        let monthText = String(fact.usedOn.prefix(7))
        let state2 = UseState(
            claimSeq: claimSeq,
            year: useYear,
            applicant: applicantIndex,
            provider: name(fact.providerID),
            product: name(fact.productCode),
            month: name(monthText),
            project: fact.project,
            serviceAmount: fact.serviceAmount,
            amount: amount.fen,
            binding: decided.decision.binding,
            usedOn: date
        )
        uses[seq] = state2
        if useYear == year, amount.fen != fact.amount { otherAmounts += 1 }
        counted(state2, sign: 1)
        let postings = Lifecycle.usePostings(amount, state: state, year: useYear)
        post(postings)
        remember(seq, .use(seq), postings)
    }

    /// Adds (`sign` 1) or takes out (-1) a live use in the sums the caps and the figures count.
    private mutating func counted(_ use: UseState, sign: Int64) {
        let net = sign * (use.amount - use.returned)
        usedByApplicant[YearKey(year: use.year, applicant: use.applicant), default: 0] += net
        if let project = use.project { usedByProject[ProjectKey(project: project, applicant: use.applicant), default: 0] += net }
        guard use.year == year else { return }
        let one = Int(sign)
        useCount += one
        serviceAmount += sign * use.serviceAmount
        usedInYear += net
        usesByApplicant[use.applicant, default: 0] += one
        usesByProvider[use.provider, default: 0] += one
        usesByProduct[use.product, default: 0] += one
        usedByMonth[use.month, default: 0] += net
        binding[use.binding, default: 0] += one
    }

    private mutating func settle(seq: Int64, useSeq: Int64, fact recorded: SettlementFact) {
        guard var use = uses[useSeq], use.live else { return }
        let amount = Money(fen: use.amount)
        let outcome: SettlementRequest.Outcome
        switch recorded.outcome {
        case "paid": outcome = .paid
        case "reduced":
            if recorded.paid > amount {
                if use.year == year {
                    record(seq, .redemptionSettled, recorded.useRef, nameList[Int(use.applicant)], .reductionCapped, recorded.paid, amount)
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
                applicantID: nameList[Int(use.applicant)],
                providerID: nameList[Int(use.provider)],
                usedOn: use.usedOn,
                amount: amount,
                redemptionDeadline: nil
            ),
            inFiling: true,
            settledBy: nil,
            useVersion: policy(for: use.year).version(on: use.usedOn)
        )
        let settled: (fact: SettlementFact, event: EventDraft)
        do {
            settled = try Lifecycle.settle(
                SettlementRequest(filingRef: recorded.filingRef, useRef: recorded.useRef, outcome: outcome),
                state: state
            )
        } catch {
            return
        }
        let returned = settled.fact.unpaidEffect == .returned ? settled.fact.unpaid.fen : 0
        if returned != 0 {
            counted(use, sign: -1)
            use.returned += returned
            counted(use, sign: 1)
            uses[useSeq] = use
        }
        post(settled.event.postings)
        remember(seq, .settlement(useSeq: useSeq, returned: returned), settled.event.postings)
    }

    private mutating func pay(seq: Int64, claimSeq: Int64, amount recorded: Money) {
        guard var claim = claims[claimSeq], claim.live else { return }
        let left = claim.current.remaining(after: claim.paid)
        let amount = min(recorded, left)
        if amount < recorded, claim.fact.year == year {
            record(seq, .payment, claim.fact.ref, claim.fact.applicantID, .paymentCapped, recorded, amount)
        }
        guard amount > .zero else { return }
        let state = PaymentState(claim: claim.fact, kind: programme.kind, granted: claim.current, paidBefore: claim.paid)
        guard let event = try? Lifecycle.pay(PaymentRequest(claimRef: claim.fact.ref, amount: amount), state: state) else {
            return
        }
        claim.paid = Money(fen: claim.paid.fen + amount.fen)
        claims[claimSeq] = claim
        paid(claim.fact, amount, sign: 1)
        post(event.postings)
        remember(seq, .payment(claimSeq: claimSeq, amount: amount), event.postings)
    }

    /// Counts a live payment of the year in (`sign` 1) or out (-1).
    private mutating func paid(_ claim: ClaimFact, _ amount: Money, sign: Int64) {
        guard claim.year == year else { return }
        var entry = paymentsByApplicant[name(claim.applicantID)] ?? (0, 0)
        entry.count += Int(sign)
        entry.amount += sign * amount.fen
        paymentsByApplicant[name(claim.applicantID)] = entry
    }

    /// Lapses what is left of every quota whose validity ended before `date`, as storage selects
    /// them for the rule: live claims whose current grant has ended, with something left.
    private mutating func expire(seq: Int64, date: BusinessDate) {
        var ended: [(seq: Int64, quota: EndedQuota)] = []
        for (claimSeq, claim) in claims where claim.live {
            guard let decision = claim.decisions.last, decision.granted > .zero, let until = decision.validUntil,
                until < date
            else { continue }
            let left = quotaLeft[YearKey(year: claim.fact.year, applicant: name(claim.fact.applicantID))] ?? 0
            guard left > 0 else { continue }
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
        post(event.postings)
        remember(seq, .expiry, event.postings)
    }

    private mutating func reverse(_ target: Int64) {
        guard let (what, postings) = undo.removeValue(forKey: target) else { return }
        reversedEvents.insert(target)
        post(postings.map { Posting($0.account, Money(fen: -$0.amount.fen)) })
        switch what {
        case .claim(let seq):
            guard var claim = claims[seq] else { return }
            let before = claim.current
            claim.live = false
            claims[seq] = claim
            regranted(seq, from: before)
            let key = YearKey(year: claim.fact.year, applicant: name(claim.fact.applicantID))
            if openClaims[key] == seq { openClaims[key] = nil }
        case .decision(let claimSeq, let seq):
            guard var claim = claims[claimSeq] else { return }
            let before = claim.current
            let wasRejected = claim.decisions.last?.seq == seq && claim.decisions.last?.granted == .zero
            claim.decisions.removeAll { $0.seq == seq }
            claims[claimSeq] = claim
            regranted(claimSeq, from: before)
            if wasRejected, programme.kind == .voucher, claim.live {
                openClaims[YearKey(year: claim.fact.year, applicant: name(claim.fact.applicantID))] = claimSeq
            }
        case .use(let seq):
            guard var use = uses[seq] else { return }
            counted(use, sign: -1)
            use.live = false
            uses[seq] = use
        case .settlement(let useSeq, let returned):
            guard var use = uses[useSeq], returned != 0 else { return }
            counted(use, sign: -1)
            use.returned -= returned
            counted(use, sign: 1)
            uses[useSeq] = use
        case .payment(let claimSeq, let amount):
            guard var claim = claims[claimSeq] else { return }
            claim.paid = Money(fen: claim.paid.fen - amount.fen)
            claims[claimSeq] = claim
            paid(claim.fact, amount, sign: -1)
        case .expiry:
            break
        }
    }

    // MARK: Postings and records

    private mutating func post(_ postings: [Posting]) {
        for posting in postings {
            let account = posting.account
            if account.year == year { totals[account.kind, default: 0] += posting.amount.fen }
            switch account.kind {
            case .quota:
                if let party = account.party {
                    quotaLeft[YearKey(year: account.year, applicant: name(party)), default: 0] += posting.amount.fen
                }
            case .budget: budgetBalance[account.year, default: 0] += posting.amount.fen
            default: break
            }
        }
    }

    private mutating func remember(_ seq: Int64, _ what: Undo, _ postings: [Posting]) {
        if reversed.contains(seq) { undo[seq] = (what, postings) }
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
            ReplayChange(seq: seq, kind: kind, ref: ref, applicant: applicant, what: what, recorded: recorded, reform: reform)
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
        figures.applicants = Set(
            claims.values.filter { $0.live && $0.fact.year == year && $0.current > .zero }.map(\.fact.applicantID)
        ).count
        if programme.kind == .voucher {
            figures.uses = useCount
            figures.serviceAmount = Money(fen: serviceAmount)
            figures.used = Money(fen: usedInYear)
            figures.enterprisesServed = usesByApplicant.values.filter { $0 > 0 }.count
            figures.providers = usesByProvider.values.filter { $0 > 0 }.count
            figures.products = usesByProduct.values.filter { $0 > 0 }.count
        } else {
            figures.uses = paymentsByApplicant.values.reduce(0) { $0 + $1.count }
            figures.used = Money(fen: paymentsByApplicant.values.reduce(0) { $0 + $1.amount })
            figures.enterprisesServed = paymentsByApplicant.values.filter { $0.count > 0 }.count
            figures.serviceAmount = Money(
                fen: claims.values.filter { $0.live && $0.fact.year == year }.reduce(0) { $0 + ($1.fact.paid?.fen ?? 0) }
            )
        }
        figures.identities = ReconciliationIdentity.check(figures)
        var byApplicant: [String: Money] = [:]
        if programme.kind == .voucher {
            for (key, amount) in usedByApplicant where key.year == year && (usesByApplicant[key.applicant] ?? 0) > 0 {
                byApplicant[nameList[Int(key.applicant)]] = Money(fen: amount)
            }
        } else {
            for (applicant, entry) in paymentsByApplicant where entry.count > 0 {
                byApplicant[nameList[Int(applicant)]] = Money(fen: entry.amount)
            }
        }
        var byMonth: [String: Money] = [:]
        for (month, amount) in usedByMonth where amount != 0 { byMonth[nameList[Int(month)]] = Money(fen: amount) }
        var bound: [String: Int] = [:]
        for (term, count) in binding where count > 0 { bound[term?.rawValue ?? "none"] = count }
        return ReplayOutcome(
            figures: figures,
            usedByApplicant: byApplicant,
            usedByMonth: byMonth,
            binding: bound,
            changes: changes.filter { !reversedEvents.contains($0.seq) },
            usesWithOtherAmount: otherAmounts
        )
    }
}
