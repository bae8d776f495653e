import Foundation
import GRDB
import VoucherDomain
import VoucherPolicies

#if canImport(Glibc)
import Glibc
#endif

/// The ledger: the one door to the database. It owns the connection and its migrations, and every
/// operation is one method that runs in one transaction.
///
/// ```swift
/// let ledger = try Ledger.open(at: "vouchers.sqlite")      // creates it with the bundled programmes
/// let event = try ledger.claim(
///     ClaimRequest(ref: "C-2022-001", applicantID: "91350100M000100Y43",
///                  programme: shanghai, year: 2022, requested: try .parse("30万")),
///     context: EventContext(idempotencyKey: "claim:C-2022-001", actor: "wang.li", businessDate: day))
/// ```
public struct Ledger: Sendable {
    let writer: any DatabaseWriter
    /// The programmes' policies as domain values, each file parsed once: when it is installed, or
    /// the first time this ledger reads it (another process may have installed it).
    let policies = ProgrammeCache()
    /// For a ledger opened for reading: the reference data its reads remember (``ReadMemo``).
    var readMemo: ReadMemo?
    /// How far the settlements' queue is known to hold nothing (``SettledMark``).
    var settledMark = SettledMark()

    /// Opens (and creates, if new) the ledger file at `path`: WAL mode, a busy timeout for
    /// concurrent writers, foreign keys on, the file readable and writable by its owner only.
    /// A new ledger gets the bundled programmes as its first events, recorded by `actor`.
    public static func open(at path: String, actor: String = "system") throws -> Ledger {
        do {
            return try opening(at: path, actor: actor)
        } catch let error as DatabaseError {
            throw LedgerStorageError(message: "\(path): \(error.message ?? "\(error.resultCode)")")
        }
    }

    private static func opening(at path: String, actor: String) throws -> Ledger {
        // Create the file before SQLite does, so that it is never readable by others; O_EXCL so
        // that two processes starting a new ledger at once never truncate each other's work, and
        // O_NOFOLLOW so that a link is never followed to create its target.
        let descriptor = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600)
        if descriptor >= 0 {
            close(descriptor)
        } else if errno != EEXIST {
            throw LedgerError.cannotCreate(path: path)
        } else {
            _ = try whileAnotherCreates { try LedgerFile.check(path) }
        }
        var configuration = Configuration()
        configuration.journalMode = .wal
        configuration.busyMode = .timeout(30)
        configuration.foreignKeysEnabled = true
        configuration.prepareDatabase { db in
            // 64 MB of page cache (SQLite's default is 8 MB): a large import then reads its
            // indexes from memory instead of asking the kernel for each page again.
            try db.execute(sql: "PRAGMA cache_size = -\(Ledger.pageCacheKiB)")
        }
        let queue = try whileAnotherCreates { try DatabaseQueue(path: path, configuration: configuration) }
        // Every commit reaches the disk before it returns: GRDB sets NORMAL with WAL, which syncs
        // only at checkpoints, so a power cut could lose the last commits. An answer that something
        // was recorded holds.
        try queue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        let ledger = Ledger(writer: queue)
        try ledger.migrate()
        try whileAnotherCreates { try ledger.installBundledProgrammes(actor: actor) }
        return ledger
    }

    /// Busy, locked, a schema that changed, or WAL mode not yet switched on (GRDB's message when
    /// SQLite leaves the journal mode as it was).
    private static func isAnotherCreating(_ error: DatabaseError) -> Bool {
        [.SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_SCHEMA].contains(error.resultCode)
            || (error.message ?? "").contains("could not activate WAL Mode")
    }

    /// Runs `body` again while another process creating the same new ledger holds it: SQLite says
    /// it is busy or locked, that the schema changed, or WAL mode is not on yet, for at most 30
    /// seconds. (Under load, switching a new file to WAL mode can be told "database is locked" at
    /// once, without waiting: docs/reliability.md.)
    static func whileAnotherCreates<T>(_ body: () throws -> T) throws -> T {
        let deadline = Date().addingTimeInterval(30)
        while true {
            do {
                return try body()
            } catch let error as DatabaseError where Self.isAnotherCreating(error) && Date() < deadline {
                usleep(50_000)
            }
        }
    }

    /// A ledger in memory, for tests and quotes; with the bundled programmes unless told otherwise.
    public static func inMemory(withBundledProgrammes: Bool = true) throws -> Ledger {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        let ledger = Ledger(writer: try DatabaseQueue(configuration: configuration))
        try ledger.migrate()
        if withBundledProgrammes { try ledger.installBundledProgrammes(actor: "system") }
        return ledger
    }

    /// The page cache of a ledger file's connection, in KiB.
    static let pageCacheKiB = 65_536

    /// Who records events when no actor is given: `VOUCHER_ACTOR`, else the operating-system user;
    /// nil when none is set (then nobody is recorded in their place: the command asks who it is).
    public static func defaultActor() -> String? {
        let environment = ProcessInfo.processInfo.environment
        return ["VOUCHER_ACTOR", "USER", "LOGNAME"].lazy.compactMap { environment[$0] }.first { !$0.isEmpty }
    }

    // MARK: - Migrations

    /// The migrations, in order: each a file of Sources/VoucherStorage/Migrations/, embedded in the
    /// binary. A migration never changes once it has landed (ledgers record which ones ran); a
    /// schema change is a new file. schema.sql at the top of the repository documents the result,
    /// and a test holds a ledger migrated from nothing equal to it.
    static let migrations: [(name: String, sql: [UInt8])] = [
        ("v1 schema.sql", PackageResources.v1_sql),
        ("v2 use totals", PackageResources.v2_sql),
        ("v3 no index of postings by account", PackageResources.v3_sql),
        ("v4 index of late filings", PackageResources.v4_sql),
        ("v5 a use's rounding bounds its amount", PackageResources.v5_sql),
        ("v6 application id", PackageResources.v6_sql),
        ("v7 totals kept by the ledger's code", PackageResources.v7_sql),
        ("v8 controls: attributes, invoices, provider status", PackageResources.v8_sql),
        ("v9 late filings kept apart", PackageResources.v9_sql),
        ("v10 no unique index of event hashes", PackageResources.v10_sql),
        ("v11 reports to a date read two indexes alone", PackageResources.v11_sql),
        ("v12 product codes without case", PackageResources.v12_sql),
    ]

    /// SQLite's application id of a ledger file (`VLDR`), set by migration v6.
    static let applicationID: Int32 = 0x564C_4452

    static var migrator: DatabaseMigrator { migrator(first: migrations.count) }

    /// The first `count` migrations alone (`voucher migrate` runs them one at a time: GRDB stops
    /// the process when asked to migrate to a version before one the file has run, as it may if
    /// another process migrates it meanwhile; migrations it does not know, it passes over).
    static func migrator(first count: Int) -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for (name, sql) in migrations.prefix(count) {
            let text = String(decoding: sql, as: UTF8.self)
            // GRDB's default turns foreign keys off for a migration and checks every one in the
            // file before it commits: 9 s at 1,000,000 uses. A migration that only makes or drops
            // indexes cannot break one, so it runs with them on and is not checked after.
            let checks: DatabaseMigrator.ForeignKeyChecks = Self.changesOnlyIndexes(text) ? .immediate : .deferred
            migrator.registerMigration(name, foreignKeyChecks: checks) { db in
                // A ledger created by a version whose v1 already held the use totals (schema.sql was
                // once run whole as v1) has them: v2 then has nothing to add.
                if name.hasPrefix("v2 "), try db.tableExists("use_total") { return }
                do {
                    try db.execute(sql: text)
                } catch let error as DatabaseError where name.hasPrefix("v8 ") {
                    try? db.execute(sql: "PRAGMA writable_schema = RESET")
                    throw LedgerStorageError(
                        message:
                            "the ledger's schema could not be brought to version 8 (\(error.message ?? "\(error)")); "
                            + "nothing was changed. If SQLite runs in defensive mode here, open the file with a "
                            + "build of SQLite that allows editing the schema once"
                    )
                }
                // v8 widens the CHECK of event.kind in place (the file says why); a pattern that no
                // longer matched would leave it unchanged while the migration counted as done.
                if name.hasPrefix("v8 ") {
                    let sql = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_schema WHERE name = 'event'") ?? ""
                    guard sql.contains("'provider-status', 'budget', 'recovery', 'recovery-received'") else {
                        throw LedgerStorageError(
                            message: "the ledger's event table does not have the form version 8 expects; "
                                + "nothing was changed. Please report this with the ledger file"
                        )
                    }
                }
            }
        }
        return migrator
    }

    /// Whether every statement of a migration's SQL (comments aside) makes or drops an index.
    static func changesOnlyIndexes(_ sql: String) -> Bool {
        let statements = sql.split(separator: "\n")
            .filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("--") }
            .joined(separator: "\n")
            .split(separator: ";")
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines).uppercased() }
            .filter { !$0.isEmpty }
        return !statements.isEmpty
            && statements.allSatisfy {
                $0.hasPrefix("CREATE INDEX ") || $0.hasPrefix("CREATE UNIQUE INDEX ") || $0.hasPrefix("DROP INDEX ")
            }
    }

    /// Applies the migrations. Processes opening the same new ledger at one moment race to create
    /// its schema: the loser's attempt fails (the tables exist, or the database is busy), so it
    /// waits and looks again, and goes on once the winner's migration is complete.
    func migrate() throws {
        let deadline = Date().addingTimeInterval(30)
        while true {
            do {
                try Self.migrator.migrate(writer)
                return
            } catch {
                // Looking may fail too while the winner is half-way: then look again later.
                if (try? writer.read({ db in try Self.migrator.hasCompletedMigrations(db) })) == true { return }
                if Date() >= deadline { throw error }
                usleep(50_000)
            }
        }
    }

    private func installBundledProgrammes(actor: String) throws {
        for file in BundledProgrammes.files {
            let programme = try PolicyFile.programme(yaml: file.yaml, file: file.name)
            let installed = try writer.read { db in
                try Bool.fetchOne(db, sql: "SELECT 1 FROM programme WHERE id = ?", arguments: [programme.id.value])
                    ?? false
            }
            if installed { continue }
            _ = try installProgramme(
                yaml: file.yaml,
                file: file.name,
                context: EventContext(
                    idempotencyKey: "programme:\(programme.id.value):\(Hashing.sha256(file.yaml))",
                    actor: actor,
                    businessDate: programme.versions[0].effectiveFrom
                )
            )
        }
    }

    // MARK: - Transactions

    /// Runs `body` in one IMMEDIATE transaction: it takes the write lock at once, so that concurrent
    /// writers queue (within the busy timeout) instead of failing half-way. Inside a ``batch(commit:_:)``
    /// it runs in the batch's transaction instead: a refused operation (refused before it wrote
    /// anything) leaves the rest of the batch as it was; one that fails after it began to write
    /// abandons the batch (``BatchAbandoned``).
    ///
    /// `keepsMemo`: the operation changes none of what the batch's ``BatchMemo`` holds (a use), so
    /// the next operation may go on reading it. Any other operation, and any that fails, clears it.
    func transaction<T>(keepsMemo: Bool = false, _ body: (Database) throws -> T) throws -> T {
        do {
            return try inTransaction(keepsMemo: keepsMemo, body)
        } catch let error as DatabaseError {
            throw Self.refusal(from: error)
        }
    }

    /// What a database error means to the person who asked: a rule the schema enforces (a trigger's
    /// RAISE) is a refusal in its own words; any other constraint that fails means the rules let
    /// through what the schema does not, a defect; anything else is the file (busy, full, damaged).
    static func refusal(from error: DatabaseError) -> any Error {
        let message = error.message ?? "\(error.resultCode)"
        switch error.extendedResultCode {
        case .SQLITE_CONSTRAINT_TRIGGER:
            return LedgerError.refusedByLedger(message)
        case _ where error.resultCode == .SQLITE_CONSTRAINT:
            return LedgerError.internalInconsistency("the ledger's schema refused what its rules allowed: \(message)")
        default:
            return LedgerStorageError(message: message)
        }
    }

    private func inTransaction<T>(keepsMemo: Bool, _ body: (Database) throws -> T) throws -> T {
        var result: T?
        if let batch = Self.batch {
            if !keepsMemo { batch.memo.forget() }
            defer { if !keepsMemo { batch.memo.forget() } }
            // No savepoint per operation: the rules refuse before anything is written, and such a
            // refusal leaves the batch as it was. An operation that fails after it began to write
            // (the schema refusing what the rules allowed) abandons the whole batch.
            if let abandoned = batch.abandoned { throw abandoned }
            // What the operation itself wrote: not what it wrote of the kept totals pending before it.
            func ownChanges() -> Int { batch.database.totalChangesCount - batch.keptTotalsWritten }
            let written = ownChanges()
            do {
                result = try body(batch.database)
                batch.kept.keep()
                // A long batch writes its kept totals now and then, so that memory stays bounded.
                if batch.kept.count >= Self.keptTotalsHeld { try batch.kept.write(batch.database) }
            } catch {
                batch.memo.forget()
                batch.kept.takeBack()
                if ownChanges() != written {
                    let abandoned = BatchAbandoned(cause: error)
                    batch.abandoned = abandoned
                    throw abandoned
                }
                throw error
            }
        } else {
            try writer.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    let kept = KeptTotals()
                    result = try Self.$kept.withValue(kept) { try body(db) }
                    try kept.write(db)
                    return .commit
                }
            }
        }
        guard let result else { throw LedgerError.internalInconsistency("a transaction returned no result") }
        return result
    }

    /// How many kept-total changes a batch holds in memory before it writes them.
    static let keptTotalsHeld = 100_000

    /// The kept totals of the transaction or batch running on this task (``KeptTotals``).
    @TaskLocal static var kept: KeptTotals?

    /// What is pending of the kept totals, written: before a read that goes to the tables. Inside
    /// a batch's operation those rows are the earlier operations' and stay if this one is refused.
    func writeKeptTotals(_ db: Database) throws {
        if let batch = Self.batch {
            let before = db.totalChangesCount
            try batch.kept.write(db)
            batch.keptTotalsWritten += db.totalChangesCount - before
        } else {
            try Self.kept?.write(db)
        }
    }

    /// ``read(_:)`` for what reads the balances and use totals from their tables (reports,
    /// verification): inside a batch, what is pending of them is written first. (Not from inside an
    /// operation, whose savepoint may still roll back.)
    func readWithTotals<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            if let batch = Self.batch { try batch.kept.write(batch.database) }
        } catch let error as DatabaseError {
            throw Self.refusal(from: error)
        }
        return try read(body)
    }

    /// Runs `body` in a read-only snapshot (or, inside a batch, in the batch's transaction). On a
    /// ledger opened for reading, what it reads of the reference data is remembered for the next
    /// read while the chain's head stays where it is (``ReadMemo``).
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            if let batch = Self.batch { return try body(batch.database) }
            guard let readMemo else { return try writer.read(body) }
            return try writer.read { db in
                try readMemo.renew(db)
                return try Self.$remembered.withValue(readMemo) { try body(db) }
            }
        } catch let error as DatabaseError {
            throw Self.refusal(from: error)
        }
    }

    /// Runs many operations as one transaction: all of them are written, or none.
    ///
    /// Each operation inside still refuses on its own, so the caller can go on and collect every
    /// refusal; throwing from `body` rolls everything back. With `commit: false`
    /// everything is rolled back at the end even when it succeeded: a dry run.
    public func batch<T>(commit: Bool = true, _ body: () throws -> T) throws -> T {
        do {
            return try inBatch(commit: commit, body)
        } catch let error as DatabaseError {
            throw Self.refusal(from: error)
        }
    }

    private func inBatch<T>(commit: Bool, _ body: () throws -> T) throws -> T {
        try writer.writeWithoutTransaction { db in
            // A statement that may fail half-way keeps a journal of the pages it changes, which SQLite
            // writes to a temporary file once it passes 64 KiB; in memory it costs no system call.
            // (Reports keep the default: their temporary tables may be large.)
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
            defer { try? db.execute(sql: "PRAGMA temp_store = DEFAULT") }
            var result: T?
            try db.inTransaction(.immediate) {
                let batch = BatchConnection(database: db)
                result = try Self.$batch.withValue(batch) { try Self.$kept.withValue(batch.kept) { try body() } }
                // Even when the caller went on past it.
                if let abandoned = batch.abandoned { throw abandoned }
                try batch.kept.write(db)
                return commit ? .commit : .rollback
            }
            guard let result else { throw LedgerError.internalInconsistency("a batch returned no result") }
            return result
        }
    }

    /// The connection of the batch running on this task, if any.
    @TaskLocal static var batch: BatchConnection?

    /// The memo of the read running on this task, on a ledger opened for reading.
    @TaskLocal static var remembered: ReadMemo?
}

/// The connection a batch runs on.
///
/// `@unchecked Sendable` because a task-local value must be Sendable, while a GRDB `Database` is
/// not: the box is only read synchronously inside the batch's closure, on the writer's thread that
/// owns the connection, and never escapes it.
final class BatchConnection: @unchecked Sendable {
    let database: Database
    let memo = BatchMemo()
    let kept = KeptTotals()
    /// Set when an operation failed half-written: the batch then records nothing.
    var abandoned: BatchAbandoned?
    /// Rows an operation wrote of the kept totals pending before it (``Ledger/writeKeptTotals(_:)``).
    var keptTotalsWritten = 0

    init(database: Database) {
        self.database = database
    }
}

/// An operation of a batch failed after it had begun to write: nothing of the batch is kept.
public struct BatchAbandoned: Error, Sendable, CustomStringConvertible {
    public var cause: String

    init(cause: any Error) {
        self.cause = (cause as? DatabaseError).map { "\(Ledger.refusal(from: $0))" } ?? "\(cause)"
    }

    public var description: String { "\(cause); nothing of this batch was written" }
}

/// The ledger file could not be read or written (busy past the timeout, full, damaged, read-only).
public struct LedgerStorageError: Error, Sendable, CustomStringConvertible {
    public var message: String

    public var description: String { "the ledger file could not be read or written: \(message)" }
}

/// Who records an event, when it happened in the business, and the key that makes it idempotent.
public struct EventContext: Sendable, Hashable {
    /// Submitting the same key with the same content again records nothing and returns the first
    /// event; the same key with different content is refused.
    public var idempotencyKey: String
    public var actor: String
    public var businessDate: BusinessDate
    /// When it was recorded, ISO 8601 in UTC; now, unless a test fixes it.
    public var recordedAt: String

    /// The day it is recorded on, in Beijing: its ``recordedAt``'s, or (for a time written in
    /// another form) today's.
    public var recordedOn: BusinessDate { Lifecycle.beijingDay(ofRecordedAt: recordedAt) ?? .today() }

    public init(idempotencyKey: String, actor: String, businessDate: BusinessDate, recordedAt: String? = nil) {
        self.idempotencyKey = idempotencyKey
        self.actor = actor
        self.businessDate = businessDate
        self.recordedAt = recordedAt ?? Date().formatted(.iso8601)
    }
}

/// An event as recorded (or as first recorded, when a submission is repeated).
public struct RecordedEvent: Sendable, Hashable {
    public var seq: Int64
    public var kind: EventKind
    public var hash: String
    /// True when this submission had been recorded before and nothing new was written.
    public var replayed: Bool
    /// The computed amount, for events that compute one (uses, decisions, settlements, payments).
    public var amount: Money?
    /// The stored explanation of the computed amount, in both languages.
    public var explanation: StoredExplanation?

    /// As scripts read it (`--format json`, the service's answers): the event, its hash, whether
    /// it was replayed, the amount in yuan and the explanation in both languages.
    public var json: CanonicalJSON {
        .object([
            "event": .int(seq), "kind": .string(kind.rawValue), "hash": .string(hash), "replayed": .bool(replayed),
            "amount": amount.map { .string($0.decimalString()) } ?? .null,
            "explanation_zh": .array((explanation?.zh ?? []).map { .string($0) }),
            "explanation_en": .array((explanation?.en ?? []).map { .string($0) }),
        ])
    }
}

// MARK: - Raw reads for tools

extension Ledger {
    /// Runs read-only SQL against the ledger (the schema's tables are documented in schema.sql).
    public func rawRead<T>(_ body: (Database) throws -> T) throws -> T {
        try readWithTotals(body)
    }
}
