import GRDB
import VoucherDomain

// MARK: - Claims and decisions

/// Each operation: check the request (``Lifecycle``'s `submission`), then in one transaction
/// replay a repeated submission, load the state the rule needs, ask the rule, and append what it
/// decided with its fact rows. The rules are VoucherDomain's; nothing here decides.
extension Ledger {
    /// Records a claim. A voucher applicant has one open claim per programme and year.
    @discardableResult
    public func claim(_ request: ClaimRequest, context: EventContext) throws -> RecordedEvent {
        let fact = try Lifecycle.submission(of: request)
        return try transaction { db in
            if let earlier = try replay(db, context: context, kind: .claim, request: fact.payload) { return earlier }
            let entry = try programme(db, request.programme)
            let registered = try applicant(db, request.applicantID)
            try refuseTakenRef(db, table: "claim", kind: "claim", ref: fact.ref)
            try Lifecycle.checkClaimYear(fact.year, on: context.businessDate, programme: entry.programme)
            try Lifecycle.checkRequested(fact.requested)
            let open: String? =
                entry.programme.kind == .voucher
                ? try openVoucherClaim(db, applicant: fact.applicantID, programme: fact.programme, year: fact.year)
                : nil
            let event = try Lifecycle.claim(
                fact,
                state: Lifecycle.ClaimState(
                    programme: entry.programme,
                    openClaim: open,
                    applicant: registered.rulesApplicant
                ),
                on: context.businessDate
            )
            return try append(db, context: context, request: fact.payload, event: event, entry: entry) { seq in
                try ClaimRecord(
                    eventSeq: seq,
                    ref: fact.ref,
                    applicantID: fact.applicantID,
                    programmeID: fact.programme.value,
                    year: fact.year,
                    requested: fact.requested.fen,
                    project: fact.project,
                    paid: fact.paid?.fen
                ).insertRow(db)
            }
        }
    }

    /// The applicant's live claim for a voucher programme and year that no live decision rejected.
    private func openVoucherClaim(
        _ db: Database,
        applicant: String,
        programme: ProgrammeID,
        year: Int
    ) throws
        -> String?
    {
        try db.fetchOne(
            String.self,
            sql: """
                SELECT c.ref FROM claim c WHERE c.applicant_id = ? AND c.programme_id = ? AND c.year = ?
                AND \(Self.live("c")) AND NOT EXISTS (
                    SELECT 1 FROM decision d WHERE d.claim_seq = c.event_seq AND d.outcome = 'rejected'
                    AND \(Self.live("d")) AND d.event_seq = (
                        SELECT MAX(d2.event_seq) FROM decision d2 WHERE d2.claim_seq = c.event_seq AND \(Self.live("d2"))))
                """,
            arguments: [applicant, programme.value, year]
        )
    }

    /// Records a review decision: the rule checks the order of levels, every cap and the amount
    /// requested; the quota moves from the budget by the difference from the claim's current grant.
    @discardableResult
    public func decide(_ request: DecisionRequest, context: EventContext) throws -> RecordedEvent {
        let (checked, submitted) = try Lifecycle.submission(of: request)
        return try transaction { db in
            if let earlier = try replay(db, context: context, kind: .decision, request: submitted) { return earlier }
            let claim = try storedClaim(db, ref: request.claimRef)
            // The claim's latest live decision, again (a retried command under a new key): nothing new.
            if let latest = try DecisionRecord.fetchOne(
                db.cachedStatement(
                    sql:
                        "SELECT d.* FROM decision d WHERE d.claim_seq = ? AND \(Self.live("d")) ORDER BY d.event_seq DESC LIMIT 1"
                ),
                arguments: [claim.seq]
            ), latest.level == checked.level.rawValue, latest.reviewer == checked.reviewer,
                latest.granted == checked.outcome.granted.fen, latest.reason == checked.recordedReason
            {
                return try recordedEvent(db, seq: latest.eventSeq, replayed: true)
            }
            try Lifecycle.checkNewReason(checked.outcome.reason)
            let entry = try programme(db, claim.fact.programme)
            let registered = try applicant(db, claim.fact.applicantID)
            var state = Lifecycle.DecisionState(
                claim: claim.fact,
                programme: entry.programme,
                decisions: try currentDecisions(db, claimSeq: claim.seq),
                applicant: registered.rulesApplicant
            )
            // A lower grant than the current one is held to what the claim funded and what is left.
            if checked.outcome.granted < (state.decisions.last?.granted ?? .zero) {
                state.quotaLeft = try balance(
                    db,
                    LedgerAccount(
                        .quota,
                        programme: claim.fact.programme,
                        year: claim.fact.year,
                        party: claim.fact.applicantID
                    )
                )
                state.claimSpent = try claimSpent(db, claim: claim)
            }
            if case .grant(let amount) = checked.outcome, amount > .zero {
                state.usage = try grantUsage(db, claim: claim, state: state, date: context.businessDate)
                state.budget = try budgetState(
                    db,
                    programme: claim.fact.programme,
                    year: claim.fact.year,
                    current: state.decisions.last?.granted ?? .zero
                )
            }
            try Lifecycle.checkDate(
                of: .decision,
                context.businessDate,
                after: try earlierRecords(db, claim: claim, decisions: state.decisions)
            )
            let (fact, event) = try Lifecycle.decide(checked, state: state, on: context.businessDate)
            return try append(db, context: context, request: submitted, event: event, entry: entry) { seq in
                try DecisionRecord(
                    eventSeq: seq,
                    claimSeq: claim.seq,
                    level: fact.level.rawValue,
                    outcome: fact.outcome,
                    granted: fact.granted.fen,
                    reviewer: fact.reviewer,
                    reason: fact.reason,
                    validUntil: fact.validUntil?.iso
                ).insertRow(db)
            }
        }
    }

    /// What a reviewer at `level` may grant on each of these claims on `date`, with why
    /// (``Lifecycle/grantAdvice(state:level:on:)``), or the rules' refusal to advise. A voucher
    /// claim of a year already ended is advised on the last day of its year, the last day a grant
    /// on it may be dated.
    public func grantAdvice(
        claims refs: [String],
        level: ReviewLevel,
        on date: BusinessDate
    ) throws -> [String: Result<GrantAdvice, LedgerError>] {
        try read { db in
            var advice: [String: Result<GrantAdvice, LedgerError>] = [:]
            for ref in refs {
                do {
                    let claim = try storedClaim(db, ref: ref)
                    let entry = try programme(db, claim.fact.programme)
                    var day = date
                    if entry.programme.kind == .voucher { day = min(date, BusinessDate.endOfYear(claim.fact.year)) }
                    var state = Lifecycle.DecisionState(
                        claim: claim.fact,
                        programme: entry.programme,
                        decisions: try currentDecisions(db, claimSeq: claim.seq),
                        applicant: try applicant(db, claim.fact.applicantID).rulesApplicant
                    )
                    state.usage = try grantUsage(db, claim: claim, state: state, date: day)
                    state.budget = try budgetState(
                        db,
                        programme: claim.fact.programme,
                        year: claim.fact.year,
                        current: state.decisions.last?.granted ?? .zero
                    )
                    advice[ref] = .success(try Lifecycle.grantAdvice(state: state, level: level, on: day))
                } catch let refusal as LedgerError {
                    advice[ref] = .failure(refusal)
                }
            }
            return advice
        }
    }

    /// How many decisions were recorded on a claim, live or reversed: the default idempotency key
    /// of `voucher decide` counts them, so that deciding again after a reversal is a new event.
    public func decisionsRecorded(onClaim ref: String) throws -> Int {
        try read { db in
            try Int.fetchOne(
                db,
                sql: "SELECT COUNT(*) FROM decision d JOIN claim c ON c.event_seq = d.claim_seq WHERE c.ref = ?",
                arguments: [ref]
            ) ?? 0
        }
    }

    /// What the caps the policy sets have counted for a claim, from the ledger's own figures. Only
    /// the caps the policy sets are summed; the budget comes from its account, not a scan.
    private func grantUsage(
        _ db: Database,
        claim: StoredClaim,
        state: Lifecycle.DecisionState,
        date: BusinessDate
    ) throws -> UsageSoFar {
        let fact = claim.fact
        let caps = state.programme.version(on: date)?.caps ?? PolicyVersion.Caps()
        var usage = UsageSoFar()
        if caps.perApplicantPerYear[state.applicant.kind] != nil {
            usage.applicantThisYear = try grantedSum(
                db,
                programme: fact.programme,
                year: fact.year,
                filter: "c.applicant_id = ? AND c.event_seq <> ?",
                arguments: [fact.applicantID, claim.seq]
            )
        }
        if let group = state.applicant.group, caps.perGroupPerYear != nil {
            usage.groupThisYear = try grantedSum(
                db,
                programme: fact.programme,
                year: fact.year,
                filter: "c.applicant_id IN (\(Self.groupMembersSQL)) AND c.event_seq <> ?",
                arguments: [group, claim.seq]
            )
        }
        if let project = fact.project, caps.perProject != nil {
            // Every applicant's project of this name; the rule counts the applicant's own.
            usage.projectToDate = Lifecycle.projectToDate(
                of: fact.applicantID,
                byApplicant: try byApplicant(
                    db,
                    """
                    SELECT c.applicant_id, SUM(d.granted) FROM claim c JOIN decision d ON d.claim_seq = c.event_seq
                    WHERE c.programme_id = ? AND c.project = ? AND c.event_seq <> ? AND \(Self.live("c"))
                    AND d.event_seq = (SELECT MAX(d2.event_seq) FROM decision d2 WHERE d2.claim_seq = c.event_seq AND \(Self.live("d2")))
                    GROUP BY c.applicant_id
                    """,
                    arguments: [fact.programme.value, project, claim.seq]
                )
            )
        }
        if caps.budgetPerYear != nil {
            // The budget account holds minus every current grant of the year; this claim's own is left out.
            let budget = LedgerAccount(.budget, programme: fact.programme, year: fact.year)
            let drawn = Money(fen: -(try balance(db, budget)).fen)
            usage.budgetThisYear = drawn.remaining(after: state.decisions.last?.granted ?? .zero)
        }
        return usage
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
        var all: StatementArguments = [programme.value]
        var scope = "c.programme_id = ?"
        if let year {
            scope += " AND c.year = ?"
            all += [year]
        }
        all += arguments
        let fen = try db.fetchOne(
            Int64.self,
            sql: """
                SELECT COALESCE(SUM(d.granted), 0) FROM claim c JOIN decision d ON d.claim_seq = c.event_seq
                WHERE \(scope) AND \(filter) AND \(Self.live("c"))
                AND d.event_seq = (SELECT MAX(d2.event_seq) FROM decision d2 WHERE d2.claim_seq = c.event_seq AND \(Self.live("d2")))
                """,
            arguments: all
        )
        return Money(fen: fen ?? 0)
    }

    // MARK: - Uses

    /// What a use would get, computed exactly as ``use(_:context:)`` would, recording nothing;
    /// under `reform`'s versions in place of the programme's when one is given (`quote --policy`).
    public func quote(
        _ request: UseRequest,
        on date: BusinessDate,
        under reform: Programme? = nil
    ) throws
        -> SubsidyDecision
    {
        try read { db in
            var state = try useState(db, request: request, date: date, counting: reform).rule
            if let reform { state.programme = reform }
            // What the use would be refused for, a quote is refused for too.
            let (checked, _) = try Lifecycle.submission(of: request)
            try Lifecycle.checkControls(checked, state: state, on: date, quoting: true)
            return try Lifecycle.quote(request, state: state, on: date)
        }
    }

    /// Records a use: the engine computes the voucher amount from the ledger's own year-to-date
    /// figures, and the explanation is stored with the event.
    @discardableResult
    public func use(_ request: UseRequest, context: EventContext) throws -> RecordedEvent {
        let (checked, submitted) = try Lifecycle.submission(of: request)
        return try transaction(keepsMemo: true) { db in
            if let earlier = try replay(db, context: context, kind: .use, request: submitted) { return earlier }
            try refuseTakenRef(db, table: "voucher_use", kind: "use", ref: checked.ref)
            let state = try useState(db, request: checked, date: context.businessDate)
            let (fact, event, _) = try Lifecycle.use(checked, state: state.rule, on: context.businessDate)
            guard let claimSeq = state.claimSeq else {
                throw LedgerError.internalInconsistency("a use was decided without the claim of its quota")
            }
            return try append(db, context: context, request: submitted, event: event, entry: state.entry) { seq in
                try insert(fact, db, seq: seq, claimSeq: claimSeq)
            }
        }
    }

    private struct LoadedUseState {
        var rule: Lifecycle.UseState
        var entry: ProgrammeCache.Entry
        var claimSeq: Int64?
    }

    /// `counting`: another policy (a reform being quoted) whose caps are counted too, when it
    /// sets a cap the installed one does not.
    private func useState(
        _ db: Database,
        request: UseRequest,
        date: BusinessDate,
        counting other: Programme? = nil
    ) throws -> LoadedUseState {
        let entry = try programme(db, request.programme)
        let programme = entry.programme
        let registered = try applicant(db, request.applicantID)
        let provider = try provider(db, request.providerID)
        let product = try product(db, request.productCode)
        let providerFacts = ProviderFacts(id: provider.id, region: provider.region)
        let productFacts = ProductFacts(code: product.code, providerID: product.providerID, category: product.category)
        let applicant = registered.rulesApplicant
        let stored = try grantedQuotas(db, applicantID: applicant.id, programme: programme.id)
        let covering = Lifecycle.quota(covering: date, among: stored.map(\.quota))
        let claimSeq = covering.flatMap { quota in stored.first { $0.quota.claimRef == quota.claimRef }?.seq }
        let caps = programme.version(on: date)?.caps ?? PolicyVersion.Caps()
        let otherCaps = other?.version(on: date)?.caps ?? PolicyVersion.Caps()
        var usage = UsageSoFar()
        var quota = covering
        if let granted = covering {
            let account = LedgerAccount(.quota, programme: programme.id, year: granted.year, party: applicant.id)
            quota?.quota.left = try balance(db, account)
            if caps.perApplicantPerYear[applicant.kind] != nil || otherCaps.perApplicantPerYear[applicant.kind] != nil {
                usage.applicantThisYear = try usedTotal(
                    db,
                    programme: programme.id,
                    year: granted.year,
                    applicant: applicant.id
                )
            }
            if let group = applicant.group, caps.perGroupPerYear != nil || otherCaps.perGroupPerYear != nil {
                usage.groupThisYear = Money(
                    fen: try Int64.fetchOne(
                        db.cachedStatement(sql: Self.groupUsedSQL),
                        arguments: [programme.id.value, granted.year, group]
                    ) ?? 0
                )
            }
        }
        if let project = request.project?.trimmed, !project.isEmpty,
            caps.perProject != nil || otherCaps.perProject != nil
        {
            // Every applicant's project of this name; the rule counts the applicant's own.
            usage.projectToDate = Lifecycle.projectToDate(
                of: applicant.id,
                byApplicant: try byApplicant(
                    db,
                    """
                    SELECT u.applicant_id, SUM(\(Self.usedNetOfReturned))
                    FROM voucher_use u WHERE u.programme_id = ? AND u.project = ? AND \(Self.live("u"))
                    GROUP BY u.applicant_id
                    """,
                    arguments: [programme.id.value, project]
                )
            )
        }
        var rule = Lifecycle.UseState(
            programme: programme,
            applicant: applicant,
            provider: providerFacts,
            product: productFacts,
            quota: quota,
            usage: usage,
            providerSuspension: Lifecycle.suspension(on: date, among: try providerStatus(db, provider.id))
        )
        if let invoice = try Lifecycle.invoiceNumber(request.invoice) {
            rule.invoiceFunded = try fundedUse(db, provider: provider.id, invoice: invoice)
        }
        return LoadedUseState(rule: rule, entry: entry, claimSeq: claimSeq)
    }

    /// Amounts by applicant: `sql` selects an applicant and a sum per row.
    private func byApplicant(_ db: Database, _ sql: String, arguments: StatementArguments) throws -> [String: Money] {
        var amounts: [String: Money] = [:]
        for row in try db.fetchAll(Row.self, sql: sql, arguments: arguments) {
            amounts[row[0]] = Money(fen: row[1] ?? 0)
        }
        return amounts
    }

    /// The applicant's voucher amounts used in a programme year, net of amounts returned to the
    /// quota: one row of the use totals the ledger keeps, with what is pending of them.
    func usedTotal(_ db: Database, programme: ProgrammeID, year: Int, applicant: String) throws -> Money {
        let fen = try Int64.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT amount - returned FROM use_total
                    WHERE programme_id = ? AND year = ? AND dimension = 'applicant' AND key = ?
                    """
            ),
            arguments: [programme.value, year, applicant]
        )
        let pending = Self.kept?.pendingUse(
            UseTotalKey(programme: programme.value, year: Int64(year), dimension: "applicant", key: applicant)
        )
        return Money(fen: (fen ?? 0) &+ (pending.map { $0.amount &- $0.returned } ?? 0))
    }

    /// SQL: the amount of the use `u` less what its live settlements returned to the quota.
    static let usedNetOfReturned = """
        u.amount - COALESCE((
            SELECT SUM(s.unpaid) FROM settlement s WHERE s.use_seq = u.event_seq
            AND s.unpaid_effect = 'returned' AND \(live("s"))), 0)
        """

    /// SQL: the voucher amounts a group's members used in a programme year, net of amounts returned
    /// to the quota (arguments: programme, year, group), found through the index by applicant.
    /// Without statistics SQLite took the covering index by programme and year (migration v11)
    /// instead, and read every use of the year for each use of a member (docs/performance.md).
    static let groupUsedSQL = """
        SELECT COALESCE(SUM(\(usedNetOfReturned)), 0) FROM voucher_use u INDEXED BY voucher_use_by_applicant
        WHERE u.programme_id = ? AND u.year = ? AND u.applicant_id IN (\(groupMembersSQL)) AND \(live("u"))
        """

    func insert(_ fact: UseFact, _ db: Database, seq: Int64, claimSeq: Int64) throws {
        let record = UseRecord(
            eventSeq: seq,
            ref: fact.ref,
            claimSeq: claimSeq,
            programmeID: fact.programme,
            year: fact.year,
            applicantID: fact.applicantID,
            providerID: fact.providerID,
            productCode: fact.productCode,
            category: fact.category,
            providerRegion: fact.providerRegion,
            project: fact.project,
            usedOn: fact.usedOn,
            serviceAmount: fact.serviceAmount,
            eligibleAmount: fact.eligibleAmount,
            taxAmount: fact.taxAmount,
            rateBasisPoints: fact.rateBasisPoints,
            amount: fact.amount,
            redemptionDeadline: fact.redemptionDeadline,
            rounding: fact.rounding,
            invoice: fact.invoice
        )
        try record.insertRow(db)
        Self.kept?.add(use: record)
    }
}
