import Crypto
import Foundation
import GRDB
import GRDBSQLite
import VoucherDomain

extension LedgerVerifier {
    static func verifyBalances(_ db: Database, computed sums: AccountSums) throws -> [VerificationReport.Problem] {
        var sums = sums
        var problems: [VerificationReport.Problem] = []
        let rows = try Row.fetchCursor(db, sql: "SELECT id, type, balance FROM account ORDER BY id")
        while let row = try rows.next() {
            let id: String = row[0]
            let cached: Int64 = row[2]
            let recomputed = sums.take(id)
            if cached != recomputed {
                problems.append(
                    .init(
                        event: nil,
                        message:
                            "account \(id): stored balance \(Money(fen: cached)) differs from its postings, \(Money(fen: recomputed))"
                    )
                )
            }
            if recomputed < 0 && (row[1] as String) != LedgerAccount.Kind.budget.rawValue {
                problems.append(.init(event: nil, message: "account \(id) is below zero: \(Money(fen: recomputed))"))
            }
        }
        for id in sums.notTaken.sorted() {
            problems.append(.init(event: nil, message: "account \(id) has postings but no account row"))
        }
        return problems
    }

    /// The account rows whose columns beside the id are not what the id says (``LedgerAccount/id``:
    /// `type/programme/year`, and `/party` for the kinds that have one): the first, if any.
    static func verifyAccountRows(_ db: Database) throws -> [VerificationReport.Problem] {
        let perParty = LedgerAccount.Kind.allCases.filter(\.isPerParty).map { "'\($0.rawValue)'" }
        let id = try String.fetchOne(
            db,
            sql: """
                SELECT id FROM account
                WHERE id IS NOT type || '/' || programme_id || '/' || year || COALESCE('/' || party_id, '')
                    OR instr(programme_id, '/') > 0 OR (party_id IS NOT NULL) <> (type IN (\(perParty.joined(separator: ", "))))
                ORDER BY id LIMIT 1
                """
        )
        return id.map {
            [
                .init(
                    event: nil,
                    message: "account \($0.visible): its account row's type, programme_id, year or party_id "
                        + "differ from its id"
                )
            ]
        } ?? []
    }

    // MARK: - Use totals

    /// A use total's sums (``UseTotals``, what the ledger keeps).
    typealias Totals = UseTotals

    /// Recomputes the use totals from the live uses and their live settlements (one pass over each,
    /// merged by use, through the C API) and compares them with the rows the ledger kept. A
    /// total's key is its programme, year, dimension and key, joined by U+001F.
    static func verifyUseTotals(_ db: Database) throws -> [VerificationReport.Problem] {
        let reversed = Set(try Int64.fetchAll(db, sql: "SELECT reverses FROM event WHERE reverses > 0"))
        let useStatement = try db.makeStatement(
            sql: """
                SELECT event_seq, programme_id, year, applicant_id, provider_id, product_code, category, provider_region,
                    substr(used_on, 1, 7), service_amount, amount, rate_basis_points, rounding
                FROM voucher_use ORDER BY event_seq
                """
        )
        let settlementStatement = try db.makeStatement(
            sql: """
                SELECT use_seq, event_seq, paid, CASE WHEN unpaid_effect = 'returned' THEN unpaid ELSE 0 END
                FROM settlement ORDER BY use_seq
                """
        )
        let uses = useStatement.sqliteStatement
        let settlements = settlementStatement.sqliteStatement
        defer {
            sqlite3_reset(useStatement.sqliteStatement)
            sqlite3_reset(settlementStatement.sqliteStatement)
        }
        var keys = InternedKeys()
        var expected: [Totals] = []
        var key: [UInt8] = []
        let dimensions = ["all", "applicant", "provider", "product", "category", "region", "month"].map {
            Array($0.utf8)
        }
        var lastRoundingText: [UInt8] = []
        var lastRounding: Rounding? = .downToFen
        var settlementPending = try Self.step(settlements)
        while try Self.step(uses) {
            let seq = sqlite3_column_int64(uses, 0)
            let service = sqlite3_column_int64(uses, 9)
            let amount = sqlite3_column_int64(uses, 10)
            // Uses recorded before a use kept its rounding rounded down to the fen. The text is read
            // again only when it differs from the last use's (a programme has one or two).
            let roundingText = Self.column(uses, 12)
            if !roundingText.elementsEqual(lastRoundingText) {
                lastRoundingText = Array(roundingText)
                lastRounding =
                    sqlite3_column_type(uses, 12) == SQLITE_NULL
                    ? .downToFen : Rounding(canonicalText: String(decoding: roundingText, as: UTF8.self))
            }
            let bound = lastRounding.flatMap {
                try? Money(fen: service).scaled(by: sqlite3_column_int64(uses, 11), over: 10_000, rounding: $0)
            }
            var totals = Totals(
                uses: 1,
                service: service,
                amount: amount,
                overRate: bound.map { amount > $0.fen ? 1 : 0 } ?? 1
            )
            while settlementPending, sqlite3_column_int64(settlements, 0) <= seq {
                if sqlite3_column_int64(settlements, 0) == seq, !reversed.contains(sqlite3_column_int64(settlements, 1))
                {
                    totals.paid &+= sqlite3_column_int64(settlements, 2)
                    totals.returned &+= sqlite3_column_int64(settlements, 3)
                }
                settlementPending = try Self.step(settlements)
            }
            if reversed.contains(seq) { continue }
            key.removeAll(keepingCapacity: true)
            key.append(contentsOf: Self.column(uses, 1))
            key.append(0x1F)
            CanonicalJSON.appendInt(sqlite3_column_int64(uses, 2), to: &key)
            key.append(0x1F)
            let prefix = key.count
            for (index, dimension) in dimensions.enumerated() {
                key.removeSubrange(prefix...)
                key.append(contentsOf: dimension)
                key.append(0x1F)
                if index > 0 { key.append(contentsOf: Self.column(uses, Int32(index + 2))) }
                let slot = key.withUnsafeBufferPointer { keys.slot($0) }
                if slot == expected.count { expected.append(Totals()) }
                expected[slot] += totals
            }
        }
        var seen = Array(repeating: false, count: expected.count)
        var problems: [VerificationReport.Problem] = []
        let stored = try Row.fetchCursor(
            db,
            sql: """
                SELECT programme_id, year, dimension, key, uses, service_amount, amount, returned, paid, over_rate
                FROM use_total ORDER BY programme_id, year, dimension, key
                """
        )
        while let row = try stored.next() {
            let (programme, year, dimension, name): (String, Int64, String, String) = (row[0], row[1], row[2], row[3])
            let kept = Totals(
                uses: row[4],
                service: row[5],
                amount: row[6],
                returned: row[7],
                paid: row[8],
                overRate: row[9]
            )
            let slot = keys.find([programme, String(year), dimension, name].joined(separator: "\u{1F}"))
            if let slot { seen[slot] = true }
            let recomputed = slot.map { expected[$0] } ?? Totals()
            if kept != recomputed && problems.isEmpty {
                problems.append(
                    .init(
                        event: nil,
                        message: "the use_total row of \(programme) \(year) \(dimension) '\(name.visible)': stored "
                            + "\(kept.uses) uses, \(Money(fen: kept.amount - kept.returned)) used, "
                            + "\(Money(fen: kept.paid)) redeemed; the uses say \(recomputed.uses) uses, "
                            + "\(Money(fen: recomputed.amount - recomputed.returned)) used, \(Money(fen: recomputed.paid)) redeemed"
                    )
                )
            }
        }
        if problems.isEmpty, let missing = expected.indices.first(where: { !seen[$0] && !expected[$0].isZero }) {
            let parts = keys.key(missing).split(separator: "\u{1F}", omittingEmptySubsequences: false)
            problems.append(
                .init(
                    event: nil,
                    message:
                        "the use_total row of \(parts.prefix(3).joined(separator: " ")) '\(parts.dropFirst(3).joined().visible)' is missing"
                )
            )
        }
        return problems
    }
}
