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
    /// (SQLite's VACUUM, which writes a copy of the file first, through the journal: it needs
    /// about twice the file's size free). Returns the file as it is after. A migration another
    /// process ran meanwhile is passed over (its seconds are then nil twice).
    public static func run(
        at path: String,
        reclaim: Bool = false,
        progress: (_ name: String, _ seconds: Double?) -> Void
    ) throws -> FileState {
        try mapErrors(path) {
            guard access(path, W_OK) == 0 else {
                throw LedgerFile.NotALedger(path: path, reason: "is read-only here: it cannot be written to")
            }
            let queue = try open(path, readonly: false)
            for (index, migration) in Ledger.migrations.enumerated() {
                let applied = { try queue.read { db in try Ledger.migrator.appliedIdentifiers(db) } }
                if try applied().contains(migration.name) { continue }
                progress(migration.name, nil)
                let start = Date()
                do {
                    // Up to this one alone: GRDB never sees a target behind what the file has run.
                    try Ledger.migrator(first: index + 1).migrate(queue)
                } catch  where (try? applied().contains(migration.name)) == true {
                    // Another process ran it first (this one's attempt failed and changed nothing).
                    progress(migration.name, nil)
                    continue
                }
                progress(migration.name, Date().timeIntervalSince(start))
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
        configuration.prepareDatabase { db in
            // The page cache a ledger opened to write has (Ledger.open), so that a migration
            // takes as long here as when a command runs it without a word.
            try db.execute(sql: "PRAGMA cache_size = -\(Ledger.pageCacheKiB)")
            if !readonly {
                // Each migration's commit reaches the disk before the next is begun (Ledger.open).
                try db.execute(sql: "PRAGMA synchronous = FULL")
            }
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

    /// SQLite's errors said as what happened to the file and what to do, never raw. A migration
    /// that fails changes nothing; the ones before it stay done.
    private static func mapErrors<T>(_ path: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DatabaseError {
            let what: String
            switch error.resultCode {
            case .SQLITE_BUSY, .SQLITE_LOCKED:
                what =
                    "another process is using the ledger (the service?) and kept it busy; the step that "
                    + "waited changed nothing. Stop that process and run this command again"
            case .SQLITE_FULL:
                what =
                    "the disk is full; the step that failed changed nothing. Free some space (a migration "
                    + "may need as much again as the file, --vacuum about twice) and run this command again"
            case .SQLITE_READONLY, .SQLITE_CANTOPEN, .SQLITE_PERM:
                what =
                    "cannot be written here (SQLite writes its journal beside the file, in the same "
                    + "folder); the step that failed changed nothing. Run this command where the file "
                    + "and its folder are writable"
            default:
                what = error.message ?? "\(error.resultCode)"
            }
            throw LedgerStorageError(message: "\(path): \(what)")
        }
    }
}
