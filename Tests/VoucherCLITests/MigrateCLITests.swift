import Foundation
import Testing

/// `voucher migrate`, through the binary, on the ledger the `voucher` of schema version 3 wrote
/// (Tests/Fixtures/ledger-v3).
struct MigrateCLITests {
    typealias CLI = CommandLineTests

    static let fixture = CLI.root.appendingPathComponent("Tests/Fixtures/ledger-v3")

    /// A folder holding a copy of the version-3 ledger as l.sqlite.
    static func oldLedger() throws -> (URL, ([String]) throws -> CLI.Result) {
        let directory = try CLI.temporaryDirectory()
        try FileManager.default.copyItem(
            at: fixture.appendingPathComponent("ledger-v3.sqlite"),
            to: directory.appendingPathComponent("l.sqlite")
        )
        return (directory, { arguments in try CLI.voucher(arguments + ["--db", "l.sqlite"], in: directory) })
    }

    @Test func checkListsWhatIsPendingAndChangesNothing() throws {
        let (directory, run) = try Self.oldLedger()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("l.sqlite")
        let before = try Data(contentsOf: file)
        let check = try run(["migrate", "--check"])
        #expect(check.status == 0, "\(check.stderr)")
        // Versions 4 to 10, each named, in order.
        let listed = check.stdout.split(separator: "\n").filter { $0.hasPrefix("  v") }.map {
            $0.split(separator: " ")[0]
        }
        #expect(listed == ["v4", "v5", "v6", "v7", "v8", "v9", "v10"], "\(check.stdout)")
        #expect(check.stdout.contains("has 7 migrations to run"))
        #expect(try Data(contentsOf: file) == before)
    }

    @Test func itRunsEachMigrationAppendsNoEventAndTheLedgerVerifiesAgainstItsDigest() throws {
        let (directory, run) = try Self.oldLedger()
        defer { try? FileManager.default.removeItem(at: directory) }
        let migrate = try run(["migrate"])
        #expect(migrate.status == 0, "\(migrate.stderr)")
        for version in 4...10 {
            #expect(migrate.stdout.contains("  v\(version) "), "v\(version) not named: \(migrate.stdout)")
        }
        #expect(migrate.stdout.components(separatedBy: " done in ").count == 8, "\(migrate.stdout)")
        #expect(migrate.stdout.contains("is up to date (33 events"), "\(migrate.stdout)")
        #expect(migrate.stdout.contains("free pages)\nTo give the free pages back"), "\(migrate.stdout)")
        let again = try run(["migrate", "--check"])
        #expect(again.stdout.contains("is up to date (33 events"), "\(again.stdout)")
        #expect(again.stdout.contains("nothing to migrate"))
        // Opened only to read now, and the chain is the one the version-3 digest covers.
        let digest = try run(["verify", "--digest", Self.fixture.appendingPathComponent("ledger-v3.digest").path])
        #expect(digest.status == 0, "\(digest.stdout) \(digest.stderr)")
        #expect(digest.stdout.contains("all 33 events verify"), "\(digest.stdout)")
        let report = try run(["report", "--programme", "sh-innovation-voucher", "--year", "2022"])
        #expect(report.status == 0, "\(report.stderr)")
    }

    @Test func vacuumGivesTheFreePagesBack() throws {
        let (directory, run) = try Self.oldLedger()
        defer { try? FileManager.default.removeItem(at: directory) }
        let migrate = try run(["migrate", "--vacuum"])
        #expect(migrate.status == 0, "\(migrate.stderr)")
        #expect(migrate.stdout.contains("  VACUUM … done in"), "\(migrate.stdout)")
        // Migrated without it, the file keeps free pages (the test above); with it, none.
        let last = try #require(migrate.stdout.split(separator: "\n").last { $0.contains("is up to date") })
        #expect(!last.contains("free pages"), "\(last)")
    }

    @Test func aReadOnlyOrMissingLedgerIsRefusedWithWhatToDo() throws {
        let (directory, run) = try Self.oldLedger()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("l.sqlite")
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: file.path)
        let before = try Data(contentsOf: file)
        let readOnly = try run(["migrate"])
        // Root may write to any file: then the refusal cannot be seen, and the migration ran.
        if getuid() != 0 {
            #expect(readOnly.status == 74)
            #expect(readOnly.stderr.contains("is read-only here"), "\(readOnly.stderr)")
            #expect(try Data(contentsOf: file) == before)
        }
        let missing = try CLI.voucher(["migrate", "--db", "nothing.sqlite"], in: directory)
        #expect(missing.status == 74)
        #expect(missing.stderr.contains("nothing.sqlite does not exist"), "\(missing.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("nothing.sqlite").path))
        try Data().write(to: directory.appendingPathComponent("empty.sqlite"))
        let empty = try CLI.voucher(["migrate", "--db", "empty.sqlite"], in: directory)
        #expect(empty.status == 74)
        #expect(empty.stderr.contains("is empty"), "\(empty.stderr)")
    }
}
