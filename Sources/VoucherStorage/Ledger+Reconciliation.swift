import Foundation
import GRDB
import VoucherDomain

extension BreakdownDimension {
    var column: String {
        switch self {
        case .applicant: "u.applicant_id"
        case .provider: "u.provider_id"
        case .category: "u.category"
        case .region: "u.provider_region"
        case .month: "substr(u.used_on, 1, 7)"
        }
    }
}

extension Ledger {
    /// The reconciliation figures of a programme for a period: SQL aggregates over indexed tables.
    public func reconciliation(_ programmeID: ProgrammeID, period: ReportPeriod) throws -> ReconciliationFigures {
        try read { db in
            let programme = try programme(db, programmeID).programme
            let through = period.through.iso
            let yearFilter = period.year == nil ? "" : "AND year = :year"
            let arguments: StatementArguments = [
                "programme": programmeID.value, "through": through, "year": period.year,
            ]
            var balances: [String: Int64] = [:]
            for row in try db.fetchAll(
                Row.self,
                sql: """
                    SELECT account_type, SUM(amount) AS total FROM posting
                    WHERE programme_id = :programme \(yearFilter) AND business_date <= :through GROUP BY account_type
                    """,
                arguments: arguments
            ) {
                balances[row["account_type"]] = row["total"]
            }
            func balance(_ kind: LedgerAccount.Kind) -> Money { Money(fen: balances[kind.rawValue] ?? 0) }

            let liveAsOf = { (alias: String) in
                "NOT EXISTS (SELECT 1 FROM event r WHERE r.reverses = \(alias).event_seq AND r.business_date <= :through)"
            }
            let useYear = period.year == nil ? "" : "AND u.year = :year"
            var figures = ReconciliationFigures(
                programme: programmeID,
                kind: programme.kind,
                period: period,
                chainHead: try chainHead(db)
            )
            figures.claimed = Money(fen: -balance(.budget).fen)
            figures.redeemed = balance(.paid)
            figures.awaitingRedemption = balance(.awaiting)
            figures.expired = balance(.lapsed)
            figures.forfeited = balance(.forfeited)
            figures.available = balance(.quota)

            let claimYear = period.year == nil ? "" : "AND c.year = :year"
            figures.applicants =
                try db.fetchOne(
                    Int.self,
                    sql: """
                        SELECT COUNT(DISTINCT c.applicant_id) FROM claim c JOIN decision d ON d.claim_seq = c.event_seq
                        WHERE c.programme_id = :programme \(claimYear) AND \(liveAsOf("c")) AND d.granted > 0
                        AND d.event_seq = (
                            SELECT MAX(d2.event_seq) FROM decision d2 JOIN event e2 ON e2.seq = d2.event_seq
                            WHERE d2.claim_seq = c.event_seq AND e2.business_date <= :through AND \(liveAsOf("d2")))
                        """,
                    arguments: arguments
                ) ?? 0

            if programme.kind == .voucher {
                if let row = try db.fetchOne(
                    Row.self,
                    sql: """
                        SELECT COUNT(*) AS uses, COALESCE(SUM(u.amount), 0) AS used, COALESCE(SUM(u.service_amount), 0) AS service,
                            COUNT(DISTINCT u.applicant_id) AS served, COUNT(DISTINCT u.provider_id) AS providers,
                            COUNT(DISTINCT u.product_code) AS products,
                            COALESCE(SUM(u.amount * 10000 > u.service_amount * u.rate_basis_points), 0) AS over_rate
                        FROM voucher_use u WHERE u.programme_id = :programme \(useYear) AND u.used_on <= :through AND \(liveAsOf("u"))
                        """,
                    arguments: arguments
                ) {
                    figures.uses = row["uses"]
                    figures.serviceAmount = Money(fen: row["service"])
                    figures.enterprisesServed = row["served"]
                    figures.providers = row["providers"]
                    figures.products = row["products"]
                    figures.usesOverRate = row["over_rate"]
                    let returned =
                        try db.fetchOne(
                            Int64.self,
                            sql: """
                                SELECT COALESCE(SUM(s.unpaid), 0) FROM settlement s JOIN event e ON e.seq = s.event_seq
                                JOIN voucher_use u ON u.event_seq = s.use_seq
                                WHERE u.programme_id = :programme \(useYear) AND s.unpaid_effect = 'returned' AND e.business_date <= :through
                                AND \(liveAsOf("s"))
                                """,
                            arguments: arguments
                        ) ?? 0
                    figures.used = Money(fen: (row["used"] as Int64) - returned)
                }
            } else {
                if let row = try db.fetchOne(
                    Row.self,
                    sql: """
                        SELECT COUNT(*) AS payments, COALESCE(SUM(p.amount), 0) AS paid,
                            COUNT(DISTINCT c.applicant_id) AS served
                        FROM payment p JOIN event e ON e.seq = p.event_seq JOIN claim c ON c.event_seq = p.claim_seq
                        WHERE c.programme_id = :programme \(claimYear) AND e.business_date <= :through AND \(liveAsOf("p"))
                        """,
                    arguments: arguments
                ) {
                    figures.uses = row["payments"]
                    figures.used = Money(fen: row["paid"])
                    figures.enterprisesServed = row["served"]
                }
                figures.serviceAmount = Money(
                    fen: try db.fetchOne(
                        Int64.self,
                        sql: """
                            SELECT COALESCE(SUM(c.paid), 0) FROM claim c JOIN event e ON e.seq = c.event_seq
                            WHERE c.programme_id = :programme \(claimYear) AND e.business_date <= :through AND \(liveAsOf("c"))
                            """,
                        arguments: arguments
                    ) ?? 0
                )
            }
            figures.negativeAccounts = try db.fetchAll(
                String.self,
                sql: """
                    SELECT account_id FROM posting WHERE programme_id = :programme \(yearFilter) AND business_date <= :through
                    AND account_type <> 'budget' GROUP BY account_id HAVING SUM(amount) < 0 ORDER BY account_id
                    """,
                arguments: arguments
            )
            figures.identities = [
                IdentityCheck(
                    name: "claimed = used + expired + available",
                    left: figures.claimed,
                    right: Money(fen: figures.used.fen &+ figures.expired.fen &+ figures.available.fen)
                ),
                IdentityCheck(
                    name: "used = redeemed + awaiting redemption + forfeited",
                    left: figures.used,
                    right: Money(fen: figures.redeemed.fen &+ figures.awaitingRedemption.fen &+ figures.forfeited.fen)
                ),
            ]
            return figures
        }
    }

    /// The uses of a voucher programme in a period, grouped by one dimension.
    public func breakdown(
        _ programmeID: ProgrammeID,
        period: ReportPeriod,
        by dimension: BreakdownDimension
    ) throws
        -> [BreakdownRow]
    {
        try read { db in
            let through = period.through.iso
            let liveAsOf = { (alias: String) in
                "NOT EXISTS (SELECT 1 FROM event r WHERE r.reverses = \(alias).event_seq AND r.business_date <= :through)"
            }
            let useYear = period.year == nil ? "" : "AND u.year = :year"
            return try db.fetchAll(
                Row.self,
                sql: """
                    SELECT \(dimension.column) AS key, COUNT(*) AS uses, SUM(u.service_amount) AS service,
                        SUM(u.amount) - COALESCE(SUM(s.returned), 0) AS used, COALESCE(SUM(s.paid), 0) AS redeemed
                    FROM voucher_use u
                    LEFT JOIN (
                        SELECT s.use_seq, SUM(s.paid) AS paid,
                            SUM(CASE WHEN s.unpaid_effect = 'returned' THEN s.unpaid ELSE 0 END) AS returned
                        FROM settlement s JOIN event e ON e.seq = s.event_seq
                        WHERE e.business_date <= :through AND \(liveAsOf("s")) GROUP BY s.use_seq
                    ) s ON s.use_seq = u.event_seq
                    WHERE u.programme_id = :programme \(useYear) AND u.used_on <= :through AND \(liveAsOf("u"))
                    GROUP BY key ORDER BY key
                    """,
                arguments: ["programme": programmeID.value, "through": through, "year": period.year]
            ).map {
                BreakdownRow(
                    key: $0["key"],
                    uses: $0["uses"],
                    serviceAmount: Money(fen: $0["service"]),
                    used: Money(fen: $0["used"]),
                    redeemed: Money(fen: $0["redeemed"])
                )
            }
        }
    }

    /// The balance of every account now.
    public func balances() throws -> [String: Money] {
        try read { db in
            var result: [String: Money] = [:]
            for row in try db.fetchAll(Row.self, sql: "SELECT id, balance FROM account") {
                result[row["id"]] = Money(fen: row["balance"])
            }
            return result
        }
    }

    /// The head of the hash chain now.
    public func chainHead() throws -> ChainHead { try read { db in try chainHead(db) } }

    func chainHead(_ db: Database) throws -> ChainHead {
        guard let row = try db.fetchOne(Row.self, sql: "SELECT seq, hash FROM event ORDER BY seq DESC LIMIT 1") else {
            return ChainHead(events: 0, hash: Hashing.genesis)
        }
        return ChainHead(events: row["seq"], hash: row["hash"])
    }
}

extension Ledger {
    /// The exceptions of a programme's period: reversals recorded, parties with an overridden
    /// credit code that took part, and uses filed for redemption after their deadline.
    public func exceptions(_ programmeID: ProgrammeID, period: ReportPeriod) throws -> ReportExceptions {
        try read { db in
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
                        WHERE i.filing_seq = e.reverses AND u.year = :year))
                """
            var exceptions = ReportExceptions()
            exceptions.reversals = try db.fetchAll(
                Row.self,
                sql: """
                    SELECT e.seq, e.business_date, e.reverses, t.kind, e.payload, e.actor FROM event e
                    JOIN event t ON t.seq = e.reverses
                    WHERE e.kind = 'reversal' AND e.programme_id = :programme AND e.business_date <= :through \(yearOfReversal)
                    ORDER BY e.seq
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
                    actor: row["actor"]
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
            exceptions.lateRedemptions = try db.fetchAll(
                Row.self,
                sql: """
                    SELECT f.ref AS filing, u.ref AS use, u.provider_id, u.redemption_deadline, e.business_date
                    FROM redemption_item i JOIN redemption_filing f ON f.event_seq = i.filing_seq
                    JOIN voucher_use u ON u.event_seq = i.use_seq JOIN event e ON e.seq = f.event_seq
                    WHERE i.past_deadline = 1 AND u.programme_id = :programme \(useYear) AND e.business_date <= :through
                    AND NOT EXISTS (SELECT 1 FROM event r WHERE r.reverses = f.event_seq AND r.business_date <= :through)
                    ORDER BY e.business_date, f.ref, u.ref
                    """,
                arguments: arguments
            ).map {
                ReportExceptions.LateRedemption(
                    filing: $0["filing"],
                    use: $0["use"],
                    provider: $0["provider_id"],
                    deadline: try BusinessDate.parse($0["redemption_deadline"]),
                    filedOn: try BusinessDate.parse($0["business_date"])
                )
            }
            return exceptions
        }
    }
}

extension Ledger {
    /// Writes every event that moved money as a plain-text accounting journal (hledger/ledger
    /// format), one transaction per event, streaming: `write` is called once per transaction.
    ///
    /// ```
    /// 2022-05-10 use  ; event 123
    ///     awaiting:yrd-innovation-voucher:2022:91320000200000013X    5000.00 CNY
    ///     quota:yrd-innovation-voucher:2022:913101100100000047       -5000.00 CNY
    /// ```
    public func exportJournal(_ write: (String) throws -> Void) throws {
        try read { db in
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT p.event_seq, p.business_date, e.kind, p.account_id, p.amount FROM posting p
                    JOIN event e ON e.seq = p.event_seq ORDER BY p.event_seq, p.line
                    """
            )
            var current: Int64 = -1
            var transaction = ""
            while let row = try rows.next() {
                let seq: Int64 = row["event_seq"]
                if seq != current {
                    if !transaction.isEmpty { try write(transaction + "\n") }
                    current = seq
                    transaction = "\(row["business_date"] as String) \(row["kind"] as String)  ; event \(seq)\n"
                }
                let account = (row["account_id"] as String).replacingOccurrences(of: "/", with: ":")
                transaction += "    \(account)  \(Money(fen: row["amount"]).decimalString()) CNY\n"
            }
            if !transaction.isEmpty { try write(transaction + "\n") }
        }
    }
}
