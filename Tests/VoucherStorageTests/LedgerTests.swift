import CustomDump
import Foundation
import GRDB
import Testing
import VoucherDomain

@testable import VoucherStorage

struct SchemaTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// A schema object's SQL as compared: SQLite quotes a table's name once it is renamed, which
    /// changes nothing. GRDB's table of migrations, and its index, are not the ledger's.
    static func schemaObjects(_ db: Database) throws -> [String] {
        let sql =
            "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE tbl_name NOT LIKE 'grdb_%' ORDER BY type, name"
        return try Row.fetchAll(db, sql: sql).map { $0.description.replacingOccurrences(of: "\\\"", with: "") }
    }

    @Test func aLedgerMigratedFromNothingHasExactlyTheSchemaOfSchemaSQL() throws {
        let file = try String(contentsOf: Self.root.appendingPathComponent("schema.sql"), encoding: .utf8)
        let direct = try DatabaseQueue()
        try direct.write { db in try db.execute(sql: file) }
        let migrated = try Ledger.inMemory(withBundledProgrammes: false)
        let expected = try direct.read { db in try Self.schemaObjects(db) }
        let actual = try migrated.rawRead { db in try Self.schemaObjects(db) }
        #expect(expected.count > 40)
        expectNoDifference(actual, expected)
    }

    @Test func migrationsAreTheFilesOfTheMigrationsFolderInOrder() throws {
        let folder = Self.root.appendingPathComponent("Sources/VoucherStorage/Migrations")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".sql") }
        #expect(files.count == Ledger.migrations.count)
        for (index, migration) in Ledger.migrations.enumerated() {
            let file = try Data(contentsOf: folder.appendingPathComponent("v\(index + 1).sql"))
            #expect(Array(file) == migration.sql, "migration \(migration.name) is v\(index + 1).sql")
        }
    }

    /// The migrations that only make or drop indexes (v3, v4, v11, v12) run without GRDB's check of every
    /// foreign key in the file after them; the others, which edit or copy tables, keep it.
    @Test func onlyMigrationsOfIndexesSkipTheCheckOfEveryForeignKey() {
        let indexOnly = Ledger.migrations.filter { Ledger.changesOnlyIndexes(String(decoding: $0.sql, as: UTF8.self)) }
        #expect(indexOnly.map { $0.name.prefix { $0 != " " } } == ["v3", "v4", "v11", "v12"])
        #expect(!Ledger.changesOnlyIndexes("-- nothing\n"))
        #expect(!Ledger.changesOnlyIndexes("DROP INDEX a;\nDROP TABLE b;"))
        #expect(!Ledger.changesOnlyIndexes("CREATE INDEX a ON t(x); INSERT INTO t VALUES (1)"))
        #expect(Ledger.changesOnlyIndexes("-- why\ncreate index a on t(x);\n  DROP INDEX IF EXISTS b ;"))
    }

    /// The ledger file of Tests/Fixtures/ledger-v3, written by the code of schema version 3, is
    /// migrated on opening and keeps what it had.
    @Test func aLedgerWrittenAtSchemaVersion3OpensMigratesAndVerifies() throws {
        let source = Self.root.appendingPathComponent("Tests/Fixtures/ledger-v3/ledger-v3.sqlite")
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("v3-\(UUID().uuidString).sqlite").path
        defer {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }
        try FileManager.default.copyItem(atPath: source.path, toPath: path)
        let before = try DatabaseQueue(
            path: source.path,
            configuration: {
                var c = Configuration()
                c.readonly = true
                return c
            }()
        )
        let applied = try before.read { db in try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations") }
        #expect(applied == ["v1 schema.sql", "v2 use totals", "v3 no index of postings by account"])
        let ledger = try Ledger.open(at: path, actor: "test")
        #expect(try ledger.chainHead().events == 33)
        #expect(try ledger.verify().isValid)
        let migrated = try ledger.rawRead { db in try Self.schemaObjects(db) }
        let fresh = try Ledger.inMemory(withBundledProgrammes: false).rawRead { db in try Self.schemaObjects(db) }
        expectNoDifference(migrated, fresh)
    }
    @Test func aLedgerFileIsWalModeAndReadableByItsOwnerOnly() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-\(UUID().uuidString).sqlite")
            .path
        defer {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }
        let ledger = try Ledger.open(at: path, actor: "test")
        let mode = try ledger.rawRead { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
        let permissions = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(permissions == 0o600)
        #expect(try ledger.programmes().count == 4)
        // Opening again installs nothing twice.
        let again = try Ledger.open(at: path, actor: "test")
        #expect(try again.chainHead().events == 4)
    }

    static let ledgerTables = [
        "event", "programme", "policy_file", "policy_version", "applicant", "provider", "product", "claim", "decision",
        "voucher_use", "redemption_filing", "redemption_item", "settlement", "payment", "posting", "provider_status",
        "budget", "recovery", "recovery_receipt",
    ]

    @Test(arguments: ledgerTables)
    func rawUpdateAndDeleteOnEveryLedgerTableFail(_ table: String) throws {
        let fixture = try LedgerFixture()
        try fixture.grantQuota("C-1", applicant: fixture.alpha, amount: "30万")
        _ = try fixture.use("U-1", applicant: fixture.alpha, amount: "10万")
        try fixture.ledger.fileRedemption(
            RedemptionFilingRequest(ref: "R-1", providerID: fixture.lab, useRefs: ["U-1"]),
            context: fixture.next("2022-06-01")
        )
        try fixture.ledger.settleRedemption(
            SettlementRequest(filingRef: "R-1", useRef: "U-1", outcome: .paid),
            context: fixture.next("2022-06-10")
        )
        try fixture.paidOperatingGrant("G-1", applicant: fixture.gamma, amount: "40万")
        try fixture.ledger.changeProviderStatus(
            providerID: fixture.suzhou,
            status: .suspended,
            reason: "停业整顿",
            context: fixture.next("2022-07-01")
        )
        try fixture.ledger.setBudget(
            Appropriation(programme: delta, year: 2022, amount: yuan("3000万")),
            context: fixture.next("2022-07-01")
        )
        try fixture.ledger.recover(
            RecoveryFact(useRef: "U-1", amount: yuan("1万"), reason: "重复申报"),
            context: fixture.next("2022-07-02")
        )
        try fixture.ledger.receiveRecovery(
            RecoveryFact(useRef: "U-1", amount: yuan("1万")),
            context: fixture.next("2022-07-03")
        )
        let count = try fixture.ledger.rawRead { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? 0 }
        #expect(count > 0, "the fixture must put a row in \(table)")
        #expect(throws: DatabaseError.self) {
            try fixture.ledger.writer.writeWithoutTransaction { db in
                try db.execute(sql: "UPDATE \(table) SET rowid = rowid")
            }
        }
        #expect(throws: DatabaseError.self) {
            try fixture.ledger.writer.writeWithoutTransaction { db in try db.execute(sql: "DELETE FROM \(table)") }
        }
        #expect(try fixture.ledger.verify().isValid)
    }
}

struct LifecycleTests {
    @Test func aVoucherGoesFromClaimToRedemptionAndEveryFigureReconciles() throws {
        let fixture = try LedgerFixture()
        let ledger = fixture.ledger
        try fixture.grantQuota("C-1", applicant: fixture.alpha, amount: "30万")
        let first = try fixture.use("U-1", applicant: fixture.alpha, amount: "24万")
        #expect(first.amount == yuan("12万"))
        #expect(
            first.explanation?.en.first
                == "50% × 240,000.00 = 120,000.00 ← binding  [seed: 杨科两会〔2023〕21号 第六部分：政府购买服务并给予50%补贴]"
        )
        // The quota left (18万) now binds a second large purchase.
        let second = try fixture.use(
            "U-2",
            applicant: fixture.alpha,
            product: "LAB-SEM",
            amount: "50万",
            on: "2022-06-10"
        )
        #expect(second.amount == yuan("18万"))
        #expect(second.explanation?.zh.contains { $0.hasPrefix("剩余额度 180,000.00") && $0.hasSuffix("← 约束") } == true)

        try ledger.fileRedemption(
            RedemptionFilingRequest(ref: "R-1", providerID: fixture.lab, useRefs: ["U-1", "U-2"]),
            context: fixture.next("2022-07-01")
        )
        try ledger.settleRedemption(
            SettlementRequest(filingRef: "R-1", useRef: "U-1", outcome: .paid),
            context: fixture.next("2022-07-15")
        )
        let reduced = try ledger.settleRedemption(
            SettlementRequest(filingRef: "R-1", useRef: "U-2", outcome: .reduced(paid: yuan("15万"), reason: "发票金额不符")),
            context: fixture.next("2022-07-15")
        )
        #expect(reduced.amount == yuan("15万"))

        let figures = try ledger.reconciliation(shanghai, period: .year(2022))
        #expect(figures.applicants == 1)
        #expect(figures.enterprisesServed == 1)
        #expect(figures.uses == 2)
        #expect(figures.providers == 1)
        #expect(figures.products == 2)
        #expect(figures.claimed == yuan("30万"))
        #expect(figures.serviceAmount == yuan("74万"))
        // The Shanghai policy returns what a redemption does not pay to the quota: 3万 goes back.
        #expect(figures.used == yuan("27万"))
        #expect(figures.redeemed == yuan("27万"))
        #expect(figures.awaitingRedemption == .zero)
        #expect(figures.forfeited == .zero)
        #expect(figures.available == yuan("3万"))
        #expect(figures.identities.allSatisfy { $0.holds }, "\(figures.identities)")
        #expect(figures.usesOverRate == 0)
        #expect(try ledger.verify().isValid)
        // Read from the cached balances (the whole history) or summed from the postings (to a date): the same.
        var summed = try ledger.reconciliation(shanghai, period: ReportPeriod(year: 2022, through: day("2099-12-31")))
        summed.period = figures.period
        expectNoDifference(summed, figures)

        let byMonth = try ledger.breakdown(shanghai, period: .year(2022), by: .month)
        expectNoDifference(
            byMonth,
            [
                BreakdownRow(
                    key: "2022-05",
                    uses: 1,
                    serviceAmount: yuan("24万"),
                    used: yuan("12万"),
                    redeemed: yuan("12万")
                ),
                BreakdownRow(
                    key: "2022-06",
                    uses: 1,
                    serviceAmount: yuan("50万"),
                    used: yuan("15万"),
                    redeemed: yuan("15万")
                ),
            ]
        )
    }

    @Test func expiryLapsesWhatIsLeftAndTheIdentitiesStillHold() throws {
        let fixture = try LedgerFixture()
        try fixture.grantQuota("C-1", applicant: fixture.alpha, programme: delta, amount: "20万")
        _ = try fixture.use(
            "U-1",
            applicant: fixture.alpha,
            provider: fixture.suzhou,
            product: "SZ-EMC",
            programme: delta,
            amount: "8万"
        )
        #expect(try fixture.ledger.expireQuotas(programme: delta, context: fixture.next("2022-12-31")) == nil)
        let expiry = try fixture.ledger.expireQuotas(programme: delta, context: fixture.next("2023-01-01"))
        #expect(expiry != nil)
        let figures = try fixture.ledger.reconciliation(delta, period: .through(day("2023-01-01")))
        #expect(figures.expired == yuan("16万"))
        #expect(figures.available == .zero)
        #expect(figures.awaitingRedemption == yuan("4万"))
        #expect(figures.identities.allSatisfy { $0.holds })
        // As of the last day of 2022 nothing had lapsed yet.
        #expect(try fixture.ledger.reconciliation(delta, period: .through(day("2022-12-31"))).available == yuan("16万"))
        // A use after the quota's validity is refused with the reason.
        #expect(throws: LedgerError.self) {
            try fixture.use(
                "U-2",
                applicant: fixture.alpha,
                provider: fixture.suzhou,
                product: "SZ-EMC",
                programme: delta,
                amount: "1万",
                on: "2023-01-05"
            )
        }
    }

    @Test func matchingAndGrantsArePaidWithinTheirCaps() throws {
        let fixture = try LedgerFixture()
        let ledger = fixture.ledger
        try ledger.claim(
            ClaimRequest(
                ref: "M-1",
                applicantID: fixture.gamma,
                programme: overseas,
                year: 2023,
                requested: yuan("150万"),
                project: "P-海外-1",
                paid: yuan("150万")
            ),
            context: fixture.next("2023-05-01")
        )
        // The refusal gives the engine's explanation, in English and in Chinese.
        let overLimit = #expect(throws: LedgerError.self) {
            try ledger.decide(
                DecisionRequest(claimRef: "M-1", outcome: .grant(yuan("150万")), reviewer: "r"),
                context: fixture.next("2023-05-10")
            )
        }
        #expect(
            overLimit?.description
                == "claim M-1: cannot grant 1,500,000.00, at most 1,000,000.00 — 100% × 1,500,000.00 = 1,500,000.00"
                + " · project cap left 1,000,000.00 − 0.00 = 1,000,000.00 ← binding · subsidy 1,000,000.00"
        )
        #expect(overLimit?.text(.zh).hasPrefix("申领 M-1：不能核定 1,500,000.00，最多可核定 1,000,000.00 — ") == true)
        #expect(overLimit?.text(.zh).contains("约束") == true, "\(String(describing: overLimit?.text(.zh)))")
        try ledger.decide(
            DecisionRequest(claimRef: "M-1", outcome: .grant(yuan("100万")), reviewer: "r"),
            context: fixture.next("2023-05-10")
        )
        try ledger.pay(PaymentRequest(claimRef: "M-1", amount: yuan("60万")), context: fixture.next("2023-06-01"))
        #expect(throws: LedgerError.paymentOverGrant(claim: "M-1", left: yuan("40万"), requested: yuan("50万"))) {
            try ledger.pay(PaymentRequest(claimRef: "M-1", amount: yuan("50万")), context: fixture.next("2023-06-02"))
        }
        let figures = try ledger.reconciliation(overseas, period: .year(2023))
        #expect(figures.claimed == yuan("100万"))
        #expect(figures.used == yuan("60万"))
        #expect(figures.redeemed == yuan("60万"))
        #expect(figures.available == yuan("40万"))
        #expect(figures.identities.allSatisfy { $0.holds })

        try ledger.claim(
            ClaimRequest(
                ref: "O-1",
                applicantID: fixture.gamma,
                programme: operating,
                year: 2023,
                requested: yuan("60万")
            ),
            context: fixture.next("2023-03-01")
        )
        #expect(throws: LedgerError.self) {
            try ledger.decide(
                DecisionRequest(claimRef: "O-1", outcome: .grant(yuan("60万")), reviewer: "r"),
                context: fixture.next("2023-03-02")
            )
        }
        let granted = try ledger.decide(
            DecisionRequest(claimRef: "O-1", outcome: .grant(yuan("50万")), reviewer: "r"),
            context: fixture.next("2023-03-02")
        )
        #expect(granted.explanation?.zh.last == "核定 500,000.00（r，区级）")
        #expect(try ledger.verify().isValid)
    }

    @Test func twoReviewLevelsAdjustTheQuotaByTheDifference() throws {
        let fixture = try LedgerFixture()
        let ledger = fixture.ledger
        try ledger.claim(
            ClaimRequest(
                ref: "C-1",
                applicantID: fixture.team,
                programme: shanghai,
                year: 2022,
                requested: yuan("10万")
            ),
            context: fixture.next("2022-03-01")
        )
        #expect(
            throws: LedgerError.decisionOrder(
                claim: "C-1",
                reason: LocalizedText(zh: "须先经区级审核，市级方可审核", en: "the district decides before the city")
            )
        ) {
            try ledger.decide(
                DecisionRequest(claimRef: "C-1", level: .city, outcome: .grant(yuan("8万")), reviewer: "city"),
                context: fixture.next("2022-03-02")
            )
        }
        try ledger.decide(
            DecisionRequest(claimRef: "C-1", level: .district, outcome: .grant(yuan("10万")), reviewer: "district"),
            context: fixture.next("2022-03-02")
        )
        try ledger.decide(
            DecisionRequest(claimRef: "C-1", level: .city, outcome: .grant(yuan("8万")), reviewer: "city"),
            context: fixture.next("2022-03-09")
        )
        let figures = try ledger.reconciliation(shanghai, period: .year(2022))
        #expect(figures.claimed == yuan("8万"))
        #expect(figures.available == yuan("8万"))
        // A team's cap is 10万: a grant above it is refused with the binding term.
        try ledger.claim(
            ClaimRequest(
                ref: "C-2",
                applicantID: fixture.gamma,
                programme: shanghai,
                year: 2022,
                requested: yuan("40万")
            ),
            context: fixture.next("2022-03-01")
        )
        do {
            try ledger.decide(
                DecisionRequest(claimRef: "C-2", outcome: .grant(yuan("40万")), reviewer: "d"),
                context: fixture.next("2022-03-02")
            )
            Issue.record("a grant over the 30万 enterprise cap was accepted")
        } catch let error as LedgerError {
            #expect(error.description.contains("at most 300,000.00"))
            #expect(error.description.contains("enterprise's annual cap left 300,000.00 − 0.00 = 300,000.00 ← binding"))
        }
    }

    // MARK: - Refusals

    @Test func refusalsNameWhatIsWrongAndWriteNothing() throws {
        let fixture = try LedgerFixture()
        let ledger = fixture.ledger
        try fixture.grantQuota("C-1", applicant: fixture.alpha, amount: "10万")
        let before = try ledger.chainHead()

        #expect(throws: LedgerError.unknownApplicant("91310110999999999X")) {
            try ledger.claim(
                ClaimRequest(
                    ref: "C-9",
                    applicantID: "91310110999999999X",
                    programme: shanghai,
                    year: 2022,
                    requested: yuan("1万")
                ),
                context: fixture.next("2022-03-01")
            )
        }
        #expect(throws: LedgerError.unknownProvider("nobody")) {
            try fixture.use("U-9", applicant: fixture.alpha, provider: "nobody", amount: "1万")
        }
        #expect(throws: LedgerError.unknownProgramme("no-such-programme")) {
            try ledger.claim(
                ClaimRequest(
                    ref: "C-8",
                    applicantID: fixture.alpha,
                    programme: .known("no-such-programme"),
                    year: 2022,
                    requested: yuan("1万")
                ),
                context: fixture.next("2022-03-01")
            )
        }
        #expect(
            throws: LedgerError.productOfAnotherProvider(
                product: "SZ-EMC",
                provider: fixture.lab,
                expected: fixture.suzhou
            )
        ) {
            try fixture.use("U-8", applicant: fixture.alpha, product: "SZ-EMC", amount: "1万")
        }
        // Over quota: the first use takes it all, the next has nothing to pay.
        _ = try fixture.use("U-1", applicant: fixture.alpha, amount: "30万")
        #expect(throws: LedgerError.self) { try fixture.use("U-2", applicant: fixture.alpha, amount: "1万") }
        do {
            _ = try fixture.use("U-2", applicant: fixture.alpha, amount: "1万")
        } catch let error as LedgerError {
            #expect(error.description.contains("quota left 0.00"))
        }
        // A claim needs a quota first: gamma has none.
        do {
            _ = try fixture.use("U-3", applicant: fixture.gamma, amount: "1万")
        } catch let error as LedgerError {
            #expect(error.description.contains("not eligible: the applicant has no granted quota"))
        }
        // Redeeming more than was used.
        try ledger.fileRedemption(
            RedemptionFilingRequest(ref: "R-1", providerID: fixture.lab, useRefs: ["U-1"]),
            context: fixture.next("2022-06-01")
        )
        #expect(throws: LedgerError.settlementOverUse(use: "U-1", used: yuan("10万"), paid: yuan("11万"))) {
            try ledger.settleRedemption(
                SettlementRequest(filingRef: "R-1", useRef: "U-1", outcome: .reduced(paid: yuan("11万"), reason: "x")),
                context: fixture.next("2022-06-02")
            )
        }
        #expect(
            throws: LedgerError.redemption(
                use: "U-1",
                reason: LocalizedText(zh: "已在兑付申请 R-1 中申报", en: "is already filed in redemption claim R-1")
            )
        ) {
            try ledger.fileRedemption(
                RedemptionFilingRequest(ref: "R-2", providerID: fixture.lab, useRefs: ["U-1"]),
                context: fixture.next("2022-06-01")
            )
        }
        let head = try ledger.chainHead()
        #expect(head.events == before.events + 2, "only U-1 and R-1 were recorded")
        #expect(try ledger.verify().isValid)
    }

    /// A grant's reason is part of what the decision records: the same decision again under
    /// another key is the latest one already; with another reason it is another decision; a reason
    /// on more than one line is refused.
    @Test func aGrantsReasonIsRecordedWithItAndOnce() throws {
        let fixture = try LedgerFixture()
        try fixture.ledger.claim(
            ClaimRequest(
                ref: "C-1",
                applicantID: fixture.alpha,
                programme: shanghai,
                year: 2022,
                requested: yuan("30万")
            ),
            context: fixture.next("2022-03-01")
        )
        let request = DecisionRequest(
            claimRef: "C-1",
            outcome: .grant(yuan("20万")),
            reviewer: "r",
            note: "按预算核减"
        )
        let first = try fixture.ledger.decide(request, context: fixture.next("2022-03-02"))
        let again = try fixture.ledger.decide(request, context: fixture.next("2022-03-02"))
        #expect(!first.replayed && again.replayed && again.seq == first.seq)
        var other = request
        other.note = "其他理由"
        #expect(throws: LedgerError.self) { try fixture.ledger.decide(other, context: fixture.next("2022-03-02")) }
        var lines = request
        lines.note = "按预算\n核减"
        let refusal = #expect(throws: LedgerError.self) {
            try fixture.ledger.decide(lines, context: fixture.next("2022-03-02"))
        }
        #expect(refusal?.description.contains("write the reason on one line") == true, "\(String(describing: refusal))")
        #expect(try fixture.ledger.verify().isValid)
    }

    /// A registration whose credit-code override has a line break in its reason is refused,
    /// naming the field, and writes nothing; the same override on one line is recorded.
    @Test func aCreditCodeOverrideWithALineBreakIsRefused() throws {
        let fixture = try LedgerFixture()
        func registration(_ reason: String) -> ApplicantRegistration {
            ApplicantRegistration(
                identifier: .overriddenCreditCode(code: "12310000007000001X", reason: reason, approvedBy: "李"),
                kind: .enterprise,
                name: "丙公司",
                district: "杨浦区",
                region: "shanghai"
            )
        }
        let head = try fixture.ledger.verify().eventsChecked
        let refusal = #expect(throws: LedgerError.self) {
            try fixture.ledger.registerApplicant(registration("旧版执照\n✓ 已核"), context: fixture.next("2022-01-05"))
        }
        #expect(refusal?.description.contains("override_reason") == true, "\(String(describing: refusal))")
        #expect(try fixture.ledger.verify().eventsChecked == head)
        _ = try fixture.ledger.registerApplicant(registration("旧版执照"), context: fixture.next("2022-01-05"))
        #expect(try fixture.ledger.verify().eventsChecked == head + 1)
    }

    @Test func theSameKeyRecordsOnceAndDifferentContentUnderItIsRefused() throws {
        let fixture = try LedgerFixture()
        try fixture.grantQuota("C-1", applicant: fixture.alpha, amount: "30万")
        let context = fixture.next("2022-05-10")
        let request = UseRequest(
            ref: "U-1",
            applicantID: fixture.alpha,
            providerID: fixture.lab,
            productCode: "LAB-NMR",
            programme: shanghai,
            serviceAmount: yuan("10万")
        )
        let first = try fixture.ledger.use(request, context: context)
        let again = try fixture.ledger.use(request, context: context)
        #expect(again.replayed && !first.replayed)
        #expect(again.seq == first.seq && again.amount == first.amount && again.explanation == first.explanation)
        var changed = request
        changed.serviceAmount = yuan("12万")
        #expect(throws: LedgerError.idempotencyConflict(key: context.idempotencyKey, firstEvent: first.seq)) {
            try fixture.ledger.use(changed, context: context)
        }
        // A new key with a reference already used is refused too.
        #expect(throws: LedgerError.referenceTaken(kind: "use", ref: "U-1", event: first.seq)) {
            try fixture.ledger.use(request, context: fixture.next("2022-05-10"))
        }
    }

    @Test func aReversalCancelsOnceAndDependentsComeFirst() throws {
        let fixture = try LedgerFixture()
        let ledger = fixture.ledger
        let grant = try fixture.grantQuota("C-1", applicant: fixture.alpha, amount: "30万")
        let use = try fixture.use("U-1", applicant: fixture.alpha, amount: "10万")
        // The grant funded the use: the rules refuse before the ledger's balance would go below zero.
        #expect(
            throws: LedgerError.notReversible(
                event: grant.seq,
                reason: LocalizedText(
                    zh: "申领 C-1 已资助 50,000.00（其用券与拨付），冲销此审核后其核定额将为 0.00",
                    en: "claim C-1 has funded 50,000.00 (its uses and payments), and without this decision its "
                        + "grant would be 0.00"
                ),
                remedy: LocalizedText(zh: "请先冲销这些用券或拨付", en: "reverse those uses or payments first")
            )
        ) {
            try ledger.reverse(event: grant.seq, reason: "wrong amount", context: fixture.next("2022-05-11"))
        }
        let reversal = try ledger.reverse(event: use.seq, reason: "entered twice", context: fixture.next("2022-05-11"))
        #expect(throws: LedgerError.alreadyReversed(event: use.seq, by: reversal.seq)) {
            try ledger.reverse(event: use.seq, reason: "again", context: fixture.next("2022-05-12"))
        }
        #expect(throws: LedgerError.self) {
            try ledger.reverse(event: reversal.seq, reason: "undo", context: fixture.next("2022-05-12"))
        }
        let figures = try ledger.reconciliation(shanghai, period: .year(2022))
        #expect(figures.uses == 0 && figures.used == .zero && figures.available == yuan("30万"))
        // The use's reference stays taken: a correction is recorded under a new one.
        _ = try fixture.use("U-1b", applicant: fixture.alpha, amount: "10万")
        #expect(try ledger.verify().isValid)
    }

    /// A group's uses are summed through the index by applicant: since v11 SQLite, without
    /// statistics, preferred the covering index by programme and year, which reads every use of
    /// the year for each use of a member.
    @Test func aGroupsUsesAreSummedThroughTheIndexByApplicant() throws {
        let ledger = try Ledger.inMemory()
        let plan = try ledger.rawRead { db in
            try Row.fetchAll(
                db,
                sql: "EXPLAIN QUERY PLAN " + Ledger.groupUsedSQL,
                arguments: ["sh-innovation-voucher", 2022, "G-1"]
            ).map { $0["detail"] as String }
        }
        #expect(plan.contains { $0.contains("SEARCH u USING INDEX voucher_use_by_applicant") }, "\(plan)")
        #expect(!plan.contains { $0.contains("voucher_use_by_programme") }, "\(plan)")
    }

    @Test func aGroupSharesItsCapAcrossEnterprises() throws {
        let fixture = try LedgerFixture()
        var yaml = try #require(try fixture.ledger.policyFile(shanghai))
        yaml = yaml.replacingOccurrences(
            of: "    rounding:\n",
            with: "      per_group_per_year: {value: 40万元, source: assumed, clause: test}\n    rounding:\n"
        )
        try fixture.ledger.installProgramme(
            yaml: yaml,
            file: "sh-innovation-voucher.yaml",
            context: fixture.next("2022-01-01")
        )
        try fixture.grantQuota("C-A", applicant: fixture.alpha, amount: "30万")
        try fixture.grantQuota("C-C", applicant: fixture.gamma, amount: "30万")
        // A group's cap also limits grants: beta, in alpha's group, can be granted only 10万 more.
        try fixture.ledger.claim(
            ClaimRequest(
                ref: "C-B",
                applicantID: fixture.beta,
                programme: shanghai,
                year: 2022,
                requested: yuan("30万")
            ),
            context: fixture.next("2022-03-01")
        )
        #expect(throws: LedgerError.self) {
            try fixture.ledger.decide(
                DecisionRequest(claimRef: "C-B", outcome: .grant(yuan("30万")), reviewer: "d"),
                context: fixture.next("2022-03-02")
            )
        }
        // Gamma is found to belong to the group after its grant: a change of details, recorded as an event.
        try fixture.ledger.registerApplicant(
            ApplicantRegistration(
                identifier: .creditCode(try UnifiedSocialCreditCode(fixture.gamma)),
                kind: .enterprise,
                name: "丙软件有限公司",
                district: "杨浦区",
                region: "shanghai",
                group: "G-1"
            ),
            context: fixture.next("2022-04-01")
        )
        #expect(try fixture.ledger.applicant(fixture.gamma).group == "G-1")
        #expect(try fixture.use("U-A", applicant: fixture.alpha, amount: "60万").amount == yuan("30万"))
        let bound = try fixture.use("U-C", applicant: fixture.gamma, amount: "60万")
        #expect(bound.amount == yuan("10万"))
        #expect(
            bound.explanation?.en.contains {
                $0.hasPrefix("group's annual cap left 400,000.00 − 300,000.00 = 100,000.00 ← binding")
            }
                == true
        )
    }

    @Test func aPolicyVersionThatEventsUsedCannotChange() throws {
        let fixture = try LedgerFixture()
        try fixture.grantQuota("C-1", applicant: fixture.alpha, amount: "30万")
        let yaml = try #require(try fixture.ledger.policyFile(shanghai))
        let changed = yaml.replacingOccurrences(of: "value: 50%", with: "value: 40%")
        #expect(
            throws: LedgerError.policyRevisionChangesRecordedEvents(
                programme: "sh-innovation-voucher",
                date: try BusinessDate.parse("2022-03-01"),
                events: 2
            )
        ) {
            try fixture.ledger.installProgramme(yaml: changed, file: "sh.yaml", context: fixture.next("2023-01-01"))
        }
        // Adding a version from a later date is how a policy changes.
        let added = yaml + "  - effective_from: 2023-01-01\n    rate: 40%\n"
        try fixture.ledger.installProgramme(yaml: added, file: "sh.yaml", context: fixture.next("2023-01-01"))
        #expect(try fixture.ledger.programme(shanghai).versions.count == 2)
    }
}

/// A report to a date reads the kept totals only when nothing of the programme is dated later.
struct ReportToADateTests {
    @Test func aDateBeforeTheLastUseCountsOnlyWhatCameBeforeIt() throws {
        let fixture = try LedgerFixture()
        try fixture.grantQuota("C-1", applicant: fixture.alpha, amount: "30万")
        _ = try fixture.use("U-1", applicant: fixture.alpha, amount: "10万", on: "2022-05-10")
        _ = try fixture.use("U-2", applicant: fixture.alpha, amount: "4万", on: "2022-08-01")
        func figures(_ date: String) throws -> (Int, Money, Int) {
            let period = ReportPeriod.through(day(date))
            let figures = try fixture.ledger.reconciliation(shanghai, period: period)
            let months = try fixture.ledger.breakdown(shanghai, period: period, by: .month)
            return (figures.uses, figures.used, months.count)
        }
        #expect(try figures("2022-06-30") == (1, try Money.parse("5万"), 1))
        #expect(try figures("2022-08-01") == (2, try Money.parse("7万"), 2))
        #expect(try figures("2022-12-31") == (2, try Money.parse("7万"), 2))
    }
}

/// A batch (an import) lets one use read the parties, products, quotas and chain head the use
/// before it read; any other operation, and any that fails, makes the next read them again.
struct BatchMemoTests {
    /// A batch keeps its savepoints' journals in memory (2); other work keeps SQLite's default (0).
    @Test func aBatchKeepsItsTemporaryStorageInMemoryAndThenGivesItBack() throws {
        let fixture = try LedgerFixture()
        let temporaryStorage = { try fixture.ledger.rawRead { db in try Int.fetchOne(db, sql: "PRAGMA temp_store") } }
        #expect(try fixture.ledger.batch { try temporaryStorage() } == 2)
        #expect(try temporaryStorage() == 0)
    }

    @Test func aTableOfTheMemoNeverHoldsMoreThanItsLimit() {
        var table: [Int: Int] = [:]
        for key in 0..<(BatchMemo.limit * 2 + 5) {
            BatchMemo.remember(key * 10, for: key, in: &table)
            #expect(table.count <= BatchMemo.limit)
            #expect(table[key] == key * 10)
        }
    }

    @Test func aUseAfterAChangeInTheSameBatchSeesTheChange() throws {
        let fixture = try LedgerFixture()
        try fixture.grantQuota("C-1", applicant: fixture.alpha, amount: "30万")
        let categories = try fixture.ledger.batch {
            _ = try fixture.use("U-1", applicant: fixture.alpha, amount: "1万")
            try fixture.ledger.registerProduct(
                ProductRegistration(
                    code: "LAB-NMR",
                    providerID: fixture.lab,
                    name: "核磁共振测试",
                    category: "design",
                    listPrice: yuan("5万")
                ),
                context: fixture.next("2022-05-10")
            )
            _ = try fixture.use("U-2", applicant: fixture.alpha, amount: "1万")
            return try fixture.ledger.rawRead { db in
                try String.fetchAll(db, sql: "SELECT category FROM voucher_use ORDER BY event_seq")
            }
        }
        #expect(categories == ["testing", "design"])
        #expect(try fixture.ledger.verify().isValid)
    }

    /// A product's code stays its provider's: registered again under another provider, it is
    /// refused with nothing recorded; under its own, a new name or price is recorded.
    @Test func aProductCodeStaysItsProvidersOwn() throws {
        let fixture = try LedgerFixture()
        let head = try fixture.ledger.chainHead()
        let moved = ProductRegistration(
            code: "LAB-NMR",
            providerID: fixture.suzhou,
            name: "核磁共振",
            category: "testing",
            listPrice: yuan("5万")
        )
        let refusal = #expect(throws: LedgerError.self) {
            try fixture.ledger.registerProduct(moved, context: fixture.next("2022-05-10"))
        }
        #expect(
            refusal?.description
                == "provider_id \"\(fixture.suzhou)\": product LAB-NMR is registered to provider "
                + "复旦大学分析测试中心 (\(fixture.lab)); "
                + "a product code names one provider's product: register this provider's product under a code of its own"
        )
        #expect(refusal?.text(.zh).hasPrefix("服务机构「\(fixture.suzhou)」：产品 LAB-NMR 已登记在服务机构") == true)
        #expect(try fixture.ledger.chainHead() == head)
        var renamed = moved
        renamed.providerID = fixture.lab
        renamed.name = "核磁共振波谱测试"
        let recorded = try fixture.ledger.registerProduct(renamed, context: fixture.next("2022-05-10"))
        #expect(!recorded.replayed && recorded.seq == head.events + 1)
    }

    /// A new product code that differs from a registered one only in the case of its letters is
    /// refused with nothing recorded, naming the registered code; a use naming a code in the
    /// wrong case is told which code the catalogue has. A code differing in more than case, and
    /// the registered code registered again, are recorded.
    @Test func aProductCodeDifferingOnlyInCaseIsRefusedAndNamed() throws {
        let fixture = try LedgerFixture()
        try fixture.grantQuota("C-1", applicant: fixture.alpha, amount: "30万")
        let head = try fixture.ledger.chainHead()
        let lower = ProductRegistration(
            code: "lab-nmr",
            providerID: fixture.lab,
            name: "核磁共振",
            category: "testing",
            listPrice: yuan("5万")
        )
        let refusal = #expect(throws: LedgerError.self) {
            try fixture.ledger.registerProduct(lower, context: fixture.next("2022-05-10"))
        }
        #expect(
            refusal?.description.hasPrefix(
                "code \"lab-nmr\": differs from this provider's product code LAB-NMR only in the case of its letters"
            ) == true
        )
        var elsewhere = lower
        elsewhere.providerID = fixture.suzhou
        let another = #expect(throws: LedgerError.self) {
            try fixture.ledger.registerProduct(elsewhere, context: fixture.next("2022-05-10"))
        }
        #expect(
            another?.description.hasPrefix(
                "code \"lab-nmr\": differs from product code LAB-NMR, registered to provider "
                    + "复旦大学分析测试中心 (\(fixture.lab)),"
            ) == true
        )
        #expect(try fixture.ledger.chainHead() == head)

        let used = #expect(throws: LedgerError.self) {
            try fixture.use("U-1", applicant: fixture.alpha, product: "Lab-Nmr", amount: "1万")
        }
        #expect(used == .unknownProduct("Lab-Nmr", sameButCase: "LAB-NMR"))
        #expect(used?.description.contains("the catalogue has \"LAB-NMR\"") == true)
        let unknown = #expect(throws: LedgerError.self) {
            try fixture.use("U-1", applicant: fixture.alpha, product: "LAB-NMRX", amount: "1万")
        }
        #expect(unknown == .unknownProduct("LAB-NMRX"))
        #expect(try fixture.ledger.chainHead() == head)

        var other = lower
        other.code = "lab-nmr-2"
        #expect(try !fixture.ledger.registerProduct(other, context: fixture.next("2022-05-10")).replayed)
        var again = lower
        again.code = "LAB-NMR"
        again.name = "核磁共振波谱测试"
        #expect(try !fixture.ledger.registerProduct(again, context: fixture.next("2022-05-10")).replayed)
        #expect(try fixture.ledger.chainHead().events == head.events + 2)
        // Found through the index without case, not by reading every product.
        let plan = try fixture.ledger.rawRead { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + Ledger.productCodesSQL, arguments: ["a", "a"])
                .map { $0["detail"] as String }
        }
        #expect(plan.contains { $0.contains("USING INDEX product_by_code_without_case") }, "\(plan)")
    }

    /// A ledger an earlier version wrote may hold two codes differing only in case: each is
    /// registered again freely (a change of details, or a retry answered with its event), and a
    /// new code differing from both names the first registered.
    @Test func codesAnEarlierVersionTookDifferingOnlyInCaseStayRegistrable() throws {
        let fixture = try LedgerFixture()
        let lower = ProductRegistration(
            code: "lab-nmr",
            providerID: fixture.lab,
            name: "核磁共振",
            category: "testing",
            listPrice: yuan("5万")
        )
        // What an earlier version recorded: the registration without today's check of its code.
        let (product, request) = try Lifecycle.registration(lower)
        let legacy = fixture.next("2022-05-10")
        let first = try fixture.ledger.transaction { db in
            try fixture.ledger.append(
                db,
                context: legacy,
                request: request,
                event: EventDraft(kind: .product, payload: request)
            ) { seq in
                try ProductRecord(
                    eventSeq: seq,
                    code: product.code,
                    providerID: product.providerID,
                    name: product.name,
                    category: product.category,
                    listPrice: product.listPrice.fen
                ).insertRow(db)
            }
        }
        #expect(try fixture.ledger.verify().isValid)
        let retried = try fixture.ledger.registerProduct(lower, context: legacy)
        #expect(retried.replayed && retried.seq == first.seq)
        var renamed = lower
        renamed.name = "核磁共振波谱"
        #expect(try !fixture.ledger.registerProduct(renamed, context: fixture.next("2022-05-11")).replayed)
        renamed.code = "LAB-NMR"
        #expect(try !fixture.ledger.registerProduct(renamed, context: fixture.next("2022-05-11")).replayed)
        renamed.code = "Lab-Nmr"
        let refusal = #expect(throws: LedgerError.self) {
            try fixture.ledger.registerProduct(renamed, context: fixture.next("2022-05-11"))
        }
        #expect(refusal?.description.contains("this provider's product code LAB-NMR only") == true)
    }

    /// A batch remembers each provider's suspensions; suspending one in the batch is seen by the next use.
    @Test func aProviderSuspendedInTheSameBatchTakesNoMoreUses() throws {
        let fixture = try LedgerFixture()
        try fixture.grantQuota("C-1", applicant: fixture.alpha, amount: "30万")
        let refused = try fixture.ledger.batch {
            _ = try fixture.use("U-1", applicant: fixture.alpha, amount: "1万", on: "2022-05-10")
            try fixture.ledger.changeProviderStatus(
                providerID: fixture.lab,
                status: .suspended,
                reason: "检测报告造假",
                context: fixture.next("2022-06-01")
            )
            return #expect(throws: LedgerError.self) {
                try fixture.use("U-2", applicant: fixture.alpha, amount: "1万", on: "2022-06-15")
            }
        }
        #expect(refused?.description.hasPrefix("provider \(fixture.lab) is suspended from 2022-06-01") == true)
    }

    /// A batch remembers the balance each account's row holds. Its pending totals written in the
    /// middle (as a long import does) move into the rows, and the next use still sees what is left.
    @Test func aQuotaSpentBeforeTheTotalsAreWrittenStillBoundsTheNextUse() throws {
        let fixture = try LedgerFixture()
        try fixture.grantQuota("C-1", applicant: fixture.alpha, amount: "1万")
        let quota = LedgerAccount(.quota, programme: shanghai, year: 2022, party: fixture.alpha)
        let (amounts, left) = try fixture.ledger.batch {
            let first = try fixture.use("U-1", applicant: fixture.alpha, amount: "1.6万")
            try fixture.ledger.readWithTotals { _ in }
            let second = try fixture.use("U-2", applicant: fixture.alpha, amount: "1.6万")
            #expect(throws: LedgerError.self) { try fixture.use("U-3", applicant: fixture.alpha, amount: "1万") }
            return (
                [first.amount, second.amount], try fixture.ledger.read { db in try fixture.ledger.balance(db, quota) }
            )
        }
        #expect(amounts == [yuan("8000"), yuan("2000")])
        #expect(left == .zero)
        #expect(try fixture.ledger.verify().isValid)
    }

    /// A use refused after its event row was written (here by a trigger the rules know nothing of)
    /// abandons its batch, even when the caller goes on: nothing of the batch is recorded.
    @Test func aUseRefusedAfterItsEventWasWrittenAbandonsItsBatch() throws {
        let fixture = try LedgerFixture()
        try fixture.grantQuota("C-1", applicant: fixture.alpha, amount: "30万")
        // A trigger that refuses a use's fact row after its event row was written.
        try fixture.ledger.writer.writeWithoutTransaction { db in
            try db.execute(
                sql: """
                    CREATE TRIGGER refuse_u2 BEFORE INSERT ON voucher_use WHEN NEW.ref = 'U-2'
                    BEGIN SELECT RAISE(ABORT, 'refused for the test'); END
                    """
            )
        }
        var refused: [String] = []
        #expect(throws: BatchAbandoned.self) {
            try fixture.ledger.batch {
                for ref in ["U-1", "U-2", "U-3"] {
                    do {
                        _ = try fixture.use(ref, applicant: fixture.alpha, amount: "1万")
                    } catch {
                        refused.append(ref)
                    }
                }
            }
        }
        #expect(refused == ["U-2", "U-3"])
        #expect(try fixture.ledger.rawRead { db in try String.fetchAll(db, sql: "SELECT ref FROM voucher_use") } == [])
        #expect(try fixture.ledger.verify().isValid)
        // Outside a batch, the next use is recorded as usual.
        _ = try fixture.use("U-3", applicant: fixture.alpha, amount: "1万")
        #expect(try fixture.ledger.verify().isValid)
    }
}

struct OpeningTests {
    /// Opening a new ledger waits while another process is creating it, and only then.
    @Test func openingRetriesWhileAnotherProcessCreatesTheLedgerAndOnlyThen() throws {
        var calls = 0
        let value = try Ledger.whileAnotherCreates { () throws -> Int in
            calls += 1
            if calls == 1 { throw DatabaseError(resultCode: .SQLITE_BUSY) }
            if calls == 2 { throw DatabaseError(message: "could not activate WAL Mode at path: x") }
            return 7
        }
        #expect(value == 7 && calls == 3)
        calls = 0
        #expect(throws: DatabaseError.self) {
            try Ledger.whileAnotherCreates { () throws -> Int in
                calls += 1
                throw DatabaseError(resultCode: .SQLITE_NOTADB)
            }
        }
        #expect(calls == 1)
    }

    @Test func aLedgerFileSyncsEveryCommit() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sync-\(UUID().uuidString).sqlite")
        defer { try? FileManager.default.removeItem(at: url) }
        let ledger = try Ledger.open(at: url.path, actor: "test")
        // FULL (2): a commit returns once it is on the disk, not at the next checkpoint.
        #expect(try ledger.rawRead { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") } == 2)
    }
}

/// Each commit of a ledger's connection is timed once; a batch rolled back is not a commit.
struct CommitTimingTests {
    @Test func eachCommitIsTimedOnceAndARollbackNot() throws {
        let ledger = try Ledger.inMemory()
        final class Timed: @unchecked Sendable {
            private let lock = NSLock()
            private var values: [Duration] = []
            func add(_ value: Duration) { lock.withLock { values.append(value) } }
            var all: [Duration] { lock.withLock { values } }
        }
        let timed = Timed()
        ledger.timeCommits { timed.add($0) }
        let applicant = { (id: String) in
            ApplicantRegistration(
                identifier: .creditCode(try UnifiedSocialCreditCode(id)),
                kind: .enterprise,
                name: "甲科技有限公司",
                district: "杨浦区",
                region: "shanghai"
            )
        }
        try ledger.registerApplicant(
            try applicant("91310110005000001J"),
            context: try PolicyFileInForceTests.context("a", "2022-01-05")
        )
        #expect(timed.all.count == 1)
        _ = try ledger.batch(commit: false) {
            try ledger.registerApplicant(
                try applicant("91310110005000002M"),
                context: try PolicyFileInForceTests.context("b", "2022-01-05")
            )
        }
        #expect(timed.all.count == 1)
        try ledger.batch {
            for (id, key) in [("91310110005000002M", "b"), ("91310110005000003Q", "c")] {
                try ledger.registerApplicant(
                    try applicant(id),
                    context: try PolicyFileInForceTests.context(key, "2022-01-05")
                )
            }
        }
        #expect(timed.all.count == 2 && timed.all.allSatisfy { $0 >= .zero })
    }
}

/// A programme's policy file in force, installed again, records nothing.
struct PolicyFileInForceTests {
    static func context(_ key: String, _ date: String) throws -> EventContext {
        EventContext(idempotencyKey: key, actor: "office", businessDate: try BusinessDate.parse(date))
    }

    static func refusal(_ work: () throws -> Void) -> LedgerError? {
        do { try work() } catch let error as LedgerError { return error } catch { return nil }
        return nil
    }

    /// Under another key, or with its lines ended in CRLF, the file in force is refused and writes
    /// nothing; a retry under its own key answers with its event; its key on another date is
    /// refused as the file in force; another file is installed, and the first may come back after
    /// it under a new key.
    @Test func theFileInForceIsNotInstalledTwice() throws {
        let ledger = try Ledger.inMemory()
        let id = try ProgrammeID("sh-innovation-voucher")
        let bundled = try #require(try ledger.policyFile(id))
        let head = try ledger.chainHead()
        let crlf = Self.refusal {
            _ = try ledger.installProgramme(
                yaml: bundled.replacingOccurrences(of: "\n", with: "\r\n"),
                file: "x.yaml",
                context: try Self.context("office-1", "2026-01-05")
            )
        }
        guard case .policyFileCurrent("sh-innovation-voucher", _)? = crlf else {
            Issue.record("the bundled file again: \(String(describing: crlf))")
            return
        }
        #expect(try ledger.chainHead() == head)
        let revised = bundled + "  - effective_from: 2030-01-01\n    rate: 40%\n    rounding: down to fen\n"
        let first = try ledger.installProgramme(
            yaml: revised,
            file: "r.yaml",
            context: try Self.context("office-2", "2026-01-05")
        )
        #expect(!first.replayed)
        let retry = try ledger.installProgramme(
            yaml: revised,
            file: "r.yaml",
            context: try Self.context("office-2", "2026-01-05")
        )
        #expect(retry.replayed && retry.seq == first.seq)
        let otherDay = Self.refusal {
            _ = try ledger.installProgramme(
                yaml: revised,
                file: "r.yaml",
                context: try Self.context("office-2", "2026-01-06")
            )
        }
        #expect(otherDay == .policyFileCurrent(programme: "sh-innovation-voucher", event: first.seq))
        let back = try ledger.installProgramme(
            yaml: bundled,
            file: "back.yaml",
            context: try Self.context("office-3", "2026-01-07")
        )
        #expect(!back.replayed && back.seq > first.seq)
        #expect(try ledger.policyFile(id) == bundled)
    }
}
