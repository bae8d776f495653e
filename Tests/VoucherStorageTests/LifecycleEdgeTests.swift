import Foundation
import GRDB
import PropertyBased
import Testing
import VoucherDomain

@testable import VoucherStorage

/// The edges where the ledger once disagreed with its rules, each through a real ledger.
struct LifecycleEdgeTests {
    /// A voucher policy with one version from 2022-01-01, at `rate`, rounded as `rounding` says.
    static func voucherPolicy(rate: String, rounding: String, unpaid: String = "forfeited") -> String {
        """
        id: test-rounding
        kind: voucher
        name: {zh: 测试券, en: Test voucher}
        versions:
          - effective_from: 2022-01-01
            rate: \(rate)
            rounding: \(rounding)
            redemption:
              unpaid: \(unpaid)

        """
    }

    static let testProgramme = ProgrammeID.known("test-rounding")

    /// For any rate and any rounding a policy may name, `use` records exactly what `quote` said,
    /// and the schema's own bound on the amount accepts it.
    @Test func aQuoteFollowedByAUseRecordsWhatWasQuoted() async throws {
        let modes = ["down", "half-up", "half-even"].flatMap { mode in ["fen", "yuan"].map { "\(mode) to \($0)" } }
        await propertyCheck(
            count: 60,
            input: Gen.int(in: 0..<modes.count),
            Gen.int(in: 1...10_000),
            Gen.int64(in: 1...99_999_999)
        ) { modeIndex, basisPoints, fen in
            let fixture = try LedgerFixture()
            let rate = "\(basisPoints / 100).\(basisPoints % 100 < 10 ? "0" : "")\(basisPoints % 100)%"
            try fixture.ledger.installProgramme(
                yaml: Self.voucherPolicy(rate: rate, rounding: modes[modeIndex]),
                file: "test.yaml",
                context: fixture.next("2022-01-01")
            )
            try fixture.grantQuota("C-1", applicant: fixture.alpha, programme: Self.testProgramme, amount: "100万")
            let request = UseRequest(
                ref: "U-1",
                applicantID: fixture.alpha,
                providerID: fixture.lab,
                productCode: "LAB-NMR",
                programme: Self.testProgramme,
                serviceAmount: Money(fen: fen)
            )
            let quoted = try fixture.ledger.quote(request, on: day("2022-05-10"))
            guard quoted.amount > .zero else { return }
            let recorded = try fixture.ledger.use(request, context: fixture.next("2022-05-10"))
            #expect(recorded.amount == quoted.amount, "\(rate) \(modes[modeIndex]) of \(Money(fen: fen))")
            let overRate = try fixture.ledger.rawRead { db in
                try Int.fetchOne(db, sql: "SELECT SUM(over_rate) FROM use_total WHERE dimension = 'all'")
            }
            #expect(overRate == 0)
        }
    }

    @Test func halfUpToTheFenPaysTheRoundedAmountAndVerifies() throws {
        let fixture = try LedgerFixture()
        try fixture.ledger.installProgramme(
            yaml: Self.voucherPolicy(rate: "50%", rounding: "half-up to fen"),
            file: "test.yaml",
            context: fixture.next("2022-01-01")
        )
        try fixture.grantQuota("C-1", applicant: fixture.alpha, programme: Self.testProgramme, amount: "10万")
        let use = try fixture.use("U-1", applicant: fixture.alpha, programme: Self.testProgramme, amount: "70,000.01")
        #expect(use.amount == yuan("35,000.01"))
        #expect(try fixture.ledger.verify().isValid)
    }

    @Test func aProjectCapCountsTheApplicantsOwnProjectOnly() throws {
        let fixture = try LedgerFixture()
        try fixture.ledger.claim(
            ClaimRequest(
                ref: "M-A",
                applicantID: fixture.alpha,
                programme: overseas,
                year: 2023,
                requested: yuan("100万"),
                project: "OV-1",
                paid: yuan("100万")
            ),
            context: fixture.next("2023-03-01")
        )
        try fixture.ledger.decide(
            DecisionRequest(claimRef: "M-A", outcome: .grant(yuan("100万")), reviewer: "王丽"),
            context: fixture.next("2023-03-02")
        )
        // Another enterprise's project that happens to be called OV-1 has its own cap.
        try fixture.ledger.claim(
            ClaimRequest(
                ref: "M-B",
                applicantID: fixture.gamma,
                programme: overseas,
                year: 2023,
                requested: yuan("80万"),
                project: "OV-1",
                paid: yuan("80万")
            ),
            context: fixture.next("2023-03-03")
        )
        let granted = try fixture.ledger.decide(
            DecisionRequest(claimRef: "M-B", outcome: .grant(yuan("80万")), reviewer: "王丽"),
            context: fixture.next("2023-03-04")
        )
        #expect(granted.amount == yuan("80万"))
        // The first enterprise's own OV-1 is used up.
        try fixture.ledger.claim(
            ClaimRequest(
                ref: "M-A2",
                applicantID: fixture.alpha,
                programme: overseas,
                year: 2023,
                requested: yuan("10万"),
                project: "OV-1",
                paid: yuan("10万")
            ),
            context: fixture.next("2023-05-01")
        )
        #expect(throws: LedgerError.self) {
            try fixture.ledger.decide(
                DecisionRequest(claimRef: "M-A2", outcome: .grant(yuan("10万")), reviewer: "王丽"),
                context: fixture.next("2023-05-02")
            )
        }
    }

    @Test func aReversedUseSubmittedAgainIsRefusedNotReportedAsRecorded() throws {
        let fixture = try LedgerFixture()
        try fixture.grantQuota("C-1", applicant: fixture.alpha, amount: "30万")
        let request = UseRequest(
            ref: "U-1",
            applicantID: fixture.alpha,
            providerID: fixture.lab,
            productCode: "LAB-NMR",
            programme: shanghai,
            serviceAmount: yuan("10万")
        )
        let context = fixture.next("2022-05-10")
        let use = try fixture.ledger.use(request, context: context)
        let reversal = try fixture.ledger.reverse(event: use.seq, reason: "重复", context: fixture.next("2022-05-11"))
        // The same key and content again: refused, naming the use, its event and the reversal.
        #expect(
            throws: LedgerError.resubmittedAfterReversal(
                kind: "use",
                ref: "U-1",
                event: use.seq,
                reversal: reversal.seq
            )
        ) {
            try fixture.ledger.use(request, context: context)
        }
        // The same reference under another key: refused the same way.
        #expect(
            throws: LedgerError.resubmittedAfterReversal(
                kind: "use",
                ref: "U-1",
                event: use.seq,
                reversal: reversal.seq
            )
        ) {
            try fixture.ledger.use(request, context: fixture.next("2022-05-12"))
        }
    }

    @Test func aSettlementAppliesTheVersionItsUseWasComputedUnder() throws {
        let fixture = try LedgerFixture()
        let yaml = Self.voucherPolicy(rate: "50%", rounding: "down to fen", unpaid: "forfeited")
        try fixture.ledger.installProgramme(yaml: yaml, file: "test.yaml", context: fixture.next("2022-01-01"))
        try fixture.grantQuota("C-1", applicant: fixture.alpha, programme: Self.testProgramme, amount: "10万")
        _ = try fixture.use("U-1", applicant: fixture.alpha, programme: Self.testProgramme, amount: "2万")
        // A version from before the use that returns what is unpaid would change how U-1 settles.
        let earlier =
            yaml.replacingOccurrences(
                of: "  - effective_from: 2022-01-01",
                with: "  - effective_from: 2022-01-01\n    effective_until: 2022-01-31"
            )
            + "  - effective_from: 2022-02-01\n    rate: 50%\n    redemption:\n      unpaid: returned\n"
        #expect(throws: LedgerError.self) {
            try fixture.ledger.installProgramme(yaml: earlier, file: "test.yaml", context: fixture.next("2022-06-01"))
        }
        try fixture.ledger.fileRedemption(
            RedemptionFilingRequest(ref: "R-1", providerID: fixture.lab, useRefs: ["U-1"]),
            context: fixture.next("2022-06-01")
        )
        try fixture.ledger.settleRedemption(
            SettlementRequest(filingRef: "R-1", useRef: "U-1", outcome: .rejected(reason: "材料不全")),
            context: fixture.next("2022-06-10")
        )
        let effect = try fixture.ledger.rawRead { db in
            try String.fetchOne(db, sql: "SELECT unpaid_effect FROM settlement")
        }
        #expect(effect == "forfeited")
    }

    @Test func databaseErrorsBecomeRefusalsDefectsOrFileErrorsNeverRawText() {
        let trigger = DatabaseError(
            resultCode: .SQLITE_CONSTRAINT_TRIGGER,
            message: "the ledger is append-only: event cannot be updated"
        )
        #expect(
            Ledger.refusal(from: trigger) as? LedgerError
                == .refusedByLedger("the ledger is append-only: event cannot be updated")
        )
        let check = DatabaseError(resultCode: .SQLITE_CONSTRAINT_CHECK, message: "CHECK constraint failed: amount > 0")
        guard case .internalInconsistency(let detail)? = Ledger.refusal(from: check) as? LedgerError else {
            Issue.record("a failed CHECK is a defect")
            return
        }
        #expect(detail.contains("amount > 0"))
        let full = DatabaseError(resultCode: .SQLITE_FULL, message: "database or disk is full")
        #expect((Ledger.refusal(from: full) as? LedgerStorageError)?.description.contains("disk is full") == true)
    }
}

/// A ledger opened for reading is read-only: what reads it cannot write by mistake.
struct ReadOnlyLedgerTests {
    @Test func aLedgerOpenedForReadingRefusesToWrite() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ro-\(UUID().uuidString).sqlite").path
        defer {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }
        let fixture = try LedgerFixture(path: path)
        let head = try fixture.ledger.chainHead()
        let reader = try Ledger.openForReading(at: path)
        #expect(try reader.chainHead() == head)
        #expect(try reader.verify().isValid)
        #expect(throws: (any Error).self) {
            try reader.claim(
                ClaimRequest(
                    ref: "C-9",
                    applicantID: fixture.alpha,
                    programme: shanghai,
                    year: 2023,
                    requested: yuan("1万")
                ),
                context: fixture.next("2023-01-05")
            )
        }
        #expect(try fixture.ledger.chainHead() == head)
    }

    /// A read-only copy (no write permission on the file) in a folder this user may not write to
    /// (an auditor's) is read as an immutable file, named so that SQLite reads a space, `%` and `#`
    /// in its path as they are; a ledger with a `-wal` beside it, one that may be written, or one
    /// in a folder that may be written, is opened by its path.
    @Test func aCopyInAFolderThatMayNotBeWrittenIsReadAsImmutable() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ro %23 \(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let original = folder.appendingPathComponent("a b%#1.sqlite").path
        let fixture = try LedgerFixture(path: original)
        let head = try fixture.ledger.chainHead()
        let copy = folder.appendingPathComponent("copy 50%#.sqlite").path
        try DatabaseQueue(path: original).inDatabase { db in try db.execute(sql: "VACUUM INTO ?", arguments: [copy]) }
        #expect(LedgerFile.readingLocation(copy, folderWritable: true) == copy)
        // The original has its -wal beside it: never immutable, which would not read it.
        #expect(LedgerFile.readingLocation(original, folderWritable: false) == original)
        // A file someone may still write to: by its path too.
        #expect(LedgerFile.readingLocation(copy, folderWritable: false) == copy)
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: copy)
        let location = LedgerFile.readingLocation(copy, folderWritable: false)
        // A SQLite built without URI names would take the name for a file's: then the path.
        #expect(
            LedgerFile.sqliteReadsURINames
                ? location.hasPrefix("file:/") && location.hasSuffix("?immutable=1") : location == copy,
            "\(location)"
        )
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: location, configuration: configuration)
        let read = try queue.read { db in
            try Row.fetchOne(db, sql: "SELECT seq, hash FROM event ORDER BY seq DESC LIMIT 1")
        }
        #expect(read?[0] == head.events && read?[1] == head.hash)
    }

    /// A reader remembers the reference data from one read to the next (the service's quotes):
    /// each commit after it must still be seen by its next read. A quota granted, a provider
    /// suspended and then reinstated, each between two quotes on the same reader.
    @Test func aReaderSeesEveryChangeToWhatItRemembers() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rm-\(UUID().uuidString).sqlite").path
        defer {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }
        let fixture = try LedgerFixture(path: path)
        try fixture.grantQuota("C-1", applicant: fixture.alpha, amount: "10万")
        let reader = try Ledger.openForReading(at: path)
        func quote(_ applicant: String) throws -> Money {
            try reader.quote(
                UseRequest(
                    ref: "Q-1",
                    applicantID: applicant,
                    providerID: fixture.lab,
                    productCode: "LAB-NMR",
                    programme: shanghai,
                    serviceAmount: yuan("2万")
                ),
                on: day("2022-05-10")
            ).amount
        }
        #expect(try quote(fixture.alpha) == yuan("1万"))
        #expect(try quote(fixture.beta) == .zero)  // no quota yet
        try fixture.grantQuota("C-2", applicant: fixture.beta, amount: "10万")
        #expect(try quote(fixture.beta) == yuan("1万"))
        try fixture.ledger.changeProviderStatus(
            providerID: fixture.lab,
            status: .suspended,
            reason: "检查",
            context: fixture.next("2022-05-01")
        )
        let suspended = #expect(throws: LedgerError.self) { try quote(fixture.alpha) }
        #expect(suspended?.description.contains("suspended") == true, "\(String(describing: suspended))")
        try fixture.ledger.changeProviderStatus(
            providerID: fixture.lab,
            status: .reinstated,
            reason: nil,
            context: fixture.next("2022-05-05")
        )
        #expect(try quote(fixture.alpha) == yuan("1万"))
    }

    /// The service's readers map the file: they must still see every commit made after they opened.
    @Test func aMappedReaderSeesWhatIsCommittedAfterItOpened() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("mm-\(UUID().uuidString).sqlite").path
        defer {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }
        let fixture = try LedgerFixture(path: path)
        let reader = try Ledger.openForReading(at: path, mappedBytes: 1 << 20)
        #expect(try reader.read { db in try Int.fetchOne(db, sql: "PRAGMA mmap_size") } == 1 << 20)
        let unmapped = try Ledger.openForReading(at: path)
        #expect(try unmapped.read { db in try Int.fetchOne(db, sql: "PRAGMA mmap_size") } == 0)
        #expect(try reader.chainHead() == fixture.ledger.chainHead())
        let claimed = try fixture.ledger.claim(
            ClaimRequest(
                ref: "C-9",
                applicantID: fixture.alpha,
                programme: shanghai,
                year: 2023,
                requested: yuan("1万")
            ),
            context: fixture.next("2023-01-05")
        )
        #expect(try reader.chainHead() == fixture.ledger.chainHead())
        #expect(try reader.chainHead().events == claimed.seq)
        #expect(try reader.verify().isValid)
    }
}
