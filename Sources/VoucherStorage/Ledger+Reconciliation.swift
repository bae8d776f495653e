import Foundation
import GRDB
import VoucherDomain

extension BreakdownDimension {
    /// The column of `live_use` that a breakdown groups by.
    var groupColumn: String {
        switch self {
        case .applicant: "applicant_id"
        case .provider: "provider_id"
        case .category: "category"
        case .region: "provider_region"
        case .month: "month"
        }
    }

}

// MARK: - The reconciliation's reads, each in one snapshot

extension Ledger {
    /// The reconciliation figures of a programme for a period.
    public func reconciliation(_ programmeID: ProgrammeID, period: ReportPeriod) throws -> ReconciliationFigures {
        try reconciliation(programmeID, period: period, mayReadKeptTotals: true)
    }

    /// `mayReadKeptTotals: false` aggregates the uses and postings themselves (tests compare).
    func reconciliation(
        _ programmeID: ProgrammeID,
        period: ReportPeriod,
        mayReadKeptTotals: Bool
    ) throws -> ReconciliationFigures {
        try readWithTotals { db in
            try reconciliation(db, programmeID, period: period, mayReadKeptTotals: mayReadKeptTotals)
        }
    }

    /// The reconciliation figures, read in `db`'s snapshot.
    func reconciliation(
        _ db: Database,
        _ programmeID: ProgrammeID,
        period: ReportPeriod,
        mayReadKeptTotals: Bool = true,
        uses memo: ReconciliationQueries.UsesToDate.Memo = .init()
    ) throws -> ReconciliationFigures {
        var figures = try ReconciliationQueries.figures(
            db,
            programme: try programme(db, programmeID).programme,
            period: period,
            mayReadKeptTotals: mayReadKeptTotals,
            uses: memo
        )
        (figures.recoveryOwed, figures.recovered) = try recoveries(db, programmeID, period: period)
        return figures
    }

    /// What live recoveries of the period's uses say was owed back, and was received back, by its
    /// last day.
    private func recoveries(_ db: Database, _ programmeID: ProgrammeID, period: ReportPeriod) throws -> (Money, Money) {
        func sum(_ table: String) throws -> Money {
            Money(
                fen: try Int64.fetchOne(
                    db,
                    sql: """
                        SELECT COALESCE(SUM(t.amount), 0) FROM \(table) t
                        CROSS JOIN event e ON e.seq = t.event_seq CROSS JOIN voucher_use u ON u.event_seq = t.use_seq
                        WHERE u.programme_id = :programme \(period.year == nil ? "" : "AND u.year = :year")
                        AND e.business_date <= :through
                        AND NOT EXISTS (SELECT 1 FROM event r WHERE r.reverses = t.event_seq AND r.business_date <= :through)
                        """,
                    arguments: ["programme": programmeID.value, "year": period.year, "through": period.through.iso]
                ) ?? 0
            )
        }
        return (try sum("recovery"), try sum("recovery_receipt"))
    }

    /// The uses of a voucher programme in a period, grouped by one dimension.
    public func breakdown(
        _ programmeID: ProgrammeID,
        period: ReportPeriod,
        by dimension: BreakdownDimension
    ) throws -> [BreakdownRow] {
        try breakdowns(programmeID, period: period, by: [dimension])[dimension] ?? []
    }

    /// The uses of a voucher programme in a period, grouped by each dimension.
    public func breakdowns(
        _ programmeID: ProgrammeID,
        period: ReportPeriod,
        by dimensions: [BreakdownDimension] = BreakdownDimension.allCases,
        mayReadKeptTotals: Bool = true
    ) throws -> [BreakdownDimension: [BreakdownRow]] {
        try readWithTotals { db in
            try ReconciliationQueries.breakdowns(
                db,
                programmeID,
                period: period,
                by: dimensions,
                mayReadKeptTotals: mayReadKeptTotals
            )
        }
    }

    /// The breakdowns a report shows: every key of each dimension but the applicants, of whom the
    /// `largest` by amount used are listed; `keys` counts every key.
    public func reportBreakdowns(
        _ programmeID: ProgrammeID,
        period: ReportPeriod,
        largestApplicants largest: Int
    ) throws -> (rows: [BreakdownDimension: [BreakdownRow]], keys: [BreakdownDimension: Int]) {
        try readWithTotals { db in
            try ReconciliationQueries.reportBreakdowns(db, programmeID, period: period, largestApplicants: largest)
        }
    }

    /// What a report of a programme's period shows, read in one snapshot: its figures, its
    /// breakdowns (the `largestApplicants` listed), its exceptions (at most `exceptionsListed` of
    /// each kind) and its budget. A report to an earlier date passes over the uses up to it once
    /// for both the figures and the applicants.
    public func reportParts(
        _ programmeID: ProgrammeID,
        period: ReportPeriod,
        largestApplicants largest: Int,
        exceptionsListed: Int
    ) throws -> ReportParts {
        // To an earlier date, the accounts below zero are summed from the postings: on a second
        // connection, on the other core, while this one passes over the uses (at 1,000,000 uses
        // the two passes took about 1.6 s and 1 s one after the other).
        let group = DispatchGroup()
        defer { group.wait() }
        return try readWithTotals { db in
            let memo = ReconciliationQueries.UsesToDate.Memo()
            // (Not inside a batch: another connection cannot see what the batch has not committed.)
            if Self.batch == nil, try !ReconciliationQueries.coversEverything(db, programmeID, through: period.through),
                let second = try? secondReader()
            {
                // Begun after this snapshot, so it holds every event this one does; the ones after
                // this head are left out.
                let head = try ReconciliationQueries.chainHead(db).events
                let below = ResultBox<[String]>()
                DispatchQueue.global().async(group: group) {
                    below.set(
                        Result {
                            try second.read { db in
                                try ReconciliationQueries.accountsBelowZero(db, programmeID, period: period, upTo: head)
                            }
                        }
                    )
                }
                // Should the second connection fail (busy, out of descriptors), this one sums them.
                memo.accountsBelowZero = {
                    group.wait()
                    if let named = (try? below.get()) ?? nil { return named }
                    return try ReconciliationQueries.accountsBelowZero(db, programmeID, period: period)
                }
            }
            var parts = ReportParts(
                figures: try reconciliation(db, programmeID, period: period, uses: memo),
                exceptions: try ReconciliationQueries.exceptions(
                    db,
                    programmeID,
                    period: period,
                    limit: exceptionsListed
                )
            )
            if parts.figures.kind == .voucher {
                (parts.breakdowns, parts.breakdownKeys) = try ReconciliationQueries.reportBreakdowns(
                    db,
                    programmeID,
                    period: period,
                    largestApplicants: largest,
                    uses: memo
                )
            }
            if let year = period.year {
                parts.budget = try appropriation(db, programmeID, year: year, through: period.through).map {
                    BudgetFigures(
                        appropriation: $0.appropriation,
                        event: $0.event,
                        recordedOn: $0.date,
                        figures: parts.figures
                    )
                }
            }
            return parts
        }
    }

    /// The exceptions of a programme's period: reversals, credit-code overrides, late filings.
    /// With a `limit`, at most that many of each kind, the most significant first, each kind
    /// counted whole (``ReportExceptions/counts``); without, every one.
    public func exceptions(
        _ programmeID: ProgrammeID,
        period: ReportPeriod,
        limit: Int? = nil
    ) throws
        -> ReportExceptions
    {
        try readWithTotals { db in try ReconciliationQueries.exceptions(db, programmeID, period: period, limit: limit) }
    }

    /// Each reviewer's live decisions at each level on the programme's claims of the period,
    /// decided by its last day: by reviewer, then district before city.
    public func reviewers(_ programmeID: ProgrammeID, period: ReportPeriod) throws -> [ReviewerRow] {
        try readWithTotals { db in
            let claimYear = period.year == nil ? "" : "AND c.year = :year"
            return try db.fetchAll(
                Row.self,
                sql: """
                    SELECT d.reviewer, d.level, COUNT(*) AS decisions,
                        SUM(d.outcome = 'granted') AS grants, SUM(d.granted) AS granted,
                        SUM(d.outcome = 'rejected') AS rejections,
                        SUM(CASE WHEN d.outcome = 'rejected' THEN c.requested ELSE 0 END) AS rejected_requested
                    FROM event e CROSS JOIN decision d ON d.event_seq = e.seq CROSS JOIN claim c ON c.event_seq = d.claim_seq
                    WHERE e.programme_id = :programme AND e.kind = 'decision' AND e.business_date <= :through \(claimYear)
                    AND NOT EXISTS (SELECT 1 FROM event r WHERE r.reverses = d.event_seq AND r.business_date <= :through)
                    GROUP BY d.reviewer, d.level
                    ORDER BY d.reviewer, d.level = 'city', d.level
                    """,
                arguments: ["programme": programmeID.value, "year": period.year, "through": period.through.iso]
            ).map {
                ReviewerRow(
                    reviewer: $0["reviewer"],
                    level: ReviewLevel(rawValue: $0["level"]) ?? .district,
                    decisions: $0["decisions"],
                    grants: $0["grants"],
                    granted: Money(fen: $0["granted"]),
                    rejections: $0["rejections"],
                    rejectedRequested: Money(fen: $0["rejected_requested"])
                )
            }
        }
    }

    /// How many events someone other than `actor` recorded.
    public func events(notRecordedBy actor: String) throws -> Int {
        try readWithTotals { db in
            try db.fetchOne(Int.self, sql: "SELECT COUNT(*) FROM event WHERE actor <> ?", arguments: [actor]) ?? 0
        }
    }

    /// The head of the hash chain now.
    public func chainHead() throws -> ChainHead { try readWithTotals { db in try ReconciliationQueries.chainHead(db) } }

    func chainHead(_ db: Database) throws -> ChainHead { try ReconciliationQueries.chainHead(db) }

    /// Writes every event that moved money as a plain-text accounting journal (``JournalExport``).
    public func exportJournal(_ write: (String) throws -> Void) throws {
        try readWithTotals { db in try JournalExport.write(db, to: write) }
    }
}

/// What ``Ledger/reportParts(_:period:largestApplicants:exceptionsListed:)`` reads for a report.
public struct ReportParts: Sendable {
    public var figures: ReconciliationFigures
    public var breakdowns: [BreakdownDimension: [BreakdownRow]] = [:]
    public var breakdownKeys: [BreakdownDimension: Int] = [:]
    public var exceptions: ReportExceptions
    public var budget: BudgetFigures?
}
