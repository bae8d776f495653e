import Foundation
import GRDB
import VoucherDomain

extension ReconciliationQueries {
    /// The exceptions of a programme's period: reversals recorded, parties with an overridden
    /// credit code that took part, uses filed for redemption after their deadline (found by
    /// the late items kept apart, `late_item`, most days late first), and
    /// filings by a provider on a day it was suspended.
    ///
    /// With a `limit`, at most that many of each kind, the most significant first: reversals by the
    /// amount they take out, late filings by how many days late; ``ReportExceptions/counts`` counts
    /// every one. Without, every one, in the same order.
    static func exceptions(
        _ db: Database,
        _ programmeID: ProgrammeID,
        period: ReportPeriod,
        limit: Int? = nil
    ) throws -> ReportExceptions {
        let limitClause = limit.map { "LIMIT \(max($0, 0))" } ?? ""
        let arguments: StatementArguments = [
            "programme": programmeID.value, "through": period.through.iso, "year": period.year,
        ]
        let yearOfReversal =
            period.year == nil
            ? ""
            : """
            AND (EXISTS (SELECT 1 FROM posting p WHERE p.event_seq = e.seq AND p.year = :year)
                OR EXISTS (SELECT 1 FROM claim c WHERE c.event_seq = e.reverses AND c.year = :year)
                OR EXISTS (SELECT 1 FROM redemption_item i JOIN voucher_use u ON u.event_seq = i.use_seq
                    WHERE i.filing_seq = e.reverses AND u.year = :year)
                OR EXISTS (SELECT 1 FROM recovery x JOIN voucher_use u ON u.event_seq = x.use_seq
                    WHERE x.event_seq = e.reverses AND u.year = :year)
                OR EXISTS (SELECT 1 FROM recovery_receipt x JOIN voucher_use u ON u.event_seq = x.use_seq
                    WHERE x.event_seq = e.reverses AND u.year = :year))
            """
        let reversalsOfThePeriod = """
            FROM event e JOIN event t ON t.seq = e.reverses
            WHERE e.kind = 'reversal' AND e.programme_id = :programme AND e.business_date <= :through \(yearOfReversal)
            """
        var exceptions = ReportExceptions()
        exceptions.reversals = try db.fetchAll(
            Row.self,
            sql: """
                SELECT e.seq, e.business_date, e.reverses, t.kind, e.payload, e.actor,
                    (SELECT COALESCE(SUM(p.amount), 0) FROM posting p WHERE p.event_seq = e.seq AND p.amount > 0)
                    -- A recovery or receipt moves no account: what its reversal takes out is its amount.
                    + COALESCE((SELECT x.amount FROM recovery x WHERE x.event_seq = e.reverses), 0)
                    + COALESCE((SELECT x.amount FROM recovery_receipt x WHERE x.event_seq = e.reverses), 0) AS amount
                \(reversalsOfThePeriod)
                ORDER BY amount DESC, e.seq \(limitClause)
                """,
            arguments: arguments
        ).map { row in
            let payload = (row["payload"] as String?) ?? ""
            let reason =
                (try? JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any])?["reason"]
                as? String ?? ""
            return ReportExceptions.Reversal(
                event: row["seq"],
                date: try BusinessDate.parse(row["business_date"]),
                reversedEvent: row["reverses"],
                reversedKind: row["kind"],
                reason: reason,
                actor: row["actor"],
                amount: Money(fen: row["amount"])
            )
        }
        let useYear = period.year == nil ? "" : "AND u.year = :year"
        let claimYear = period.year == nil ? "" : "AND c.year = :year"
        exceptions.overrides = try db.fetchAll(
            Row.self,
            sql: """
                SELECT id, name, override_reason, override_by FROM (
                    SELECT a.id, a.name, a.override_reason, a.override_by, a.event_seq FROM applicant a
                    WHERE a.override_reason IS NOT NULL
                    AND a.event_seq = (SELECT MAX(event_seq) FROM applicant WHERE id = a.id)
                    AND EXISTS (SELECT 1 FROM claim c JOIN event ce ON ce.seq = c.event_seq WHERE c.applicant_id = a.id
                        AND c.programme_id = :programme \(claimYear) AND ce.business_date <= :through)
                    UNION ALL
                    SELECT p.id, p.name, p.override_reason, p.override_by, p.event_seq FROM provider p
                    WHERE p.override_reason IS NOT NULL
                    AND p.event_seq = (SELECT MAX(event_seq) FROM provider WHERE id = p.id)
                    AND EXISTS (SELECT 1 FROM voucher_use u WHERE u.provider_id = p.id AND u.programme_id = :programme
                        \(useYear) AND u.used_on <= :through)
                ) ORDER BY id
                """,
            arguments: arguments
        ).map {
            ReportExceptions.Override(
                party: $0["id"],
                name: $0["name"],
                reason: $0["override_reason"],
                approvedBy: $0["override_by"]
            )
        }
        // The late items (schema v9: kept apart, with how many days late) filed by the period's
        // last day, less those of filings reversed by then: reversals are few, so both counts read
        // an index and no use.
        // (The second count goes from each reversal to its filing's items: `r.reverses > 0` reads
        // the reversals from their index, and the unary `+` keeps SQLite from walking the items of
        // the programme instead; without them it read every event.)
        let lateYear = period.year == nil ? "" : "AND l.year = :year"
        let lateYearUnindexed = period.year == nil ? "" : "AND +l.year = :year"
        let lateCount =
            try db.fetchOne(
                Int.self,
                sql: """
                    SELECT (SELECT COUNT(*) FROM late_item l
                            WHERE l.programme_id = :programme \(lateYear) AND l.filed_on <= :through)
                        - (SELECT COUNT(*) FROM event r CROSS JOIN late_item l ON l.filing_seq = r.reverses
                            WHERE r.reverses > 0 AND r.business_date <= :through
                            AND +l.programme_id = :programme \(lateYearUnindexed) AND +l.filed_on <= :through)
                    """,
                arguments: arguments
            ) ?? 0
        // The most days late first, walked in that order until enough are found.
        let lateRows = try db.fetchAll(
            Row.self,
            sql: """
                SELECT f.ref AS filing, u.ref AS use, u.provider_id, u.redemption_deadline, l.filed_on AS business_date
                FROM late_item l INDEXED BY late_item_by_lateness
                CROSS JOIN redemption_filing f ON f.event_seq = l.filing_seq
                CROSS JOIN voucher_use u ON u.event_seq = l.use_seq
                WHERE l.programme_id = :programme \(lateYear) AND l.filed_on <= :through
                AND NOT EXISTS (SELECT 1 FROM event r WHERE r.reverses = l.filing_seq AND r.business_date <= :through)
                ORDER BY l.days_late DESC, l.filed_on, f.ref, u.ref
                \(limitClause)
                """,
            arguments: arguments
        )
        exceptions.lateRedemptions = try lateRows.map {
            ReportExceptions.LateRedemption(
                filing: $0["filing"],
                use: $0["use"],
                provider: $0["provider_id"],
                deadline: try BusinessDate.parse($0["redemption_deadline"]),
                filedOn: try BusinessDate.parse($0["business_date"])
            )
        }
        // Filings by providers ever suspended; the rules say which fell in a suspension. (The CROSS
        // JOIN makes SQLite go from each filing's items to their uses, not scan the year's uses.)
        let candidates = try db.fetchAll(
            Row.self,
            sql: """
                SELECT f.ref, f.provider_id, e.business_date FROM redemption_filing f
                JOIN event e ON e.seq = f.event_seq
                WHERE f.provider_id IN (SELECT provider_id FROM provider_status WHERE status = 'suspended')
                AND e.business_date <= :through
                AND NOT EXISTS (SELECT 1 FROM event r WHERE r.reverses = f.event_seq AND r.business_date <= :through)
                AND EXISTS (SELECT 1 FROM redemption_item i CROSS JOIN voucher_use u ON u.event_seq = i.use_seq
                    WHERE i.filing_seq = f.event_seq AND u.programme_id = :programme \(useYear))
                ORDER BY e.business_date, f.ref
                """,
            arguments: arguments
        )
        var changes: [String: [ProviderStatusFact]] = [:]
        var filings: [(ref: String, provider: String, filedOn: BusinessDate)] = []
        for row in candidates {
            let provider: String = row["provider_id"]
            if changes[provider] == nil {
                changes[provider] = try ProviderStatusRecord.fetchAll(
                    db,
                    sql: "SELECT * FROM provider_status WHERE provider_id = ? ORDER BY event_seq",
                    arguments: [provider]
                ).compactMap(\.fact)
            }
            filings.append((row["ref"], provider, try BusinessDate.parse(row["business_date"])))
        }
        exceptions.suspendedFilings = ReportExceptions.suspendedFilings(filings, changes: changes)
        exceptions.counts.suspendedFilings = exceptions.suspendedFilings.count
        if let limit { exceptions.suspendedFilings = Array(exceptions.suspendedFilings.prefix(limit)) }
        // Uses with money owed back and not all received, the largest outstanding first.
        let recoveryLive =
            "NOT EXISTS (SELECT 1 FROM event r WHERE r.reverses = t.event_seq AND r.business_date <= :through)"
        exceptions.openRecoveries = try db.fetchAll(
            Row.self,
            sql: """
                SELECT * FROM (
                    SELECT u.ref, u.applicant_id, MIN(e.business_date) AS since, SUM(t.amount) AS owed,
                        (SELECT COALESCE(SUM(t.amount), 0) FROM recovery_receipt t JOIN event e ON e.seq = t.event_seq
                            WHERE t.use_seq = u.event_seq AND e.business_date <= :through AND \(recoveryLive)) AS received
                    FROM recovery t CROSS JOIN event e ON e.seq = t.event_seq CROSS JOIN voucher_use u ON u.event_seq = t.use_seq
                    WHERE u.programme_id = :programme \(useYear) AND e.business_date <= :through AND \(recoveryLive)
                    GROUP BY u.event_seq
                ) WHERE owed > received ORDER BY owed - received DESC, ref
                """,
            arguments: arguments
        ).map {
            ReportExceptions.OpenRecovery(
                use: $0["ref"],
                applicant: $0["applicant_id"],
                since: try BusinessDate.parse($0["since"]),
                owed: Money(fen: $0["owed"]),
                received: Money(fen: $0["received"])
            )
        }
        exceptions.counts.openRecoveries = exceptions.openRecoveries.count
        if let limit { exceptions.openRecoveries = Array(exceptions.openRecoveries.prefix(limit)) }
        // The names of the parties listed, as last registered.
        let providers = Set(exceptions.lateRedemptions.map(\.provider) + exceptions.suspendedFilings.map(\.provider))
        for (table, ids) in [("provider", providers), ("applicant", Set(exceptions.openRecoveries.map(\.applicant)))] {
            for id in ids.sorted() {
                exceptions.names[id] = try String.fetchOne(
                    db,
                    sql: "SELECT name FROM \(table) WHERE id = ? ORDER BY event_seq DESC LIMIT 1",
                    arguments: [id]
                )
            }
        }
        exceptions.counts.reversals = exceptions.reversals.count
        exceptions.counts.overrides = exceptions.overrides.count
        exceptions.counts.lateRedemptions = lateCount
        if let limit {
            // Counted whole, listed in part.
            if exceptions.reversals.count >= limit {
                exceptions.counts.reversals =
                    try db.fetchOne(Int.self, sql: "SELECT COUNT(*) \(reversalsOfThePeriod)", arguments: arguments) ?? 0
            }
            exceptions.overrides = Array(exceptions.overrides.prefix(limit))
        }
        return exceptions
    }
}
