// The replay's uses, settlements, payments, expiries and reversals, and its postings
// (``Replay``; its claims and decisions are in Replay+Claims.swift).

extension Replay {
    mutating func use(seq: Int64, fact: UseFact, keys: PartyKeys) {
        guard let date = try? BusinessDate.parse(fact.usedOn) else { return }
        let applicantIndex = keys.applicant
        let applicant = applicant(applicantIndex)
        let covering = quota(of: applicantIndex, covering: date)
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
                    .useRefused(
                        reason: error.description,
                        words: LocalizedText(zh: error.text(.zh), en: error.description)
                    ),
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
    func month(of date: BusinessDate) -> Int32 { Int32(date.year * 100 + date.month) }

    /// Adds (`sign` 1) or takes out (-1) a live use in the sums the caps and the figures count.
    mutating func counted(_ use: UseState, sign: Int64) {
        net(use, sign * (use.amount - use.returned))
        guard use.year == year else { return }
        let one = Int(sign)
        useCount += one
        serviceAmount += sign * use.serviceAmount
        usesByApplicant[use.applicant] += one
        usesByProvider[use.provider] += one
        usesByProduct[use.product] += one
        binding[use.binding] += one
    }

    /// Moves a use's net amount (used less returned) by `delta` in every sum that counts it.
    mutating func net(_ use: UseState, _ delta: Int64) {
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
    func replayed(_ seq: Int64, _ fact: UseFact, applicant: Int32) -> UseState? {
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
    func useIndex(_ seq: Int64) -> Int? { useSeqs.index(of: seq) }

    mutating func settle(
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

    mutating func pay(seq: Int64, claimSeq: Int64, amount recorded: Money, on date: BusinessDate) {
        guard var claim = claims[claimSeq], claim.live else { return }
        let left = claim.current.remaining(after: claim.paid)
        let amount = min(recorded, left)
        if amount < recorded, claim.year == year {
            record(seq, .payment, claim.ref, applicantIDs[claim.applicant], .paymentCapped, recorded, amount)
        }
        guard amount > .zero else { return }
        let state = PaymentState(
            claim: fact(of: claim),
            kind: programme.kind,
            granted: claim.current,
            paidBefore: claim.paid
        )
        guard let event = try? Lifecycle.pay(PaymentRequest(claimRef: claim.ref, amount: amount), state: state)
        else {
            return
        }
        claim.paid = Money(fen: claim.paid.fen + amount.fen)
        claims[claimSeq] = claim
        paid(claim, amount, on: date, sign: 1)
        post(event.postings, applicant: claim.applicant)
        let applicantID = applicantIDs[claim.applicant]
        remember(
            seq,
            .payment(claimSeq: claimSeq, amount: amount, date: date),
            event.postings,
            [applicantID: claim.applicant]
        )
    }

    /// Counts a live payment of the year in (`sign` 1) or out (-1).
    mutating func paid(_ claim: ClaimState, _ amount: Money, on date: BusinessDate, sign: Int64) {
        guard claim.year == year else { return }
        usedByMonth[month(of: date), default: 0] += sign * amount.fen
        let applicant = claim.applicant
        var entry = paymentsByApplicant[applicant] ?? (0, 0)
        entry.count += Int(sign)
        entry.amount += sign * amount.fen
        paymentsByApplicant[applicant] = entry
    }

    /// Lapses what is left of every quota whose validity ended before `date`, as storage selects
    /// them for the rule: live claims whose current grant has ended, with something left.
    mutating func expire(seq: Int64, date: BusinessDate) {
        var ended: [(seq: Int64, quota: EndedQuota)] = []
        var keys: [String: Int32] = [:]
        for (index, claim) in claims.values.enumerated() where claim.live {
            let claimSeq = claims.keys[index]
            guard let decision = claim.latest, decision.granted > .zero, let until = decision.validUntil, until < date
            else { continue }
            let left = sums[claim.year, claim.applicant].quotaLeft
            guard left > 0 else { continue }
            keys[applicantIDs[claim.applicant]] = claim.applicant
            ended.append(
                (
                    claimSeq,
                    EndedQuota(
                        claimRef: claim.ref,
                        applicantID: applicantIDs[claim.applicant],
                        year: claim.year,
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

    mutating func reverse(_ target: Int64) {
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
    mutating func post(_ postings: [Posting], applicant: Int32? = nil, keys: [String: Int32] = [:]) {
        for posting in postings {
            let account = posting.account
            if account.year == year { totals[account.kind] += posting.amount.fen }
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

    /// Keeps what reversing `seq` undoes, when a later reversal cancels it. The arguments are
    /// built only then: for the other events (almost all) nothing is made or hashed.
    mutating func remember(
        _ seq: Int64,
        _ what: @autoclosure () -> Undo,
        _ postings: @autoclosure () -> [Posting],
        _ keys: @autoclosure () -> [String: Int32]
    ) {
        guard !reversed.isEmpty, reversed.contains(seq) else { return }
        undo[seq] = (what(), postings(), keys())
    }

    mutating func record(
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
}
