// MARK: - Decisions

/// A decision as recorded in the `decision` fact row and its event's payload.
public struct DecisionFact: Sendable, Hashable {
    public var claimRef: String
    public var level: ReviewLevel
    /// `granted` or `rejected`.
    public var outcome: String
    public var granted: Money
    public var reviewer: String
    public var reason: String?
    /// Voucher quotas: the last day the quota can be used.
    public var validUntil: BusinessDate?

    public init(
        claimRef: String,
        level: ReviewLevel,
        outcome: String,
        granted: Money,
        reviewer: String,
        reason: String?,
        validUntil: BusinessDate?
    ) {
        self.claimRef = claimRef
        self.level = level
        self.outcome = outcome
        self.granted = granted
        self.reviewer = reviewer
        self.reason = reason
        self.validUntil = validUntil
    }

    public var payload: CanonicalJSON {
        .object([
            "claim": .string(claimRef), "level": .string(level.rawValue), "outcome": .string(outcome),
            "granted": .money(granted), "reviewer": .string(reviewer), "reason": .optional(reason),
            "valid_until": .optional(validUntil?.iso),
        ])
    }
}

/// A live decision on a claim, as the next decision sees it.
public struct PriorDecision: Sendable, Hashable {
    public var seq: Int64
    public var level: ReviewLevel
    public var granted: Money
    /// Who decided; nil where it is not known (a what-if replay decides amounts, not people).
    public var reviewer: String?

    public init(seq: Int64, level: ReviewLevel, granted: Money, reviewer: String? = nil) {
        self.seq = seq
        self.level = level
        self.granted = granted
        self.reviewer = reviewer
    }
}

extension Lifecycle {
    /// A reviewer's name as the separation of duties compares it: case and spaces ignored.
    static func reviewerKey(_ name: String) -> String {
        String(String.UnicodeScalarView(name.unicodeScalars.filter { !$0.properties.isWhitespace })).lowercased()
    }

    /// The decision checked on its own, and the canonical form of what was asked.
    public static func submission(
        of request: DecisionRequest
    ) throws(LedgerError) -> (
        request: DecisionRequest, canonical: CanonicalJSON
    ) {
        var checked = request
        checked.reviewer = try reference(request.reviewer, field: "reviewer")
        let granted: Money
        var reason: String?
        switch request.outcome {
        case .grant(let amount):
            try checkAmount(amount, field: "granted")
            // Nothing granted is a rejection, and a rejection says why.
            guard amount > .zero else {
                throw .invalid(
                    field: "granted",
                    value: amount.formatted(),
                    reason: "grants nothing; to grant nothing, reject the claim with a reason",
                    zh: "核定金额为零；如不予资助，请选择“不予批准”并写明理由"
                )
            }
            granted = amount
            // A grant's reason is optional: the reviewer's word on why it is what it is, on one line.
            checked.note = try reasonOnOneLine(request.note)
            reason = checked.note
        case .reject(let text):
            let why = try required(text, field: "reason")
            checked.outcome = .reject(reason: why)
            checked.note = nil
            reason = why
            granted = .zero
        }
        let canonical = CanonicalJSON.object([
            "claim": .string(request.claimRef), "level": .string(request.level.rawValue), "granted": .money(granted),
            "reviewer": .string(checked.reviewer), "reason": .optional(reason),
        ])
        return (checked, canonical)
    }

    /// What a decision is decided against: the claim, the live decisions on it, and — for a grant —
    /// the applicant and what the caps have already counted (the engine's ``UsageSoFar``).
    public struct DecisionState: Sendable, Hashable {
        public var claim: ClaimFact
        public var programme: Programme
        public var decisions: [PriorDecision]
        public var applicant: Applicant
        public var usage: UsageSoFar
        /// The year's recorded appropriation, if any, and what the other claims have committed.
        public var budget: BudgetState?
        /// What is left unused of the applicant's quota in the programme year (its quota account,
        /// after uses, payments and lapses): a decision lowers the grant by at most that. Nil
        /// where it is not known (a what-if replay).
        public var quotaLeft: Money?
        /// What this claim's grant has funded so far (its live uses net of what they returned, its
        /// payments): a decision grants no less. Nil where it is not known.
        public var claimSpent: Money?

        public init(
            claim: ClaimFact,
            programme: Programme,
            decisions: [PriorDecision],
            applicant: Applicant,
            usage: UsageSoFar = UsageSoFar(),
            budget: BudgetState? = nil
        ) {
            self.budget = budget
            self.claim = claim
            self.programme = programme
            self.decisions = decisions
            self.applicant = applicant
            self.usage = usage
        }
    }

    /// Decides a claim at one review level.
    ///
    /// - The district decides first; the city (where there is one) after it, once; one reviewer
    ///   decides one level of a claim. Where the policy requires review levels, the city may lower
    ///   the district's grant, never raise it.
    /// - A grant is at most what the engine allows on the date and never more than requested, in
    ///   every kind of programme.
    /// - A voucher quota belongs to its programme year: it cannot be granted after that year ends,
    ///   and it is usable from the later of the grant and 1 January of the year.
    /// - A grant is at most what the year's recorded appropriation leaves after the other claims'
    ///   grants.
    /// - The quota moves from the budget by the difference from the claim's current grant.
    ///
    /// `recording: false` leaves out the payload and the explanation stored with the event: a
    /// what-if replay, which records nothing, needs only the decision and its postings.
    public static func decide(
        _ request: DecisionRequest,
        state: DecisionState,
        on date: BusinessDate,
        recording: Bool = true
    ) throws(LedgerError) -> (fact: DecisionFact, event: EventDraft) {
        let claim = state.claim
        let programme = state.programme
        let decisions = state.decisions
        switch request.level {
        case .district where !decisions.isEmpty:
            throw .decisionOrder(
                claim: claim.ref,
                reason: LocalizedText(
                    zh: "已由区级审核（事件 \(decisions[0].seq)）；再次审核应由市级作出，或先冲销区级审核",
                    en: "already decided at district level (event \(decisions[0].seq)); "
                        + "a further decision is the city's, or reverse the district decision first"
                )
            )
        case .city where decisions.isEmpty:
            throw .decisionOrder(
                claim: claim.ref,
                reason: LocalizedText(zh: "须先经区级审核，市级方可审核", en: "the district decides before the city")
            )
        case .city where decisions.contains { $0.level == .city }:
            throw .decisionOrder(
                claim: claim.ref,
                reason: LocalizedText(
                    zh: "已由市级审核；如需重新审核，请先冲销该审核",
                    en: "already decided at city level; reverse that decision to decide again"
                )
            )
        default: break
        }
        // Separation of duties: one person signs one level of a claim.
        if let other = decisions.first(where: {
            $0.level != request.level && $0.reviewer.map(reviewerKey) == reviewerKey(request.reviewer)
        }) {
            throw .decisionOrder(
                claim: claim.ref,
                reason: LocalizedText(
                    zh: "\(request.reviewer) 已作出\(other.level == .district ? "区级" : "市级")审核（事件 \(other.seq)）；"
                        + "\(request.level == .district ? "区级" : "市级")审核须由另一位审核人作出",
                    en: "\(request.reviewer) decided it at \(other.level.rawValue) level (event \(other.seq)); "
                        + "another reviewer decides at \(request.level.rawValue) level"
                )
            )
        }
        let granted = request.outcome.granted
        let reason = request.recordedReason
        let version = programme.version(on: date)
        if request.level == .city, let required = version?.requiredReviewLevels,
            let district = decisions.last(where: { $0.level == .district }), granted > district.granted
        {
            throw .decisionOrder(
                claim: claim.ref,
                reason: district.granted == .zero
                    ? LocalizedText(
                        zh: "区级已驳回；按 review.required_levels，市级可维持驳回，不能核定（如需重新审核，请先冲销区级审核）",
                        en:
                            "the district rejected it; under review.required_levels the city may confirm the rejection, "
                            + "not grant (reverse the district's decision to decide again)"
                    )
                    : LocalizedText(
                        zh: "市级可调低区级核定的 \(district.granted.formatted())，不能调高至 \(granted.formatted())"
                            + "（review.required_levels）\(required.source.map { " [\($0.text(.zh))]" } ?? "")",
                        en: "the city may lower the district's \(district.granted.formatted()), not raise it to "
                            + "\(granted.formatted()) (review.required_levels)\(required.source.map { " [\($0)]" } ?? "")"
                    )
            )
        }
        var validUntil: BusinessDate?
        var explanation: CanonicalJSON?
        if granted > .zero {
            if programme.kind == .voucher && date > claim.endOfYear {
                throw .decisionAfterProgrammeYear(claim: claim.ref, year: claim.year, date: date)
            }
            // Who may claim is checked again when money is granted, against the registration and
            // the version of that day.
            if let version { try checkEligibility(of: state.applicant, for: programme, under: version) }
            let decision = try engineLimit(state: state, on: date)
            if let why = decision.ineligibility {
                throw .notEligible(LocalizedText(zh: "申领 \(claim.ref)", en: "claim \(claim.ref)"), decision, why)
            }
            let limit = min(decision.amount, claim.requested)
            if granted <= limit { try checkBudget(state.budget, claim: claim.ref, granted: granted) }
            if granted > limit {
                var lines = decision.explanation(.en, citing: false)
                var zh = decision.explanation(.zh, citing: false)
                if claim.requested < decision.amount {
                    lines.append("requested \(claim.requested.formatted())")
                    zh.append("申请 \(claim.requested.formatted())")
                }
                throw .grantOverLimit(
                    claim: claim.ref,
                    granted: granted,
                    limit: limit,
                    explanation: LocalizedText(zh: zh.joined(separator: " · "), en: lines.joined(separator: " · "))
                )
            }
            let reviewer = request.reviewer
            explanation =
                !recording
                ? nil
                : StoredExplanation.json(
                    amount: granted,
                    en: decision.explanation(.en) + [
                        "granted \(granted.formatted()) by \(reviewer) (\(request.level.rawValue))"
                    ],
                    zh: decision.explanation(.zh) + [
                        "核定 \(granted.formatted())（\(reviewer)，\(request.level == .district ? "区级" : "市级")）"
                    ]
                )
            if programme.kind == .voucher, let version {
                validUntil = version.quotaValidity(year: claim.year, grantedOn: date).until
            }
        }
        let current = decisions.last?.granted ?? .zero
        // What was used or paid of the grant stays granted, and a lower grant takes back only what
        // is left of the quota (a lapse took the rest).
        if granted < current {
            let lowering = "cannot lower the grant from \(current.formatted()) to \(granted.formatted())"
            let loweringZh = "不能将核定额从 \(current.formatted()) 调低至 \(granted.formatted())"
            if let spent = state.claimSpent, granted < spent {
                throw .decisionOrder(
                    claim: claim.ref,
                    reason: LocalizedText(
                        zh: "\(loweringZh)：其中 \(spent.formatted()) 已使用或拨付，核定额至少为 \(spent.formatted())；"
                            + "如需再调低，请先冲销这些用券或拨付",
                        en: "\(lowering): \(spent.formatted()) of it is already used or paid, so the grant is at "
                            + "least \(spent.formatted()); reverse those uses or payments first to lower it further"
                    )
                )
            }
            if let left = state.quotaLeft, try subtract(current, granted) > left {
                throw .decisionOrder(
                    claim: claim.ref,
                    reason: LocalizedText(
                        zh: "\(loweringZh)：申请主体的额度仅余 \(left.formatted())（其余已使用、拨付或失效），"
                            + "最多可调低该数额，即调至 \(try subtract(current, left).formatted())",
                        en: "\(lowering): only \(left.formatted()) of the applicant's quota is left (the rest is used, "
                            + "paid or lapsed), so it can be lowered by at most that, to \(try subtract(current, left).formatted())"
                    )
                )
            }
        }
        let budget = LedgerAccount(.budget, programme: claim.programme, year: claim.year)
        let quota = LedgerAccount(.quota, programme: claim.programme, year: claim.year, party: claim.applicantID)
        let delta = try subtract(granted, current)
        let postings =
            delta.isNegative
            ? Posting.transfer(Money(fen: -delta.fen), from: quota, to: budget)
            : Posting.transfer(delta, from: budget, to: quota)
        let fact = DecisionFact(
            claimRef: claim.ref,
            level: request.level,
            outcome: request.outcome.reason == nil ? "granted" : "rejected",
            granted: granted,
            reviewer: request.reviewer,
            reason: reason,
            validUntil: validUntil
        )
        let event = EventDraft(
            kind: .decision,
            programme: claim.programme,
            policyVersion: version,
            payload: recording ? fact.payload : .null,
            explanation: explanation,
            postings: postings,
            amount: granted
        )
        return (fact, event)
    }

    /// What the engine allows for the claim on `date`: the most a reviewer may grant.
    public static func engineLimit(state: DecisionState, on date: BusinessDate) throws(LedgerError) -> SubsidyDecision {
        let claim = state.claim
        let basis: SubsidyBasis =
            switch state.programme.kind {
            case .voucher: .quotaClaim(requested: claim.requested)
            case .grant: .grant(requested: claim.requested)
            case .matching: .matching(paid: claim.paid ?? .zero, project: claim.project ?? "")
            }
        do {
            return try SubsidyEngine.decide(
                programme: state.programme,
                on: date,
                applicant: state.applicant,
                basis: basis,
                usage: state.usage
            )
        } catch {
            throw .invalid(field: "claim", value: claim.ref, reason: error.description, zh: error.zh)
        }
    }
}
