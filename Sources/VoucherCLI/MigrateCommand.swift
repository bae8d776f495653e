import ArgumentParser
import Foundation
import VoucherStorage

/// `voucher migrate`: a ledger an earlier version wrote, brought up to this version's schema on
/// its own, each migration named and timed as it runs.
struct Migrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Bring a ledger an earlier version wrote up to this version, one migration at a time.",
        discussion: """
            Any command does this too when it opens a ledger it may write to, without a
            word and holding the ledger until it is done. Some migrations rewrite a whole
            table (version 10 copies every event), which takes minutes on a large ledger:
            run this first, with the service stopped, to see each step and how long it
            took. It records no event.

            Exits 0 when the ledger is up to date; with --check, 3 when it has migrations
            to run. Should a migration fail, the ones before it stay done and it changes
            nothing: the message says what to do, and running this again goes on from
            there.

            Examples:
              voucher migrate --db vouchers.sqlite --check
              voucher migrate --db vouchers.sqlite
              voucher migrate --db vouchers.sqlite --vacuum
            """
    )

    @Option(
        help: ArgumentHelp(
            "The ledger file to migrate (default: $VOUCHER_DB, else vouchers.sqlite in the current folder).",
            valueName: "path"
        )
    )
    var db: String?
    @Flag(help: "List the migrations the ledger has not run, and change nothing.") var check = false
    @Flag(help: "Then give the free pages back to the disk (SQLite's VACUUM: needs about twice the file's size free).")
    var vacuum = false

    func validate() throws {
        if check && vacuum {
            throw ValidationError("--check changes nothing: give --vacuum without it to give the free pages back.")
        }
    }

    func run() throws {
        let path = LedgerOptions.path(db)
        let before = try guarded { try LedgerMigration.inspect(at: path) }
        let shown = path.visible
        if check || (before.pending.isEmpty && !vacuum) {
            if before.pending.isEmpty {
                Self.say("\(shown) is up to date (\(Self.size(before))); nothing to migrate")
            } else {
                Self.say("\(shown) has \(Self.count(before.pending.count)) to run (\(Self.size(before))):")
                for name in before.pending { Self.say("  \(name)") }
                Self.say("Run `voucher migrate --db \(path.shellQuoted.visible)` with nothing else using the ledger.")
                throw Exit.migrationsPending
            }
            return
        }
        if !before.pending.isEmpty {
            Self.say("\(shown): \(Self.count(before.pending.count)) to run (\(Self.size(before)))")
        }
        // A step's line is ended when it is done, or when it fails.
        var lineOpen = false
        let after: LedgerMigration.FileState
        do {
            after = try guarded {
                try LedgerMigration.run(at: path, reclaim: vacuum) { name, seconds in
                    if let seconds {
                        Self.say(String(format: " done in %.1f s", seconds))
                        lineOpen = false
                    } else if lineOpen {
                        Self.say(" run by another process meanwhile")
                        lineOpen = false
                    } else {
                        Self.say("  \(name.visible) …", terminator: "")
                        lineOpen = true
                    }
                }
            }
        } catch {
            if lineOpen { Self.say(" failed") }
            if let now = try? LedgerMigration.inspect(at: path), !now.pending.isEmpty {
                Self.say("Still to run: \(now.pending.joined(separator: "; ")).")
            }
            throw error
        }
        Self.say("\(shown) is up to date (\(Self.size(after)))")
        if after.freeBytes > after.bytes / 10, !vacuum {
            Self.say(
                "To give the free pages back to the disk: voucher migrate --db \(path.shellQuoted.visible) --vacuum"
            )
        }
    }

    /// Written at once, not buffered: each step shows as it begins and ends.
    static func say(_ text: String, terminator: String = "\n") {
        FileHandle.standardOutput.write(Data((text + terminator).utf8))
    }

    static func count(_ migrations: Int) -> String {
        migrations == 1 ? "1 migration" : "\(migrations) migrations"
    }

    /// "282,874 events, 535 MB of which 367 MB free pages".
    static func size(_ state: LedgerMigration.FileState) -> String {
        let events = state.events.formatted(.number.locale(Locale(identifier: "en_US")))
        let megabytes = { (bytes: Int64) in
            bytes < 1024 * 1024 ? "\(max(1, (bytes + 512) / 1024)) KB" : "\((bytes + 512 * 1024) / (1024 * 1024)) MB"
        }
        var text = "\(events) events, \(megabytes(state.bytes))"
        if state.freeBytes > 0 { text += " of which \(megabytes(state.freeBytes)) free pages" }
        return text
    }
}
