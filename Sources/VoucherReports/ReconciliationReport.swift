import VoucherDomain

/// Everything the annual reconciliation report shows: the programme, its figures with the
/// identities checked, the breakdowns, the exceptions and the chain head it was produced from.
public struct ReconciliationReport: Sendable, Hashable {
    public var programme: ProgrammeID
    public var name: LocalizedText
    public var figures: ReconciliationFigures
    public var breakdowns: [BreakdownDimension: [BreakdownRow]]
    /// How many keys each breakdown has, when it lists fewer (the report lists the largest
    /// applicants only); a dimension not given lists every key.
    public var breakdownKeys: [BreakdownDimension: Int]
    public var exceptions: ReportExceptions
    /// The names of the applicants and providers the breakdowns list, by dimension and key.
    public var partyNames: [BreakdownDimension: [String: String]]
    /// The year's fund, when an appropriation was recorded.
    public var budget: BudgetFigures?

    public init(
        programme: ProgrammeID,
        name: LocalizedText,
        figures: ReconciliationFigures,
        breakdowns: [BreakdownDimension: [BreakdownRow]],
        breakdownKeys: [BreakdownDimension: Int] = [:],
        exceptions: ReportExceptions,
        partyNames: [BreakdownDimension: [String: String]] = [:],
        budget: BudgetFigures? = nil
    ) {
        self.budget = budget
        self.programme = programme
        self.name = name
        self.figures = figures
        self.breakdowns = breakdowns
        self.breakdownKeys = breakdownKeys
        self.exceptions = exceptions
        self.partyNames = partyNames
    }

    /// What a breakdown row's key stands for, in a language: an applicant's or provider's name, a
    /// category's or region's label; nil for a month (its key says it).
    public func keyName(_ dimension: BreakdownDimension, _ key: String, language: Language) -> String? {
        Self.keyName(dimension, key, language: language, names: partyNames[dimension] ?? [:])
    }

    static func keyName(
        _ dimension: BreakdownDimension,
        _ key: String,
        language: Language,
        names: [String: String]
    ) -> String? {
        switch dimension {
        case .applicant, .provider: names[key] ?? ""
        case .category, .region: ReportWords(language).label(dimension, key)
        case .month: nil
        }
    }

    /// The fund's rows, in the order the report lists them: appropriated, each share, committed,
    /// used, paid, left. Empty when no appropriation was recorded.
    func budgetRows(_ language: Language) -> [(label: String, money: Money)] {
        guard let budget else { return [] }
        let words = ReportWords(language)
        return [(words.appropriated(event: budget.event, on: budget.recordedOn), budget.appropriation.amount)]
            + budget.appropriation.shareAmounts.map { (words.share($0.share), $0.amount) }
            + [(words.committed, budget.committed)]
            // Matching and grants are paid, not used.
            + (figures.kind == .voucher ? [(words.budgetUsed, budget.used)] : [])
            + [(words.paid, budget.paid), (words.budgetLeft, budget.left)]
    }

    /// The keys of a breakdown that it does not list.
    public func keysNotListed(_ dimension: BreakdownDimension) -> Int {
        max(0, (breakdownKeys[dimension] ?? 0) - (breakdowns[dimension]?.count ?? 0))
    }

    /// The output formats.
    public enum Format: String, Sendable, CaseIterable {
        case text
        case markdown
        case csv
        case json
        case html
    }

    /// The report in a format and language.
    public func render(_ format: Format, language: Language) -> String {
        switch format {
        case .text: text(language)
        case .markdown: markdown(language)
        case .csv: csv(language)
        case .json: json()
        case .html: html(language)
        }
    }

    /// The first and last day the figures cover.
    public var span: (from: String, to: String) {
        if let year = figures.period.year {
            let end = "\(year)-12-31"
            let through = figures.period.through.iso
            return ("\(year)-01-01", through < end ? through : end)
        }
        return ("", figures.period.through.iso)
    }

    /// The sentence officials open the report with, its 万元 to two decimals at most as they write
    /// them (the tables keep every fen), e.g.
    /// `截至2022年12月31日，累计服务企业118家，申领2360万元，服务机构54家，产品205个，用券金额441.3万元，兑付金额256.48万元。`
    public func openingSentence(_ language: Language) -> String {
        let f = figures
        let name = self.name.text(language)
        if language == .zh {
            if f.kind != .voucher {
                let when = f.period.year.map { "\($0)年" } ?? "截至\(chineseDate(f.period.through))"
                return
                    "\(when)，\(name)共资助企业\(f.applicants)家，核定\(f.claimed.formattedWan(decimals: 2))，已拨付\(f.redeemed.formattedWan(decimals: 2))。"
            }
            if let year = f.period.year {
                return
                    "\(year)年，区内企业共\(f.enterprisesServed)家\(f.uses)次使用\(name)，服务金额\(f.serviceAmount.formattedWan(decimals: 2))，"
                    + "补贴金额\(f.used.formattedWan(decimals: 2))；申领\(f.claimed.formattedWan(decimals: 2))，兑付金额\(f.redeemed.formattedWan(decimals: 2))。"
            }
            return
                "截至\(chineseDate(f.period.through))，累计服务企业\(f.enterprisesServed)家，申领\(f.claimed.formattedWan(decimals: 2))，"
                + "服务机构\(f.providers)家，产品\(f.products)个，用券金额\(f.used.formattedWan(decimals: 2))，兑付金额\(f.redeemed.formattedWan(decimals: 2))。"
        }
        func both(_ money: Money) -> String { "\(money.formattedWan(decimals: 2)) (\(money.formatted()))" }
        func enterprises(_ count: Int) -> String { count == 1 ? "1 enterprise" : "\(count) enterprises" }
        func times(_ count: Int) -> String { count == 1 ? "once" : "\(count) times" }
        if f.kind != .voucher {
            let when = f.period.year.map { "In \($0)" } ?? "Through \(f.period.through)"
            return "\(when), the \(name) supported \(enterprises(f.applicants)): granted \(both(f.claimed)), "
                + "paid \(both(f.redeemed))."
        }
        if let year = f.period.year {
            return "In \(year), \(enterprises(f.enterprisesServed)) used the \(name) \(times(f.uses)): "
                + "service amount \(both(f.serviceAmount)), subsidy \(both(f.used)); claimed \(both(f.claimed)), "
                + "redeemed \(both(f.redeemed))."
        }
        return "Through \(f.period.through): served \(enterprises(f.enterprisesServed)), claimed \(both(f.claimed)), "
            + "\(f.providers) providers, \(f.products) products, used \(both(f.used)), redeemed \(both(f.redeemed))."
    }

    private func chineseDate(_ date: BusinessDate) -> String {
        date == .latest ? "目前" : "\(date.year)年\(date.month)月\(date.day)日"
    }

    /// The figures as (label, value) rows, in the order the report lists them. A grant or
    /// matching programme is paid, not used and redeemed: its rows say granted, paid and left to
    /// pay, and the voucher's rows that cannot apply to it (providers, products, awaiting
    /// redemption, expired, forfeited) are listed only if they are not zero, which would be a
    /// fault worth seeing.
    func figureRows(_ language: Language) -> [(label: String, count: Int?, money: Money?)] {
        let words = ReportWords(language)
        let f = figures
        let recoveries: [(label: String, count: Int?, money: Money?)] =
            f.recoveryOwed == .zero
            ? []
            : [
                (words.recoveryOwed, nil, f.recoveryOwed), (words.recovered, nil, f.recovered),
                (words.recoveryOutstanding, nil, f.recoveryOutstanding),
            ]
        guard f.kind == .voucher else {
            // A grant may state what its project paid (`--paid`); matching always does.
            let spending: [(label: String, count: Int?, money: Money?)] =
                f.kind == .matching || f.serviceAmount != .zero ? [(words.projectSpending, nil, f.serviceAmount)] : []
            let unexpected: [(label: String, count: Int?, money: Money?)] =
                [
                    (words.providers, f.providers, nil), (words.products, f.products, nil),
                ].filter { $0.1 != 0 }
                + [
                    (words.used, nil, f.used == f.redeemed ? nil : f.used),
                    (words.awaiting, nil, f.awaitingRedemption), (words.expired, nil, f.expired),
                    (words.forfeited, nil, f.forfeited),
                ].filter { $0.2 != nil && $0.2 != .zero }
            return [
                (words.applicantsGranted, f.applicants, nil), (words.applicantsPaid, f.enterprisesServed, nil),
                (words.uses(f.kind), f.uses, nil), (words.granted, nil, f.claimed),
            ]
                + spending
                + [(words.paidOut, nil, f.redeemed), (words.leftToPay, nil, f.available)] + unexpected + recoveries
        }
        return [
            (words.applicants, f.applicants, nil), (words.enterprisesServed, f.enterprisesServed, nil),
            (words.uses(f.kind), f.uses, nil), (words.providers, f.providers, nil), (words.products, f.products, nil),
            (words.claimed, nil, f.claimed), (words.serviceAmount, nil, f.serviceAmount), (words.used, nil, f.used),
            (words.redeemed, nil, f.redeemed), (words.awaiting, nil, f.awaitingRedemption),
            (words.expired, nil, f.expired),
            (words.forfeited, nil, f.forfeited), (words.available, nil, f.available),
        ]
            // Recoveries, where there are any: what was found owed back on paid uses, and received.
            + recoveries
    }
}
