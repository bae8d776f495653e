import Foundation
import GRDB
import GRDBSQLite
import VoucherDomain

extension ReconciliationQueries {
    /// The uses of a voucher programme in a period, grouped by each dimension: one statement, in
    /// which the uses joined to their settlements are gathered once and grouped five ways.
    static func breakdowns(
        _ db: Database,
        _ programmeID: ProgrammeID,
        period: ReportPeriod,
        by dimensions: [BreakdownDimension] = BreakdownDimension.allCases,
        mayReadKeptTotals: Bool = true
    ) throws -> [BreakdownDimension: [BreakdownRow]] {
        guard !dimensions.isEmpty else { return [:] }
        if mayReadKeptTotals {
            if try coversEverything(db, programmeID, through: period.through) {
                return try breakdownsFromTotals(db, programmeID, year: period.year, through: nil, by: dimensions)
            }
            // To an earlier date, the totals by day; applicants are not kept by day: from the uses.
            var rows = try breakdownsFromTotals(
                db,
                programmeID,
                year: period.year,
                through: period.through,
                by: dimensions.filter { $0 != .applicant }
            )
            if dimensions.contains(.applicant) {
                // In key order, as SQLite orders text: by its UTF-8 bytes.
                rows[.applicant] = try usesToDate(db, programmeID, period: period).applicants.sorted {
                    $0.key.utf8.lexicographicallyPrecedes($1.key.utf8)
                }
            }
            return rows
        }
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

    /// The breakdowns a report shows: every key of each dimension but the applicants, of whom the
    /// `largest` by amount used (then by key) are listed, largest first; `keys` counts every key.
    /// At a province's scale the applicants run to hundreds of thousands, a list for
    /// `voucher report --by applicant` rather than for the published report.
    static func reportBreakdowns(
        _ db: Database,
        _ programmeID: ProgrammeID,
        period: ReportPeriod,
        largestApplicants largest: Int,
        uses memo: UsesToDate.Memo = UsesToDate.Memo()
    ) throws -> (rows: [BreakdownDimension: [BreakdownRow]], keys: [BreakdownDimension: Int]) {
        let others = BreakdownDimension.allCases.filter { $0 != .applicant }
        var rows: [BreakdownDimension: [BreakdownRow]]
        let applicants: [BreakdownRow]
        let applicantKeys: Int
        // Through today the use totals, to an earlier date the use totals by day (up to it).
        let through: BusinessDate? =
            try coversEverything(db, programmeID, through: period.through) ? nil : period.through
        rows = try breakdownsFromTotals(db, programmeID, year: period.year, through: through, by: others)
        // To an earlier date one pass over the applicants' uses up to it (applicants are not kept
        // by day), counting them and keeping the largest; through today their use totals.
        (applicants, applicantKeys) = try {
            var count = 0
            var listed: [BreakdownRow] = []
            func before(_ a: BreakdownRow, _ b: BreakdownRow) -> Bool { (a.used, b.key) > (b.used, a.key) }
            func consider(_ applicant: BreakdownRow) {
                count += 1
                guard largest > 0, listed.count < largest || before(applicant, listed[listed.count - 1]) else { return }
                let place = listed.firstIndex { before(applicant, $0) } ?? listed.count
                listed.insert(applicant, at: place)
                if listed.count > largest { listed.removeLast() }
            }
            if through != nil {
                for applicant in try memo.uses(db, programmeID, period: period).applicants {
                    consider(applicant)
                }
                return (listed, count)
            }
            // Through today SQLite sorts the applicants' totals and counts them.
            let arguments: StatementArguments = [
                "programme": programmeID.value, "year": period.year, "largest": largest,
            ]
            let largestApplicants = try db.fetchAll(
                Row.self,
                sql: period.year == nil
                    ? """
                    SELECT key, SUM(uses) AS uses, SUM(service_amount) AS service, SUM(amount) - SUM(returned) AS used,
                        SUM(paid) AS redeemed
                    FROM use_total WHERE programme_id = :programme AND dimension = 'applicant'
                    GROUP BY key HAVING SUM(uses) > 0 ORDER BY used DESC, key LIMIT :largest
                    """
                    // Within one year each applicant has one row of the use totals: no grouping.
                    : """
                    SELECT key, uses, service_amount AS service, amount - returned AS used, paid AS redeemed
                    FROM use_total WHERE programme_id = :programme AND year = :year AND dimension = 'applicant'
                    AND uses > 0 ORDER BY used DESC, key LIMIT :largest
                    """,
                arguments: arguments
            ).map(BreakdownRow.init)
            let applicantCount =
                try db.fetchOne(
                    Int.self,
                    sql: """
                        SELECT COUNT(\(period.year == nil ? "DISTINCT key" : "*")) FROM use_total
                        WHERE programme_id = :programme \(period.year == nil ? "" : "AND year = :year")
                        AND dimension = 'applicant' AND uses > 0
                        """,
                    arguments: arguments
                ) ?? 0
            return (largestApplicants, applicantCount)
        }()
        rows[.applicant] = applicants
        var keys = rows.mapValues(\.count)
        keys[.applicant] = applicantKeys
        return (rows, keys)
    }

    /// Where the kept totals of a period are read: `use_total` through today, `use_day_total` up
    /// to an earlier date; `filter` restricts the rows to the period (after `programme_id`).
    struct TotalsSource {
        var table: String
        var filter: String

        init(year: Int?, through: BusinessDate?) {
            table = through == nil ? "use_total" : "use_day_total"
            filter = (year == nil ? "" : "AND year = :year") + (through == nil ? "" : " AND day <= :through")
        }
    }

    /// The breakdowns read from the kept totals: through today (`through` nil) the use totals, to
    /// an earlier date the use totals by day up to it.
    static func breakdownsFromTotals(
        _ db: Database,
        _ programmeID: ProgrammeID,
        year: Int?,
        through: BusinessDate?,
        by dimensions: [BreakdownDimension]
    ) throws -> [BreakdownDimension: [BreakdownRow]] {
        var result: [BreakdownDimension: [BreakdownRow]] = [:]
        for dimension in dimensions { result[dimension] = [] }
        let names = dimensions.map { "'\($0.rawValue)'" }.joined(separator: ", ")
        let source = TotalsSource(year: year, through: through)
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT dimension, key, SUM(uses) AS uses, SUM(service_amount) AS service,
                    SUM(amount) - SUM(returned) AS used, SUM(paid) AS redeemed
                FROM \(source.table) WHERE programme_id = :programme \(source.filter)
                AND dimension IN (\(names))
                GROUP BY dimension, key HAVING SUM(uses) > 0 ORDER BY dimension, key
                """,
            arguments: ["programme": programmeID.value, "year": year, "through": through?.iso]
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

extension ReconciliationQueries {
    /// What a report to a date before the latest needs of the uses up to it that the totals by
    /// day do not keep: each applicant's figures, and how many products were used.
    struct UsesToDate {
        /// By applicant, in no order.
        var applicants: [BreakdownRow]
        var products: Int

        /// The pass made once for the figures and the breakdowns of one report, read in one
        /// snapshot (``Ledger/reportParts(_:period:largestApplicants:exceptionsListed:)``).
        final class Memo {
            private var made: UsesToDate?
            /// The accounts below zero to the period's last day, when another connection sums
            /// them beside this one's work (``Ledger/reportParts(_:period:largestApplicants:exceptionsListed:)``):
            /// waits for them.
            var accountsBelowZero: (() throws -> [String])?

            func uses(_ db: Database, _ programmeID: ProgrammeID, period: ReportPeriod) throws -> UsesToDate {
                if let made { return made }
                let uses = try ReconciliationQueries.usesToDate(db, programmeID, period: period)
                made = uses
                return uses
            }
        }
    }

    /// One pass over the live uses up to the period's last day, in Swift: the settlements up to it
    /// first (found through the events' index by programme, kind and date, not by joining every
    /// settlement to its event), then the uses, each added to its applicant's sums. SQLite's way
    /// (a join to the settlements, then a sort to group by applicant, another to count the
    /// products) took about five times as long at 1,000,000 uses (docs/performance.md).
    static func usesToDate(_ db: Database, _ programmeID: ProgrammeID, period: ReportPeriod) throws -> UsesToDate {
        let arguments: StatementArguments = [
            "programme": programmeID.value, "through": period.through.iso, "year": period.year,
        ]
        struct Settled {
            var paid: Int64 = 0
            var returned: Int64 = 0
        }
        var settled: [Int64: Settled] = [:]
        let settlements = try Row.fetchCursor(
            db,
            sql: """
                SELECT s.use_seq, s.paid, CASE WHEN s.unpaid_effect = 'returned' THEN s.unpaid ELSE 0 END
                FROM event e CROSS JOIN settlement s ON s.event_seq = e.seq
                WHERE e.programme_id = :programme AND e.kind = 'redemption-settled' AND e.business_date <= :through
                AND \(Self.liveAsOf("s"))
                """,
            arguments: arguments
        )
        while let row = try settlements.next() {
            let use: Int64 = row[0]
            settled[use, default: Settled()].paid += row[1]
            settled[use, default: Settled()].returned += row[2]
        }
        struct Sums {
            var uses = 0
            var service: Int64 = 0
            var amount: Int64 = 0
            var returned: Int64 = 0
            var paid: Int64 = 0
        }
        // Applicants and products found by their bytes: no String made per use.
        var applicantKeys = InternedKeys()
        var productKeys = InternedKeys()
        var sums: [Sums] = []
        let statement = try db.makeStatement(
            sql: """
                SELECT u.event_seq, u.applicant_id, u.product_code, u.service_amount, u.amount FROM voucher_use u
                WHERE u.programme_id = :programme \(period.year == nil ? "" : "AND u.year = :year")
                AND u.used_on <= :through AND \(Self.liveAsOf("u"))
                """
        )
        try statement.setArguments(arguments)
        let uses = statement.sqliteStatement
        // Through the statement each time: GRDB finalizes it when it is let go, and Swift may let
        // it go after its last use, not at the end of the scope.
        defer { sqlite3_reset(statement.sqliteStatement) }
        while try LedgerVerifier.step(uses) {
            let settlement = settled[sqlite3_column_int64(uses, 0)] ?? Settled()
            let place = applicantKeys.slot(LedgerVerifier.column(uses, 1))
            if place == sums.count { sums.append(Sums()) }
            _ = productKeys.slot(LedgerVerifier.column(uses, 2))
            sums[place].uses += 1
            sums[place].service += sqlite3_column_int64(uses, 3)
            sums[place].amount += sqlite3_column_int64(uses, 4)
            sums[place].returned += settlement.returned
            sums[place].paid += settlement.paid
        }
        let applicants = sums.enumerated().map { place, sum in
            BreakdownRow(
                key: applicantKeys.key(place),
                uses: sum.uses,
                serviceAmount: Money(fen: sum.service),
                used: Money(fen: sum.amount - sum.returned),
                redeemed: Money(fen: sum.paid)
            )
        }
        return UsesToDate(applicants: applicants, products: productKeys.count)
    }
}
