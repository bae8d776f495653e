import Foundation
import GRDB
import GRDBSQLite
import VoucherDomain

#if canImport(Glibc)
import Glibc
#endif

/// What a ledger file must be before it is opened: the file itself (not a link, a device or a
/// folder), and either empty (a ledger being created) or a voucher ledger — never another
/// program's database, which opening would change.
public enum LedgerFile {
    /// Why a path is not a ledger this program may open; nothing was changed.
    public struct NotALedger: Error, Sendable, CustomStringConvertible {
        public var path: String
        public var reason: String

        public var description: String { "\(path) \(reason); nothing was changed" }
    }

    /// The name SQLite opens a ledger under to read it. In a folder this user may not write to,
    /// SQLite cannot make the files that reads of a WAL ledger go through (`-shm`, and `-wal`).
    /// A read-only copy there (no write permission for anyone on the file, no `-wal` beside it:
    /// nothing can be writing it) is opened as immutable, the file alone holding the ledger. Any
    /// other ledger is opened by its path. The `file:` name needs SQLite built with URI names, as
    /// Debian's is; a SQLite without them opens the path, and refuses it in the words of
    /// ``openForReading(at:mappedBytes:)``.
    static func readingLocation(_ path: String, folderWritable: Bool? = nil) -> String {
        let folder = (path as NSString).deletingLastPathComponent
        let writable = folderWritable ?? (access(folder.isEmpty ? "." : folder, W_OK) == 0)
        var status = stat()
        guard !writable, sqliteReadsURINames, access(path + "-wal", F_OK) != 0, stat(path, &status) == 0,
            status.st_mode & 0o222 == 0,
            let resolved = realpath(path, nil)
        else { return path }
        defer { free(resolved) }
        let absolute = String(cString: resolved)
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "?#%;=&")
        return "file:" + (absolute.addingPercentEncoding(withAllowedCharacters: allowed) ?? absolute) + "?immutable=1"
    }

    /// Whether the SQLite linked reads `file:` names as URIs (built with SQLITE_USE_URI).
    static let sqliteReadsURINames = sqlite3_compileoption_used("USE_URI") == 1

    /// Refuses a link, anything but a regular file, and a non-empty file that is not a voucher
    /// ledger (its application id, or the first migration of a ledger from before it had one).
    /// Returns the file's size.
    @discardableResult
    static func check(_ path: String) throws -> Int64 {
        var status = stat()
        guard lstat(path, &status) == 0 else {
            throw NotALedger(path: path, reason: "does not exist; give the ledger file's path")
        }
        switch status.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFLNK: throw NotALedger(path: path, reason: "is a link; give the ledger file itself")
        case S_IFDIR: throw NotALedger(path: path, reason: "is a folder; give the ledger file in it")
        default: throw NotALedger(path: path, reason: "is not a regular file (a device or a pipe)")
        }
        guard status.st_size > 0 else { return 0 }
        var configuration = Configuration()
        configuration.readonly = true
        let isLedger: Bool
        let applied: [String]
        do {
            let queue = try DatabaseQueue(path: readingLocation(path), configuration: configuration)
            (isLedger, applied) = try queue.read { db in
                let applied =
                    try db.tableExists("grdb_migrations")
                    ? String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier") : []
                if try Int32.fetchOne(db, sql: "PRAGMA application_id") == Ledger.applicationID {
                    return (true, applied)
                }
                // No table yet but GRDB's own list of migrations: a ledger another process is creating
                // (GRDB creates that list first; the schema then comes in one transaction).
                let others = try Int.fetchOne(
                    db,
                    sql: "SELECT COUNT(*) FROM sqlite_master WHERE tbl_name <> 'grdb_migrations'"
                )
                if others == 0 { return (true, applied) }
                // A ledger from before it had an application id: its first migration ran.
                return (applied.contains(Ledger.migrations[0].name), applied)
            }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB {
            throw NotALedger(path: path, reason: "is not a database")
        } catch let error as DatabaseError
            where error.resultCode == .SQLITE_READONLY || error.resultCode == .SQLITE_CANTOPEN
        {
            throw NotALedger(
                path: path,
                reason:
                    "cannot be read here: SQLite needs to make \((path as NSString).lastPathComponent)-shm beside it, "
                    + "in a folder this user may not write to. Read a copy in a folder you may write to, or make the "
                    + "file read-only (chmod a-w) to read it as a read-only copy"
            )
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CORRUPT {
            throw NotALedger(
                path: path,
                reason:
                    "is damaged (SQLite: \(error.message ?? "database disk image is malformed")); restore it from a copy"
            )
        }
        if !isLedger {
            throw NotALedger(path: path, reason: "is a database of another program, not a voucher ledger")
        }
        // The migrations run are always the first ones. (GRDB keeps them as a set, and by name
        // "v10" sorts before "v2".)
        let known = Ledger.migrations.map(\.name)
        if Set(applied) != Set(known.prefix(applied.count)) {
            throw NotALedger(
                path: path,
                reason: "lists in its grdb_migrations table the migrations \(applied.map(\.visible)), which are not "
                    + "the first of this version's \(known): the list was edited, or a newer version of voucher "
                    + "wrote the ledger"
            )
        }
        return Int64(status.st_size)
    }
}

extension Ledger {
    /// Opens an existing ledger for reading only: what `report`, `verify`, `digest` and `export`
    /// need, so that they work on an auditor's read-only copy and never create or change a file.
    /// A ledger that an earlier version wrote and that is not migrated yet is refused with what
    /// to do.
    ///
    /// `mappedBytes`: how much of the file SQLite reads through memory mapping instead of a
    /// `pread` per page. The service's connections for quotes map 256 MiB: a quote then takes
    /// about a tenth less (docs/performance.md, "Quotes, third pass"). Reports and verification,
    /// on the command line and in the service, do not: the mapped pages they touch count in their
    /// resident memory (verify of 100,000 uses: 62 → 315 MB, no faster).
    public static func openForReading(at path: String, mappedBytes: Int = 0) throws -> Ledger {
        if try LedgerFile.check(path) == 0 {
            throw LedgerFile.NotALedger(path: path, reason: "is empty: no ledger has been written to it")
        }
        do {
            var configuration = Configuration()
            configuration.readonly = true
            configuration.busyMode = .timeout(30)
            if mappedBytes > 0 {
                configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA mmap_size = \(mappedBytes)") }
            }
            let queue = try DatabaseQueue(path: LedgerFile.readingLocation(path), configuration: configuration)
            let ledger = Ledger(writer: queue, readMemo: ReadMemo())
            if try !queue.read({ db in try Self.migrator.hasCompletedMigrations(db) }) {
                // An earlier version wrote it: bring it up to date where that may be written.
                guard access(path, W_OK) == 0 else {
                    throw LedgerFile.NotALedger(
                        path: path,
                        reason: "was written by an earlier version of voucher and is read-only here; "
                            + "open a copy with write access once to bring it up to date"
                    )
                }
                return try Ledger.open(at: path, actor: "system")
            }
            return ledger
        } catch let error as DatabaseError {
            throw LedgerStorageError(message: "\(path): \(error.message ?? "\(error.resultCode)")")
        }
    }
}
