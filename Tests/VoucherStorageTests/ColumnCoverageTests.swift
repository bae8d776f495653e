import Foundation
import GRDB
import Testing
import VoucherDomain

@testable import VoucherStorage

/// Every stored column is hashed or recomputed from what is hashed: each column of each table,
/// found from the schema itself, is changed in a real ledger file with the triggers dropped, and a
/// row of each table is deleted; `verify` must fail and name the table and the row. A column added
/// later without coverage fails here.
@Suite(.serialized)
struct ColumnCoverageTests {
    /// The one table left out, and why: GRDB's list of the migrations run. No figure is read from it,
    /// and opening checks it (`aListOfMigrationsThatWasEditedIsRefused`).
    static let bookkeeping: Set<String> = ["grdb_migrations"]

    /// A ledger with a non-null value in every nullable column: overrides, groups, a project, eligible
    /// and tax amounts, two review levels, a rejection, a grant paid, filings in and past their
    /// deadline, every settlement outcome, a reversal, an expiry and a policy revision.
    static func richLedger(at path: String) throws {
        let (fixture, _) = try VerificationTests.ledger(path: path)
        let ledger = fixture.ledger
        let test = LifecycleEdgeTests.testProgramme
        let yaml = LifecycleEdgeTests.voucherPolicy(rate: "50%", rounding: "half-up to fen")
        try ledger.installProgramme(yaml: yaml, file: "test.yaml", context: fixture.next("2022-01-01"))
        try fixture.grantQuota("C-T", applicant: fixture.beta, programme: test, amount: "10万")
        try ledger.decide(
            DecisionRequest(claimRef: "C-T", level: .city, outcome: .grant(yuan("8万")), reviewer: "city-1"),
            context: fixture.next("2022-03-02")
        )
        try ledger.use(
            UseRequest(
                ref: "U-T",
                applicantID: fixture.beta,
                providerID: fixture.lab,
                productCode: "LAB-NMR",
                programme: test,
                serviceAmount: yuan("2万"),
                project: "P-1",
                eligibleAmount: yuan("1.5万"),
                taxAmount: yuan("1,000"),
                invoice: "INV-2022-0401"
            ),
            context: fixture.next("2022-04-01")
        )
        // A later version, effective from July.
        let revised = yaml + "  - effective_from: 2022-07-01\n    rate: 40%\n    rounding: down to fen\n"
        try ledger.installProgramme(yaml: revised, file: "test-2.yaml", context: fixture.next("2022-06-15"))
        try ledger.claim(
            ClaimRequest(
                ref: "C-R",
                applicantID: fixture.gamma,
                programme: shanghai,
                year: 2022,
                requested: yuan("1万")
            ),
            context: fixture.next("2022-03-01")
        )
        try ledger.decide(
            DecisionRequest(claimRef: "C-R", outcome: .reject(reason: "材料不全"), reviewer: "district-2"),
            context: fixture.next("2022-03-05")
        )
        // U-2 (2022-05-20) filed after its 90 days, and rejected; U-T, with another use, reduced.
        try ledger.fileRedemption(
            RedemptionFilingRequest(ref: "R-2", providerID: fixture.lab, useRefs: ["U-2"]),
            context: fixture.next("2022-09-30")
        )
        _ = try fixture.use("U-T2", applicant: fixture.beta, programme: test, amount: "1万", on: "2022-04-02")
        try ledger.fileRedemption(
            RedemptionFilingRequest(ref: "R-3", providerID: fixture.lab, useRefs: ["U-T", "U-T2"]),
            context: fixture.next("2022-06-30")
        )
        try ledger.settleRedemption(
            SettlementRequest(filingRef: "R-2", useRef: "U-2", outcome: .rejected(reason: "逾期")),
            context: fixture.next("2022-10-10")
        )
        try ledger.settleRedemption(
            SettlementRequest(filingRef: "R-3", useRef: "U-T", outcome: .reduced(paid: yuan("5,000"), reason: "超出")),
            context: fixture.next("2022-10-10")
        )
        let mistaken = try fixture.use("U-3", applicant: fixture.alpha, amount: "2万", on: "2022-07-01")
        try ledger.reverse(event: mistaken.seq, reason: "录入错误", context: fixture.next("2022-07-02"))
        _ = try ledger.expireQuotas(programme: shanghai, context: fixture.next("2023-01-05"))
        try Self.suspendAndReinstate(ledger, provider: fixture.lab)
    }

    /// A provider suspended in February 2023 and reinstated in March: rows of `provider_status`;
    /// and an appropriation of the Shanghai voucher's 2023 with its shares: a row of `budget`.
    static func suspendAndReinstate(_ ledger: Ledger, provider: String) throws {
        // Money owed back on a paid use, and part of it received.
        let paidUse = try ledger.rawRead { db in
            try String.fetchOne(
                db,
                sql:
                    "SELECT u.ref FROM settlement s JOIN voucher_use u ON u.event_seq = s.use_seq WHERE s.paid > 0 LIMIT 1"
            )
        }
        let use = try #require(paidUse)
        try ledger.recover(
            RecoveryFact(useRef: use, amount: Money(fen: 100), reason: "重复申报"),
            context: EventContext(idempotencyKey: "recover", actor: "test", businessDate: day("2023-01-20"))
        )
        try ledger.receiveRecovery(
            RecoveryFact(useRef: use, amount: Money(fen: 40)),
            context: EventContext(idempotencyKey: "received", actor: "test", businessDate: day("2023-01-25"))
        )
        try ledger.setBudget(
            Appropriation(
                programme: shanghai,
                year: 2023,
                amount: yuan("500万"),
                shares: [
                    BudgetShare(name: "city", rate: .percent(50)), BudgetShare(name: "district", rate: .percent(50)),
                ]
            ),
            context: EventContext(idempotencyKey: "budget", actor: "test", businessDate: day("2023-01-10"))
        )
        try ledger.changeProviderStatus(
            providerID: provider,
            status: .suspended,
            reason: "报告造假",
            context: EventContext(idempotencyKey: "suspend", actor: "test", businessDate: day("2023-02-01"))
        )
        try ledger.changeProviderStatus(
            providerID: provider,
            status: .reinstated,
            reason: nil,
            context: EventContext(idempotencyKey: "reinstate", actor: "test", businessDate: day("2023-03-01"))
        )
    }

    /// A ledger ready to edit: the rich ledger, or the version-3 fixture migrated, as one file.
    static func pristine(_ subject: String, in folder: URL) throws -> String {
        let built = folder.appendingPathComponent("built.sqlite").path
        switch subject {
        case "rich":
            try richLedger(at: built)
        default:
            let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("Fixtures/ledger-v3/ledger-v3.sqlite")
            try FileManager.default.copyItem(atPath: fixture.path, toPath: built)
            let ledger = try Ledger.open(at: built, actor: "test")
            // A ledger of version 3 takes the event kinds added since.
            let provider = try ledger.rawRead { db in try String.fetchOne(db, sql: "SELECT id FROM provider LIMIT 1") }
            try Self.suspendAndReinstate(ledger, provider: try #require(provider))
        }
        let pristine = folder.appendingPathComponent("pristine.sqlite").path
        let queue = try DatabaseQueue(path: built)
        try queue.writeWithoutTransaction { db in try db.execute(sql: "VACUUM INTO ?", arguments: [pristine]) }
        try queue.close()
        return pristine
    }

    struct Column {
        var table: String
        var name: String
        var type: String
        var notNull: Bool
    }

    /// Every table and column, from the schema.
    static func columns(_ db: Database) throws -> [Column] {
        try String.fetchAll(
            db,
            sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
        .filter { !bookkeeping.contains($0) }
        .flatMap { table in
            try Row.fetchAll(db, sql: "SELECT name, type, \"notnull\" FROM pragma_table_info(?)", arguments: [table])
                .map { Column(table: table, name: $0["name"], type: $0["type"], notNull: $0["notnull"]) }
        }
    }

    /// How a row is found again: its rowid, or its primary key where the table has no rowid.
    static func rowKey(_ db: Database, _ table: String) throws -> [String] {
        let withoutRowID = try Bool.fetchOne(
            db,
            sql: "SELECT sql LIKE '%WITHOUT ROWID%' FROM sqlite_master WHERE name = ?",
            arguments: [table]
        )
        guard withoutRowID == true else { return ["rowid"] }
        return try String.fetchAll(
            db,
            sql: "SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk",
            arguments: [table]
        )
    }

    /// The rows to try changing, in order: the middle one of those where the column is not null
    /// (or of all rows) first, then the others.
    static func pick(_ db: Database, _ column: Column) throws -> [Row] {
        let key = try rowKey(db, column.table).map { "\"\($0)\"" }.joined(separator: ", ")
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT \(key), * FROM "\(column.table)"
                ORDER BY "\(column.name)" IS NULL, \(key)
                """
        )
        let filled = rows.filter { !$0.hasColumn(column.name) || !($0[column.name] as DatabaseValue).isNull }
        let preferred = filled.isEmpty ? rows : filled
        guard !preferred.isEmpty else { return [] }
        let middle = preferred.count / 2
        return [preferred[middle]] + preferred[..<middle] + preferred[(middle + 1)...]
            + rows.filter { row in !preferred.contains { $0 == row } }
    }

    /// Values a column may be changed to, most telling first; the schema's checks refuse some.
    static func replacements(for value: DatabaseValue, column: Column, _ db: Database) throws -> [DatabaseValue] {
        var values: [DatabaseValue] = []
        if column.type == "INTEGER" {
            let number = Int64.fromDatabaseValue(value)
            values =
                (number.map { [$0 + 1, $0 - 1] } ?? []).map(\.databaseValue)
                + [0, 1, 2, 100].map { Int64($0).databaseValue }
        } else {
            let others = try DatabaseValue.fetchAll(
                db,
                sql:
                    "SELECT DISTINCT \"\(column.name)\" FROM \"\(column.table)\" WHERE \"\(column.name)\" IS NOT NULL LIMIT 8"
            )
            let enumerated = [
                "city", "district", "granted", "rejected", "paid", "reduced", "returned", "forfeited", "team",
                "enterprise", "grant", "matching", "voucher", "budget", "quota", "awaiting", "lapsed", "month",
                "applicant", "down to fen", "half-even to yuan", "2022-12-31",
            ]
            let text = String.fromDatabaseValue(value) ?? ""
            values = others + enumerated.map(\.databaseValue) + [(text + "x").databaseValue]
        }
        return values.filter { $0 != value }
    }

    enum Change: CustomStringConvertible {
        /// A column set to another value, or to the given one (null).
        case set(Column, to: DatabaseValue?)
        case delete(table: String)

        var description: String {
            switch self {
            case .set(let column, let value):
                "\(column.table).\(column.name) := \(value.map { "\($0)" } ?? "another value")"
            case .delete(let table): "a row of \(table) deleted"
            }
        }
    }

    /// Copies the pristine ledger, drops its triggers and makes the change; returns what names the
    /// changed row in a message (its event, account id or use-total key, and the new value), or
    /// nil when the schema refused every value.
    static func apply(_ change: Change, pristine: String, to path: String) throws -> [String]? {
        try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.copyItem(atPath: pristine, toPath: path)
        var configuration = Configuration()
        configuration.foreignKeysEnabled = false
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? queue.close() }
        return try queue.write { db -> [String]? in
            try VerificationTests.dropTriggers(db)
            let table: String
            let rows: [Row]
            switch change {
            case .set(let column, _):
                table = column.table
                rows = try pick(db, column)
            case .delete(let name):
                table = name
                let key = try rowKey(db, name)[0]
                rows = try pick(db, Column(table: name, name: key, type: "", notNull: true))
            }
            guard let first = rows.first else {
                throw Failure("\(table) has no row to change: the ledger must exercise it")
            }
            let key = try rowKey(db, table)
            let condition = key.map { "\"\($0)\" = ?" }.joined(separator: " AND ")
            switch change {
            case .set(let column, let value):
                for row in rows {
                    if let names = try set(column, of: row, to: value) { return names }
                }
                return nil
            case .delete:
                // The key's values are the row's first columns.
                let arguments = StatementArguments(key.indices.map { first[$0] as DatabaseValue })
                try db.execute(sql: "DELETE FROM \"\(table)\" WHERE \(condition)", arguments: arguments)
                return Self.names(of: first, in: table)
            }

            /// The column of the row changed to `value`, or to the first other value the schema
            /// accepts; nil when it accepts none.
            func set(_ column: Column, of row: Row, to value: DatabaseValue?) throws -> [String]? {
                let arguments = StatementArguments(key.indices.map { row[$0] as DatabaseValue })
                let before: DatabaseValue = row[column.name]
                let candidates = try value.map { [$0] } ?? replacements(for: before, column: column, db)
                for candidate in candidates where candidate != before {
                    do {
                        try db.inSavepoint {
                            try db.execute(
                                sql: "UPDATE \"\(table)\" SET \"\(column.name)\" = ? WHERE \(condition)",
                                arguments: [candidate] + arguments
                            )
                            return .commit
                        }
                        return Self.names(of: row, in: table)
                            + Self.names(of: row, in: table, changing: column.name, to: candidate)
                    } catch let error as DatabaseError
                        where [.SQLITE_CONSTRAINT, .SQLITE_MISMATCH].contains(error.resultCode)
                    {
                        continue
                    }
                }
                return nil
            }
        }
    }

    /// How a message names the row: "event N" for rows of an event, an account's id, a use total's key.
    static func names(
        of row: Row,
        in table: String,
        changing column: String? = nil,
        to new: DatabaseValue? = nil
    )
        -> [String]
    {
        func value(_ name: String) -> DatabaseValue {
            name == column ? (new ?? DatabaseValue.null) : (row[name] as DatabaseValue)
        }
        func event(_ name: String) -> String { "event \(Int64.fromDatabaseValue(value(name)).map { "\($0)" } ?? "?")" }
        switch table {
        case "event": return [event("seq")]
        case "redemption_item", "late_item": return [event("filing_seq")]
        case "account": return [String.fromDatabaseValue(value("id")) ?? "?"]
        case "use_total":
            let key = String.fromDatabaseValue(value("key")) ?? ""
            return ["'\(key)'"]
        case "use_day_total":
            let key = String.fromDatabaseValue(value("key")) ?? ""
            return ["'\(key)' on \(String.fromDatabaseValue(value("day")) ?? "?")"]
        case "account_day_total":
            let type = String.fromDatabaseValue(value("account_type")) ?? "?"
            let year = Int64.fromDatabaseValue(value("year")).map { "\($0)" } ?? "?"
            return ["\(type) \(year) on \(String.fromDatabaseValue(value("day")) ?? "?")"]
        default: return [event("event_seq")]
        }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    /// What `verify` says of the changed file: the problem, or the opening's refusal.
    static func verdict(_ path: String) -> String? {
        do {
            let report = try Ledger.openForReading(at: path).verify()
            return report.problem?.description
        } catch {
            return "\(error)"
        }
    }

    @Test(arguments: ["rich", "version 3"])
    func everyColumnOfEveryTableIsCovered(subject: String) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("columns-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let pristine = try Self.pristine(subject, in: folder)
        #expect(Self.verdict(pristine) == nil, "the untouched ledger verifies")
        let reader = try DatabaseQueue(path: pristine)
        let columns = try reader.read { db in try Self.columns(db) }
        try reader.close()
        let tables = Array(Set(columns.map(\.table))).sorted()
        #expect(tables.count >= 17, "\(tables)")
        var changes: [(Change, required: Bool)] = []
        for column in columns {
            changes.append((.set(column, to: nil), subject == "rich"))
            if !column.notNull { changes.append((.set(column, to: .null), false)) }
        }
        changes += tables.map { (.delete(table: $0), true) }
        var changed = 0
        let path = folder.appendingPathComponent("changed.sqlite").path
        for (change, required) in changes {
            guard let names = try Self.apply(change, pristine: pristine, to: path) else {
                #expect(!required, "the schema refused every value for \(change): the ledger must allow one")
                continue
            }
            changed += 1
            let table: String
            switch change {
            case .set(let column, _): table = column.table
            case .delete(let name): table = name
            }
            guard let problem = Self.verdict(path) else {
                Issue.record("\(subject): \(change): verify did not notice")
                continue
            }
            #expect(problem.contains(table), "\(subject): \(change): \(problem) does not name \(table)")
            #expect(
                names.contains { problem.contains($0) },
                "\(subject): \(change): \(problem) does not name the row (\(names))"
            )
        }
        #expect(changed >= columns.count, "\(changed) changes made of \(changes.count)")
    }

    @Test func aListOfMigrationsThatWasEditedIsRefused() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("migrations-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let pristine = try Self.pristine("version 3", in: folder)
        for edit in [
            "UPDATE grdb_migrations SET identifier = 'v9 unknown' WHERE identifier LIKE 'v2 %'",
            "DELETE FROM grdb_migrations WHERE identifier LIKE 'v3 %'",
        ] {
            let path = folder.appendingPathComponent("edited.sqlite").path
            try? FileManager.default.removeItem(atPath: path)
            try FileManager.default.copyItem(atPath: pristine, toPath: path)
            let queue = try DatabaseQueue(path: path)
            try queue.write { db in try db.execute(sql: edit) }
            try queue.close()
            let refusal = try #require(Self.verdict(path), "\(edit) went unnoticed")
            #expect(refusal.contains("grdb_migrations"), "\(refusal)")
            #expect(throws: (any Error).self) { try Ledger.open(at: path, actor: "test") }
        }
    }
}
