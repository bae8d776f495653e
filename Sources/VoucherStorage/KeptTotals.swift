import Foundation
import GRDB
import VoucherDomain

/// The sums a use adds to the use totals of each of its keys (`use_total`'s columns).
struct UseTotals: Equatable {
    var uses: Int64 = 0
    var service: Int64 = 0
    var amount: Int64 = 0
    var returned: Int64 = 0
    var paid: Int64 = 0
    var overRate: Int64 = 0

    var isZero: Bool { self == UseTotals() }

    static func += (sum: inout UseTotals, more: UseTotals) {
        sum.uses &+= more.uses
        sum.service &+= more.service
        sum.amount &+= more.amount
        sum.returned &+= more.returned
        sum.paid &+= more.paid
        sum.overRate &+= more.overRate
    }

    static prefix func - (totals: UseTotals) -> UseTotals {
        UseTotals(
            uses: -totals.uses,
            service: -totals.service,
            amount: -totals.amount,
            returned: -totals.returned,
            paid: -totals.paid,
            overRate: -totals.overRate
        )
    }

    /// 1 when `amount` is above rate × service amount as `rounding` rounds it (never, while the
    /// CHECK on `voucher_use` holds); a use recorded before uses kept their rounding rounded down
    /// to the fen.
    static func overRate(service: Int64, amount: Int64, rateBasisPoints: Int64, rounding: Rounding?) -> Int64 {
        guard let rounding,
            let bound = try? Money(fen: service).scaled(by: rateBasisPoints, over: 10_000, rounding: rounding)
        else { return 1 }
        return amount > bound.fen ? 1 : 0
    }
}

/// Texts in the order SQLite's BINARY collation keeps them (their UTF-8 bytes, compared as by
/// `memcmp`): the order the kept totals are written in, so that each table's B-tree is walked
/// once. (Swift's `<` on strings compares Unicode scalars, and is several times slower.)
enum ByteOrder {
    /// Negative, zero or positive as `a` sorts before, with or after `b`.
    static func compare(_ a: String, _ b: String) -> Int {
        var a = a
        var b = b
        return a.withUTF8 { x in
            b.withUTF8 { y in
                let shared = min(x.count, y.count)
                if shared > 0, let xs = x.baseAddress, let ys = y.baseAddress {
                    let order = memcmp(xs, ys, shared)
                    if order != 0 { return Int(order) }
                }
                return x.count - y.count
            }
        }
    }

}

extension UseTotals {
    /// What one use adds: itself, its service amount and amount, and whether it is over rate.
    init(of use: UseRecord) {
        self.init(
            uses: 1,
            service: use.serviceAmount,
            amount: use.amount,
            overRate: Self.overRate(
                service: use.serviceAmount,
                amount: use.amount,
                rateBasisPoints: use.rateBasisPoints,
                rounding: KeptTotals.rounding(of: use)
            )
        )
    }
}

/// One row of `use_total`: a programme year's dimension and key.
struct UseTotalKey: Hashable, Comparable {
    var programme: String
    var year: Int64
    var dimension: String
    var key: String

    static func < (a: UseTotalKey, b: UseTotalKey) -> Bool {
        let programme = ByteOrder.compare(a.programme, b.programme)
        if programme != 0 { return programme < 0 }
        if a.year != b.year { return a.year < b.year }
        let dimension = ByteOrder.compare(a.dimension, b.dimension)
        if dimension != 0 { return dimension < 0 }
        return ByteOrder.compare(a.key, b.key) < 0
    }

    /// Whether this total is also kept by day, in `use_day_total`: the dimensions with few keys
    /// (all, provider, category, region, month), not applicants nor products.
    var keptByDay: Bool { dimension != "applicant" && dimension != "product" }

    /// The seven rows a use counts in: all, applicant, provider, product, category, region, month.
    static func keys(of use: UseRecord) -> [UseTotalKey] {
        let year = Int64(use.year)
        return [
            ("all", ""), ("applicant", use.applicantID), ("provider", use.providerID), ("product", use.productCode),
            ("category", use.category), ("region", use.providerRegion), ("month", String(use.usedOn.prefix(7))),
        ].map { UseTotalKey(programme: use.programmeID, year: year, dimension: $0.0, key: $0.1) }
    }
}

/// One row of `use_day_total`: a use total's key and the day of the changes.
struct UseDayKey: Hashable, Comparable {
    var total: UseTotalKey
    var day: String

    static func < (a: UseDayKey, b: UseDayKey) -> Bool {
        let programme = ByteOrder.compare(a.total.programme, b.total.programme)
        if programme != 0 { return programme < 0 }
        let dimension = ByteOrder.compare(a.total.dimension, b.total.dimension)
        if dimension != 0 { return dimension < 0 }
        let key = ByteOrder.compare(a.total.key, b.total.key)
        if key != 0 { return key < 0 }
        let day = ByteOrder.compare(a.day, b.day)
        if day != 0 { return day < 0 }
        return a.total.year < b.total.year
    }
}

/// One row of `account_day_total`: the postings of a programme's accounts of one type and year on one day.
struct AccountDayKey: Hashable, Comparable {
    var programme: String
    var type: String
    var year: Int64
    var day: String

    static func < (a: AccountDayKey, b: AccountDayKey) -> Bool {
        let programme = ByteOrder.compare(a.programme, b.programme)
        if programme != 0 { return programme < 0 }
        let type = ByteOrder.compare(a.type, b.type)
        if type != 0 { return type < 0 }
        let day = ByteOrder.compare(a.day, b.day)
        if day != 0 { return day < 0 }
        return a.year < b.year
    }
}

/// What the ledger keeps beside its rows, `account.balance` and `use_total` (and both by day,
/// `account_day_total` and `use_day_total`), as changes not yet written: an operation adds its postings, uses, settlements and reversals here, and the changes
/// are written once each, in key order, when its transaction (or the batch it runs in) commits,
/// instead of row by row as the rows are inserted. Reads of a balance or a use total inside the
/// transaction add what is pending (``balance(_:_:)``, ``pendingUse(_:)``).
///
/// `@unchecked Sendable`: it is a task-local value used only on the writer's thread, inside the
/// transaction that owns it.
final class KeptTotals: @unchecked Sendable {
    private var balances: [String: Int64] = [:]
    private var useTotals: [UseTotalKey: UseTotals] = [:]
    private var dayTotals: [UseDayKey: UseTotals] = [:]
    private var accountDays: [AccountDayKey: Int64] = [:]
    /// The changes of the operation under way, to take back if it fails.
    private var journal: [Change] = []
    /// Accounts whose row is known to exist, with the balance the row holds (without what is
    /// pending): the appends of a batch then neither insert the row again nor read it for each
    /// posting. Rows are never deleted, and a batch whose operation fails after writing is
    /// abandoned whole, so what is known stays true for the transaction.
    private var accountRows: [String: Int64] = [:]
    /// Accounts remembered at most (about 17 MB): past it, they are forgotten and read again.
    static let accountRowsHeld = 131_072

    private enum Change {
        case balance(String, AccountDayKey, Int64)
        case use(UseTotalKey, String, UseTotals)
    }

    /// Entries held; a batch writes them out when there are many.
    var count: Int { balances.count + useTotals.count + dayTotals.count + accountDays.count }

    func post(_ account: LedgerAccount, id: String, amount: Int64, on day: String) {
        let dayKey = AccountDayKey(
            programme: account.programme.value,
            type: account.kind.rawValue,
            year: Int64(account.year),
            day: day
        )
        balances[id, default: 0] &+= amount
        accountDays[dayKey, default: 0] &+= amount
        journal.append(.balance(id, dayKey, amount))
    }

    func add(_ totals: UseTotals, to keys: [UseTotalKey], on day: String) {
        for key in keys {
            useTotals[key, default: UseTotals()] += totals
            if key.keptByDay { dayTotals[UseDayKey(total: key, day: day), default: UseTotals()] += totals }
            journal.append(.use(key, day, totals))
        }
    }

    /// The balance change pending for an account.
    func pendingBalance(_ account: String) -> Int64 { balances[account] ?? 0 }

    /// The balance an account's row holds, without what is pending (0 when it has no row yet).
    func storedBalance(_ id: String, _ db: Database) throws -> Int64 {
        if let known = accountRows[id] { return known }
        guard
            let stored = try Int64.fetchOne(
                db.cachedStatement(sql: "SELECT balance FROM account WHERE id = ?"),
                arguments: [id]
            )
        else { return 0 }
        rememberRow(id, balance: stored)
        return stored
    }

    /// Inserts an account's row, with a zero balance, unless it has one.
    func insertRowIfNew(_ account: AccountRecord, _ db: Database) throws {
        guard accountRows[account.id] == nil else { return }
        try account.insertRow(db, orIgnore: true)
        // Inserted, it holds the zero it was given; ignored, its balance is read when asked.
        if db.changesCount == 1 { rememberRow(account.id, balance: account.balance) }
    }

    private func rememberRow(_ id: String, balance: Int64) {
        if accountRows.count >= Self.accountRowsHeld { accountRows.removeAll(keepingCapacity: true) }
        accountRows[id] = balance
    }

    /// The use totals pending for a key.
    func pendingUse(_ key: UseTotalKey) -> UseTotals { useTotals[key] ?? UseTotals() }

    /// The operation under way succeeded: its changes stay.
    func keep() { journal.removeAll(keepingCapacity: true) }

    /// The operation under way failed before it wrote (a batch has no savepoints; one that wrote
    /// abandons its batch): its changes go. `accountRows` relies on that: a row it remembers was
    /// written, and stays.
    func takeBack() {
        for change in journal.reversed() {
            switch change {
            case .balance(let account, let dayKey, let amount):
                balances[account, default: 0] &-= amount
                accountDays[dayKey, default: 0] &-= amount
            case .use(let key, let day, let totals):
                useTotals[key, default: UseTotals()] += -totals
                if key.keptByDay { dayTotals[UseDayKey(total: key, day: day), default: UseTotals()] += -totals }
            }
        }
        journal.removeAll(keepingCapacity: true)
    }

    /// Writes what is pending, each table in key order, and forgets it.
    func write(_ db: Database) throws {
        journal.removeAll(keepingCapacity: true)
        if !balances.isEmpty {
            let update = try db.cachedStatement(sql: "UPDATE account SET balance = balance + ? WHERE id = ?")
            for (account, change) in balances.sorted(by: { ByteOrder.compare($0.key, $1.key) < 0 }) where change != 0 {
                try update.execute(arguments: [change, account])
                accountRows[account]? &+= change
            }
            balances.removeAll(keepingCapacity: true)
        }
        if !useTotals.isEmpty {
            // One upsert where the change counts no fewer uses; where it takes uses out (a reversal),
            // an update, and an insert only if there was no row: an insert of that change alone
            // would fail the row's CHECK.
            let upsert = try db.cachedStatement(
                sql: """
                    INSERT INTO use_total (uses, service_amount, amount, returned, paid, over_rate, programme_id, year, dimension, key)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (programme_id, year, dimension, key) DO UPDATE SET
                        uses = uses + excluded.uses, service_amount = service_amount + excluded.service_amount,
                        amount = amount + excluded.amount, returned = returned + excluded.returned,
                        paid = paid + excluded.paid, over_rate = over_rate + excluded.over_rate
                    """
            )
            let update = try db.cachedStatement(
                sql: """
                    UPDATE use_total SET uses = uses + ?, service_amount = service_amount + ?, amount = amount + ?,
                        returned = returned + ?, paid = paid + ?, over_rate = over_rate + ?
                    WHERE programme_id = ? AND year = ? AND dimension = ? AND key = ?
                    """
            )
            let insert = try db.cachedStatement(
                sql: """
                    INSERT INTO use_total (uses, service_amount, amount, returned, paid, over_rate, programme_id, year, dimension, key)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """
            )
            for (key, totals) in useTotals.sorted(by: { $0.key < $1.key }) {
                let arguments: StatementArguments = [
                    totals.uses, totals.service, totals.amount, totals.returned, totals.paid, totals.overRate,
                    key.programme, key.year, key.dimension, key.key,
                ]
                if totals.uses >= 0 {
                    try upsert.execute(arguments: arguments)
                } else {
                    try update.execute(arguments: arguments)
                    if db.changesCount == 0 { try insert.execute(arguments: arguments) }
                }
            }
            useTotals.removeAll(keepingCapacity: true)
        }
        if !dayTotals.isEmpty {
            // A day's changes may be negative (a reversal): no CHECK stands in the way of an upsert.
            let upsert = try db.cachedStatement(
                sql: """
                    INSERT INTO use_day_total (uses, service_amount, amount, returned, paid, over_rate,
                        programme_id, year, dimension, key, day)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (programme_id, dimension, key, day, year) DO UPDATE SET
                        uses = uses + excluded.uses, service_amount = service_amount + excluded.service_amount,
                        amount = amount + excluded.amount, returned = returned + excluded.returned,
                        paid = paid + excluded.paid, over_rate = over_rate + excluded.over_rate
                    """
            )
            for (key, totals) in dayTotals.sorted(by: { $0.key < $1.key }) {
                try upsert.execute(arguments: [
                    totals.uses, totals.service, totals.amount, totals.returned, totals.paid, totals.overRate,
                    key.total.programme, key.total.year, key.total.dimension, key.total.key, key.day,
                ])
            }
            dayTotals.removeAll(keepingCapacity: true)
        }
        if !accountDays.isEmpty {
            let upsert = try db.cachedStatement(
                sql: """
                    INSERT INTO account_day_total (programme_id, account_type, year, day, amount) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (programme_id, account_type, day, year) DO UPDATE SET amount = amount + excluded.amount
                    """
            )
            for (key, amount) in accountDays.sorted(by: { $0.key < $1.key }) {
                try upsert.execute(arguments: [key.programme, key.type, key.year, key.day, amount])
            }
            accountDays.removeAll(keepingCapacity: true)
        }
    }

    // MARK: - What each kind of row adds

    /// A use counts once under each of its keys, on the day it was used.
    func add(use: UseRecord) {
        add(
            UseTotals(of: use),
            to: UseTotalKey.keys(of: use),
            on: use.usedOn
        )
    }

    /// A settlement adds what it paid, and what it returned to the quota, under its use's keys, on
    /// the day it was settled.
    func add(settlement: SettlementRecord, of use: UseRecord, on day: String) {
        add(Self.totals(of: settlement), to: UseTotalKey.keys(of: use), on: day)
    }

    static func totals(of settlement: SettlementRecord) -> UseTotals {
        UseTotals(
            returned: settlement.unpaidEffect == UnpaidRedemptionEffect.returned.rawValue ? settlement.unpaid : 0,
            paid: settlement.paid
        )
    }

    /// A reversal takes out what the reversed use or settlement added, on the reversal's day (a
    /// use's settlements are reversed before the use itself).
    func takeOut(reversed seq: Int64, on day: String, _ db: Database) throws {
        if let use = try Self.use(db, seq: seq) {
            add(
                -UseTotals(of: use),
                to: UseTotalKey.keys(of: use),
                on: day
            )
        } else if let settlement = try SettlementRecord.fetchOne(
            db.cachedStatement(sql: "SELECT * FROM settlement WHERE event_seq = ?"),
            arguments: [seq]
        ), let use = try Self.use(db, seq: settlement.useSeq) {
            add(-Self.totals(of: settlement), to: UseTotalKey.keys(of: use), on: day)
        }
    }

    /// The rounding a use's amount was bounded by: its own, or (recorded before version 5) down to the fen.
    static func rounding(of use: UseRecord) -> Rounding? {
        guard let text = use.rounding else { return .downToFen }
        return Rounding(canonicalText: text)
    }

    static func use(_ db: Database, seq: Int64) throws -> UseRecord? {
        try UseRecord.fetchOne(
            db.cachedStatement(sql: "SELECT * FROM voucher_use WHERE event_seq = ?"),
            arguments: [seq]
        )
    }
}
