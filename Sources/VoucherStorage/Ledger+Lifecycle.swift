import GRDB
import VoucherDomain

// MARK: - Requests

/// A claim (申领): a voucher quota for a year, a matching claim for fees paid on a project, or a grant request.
public struct ClaimRequest: Sendable, Hashable {
    public var ref: String
    public var applicantID: String
    public var programme: ProgrammeID
    public var year: Int
    public var requested: Money
    /// Matching: the project the fees were paid for.
    public var project: String?
    /// Matching: the amount actually paid, which the rate applies to.
    public var paid: Money?

    public init(
        ref: String,
        applicantID: String,
        programme: ProgrammeID,
        year: Int,
        requested: Money,
        project: String? = nil,
        paid: Money? = nil
    ) {
        self.ref = ref
        self.applicantID = applicantID
        self.programme = programme
        self.year = year
        self.requested = requested
        self.project = project
        self.paid = paid
    }
}

/// Which review a decision is: the district's, then (where the programme has one) the city's.
public enum ReviewLevel: String, Sendable, Hashable, CaseIterable {
    case district
    case city
}

/// A reviewer's decision on a claim.
public struct DecisionRequest: Sendable, Hashable {
    public enum Outcome: Sendable, Hashable {
        case grant(Money)
        case reject(reason: String)
    }

    public var claimRef: String
    public var level: ReviewLevel
    public var outcome: Outcome
    public var reviewer: String

    public init(claimRef: String, level: ReviewLevel = .district, outcome: Outcome, reviewer: String) {
        self.claimRef = claimRef
        self.level = level
        self.outcome = outcome
        self.reviewer = reviewer
    }
}

/// A purchase paid partly with a voucher (用券); the engine computes the voucher amount.
public struct UseRequest: Sendable, Hashable {
    public var ref: String
    public var applicantID: String
    public var providerID: String
    public var productCode: String
    public var programme: ProgrammeID
    public var serviceAmount: Money
    public var project: String?
    public var eligibleAmount: Money?
    public var taxAmount: Money?

    public init(
        ref: String,
        applicantID: String,
        providerID: String,
        productCode: String,
        programme: ProgrammeID,
        serviceAmount: Money,
        project: String? = nil,
        eligibleAmount: Money? = nil,
        taxAmount: Money? = nil
    ) {
        self.ref = ref
        self.applicantID = applicantID
        self.providerID = providerID
        self.productCode = productCode
        self.programme = programme
        self.serviceAmount = serviceAmount
        self.project = project
        self.eligibleAmount = eligibleAmount
        self.taxAmount = taxAmount
    }
}

/// A provider's claim for redemption (兑付申请) of one or more uses.
public struct RedemptionFilingRequest: Sendable, Hashable {
    public var ref: String
    public var providerID: String
    public var useRefs: [String]

    public init(ref: String, providerID: String, useRefs: [String]) {
        self.ref = ref
        self.providerID = providerID
        self.useRefs = useRefs
    }
}

/// How a filed use is settled: paid in full, reduced (with the amount paid and why), or rejected.
public struct SettlementRequest: Sendable, Hashable {
    public enum Outcome: Sendable, Hashable {
        case paid
        case reduced(paid: Money, reason: String)
        case rejected(reason: String)
    }

    public var filingRef: String
    public var useRef: String
    public var outcome: Outcome

    public init(filingRef: String, useRef: String, outcome: Outcome) {
        self.filingRef = filingRef
        self.useRef = useRef
        self.outcome = outcome
    }
}

/// A payment of (part of) a granted matching claim or grant to the applicant.
public struct PaymentRequest: Sendable, Hashable {
    public var claimRef: String
    public var amount: Money

    public init(claimRef: String, amount: Money) {
        self.claimRef = claimRef
        self.amount = amount
    }
}

// MARK: - Operations

extension Ledger {
    /// SQL that is true when the row `alias.event_seq` has not been reversed.
    static func live(_ alias: String) -> String {
        "NOT EXISTS (SELECT 1 FROM event r WHERE r.reverses = \(alias).event_seq)"
    }

    /// Records a claim. A voucher applicant has one open claim per programme and year.
    @discardableResult
    public func claim(_ request: ClaimRequest, context: EventContext) throws -> RecordedEvent {
        let ref = try Self.required(request.ref, field: "ref")
        guard (1900...9999).contains(request.year) else {
            throw LedgerError.invalid(field: "year", value: "\(request.year)", reason: "is not a year")
        }
        try Self.nonNegative(request.requested, field: "requested")
        if let paid = request.paid { try Self.nonNegative(paid, field: "paid") }
        let payload = CanonicalJSON.object([
            "ref": .string(ref), "applicant": .string(request.applicantID),
            "programme": .string(request.programme.value),
            "year": .int(Int64(request.year)), "requested": .money(request.requested),
            "project": .optional(request.project?.trimmed.nilIfEmpty), "paid": request.paid.map { .money($0) } ?? .null,
        ])
        return try transaction { db in
            if let earlier = try replay(db, context: context, kind: .claim, request: payload) { return earlier }
            let entry = try programme(db, request.programme)
            _ = try applicant(db, request.applicantID)
            try refuseTakenRef(db, table: "claim", kind: "claim", ref: ref)
            if entry.programme.kind == .matching && (request.project?.trimmed.nilIfEmpty == nil || request.paid == nil)
            {
                throw LedgerError.invalid(
                    field: "project",
                    value: request.project ?? "",
                    reason: "a matching claim names its project and the amount actually paid"
                )
            }
            if entry.programme.kind == .voucher,
                let open = try db.fetchOne(
                    String.self,
                    sql: """
                        SELECT c.ref FROM claim c WHERE c.applicant_id = ? AND c.programme_id = ? AND c.year = ?
                        AND \(Self.live("c")) AND NOT EXISTS (
                            SELECT 1 FROM decision d WHERE d.claim_seq = c.event_seq AND d.outcome = 'rejected'
                            AND \(Self.live("d")) AND d.event_seq = (
                                SELECT MAX(d2.event_seq) FROM decision d2 WHERE d2.claim_seq = c.event_seq AND \(Self.live("d2"))))
                        """,
                    arguments: [request.applicantID, request.programme.value, request.year]
                )
            {
                throw LedgerError.claimExists(
                    applicant: request.applicantID,
                    programme: request.programme.value,
                    year: request.year,
                    ref: open
                )
            }
            let version = entry.programme.version(on: context.businessDate)
            return try append(
                db,
                context: context,
                request: payload,
                event: NewEvent(
                    kind: .claim,
                    programme: request.programme,
                    policyHash: version.map(entry.hash(of:)),
                    payload: payload,
                    postings: []
                )
            ) { seq in
                try db.executeCached(
                    sql: """
                        INSERT INTO claim (event_seq, ref, applicant_id, programme_id, year, requested, project, paid)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        seq, ref, request.applicantID, request.programme.value, request.year, request.requested.fen,
                        request.project?.trimmed.nilIfEmpty, request.paid?.fen,
                    ]
                )
            }
        }
    }

    /// Records a review decision. A grant is checked by the engine against every cap; the quota
    /// moves from the budget by the difference from the claim's current grant.
    @discardableResult
    public func decide(_ request: DecisionRequest, context: EventContext) throws -> RecordedEvent {
        let reviewer = try Self.required(request.reviewer, field: "reviewer")
        let granted: Money
        var reason: String?
        switch request.outcome {
        case .grant(let amount):
            try Self.nonNegative(amount, field: "granted")
            granted = amount
        case .reject(let text):
            reason = try Self.required(text, field: "reason")
            granted = .zero
        }
        let submitted = CanonicalJSON.object([
            "claim": .string(request.claimRef), "level": .string(request.level.rawValue), "granted": .money(granted),
            "reviewer": .string(reviewer), "reason": .optional(reason),
        ])
        return try transaction { db in
            if let earlier = try replay(db, context: context, kind: .decision, request: submitted) { return earlier }
            let claim = try storedClaim(db, ref: request.claimRef)
            let entry = try programme(db, claim.programme)
            let programme = entry.programme
            let decisions = try currentDecisions(db, claimSeq: claim.seq)
            switch request.level {
            case .district where !decisions.isEmpty:
                throw LedgerError.decisionOrder(
                    claim: claim.ref,
                    reason: "already decided at district level (event \(decisions[0].seq)); "
                        + "a further decision is the city's, or reverse the district decision first"
                )
            case .city where decisions.isEmpty:
                throw LedgerError.decisionOrder(claim: claim.ref, reason: "the district decides before the city")
            case .city where decisions.contains { $0.level == .city }:
                throw LedgerError.decisionOrder(
                    claim: claim.ref,
                    reason: "already decided at city level; reverse that decision to decide again"
                )
            default: break
            }
            let current = decisions.last?.granted ?? .zero
            let version = programme.version(on: context.businessDate)
            var validUntil: BusinessDate?
            var explanation: CanonicalJSON?
            if granted > .zero {
                let decision = try engineDecision(db, claim: claim, programme: programme, date: context.businessDate)
                if decision.ineligibility != nil {
                    throw LedgerError.notEligible(reason: "claim \(claim.ref): " + decision.summary(.en))
                }
                if granted > decision.amount || (granted > claim.requested && programme.kind != .matching) {
                    let limit = programme.kind == .matching ? decision.amount : min(decision.amount, claim.requested)
                    throw LedgerError.grantOverLimit(
                        claim: claim.ref,
                        granted: granted,
                        limit: limit,
                        explanation: decision.explanation(.en, citing: false)
                    )
                }
                explanation = StoredExplanation.json(
                    amount: granted,
                    en: decision.explanation(.en) + [
                        "granted \(granted.formatted()) by \(reviewer) (\(request.level.rawValue))"
                    ],
                    zh: decision.explanation(.zh) + [
                        "核定 \(granted.formatted())（\(reviewer)，\(request.level == .district ? "区级" : "市级")）"
                    ]
                )
                if programme.kind == .voucher {
                    validUntil = version?.quotaValidUntil(grantedOn: context.businessDate)
                }
            }
            let budget = LedgerAccount(.budget, programme: claim.programme, year: claim.year)
            let quota = LedgerAccount(.quota, programme: claim.programme, year: claim.year, party: claim.applicantID)
            let delta = try granted.subtracting(current)
            let postings =
                delta.isNegative
                ? Posting.transfer(Money(fen: -delta.fen), from: quota, to: budget)
                : Posting.transfer(delta, from: budget, to: quota)
            let payload = CanonicalJSON.object([
                "claim": .string(claim.ref), "level": .string(request.level.rawValue),
                "outcome": .string(granted > .zero || reason == nil ? "granted" : "rejected"),
                "granted": .money(granted),
                "reviewer": .string(reviewer), "reason": .optional(reason), "valid_until": .optional(validUntil?.iso),
            ])
            return try append(
                db,
                context: context,
                request: submitted,
                event: NewEvent(
                    kind: .decision,
                    programme: claim.programme,
                    policyHash: version.map(entry.hash(of:)),
                    payload: payload,
                    explanation: explanation,
                    postings: postings,
                    amount: granted
                )
            ) { seq in
                try db.executeCached(
                    sql: """
                        INSERT INTO decision (event_seq, claim_seq, level, outcome, granted, reviewer, reason, valid_until)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        seq, claim.seq, request.level.rawValue, reason == nil ? "granted" : "rejected", granted.fen,
                        reviewer,
                        reason, validUntil?.iso,
                    ]
                )
            }
        }
    }

    /// What the engine allows for a claim on `date`, from the ledger's own figures.
    private func engineDecision(
        _ db: Database,
        claim: StoredClaim,
        programme: Programme,
        date: BusinessDate
    ) throws
        -> SubsidyDecision
    {
        let applicant = try applicant(db, claim.applicantID)
        let basis: SubsidyBasis
        switch programme.kind {
        case .voucher: basis = .quotaClaim(requested: claim.requested)
        case .grant: basis = .grant(requested: claim.requested)
        case .matching: basis = .matching(paid: claim.paid ?? .zero, project: claim.project ?? "")
        }
        // Only the caps the policy sets are summed; the budget comes from its account, not a scan.
        let caps = programme.version(on: date)?.caps ?? PolicyVersion.Caps()
        var usage = UsageSoFar()
        if caps.perApplicantPerYear[applicant.kind] != nil {
            usage.applicantThisYear = try grantedSum(
                db,
                programme: claim.programme,
                year: claim.year,
                filter: "c.applicant_id = ? AND c.event_seq <> ?",
                arguments: [claim.applicantID, claim.seq]
            )
        }
        if let group = applicant.group, caps.perGroupPerYear != nil {
            usage.groupThisYear = try grantedSum(
                db,
                programme: claim.programme,
                year: claim.year,
                filter: "c.applicant_id IN (\(Self.groupMembersSQL)) AND c.event_seq <> ?",
                arguments: [group, claim.seq]
            )
        }
        if let project = claim.project, caps.perProject != nil {
            usage.projectToDate = try grantedSum(
                db,
                programme: claim.programme,
                year: nil,
                filter: "c.project = ? AND c.event_seq <> ?",
                arguments: [project, claim.seq]
            )
        }
        if caps.budgetPerYear != nil {
            // The budget account holds minus every current grant of the year; this claim's own is left out.
            let drawn = Money(
                fen: -(try balance(db, LedgerAccount(.budget, programme: claim.programme, year: claim.year))).fen
            )
            let own = try currentDecisions(db, claimSeq: claim.seq).last?.granted ?? .zero
            usage.budgetThisYear = drawn.remaining(after: own)
        }
        do {
            return try SubsidyEngine.decide(
                programme: programme,
                on: date,
                applicant: Applicant(id: applicant.id, kind: applicant.kind, group: applicant.group),
                basis: basis,
                usage: usage
            )
        } catch {
            throw LedgerError.invalid(field: "claim", value: claim.ref, reason: error.description)
        }
    }

    /// Applicants whose current registration puts them in the group bound to `?`.
    static let groupMembersSQL = """
        SELECT g.id FROM applicant g WHERE g.group_id = ?
        AND g.event_seq = (SELECT MAX(g2.event_seq) FROM applicant g2 WHERE g2.id = g.id)
        """

    /// The sum of current grants on live claims of a programme (and year) matching `filter`.
    private func grantedSum(
        _ db: Database,
        programme: ProgrammeID,
        year: Int?,
        filter: String,
        arguments: StatementArguments
    ) throws -> Money {
        try programmeSum(db, alias: "c", programme: programme, year: year, filter: filter, arguments: arguments) {
            scope in
            """
            SELECT COALESCE(SUM(d.granted), 0) FROM claim c JOIN decision d ON d.claim_seq = c.event_seq
            WHERE \(scope)
            AND d.event_seq = (SELECT MAX(d2.event_seq) FROM decision d2 WHERE d2.claim_seq = c.event_seq AND \(Self.live("d2")))
            """
        }
    }

    /// A SUM over the live rows of `alias` in a programme (and year) matching `filter`; `sql` gets
    /// the WHERE conditions (programme, year, filter, not reversed) to place.
    private func programmeSum(
        _ db: Database,
        alias: String,
        programme: ProgrammeID,
        year: Int?,
        filter: String,
        arguments: StatementArguments,
        sql: (String) -> String
    ) throws -> Money {
        var all: StatementArguments = [programme.value]
        var scope = "\(alias).programme_id = ?"
        if let year {
            scope += " AND \(alias).year = ?"
            all += [year]
        }
        all += arguments
        let fen = try db.fetchOne(
            Int64.self,
            sql: sql("\(scope) AND \(filter) AND \(Self.live(alias))"),
            arguments: all
        )
        return Money(fen: fen ?? 0)
    }

    // MARK: - Uses

    /// What a use would get, computed exactly as ``use(_:context:)`` would, recording nothing.
    public func quote(_ request: UseRequest, on date: BusinessDate) throws -> SubsidyDecision {
        try read { db in try computeUse(db, request: request, date: date).decision }
    }

    /// Records a use: the engine computes the voucher amount from the ledger's own year-to-date
    /// figures, and the explanation is stored with the event. A use that would pay nothing, or is
    /// not eligible, is refused with the explanation.
    @discardableResult
    public func use(_ request: UseRequest, context: EventContext) throws -> RecordedEvent {
        let ref = try Self.required(request.ref, field: "ref")
        var requestJSON: [String: CanonicalJSON] = [
            "ref": .string(ref), "applicant": .string(request.applicantID), "provider": .string(request.providerID),
            "product": .string(request.productCode), "programme": .string(request.programme.value),
            "service_amount": .money(request.serviceAmount), "project": .optional(request.project?.trimmed.nilIfEmpty),
        ]
        requestJSON["eligible_amount"] = request.eligibleAmount.map { .money($0) } ?? .null
        requestJSON["tax_amount"] = request.taxAmount.map { .money($0) } ?? .null
        let submitted = CanonicalJSON.object(requestJSON)
        return try transaction(keepsMemo: true) { db in
            if let earlier = try replay(db, context: context, kind: .use, request: submitted) { return earlier }
            try refuseTakenRef(db, table: "voucher_use", kind: "use", ref: ref)
            let computed = try computeUse(db, request: request, date: context.businessDate)
            let decision = computed.decision
            if decision.ineligibility != nil {
                throw LedgerError.notEligible(reason: "use \(ref): " + decision.summary(.en))
            }
            guard decision.amount > .zero, let claim = computed.claim, let version = computed.version,
                let rate = version.rate
            else {
                throw LedgerError.nothingToPay(explanation: decision.explanation(.en, citing: false))
            }
            let deadline = version.redemptionDeadline(usedOn: context.businessDate)
            let quota = LedgerAccount(
                .quota,
                programme: request.programme,
                year: claim.year,
                party: request.applicantID
            )
            let awaiting = LedgerAccount(
                .awaiting,
                programme: request.programme,
                year: claim.year,
                party: request.providerID
            )
            let fact = UseFact(
                ref: ref,
                claimRef: claim.ref,
                programme: request.programme.value,
                year: claim.year,
                applicantID: request.applicantID,
                providerID: request.providerID,
                productCode: request.productCode,
                category: computed.product.category,
                providerRegion: computed.provider.region,
                project: request.project?.trimmed.nilIfEmpty,
                usedOn: context.businessDate.iso,
                serviceAmount: request.serviceAmount.fen,
                eligibleAmount: request.eligibleAmount?.fen,
                taxAmount: request.taxAmount?.fen,
                rateBasisPoints: rate.value.basisPoints,
                amount: decision.amount.fen,
                redemptionDeadline: deadline?.iso
            )
            return try append(
                db,
                context: context,
                request: submitted,
                event: NewEvent(
                    kind: .use,
                    programme: request.programme,
                    policyHash: computed.policyHash,
                    payload: fact.payload,
                    explanation: StoredExplanation.json(for: decision),
                    postings: Posting.transfer(decision.amount, from: quota, to: awaiting),
                    amount: decision.amount
                )
            ) { seq in try fact.insert(db, seq: seq, claimSeq: claim.seq) }
        }
    }

    private struct ComputedUse {
        var decision: SubsidyDecision
        var claim: StoredClaim?
        var version: PolicyVersion?
        var policyHash: String?
        var provider: RegisteredProvider
        var product: RegisteredProduct
    }

    private func computeUse(_ db: Database, request: UseRequest, date: BusinessDate) throws -> ComputedUse {
        let entry = try programme(db, request.programme)
        let programme = entry.programme
        guard programme.kind == .voucher else {
            throw LedgerError.wrongProgrammeKind(
                programme: programme.id.value,
                kind: programme.kind,
                operation: "a voucher use"
            )
        }
        let applicant = try applicant(db, request.applicantID)
        let provider = try provider(db, request.providerID)
        let product = try product(db, request.productCode)
        guard product.providerID == provider.id else {
            throw LedgerError.productOfAnotherProvider(
                product: product.code,
                provider: provider.id,
                expected: product.providerID
            )
        }
        let purchase: Purchase
        do {
            purchase = try Purchase(
                serviceAmount: request.serviceAmount,
                eligibleAmount: request.eligibleAmount,
                taxAmount: request.taxAmount,
                productCategory: product.category,
                providerRegion: provider.region,
                project: request.project?.trimmed.nilIfEmpty
            )
        } catch {
            throw LedgerError.invalid(
                field: "service_amount",
                value: request.serviceAmount.formatted(),
                reason: error.description
            )
        }
        let claim = try quotaClaim(db, applicantID: applicant.id, programme: programme.id, date: date)
        let caps = programme.version(on: date)?.caps ?? PolicyVersion.Caps()
        var usage = UsageSoFar()
        if let claim, let grant = claim.grant {
            let left = try balance(
                db,
                LedgerAccount(.quota, programme: programme.id, year: claim.year, party: applicant.id)
            )
            usage.quota = Quota(granted: grant.amount, grantedOn: grant.on, validUntil: grant.validUntil, left: left)
            if caps.perApplicantPerYear[applicant.kind] != nil {
                usage.applicantThisYear = try usedTotal(
                    db,
                    programme: programme.id,
                    year: claim.year,
                    applicant: applicant.id
                )
            }
            if let group = applicant.group, caps.perGroupPerYear != nil {
                usage.groupThisYear = try usedSum(
                    db,
                    programme: programme.id,
                    year: claim.year,
                    filter: "u.applicant_id IN (\(Self.groupMembersSQL))",
                    arguments: [group]
                )
            }
        }
        if let project = purchase.project, caps.perProject != nil {
            usage.projectToDate = try usedSum(
                db,
                programme: programme.id,
                year: nil,
                filter: "u.project = ?",
                arguments: [project]
            )
        }
        let decision: SubsidyDecision
        do {
            decision = try SubsidyEngine.decide(
                programme: programme,
                on: date,
                applicant: Applicant(id: applicant.id, kind: applicant.kind, group: applicant.group),
                basis: .purchase(purchase),
                usage: usage
            )
        } catch {
            throw LedgerError.invalid(field: "use", value: request.ref, reason: error.description)
        }
        let version = programme.version(on: date)
        return ComputedUse(
            decision: decision,
            claim: claim,
            version: version,
            policyHash: version.map(entry.hash(of:)),
            provider: provider,
            product: product
        )
    }

    /// The applicant's voucher amounts used in a programme year, net of amounts returned to the
    /// quota: one row of the use totals that triggers keep.
    func usedTotal(_ db: Database, programme: ProgrammeID, year: Int, applicant: String) throws -> Money {
        let fen = try db.fetchOne(
            Int64.self,
            sql: """
                SELECT amount - returned FROM use_total
                WHERE programme_id = ? AND year = ? AND dimension = 'applicant' AND key = ?
                """,
            arguments: [programme.value, year, applicant]
        )
        return Money(fen: fen ?? 0)
    }

    /// Voucher amounts used (net of amounts returned to the quota) on live uses matching `filter`.
    func usedSum(
        _ db: Database,
        programme: ProgrammeID,
        year: Int?,
        filter: String,
        arguments: StatementArguments
    ) throws -> Money {
        try programmeSum(db, alias: "u", programme: programme, year: year, filter: filter, arguments: arguments) {
            scope in
            """
            SELECT COALESCE(SUM(u.amount - COALESCE((
                SELECT SUM(s.unpaid) FROM settlement s WHERE s.use_seq = u.event_seq
                AND s.unpaid_effect = 'returned' AND \(Self.live("s"))), 0)), 0)
            FROM voucher_use u WHERE \(scope)
            """
        }
    }

    /// The applicant's granted quota that covers `date`; failing that the latest before it (so the
    /// engine can say it expired), or the earliest after it (not yet valid).
    private func quotaClaim(
        _ db: Database,
        applicantID: String,
        programme: ProgrammeID,
        date: BusinessDate
    ) throws
        -> StoredClaim?
    {
        let granted = try grantedClaims(db, applicantID: applicantID, programme: programme)
        if let covering = granted.first(where: { $0.1.on <= date && date <= $0.1.validUntil }) { return covering.0 }
        if let expired = granted.last(where: { $0.1.validUntil < date }) { return expired.0 }
        return granted.first?.0
    }

    /// The applicant's claims in the programme whose latest live decision grants a quota, by the
    /// end of their validity and then their decision's date.
    private func grantedClaims(
        _ db: Database,
        applicantID: String,
        programme: ProgrammeID
    ) throws -> [(StoredClaim, StoredClaim.Grant)] {
        let key = BatchMemo.QuotaKey(applicant: applicantID, programme: programme.value)
        let claims = try BatchMemo.recall(key, in: \.grantedClaims) {
            try storedGrantedClaims(db, applicantID: applicantID, programme: programme)
        }
        return claims.compactMap { claim in claim.grant.map { (claim, $0) } }
    }

    private func storedGrantedClaims(
        _ db: Database,
        applicantID: String,
        programme: ProgrammeID
    ) throws -> [StoredClaim] {
        let refs = try db.fetchAll(
            String.self,
            sql: """
                SELECT c.ref FROM claim c JOIN decision d ON d.claim_seq = c.event_seq JOIN event e ON e.seq = d.event_seq
                WHERE c.applicant_id = ? AND c.programme_id = ? AND \(Self.live("c")) AND d.granted > 0
                AND d.event_seq = (SELECT MAX(d2.event_seq) FROM decision d2 WHERE d2.claim_seq = c.event_seq AND \(Self.live("d2")))
                ORDER BY d.valid_until, e.business_date
                """,
            arguments: [applicantID, programme.value]
        )
        return try refs.map { try storedClaim(db, ref: $0) }
    }

    // MARK: - Redemption

    /// Records a provider's claim for redemption of one or more of its uses. A use filed after its
    /// redemption deadline is recorded and marked, for the exceptions an auditor reviews.
    @discardableResult
    public func fileRedemption(_ request: RedemptionFilingRequest, context: EventContext) throws -> RecordedEvent {
        let ref = try Self.required(request.ref, field: "ref")
        guard !request.useRefs.isEmpty else {
            throw LedgerError.invalid(field: "uses", value: "", reason: "a redemption claim names at least one use")
        }
        guard Set(request.useRefs).count == request.useRefs.count else {
            throw LedgerError.invalid(
                field: "uses",
                value: request.useRefs.joined(separator: ","),
                reason: "names a use twice"
            )
        }
        let submitted = CanonicalJSON.object([
            "ref": .string(ref), "provider": .string(request.providerID),
            "uses": .array(request.useRefs.map { .string($0) }),
        ])
        return try transaction { db in
            if let earlier = try replay(db, context: context, kind: .redemptionFiled, request: submitted) {
                return earlier
            }
            try refuseTakenRef(db, table: "redemption_filing", kind: "redemption", ref: ref)
            _ = try provider(db, request.providerID)
            var items: [(use: StoredUse, pastDeadline: Bool)] = []
            var programmeID: String?
            for useRef in request.useRefs {
                let use = try storedUse(db, ref: useRef)
                guard use.providerID == request.providerID else {
                    throw LedgerError.redemption(
                        use: useRef,
                        reason: "was used at provider \(use.providerID), not \(request.providerID)"
                    )
                }
                if let filing = try db.fetchOne(
                    String.self,
                    sql: """
                        SELECT f.ref FROM redemption_item i JOIN redemption_filing f ON f.event_seq = i.filing_seq
                        WHERE i.use_seq = ? AND \(Self.live("f"))
                        """,
                    arguments: [use.seq]
                ) {
                    throw LedgerError.redemption(use: useRef, reason: "is already filed in redemption claim \(filing)")
                }
                if let programmeID, programmeID != use.programme {
                    throw LedgerError.redemption(
                        use: useRef,
                        reason: "belongs to \(use.programme); file each programme separately"
                    )
                }
                programmeID = use.programme
                let pastDeadline = use.redemptionDeadline.map { context.businessDate > $0 } ?? false
                items.append((use, pastDeadline))
            }
            let payload = CanonicalJSON.object([
                "ref": .string(ref), "provider": .string(request.providerID),
                "uses": .array(
                    items.map { .object(["use": .string($0.use.ref), "past_deadline": .bool($0.pastDeadline)]) }
                ),
            ])
            return try append(
                db,
                context: context,
                request: submitted,
                event: NewEvent(
                    kind: .redemptionFiled,
                    programme: try programmeID.map { try ProgrammeID($0) },
                    payload: payload,
                    postings: []
                )
            ) { seq in
                try db.executeCached(
                    sql: "INSERT INTO redemption_filing (event_seq, ref, provider_id) VALUES (?, ?, ?)",
                    arguments: [seq, ref, request.providerID]
                )
                for item in items {
                    try db.executeCached(
                        sql: "INSERT INTO redemption_item (filing_seq, use_seq, past_deadline) VALUES (?, ?, ?)",
                        arguments: [seq, item.use.seq, item.pastDeadline ? 1 : 0]
                    )
                }
            }
        }
    }

    /// Settles one filed use: paid in full, reduced or rejected. What is not paid is returned to the
    /// applicant's quota or forfeited, as the policy in force on the use's date says.
    @discardableResult
    public func settleRedemption(_ request: SettlementRequest, context: EventContext) throws -> RecordedEvent {
        let submitted: CanonicalJSON
        var reason: String?
        switch request.outcome {
        case .paid:
            submitted = .object([
                "filing": .string(request.filingRef), "use": .string(request.useRef), "outcome": .string("paid"),
            ])
        case .reduced(let paid, let text):
            try Self.nonNegative(paid, field: "amount")
            reason = try Self.required(text, field: "reason")
            submitted = .object([
                "filing": .string(request.filingRef), "use": .string(request.useRef), "outcome": .string("reduced"),
                "paid": .money(paid), "reason": .optional(reason),
            ])
        case .rejected(let text):
            reason = try Self.required(text, field: "reason")
            submitted = .object([
                "filing": .string(request.filingRef), "use": .string(request.useRef), "outcome": .string("rejected"),
                "reason": .optional(reason),
            ])
        }
        return try transaction { db in
            if let earlier = try replay(db, context: context, kind: .redemptionSettled, request: submitted) {
                return earlier
            }
            guard
                let filingSeq = try db.fetchOne(
                    Int64.self,
                    sql: "SELECT f.event_seq FROM redemption_filing f WHERE f.ref = ? AND \(Self.live("f"))",
                    arguments: [request.filingRef]
                )
            else { throw LedgerError.unknownRedemption(request.filingRef) }
            let use = try storedUse(db, ref: request.useRef)
            guard
                try db.fetchOne(
                    Bool.self,
                    sql: "SELECT 1 FROM redemption_item WHERE filing_seq = ? AND use_seq = ?",
                    arguments: [filingSeq, use.seq]
                )
                    ?? false
            else {
                throw LedgerError.redemption(
                    use: use.ref,
                    reason: "is not in redemption claim \(request.filingRef); file it first"
                )
            }
            if let settled = try db.fetchOne(
                Int64.self,
                sql: "SELECT s.event_seq FROM settlement s WHERE s.use_seq = ? AND \(Self.live("s"))",
                arguments: [use.seq]
            ) {
                throw LedgerError.redemption(use: use.ref, reason: "is already settled by event \(settled)")
            }
            let paid: Money
            let outcome: String
            switch request.outcome {
            case .paid:
                paid = use.amount
                outcome = "paid"
            case .reduced(let amount, _):
                guard amount <= use.amount else {
                    throw LedgerError.settlementOverUse(use: use.ref, used: use.amount, paid: amount)
                }
                paid = amount
                outcome = amount == use.amount ? "paid" : "reduced"
            case .rejected:
                paid = .zero
                outcome = "rejected"
            }
            let unpaid = try use.amount.subtracting(paid)
            let entry = try programme(db, try ProgrammeID(use.programme))
            let version = entry.programme.version(on: use.usedOn)
            let effect = version?.redemption.unpaidAmount.value ?? .forfeited
            let programmeID = try ProgrammeID(use.programme)
            let awaiting = LedgerAccount(.awaiting, programme: programmeID, year: use.year, party: use.providerID)
            let paidAccount = LedgerAccount(.paid, programme: programmeID, year: use.year, party: use.providerID)
            let unpaidAccount =
                effect == .returned
                ? LedgerAccount(.quota, programme: programmeID, year: use.year, party: use.applicantID)
                : LedgerAccount(.forfeited, programme: programmeID, year: use.year)
            let postings =
                Posting.transfer(paid, from: awaiting, to: paidAccount)
                + Posting.transfer(unpaid, from: awaiting, to: unpaidAccount)
            let payload = CanonicalJSON.object([
                "filing": .string(request.filingRef), "use": .string(use.ref), "outcome": .string(outcome),
                "paid": .money(paid),
                "unpaid": .money(unpaid), "unpaid_effect": .string(effect.rawValue), "reason": .optional(reason),
            ])
            let effectText = effect == .returned ? ("returned to the quota", "退回额度") : ("forfeited", "不再退回")
            let explanation = StoredExplanation.json(
                amount: paid,
                en: ["used \(use.amount.formatted())", "paid \(paid.formatted())"]
                    + (unpaid > .zero ? ["unpaid \(unpaid.formatted()), \(effectText.0)"] : []),
                zh: ["用券 \(use.amount.formatted())", "兑付 \(paid.formatted())"]
                    + (unpaid > .zero ? ["未兑付 \(unpaid.formatted())，\(effectText.1)"] : [])
            )
            return try append(
                db,
                context: context,
                request: submitted,
                event: NewEvent(
                    kind: .redemptionSettled,
                    programme: programmeID,
                    policyHash: version.map(entry.hash(of:)),
                    payload: payload,
                    explanation: explanation,
                    postings: postings,
                    amount: paid
                )
            ) { seq in
                try db.executeCached(
                    sql: """
                        INSERT INTO settlement (event_seq, filing_seq, use_seq, outcome, paid, unpaid, unpaid_effect, reason)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [seq, filingSeq, use.seq, outcome, paid.fen, unpaid.fen, effect.rawValue, reason]
                )
            }
        }
    }

    // MARK: - Payments, expiry, reversal

    /// Pays (part of) a granted matching claim or grant to the applicant.
    @discardableResult
    public func pay(_ request: PaymentRequest, context: EventContext) throws -> RecordedEvent {
        guard request.amount > .zero else {
            throw LedgerError.invalid(
                field: "amount",
                value: request.amount.formatted(),
                reason: "a payment is more than zero"
            )
        }
        let submitted = CanonicalJSON.object(["claim": .string(request.claimRef), "amount": .money(request.amount)])
        return try transaction { db in
            if let earlier = try replay(db, context: context, kind: .payment, request: submitted) { return earlier }
            let claim = try storedClaim(db, ref: request.claimRef)
            let entry = try programme(db, claim.programme)
            guard entry.programme.kind != .voucher else {
                throw LedgerError.wrongProgrammeKind(
                    programme: claim.programme.value,
                    kind: .voucher,
                    operation: "a payment (vouchers are redeemed by providers)"
                )
            }
            let granted = try currentDecisions(db, claimSeq: claim.seq).last?.granted ?? .zero
            let paidSoFar = Money(
                fen: try db.fetchOne(
                    Int64.self,
                    sql: "SELECT COALESCE(SUM(p.amount), 0) FROM payment p WHERE p.claim_seq = ? AND \(Self.live("p"))",
                    arguments: [claim.seq]
                ) ?? 0
            )
            let left = granted.remaining(after: paidSoFar)
            guard request.amount <= left else {
                throw LedgerError.paymentOverGrant(claim: claim.ref, left: left, requested: request.amount)
            }
            let quota = LedgerAccount(.quota, programme: claim.programme, year: claim.year, party: claim.applicantID)
            let paid = LedgerAccount(.paid, programme: claim.programme, year: claim.year, party: claim.applicantID)
            let explanation = StoredExplanation.json(
                amount: request.amount,
                en: [
                    "granted \(granted.formatted()) − paid before \(paidSoFar.formatted()) = \(left.formatted())",
                    "paid \(request.amount.formatted())",
                ],
                zh: [
                    "核定 \(granted.formatted()) − 已拨付 \(paidSoFar.formatted()) = \(left.formatted())",
                    "拨付 \(request.amount.formatted())",
                ]
            )
            return try append(
                db,
                context: context,
                request: submitted,
                event: NewEvent(
                    kind: .payment,
                    programme: claim.programme,
                    payload: submitted,
                    explanation: explanation,
                    postings: Posting.transfer(request.amount, from: quota, to: paid),
                    amount: request.amount
                )
            ) { seq in
                try db.executeCached(
                    sql: "INSERT INTO payment (event_seq, claim_seq, amount) VALUES (?, ?, ?)",
                    arguments: [seq, claim.seq, request.amount.fen]
                )
            }
        }
    }

    /// Lapses what is left of every voucher quota of the programme whose validity ended before the
    /// context's business date. Returns nil, recording nothing, when no quota has anything to lapse.
    @discardableResult
    public func expireQuotas(programme id: ProgrammeID, context: EventContext) throws -> RecordedEvent? {
        let submitted = CanonicalJSON.object(["programme": .string(id.value)])
        return try transaction { db in
            if let earlier = try replay(db, context: context, kind: .expiry, request: submitted) { return earlier }
            let entry = try programme(db, id)
            guard entry.programme.kind == .voucher else {
                throw LedgerError.wrongProgrammeKind(
                    programme: id.value,
                    kind: entry.programme.kind,
                    operation: "expiry"
                )
            }
            let rows = try db.fetchAll(
                Row.self,
                sql: """
                    SELECT c.ref, c.applicant_id, c.year, a.balance FROM claim c
                    JOIN decision d ON d.claim_seq = c.event_seq
                    JOIN account a ON a.id = 'quota/' || c.programme_id || '/' || c.year || '/' || c.applicant_id
                    WHERE c.programme_id = ? AND \(Self.live("c")) AND d.granted > 0 AND d.valid_until < ? AND a.balance > 0
                    AND d.event_seq = (SELECT MAX(d2.event_seq) FROM decision d2 WHERE d2.claim_seq = c.event_seq AND \(Self.live("d2")))
                    ORDER BY c.event_seq
                    """,
                arguments: [id.value, context.businessDate.iso]
            )
            if rows.isEmpty { return nil }
            var postings: [Posting] = []
            var lapsed: [CanonicalJSON] = []
            for row in rows {
                let year: Int = row["year"]
                let amount = Money(fen: row["balance"])
                postings += Posting.transfer(
                    amount,
                    from: LedgerAccount(.quota, programme: id, year: year, party: row["applicant_id"]),
                    to: LedgerAccount(.lapsed, programme: id, year: year)
                )
                lapsed.append(
                    .object([
                        "claim": .string(row["ref"]), "applicant": .string(row["applicant_id"]),
                        "amount": .money(amount),
                    ])
                )
            }
            let payload = CanonicalJSON.object(["programme": .string(id.value), "lapsed": .array(lapsed)])
            return try append(
                db,
                context: context,
                request: submitted,
                event: NewEvent(kind: .expiry, programme: id, payload: payload, postings: postings)
            )
        }
    }

    /// Cancels an event by a new event that posts the opposite amounts and references it. An event
    /// is reversed at most once; what depends on it (a decision on a claim, a filing of a use, a
    /// settlement of a filing) must be reversed first.
    @discardableResult
    public func reverse(event seq: Int64, reason: String, context: EventContext) throws -> RecordedEvent {
        let why = try Self.required(reason, field: "reason")
        let submitted = CanonicalJSON.object(["reverses": .int(seq), "reason": .string(why)])
        return try transaction { db in
            if let earlier = try replay(db, context: context, kind: .reversal, request: submitted) { return earlier }
            guard
                let target = try db.fetchOne(
                    Row.self,
                    sql: "SELECT kind, programme_id FROM event WHERE seq = ?",
                    arguments: [seq]
                ),
                let kind = EventKind(rawValue: target["kind"])
            else { throw LedgerError.unknownEvent(seq) }
            if let by = try db.fetchOne(Int64.self, sql: "SELECT seq FROM event WHERE reverses = ?", arguments: [seq]) {
                throw LedgerError.alreadyReversed(event: seq, by: by)
            }
            guard kind.isReversible else {
                throw LedgerError.notReversible(
                    event: seq,
                    reason: kind == .reversal
                        ? "it is itself a reversal; record the original again instead"
                        : "a \(kind.rawValue) event is corrected by recording the new details, not by a reversal"
                )
            }
            try refuseDependents(db, seq: seq, kind: kind)
            let postings = try db.fetchAll(
                Row.self,
                sql: "SELECT p.account_id, p.amount, a.type, a.programme_id, a.year, a.party_id FROM posting p "
                    + "JOIN account a ON a.id = p.account_id WHERE p.event_seq = ? ORDER BY p.line",
                arguments: [seq]
            ).map { row -> Posting in
                guard let type = LedgerAccount.Kind(rawValue: row["type"]) else {
                    throw LedgerError.internalInconsistency(
                        "account \(row["account_id"] as String) has an unknown type"
                    )
                }
                let account = LedgerAccount(
                    type,
                    programme: try ProgrammeID(row["programme_id"]),
                    year: row["year"],
                    party: row["party_id"]
                )
                return Posting(account, Money(fen: -(row["amount"] as Int64)))
            }
            let payload = CanonicalJSON.object([
                "reverses": .int(seq), "kind": .string(kind.rawValue), "reason": .string(why),
            ])
            return try append(
                db,
                context: context,
                request: submitted,
                event: NewEvent(
                    kind: .reversal,
                    programme: try (target["programme_id"] as String?).map { try ProgrammeID($0) },
                    reverses: seq,
                    payload: payload,
                    postings: postings
                )
            )
        }
    }

    private func refuseDependents(_ db: Database, seq: Int64, kind: EventKind) throws {
        let dependent: (String, String)? =
            switch kind {
            case .claim:
                (
                    "SELECT d.event_seq FROM decision d WHERE d.claim_seq = ? AND \(Self.live("d"))",
                    "a decision on the claim"
                )
            case .decision:
                (
                    "SELECT d.event_seq FROM decision d WHERE d.claim_seq = (SELECT claim_seq FROM decision WHERE event_seq = ?1) "
                        + "AND d.event_seq > ?1 AND \(Self.live("d"))", "a later decision on the same claim"
                )
            case .use:
                (
                    "SELECT f.event_seq FROM redemption_item i JOIN redemption_filing f ON f.event_seq = i.filing_seq "
                        + "WHERE i.use_seq = ? AND \(Self.live("f"))", "a redemption claim for the use"
                )
            case .redemptionFiled:
                (
                    "SELECT s.event_seq FROM settlement s WHERE s.filing_seq = ? AND \(Self.live("s"))",
                    "a settlement of the claim"
                )
            default: nil
            }
        guard let (sql, what) = dependent else { return }
        if let other = try db.fetchOne(Int64.self, sql: sql, arguments: [seq]) {
            throw LedgerError.notReversible(
                event: seq,
                reason: "\(what) (event \(other)) depends on it; reverse that first"
            )
        }
    }

    // MARK: - Stored facts

    struct StoredClaim {
        struct Grant {
            var amount: Money
            var on: BusinessDate
            var validUntil: BusinessDate
        }

        var seq: Int64
        var ref: String
        var applicantID: String
        var programme: ProgrammeID
        var year: Int
        var requested: Money
        var project: String?
        var paid: Money?
        /// The current voucher grant, when the latest live decision granted something.
        var grant: Grant?
    }

    struct Decision {
        var seq: Int64
        var level: ReviewLevel
        var granted: Money
    }

    func storedClaim(_ db: Database, ref: String) throws -> StoredClaim {
        guard
            let row = try db.fetchOne(
                Row.self,
                sql: "SELECT * FROM claim c WHERE c.ref = ? AND \(Self.live("c"))",
                arguments: [ref]
            )
        else { throw LedgerError.unknownClaim(ref) }
        var claim = StoredClaim(
            seq: row["event_seq"],
            ref: row["ref"],
            applicantID: row["applicant_id"],
            programme: try ProgrammeID(row["programme_id"]),
            year: row["year"],
            requested: Money(fen: row["requested"]),
            project: row["project"],
            paid: (row["paid"] as Int64?).map { Money(fen: $0) }
        )
        if let decision = try db.fetchOne(
            Row.self,
            sql: """
                SELECT d.granted, d.valid_until, e.business_date FROM decision d JOIN event e ON e.seq = d.event_seq
                WHERE d.claim_seq = ? AND \(Self.live("d")) ORDER BY d.event_seq DESC LIMIT 1
                """,
            arguments: [claim.seq]
        ),
            let validUntil = decision["valid_until"] as String?, (decision["granted"] as Int64) > 0
        {
            claim.grant = StoredClaim.Grant(
                amount: Money(fen: decision["granted"]),
                on: try BusinessDate.parse(decision["business_date"]),
                validUntil: try BusinessDate.parse(validUntil)
            )
        }
        return claim
    }

    func currentDecisions(_ db: Database, claimSeq: Int64) throws -> [Decision] {
        try db.fetchAll(
            Row.self,
            sql:
                "SELECT d.event_seq, d.level, d.granted FROM decision d WHERE d.claim_seq = ? AND \(Self.live("d")) ORDER BY d.event_seq",
            arguments: [claimSeq]
        ).map {
            Decision(
                seq: $0["event_seq"],
                level: ReviewLevel(rawValue: $0["level"]) ?? .district,
                granted: Money(fen: $0["granted"])
            )
        }
    }

    struct StoredUse {
        var seq: Int64
        var ref: String
        var programme: String
        var year: Int
        var applicantID: String
        var providerID: String
        var usedOn: BusinessDate
        var amount: Money
        var redemptionDeadline: BusinessDate?
    }

    func storedUse(_ db: Database, ref: String) throws -> StoredUse {
        guard
            let row = try db.fetchOne(
                Row.self,
                sql: "SELECT * FROM voucher_use u WHERE u.ref = ? AND \(Self.live("u"))",
                arguments: [ref]
            )
        else { throw LedgerError.unknownUse(ref) }
        return StoredUse(
            seq: row["event_seq"],
            ref: row["ref"],
            programme: row["programme_id"],
            year: row["year"],
            applicantID: row["applicant_id"],
            providerID: row["provider_id"],
            usedOn: try BusinessDate.parse(row["used_on"]),
            amount: Money(fen: row["amount"]),
            redemptionDeadline: try (row["redemption_deadline"] as String?).map { try BusinessDate.parse($0) }
        )
    }

    func refuseTakenRef(_ db: Database, table: String, kind: String, ref: String) throws {
        if let seq = try db.fetchOne(Int64.self, sql: "SELECT event_seq FROM \(table) WHERE ref = ?", arguments: [ref])
        {
            throw LedgerError.referenceTaken(kind: kind, ref: ref, event: seq)
        }
    }

    static func nonNegative(_ amount: Money, field: String) throws {
        if amount.isNegative {
            throw LedgerError.invalid(field: field, value: amount.formatted(), reason: "is below zero")
        }
    }
}

/// A use's facts: the `voucher_use` row and the payload its event hashes, built from one value so
/// that verification can rebuild the payload from the row and compare.
struct UseFact {
    var ref: String
    var claimRef: String
    var programme: String
    var year: Int
    var applicantID: String
    var providerID: String
    var productCode: String
    var category: String
    var providerRegion: String
    var project: String?
    var usedOn: String
    var serviceAmount: Int64
    var eligibleAmount: Int64?
    var taxAmount: Int64?
    var rateBasisPoints: Int64
    var amount: Int64
    var redemptionDeadline: String?

    var payload: CanonicalJSON {
        .object([
            "ref": .string(ref), "claim": .string(claimRef), "programme": .string(programme), "year": .int(Int64(year)),
            "applicant": .string(applicantID), "provider": .string(providerID), "product": .string(productCode),
            "category": .string(category), "provider_region": .string(providerRegion), "project": .optional(project),
            "used_on": .string(usedOn), "service_amount": .int(serviceAmount),
            "eligible_amount": eligibleAmount.map { .int($0) } ?? .null,
            "tax_amount": taxAmount.map { .int($0) } ?? .null,
            "rate_basis_points": .int(rateBasisPoints), "amount": .int(amount),
            "redemption_deadline": .optional(redemptionDeadline),
        ])
    }

    func insert(_ db: Database, seq: Int64, claimSeq: Int64) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO voucher_use (event_seq, ref, claim_seq, programme_id, year, applicant_id, provider_id, product_code,
                    category, provider_region, project, used_on, service_amount, eligible_amount, tax_amount,
                    rate_basis_points, amount, redemption_deadline)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            seq, ref, claimSeq, programme, year, applicantID, providerID, productCode, category, providerRegion,
            project, usedOn,
            serviceAmount, eligibleAmount, taxAmount, rateBasisPoints, amount, redemptionDeadline,
        ])
    }
}

// MARK: - Reads of single facts

/// A recorded use, as redemption and reports see it.
public struct RecordedUse: Sendable, Hashable {
    public var ref: String
    public var seq: Int64
    public var programme: String
    public var applicantID: String
    public var providerID: String
    public var usedOn: BusinessDate
    public var amount: Money
}

extension Ledger {
    /// The live use with this reference, if there is one.
    public func recordedUse(ref: String) throws -> RecordedUse? {
        try read { db in
            guard let use = try? storedUse(db, ref: ref) else { return nil }
            return RecordedUse(
                ref: use.ref,
                seq: use.seq,
                programme: use.programme,
                applicantID: use.applicantID,
                providerID: use.providerID,
                usedOn: use.usedOn,
                amount: use.amount
            )
        }
    }

    /// A short, stable key for content (an idempotency key for rows that carry no reference).
    public static func contentKey(_ parts: [String]) -> String {
        Hashing.sha256(CanonicalJSON.array(parts.map { .string($0) }).text)
    }
}

extension Ledger {
    /// Applicants with claims in a programme and products with their providers, for benchmarks
    /// and smoke tests that quote random purchases.
    public func quoteSamples(
        _ programme: ProgrammeID,
        limit: Int
    ) throws -> (
        applicants: [String], products: [(code: String, provider: String)]
    ) {
        try read { db in
            let applicants = try db.fetchAll(
                String.self,
                sql: "SELECT DISTINCT applicant_id FROM claim WHERE programme_id = ? LIMIT ?",
                arguments: [programme.value, limit]
            )
            let products = try db.fetchAll(
                Row.self,
                sql: "SELECT code, provider_id FROM product GROUP BY code LIMIT ?",
                arguments: [limit]
            ).map { (code: $0["code"] as String, provider: $0["provider_id"] as String) }
            return (applicants, products)
        }
    }
}
