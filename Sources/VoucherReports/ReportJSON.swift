import VoucherDomain

/// The report's JSON, as `Codable` values: what `report --format json` prints. Amounts are
/// decimal strings in yuan (`"689000.00"`), counts integers; the keys are the report's published
/// names and stay as they are, so that scripts keep working.
struct ReportJSON: Encodable {
    /// An amount in yuan, as a decimal string.
    struct Yuan: Encodable {
        var money: Money

        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(money.decimalString())
        }
    }

    struct Identity: Encodable {
        var name: String
        var holds: Bool
        var difference: Yuan
    }

    struct Row: Encodable {
        var key: String
        /// The applicant's or provider's name (other breakdowns have none).
        var name: String?
        var uses: Int
        var serviceAmount: Yuan
        var used: Yuan
        var redeemed: Yuan

        enum CodingKeys: String, CodingKey {
            case key, name, uses, used, redeemed
            case serviceAmount = "service_amount"
        }
    }

    struct Reversal: Encodable {
        var event: Int64
        var date: String
        var reverses: Int64
        var kind: String
        var reason: String
        var actor: String
        var amount: Yuan
    }

    struct Override: Encodable {
        var party: String
        var name: String
        var reason: String
        var approvedBy: String

        enum CodingKeys: String, CodingKey {
            case party, name, reason
            case approvedBy = "approved_by"
        }
    }

    struct LateRedemption: Encodable {
        var filing: String
        var use: String
        var provider: String
        var deadline: String
        var filedOn: String
        var daysLate: Int

        enum CodingKeys: String, CodingKey {
            case filing, use, provider, deadline
            case filedOn = "filed_on"
            case daysLate = "days_late"
        }
    }

    struct SuspendedFiling: Encodable {
        var filing: String
        var provider: String
        var filedOn: String
        var suspendedFrom: String
        var reason: String

        enum CodingKeys: String, CodingKey {
            case filing, provider, reason
            case filedOn = "filed_on"
            case suspendedFrom = "suspended_from"
        }
    }

    struct OpenRecovery: Encodable {
        var use: String
        var applicant: String
        var since: String
        var owed: Yuan
        var received: Yuan
        var outstanding: Yuan
    }

    struct Exceptions: Encodable {
        var reversals: [Reversal]
        var overrides: [Override]
        var lateRedemptions: [LateRedemption]
        var suspendedFilings: [SuspendedFiling]
        var openRecoveries: [OpenRecovery]
        /// How many of each kind there are, listed or not.
        var counts: Counts

        enum CodingKeys: String, CodingKey {
            case reversals, overrides, counts
            case lateRedemptions = "late_redemptions"
            case suspendedFilings = "suspended_provider_filings"
            case openRecoveries = "open_recoveries"
        }
    }

    struct Counts: Encodable {
        var reversals: Int
        var overrides: Int
        var lateRedemptions: Int
        var suspendedFilings: Int
        var openRecoveries: Int

        enum CodingKeys: String, CodingKey {
            case reversals, overrides
            case lateRedemptions = "late_redemptions"
            case suspendedFilings = "suspended_provider_filings"
            case openRecoveries = "open_recoveries"
        }
    }

    var programme: String
    var nameZh: String
    var nameEn: String
    var kind: String
    var year: Int?
    var from: String?
    var to: String
    var applicants: Int
    var enterprisesServed: Int
    var uses: Int
    var providers: Int
    var products: Int
    var claimed: Yuan
    var serviceAmount: Yuan
    var used: Yuan
    var redeemed: Yuan
    var awaitingRedemption: Yuan
    var expired: Yuan
    var forfeited: Yuan
    var available: Yuan
    var recovered: Yuan
    var recoveryOutstanding: Yuan
    var usesOverRate: Int
    var negativeAccounts: [String]
    var chainHead: String
    var events: Int64
    var sentenceZh: String
    var sentenceEn: String
    var identities: [Identity]
    var breakdowns: [String: [Row]]
    var breakdownKeys: [String: Int]
    var exceptions: Exceptions
    var budget: Budget?

    struct Share: Encodable {
        var name: String
        var rate: String
        var amount: Yuan
    }

    struct Budget: Encodable {
        var appropriated: Yuan
        var event: Int64
        var recordedOn: String
        var shares: [Share]
        var committed: Yuan
        var used: Yuan
        var paid: Yuan
        var left: Yuan

        enum CodingKeys: String, CodingKey {
            case appropriated, event, shares, committed, used, paid, left
            case recordedOn = "recorded_on"
        }
    }

    enum CodingKeys: String, CodingKey {
        case programme, kind, year, from, to, applicants, uses, providers, products, claimed, used, redeemed, expired
        case forfeited, available, events, identities, breakdowns, exceptions, budget
        case nameZh = "name_zh"
        case nameEn = "name_en"
        case enterprisesServed = "enterprises_served"
        case serviceAmount = "service_amount"
        case awaitingRedemption = "awaiting_redemption"
        case usesOverRate = "uses_over_rate"
        case recovered
        case recoveryOutstanding = "recovery_outstanding"
        case negativeAccounts = "negative_accounts"
        case chainHead = "chain_head"
        case sentenceZh = "sentence_zh"
        case sentenceEn = "sentence_en"
        case breakdownKeys = "breakdown_keys"
    }

    /// `year` and `from` are written as null when absent, as the report always has.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(programme, forKey: .programme)
        try container.encode(nameZh, forKey: .nameZh)
        try container.encode(nameEn, forKey: .nameEn)
        try container.encode(kind, forKey: .kind)
        try container.encode(year, forKey: .year)
        try container.encode(from, forKey: .from)
        try container.encode(to, forKey: .to)
        try container.encode(applicants, forKey: .applicants)
        try container.encode(enterprisesServed, forKey: .enterprisesServed)
        try container.encode(uses, forKey: .uses)
        try container.encode(providers, forKey: .providers)
        try container.encode(products, forKey: .products)
        try container.encode(claimed, forKey: .claimed)
        try container.encode(serviceAmount, forKey: .serviceAmount)
        try container.encode(used, forKey: .used)
        try container.encode(redeemed, forKey: .redeemed)
        try container.encode(awaitingRedemption, forKey: .awaitingRedemption)
        try container.encode(expired, forKey: .expired)
        try container.encode(forfeited, forKey: .forfeited)
        try container.encode(available, forKey: .available)
        try container.encode(recovered, forKey: .recovered)
        try container.encode(recoveryOutstanding, forKey: .recoveryOutstanding)
        try container.encode(usesOverRate, forKey: .usesOverRate)
        try container.encode(negativeAccounts, forKey: .negativeAccounts)
        try container.encode(chainHead, forKey: .chainHead)
        try container.encode(events, forKey: .events)
        try container.encode(sentenceZh, forKey: .sentenceZh)
        try container.encode(sentenceEn, forKey: .sentenceEn)
        try container.encode(identities, forKey: .identities)
        try container.encode(breakdowns, forKey: .breakdowns)
        try container.encode(breakdownKeys, forKey: .breakdownKeys)
        try container.encode(exceptions, forKey: .exceptions)
        // null when no appropriation was recorded.
        try container.encode(budget, forKey: .budget)
    }

    init(_ report: ReconciliationReport) {
        let f = report.figures
        let span = report.span
        programme = report.programme.value
        nameZh = report.name.zh
        nameEn = report.name.en
        kind = f.kind.rawValue
        year = f.period.year
        from = span.from.isEmpty ? nil : span.from
        to = span.to
        applicants = f.applicants
        enterprisesServed = f.enterprisesServed
        uses = f.uses
        providers = f.providers
        products = f.products
        claimed = Yuan(money: f.claimed)
        serviceAmount = Yuan(money: f.serviceAmount)
        used = Yuan(money: f.used)
        redeemed = Yuan(money: f.redeemed)
        awaitingRedemption = Yuan(money: f.awaitingRedemption)
        expired = Yuan(money: f.expired)
        forfeited = Yuan(money: f.forfeited)
        available = Yuan(money: f.available)
        recovered = Yuan(money: f.recovered)
        recoveryOutstanding = Yuan(money: f.recoveryOutstanding)
        usesOverRate = f.usesOverRate
        negativeAccounts = f.negativeAccounts
        chainHead = f.chainHead.hash
        events = f.chainHead.events
        sentenceZh = report.openingSentence(.zh)
        sentenceEn = report.openingSentence(.en)
        identities = f.identities.map {
            Identity(name: $0.name, holds: $0.holds, difference: Yuan(money: $0.difference))
        }
        var rows: [String: [Row]] = [:]
        var keys: [String: Int] = [:]
        for (dimension, list) in report.breakdowns {
            rows[dimension.rawValue] = list.map {
                Row(
                    key: $0.key,
                    name: dimension == .applicant || dimension == .provider
                        ? report.partyNames[dimension]?[$0.key] : nil,
                    uses: $0.uses,
                    serviceAmount: Yuan(money: $0.serviceAmount),
                    used: Yuan(money: $0.used),
                    redeemed: Yuan(money: $0.redeemed)
                )
            }
            // Every key a breakdown has, listed or not (the applicants are listed largest first, up to a limit).
            keys[dimension.rawValue] = max(report.breakdownKeys[dimension] ?? 0, list.count)
        }
        breakdowns = rows
        breakdownKeys = keys
        budget = report.budget.map { fund in
            Budget(
                appropriated: Yuan(money: fund.appropriation.amount),
                event: fund.event,
                recordedOn: fund.recordedOn.iso,
                shares: fund.appropriation.shareAmounts.map {
                    Share(name: $0.share.name, rate: $0.share.rate.formatted(), amount: Yuan(money: $0.amount))
                },
                committed: Yuan(money: fund.committed),
                used: Yuan(money: fund.used),
                paid: Yuan(money: fund.paid),
                left: Yuan(money: fund.left)
            )
        }
        exceptions = Exceptions(
            reversals: report.exceptions.reversals.map {
                Reversal(
                    event: $0.event,
                    date: $0.date.iso,
                    reverses: $0.reversedEvent,
                    kind: $0.reversedKind,
                    reason: $0.reason,
                    actor: $0.actor,
                    amount: Yuan(money: $0.amount)
                )
            },
            overrides: report.exceptions.overrides.map {
                Override(party: $0.party, name: $0.name, reason: $0.reason, approvedBy: $0.approvedBy)
            },
            lateRedemptions: report.exceptions.lateRedemptions.map {
                LateRedemption(
                    filing: $0.filing,
                    use: $0.use,
                    provider: $0.provider,
                    deadline: $0.deadline.iso,
                    filedOn: $0.filedOn.iso,
                    daysLate: $0.daysLate
                )
            },
            suspendedFilings: report.exceptions.suspendedFilings.map {
                SuspendedFiling(
                    filing: $0.filing,
                    provider: $0.provider,
                    filedOn: $0.filedOn.iso,
                    suspendedFrom: $0.suspendedFrom.iso,
                    reason: $0.reason
                )
            },
            openRecoveries: report.exceptions.openRecoveries.map {
                OpenRecovery(
                    use: $0.use,
                    applicant: $0.applicant,
                    since: $0.since.iso,
                    owed: Yuan(money: $0.owed),
                    received: Yuan(money: $0.received),
                    outstanding: Yuan(money: $0.outstanding)
                )
            },
            counts: Counts(
                reversals: report.exceptions.counts.reversals,
                overrides: report.exceptions.counts.overrides,
                lateRedemptions: report.exceptions.counts.lateRedemptions,
                suspendedFilings: report.exceptions.counts.suspendedFilings,
                openRecoveries: report.exceptions.counts.openRecoveries
            )
        )
    }
}
