/// The subsidy computation of domain.md, pure: from the programme version in force on the date,
/// the applicant, what is asked for and what has been used so far, to a ``SubsidyDecision``.
///
/// The amount is the smallest of the limiting terms that apply to the basis:
///
/// | basis | terms |
/// | --- | --- |
/// | quota claim | requested, applicant's annual cap left, group's annual cap left, budget left |
/// | purchase | rate × eligible base, per-use cap, project cap left, quota left, applicant's and group's annual cap left |
/// | matching | rate × paid, per-use cap, project cap left, applicant's and group's annual cap left, budget left |
/// | grant | requested, applicant's and group's annual cap left, budget left |
///
/// A voucher draws on the budget when its quota is granted, so a purchase has no budget term.
/// The same call serves quotes and recorded uses; it records nothing.
public enum SubsidyEngine {
    public static func decide(
        programme: Programme,
        on date: BusinessDate,
        applicant: Applicant,
        basis: SubsidyBasis,
        usage: UsageSoFar = UsageSoFar()
    ) throws(SubsidyInputError) -> SubsidyDecision {
        try checkAmounts(basis: basis, usage: usage)
        var decision = SubsidyDecision(
            programme: programme.id,
            date: date,
            policyFrom: nil,
            amount: .zero,
            terms: [],
            binding: nil,
            ineligibility: nil
        )
        switch basis {
        case .quotaClaim, .grant: decision.isGrantLimit = true
        case .purchase, .matching: decision.isGrantLimit = false
        }
        guard let version = programme.version(on: date) else {
            decision.ineligibility = .noPolicyInForce(date: date)
            return decision
        }
        decision.policyFrom = version.effectiveFrom
        if let ineligibility = ineligibility(
            version: version,
            kind: programme.kind,
            applicant: applicant,
            date: date,
            basis: basis,
            usage: usage
        ) {
            decision.ineligibility = ineligibility
            return decision
        }
        do {
            decision.terms = try terms(version: version, applicant: applicant, basis: basis, usage: usage)
        } catch {
            throw .overflow(error)
        }
        // The first of the smallest binds: on a tie, the rate (or the request) rather than a cap.
        var smallest: Term?
        for term in decision.terms where term.limits {
            if let current = smallest, current.value <= term.value { continue }
            smallest = term
        }
        if let smallest {
            decision.amount = smallest.value
            decision.binding = smallest.kind
        }
        return decision
    }

    // MARK: - Eligibility

    private static func ineligibility(
        version: PolicyVersion,
        kind: ProgrammeKind,
        applicant: Applicant,
        date: BusinessDate,
        basis: SubsidyBasis,
        usage: UsageSoFar
    ) -> Ineligibility? {
        if basis.programmeKind != kind { return .wrongProgrammeKind(programme: kind, requested: basis.programmeKind) }
        let eligibility = version.eligibility
        if let kinds = eligibility.applicantKinds, !kinds.value.contains(applicant.kind) {
            return .applicantKind(applicant.kind, allowed: kinds.value.sorted(), source: kinds.source)
        }
        guard case .purchase(let purchase) = basis else { return nil }
        // Names are compared without regard to case: a category or region typed `Testing` or
        // `Shanghai` is the policy's `testing` or `shanghai`.
        func names(_ list: Set<String>, include name: String) -> Bool {
            if list.contains(name) { return true }
            let lower = name.lowercased()
            return list.contains { $0.lowercased() == lower }
        }
        if let categories = eligibility.productCategories, !names(categories.value, include: purchase.productCategory) {
            return .productCategory(
                purchase.productCategory,
                allowed: categories.value.sorted(),
                source: categories.source
            )
        }
        if let regions = eligibility.providerRegions, !names(regions.value, include: purchase.providerRegion) {
            return .providerRegion(purchase.providerRegion, allowed: regions.value.sorted(), source: regions.source)
        }
        guard let quota = usage.quota else { return .noQuota }
        if date < quota.validFrom { return .quotaNotYetValid(validFrom: quota.validFrom) }
        if date > quota.validUntil { return .quotaExpired(validUntil: quota.validUntil) }
        return nil
    }

    // MARK: - Terms

    private static func terms(
        version: PolicyVersion,
        applicant: Applicant,
        basis: SubsidyBasis,
        usage: UsageSoFar
    ) throws(MoneyError) -> [Term] {
        // Made with room for every term (at most eight), and caps that are absent add nothing: no
        // list is grown or made per term, for every use decided.
        var terms: [Term] = []
        terms.reserveCapacity(8)
        func add(_ term: Term?) { if let term { terms.append(term) } }
        let caps = version.caps
        switch basis {
        case .quotaClaim(let requested), .grant(let requested):
            terms.append(Term(kind: .requested, value: requested, detail: .amount, limits: true))
        case .purchase(let purchase):
            var base = purchase.serviceAmount
            if let eligible = purchase.eligibleAmount, eligible != purchase.serviceAmount {
                terms.append(Term(kind: .eligiblePart, value: eligible, detail: .eligiblePart(of: base), limits: false))
                base = eligible
            }
            if case .exclusive(let vat) = version.taxBase.value {
                let excluded = try taxExclusive(base, purchase: purchase, vat: vat, source: version.taxBase.source)
                terms.append(excluded)
                base = excluded.value
            }
            terms.append(try rateTerm(version: version, base: base))
            add(capTerm(.perUseCap, caps.perUse))
            add(capLeftTerm(.projectCapLeft, caps.perProject, counted: usage.projectToDate))
        case .matching(let paid, _):
            terms.append(try rateTerm(version: version, base: paid))
            add(capTerm(.perUseCap, caps.perUse))
            add(capLeftTerm(.projectCapLeft, caps.perProject, counted: usage.projectToDate))
        }
        if case .purchase = basis, let quota = usage.quota {
            terms.append(Term(kind: .quotaLeft, value: quota.left, detail: .quota(quota), limits: true))
        }
        add(
            capLeftTerm(
                .applicantCapLeft,
                caps.perApplicantPerYear[applicant.kind],
                counted: usage.applicantThisYear,
                applicantKind: applicant.kind
            )
        )
        if applicant.group != nil {
            add(capLeftTerm(.groupCapLeft, caps.perGroupPerYear, counted: usage.groupThisYear))
        }
        if case .purchase = basis {
        } else {
            add(capLeftTerm(.budgetLeft, caps.budgetPerYear, counted: usage.budgetThisYear))
        }
        return terms
    }

    private static func rateTerm(version: PolicyVersion, base: Money) throws(MoneyError) -> Term {
        // validate(for:) guarantees a rate for vouchers and matching, the only bases that reach here.
        let rate = version.rate ?? Sourced(.hundredPercent)
        let rounding = version.rounding.value
        let rounded = try rate.value.apply(to: base, rounding: rounding)
        return Term(
            kind: .rate,
            value: rounded,
            detail: .rate(rate.value, base: base, rounding: rounding),
            source: rate.source,
            limits: true
        )
    }

    private static func taxExclusive(
        _ gross: Money,
        purchase: Purchase,
        vat: Rate,
        source: Source?
    ) throws(MoneyError)
        -> Term
    {
        if let tax = purchase.taxAmount {
            // The stated tax is on the whole invoice; an eligible part keeps its share of the net,
            // rounded down like every other base so that the rate never pays more than it allows.
            let netOfWhole = try purchase.serviceAmount.subtracting(tax)
            let net =
                gross == purchase.serviceAmount || purchase.serviceAmount.fen == 0
                ? netOfWhole
                : try gross.scaled(by: netOfWhole.fen, over: purchase.serviceAmount.fen, rounding: .downToFen)
            let share = try gross.subtracting(net)
            return Term(
                kind: .taxExclusive,
                value: net,
                detail: .taxDeducted(gross: gross, tax: share),
                source: source,
                limits: false
            )
        }
        let net = try gross.scaled(by: 10_000, over: 10_000 + vat.basisPoints, rounding: .downToFen)
        return Term(
            kind: .taxExclusive,
            value: net,
            detail: .taxDivided(gross: gross, vat: vat),
            source: source,
            limits: false
        )
    }

    private static func capTerm(_ kind: Term.Kind, _ cap: Sourced<Money>?) -> Term? {
        guard let cap else { return nil }
        return Term(kind: kind, value: cap.value, detail: .cap(cap.value), source: cap.source, limits: true)
    }

    private static func capLeftTerm(
        _ kind: Term.Kind,
        _ cap: Sourced<Money>?,
        counted: Money,
        applicantKind: ApplicantKind? = nil
    ) -> Term? {
        guard let cap else { return nil }
        return Term(
            kind: kind,
            value: cap.value.remaining(after: counted),
            detail: .capLeft(cap: cap.value, counted: counted, applicantKind: applicantKind),
            source: cap.source,
            limits: true
        )
    }

    private static func checkAmounts(basis: SubsidyBasis, usage: UsageSoFar) throws(SubsidyInputError) {
        // Each amount checked in turn, no list made: this runs for every use decided.
        func check(_ field: String, _ amount: Money) throws(SubsidyInputError) {
            if amount.isNegative { throw .negative(field: field, amount: amount) }
        }
        try check("applicant_this_year", usage.applicantThisYear)
        try check("group_this_year", usage.groupThisYear)
        try check("project_to_date", usage.projectToDate)
        try check("budget_this_year", usage.budgetThisYear)
        if let quota = usage.quota {
            try check("quota.granted", quota.granted)
            try check("quota.left", quota.left)
        }
        switch basis {
        case .quotaClaim(let requested), .grant(let requested): try check("requested", requested)
        case .matching(let paid, _): try check("paid", paid)
        case .purchase: break  // Purchase checks its own amounts when made.
        }
    }
}
