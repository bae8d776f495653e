import Foundation
import GRDB
import VoucherDomain

extension Ledger {
    /// SQL true when `alias.event_seq` was not reversed by `:through`. Reversals are few: SQLite
    /// builds the list once per statement instead of probing for each row.
    static func liveAsOf(_ alias: String) -> String {
        "\(alias).event_seq NOT IN (SELECT reverses FROM event WHERE reverses > 0 AND business_date <= :through)"
    }
}

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

extension Ledger {
    /// Whether a period to `through` takes in everything recorded for the programme (no event of it
    /// is dated later): then the balances and the use totals that triggers keep answer for it. The
    /// latest date of each kind of event is one step down the programme's index.
    func coversEverything(_ db: Database, _ programme: ProgrammeID, through: BusinessDate) throws -> Bool {
        if through == .latest { return true }
        let latest = try db.fetchOne(
            String.self,
            sql: "SELECT MAX(d) FROM ("
                + EventKind.allCases.map {
                    "SELECT (SELECT MAX(business_date) FROM event WHERE programme_id = :programme AND kind = '\($0.rawValue)') AS d"
                }.joined(separator: " UNION ALL ") + ")",
            arguments: ["programme": programme.value]
        )
        return latest.map { through.iso >= $0 } ?? true
    }

    /// The reconciliation figures of a programme for a period: SQL aggregates over indexed tables.
    public func reconciliation(_ programmeID: ProgrammeID, period: ReportPeriod) throws -> ReconciliationFigures {
        try reconciliation(programmeID, period: period, mayReadKeptTotals: true)
    }

    /// `mayReadKeptTotals: false` aggregates the uses and postings themselves, as a report to an
    /// earlier date does (tests compare the two ways).
    func reconciliation(
        _ programmeID: ProgrammeID,
        period: ReportPeriod,
        mayReadKeptTotals: Bool
    ) throws
        -> ReconciliationFigures
    {
        try read { db in
            let programme = try programme(db, programmeID).programme
            let through = period.through.iso
            let yearFilter = period.year == nil ? "" : "AND year = :year"
            let arguments: StatementArguments = [
                "programme": programmeID.value, "through": through, "year": period.year,
            ]
            // Through today, the account table's balances are the postings' sums (a trigger keeps
            // them; verification proves it): read them instead of summing every posting.
            let wholeHistory = try mayReadKeptTotals && coversEverything(db, programmeID, through: period.through)
            let accountYear = period.year == nil ? "" : "AND year = :year"
            var balances: [String: Int64] = [:]
            for row in try db.fetchAll(
                Row.self,
                sql: wholeHistory
                    ? """
                    SELECT type AS account_type, SUM(balance) AS total FROM account
                    WHERE programme_id = :programme \(accountYear) GROUP BY type
                    """
                    : """
                    SELECT account_type, SUM(amount) AS total FROM posting
                    WHERE programme_id = :programme \(yearFilter) AND business_date <= :through GROUP BY account_type
                    """,
                arguments: arguments
            ) {
                balances[row["account_type"]] = row["total"]
            }
            func balance(_ kind: LedgerAccount.Kind) -> Money { Money(fen: balances[kind.rawValue] ?? 0) }

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
                        WHERE c.programme_id = :programme \(claimYear) AND \(Self.liveAsOf("c")) AND d.granted > 0
                        AND d.event_seq = (
                            SELECT MAX(d2.event_seq) FROM decision d2 \(wholeHistory ? "" : "JOIN event e2 ON e2.seq = d2.event_seq")
                            WHERE d2.claim_seq = c.event_seq \(wholeHistory ? "" : "AND e2.business_date <= :through")
                            AND \(Self.liveAsOf("d2")))
                        """,
                    arguments: arguments
                ) ?? 0

            if programme.kind == .voucher, wholeHistory {
                // Through today, the use totals kept by triggers are the live uses' sums (verification
                // recomputes them): a few rows instead of every use.
                let totalYear = period.year == nil ? "" : "AND year = :year"
                if let row = try db.fetchOne(
                    Row.self,
                    sql: """
                        SELECT COALESCE(SUM(uses), 0) AS uses, COALESCE(SUM(amount - returned), 0) AS used,
                            COALESCE(SUM(service_amount), 0) AS service, COALESCE(SUM(over_rate), 0) AS over_rate
                        FROM use_total WHERE programme_id = :programme \(totalYear) AND dimension = 'all'
                        """,
                    arguments: arguments
                ) {
                    figures.uses = row["uses"]
                    figures.used = Money(fen: row["used"])
                    figures.serviceAmount = Money(fen: row["service"])
                    figures.usesOverRate = row["over_rate"]
                }
                for (dimension, count) in try db.fetchAll(
                    Row.self,
                    sql: """
                        SELECT dimension, COUNT(DISTINCT key) AS keys FROM use_total
                        WHERE programme_id = :programme \(totalYear) AND dimension IN ('applicant', 'provider', 'product')
                        AND uses > 0 GROUP BY dimension
                        """,
                    arguments: arguments
                ).map({ ($0["dimension"] as String, $0["keys"] as Int) }) {
                    switch dimension {
                    case "applicant": figures.enterprisesServed = count
                    case "provider": figures.providers = count
                    default: figures.products = count
                    }
                }
            } else if programme.kind == .voucher {
                if let row = try db.fetchOne(
                    Row.self,
                    sql: """
                        SELECT COUNT(*) AS uses, COALESCE(SUM(u.amount), 0) AS used, COALESCE(SUM(u.service_amount), 0) AS service,
                            COUNT(DISTINCT u.applicant_id) AS served, COUNT(DISTINCT u.provider_id) AS providers,
                            COUNT(DISTINCT u.product_code) AS products,
                            COALESCE(SUM(u.amount * 10000 > u.service_amount * u.rate_basis_points), 0) AS over_rate
                        FROM voucher_use u WHERE u.programme_id = :programme \(useYear) AND u.used_on <= :through AND \(Self.liveAsOf("u"))
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
                                AND \(Self.liveAsOf("s"))
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
                        WHERE c.programme_id = :programme \(claimYear) AND e.business_date <= :through AND \(Self.liveAsOf("p"))
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
                            WHERE c.programme_id = :programme \(claimYear) AND e.business_date <= :through AND \(Self.liveAsOf("c"))
                            """,
                        arguments: arguments
                    ) ?? 0
                )
            }
            figures.negativeAccounts = try db.fetchAll(
                String.self,
                sql: wholeHistory
                    ? """
                    SELECT id FROM account WHERE programme_id = :programme \(accountYear) AND type <> 'budget' AND balance < 0
                    ORDER BY id
                    """
                    : """
                    SELECT account_id FROM posting WHERE programme_id = :programme \(yearFilter) AND business_date <= :through
                    AND account_type <> 'budget' GROUP BY account_id HAVING SUM(amount) < 0 ORDER BY account_id
                    """,
                arguments: arguments
            )
            figures.identities = ReconciliationIdentity.check(figures)
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
        try breakdowns(programmeID, period: period, by: [dimension])[dimension] ?? []
    }

    /// The uses of a voucher programme in a period, grouped by each dimension: one statement, in
    /// which the uses joined to their settlements are gathered once and grouped five ways.
    public func breakdowns(
        _ programmeID: ProgrammeID,
        period: ReportPeriod,
        by dimensions: [BreakdownDimension] = BreakdownDimension.allCases,
        mayReadKeptTotals: Bool = true
    ) throws -> [BreakdownDimension: [BreakdownRow]] {
        guard !dimensions.isEmpty else { return [:] }
        if try mayReadKeptTotals && read({ db in try coversEverything(db, programmeID, through: period.through) }) {
            return try breakdownsFromTotals(programmeID, year: period.year, by: dimensions)
        }
        return try read { db in
            let useYear = period.year == nil ? "" : "AND u.year = :year"
            let groupings = dimensions.map { dimension in
                """
                SELECT '\(dimension.rawValue)' AS dimension, \(dimension.groupColumn) AS key, COUNT(*) AS uses,
                    SUM(service_amount) AS service, SUM(amount) - SUM(returned) AS used, SUM(paid) AS redeemed
                FROM live_use GROUP BY key
                """
            }
            var result: [BreakdownDimension: [BreakdownRow]] = [:]
            for dimension in dimensions { result[dimension] = [] }
            for row in try db.fetchAll(
                Row.self,
                sql: """
                    WITH settled AS MATERIALIZED (
                        SELECT s.use_seq, SUM(s.paid) AS paid,
                            SUM(CASE WHEN s.unpaid_effect = 'returned' THEN s.unpaid ELSE 0 END) AS returned
                        FROM settlement s JOIN event e ON e.seq = s.event_seq
                        WHERE e.business_date <= :through AND \(Self.liveAsOf("s")) GROUP BY s.use_seq
                    ),
                    live_use AS MATERIALIZED (
                        SELECT u.applicant_id, u.provider_id, u.category, u.provider_region, substr(u.used_on, 1, 7) AS month,
                            u.service_amount, u.amount, COALESCE(s.paid, 0) AS paid, COALESCE(s.returned, 0) AS returned
                        FROM voucher_use u LEFT JOIN settled s ON s.use_seq = u.event_seq
                        WHERE u.programme_id = :programme \(useYear) AND u.used_on <= :through AND \(Self.liveAsOf("u"))
                    )
                    \(groupings.joined(separator: "\nUNION ALL\n"))
                    ORDER BY dimension, key
                    """,
                arguments: ["programme": programmeID.value, "through": period.through.iso, "year": period.year]
            ) {
                guard let dimension = BreakdownDimension(rawValue: row["dimension"]) else { continue }
                result[dimension, default: []].append(
                    BreakdownRow(row)
                )
            }
            return result
        }
    }

    /// The breakdowns a report shows: every key of each dimension but the applicants, of whom the
    /// `largest` by amount used (then by key) are listed, largest first; `keys` counts every key.
    /// At a province's scale the applicants run to hundreds of thousands, a list for
    /// `voucher report --by applicant` rather than for the published report.
    public func reportBreakdowns(
        _ programmeID: ProgrammeID,
        period: ReportPeriod,
        largestApplicants largest: Int
    ) throws -> (rows: [BreakdownDimension: [BreakdownRow]], keys: [BreakdownDimension: Int]) {
        let others = BreakdownDimension.allCases.filter { $0 != .applicant }
        var rows: [BreakdownDimension: [BreakdownRow]]
        var applicants: [BreakdownRow]
        var applicantKeys: Int
        if try read({ db in try coversEverything(db, programmeID, through: period.through) }) {
            rows = try breakdownsFromTotals(programmeID, year: period.year, by: others)
            (applicants, applicantKeys) = try read { db in
                let arguments: StatementArguments = [
                    "programme": programmeID.value, "year": period.year, "largest": largest,
                ]
                // Within one year each applicant has one row: no grouping.
                let listed = try db.fetchAll(
                    Row.self,
                    sql: period.year == nil
                        ? """
                        SELECT key, SUM(uses) AS uses, SUM(service_amount) AS service, SUM(amount) - SUM(returned) AS used,
                            SUM(paid) AS redeemed
                        FROM use_total WHERE programme_id = :programme AND dimension = 'applicant'
                        GROUP BY key HAVING SUM(uses) > 0 ORDER BY used DESC, key LIMIT :largest
                        """
                        : """
                        SELECT key, uses, service_amount AS service, amount - returned AS used, paid AS redeemed
                        FROM use_total WHERE programme_id = :programme AND year = :year AND dimension = 'applicant'
                        AND uses > 0 ORDER BY used DESC, key LIMIT :largest
                        """,
                    arguments: arguments
                ).map(BreakdownRow.init)
                let count =
                    try db.fetchOne(
                        Int.self,
                        sql: """
                            SELECT COUNT(\(period.year == nil ? "DISTINCT key" : "*")) FROM use_total
                            WHERE programme_id = :programme \(period.year == nil ? "" : "AND year = :year")
                            AND dimension = 'applicant' AND uses > 0
                            """,
                        arguments: arguments
                    ) ?? 0
                return (listed, count)
            }
        } else {
            rows = try breakdowns(programmeID, period: period)
            let all = rows[.applicant] ?? []
            applicants = Array(all.sorted { ($0.used, $1.key) > ($1.used, $0.key) }.prefix(largest))
            applicantKeys = all.count
        }
        rows[.applicant] = applicants
        var keys = rows.mapValues(\.count)
        keys[.applicant] = applicantKeys
        return (rows, keys)
    }

    /// The breakdowns through today, read from the use totals that triggers keep.
    private func breakdownsFromTotals(
        _ programmeID: ProgrammeID,
        year: Int?,
        by dimensions: [BreakdownDimension]
    ) throws -> [BreakdownDimension: [BreakdownRow]] {
        try read { db in
            var result: [BreakdownDimension: [BreakdownRow]] = [:]
            for dimension in dimensions { result[dimension] = [] }
            let names = dimensions.map { "'\($0.rawValue)'" }.joined(separator: ", ")
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT dimension, key, SUM(uses) AS uses, SUM(service_amount) AS service,
                        SUM(amount) - SUM(returned) AS used, SUM(paid) AS redeemed
                    FROM use_total WHERE programme_id = :programme \(year == nil ? "" : "AND year = :year")
                    AND dimension IN (\(names))
                    GROUP BY dimension, key HAVING SUM(uses) > 0 ORDER BY dimension, key
                    """,
                arguments: ["programme": programmeID.value, "year": year]
            )
            while let row = try rows.next() {
                guard let dimension = BreakdownDimension(rawValue: row["dimension"]) else { continue }
                result[dimension, default: []].append(
                    BreakdownRow(row)
                )
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
    /// credit code that took part, and uses filed for redemption after their deadline (found by
    /// the partial index of late items: the CROSS JOINs keep SQLite from starting at the uses).
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
                    FROM redemption_item i CROSS JOIN redemption_filing f ON f.event_seq = i.filing_seq
                    CROSS JOIN voucher_use u ON u.event_seq = i.use_seq CROSS JOIN event e ON e.seq = f.event_seq
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

extension BreakdownRow {
    /// A row of a breakdown query: its columns `key`, `uses`, `service`, `used` and `redeemed`.
    init(_ row: Row) {
        self.init(
            key: row["key"],
            uses: row["uses"],
            serviceAmount: Money(fen: row["service"]),
            used: Money(fen: row["used"]),
            redeemed: Money(fen: row["redeemed"])
        )
    }
}
