import GRDB
import VoucherDomain

// MARK: - Recovery (schema v8)

extension Ledger {
    /// Records an amount the applicant owes back on a paid use (``Lifecycle/recovery(_:state:)``).
    @discardableResult
    public func recover(_ request: RecoveryFact, context: EventContext) throws -> RecordedEvent {
        try recordRecovery(request, context: context, kind: .recovery) { request, state throws(LedgerError) in
            try Lifecycle.recovery(request, state: state, on: context.businessDate)
        }
    }

    /// Records money received back on a use (``Lifecycle/recoveryReceipt(_:state:)``).
    @discardableResult
    public func receiveRecovery(_ request: RecoveryFact, context: EventContext) throws -> RecordedEvent {
        try recordRecovery(request, context: context, kind: .recoveryReceived) { request, state throws(LedgerError) in
            try Lifecycle.recoveryReceipt(request, state: state, on: context.businessDate)
        }
    }

    /// What a live use's settlements paid, and what is owed and received back on it, as the
    /// rules of a recovery see it.
    public func recoveryState(ofUse ref: String) throws -> RecoveryState {
        try read { db in
            let use = try liveUseRecord(db, ref: ref)
            return try recoveryState(db, useSeq: use.eventSeq, programme: try ProgrammeID(use.programmeID))
        }
    }

    private func recordRecovery(
        _ request: RecoveryFact,
        context: EventContext,
        kind: EventKind,
        rule: (RecoveryFact, RecoveryState) throws(LedgerError) -> EventDraft
    ) throws -> RecordedEvent {
        var submitted = request
        submitted.useRef = try Lifecycle.reference(request.useRef, field: "use")
        submitted.reason = request.reason?.trimmed.nilIfEmpty
        return try transaction { db in
            if let earlier = try replay(db, context: context, kind: kind, request: submitted.payload) { return earlier }
            let use = try liveUseRecord(db, ref: submitted.useRef)
            let entry = try programme(db, try ProgrammeID(use.programmeID))
            let state = try recoveryState(db, useSeq: use.eventSeq, programme: entry.programme.id)
            let event = try rule(submitted, state)
            return try append(db, context: context, request: submitted.payload, event: event, entry: entry) { seq in
                if kind == .recovery {
                    try RecoveryRecord(
                        eventSeq: seq,
                        useSeq: use.eventSeq,
                        amount: submitted.amount.fen,
                        reason: submitted.reason ?? ""
                    ).insertRow(db)
                } else {
                    try RecoveryReceiptRecord(eventSeq: seq, useSeq: use.eventSeq, amount: submitted.amount.fen)
                        .insertRow(db)
                }
            }
        }
    }

    /// What a use's live settlements paid, and what live recoveries and receipts say is owed and
    /// received back.
    func recoveryState(_ db: Database, useSeq: Int64, programme: ProgrammeID) throws -> RecoveryState {
        func sum(_ table: String, _ column: String) throws -> Money {
            Money(
                fen: try Int64.fetchOne(
                    db,
                    sql:
                        "SELECT COALESCE(SUM(t.\(column)), 0) FROM \(table) t WHERE t.use_seq = ? AND \(Self.live("t"))",
                    arguments: [useSeq]
                ) ?? 0
            )
        }
        func latest(_ table: String) throws -> BusinessDate? {
            try String.fetchOne(
                db,
                sql: """
                    SELECT MAX(e.business_date) FROM \(table) t CROSS JOIN event e ON e.seq = t.event_seq
                    WHERE t.use_seq = ? AND \(Self.live("t"))
                    """,
                arguments: [useSeq]
            ).map { try BusinessDate.parse($0) }
        }
        return RecoveryState(
            programme: programme,
            paid: try sum("settlement", "paid"),
            owed: try sum("recovery", "amount"),
            received: try sum("recovery_receipt", "amount"),
            lastSettled: try latest("settlement"),
            lastOwed: try latest("recovery")
        )
    }
}
