/// An event the rules have decided to record: its facts as its hash will cover them, its postings,
/// and what explains its amount. Storage gives it a sequence number, links it to the chain and
/// writes it with its fact rows, in one transaction.
public struct EventDraft: Sendable, Hashable {
    public var kind: EventKind
    public var programme: ProgrammeID?
    /// The policy version the event applied; the event records its hash.
    public var policyVersion: PolicyVersion?
    /// The event this one cancels (reversals only).
    public var reverses: Int64?
    /// The facts, as hashed. Fact tables hold the same facts; verification compares them.
    public var payload: CanonicalJSON
    public var explanation: CanonicalJSON?
    public var postings: [Posting]
    /// The computed amount, for events that compute one.
    public var amount: Money?

    public init(
        kind: EventKind,
        programme: ProgrammeID? = nil,
        policyVersion: PolicyVersion? = nil,
        reverses: Int64? = nil,
        payload: CanonicalJSON,
        explanation: CanonicalJSON? = nil,
        postings: [Posting] = [],
        amount: Money? = nil
    ) {
        self.kind = kind
        self.programme = programme
        self.policyVersion = policyVersion
        self.reverses = reverses
        self.payload = payload
        self.explanation = explanation
        self.postings = postings
        self.amount = amount
    }
}

/// An explanation as the ledger stores it beside the event.
public struct StoredExplanation: Sendable, Hashable {
    public init(zh: [String], en: [String], amount: Money?) {
        self.zh = zh
        self.en = en
        self.amount = amount
    }

    public var zh: [String]
    public var en: [String]
    /// The amount the explanation arrives at.
    public var amount: Money?

    public func lines(_ language: Language) -> [String] { language == .zh ? zh : en }
}

extension StoredExplanation {
    /// The JSON stored beside an event for a decision of the engine.
    public static func json(for decision: SubsidyDecision) -> CanonicalJSON {
        .object([
            "amount": .money(decision.amount),
            "binding": .optional(decision.binding?.rawValue),
            "ineligible": .optional(decision.ineligibility?.code),
            "policy_from": .optional(decision.policyFrom?.iso),
            "en": .array(decision.explanation(.en).map { .string($0) }),
            "zh": .array(decision.explanation(.zh).map { .string($0) }),
        ])
    }

    /// The JSON stored for an amount that is stated, not computed (a payment, a settlement).
    public static func json(amount: Money, en: [String], zh: [String]) -> CanonicalJSON {
        .object([
            "amount": .money(amount), "en": .array(en.map { .string($0) }), "zh": .array(zh.map { .string($0) }),
        ])
    }
}
