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
                            "account \(id): stored balance \(Money(fen: cached)) differs from its postings, \(Money(fen: recomputed))",
                        zh: "账户 \(id)：存储的余额 \(Money(fen: cached)) 与其分录之和 \(Money(fen: recomputed)) 不符"
                    )
                )
            }
            if recomputed < 0 && (row[1] as String) != LedgerAccount.Kind.budget.rawValue {
                problems.append(
                    .init(
                        event: nil,
                        message: "account \(id) is below zero: \(Money(fen: recomputed))",
                        zh: "账户 \(id) 余额为负：\(Money(fen: recomputed))"
                    )
                )
            }
        }
        for id in sums.notTaken.sorted() {
            problems.append(
                .init(
                    event: nil,
                    message: "account \(id) has postings but no account row",
                    zh: "账户 \(id) 有分录但没有账户记录"
                )
            )
        }
        return problems
    }

    /// Compares `late_item` (schema v9) with the items filed past their deadline, each with its
    /// use's programme and year, its filing's day and the days from its use's deadline to that
    /// day: the first row missing or changed, or else, when there are more rows than late items,
    /// the first row of no late item. (One pass over the items, each looked up in the table; the
    /// counts of both then say whether any row is left over.)
    static func verifyLateItems(_ db: Database) throws -> [VerificationReport.Problem] {
        func problem(_ row: Row, _ what: String, zh: String) -> [VerificationReport.Problem] {
            [
                .init(
                    event: row[0],
                    message: "the late_item row of use event \(row[1] as Int64) \(what)",
                    zh: "第 \(row[1] as Int64) 个事件（用券）的 late_item 记录\(zh)"
                )
            ]
        }
        if let row = try Row.fetchOne(
            db,
            sql: """
                SELECT i.filing_seq, i.use_seq, l.filing_seq IS NULL FROM redemption_item i
                JOIN voucher_use u ON u.event_seq = i.use_seq JOIN event e ON e.seq = i.filing_seq
                LEFT JOIN late_item l ON l.filing_seq = i.filing_seq AND l.use_seq = i.use_seq
                WHERE i.past_deadline = 1 AND (l.filing_seq IS NULL OR l.programme_id IS NOT u.programme_id
                    OR l.year IS NOT u.year OR l.filed_on IS NOT e.business_date
                    OR l.days_late IS NOT COALESCE(
                        CAST(julianday(e.business_date) - julianday(u.redemption_deadline) AS INTEGER), 0))
                ORDER BY i.filing_seq, i.use_seq LIMIT 1
                """
        ) {
            let missing: Bool = row[2]
            return problem(
                row,
                missing
                    ? "is missing: the item was filed past its deadline"
                    : "is not what its redemption item, its use and its filing say",
                zh: missing ? "缺失（该笔已逾期申报）" : "与其兑付明细、用券和兑付申请所载不符"
            )
        }
        let kept = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM late_item") ?? 0
        let late = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM redemption_item WHERE past_deadline = 1") ?? 0
        guard kept != late else { return [] }
        if let row = try Row.fetchOne(
            db,
            sql: """
                SELECT l.filing_seq, l.use_seq FROM late_item l
                WHERE NOT EXISTS (SELECT 1 FROM redemption_item i
                    WHERE i.filing_seq = l.filing_seq AND i.use_seq = l.use_seq AND i.past_deadline = 1)
                ORDER BY l.filing_seq, l.use_seq LIMIT 1
                """
        ) {
            return problem(row, "names no item filed past its deadline", zh: "所指的并非逾期申报的兑付明细")
        }
        // Every row names a late item and every late item has its row: some row is there twice.
        return [
            .init(
                event: nil,
                message: "the late_item table has \(kept) rows for \(late) items filed past their deadline",
                zh: "late_item 表有 \(kept) 条记录，而逾期申报的兑付明细有 \(late) 笔"
            )
        ]
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
                        + "differ from its id",
                    zh: "账户 \($0.visible)：其账户记录的 type、programme_id、year 或 party_id 与账户编号不符"
                )
            ]
        } ?? []
    }

    /// Compares `account_day_total` with the postings' sums by programme, account type, year and
    /// day that the chain pass added up.
    static func verifyAccountDays(_ db: Database, computed sums: AccountSums) throws -> [VerificationReport.Problem] {
        var sums = sums
        let rows = try Row.fetchCursor(
            db,
            sql:
                "SELECT programme_id, account_type, year, day, amount FROM account_day_total ORDER BY programme_id, account_type, day, year"
        )
        while let row = try rows.next() {
            let (programme, type, year, day, stored): (String, String, Int64, String, Int64) = (
                row[0], row[1], row[2], row[3], row[4]
            )
            let recomputed = sums.take([programme, type, String(year), day].joined(separator: "\u{1F}"))
            if stored != recomputed {
                return [
                    .init(
                        event: nil,
                        message: "the account_day_total row of \(programme) \(type) \(year) on \(day): stored "
                            + "\(Money(fen: stored)); its postings sum to \(Money(fen: recomputed))",
                        zh: "\(programme) \(type) \(year) 在 \(day) 的 account_day_total 记录：存储为 "
                            + "\(Money(fen: stored))，其分录之和为 \(Money(fen: recomputed))"
                    )
                ]
            }
        }
        if let missing = sums.notTaken.sorted().first {
            let parts = missing.split(separator: "\u{1F}", omittingEmptySubsequences: false)
            return [
                .init(
                    event: nil,
                    message: "the account_day_total row of \(parts.dropLast().joined(separator: " ")) on "
                        + "\(parts.last ?? "") is missing",
                    zh: "缺少 \(parts.dropLast().joined(separator: " ")) 在 \(parts.last ?? "") 的 account_day_total 记录"
                )
            ]
        }
        return []
    }

    // MARK: - Use totals

    /// Compares `use_day_total` with the changes the uses, settlements and reversals make by day.
    static func verifyUseDayTotals(
        _ db: Database,
        keys: InternedKeys,
        expected: [Totals]
    ) throws -> VerificationReport.Problem? {
        var seen = Array(repeating: false, count: expected.count)
        let stored = try Row.fetchCursor(
            db,
            sql: """
                SELECT programme_id, year, dimension, key, day, uses, service_amount, amount, returned, paid, over_rate
                FROM use_day_total ORDER BY programme_id, dimension, key, day, year
                """
        )
        while let row = try stored.next() {
            let (programme, year, dimension, name, day): (String, Int64, String, String, String) = (
                row[0], row[1], row[2], row[3], row[4]
            )
            let kept = Totals(
                uses: row[5],
                service: row[6],
                amount: row[7],
                returned: row[8],
                paid: row[9],
                overRate: row[10]
            )
            let slot = keys.find([programme, String(year), dimension, name, day].joined(separator: "\u{1F}"))
            if let slot { seen[slot] = true }
            let recomputed = slot.map { expected[$0] } ?? Totals()
            if kept != recomputed {
                return .init(
                    event: nil,
                    message: "the use_day_total row of \(programme) \(year) \(dimension) '\(name.visible)' on \(day): "
                        + "stored \(kept.uses) uses, \(Money(fen: kept.amount - kept.returned)) used, "
                        + "\(Money(fen: kept.paid)) redeemed that day; the uses say \(recomputed.uses) uses, "
                        + "\(Money(fen: recomputed.amount - recomputed.returned)) used, \(Money(fen: recomputed.paid)) redeemed",
                    zh: "\(programme) \(year) \(dimension)「\(name.visible)」在 \(day) 的 use_day_total 记录：存储为 "
                        + "\(kept.uses) 笔用券、用券金额 \(Money(fen: kept.amount - kept.returned))、当日兑付金额 "
                        + "\(Money(fen: kept.paid))；按用券重算为 \(recomputed.uses) 笔、用券金额 "
                        + "\(Money(fen: recomputed.amount - recomputed.returned))、兑付金额 \(Money(fen: recomputed.paid))"
                )
            }
        }
        if let missing = expected.indices.first(where: { !seen[$0] }) {
            let parts = keys.key(missing).split(separator: "\u{1F}", omittingEmptySubsequences: false)
            return .init(
                event: nil,
                message: "the use_day_total row of \(parts.prefix(3).joined(separator: " ")) "
                    + "'\(parts.dropFirst(3).dropLast().joined().visible)' on \(parts.last ?? "") is missing",
                zh: "缺少 \(parts.prefix(3).joined(separator: " "))「\(parts.dropFirst(3).dropLast().joined().visible)」"
                    + "在 \(parts.last ?? "") 的 use_day_total 记录"
            )
        }
        return nil
    }

    /// A use total's sums (``UseTotals``, what the ledger keeps).
    typealias Totals = UseTotals

    /// Recomputes the use totals from the live uses and their live settlements (one pass over each,
    /// merged by use, through the C API) and compares them with the rows the ledger kept. A
    /// total's key is its programme, year, dimension and key, joined by U+001F.
    static func verifyUseTotals(_ db: Database) throws -> [VerificationReport.Problem] {
        // Reversals are few: each reversed event and the day it was reversed.
        var reversedOn: [Int64: [UInt8]] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT reverses, business_date FROM event WHERE reverses > 0") {
            reversedOn[row[0]] = Array((row[1] as String).utf8)
        }
        let useStatement = try db.makeStatement(
            sql: """
                SELECT event_seq, programme_id, year, applicant_id, provider_id, product_code, category, provider_region,
                    substr(used_on, 1, 7), service_amount, amount, rate_basis_points, rounding, used_on
                FROM voucher_use ORDER BY event_seq
                """
        )
        let settlementStatement = try db.makeStatement(
            sql: """
                SELECT s.use_seq, s.event_seq, s.paid, CASE WHEN s.unpaid_effect = 'returned' THEN s.unpaid ELSE 0 END,
                    e.business_date
                FROM settlement s LEFT JOIN event e ON e.seq = s.event_seq ORDER BY s.use_seq
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
        // The same by day: a use on its day, a settlement on its own, a reversal of either on its own.
        var dayKeys = InternedKeys()
        var expectedDays: [Totals] = []
        var changes: [(day: [UInt8], totals: Totals)] = []
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
            let overRate = UseTotals.overRate(
                service: service,
                amount: amount,
                rateBasisPoints: sqlite3_column_int64(uses, 11),
                rounding: lastRounding
            )
            let used = Totals(uses: 1, service: service, amount: amount, overRate: overRate)
            var totals = used
            changes.removeAll(keepingCapacity: true)
            changes.append((Array(Self.column(uses, 13)), used))
            while settlementPending, sqlite3_column_int64(settlements, 0) <= seq {
                if sqlite3_column_int64(settlements, 0) == seq {
                    let settled = Totals(
                        returned: sqlite3_column_int64(settlements, 3),
                        paid: sqlite3_column_int64(settlements, 2)
                    )
                    changes.append((Array(Self.column(settlements, 4)), settled))
                    if let day = reversedOn[sqlite3_column_int64(settlements, 1)] {
                        changes.append((day, -settled))
                    } else {
                        totals.paid &+= settled.paid
                        totals.returned &+= settled.returned
                    }
                }
                settlementPending = try Self.step(settlements)
            }
            let reversal = reversedOn[seq]
            if let reversal { changes.append((reversal, -used)) }
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
                if reversal == nil {
                    let slot = key.withUnsafeBufferPointer { keys.slot($0) }
                    if slot == expected.count { expected.append(Totals()) }
                    expected[slot] += totals
                }
                let keyEnd = key.count
                // Applicants (1) and products (3) are not kept by day.
                for change in changes where index != 1 && index != 3 {
                    key.removeSubrange(keyEnd...)
                    key.append(0x1F)
                    key.append(contentsOf: change.day)
                    let slot = key.withUnsafeBufferPointer { dayKeys.slot($0) }
                    if slot == expectedDays.count { expectedDays.append(Totals()) }
                    expectedDays[slot] += change.totals
                }
                key.removeSubrange(keyEnd...)
            }
        }
        if let problem = try verifyUseDayTotals(db, keys: dayKeys, expected: expectedDays) { return [problem] }
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
                            + "\(Money(fen: recomputed.amount - recomputed.returned)) used, \(Money(fen: recomputed.paid)) redeemed",
                        zh: "\(programme) \(year) \(dimension)「\(name.visible)」的 use_total 记录：存储为 "
                            + "\(kept.uses) 笔用券、用券金额 \(Money(fen: kept.amount - kept.returned))、兑付金额 "
                            + "\(Money(fen: kept.paid))；按用券重算为 \(recomputed.uses) 笔、用券金额 "
                            + "\(Money(fen: recomputed.amount - recomputed.returned))、兑付金额 \(Money(fen: recomputed.paid))"
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
                        "the use_total row of \(parts.prefix(3).joined(separator: " ")) '\(parts.dropFirst(3).joined().visible)' is missing",
                    zh:
                        "缺少 \(parts.prefix(3).joined(separator: " "))「\(parts.dropFirst(3).joined().visible)」的 use_total 记录"
                )
            )
        }
        return problems
    }
}
