import Foundation
import GRDB
import GRDBSQLite
import VoucherDomain

/// The reconciliation's reads: SQL aggregates over indexed tables, each a function of a read-only
/// connection. ``Ledger``'s reads (`reconciliation`, `breakdowns`, `exceptions`) run them in one
/// snapshot. Through today the kept balances and use totals answer; to an earlier date the kept
/// totals by day, and for what is not kept by day (applicants, products, accounts below zero)
/// the uses and postings themselves.
enum ReconciliationQueries {
    /// SQL true when `alias.event_seq` was not reversed by `:through`. Reversals are few: SQLite
    /// builds the list once per statement instead of probing for each row.
    static func liveAsOf(_ alias: String) -> String {
        "\(alias).event_seq NOT IN (SELECT reverses FROM event WHERE reverses > 0 AND business_date <= :through)"
    }

    /// SQL: 1 when the use `alias` has an amount above rate × service amount as its policy rounds
    /// it (a use recorded before uses kept their rounding rounded down to the fen), as the kept
    /// totals count it (``UseTotals/overRate(service:amount:rateBasisPoints:rounding:)``).
    static func overRate(_ u: String) -> String {
        let product = "\(u).service_amount * \(u).rate_basis_points"
        return """
            \(u).amount > CASE \(u).rounding
                WHEN 'half-up to fen' THEN (\(product) + 5000) / 10000
                WHEN 'half-up to yuan' THEN (\(product) + 500000) / 1000000 * 100
                WHEN 'half-even to fen' THEN \(product) / 10000
                    + (\(product) % 10000 > 5000 OR (\(product) % 10000 = 5000 AND \(product) / 10000 % 2 = 1))
                WHEN 'half-even to yuan' THEN (\(product) / 1000000
                    + (\(product) % 1000000 > 500000 OR (\(product) % 1000000 = 500000 AND \(product) / 1000000 % 2 = 1))) * 100
                WHEN 'down to yuan' THEN \(product) / 1000000 * 100
                ELSE \(product) / 10000 END
            """
    }

    /// Whether a period to `through` takes in everything recorded for the programme (no event of it
    /// is dated later): then the balances and the use totals the ledger keeps answer for it. The
    /// latest date of each kind of event is one step down the programme's index.
    static func coversEverything(_ db: Database, _ programme: ProgrammeID, through: BusinessDate) throws -> Bool {
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

    /// The figures of a programme for a period, with the identities checked. `mayReadKeptTotals:
    /// false` aggregates the uses and postings themselves, as a report to an earlier date does
    /// (tests compare the two ways).
    static func figures(
        _ db: Database,
        programme: Programme,
        period: ReportPeriod,
        mayReadKeptTotals: Bool,
        uses memo: UsesToDate.Memo = UsesToDate.Memo()
    ) throws -> ReconciliationFigures {
        let programmeID = programme.id
        let through = period.through.iso
        let yearFilter = period.year == nil ? "" : "AND year = :year"
        let arguments: StatementArguments = [
            "programme": programmeID.value, "through": through, "year": period.year,
        ]
        // Through today, the account table's balances are the postings' sums (kept as they are
        // posted; verification proves it): read them instead of summing every posting. To an
        // earlier date, the postings' sums by day up to it.
        let wholeHistory = try mayReadKeptTotals && coversEverything(db, programmeID, through: period.through)
        let byDay = mayReadKeptTotals && !wholeHistory
        let accountYear = period.year == nil ? "" : "AND year = :year"
        var balances: [String: Int64] = [:]
        for row in try db.fetchAll(
            Row.self,
            sql: wholeHistory
                ? """
                SELECT type AS account_type, SUM(balance) AS total FROM account
                WHERE programme_id = :programme \(accountYear) GROUP BY type
                """
                : byDay
                    ? """
                    SELECT account_type, SUM(amount) AS total FROM account_day_total
                    WHERE programme_id = :programme \(yearFilter) AND day <= :through GROUP BY account_type
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
                sql: applicantsSQL(byYear: period.year != nil, toDate: !wholeHistory),
                arguments: arguments
            ) ?? 0

        if programme.kind == .voucher, wholeHistory || byDay {
            // The kept use totals are the live uses' sums (verification recomputes them): a few
            // rows instead of every use; to an earlier date, their rows by day up to it.
            let source = TotalsSource(year: period.year, through: wholeHistory ? nil : period.through)
            if let row = try db.fetchOne(
                Row.self,
                sql: """
                    SELECT COALESCE(SUM(uses), 0) AS uses, COALESCE(SUM(amount - returned), 0) AS used,
                        COALESCE(SUM(service_amount), 0) AS service, COALESCE(SUM(over_rate), 0) AS over_rate
                    FROM \(source.table) WHERE programme_id = :programme AND dimension = 'all' \(source.filter)
                    """,
                arguments: arguments
            ) {
                figures.uses = row["uses"]
                figures.used = Money(fen: row["used"])
                figures.serviceAmount = Money(fen: row["service"])
                figures.usesOverRate = row["over_rate"]
            }
            // Applicants and products are not kept by day: to an earlier date, they are counted
            // from the uses up to it.
            let keysCounted =
                wholeHistory
                ? """
                SELECT dimension, COUNT(DISTINCT key) AS keys FROM use_total
                WHERE programme_id = :programme \(period.year == nil ? "" : "AND year = :year")
                AND dimension IN ('applicant', 'provider', 'product') AND uses > 0 GROUP BY dimension
                """
                : """
                SELECT dimension, COUNT(*) AS keys FROM (
                    SELECT dimension, key FROM use_day_total
                    WHERE programme_id = :programme AND dimension = 'provider' \(source.filter)
                    GROUP BY dimension, key HAVING SUM(uses) > 0)
                GROUP BY dimension
                """
            for (dimension, count) in try db.fetchAll(
                Row.self,
                sql: keysCounted,
                arguments: arguments
            ).map({ ($0["dimension"] as String, $0["keys"] as Int) }) {
                switch dimension {
                case "applicant": figures.enterprisesServed = count
                case "provider": figures.providers = count
                default: figures.products = count
                }
            }
            if byDay {
                let uses = try memo.uses(db, programmeID, period: period)
                figures.enterprisesServed = uses.applicants.count
                figures.products = uses.products
            }
        } else if programme.kind == .voucher {
            if let row = try db.fetchOne(
                Row.self,
                sql: """
                    SELECT COUNT(*) AS uses, COALESCE(SUM(u.amount), 0) AS used, COALESCE(SUM(u.service_amount), 0) AS service,
                        COUNT(DISTINCT u.applicant_id) AS served, COUNT(DISTINCT u.provider_id) AS providers,
                        COUNT(DISTINCT u.product_code) AS products,
                        COALESCE(SUM(\(Self.overRate("u"))), 0) AS over_rate
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
        figures.negativeAccounts =
            wholeHistory
            ? try db.fetchAll(
                String.self,
                sql: """
                    SELECT id FROM account WHERE programme_id = :programme \(accountYear) AND type <> 'budget' AND balance < 0
                    ORDER BY id
                    """,
                arguments: arguments
            )
            : try memo.accountsBelowZero?() ?? accountsBelowZero(db, programmeID, period: period)
        figures.identities = ReconciliationIdentity.check(figures)
        return figures
    }

    /// SQL: how many applicants hold a claim of the programme whose latest live decision grants
    /// an amount. `toDate`: the decisions and reversals dated up to `:through` only. Their
    /// numbers are found once, in the index of events by programme, kind and date, and each
    /// claim's decisions are checked against that list (the `+` keeps SQLite from walking the
    /// list instead, once per claim). Looking each decision's event row up for its date read a
    /// page of the event table per claim: at 1,000,000 uses, 0.45 s of a report's 1 s.
    static func applicantsSQL(byYear: Bool, toDate: Bool) -> String {
        let dated =
            toDate
            ? """
            AND +d2.event_seq IN (
                SELECT seq FROM event INDEXED BY event_by_programme
                WHERE programme_id = :programme AND kind = 'decision' AND business_date <= :through)
            """
            : ""
        return """
            SELECT COUNT(DISTINCT c.applicant_id) FROM claim c JOIN decision d ON d.claim_seq = c.event_seq
            WHERE c.programme_id = :programme \(byYear ? "AND c.year = :year" : "") AND \(liveAsOf("c")) AND d.granted > 0
            AND d.event_seq = (
                SELECT MAX(d2.event_seq) FROM decision d2 WHERE d2.claim_seq = c.event_seq \(dated)
                AND \(liveAsOf("d2")))
            """
    }

    /// The accounts (but the budget's, which runs below zero by design) whose postings up to
    /// the period's last day sum below zero, by id as SQLite orders text. One pass over the
    /// postings up to the date, each added to its account found by the bytes of its id: SQLite's
    /// GROUP BY sorted every one of them first (at 1,000,000 uses, 1.9 million postings to
    /// mid-history).
    ///
    /// `upTo`: only the postings of events up to that number, so that a connection whose snapshot
    /// began later sums what another's snapshot holds (the ledger only appends).
    static func accountsBelowZero(
        _ db: Database,
        _ programmeID: ProgrammeID,
        period: ReportPeriod,
        upTo head: Int64? = nil
    ) throws -> [String] {
        let statement = try db.makeStatement(sql: belowZeroSQL(byYear: period.year != nil, upToHead: head != nil))
        try statement.setArguments([
            "programme": programmeID.value, "through": period.through.iso, "year": period.year, "head": head,
        ])
        let postings = statement.sqliteStatement
        // Through the statement each time: GRDB finalizes it when it is let go, and Swift may let
        // it go after its last use, not at the end of the scope.
        defer { sqlite3_reset(statement.sqliteStatement) }
        var sums = AccountSums()
        while try LedgerVerifier.step(postings) {
            sums.add(sqlite3_column_int64(postings, 1), to: sums.slot(LedgerVerifier.column(postings, 0)))
        }
        return sums.belowZero.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// The postings ``accountsBelowZero(_:_:period:upTo:)`` sums. The kinds are named, not
    /// `<> 'budget'`: the budget's postings are then not read at all, and for a period of one year
    /// (the index has the year before the date) neither are those after the date: one range of
    /// `posting_for_reports` per kind. (A posting whose copied `account_type` is none of the kinds
    /// is not summed: only a file edited outside the ledger has one, and `voucher verify` names it.)
    static func belowZeroSQL(byYear: Bool, upToHead: Bool) -> String {
        let kinds = LedgerAccount.Kind.allCases.filter { !$0.mayBeNegative }.map { "'\($0.rawValue)'" }
        return """
            SELECT account_id, amount FROM posting WHERE programme_id = :programme
            AND account_type IN (\(kinds.joined(separator: ", "))) \(byYear ? "AND year = :year" : "")
            AND business_date <= :through \(upToHead ? "AND event_seq <= :head" : "")
            """
    }

    static func chainHead(_ db: Database) throws -> ChainHead {
        guard let row = try db.fetchOne(Row.self, sql: "SELECT seq, hash FROM event ORDER BY seq DESC LIMIT 1") else {
            return ChainHead(events: 0, hash: Hashing.genesis)
        }
        return ChainHead(events: row["seq"], hash: row["hash"])
    }

}
