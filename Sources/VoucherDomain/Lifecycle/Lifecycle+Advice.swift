// MARK: - Advice: the most a reviewer may grant on a claim

extension Lifecycle {
    /// What a reviewer at `level` may grant on the claim on `date`, as
    /// ``decide(_:state:on:recording:)`` holds a grant to it: the engine's amount, no more than
    /// requested, and no more than the year's appropriation leaves (a grant may always stay at the
    /// claim's current one); nothing to an applicant the policy's districts or attributes leave
    /// out, and nothing after a voucher claim's year; at city level, where the policy requires both
    /// levels, no more than the district granted.
    public static func grantAdvice(
        state: DecisionState,
        level: ReviewLevel = .district,
        on date: BusinessDate
    ) throws(LedgerError) -> GrantAdvice {
        let decision = try engineLimit(state: state, on: date)
        var advice = GrantAdvice(
            limit: decision.ineligibility == nil ? min(decision.amount, state.claim.requested) : .zero,
            decision: decision,
            requested: state.claim.requested,
            on: date,
            budget: state.budget
        )
        let version = state.programme.version(on: date)
        if state.programme.kind == .voucher && date > state.claim.endOfYear {
            advice.limit = .zero
            advice.refusal = .decisionAfterProgrammeYear(claim: state.claim.ref, year: state.claim.year, date: date)
            return advice
        }
        if let version, advice.limit > .zero {
            do {
                try checkEligibility(of: state.applicant, for: state.programme, under: version)
            } catch {
                advice.limit = .zero
                advice.refusal = error
                return advice
            }
        }
        if let budget = state.budget, advice.limit > max(budget.left, budget.current) {
            advice.limit = max(budget.left, budget.current)
            advice.bound = budget.left >= budget.current ? .budget : .currentGrant
        }
        if level == .city, version?.requiredReviewLevels != nil,
            let district = state.decisions.last(where: { $0.level == .district }), advice.limit > district.granted
        {
            advice.limit = district.granted
            advice.bound = .districtGrant
        }
        return advice
    }
}

/// The most a reviewer may grant on a claim, and why (``Lifecycle/grantAdvice(state:level:on:)``).
public struct GrantAdvice: Sendable, Equatable {
    /// What bounds the limit below the engine's amount and the request.
    public enum Bound: Sendable, Hashable {
        /// What the year's appropriation leaves after the other claims' grants.
        case budget
        /// The claim's current grant, which a decision may keep though the budget is over-committed.
        case currentGrant
        /// The district's grant, which the city may lower, not raise (review.required_levels).
        case districtGrant
    }

    public var limit: Money
    /// The engine's decision for the claim: its amount and its explanation.
    public var decision: SubsidyDecision
    public var requested: Money
    /// The day it was worked out for: a decision of another day may be held to another limit.
    public var on: BusinessDate
    public var budget: BudgetState?
    public var bound: Bound?
    /// Why nothing may be granted, when a rule besides the engine's says so.
    public var refusal: LedgerError?

    public init(
        limit: Money,
        decision: SubsidyDecision,
        requested: Money,
        on: BusinessDate,
        budget: BudgetState? = nil,
        bound: Bound? = nil,
        refusal: LedgerError? = nil
    ) {
        self.limit = limit
        self.decision = decision
        self.requested = requested
        self.on = on
        self.budget = budget
        self.bound = bound
        self.refusal = refusal
    }

    /// The engine's explanation; when something else bounds the limit, what, and the limit.
    public func lines(_ language: Language) -> [String] {
        let zh = language == .zh
        var lines = decision.explanation(language)
        guard limit != decision.amount else { return lines }
        if let refusal {
            lines.append(zh ? "不可核定：\(refusal.text(.zh))" : "nothing may be granted: \(refusal.description)")
            return lines
        }
        // Something after the engine bounds the grant: the mark of what binds moves to its line.
        var engine = decision
        engine.binding = nil
        lines = engine.explanation(language)
        let mark = zh ? " ← 约束" : " ← binding"
        if decision.ineligibility == nil, requested < decision.amount {
            lines.append(
                (zh ? "申请金额 \(requested.formatted())" : "requested \(requested.formatted())")
                    + (bound == nil ? mark : "")
            )
        }
        if let budget, bound == .budget || bound == .currentGrant {
            let left = budget.left.formatted()
            let appropriated = budget.appropriation.amount.formatted()
            lines.append(
                (zh
                    ? "预算余额 \(left)（拨款 \(appropriated)，事件 \(budget.event)，减去其他申领的核定额）"
                    : "the budget leaves \(left) (appropriated \(appropriated), event \(budget.event), less the other claims' grants)")
                    + (bound == .budget ? mark : "")
            )
            if bound == .currentGrant {
                let current = budget.current.formatted()
                lines.append(
                    (zh ? "现有核定额 \(current) 可以保留" : "the claim's current grant of \(current) may be kept") + mark
                )
            }
        }
        if bound == .districtGrant {
            lines.append(
                (zh
                    ? "市级可调低、不可调高区级核定额 \(limit.formatted())"
                    : "the city may lower the district's grant of \(limit.formatted()), not raise it") + mark
            )
        }
        lines.append(zh ? "综上，至多可核定 \(limit.formatted())" : "so the most that may be granted: \(limit.formatted())")
        return lines
    }
}
