// The replay's claims and decisions (``Replay``; its uses, settlements, payments, expiries and
// reversals are in Replay+Events.swift).

extension Replay {
    mutating func claim(seq: Int64, date: BusinessDate, fact: ClaimFact, applicant: Int32) {
        let policy = policy(for: fact.year)
        if applicantIDs[applicant].isEmpty { applicantIDs[applicant] = fact.applicantID }
        let key = YearKey(year: fact.year, applicant: applicant)
        let open = sums[key.year, key.applicant].openClaim
        let state = Lifecycle.ClaimState(
            programme: policy,
            openClaim: open == 0 ? nil : claims[open]?.ref,
            applicant: self.applicant(applicant)
        )
        do {
            _ = try Lifecycle.claim(fact, state: state, on: date, recording: false)
        } catch {
            let words = LocalizedText(zh: error.text(.zh), en: error.description)
            record(
                seq,
                .claim,
                fact.ref,
                fact.applicantID,
                .refused(reason: error.description, words: words),
                fact.requested,
                .zero
            )
            return
        }
        claims[seq] = ClaimState(fact, applicant: key.applicant)
        if programme.kind == .voucher { sums[key.year, key.applicant].openClaim = seq }
        remember(seq, .claim(seq), [], [:])
    }

    /// What the caps have counted for a claim's grant, from the replay's own figures, as storage
    /// counts them for the ledger: current grants of the other live claims.
    mutating func grantUsage(_ claim: ClaimState) -> UsageSoFar {
        let current = claim.current.fen
        let index = claim.applicant
        var usage = UsageSoFar()
        usage.applicantThisYear = Money(fen: sums[claim.year, index].granted - current)
        if let group = group(of: index) {
            var sum: Int64 = 0
            for member in groupMembers[group] ?? [] {
                sum += sums[claim.year, member].granted
            }
            usage.groupThisYear = Money(fen: sum - current)
        }
        if let project = claim.project {
            usage.projectToDate = Money(
                fen: (grantedByProject[ProjectKey(project: project, applicant: index)] ?? 0) - current
            )
        }
        usage.budgetThisYear = Money(fen: -(budgetBalance[claim.year] ?? 0)).remaining(after: claim.current)
        return usage
    }

    mutating func decide(seq: Int64, date: BusinessDate, claimSeq: Int64, _ recorded: DecisionFact) {
        guard var claim = claims[claimSeq], claim.live else { return }
        let fact = fact(of: claim)
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
                var why = LocalizedText(zh: "不符合条件", en: "not eligible")
                do {
                    let decision = try Lifecycle.engineLimit(state: state, on: date)
                    limit = decision.ineligibility == nil ? min(decision.amount, fact.requested) : .zero
                    bound = decision.ineligibility?.code ?? decision.binding?.rawValue
                    term = decision.binding
                    if let ineligibility = decision.ineligibility {
                        why = LocalizedText(zh: ineligibility.text(.zh), en: ineligibility.text(.en))
                    } else if let binding = decision.binding {
                        why = LocalizedText(zh: binding.label(.zh), en: binding.label(.en))
                    }
                } catch {
                    limit = .zero
                    bound = nil
                }
                if granted > limit {
                    let what: ReplayChange.What =
                        limit > .zero
                        ? .grantCapped(binding: bound) : .refused(reason: bound ?? "not eligible", words: why)
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
                .refused(reason: error.description, words: LocalizedText(zh: error.text(.zh), en: error.description)),
                recorded.granted,
                .zero
            )
            return
        }
        let before = claim.current
        if let latest = claim.latest { claim.earlier.append(latest) }
        claim.latest = DecisionState(
            seq: seq,
            granted: decided.fact.granted,
            date: date,
            validUntil: decided.fact.validUntil,
            level: recorded.level,
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
    mutating func regranted(_ claimSeq: Int64, from before: Money) {
        guard let claim = claims[claimSeq] else { return }
        let applicant = claim.applicant
        let after = claim.live ? claim.current : .zero
        let delta = after.fen - before.fen
        sums[claim.year, applicant].granted += delta
        if let project = claim.project {
            grantedByProject[ProjectKey(project: project, applicant: applicant), default: 0] += delta
        }
        guard let position = claims.index(of: claimSeq).map(Int64.init) else { return }
        var positions = quotaClaims[applicant].positions.filter { $0 != position }
        if after > .zero, claim.latest?.validUntil != nil { positions.append(position) }
        quotaClaims[applicant] = QuotaClaims(positions)
    }
}
