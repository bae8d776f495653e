/// Everything a ledger holds about one applicant up to one event, for an auditor (`voucher dossier`):
/// its registrations, claims, decisions, uses, redemptions, payments, recoveries and the events
/// that recorded them, each with the fields its hash covers. The same ledger, scope and head always
/// give the same dossier, so that `voucher verify --dossier` can make it again and compare.
public struct Dossier: Sendable, Hashable {
    /// Whose dossier, and of which programme and year (nil: all).
    public struct Scope: Sendable, Hashable {
        public var applicant: String
        public var programme: String?
        public var year: Int?

        public init(applicant: String, programme: String? = nil, year: Int? = nil) {
            self.applicant = applicant
            self.programme = programme
            self.year = year
        }
    }

    /// An event as stored: every field its hash covers (docs/ledger.md), postings included.
    public struct Event: Sendable, Hashable {
        public struct Posting: Sendable, Hashable {
            public var line: Int64
            public var account: String
            public var amount: Money

            public init(line: Int64, account: String, amount: Money) {
                self.line = line
                self.account = account
                self.amount = amount
            }
        }

        public var seq: Int64
        public var kind: String
        public var businessDate: String
        public var recordedAt: String
        public var actor: String
        public var idempotencyKey: String
        public var requestHash: String
        public var programme: String?
        public var policyHash: String?
        public var reverses: Int64?
        public var payload: String
        public var explanation: String?
        public var postings: [Posting]
        public var prevHash: String
        public var hash: String
        /// A filing or an expiry that covers other applicants too: its payload and explanation are
        /// left out, and its postings are this applicant's only; its hash is checked against the ledger.
        public var withheld: Bool = false

        public init(
            seq: Int64,
            kind: String,
            businessDate: String,
            recordedAt: String,
            actor: String,
            idempotencyKey: String,
            requestHash: String,
            programme: String?,
            policyHash: String?,
            reverses: Int64?,
            payload: String,
            explanation: String?,
            postings: [Posting],
            prevHash: String,
            hash: String
        ) {
            self.seq = seq
            self.kind = kind
            self.businessDate = businessDate
            self.recordedAt = recordedAt
            self.actor = actor
            self.idempotencyKey = idempotencyKey
            self.requestHash = requestHash
            self.programme = programme
            self.policyHash = policyHash
            self.reverses = reverses
            self.payload = payload
            self.explanation = explanation
            self.postings = postings
            self.prevHash = prevHash
            self.hash = hash
        }
    }

    public struct Registration: Sendable, Hashable {
        public var seq: Int64
        public var kind: String
        public var name: String
        public var district: String
        public var region: String
        public var group: String?
        public var attributes: String?

        public init(
            seq: Int64,
            kind: String,
            name: String,
            district: String,
            region: String,
            group: String?,
            attributes: String?
        ) {
            self.seq = seq
            self.kind = kind
            self.name = name
            self.district = district
            self.region = region
            self.group = group
            self.attributes = attributes
        }
    }

    public struct Claim: Sendable, Hashable {
        public var seq: Int64
        public var ref: String
        public var programme: String
        public var year: Int
        public var requested: Money
        public var project: String?

        public init(seq: Int64, ref: String, programme: String, year: Int, requested: Money, project: String?) {
            self.seq = seq
            self.ref = ref
            self.programme = programme
            self.year = year
            self.requested = requested
            self.project = project
        }
    }

    public struct Decision: Sendable, Hashable {
        public var seq: Int64
        public var claimRef: String
        public var level: String
        public var outcome: String
        public var granted: Money
        public var reviewer: String
        public var reason: String?
        public var validUntil: String?

        public init(
            seq: Int64,
            claimRef: String,
            level: String,
            outcome: String,
            granted: Money,
            reviewer: String,
            reason: String?,
            validUntil: String?
        ) {
            self.seq = seq
            self.claimRef = claimRef
            self.level = level
            self.outcome = outcome
            self.granted = granted
            self.reviewer = reviewer
            self.reason = reason
            self.validUntil = validUntil
        }
    }

    public struct Use: Sendable, Hashable {
        public var seq: Int64
        public var ref: String
        public var claimRef: String
        public var usedOn: String
        public var provider: String
        public var product: String
        public var category: String
        public var providerRegion: String
        public var project: String?
        public var invoice: String?
        public var serviceAmount: Money
        public var eligibleAmount: Money?
        public var taxAmount: Money?
        public var rateBasisPoints: Int
        public var amount: Money
        public var redemptionDeadline: String?
        /// The engine's explanation of the amount, as its event stores it.
        public var explanation: String?

        public init(
            seq: Int64,
            ref: String,
            claimRef: String,
            usedOn: String,
            provider: String,
            product: String,
            category: String,
            providerRegion: String,
            project: String?,
            invoice: String?,
            serviceAmount: Money,
            eligibleAmount: Money?,
            taxAmount: Money?,
            rateBasisPoints: Int,
            amount: Money,
            redemptionDeadline: String?,
            explanation: String?
        ) {
            self.seq = seq
            self.ref = ref
            self.claimRef = claimRef
            self.usedOn = usedOn
            self.provider = provider
            self.product = product
            self.category = category
            self.providerRegion = providerRegion
            self.project = project
            self.invoice = invoice
            self.serviceAmount = serviceAmount
            self.eligibleAmount = eligibleAmount
            self.taxAmount = taxAmount
            self.rateBasisPoints = rateBasisPoints
            self.amount = amount
            self.redemptionDeadline = redemptionDeadline
            self.explanation = explanation
        }
    }

    /// A use filed for redemption, and how the filing was settled (nil: not yet).
    public struct Redemption: Sendable, Hashable {
        public struct Settlement: Sendable, Hashable {
            public var seq: Int64
            public var outcome: String
            public var paid: Money
            public var unpaid: Money
            public var unpaidEffect: String
            public var reason: String?

            public init(seq: Int64, outcome: String, paid: Money, unpaid: Money, unpaidEffect: String, reason: String?)
            {
                self.seq = seq
                self.outcome = outcome
                self.paid = paid
                self.unpaid = unpaid
                self.unpaidEffect = unpaidEffect
                self.reason = reason
            }
        }

        public var filingSeq: Int64
        public var filingRef: String
        public var provider: String
        public var useRef: String
        public var pastDeadline: Bool
        public var settlements: [Settlement]

        public init(
            filingSeq: Int64,
            filingRef: String,
            provider: String,
            useRef: String,
            pastDeadline: Bool,
            settlements: [Settlement]
        ) {
            self.filingSeq = filingSeq
            self.filingRef = filingRef
            self.provider = provider
            self.useRef = useRef
            self.pastDeadline = pastDeadline
            self.settlements = settlements
        }
    }

    public struct Payment: Sendable, Hashable {
        public var seq: Int64
        public var claimRef: String
        public var amount: Money

        public init(seq: Int64, claimRef: String, amount: Money) {
            self.seq = seq
            self.claimRef = claimRef
            self.amount = amount
        }
    }

    /// Money owed back on a use (with the reason), or received back (no reason).
    public struct Recovery: Sendable, Hashable {
        public var seq: Int64
        public var received: Bool
        public var useRef: String
        public var amount: Money
        public var reason: String?

        public init(seq: Int64, received: Bool, useRef: String, amount: Money, reason: String?) {
            self.seq = seq
            self.received = received
            self.useRef = useRef
            self.amount = amount
            self.reason = reason
        }
    }

    public var scope: Scope
    /// The ledger's chain head when the dossier was made: its last event's number and hash.
    public var head: ChainHead
    /// The events below, with the expiries that lapsed the applicant's quotas and the reversals of
    /// any of them, in order. A filing or an expiry that covers other applicants too is ``Event/withheld``.
    public var events: [Event]
    public var registrations: [Registration]
    public var claims: [Claim]
    public var decisions: [Decision]
    public var uses: [Use]
    public var redemptions: [Redemption]
    public var payments: [Payment]
    public var recoveries: [Recovery]

    public init(
        scope: Scope,
        head: ChainHead,
        events: [Event],
        registrations: [Registration],
        claims: [Claim],
        decisions: [Decision],
        uses: [Use],
        redemptions: [Redemption],
        payments: [Payment],
        recoveries: [Recovery]
    ) {
        self.scope = scope
        self.head = head
        self.events = events
        self.registrations = registrations
        self.claims = claims
        self.decisions = decisions
        self.uses = uses
        self.redemptions = redemptions
        self.payments = payments
        self.recoveries = recoveries
    }

    /// Which event reversed each reversed event of the dossier.
    public var reversedBy: [Int64: Int64] {
        var reversed: [Int64: Int64] = [:]
        for event in events { if let target = event.reverses { reversed[target] = event.seq } }
        return reversed
    }
}
