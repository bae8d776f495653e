import Foundation
import GRDB
import PropertyBased
import Testing
import VoucherDomain

@testable import VoucherStorage

/// Tampering by raw SQL with the triggers dropped: verification names the first bad event, and a
/// digest taken before catches even a chain rebuilt consistently, and a truncation.
struct VerificationTests {
    /// A ledger with a grant, two uses, a redemption, a settlement, an applicant and a provider
    /// registered with overridden codes, and a paid grant: a row in every fact table.
    static func ledger(path: String? = nil) throws -> (LedgerFixture, useSeq: Int64) {
        let fixture = try LedgerFixture(path: path)
        try fixture.grantQuota("C-1", applicant: fixture.alpha, amount: "30万")
        let use = try fixture.use("U-1", applicant: fixture.alpha, amount: "10万")
        _ = try fixture.use("U-2", applicant: fixture.alpha, product: "LAB-SEM", amount: "4万", on: "2022-05-20")
        try fixture.ledger.fileRedemption(
            RedemptionFilingRequest(ref: "R-1", providerID: fixture.lab, useRefs: ["U-1"]),
            context: fixture.next("2022-06-01")
        )
        try fixture.ledger.settleRedemption(
            SettlementRequest(filingRef: "R-1", useRef: "U-1", outcome: .paid),
            context: fixture.next("2022-06-10")
        )
        let overridden = try PartyIdentifier.creditCode(
            "91310115MA1H8R7C6D",
            override: (reason: "as printed \"on\" the licence", approvedBy: "wang.li")
        )
        try fixture.ledger.registerApplicant(
            ApplicantRegistration(
                identifier: overridden,
                kind: .enterprise,
                name: "戊有限公司",
                district: "杨浦区",
                region: "shanghai"
            ),
            context: fixture.next("2022-06-11")
        )
        try fixture.ledger.registerProvider(
            ProviderRegistration(identifier: overridden, name: "戊检测", region: "shanghai"),
            context: fixture.next("2022-06-11")
        )
        try fixture.paidOperatingGrant("G-1", applicant: fixture.gamma, amount: "40万")
        return (fixture, use.seq)
    }

    /// What a forger who knows the schema would also do after editing postings: the balances and
    /// the postings' sums by day made to agree with them again.
    static func keepTotalsOfThePostings(_ db: Database) throws {
        try db.execute(
            sql:
                "UPDATE account SET balance = (SELECT COALESCE(SUM(amount), 0) FROM posting p WHERE p.account_id = account.id)"
        )
        try db.execute(sql: "DELETE FROM account_day_total")
        try db.execute(
            sql: """
                INSERT INTO account_day_total (programme_id, account_type, year, day, amount)
                SELECT programme_id, account_type, year, business_date, SUM(amount) FROM posting GROUP BY 1, 2, 3, 4
                """
        )
    }

    static func dropTriggers(_ db: Database) throws {
        for name in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'trigger'") {
            try db.execute(sql: "DROP TRIGGER \(name)")
        }
    }

    @Test func anUntouchedLedgerVerifies() throws {
        let (fixture, _) = try Self.ledger()
        let report = try fixture.ledger.verify()
        #expect(report.isValid, "\(String(describing: report.problem))")
        #expect(report.eventsChecked == report.head.events)
        #expect(report.eventsChecked == 4 + 9 + 6 + 5)
        #expect(!report.factsComparedRowByRow, "the fact rows' digest differs from the payloads' on an intact ledger")
    }

    @Test func aChangedPostingIsCaughtAndTheEventNamed() throws {
        let (fixture, useSeq) = try Self.ledger()
        try fixture.ledger.writer.writeWithoutTransaction { db in
            try Self.dropTriggers(db)
            try db.execute(sql: "UPDATE posting SET amount = amount * 2 WHERE event_seq = ?", arguments: [useSeq])
        }
        let problem = try #require(try fixture.ledger.verify().problem)
        #expect(problem.event == useSeq)
        #expect(problem.message.contains("does not match its hash"))
    }

    @Test func aChangedAmountInAFactTableIsCaughtAndTheEventNamed() throws {
        let (fixture, useSeq) = try Self.ledger()
        try fixture.ledger.writer.writeWithoutTransaction { db in
            try Self.dropTriggers(db)
            try db.execute(sql: "UPDATE voucher_use SET amount = 1 WHERE event_seq = ?", arguments: [useSeq])
        }
        let problem = try #require(try fixture.ledger.verify().problem)
        #expect(problem.event == useSeq)
        #expect(problem.message.contains("voucher_use row does not match"))
    }

    /// In a file, the facts are rebuilt on a second connection and compared by digest with the
    /// payloads the chain pass read; a difference leads to the row-by-row comparison that names it.
    @Test(arguments: [
        ("UPDATE voucher_use SET amount = 1 WHERE event_seq = :use", "its voucher_use row does not match"),
        ("UPDATE claim SET requested = requested + 1", "its claim row does not match"),
        ("DELETE FROM settlement", "its settlement row is missing"),
        (
            "UPDATE applicant SET name = 'x' WHERE event_seq = (SELECT MIN(event_seq) FROM applicant)",
            "its applicant row"
        ),
        ("UPDATE provider SET override_reason = 'x' WHERE override_reason IS NOT NULL", "its provider row does not"),
        ("UPDATE payment SET amount = amount - 1", "its payment row does not match"),
        // The chain is read in stretches that the two connections take in turn: the first and the last.
        ("UPDATE event SET actor = 'x' WHERE seq = (SELECT MAX(seq) FROM event)", "does not match its hash"),
        ("UPDATE event SET actor = 'x' WHERE seq = 3", "does not match its hash"),
        ("UPDATE posting SET amount = amount * 2 WHERE event_seq = (SELECT MAX(seq) FROM event)", "does not match"),
        ("UPDATE account SET balance = balance + 1 WHERE type = 'paid'", "differs from its postings"),
        ("INSERT INTO posting VALUES (99999, 1, 'x', 5, 'paid', 'p', 2022, '2022-01-01')", "has postings but no event"),
        ("INSERT INTO posting VALUES (0, 1, 'x', 5, 'paid', 'p', 2022, '2022-01-01')", "has postings but no event"),
        ("UPDATE event SET hash = 'abc' WHERE seq = 12", "does not match its hash"),
    ])
    func tamperingIsCaughtInALedgerFile(change: String, expected: String) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("verify-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let (fixture, useSeq) = try Self.ledger(path: directory.appendingPathComponent("l.sqlite").path)
        let intact = try fixture.ledger.verify()
        #expect(intact.isValid && !intact.factsComparedRowByRow)
        try fixture.ledger.writer.writeWithoutTransaction { db in
            try Self.dropTriggers(db)
            try db.execute(sql: "PRAGMA foreign_keys = OFF")
            try db.execute(sql: change.replacingOccurrences(of: ":use", with: String(useSeq)))
        }
        let problem = try #require(try fixture.ledger.verify().problem)
        #expect(problem.message.contains(expected), "\(problem)")
    }

    @Test func theLastEventDeletedWithoutPostingsIsCaughtByItsFactRow() throws {
        let (fixture, _) = try Self.ledger()
        try fixture.ledger.registerProvider(
            ProviderRegistration(
                identifier: .creditCode(try UnifiedSocialCreditCode(creditCode(13, prefix: "12310000"))),
                name: "己检测",
                region: "shanghai"
            ),
            context: fixture.next("2023-05-01")
        )
        try fixture.ledger.writer.writeWithoutTransaction { db in
            try Self.dropTriggers(db)
            try db.execute(sql: "PRAGMA foreign_keys = OFF")
            try db.execute(sql: "DELETE FROM event WHERE seq = (SELECT MAX(seq) FROM event)")
        }
        let problem = try #require(try fixture.ledger.verify().problem)
        #expect(problem.message.contains("has a provider row but no event row"), "\(problem)")
    }

    @Test func aDeletedEventIsCaught() throws {
        let (fixture, useSeq) = try Self.ledger()
        try fixture.ledger.writer.writeWithoutTransaction { db in
            try Self.dropTriggers(db)
            try db.execute(sql: "PRAGMA foreign_keys = OFF")
            try db.execute(sql: "DELETE FROM posting WHERE event_seq = ?", arguments: [useSeq])
            try db.execute(sql: "DELETE FROM event WHERE seq = ?", arguments: [useSeq])
        }
        let problem = try #require(try fixture.ledger.verify().problem)
        #expect(problem.event == useSeq)
    }

    @Test func reorderedEventsAreCaught() throws {
        let (fixture, useSeq) = try Self.ledger()
        try fixture.ledger.writer.writeWithoutTransaction { db in
            try Self.dropTriggers(db)
            try db.execute(sql: "PRAGMA foreign_keys = OFF")
            try db.execute(sql: "UPDATE event SET seq = -1 WHERE seq = ?", arguments: [useSeq])
            try db.execute(sql: "UPDATE event SET seq = ? WHERE seq = ?", arguments: [useSeq, useSeq + 1])
            try db.execute(sql: "UPDATE event SET seq = ? WHERE seq = -1", arguments: [useSeq + 1])
        }
        let problem = try #require(try fixture.ledger.verify().problem)
        #expect(problem.event == useSeq)
    }

    @Test func aForgedEventAppendedWithoutTheChainIsCaught() throws {
        let (fixture, _) = try Self.ledger()
        let head = try fixture.ledger.chainHead()
        try fixture.ledger.writer.writeWithoutTransaction { db in
            try Self.dropTriggers(db)
            try db.execute(
                sql: """
                    INSERT INTO event (seq, kind, business_date, recorded_at, actor, idempotency_key, request_hash, payload,
                        prev_hash, hash) VALUES (?, 'payment', '2022-07-01', 'x', 'mallory', 'forged', 'x', '{}', ?, ?)
                    """,
                arguments: [head.events + 1, head.hash, String(repeating: "a", count: 64)]
            )
        }
        let problem = try #require(try fixture.ledger.verify().problem)
        #expect(problem.event == head.events + 1)
    }

    @Test func anAlteredPolicyVersionIsCaught() throws {
        let (fixture, _) = try Self.ledger()
        try fixture.ledger.writer.writeWithoutTransaction { db in
            try Self.dropTriggers(db)
            try db.execute(
                sql:
                    "UPDATE policy_version SET canonical = replace(canonical, '5000', '6000') WHERE programme_id = 'sh-innovation-voucher'"
            )
        }
        let problem = try #require(try fixture.ledger.verify().problem)
        #expect(problem.message.contains("its policy_version row"))
        #expect(problem.message.contains("does not match its hash"))
    }

    @Test func aChainRebuiltConsistentlyAfterAnEditIsCaughtByAnEarlierDigest() throws {
        let (fixture, firstUse) = try Self.ledger()
        let useSeq = firstUse + 1  // U-2, not yet redeemed
        let digest = try fixture.ledger.digest()
        #expect(LedgerDigest(text: digest.description) == digest)
        // Halve the second use's postings, then rehash the chain from there on, as a careful forger would.
        try fixture.ledger.writer.writeWithoutTransaction { db in
            try Self.dropTriggers(db)
            try db.execute(sql: "UPDATE posting SET amount = amount / 2 WHERE event_seq = ?", arguments: [useSeq])
            try Self.keepTotalsOfThePostings(db)
            var previous =
                try String.fetchOne(db, sql: "SELECT hash FROM event WHERE seq = ?", arguments: [useSeq - 1]) ?? ""
            for row in try Row.fetchAll(db, sql: "SELECT * FROM event WHERE seq >= ? ORDER BY seq", arguments: [useSeq])
            {
                let seq: Int64 = row["seq"]
                let lines = try Row.fetchAll(
                    db,
                    sql: "SELECT line, account_id, amount FROM posting WHERE event_seq = ? ORDER BY line",
                    arguments: [seq]
                ).map { ($0["line"] as Int64, $0["account_id"] as String, $0["amount"] as Int64) }
                let fields = EventFields(
                    seq: seq,
                    kind: row["kind"],
                    businessDate: row["business_date"],
                    recordedAt: row["recorded_at"],
                    actor: row["actor"],
                    idempotencyKey: row["idempotency_key"],
                    requestHash: row["request_hash"],
                    programme: row["programme_id"],
                    policyHash: row["policy_hash"],
                    reverses: row["reverses"],
                    payload: row["payload"],
                    explanation: row["explanation"],
                    postings: lines,
                    prevHash: previous
                )
                try db.execute(
                    sql: "UPDATE event SET prev_hash = ?, hash = ? WHERE seq = ?",
                    arguments: [previous, fields.hash, seq]
                )
                previous = fields.hash
            }
        }
        // The forged chain is consistent in itself: only the digest kept from before can tell.
        #expect(try fixture.ledger.verify().isValid)
        let problem = try #require(try fixture.ledger.verify(against: digest).problem)
        #expect(problem.message.contains("the chain was rewritten"))
        #expect(problem.event == digest.events)
    }

    /// How a ledger stands against a digest, read without verifying the chain: extended, truncated,
    /// rewritten at the digest's event, or missing it; before the first event, the genesis hash.
    @Test func aDigestIsComparedWithTheEventItNames() throws {
        let (fixture, _) = try Self.ledger()
        let head = try fixture.ledger.digest()
        let earlier = LedgerDigest(
            events: 3,
            head: try fixture.ledger.writer.read { db in
                try String.fetchOne(db, sql: "SELECT hash FROM event WHERE seq = 3") ?? ""
            }
        )
        #expect(try fixture.ledger.compare(with: earlier) == .extends(earlier))
        #expect(try fixture.ledger.compare(with: head) == .extends(head))
        let beyond = LedgerDigest(events: head.events + 1, head: head.head)
        #expect(try fixture.ledger.compare(with: beyond) == .truncated(digest: beyond, events: head.events))
        let other = LedgerDigest(events: 3, head: String(repeating: "0", count: 64))
        #expect(try fixture.ledger.compare(with: other) == .rewritten(digest: other, hash: earlier.head))
        let genesis = LedgerDigest(events: 0, head: Hashing.genesis)
        #expect(try fixture.ledger.compare(with: genesis) == .extends(genesis))
        #expect(try fixture.ledger.compare(with: LedgerDigest(events: 0, head: head.head)).problem != nil)
        try fixture.ledger.writer.writeWithoutTransaction { db in
            try Self.dropTriggers(db)
            try db.execute(sql: "PRAGMA foreign_keys = OFF")
            try db.execute(sql: "DELETE FROM event WHERE seq = 3")
        }
        let missing = try fixture.ledger.compare(with: earlier)
        #expect(missing == .rewritten(digest: earlier, hash: nil))
        #expect(missing.problem?.message == "the chain was rewritten: the event the digest names is missing")
        #expect(try fixture.ledger.verify(against: earlier).problem?.event == 3)
    }

    @Test func aTruncatedChainIsCaughtByAnEarlierDigest() throws {
        let (fixture, _) = try Self.ledger()
        let digest = try fixture.ledger.digest()
        try fixture.ledger.writer.writeWithoutTransaction { db in
            try Self.dropTriggers(db)
            try db.execute(sql: "PRAGMA foreign_keys = OFF")
            try db.execute(sql: "DELETE FROM payment WHERE event_seq = ?", arguments: [digest.events])
            try db.execute(sql: "DELETE FROM posting WHERE event_seq = ?", arguments: [digest.events])
            try db.execute(sql: "DELETE FROM event WHERE seq = ?", arguments: [digest.events])
            try Self.keepTotalsOfThePostings(db)
        }
        #expect(try fixture.ledger.verify().isValid)
        let problem = try #require(try fixture.ledger.verify(against: digest).problem)
        #expect(problem.message.contains("truncated"))
    }

    @Test(arguments: ["uses = uses + 1", "paid = paid - 100", "returned = returned + 1", "amount = amount + 1"])
    func useTotalsOutOfStepWithTheUsesAreCaught(change: String) throws {
        let (fixture, _) = try Self.ledger()
        try fixture.ledger.writer.writeWithoutTransaction { db in
            try db.execute(sql: "UPDATE use_total SET \(change) WHERE dimension = 'provider'")
        }
        let problem = try #require(try fixture.ledger.verify().problem)
        #expect(problem.event == nil)
        #expect(problem.message.contains("the use_total row of sh-innovation-voucher 2022 provider"))
    }

    @Test func aMissingUseTotalIsCaught() throws {
        let (fixture, _) = try Self.ledger()
        try fixture.ledger.writer.writeWithoutTransaction { db in
            try db.execute(sql: "DELETE FROM use_total WHERE dimension = 'month'")
        }
        let problem = try #require(try fixture.ledger.verify().problem)
        #expect(problem.message.contains("month"))
        #expect(problem.message.contains("is missing"))
    }

    /// A late item made up for a use filed in time is named by its filing; so is a real one removed.
    @Test func aLateFilingMadeUpOrRemovedIsCaught() throws {
        let (fixture, useSeq) = try Self.ledger()
        let filing = try #require(
            try fixture.ledger.rawRead { db in
                try Int64.fetchOne(db, sql: "SELECT event_seq FROM redemption_filing WHERE ref = 'R-1'")
            }
        )
        try fixture.ledger.writer.writeWithoutTransaction { db in
            try db.execute(
                sql: """
                    INSERT INTO late_item (filing_seq, use_seq, programme_id, year, filed_on, days_late)
                    VALUES (?, ?, 'sh-innovation-voucher', 2022, '2022-06-01', 3)
                    """,
                arguments: [filing, useSeq]
            )
        }
        let problem = try #require(try fixture.ledger.verify().problem)
        #expect(problem.event == filing)
        #expect(problem.message.contains("late_item row of use event \(useSeq) names no item filed past its deadline"))

        // A ledger with a late filing, its row removed.
        let late = try LedgerFixture()
        try late.grantQuota("C-1", applicant: late.alpha, amount: "30万")
        let use = try late.use("U-1", applicant: late.alpha, amount: "10万", on: "2022-03-01")
        let filed = try late.ledger.fileRedemption(
            RedemptionFilingRequest(ref: "R-1", providerID: late.lab, useRefs: ["U-1"]),
            context: late.next("2022-12-20")
        )
        #expect(try late.ledger.verify().problem == nil)
        try late.ledger.writer.writeWithoutTransaction { db in
            try Self.dropTriggers(db)
            try db.execute(sql: "DELETE FROM late_item")
        }
        let missing = try #require(try late.ledger.verify().problem)
        #expect(missing.event == filed.seq)
        #expect(missing.message.contains("late_item row of use event \(use.seq) is missing"))
    }

    @Test func aLedgerFromBeforeTheUseTotalsGainsThemFilledIn() throws {
        let (fixture, _) = try Self.ledger()
        let before = try fixture.ledger.breakdowns(try ProgrammeID("sh-innovation-voucher"), period: .through(.latest))
        try fixture.ledger.writer.writeWithoutTransaction { db in
            try Self.dropTriggers(db)
            try db.execute(sql: "DROP TABLE use_total")
            try db.execute(sql: "DROP TABLE use_day_total")
            try db.execute(sql: "DROP TABLE account_day_total")
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = 'v2 use totals'")
            // Version 1 also had an index of postings by account.
            try db.execute(sql: "CREATE INDEX posting_by_account ON posting(account_id, business_date)")
            // Versions 2 and 3 run again, as on a ledger that had only version 1, and 7 after them
            // (it drops the triggers and the view that 2 makes, and fills the totals by day). (Versions 4 to 6 are not undone: this
            // ledger's uses were written with a rounding, which a ledger of version 1 never had;
            // Tests/Fixtures/ledger-v3 covers a real older ledger.)
            try db.execute(
                sql:
                    "DELETE FROM grdb_migrations WHERE identifier LIKE 'v2 %' OR identifier LIKE 'v3 %' OR identifier LIKE 'v7 %'"
            )
        }
        try fixture.ledger.migrate()
        let indexes = try fixture.ledger.rawRead { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index'")
        }
        #expect(!indexes.contains("posting_by_account"))
        let triggers = try fixture.ledger.rawRead { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type IN ('trigger', 'view')")
        }
        #expect(
            !triggers.contains { $0.hasPrefix("use_total") || $0 == "use_key" || $0 == "posting_keeps_the_balance" }
        )
        #expect(indexes.contains("redemption_item_past_deadline"))
        #expect(
            try fixture.ledger.breakdowns(try ProgrammeID("sh-innovation-voucher"), period: .through(.latest)) == before
        )
        #expect(try fixture.ledger.verify().isValid)
    }

    @Test func aBalanceCacheOutOfStepWithThePostingsIsCaught() throws {
        let (fixture, _) = try Self.ledger()
        try fixture.ledger.writer.writeWithoutTransaction { db in
            try db.execute(sql: "UPDATE account SET balance = balance + 100 WHERE type = 'paid'")
        }
        let problem = try #require(try fixture.ledger.verify().problem)
        #expect(problem.event == nil)
        #expect(problem.message.contains("differs from its postings"))
    }
}

/// The Python recipe in docs/ledger.md, run on a real ledger file: it agrees with `verify`.
struct HandVerificationTests {
    static func recipe() throws -> String {
        let doc = try String(
            contentsOf: SchemaTests.root.appendingPathComponent("docs/ledger.md"),
            encoding: .utf8
        )
        return doc.components(separatedBy: "```python\n").dropFirst().first?.components(separatedBy: "```").first ?? ""
    }

    static func runPython(_ script: String, _ argument: String) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, argument]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func theRecipeInTheDocsVerifiesARealLedgerAndCatchesAnEdit() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hand-\(UUID().uuidString).sqlite")
            .path
        defer {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }
        let ledger = try Ledger.open(at: path, actor: "test")
        let applicant = creditCode(1)
        let provider = creditCode(11, prefix: "12310000")
        let context = { (key: String, date: String) in
            EventContext(idempotencyKey: key, actor: "测试员", businessDate: day(date))
        }
        try ledger.registerApplicant(
            ApplicantRegistration(
                identifier: .creditCode(try UnifiedSocialCreditCode(applicant)),
                kind: .enterprise,
                name: "甲科技有限公司 \"引号\" \\ 反斜杠\n换行",
                district: "杨浦区",
                region: "shanghai"
            ),
            context: context("a", "2022-01-05")
        )
        try ledger.registerProvider(
            ProviderRegistration(
                identifier: .creditCode(try UnifiedSocialCreditCode(provider)),
                name: "实验室",
                region: "shanghai"
            ),
            context: context("p", "2022-01-05")
        )
        try ledger.registerProduct(
            ProductRegistration(
                code: "P1",
                providerID: provider,
                name: "测试",
                category: "testing",
                listPrice: yuan("1万")
            ),
            context: context("pr", "2022-01-05")
        )
        try ledger.claim(
            ClaimRequest(ref: "C1", applicantID: applicant, programme: shanghai, year: 2022, requested: yuan("30万")),
            context: context("c", "2022-03-01")
        )
        try ledger.decide(
            DecisionRequest(claimRef: "C1", outcome: .grant(yuan("30万")), reviewer: "审核人"),
            context: context("d", "2022-03-02")
        )
        try ledger.use(
            UseRequest(
                ref: "U1",
                applicantID: applicant,
                providerID: provider,
                productCode: "P1",
                programme: shanghai,
                serviceAmount: yuan("3.33")
            ),
            context: context("u", "2022-04-01")
        )
        let head = try ledger.chainHead()

        let recipe = try Self.recipe()
        #expect(recipe.contains("hashlib.sha256"))
        let good = try Self.runPython(recipe, path)
        #expect(good.status == 0, "\(good.output)")
        #expect(
            good.output.trimmingCharacters(in: .whitespacesAndNewlines)
                == "\(head.events) events verify; head \(head.hash)"
        )

        try ledger.writer.writeWithoutTransaction { db in
            try db.execute(sql: "DROP TRIGGER posting_no_update")
            try db.execute(
                sql: "UPDATE posting SET amount = amount + 1 WHERE event_seq = ? AND amount > 0",
                arguments: [head.events]
            )
        }
        let bad = try Self.runPython(recipe, path)
        #expect(bad.status != 0)
        #expect(bad.output.contains("event \(head.events) does not verify"))
    }
}

struct InternedKeysTests {
    @Test func everyKeyKeepsItsSlotAndIsFoundAgain() {
        var keys = InternedKeys()
        var slots: [String: Int] = [:]
        for round in 0..<3 {
            for n in 0..<20_000 {
                let key = "quota/yrd-innovation-voucher/2022/\(n % 7_919)-\(n)"
                let slot = key.utf8.withContiguousStorageIfAvailable { keys.slot($0) }!
                if let earlier = slots[key] { #expect(slot == earlier, "round \(round), \(key)") }
                slots[key] = slot
            }
        }
        #expect(keys.count == slots.count && keys.keys.count == slots.count)
        for (key, slot) in slots { #expect(keys.key(slot) == key && keys.find(key) == slot) }
        #expect(keys.find("no such key") == nil)
        #expect("".utf8.withContiguousStorageIfAvailable { keys.slot($0) } == slots.count)
        #expect(keys.find("") == slots.count)
    }
}

/// Verification rebuilds a use's payload from its row's columns; the ledger stores the canonical
/// JSON of the same facts. They must be the same bytes for any facts.
struct PayloadWriterTests {
    @Test func aUsesPayloadRebuiltFromItsColumnsIsItsCanonicalJSON() async throws {
        let table = try #require(LedgerVerifier.factTables.first { $0.kind == .use })
        let database = try DatabaseQueue()
        try await database.write { db in try db.execute(sql: "CREATE TABLE u (event_seq INTEGER, \(table.columns()))") }
        let text = Gen<String?>.element(of: ["U-1", "甲", "\"", "\\", "\n", "a b", "", "😀"]).map { $0 ?? "" }
            .array(of: 0...4).map { $0.joined() }
        let optionalText = Gen<String??>.element(of: [nil, "P-9", "项目\"一\""] as [String?]).map { $0 ?? nil }
        let amount = Gen.int64(in: 0...9_000_000_000)
        let optionalAmount = Gen<Int64??>.element(of: [nil, 0, 12_345] as [Int64?]).map { $0 ?? nil }
        await propertyCheck(count: 300, input: text, optionalText, amount, optionalAmount) { ref, project, fen, tax in
            let fact = UseFact(
                ref: ref,
                claimRef: ref + "C",
                programme: "sh-innovation-voucher",
                year: 2022,
                applicantID: ref,
                providerID: "12310000" + ref,
                productCode: ref,
                category: ref,
                providerRegion: "shanghai",
                project: project,
                usedOn: "2022-05-10",
                serviceAmount: fen,
                eligibleAmount: tax,
                taxAmount: tax,
                rateBasisPoints: 5_000,
                amount: fen / 2,
                redemptionDeadline: project,
                // Uses recorded before schema version 5 have no rounding; later ones always have.
                rounding: tax == nil ? nil : "half-up to fen"
            )
            let row: [String: (any DatabaseValueConvertible)?] = [
                "event_seq": 1, "amount": fact.amount, "applicant_id": fact.applicantID, "category": fact.category,
                "claim_ref": fact.claimRef, "eligible_amount": fact.eligibleAmount, "product_code": fact.productCode,
                "programme_id": fact.programme, "project": fact.project, "provider_id": fact.providerID,
                "provider_region": fact.providerRegion, "rate_basis_points": fact.rateBasisPoints,
                "redemption_deadline": fact.redemptionDeadline, "ref": fact.ref, "service_amount": fact.serviceAmount,
                "tax_amount": fact.taxAmount, "used_on": fact.usedOn, "year": fact.year, "rounding": fact.rounding,
            ]
            let rebuilt = try? database.write { db in
                try db.execute(sql: "DELETE FROM u")
                try db.execute(
                    sql:
                        "INSERT INTO u (\(row.keys.joined(separator: ", "))) VALUES (\(row.keys.map { ":" + $0 }.joined(separator: ", ")))",
                    arguments: StatementArguments(row)
                )
                return try table.payloads(db, select: "SELECT event_seq, \(table.columns()) FROM u")
            }
            #expect(rebuilt.map { $0.map { String(decoding: $0, as: UTF8.self) } } == [fact.payload.text])
        }
    }
}
