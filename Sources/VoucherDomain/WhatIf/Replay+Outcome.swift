// What a replay arrives at (``Replay/outcome(chainHead:)``).

extension Replay {
    // MARK: The outcome

    /// ``outcome(chainHead:)``, having first let go of the tables it does not read (the uses'
    /// amounts, the quotas, the parties' details): when replays finish side by side, each holds
    /// less while it counts.
    public mutating func finish(chainHead: ChainHead) -> ReplayOutcome {
        (useSeqs, useAmounts, useReturned, useYears, undo) = (IncreasingSeqs(), [], [:], [:], [:])
        (quotaClaims, kinds) = (DenseTable(empty: .none), DenseTable(empty: .enterprise))
        (groupNumbers, districtNumbers) = (DenseTable(empty: -1), DenseTable(empty: -1))
        (attributes, groupMembers, usedByProject, grantedByProject) = ([:], [:], [:], [:])
        return outcome(chainHead: chainHead)
    }

    /// The year's figures and breakdowns as the replay recorded them; `chainHead` is the ledger's
    /// the history was read at.
    public func outcome(chainHead: ChainHead) -> ReplayOutcome {
        var figures = ReconciliationFigures(
            programme: programme.id,
            kind: programme.kind,
            period: .year(year),
            chainHead: chainHead
        )
        func total(_ kind: LedgerAccount.Kind) -> Money { Money(fen: totals[kind]) }
        figures.claimed = Money(fen: -totals[.budget])
        figures.redeemed = total(.paid)
        figures.awaitingRedemption = total(.awaiting)
        figures.expired = total(.lapsed)
        figures.forfeited = total(.forfeited)
        figures.available = total(.quota)
        // Counted in one pass over the claims (no copy of them: there may be hundreds of thousands).
        var granted = Set<Int32>()
        var paidOnClaims: Int64 = 0
        var grantBinding: [String: Int] = [:]
        for claim in claims.values where claim.live && claim.year == year {
            if claim.current > .zero {
                granted.insert(claim.applicant)
                grantBinding[claim.latest?.binding?.rawValue ?? "none", default: 0] += 1
            }
            paidOnClaims += claim.feesPaid?.fen ?? 0
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
        // Made its size at once: grown by doubling, each step would leave the last table behind.
        var byApplicant: [String: Money] = Dictionary(minimumCapacity: figures.enterprisesServed)
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
        for (term, count) in binding.all where count > 0 { bound[term?.rawValue ?? "none"] = count }
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
