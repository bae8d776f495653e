import GRDB
import VoucherDomain

// MARK: - Redemption, payments, expiry, reversal

extension Ledger {
    /// Records a provider's claim for redemption of one or more of its uses.
    @discardableResult
    public func fileRedemption(_ request: RedemptionFilingRequest, context: EventContext) throws -> RecordedEvent {
        let (ref, submitted) = try Lifecycle.submission(of: request)
        return try transaction { db in
            if let earlier = try replay(db, context: context, kind: .redemptionFiled, request: submitted) {
                return earlier
            }
            try refuseTakenRef(db, table: "redemption_filing", kind: "redemption", ref: ref)
            _ = try provider(db, request.providerID)
            let uses = try request.useRefs.map { useRef in
                let use = try storedUse(db, ref: useRef)
                let filedIn = try db.fetchOne(
                    String.self,
                    sql: """
                        SELECT f.ref FROM redemption_item i JOIN redemption_filing f ON f.event_seq = i.filing_seq
                        WHERE i.use_seq = ? AND \(Self.live("f"))
                        """,
                    arguments: [use.seq]
                )
                return Lifecycle.UseToFile(use: use, filedIn: filedIn)
            }
            let (items, event) = try Lifecycle.file(
                ref: ref,
                providerID: request.providerID,
                uses: uses,
                on: context.businessDate
            )
            try Lifecycle.checkDate(
                of: .redemptionFiled,
                context.businessDate,
                after: uses.map { EarlierRecord.use($0.use.ref, on: $0.use.usedOn) }
            )
            return try append(db, context: context, request: submitted, event: event) { seq in
                try FilingRecord(eventSeq: seq, ref: ref, providerID: request.providerID).insertRow(db)
                for item in items {
                    try RedemptionItemRecord(filingSeq: seq, useSeq: item.use.seq, pastDeadline: item.pastDeadline)
                        .insertRow(db)
                    if item.pastDeadline {
                        try LateItemRecord(
                            filingSeq: seq,
                            useSeq: item.use.seq,
                            programmeID: item.use.programme,
                            year: Int64(item.use.year),
                            filedOn: context.businessDate.iso,
                            daysLate: Int64(item.daysLate)
                        ).insertRow(db)
                    }
                }
            }
        }
    }

    /// Settles one filed use: paid in full, reduced or rejected, under the policy version the use
    /// was computed with.
    @discardableResult
    public func settleRedemption(_ request: SettlementRequest, context: EventContext) throws -> RecordedEvent {
        let (checked, submitted) = try Lifecycle.submission(of: request)
        return try transaction { db in
            if let earlier = try replay(db, context: context, kind: .redemptionSettled, request: submitted) {
                return earlier
            }
            try Lifecycle.checkNewReason(checked.outcome.reason)
            guard
                let filingSeq = try db.fetchOne(
                    Int64.self,
                    sql: "SELECT f.event_seq FROM redemption_filing f WHERE f.ref = ? AND \(Self.live("f"))",
                    arguments: [request.filingRef]
                )
            else { throw LedgerError.unknownRedemption(request.filingRef) }
            // Its row gives the rules their view and the kept totals its keys.
            let useRecord = try liveUseRecord(db, ref: request.useRef)
            let use = try Self.forRedemption(useRecord)
            let inFiling =
                try db.fetchOne(
                    Bool.self,
                    sql: "SELECT 1 FROM redemption_item WHERE filing_seq = ? AND use_seq = ?",
                    arguments: [filingSeq, use.seq]
                ) ?? false
            let settledBy = try db.fetchOne(
                Int64.self,
                sql: "SELECT s.event_seq FROM settlement s WHERE s.use_seq = ? AND \(Self.live("s"))",
                arguments: [use.seq]
            )
            let entry = try programme(db, try ProgrammeID(use.programme))
            let state = Lifecycle.SettlementState(
                use: use,
                inFiling: inFiling,
                settledBy: settledBy,
                useVersion: try versionApplied(db, eventSeq: use.seq, entry: entry)
            )
            let (fact, event) = try Lifecycle.settle(checked, state: state)
            try Lifecycle.checkDate(
                of: .redemptionSettled,
                context.businessDate,
                after: [EarlierRecord.filing(request.filingRef, on: try eventDate(db, filingSeq))]
            )
            return try append(db, context: context, request: submitted, event: event, entry: entry) { seq in
                let record = SettlementRecord(
                    eventSeq: seq,
                    filingSeq: filingSeq,
                    useSeq: use.seq,
                    outcome: fact.outcome,
                    paid: fact.paid.fen,
                    unpaid: fact.unpaid.fen,
                    unpaidEffect: fact.unpaidEffect.rawValue,
                    reason: fact.reason
                )
                try record.insertRow(db)
                Self.kept?.add(settlement: record, of: useRecord, on: context.businessDate.iso)
            }
        }
    }

    /// The policy version event `seq` applied: the version of the programme's policy whose hash
    /// the event recorded.
    private func versionApplied(
        _ db: Database,
        eventSeq: Int64,
        entry: ProgrammeCache.Entry
    ) throws
        -> PolicyVersion?
    {
        guard
            let hash = try db.fetchOne(
                String.self,
                sql: "SELECT policy_hash FROM event WHERE seq = ?",
                arguments: [eventSeq]
            )
        else { return nil }
        guard let version = entry.version(hash: hash) else {
            throw LedgerError.internalInconsistency(
                "event \(eventSeq) applied policy version \(hash.prefix(12)), which the programme's policy no longer has"
            )
        }
        return version
    }

    /// Pays (part of) a granted matching claim or grant to the applicant.
    @discardableResult
    public func pay(_ request: PaymentRequest, context: EventContext) throws -> RecordedEvent {
        let submitted = try Lifecycle.submission(of: request)
        return try transaction { db in
            if let earlier = try replay(db, context: context, kind: .payment, request: submitted) { return earlier }
            let claim = try storedClaim(db, ref: request.claimRef)
            let entry = try programme(db, claim.fact.programme)
            let paidBefore = try db.fetchOne(
                Int64.self,
                sql: "SELECT COALESCE(SUM(p.amount), 0) FROM payment p WHERE p.claim_seq = ? AND \(Self.live("p"))",
                arguments: [claim.seq]
            )
            let decisions = try currentDecisions(db, claimSeq: claim.seq)
            let latest = decisions.last
            var state = PaymentState(
                claim: claim.fact,
                kind: entry.programme.kind,
                granted: latest?.granted ?? .zero,
                paidBefore: Money(fen: paidBefore ?? 0)
            )
            if let latest {
                // The review the grant's version required, on the day it was granted.
                state.awaiting = Lifecycle.awaitedReview(
                    of: entry.programme,
                    on: try eventDate(db, latest.seq),
                    decided: latest.level
                )
            }
            let event = try Lifecycle.pay(request, state: state)
            try Lifecycle.checkDate(
                of: .payment,
                context.businessDate,
                after: try earlierRecords(db, claim: claim, decisions: decisions)
            )
            return try append(db, context: context, request: submitted, event: event) { seq in
                try PaymentRecord(eventSeq: seq, claimSeq: claim.seq, amount: request.amount.fen).insertRow(db)
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
            // The balances are read from their rows below.
            try writeKeptTotals(db)
            let entry = try programme(db, id)
            let ended = try db.fetchAll(
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
            ).map { row in
                EndedQuota(
                    claimRef: row["ref"],
                    applicantID: row["applicant_id"],
                    year: row["year"],
                    left: Money(fen: row["balance"])
                )
            }
            guard let event = try Lifecycle.expire(programme: entry.programme, ended: ended) else { return nil }
            return try append(db, context: context, request: submitted, event: event)
        }
    }

    /// Cancels an event by a new event that posts the opposite amounts and references it.
    @discardableResult
    public func reverse(event seq: Int64, reason: String, context: EventContext) throws -> RecordedEvent {
        let (why, submitted) = try Lifecycle.reversalSubmission(event: seq, reason: reason)
        return try transaction { db in
            if let earlier = try replay(db, context: context, kind: .reversal, request: submitted) { return earlier }
            try Lifecycle.checkNewReason(why)
            let reversal = try reversalTarget(db, seq: seq)
            let event = try Lifecycle.reverse(
                reversal,
                reason: why,
                on: context.businessDate,
                today: context.recordedOn
            )
            return try append(db, context: context, request: submitted, event: event)
        }
    }

    /// The event `seq` as a reversal of it sees it: its kind, postings, what depends on it and
    /// what reversing it would restore.
    private func reversalTarget(_ db: Database, seq: Int64) throws -> ReversalTarget {
        guard
            let row = try db.fetchOne(
                Row.self,
                sql: "SELECT kind, programme_id, business_date FROM event WHERE seq = ?",
                arguments: [seq]
            ),
            let kind = EventKind(rawValue: row["kind"])
        else { throw LedgerError.unknownEvent(seq) }
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
            return Posting(account, Money(fen: row["amount"]))
        }
        var target = ReversalTarget(
            seq: seq,
            kind: kind,
            programme: try (row["programme_id"] as String?).map { try ProgrammeID($0) },
            reversedBy: try db.fetchOne(
                Int64.self,
                sql: "SELECT seq FROM event WHERE reverses = ?",
                arguments: [seq]
            ),
            dependent: try dependent(db, seq: seq, kind: kind),
            postings: postings,
            date: try BusinessDate.parse(row["business_date"]),
            dependentsReversedOn: try dependentsReversedOn(db, seq: seq, kind: kind)
        )
        if kind == .decision {
            target.restores = try restoredGrant(db, decision: seq)
            if let ref = target.restores?.claim, let claim = try? storedClaim(db, ref: ref) {
                target.claimFunded = try claimSpent(db, claim: claim)
            }
        }
        return target
    }

    /// Why each of these events may not be reversed now, in the rules' words (``Lifecycle/reverse(_:reason:on:)``,
    /// whatever the date); an event that may be is not in the answer.
    public func reversalRefusals(of events: [Int64]) throws -> [Int64: LedgerError] {
        try read { db in
            var refusals: [Int64: LedgerError] = [:]
            for seq in events {
                do {
                    _ = try Lifecycle.reverse(try reversalTarget(db, seq: seq), reason: "-")
                } catch let refusal as LedgerError {
                    refusals[seq] = refusal
                }
            }
            return refusals
        }
    }

    /// What reversing decision `seq` restores: the grant of its claim's live decision before it (or
    /// zero), against the year's budget with the decision's own grant as current.
    private func restoredGrant(
        _ db: Database,
        decision seq: Int64
    ) throws -> (claim: String, grant: Money, budget: BudgetState?)? {
        guard
            let row = try db.fetchOne(
                Row.self,
                sql: """
                    SELECT c.ref, c.programme_id, c.year, d.granted, (
                        SELECT p.granted FROM decision p WHERE p.claim_seq = d.claim_seq AND p.event_seq < d.event_seq
                        AND \(Self.live("p")) ORDER BY p.event_seq DESC LIMIT 1) AS earlier
                    FROM decision d JOIN claim c ON c.event_seq = d.claim_seq WHERE d.event_seq = ?
                    """,
                arguments: [seq]
            )
        else { return nil }
        let current = Money(fen: row["granted"])
        let budget = try budgetState(
            db,
            programme: try ProgrammeID(row["programme_id"]),
            year: row["year"],
            current: current
        )
        return (row["ref"], Money(fen: row["earlier"] ?? 0), budget)
    }

    /// The latest date on which an event that depended on event `seq` of `kind` was reversed.
    private func dependentsReversedOn(_ db: Database, seq: Int64, kind: EventKind) throws -> BusinessDate? {
        let sql: String? =
            switch kind {
            case .claim:
                "SELECT MAX(r.business_date) FROM decision d JOIN event r ON r.reverses = d.event_seq WHERE d.claim_seq = ?"
            case .decision:
                "SELECT MAX(r.business_date) FROM decision d JOIN event r ON r.reverses = d.event_seq "
                    + "WHERE d.claim_seq = (SELECT claim_seq FROM decision WHERE event_seq = ?1) AND d.event_seq > ?1"
            case .use:
                "SELECT MAX(r.business_date) FROM redemption_item i JOIN event r ON r.reverses = i.filing_seq WHERE i.use_seq = ?"
            case .redemptionFiled:
                "SELECT MAX(r.business_date) FROM settlement s JOIN event r ON r.reverses = s.event_seq WHERE s.filing_seq = ?"
            case .recovery:
                "SELECT MAX(r.business_date) FROM recovery_receipt t JOIN event r ON r.reverses = t.event_seq "
                    + "WHERE t.use_seq = (SELECT use_seq FROM recovery WHERE event_seq = ?)"
            default: nil
            }
        guard let sql, let date = try db.fetchOne(String.self, sql: sql, arguments: [seq]) else { return nil }
        return try BusinessDate.parse(date)
    }

    /// A live event that depends on event `seq` of `kind` (the rules say what it is).
    private func dependent(_ db: Database, seq: Int64, kind: EventKind) throws -> Int64? {
        let sql: String? =
            switch kind {
            case .claim:
                "SELECT d.event_seq FROM decision d WHERE d.claim_seq = ? AND \(Self.live("d"))"
            case .decision:
                "SELECT d.event_seq FROM decision d WHERE d.claim_seq = (SELECT claim_seq FROM decision WHERE event_seq = ?1) "
                    + "AND d.event_seq > ?1 AND \(Self.live("d"))"
            case .use:
                "SELECT f.event_seq FROM redemption_item i JOIN redemption_filing f ON f.event_seq = i.filing_seq "
                    + "WHERE i.use_seq = ? AND \(Self.live("f"))"
            case .redemptionFiled:
                "SELECT s.event_seq FROM settlement s WHERE s.filing_seq = ? AND \(Self.live("s"))"
            case .recovery:
                // Only when, without this amount, less would be owed than was received.
                """
                SELECT t.event_seq FROM recovery_receipt t
                WHERE t.use_seq = (SELECT use_seq FROM recovery WHERE event_seq = ?1) AND \(Self.live("t"))
                AND (SELECT COALESCE(SUM(x.amount), 0) FROM recovery x WHERE x.use_seq = t.use_seq AND \(Self.live("x")))
                    - (SELECT amount FROM recovery WHERE event_seq = ?1)
                < (SELECT COALESCE(SUM(y.amount), 0) FROM recovery_receipt y WHERE y.use_seq = t.use_seq AND \(Self.live("y")))
                ORDER BY t.event_seq DESC LIMIT 1
                """
            default: nil
            }
        guard let sql else { return nil }
        return try db.fetchOne(Int64.self, sql: sql, arguments: [seq])
    }
}
