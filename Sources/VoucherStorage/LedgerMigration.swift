import Foundation
import GRDB

#if canImport(Glibc)
import Glibc
#endif

/// A ledger an earlier version wrote, brought up to this version's schema on its own, one
/// migration at a time (`voucher migrate`). Opening a ledger to write does the same without a
/// word, holding the write lock until it is done: version 10 copies every event, minutes for a
/// large ledger, so an officer runs this first, with the service stopped, and sees each step.
/// Nothing else is written: no programme is installed and no event appended.
public enum LedgerMigration {
    /// A ledger file as a migration finds it.
    public struct FileState: Sendable, Equatable {
        /// The migrations this version has that the ledger has not run, in order.
        public var pending: [String]
        /// The events it holds.
        public var events: Int64
        /// Its size in bytes, and how many of those are free pages (VACUUM gives them back).
        public var bytes: Int64
        public var freeBytes: Int64
    }

    /// What is pending, with the file's size; changes nothing.
    public static func inspect(at path: String) throws -> FileState {
        try mapErrors(path) {
            let queue = try open(path, readonly: true)
            return try queue.read { db in try state(db) }
        }
    }

    /// Runs each pending migration in its own transaction, telling `progress` before each (its
    /// name) and after it (the seconds it took). With `reclaim`, then gives the free pages back
    /// (SQLite's VACUUM, which writes a copy of the file first: it needs as much free disk
    /// again). Returns the file as it is after.
    public static func run(
        at path: String,
        reclaim: Bool = false,
        progress: (_ name: String, _ seconds: Double?) -> Void
    ) throws -> FileState {
        try mapErrors(path) {
            guard access(path, W_OK) == 0 else {
                throw LedgerFile.NotALedger(path: path, reason: "is read-only here: migrating it writes to it")
            }
            let queue = try open(path, readonly: false)
            let migrator = Ledger.migrator
            for name in try queue.read({ db in try state(db).pending }) {
                progress(name, nil)
                let start = Date()
                try migrator.migrate(queue, upTo: name)
                progress(name, Date().timeIntervalSince(start))
            }
            if reclaim {
                progress("VACUUM", nil)
                let start = Date()
                try queue.vacuum()
                progress("VACUUM", Date().timeIntervalSince(start))
            }
            return try queue.read { db in try state(db) }
        }
    }

    private static func open(_ path: String, readonly: Bool) throws -> DatabaseQueue {
        if try LedgerFile.check(path) == 0 {
            throw LedgerFile.NotALedger(path: path, reason: "is empty: no ledger has been written to it")
        }
        var configuration = Configuration()
        configuration.readonly = readonly
        configuration.busyMode = .timeout(30)
        configuration.foreignKeysEnabled = true
        if !readonly {
            // Each migration's commit reaches the disk before the next is begun (Ledger.open).
            configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        }
        return try DatabaseQueue(path: path, configuration: configuration)
    }

    private static func state(_ db: Database) throws -> FileState {
        let applied = try Ledger.migrator.appliedIdentifiers(db)
        let pending = Ledger.migrations.map(\.name).filter { !applied.contains($0) }
        let events = try db.tableExists("event") ? try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM event") ?? 0 : 0
        let pageSize = try Int64.fetchOne(db, sql: "PRAGMA page_size") ?? 0
        let pages = try Int64.fetchOne(db, sql: "PRAGMA page_count") ?? 0
        let free = try Int64.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0
        return FileState(pending: pending, events: events, bytes: pages * pageSize, freeBytes: free * pageSize)
    }

    /// SQLite's errors said as what happened to the file, never raw.
    private static func mapErrors<T>(_ path: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY {
            throw LedgerStorageError(
                message: "\(path): another process kept the ledger busy for 30 s (the service?); "
                    + "nothing was changed by the step that waited. Stop it and run the migration again"
            )
        } catch let error as DatabaseError {
            throw LedgerStorageError(message: "\(path): \(error.message ?? "\(error.resultCode)")")
        }
    }
}
