import GRDB
import VoucherDomain

// MARK: - The programme's fund (schema v8)

extension Ledger {
    /// Records a programme year's appropriation, or its revision (``Lifecycle/appropriation(_:)``
    /// checks it).
    @discardableResult
    public func setBudget(_ appropriation: Appropriation, context: EventContext) throws -> RecordedEvent {
        let event = try Lifecycle.appropriation(appropriation)
        return try transaction { db in
            if let earlier = try replay(db, context: context, kind: .budget, request: appropriation.payload) {
                return earlier
            }
            _ = try programme(db, appropriation.programme)
            // The year's appropriation as it stands, again (a retried command under a new key),
            // records nothing.
            if let latest = try self.appropriation(db, appropriation.programme, year: appropriation.year),
                latest.appropriation == appropriation
            {
                return try recordedEvent(db, seq: latest.event, replayed: true)
            }
            return try append(db, context: context, request: appropriation.payload, event: event) { seq in
                try BudgetRecord(
                    eventSeq: seq,
                    programmeID: appropriation.programme.value,
                    year: appropriation.year,
                    amount: appropriation.amount.fen,
                    shares: appropriation.sharesText
                ).insertRow(db)
            }
        }
    }

    /// The programme year's latest appropriation recorded on or before `through`, with its event
    /// and date; nil when none.
    func appropriation(
        _ db: Database,
        _ programme: ProgrammeID,
        year: Int,
        through: BusinessDate = .latest
    ) throws -> (appropriation: Appropriation, event: Int64, date: BusinessDate)? {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT b.*, e.business_date AS recorded_on FROM budget b JOIN event e ON e.seq = b.event_seq
                        WHERE b.programme_id = ? AND b.year = ? AND e.business_date <= ?
                        ORDER BY b.event_seq DESC LIMIT 1
                        """
                ),
                arguments: [programme.value, year, through.iso]
            ),
            let appropriation = try BudgetRecord(row: row).appropriation
        else { return nil }
        return (appropriation, row["event_seq"], try BusinessDate.parse(row["recorded_on"]))
    }

    /// The budget a grant on a claim is decided against: the year's appropriation in force and the
    /// other live claims' current grants (the budget account holds minus every current grant).
    /// The latest recorded appropriation counts, whatever the decision's date: a grant dated
    /// before a revision (or before the first appropriation) is held to it all the same.
    func budgetState(_ db: Database, programme: ProgrammeID, year: Int, current: Money) throws -> BudgetState? {
        guard let (appropriation, event, _) = try appropriation(db, programme, year: year) else { return nil }
        let account = LedgerAccount(.budget, programme: programme, year: year)
        let drawn = Money(fen: -(try balance(db, account)).fen)
        return BudgetState(
            appropriation: appropriation,
            event: event,
            committedByOthers: drawn.remaining(after: current),
            current: current
        )
    }

    /// The programme year's latest appropriation and the event that recorded it; nil when none.
    public func appropriation(
        _ programme: ProgrammeID,
        year: Int
    ) throws -> (appropriation: Appropriation, event: Int64)? {
        try read { db in try appropriation(db, programme, year: year).map { ($0.appropriation, $0.event) } }
    }

    /// What the year's live claims' current grants commit of the programme year's fund (the
    /// budget account holds minus every current grant).
    public func committed(_ programme: ProgrammeID, year: Int) throws -> Money {
        try read { db in
            Money(fen: -(try balance(db, LedgerAccount(.budget, programme: programme, year: year))).fen)
        }
    }

    /// The fund of a report: the year's appropriation by the period's last day, against its figures;
    /// nil for a cumulative report or a year with no appropriation.
    public func budgetFigures(_ figures: ReconciliationFigures) throws -> BudgetFigures? {
        guard let year = figures.period.year else { return nil }
        return try readWithTotals { db in
            try appropriation(db, figures.programme, year: year, through: figures.period.through).map {
                BudgetFigures(appropriation: $0.appropriation, event: $0.event, recordedOn: $0.date, figures: figures)
            }
        }
    }
}
