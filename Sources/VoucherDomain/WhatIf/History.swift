/// A programme's recorded history as a what-if replay reads it: each event with what was asked
/// and what the ledger decided, in the order recorded. Storage loads it; ``Replay`` runs it
/// through the rules again.
///
/// Each party comes with a key: a small number the reader gives each applicant (provider,
/// product) id, the same for the same id, counting up from 0 in the order first read (a
/// registration before anything else of its applicant). The replay keeps its tables by these
/// keys, in arrays, instead of hashing ids.
public indirect enum HistoryEvent: Sendable, Hashable {
    /// An applicant registered (or registered again): its kind and group from then on.
    case registration(seq: Int64, applicant: Applicant, key: Int32)
    case claim(seq: Int64, date: BusinessDate, fact: ClaimFact, applicant: Int32)
    case decision(seq: Int64, date: BusinessDate, claimSeq: Int64, fact: DecisionFact)
    /// A use as recorded: what was bought, and the amount the ledger computed then.
    case use(seq: Int64, fact: UseFact, keys: PartyKeys)
    /// A settlement, with the facts of the use it settles that settling needs, as recorded: its
    /// reference, year, applicant, provider, project and date (the other fields are empty).
    case settlement(seq: Int64, useSeq: Int64, fact: SettlementFact, use: UseFact, applicant: Int32)
    case payment(seq: Int64, date: BusinessDate, claimSeq: Int64, amount: Money)
    case expiry(seq: Int64, date: BusinessDate)
    case reversal(seq: Int64, date: BusinessDate, reverses: Int64)

    /// The event's sequence number in the ledger.
    public var seq: Int64 {
        switch self {
        case .registration(let seq, _, _), .claim(let seq, _, _, _), .decision(let seq, _, _, _),
            .use(let seq, _, _),
            .settlement(let seq, _, _, _, _), .payment(let seq, _, _, _), .expiry(let seq, _), .reversal(let seq, _, _):
            seq
        }
    }
}

/// The keys of a use's applicant, provider and product (see ``HistoryEvent``).
public struct PartyKeys: Sendable, Hashable {
    public var applicant: Int32
    public var provider: Int32
    public var product: Int32

    public init(applicant: Int32, provider: Int32, product: Int32) {
        self.applicant = applicant
        self.provider = provider
        self.product = product
    }
}

/// An event whose outcome a reform changes: what the ledger recorded and what the reform would
/// have recorded instead.
public struct ReplayChange: Sendable, Hashable {
    public enum What: Sendable, Hashable {
        /// A grant above what the reform allows, lowered to that (`binding`: the term that bound).
        case grantCapped(binding: String?)
        /// A claim or grant the reform refuses outright: a code or the rule's English (what the
        /// JSON says), and the rule's words in both languages.
        case refused(reason: String, words: LocalizedText)
        /// A use that would now pay nothing, or is not eligible, likewise.
        case useRefused(reason: String, words: LocalizedText)
        /// A reduced redemption whose paid amount was above the reform's use amount.
        case reductionCapped
        /// A payment above what is left of the reform's grant.
        case paymentCapped
    }

    public var seq: Int64
    public var kind: EventKind
    /// The claim's or the use's reference.
    public var ref: String
    public var applicant: String
    public var what: What
    /// The amount the ledger recorded, and the amount under the reform.
    public var recorded: Money
    public var reform: Money

    public init(
        seq: Int64,
        kind: EventKind,
        ref: String,
        applicant: String,
        what: What,
        recorded: Money,
        reform: Money
    ) {
        self.seq = seq
        self.kind = kind
        self.ref = ref
        self.applicant = applicant
        self.what = what
        self.recorded = recorded
        self.reform = reform
    }
}

/// What a replay of one programme year arrives at.
public struct ReplayOutcome: Sendable, Hashable {
    /// The report's figures of the year, as the replay posted them.
    public var figures: ReconciliationFigures
    /// Amount used (net of what was returned to the quota) by applicant, and by month of use
    /// (`2022-05`); for matching and grant programmes, amount paid, by applicant and by month of
    /// payment.
    public var usedByApplicant: [String: Money]
    public var usedByMonth: [String: Money]
    /// How many of the year's live uses each term bound (`rate`, `quota-left`, `per-use-cap` …);
    /// for matching and grant programmes, how many current grants each term bounded (the most a
    /// reviewer could grant).
    public var binding: [String: Int]
    /// The events whose outcome differs from the ledger's, in the order recorded.
    public var changes: [ReplayChange]
    /// How many of the year's uses were recorded with another amount than the replay's.
    public var usesWithOtherAmount: Int
}

/// Whether a replay reproduces the ledger.
public enum WhatIfCheck {
    /// The figures in which `replayed` differs from the ledger's `recorded` figures of the same
    /// programme year, as `used 100.00 ≠ 90.00`; nil when every one agrees.
    public static func difference(replayed: ReconciliationFigures, recorded: ReconciliationFigures) -> String? {
        func money(_ name: String, _ a: Money, _ b: Money) -> (String, String, String) {
            (name, a.formatted(), b.formatted())
        }
        func count(_ name: String, _ a: Int, _ b: Int) -> (String, String, String) { (name, String(a), String(b)) }
        let pairs = [
            money("claimed", replayed.claimed, recorded.claimed),
            money("service_amount", replayed.serviceAmount, recorded.serviceAmount),
            money("used", replayed.used, recorded.used),
            money("redeemed", replayed.redeemed, recorded.redeemed),
            money("awaiting_redemption", replayed.awaitingRedemption, recorded.awaitingRedemption),
            money("expired", replayed.expired, recorded.expired),
            money("forfeited", replayed.forfeited, recorded.forfeited),
            money("available", replayed.available, recorded.available),
            count("applicants", replayed.applicants, recorded.applicants),
            count("enterprises_served", replayed.enterprisesServed, recorded.enterprisesServed),
            count("uses", replayed.uses, recorded.uses),
            count("providers", replayed.providers, recorded.providers),
            count("products", replayed.products, recorded.products),
        ]
        let differing = pairs.filter { $0.1 != $0.2 }.map { "\($0.0) \($0.1) ≠ \($0.2)" }
        return differing.isEmpty ? nil : differing.joined(separator: ", ")
    }
}
