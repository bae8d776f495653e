import Foundation
import Testing
import VoucherDomain
import VoucherStorage

/// The controls of issue 12 as the ledger records them: what it loads for the rules, what it
/// refuses without writing, and what the report and verification then show.
@Suite struct ControlsLedgerTests {
    @Test func anInvoiceFundsOneUseInAnyProgrammeUntilThatUseIsReversed() throws {
        let fixture = try LedgerFixture()
        try fixture.grantQuota("C-S", applicant: fixture.alpha, programme: shanghai, amount: "30万")
        try fixture.grantQuota("C-Y", applicant: fixture.alpha, programme: delta, amount: "20万")
        let first = try fixture.use(
            "U-S",
            applicant: fixture.alpha,
            programme: shanghai,
            amount: "20万",
            invoice: "0440-001"
        )
        let before = try fixture.ledger.digest()
        // The same purchase again, on the other voucher: 100% of its cost would be public money.
        #expect(
            throws: LedgerError.invoiceFunded(
                invoice: "0440-001",
                provider: fixture.lab,
                use: "U-S",
                programme: "sh-innovation-voucher"
            )
        ) {
            try fixture.use("U-Y", applicant: fixture.alpha, programme: delta, amount: "20万", invoice: " 0440-001 ")
        }
        #expect(try fixture.ledger.digest() == before)
        // Another provider's invoice of the same number is another invoice.
        _ = try fixture.use(
            "U-Z",
            applicant: fixture.alpha,
            provider: fixture.suzhou,
            product: "SZ-EMC",
            programme: delta,
            amount: "2万",
            invoice: "0440-001"
        )
        try fixture.ledger.reverse(event: first.seq, reason: "录错券种", context: fixture.next("2022-05-11"))
        _ = try fixture.use("U-Y", applicant: fixture.alpha, programme: delta, amount: "20万", invoice: "0440-001")
        #expect(try fixture.ledger.verify().isValid)
    }

    /// What the quote form offers: each product once, as registered last, with its provider's
    /// name and suspensions, by provider name and code, at most as many as asked for.
    @Test func theCatalogueOffersEachProductOnceWithItsProvidersSuspensions() throws {
        let fixture = try LedgerFixture()
        try fixture.ledger.registerProduct(
            ProductRegistration(
                code: "LAB-SEM",
                providerID: fixture.lab,
                name: "场发射扫描电镜",
                category: "testing",
                listPrice: yuan("3万")
            ),
            context: fixture.next("2022-02-01")
        )
        try fixture.ledger.changeProviderStatus(
            providerID: fixture.suzhou,
            status: .suspended,
            reason: "检测报告造假",
            context: fixture.next("2022-06-01")
        )
        let all = try fixture.ledger.catalogue(limit: 10)
        #expect(all.map(\.product.code) == ["LAB-NMR", "LAB-SEM", "SZ-EMC"])
        #expect(all.map(\.providerName) == ["复旦大学分析测试中心", "复旦大学分析测试中心", "苏州检测院"])
        #expect(all[1].product.name == "场发射扫描电镜" && all[1].product.listPrice == yuan("3万"))
        #expect(all[0].providerStatus.isEmpty && all[1].providerStatus.isEmpty)
        let suspension = try #require(all[2].providerStatus.first)
        #expect(all[2].providerStatus.count == 1 && suspension.status == .suspended)
        #expect(Lifecycle.suspension(on: try BusinessDate.parse("2022-06-01"), among: all[2].providerStatus) != nil)
        #expect(Lifecycle.suspension(on: try BusinessDate.parse("2022-05-31"), among: all[2].providerStatus) == nil)
        #expect(try fixture.ledger.catalogue(limit: 2).map(\.product.code) == ["LAB-NMR", "LAB-SEM"])
    }

    @Test func aSuspendedProviderTakesNoUseAndItsFilingsAreListedAsExceptions() throws {
        let fixture = try LedgerFixture()
        try fixture.grantQuota("C-1", applicant: fixture.alpha, programme: delta, amount: "20万")
        _ = try fixture.use("U-1", applicant: fixture.alpha, programme: delta, amount: "2万", on: "2022-05-10")
        try fixture.ledger.changeProviderStatus(
            providerID: fixture.lab,
            status: .suspended,
            reason: "检测报告造假",
            context: fixture.next("2022-06-01")
        )
        let before = try fixture.ledger.digest()
        let refusal = #expect(throws: LedgerError.self) {
            try fixture.use("U-2", applicant: fixture.alpha, programme: delta, amount: "2万", on: "2022-06-15")
        }
        #expect(refusal?.description.hasPrefix("provider \(fixture.lab) is suspended from 2022-06-01 (检测报告造假)") == true)
        #expect(try fixture.ledger.digest() == before)
        // A use dated before the suspension is taken; so is a filing, which the report flags.
        _ = try fixture.use("U-0", applicant: fixture.alpha, programme: delta, amount: "1万", on: "2022-05-31")
        try fixture.ledger.fileRedemption(
            RedemptionFilingRequest(ref: "R-1", providerID: fixture.lab, useRefs: ["U-1"]),
            context: fixture.next("2022-06-20")
        )
        try fixture.ledger.changeProviderStatus(
            providerID: fixture.lab,
            status: .reinstated,
            reason: nil,
            context: fixture.next("2022-07-01")
        )
        _ = try fixture.use("U-3", applicant: fixture.alpha, programme: delta, amount: "2万", on: "2022-07-01")
        try fixture.ledger.fileRedemption(
            RedemptionFilingRequest(ref: "R-2", providerID: fixture.lab, useRefs: ["U-3"]),
            context: fixture.next("2022-07-02")
        )
        let exceptions = try fixture.ledger.exceptions(delta, period: .year(2022))
        #expect(
            exceptions.suspendedFilings == [
                ReportExceptions.SuspendedFiling(
                    filing: "R-1",
                    provider: fixture.lab,
                    filedOn: day("2022-06-20"),
                    suspendedFrom: day("2022-06-01"),
                    reason: "检测报告造假"
                )
            ]
        )
        #expect(exceptions.counts.suspendedFilings == 1)
        // The report's line names the provider as registered.
        #expect(exceptions.names == [fixture.lab: "复旦大学分析测试中心"])
        // Through a day before the filing, there is none.
        #expect(
            try fixture.ledger.exceptions(delta, period: ReportPeriod(year: 2022, through: day("2022-06-19"))).isEmpty
        )
        #expect(try fixture.ledger.providerStatus(fixture.lab).map(\.status) == [.suspended, .reinstated])
        #expect(try fixture.ledger.verify().isValid)
    }

    @Test func aProviderStatusIsRefusedForAnUnknownProviderAndRecordedOnceForTheSameKey() throws {
        let fixture = try LedgerFixture()
        #expect(throws: LedgerError.unknownProvider("91310110000000099X")) {
            try fixture.ledger.changeProviderStatus(
                providerID: "91310110000000099X",
                status: .suspended,
                reason: "x",
                context: fixture.next("2022-06-01")
            )
        }
        let context = fixture.next("2022-06-01")
        let first = try fixture.ledger.changeProviderStatus(
            providerID: fixture.lab,
            status: .suspended,
            reason: "x",
            context: context
        )
        let again = try fixture.ledger.changeProviderStatus(
            providerID: fixture.lab,
            status: .suspended,
            reason: "x",
            context: context
        )
        #expect(again.replayed && again.seq == first.seq)
    }

    @Test func anApplicantsAttributesAreKeptAndAClaimIsCheckedAgainstThem() throws {
        let fixture = try LedgerFixture()
        // The fixture's beta is a recognised member; the team is not.
        #expect(try fixture.ledger.applicant(fixture.beta).attributes == ["jic-member"])
        let refusal = #expect(throws: LedgerError.self) {
            try fixture.ledger.claim(
                ClaimRequest(
                    ref: "G-T",
                    applicantID: fixture.team,
                    programme: operating,
                    year: 2023,
                    requested: yuan("10万")
                ),
                context: fixture.next("2023-03-01")
            )
        }
        #expect(refusal?.description.contains("is not registered as jic-member") == true)
        try fixture.ledger.registerApplicant(
            ApplicantRegistration(
                identifier: .creditCode(try UnifiedSocialCreditCode(fixture.beta)),
                kind: .enterprise,
                name: "乙材料有限公司",
                district: "宝山区",
                region: "shanghai",
                group: "G-1",
                attributes: ["jic-member", "tech-sme", "jic-member"]
            ),
            context: fixture.next("2022-02-01")
        )
        #expect(try fixture.ledger.applicant(fixture.beta).attributes == ["jic-member", "tech-sme"])
        let outside = #expect(throws: LedgerError.self) {
            try fixture.grantQuota("C-B", applicant: fixture.beta, programme: delta, amount: "20万")
        }
        #expect(outside?.description.contains("registered in district 宝山区") == true)
        #expect(try fixture.ledger.verify().isValid)
    }

    @Test func aGrantBeyondTheAppropriationIsRefusedAndTheReportShowsTheFund() throws {
        let fixture = try LedgerFixture()
        let ledger = fixture.ledger
        try ledger.setBudget(
            Appropriation(
                programme: operating,
                year: 2023,
                amount: yuan("80万"),
                shares: [
                    BudgetShare(name: "city", rate: .percent(60)), BudgetShare(name: "district", rate: .percent(40)),
                ]
            ),
            context: fixture.next("2023-01-10")
        )
        try fixture.paidOperatingGrant("G-1", applicant: fixture.gamma, amount: "50万")
        try ledger.claim(
            ClaimRequest(
                ref: "G-2",
                applicantID: fixture.alpha,
                programme: operating,
                year: 2023,
                requested: yuan("50万")
            ),
            context: fixture.next("2023-03-01")
        )
        let before = try ledger.digest()
        let refusal = #expect(throws: LedgerError.self) {
            try ledger.decide(
                DecisionRequest(claimRef: "G-2", outcome: .grant(yuan("40万")), reviewer: "r"),
                context: fixture.next("2023-03-02")
            )
        }
        #expect(
            refusal?.description.contains("has 300,000.00 left after the other grants") == true,
            "\(String(describing: refusal))"
        )
        #expect(try ledger.digest() == before)
        try ledger.decide(
            DecisionRequest(claimRef: "G-2", outcome: .grant(yuan("30万")), reviewer: "r"),
            context: fixture.next("2023-03-02")
        )
        let figures = try ledger.reconciliation(operating, period: .year(2023))
        let fund = try #require(try ledger.budgetFigures(figures))
        #expect(fund.appropriation.amount == yuan("80万"))
        #expect(fund.committed == yuan("80万"))
        #expect(fund.paid == yuan("50万"))
        #expect(fund.left == .zero)
        #expect(fund.appropriation.shareAmounts.map(\.amount) == [yuan("48万"), yuan("32万")])
        // A revision is a new event; the report reads the latest by its last day.
        try ledger.setBudget(
            Appropriation(programme: operating, year: 2023, amount: yuan("100万")),
            context: fixture.next("2023-06-01")
        )
        #expect(try ledger.budgetFigures(figures)?.left == yuan("20万"))
        let may = try ledger.reconciliation(operating, period: ReportPeriod(year: 2023, through: day("2023-05-31")))
        #expect(try ledger.budgetFigures(may)?.appropriation.amount == yuan("80万"))
        #expect(try ledger.budgetFigures(try ledger.reconciliation(operating, period: .year(2022))) == nil)
        #expect(try ledger.verify().isValid)
    }

    /// A grant dated before the appropriation is held to it, and reversing a decision that lowered a
    /// grant is refused once the budget no longer holds what it would restore.
    @Test func theBudgetCannotBeDodgedByADateOrAReversal() throws {
        let fixture = try LedgerFixture()
        let ledger = fixture.ledger
        try ledger.setBudget(
            Appropriation(programme: operating, year: 2023, amount: yuan("70万")),
            context: fixture.next("2023-06-01")
        )
        for (ref, applicant) in [("G-1", fixture.alpha), ("G-2", fixture.gamma)] {
            try ledger.claim(
                ClaimRequest(
                    ref: ref,
                    applicantID: applicant,
                    programme: operating,
                    year: 2023,
                    requested: yuan("50万")
                ),
                context: fixture.next("2023-03-01")
            )
        }
        try ledger.decide(
            DecisionRequest(claimRef: "G-1", outcome: .grant(yuan("50万")), reviewer: "区-1"),
            context: fixture.next("2023-03-02")
        )
        let lowered = try ledger.decide(
            DecisionRequest(claimRef: "G-1", level: .city, outcome: .grant(yuan("30万")), reviewer: "市-1"),
            context: fixture.next("2023-03-05")
        )
        // Dated in March, before the June appropriation, and held to it all the same: 40万 is left.
        #expect(throws: LedgerError.self) {
            try ledger.decide(
                DecisionRequest(claimRef: "G-2", outcome: .grant(yuan("50万")), reviewer: "区-1"),
                context: fixture.next("2023-03-06")
            )
        }
        try ledger.decide(
            DecisionRequest(claimRef: "G-2", outcome: .grant(yuan("40万")), reviewer: "区-1"),
            context: fixture.next("2023-03-06")
        )
        // The city's lowering of G-1 freed 20万, which G-2 has taken: it cannot be undone now.
        let refusal = #expect(throws: LedgerError.self) {
            try ledger.reverse(event: lowered.seq, reason: "录错", context: fixture.next("2023-07-01"))
        }
        #expect(
            refusal?.description.contains("claim G-1: cannot grant 500,000.00") == true,
            "\(String(describing: refusal))"
        )
        #expect(try ledger.verify().isValid)
    }

    /// A paid use's money owed back and received: the report keeps what was redeemed and shows
    /// what is owed, recovered and outstanding; a recovery with money received on it is reversed
    /// only after the receipt.
    @Test func moneyOwedBackIsRecordedBesideWhatWasRedeemed() throws {
        let fixture = try LedgerFixture()
        let ledger = fixture.ledger
        try fixture.grantQuota("C-1", applicant: fixture.alpha, amount: "30万")
        _ = try fixture.use("U-1", applicant: fixture.alpha, amount: "10万", on: "2022-05-10")
        try ledger.fileRedemption(
            RedemptionFilingRequest(ref: "R-1", providerID: fixture.lab, useRefs: ["U-1"]),
            context: fixture.next("2022-06-01")
        )
        let settlement = try ledger.settleRedemption(
            SettlementRequest(filingRef: "R-1", useRef: "U-1", outcome: .paid),
            context: fixture.next("2022-06-10")
        )
        #expect(throws: LedgerError.self) {
            try ledger.reverse(event: settlement.seq, reason: "重复申报", context: fixture.next("2022-07-01"))
        }
        // Owed back before the provider was paid: refused, naming the settlement's day.
        let early = #expect(throws: LedgerError.self) {
            try ledger.recover(
                RecoveryFact(useRef: "U-1", amount: yuan("3万"), reason: "重复申报"),
                context: fixture.next("2022-06-05")
            )
        }
        #expect(early?.description.contains("is before 2022-06-10") == true, "\(String(describing: early))")
        let owed = try ledger.recover(
            RecoveryFact(useRef: "U-1", amount: yuan("3万"), reason: "重复申报"),
            context: fixture.next("2022-07-01")
        )
        #expect(throws: LedgerError.self) {
            try ledger.receiveRecovery(
                RecoveryFact(useRef: "U-1", amount: yuan("1万")),
                context: fixture.next("2022-06-30")
            )
        }
        let received = try ledger.receiveRecovery(
            RecoveryFact(useRef: "U-1", amount: yuan("1万")),
            context: fixture.next("2022-08-01")
        )
        let figures = try ledger.reconciliation(shanghai, period: .year(2022))
        #expect(figures.redeemed == yuan("5万"))
        #expect(figures.recoveryOwed == yuan("3万"))
        #expect(figures.recovered == yuan("1万"))
        #expect(figures.recoveryOutstanding == yuan("2万"))
        let open = try ledger.exceptions(shanghai, period: .year(2022)).openRecoveries
        #expect(open.map(\.outstanding) == [yuan("2万")])
        #expect(try ledger.exceptions(shanghai, period: .year(2022)).names == [fixture.alpha: "甲科技有限公司"])
        // Before the money came back, all of it was outstanding.
        let july = try ledger.reconciliation(shanghai, period: ReportPeriod(year: 2022, through: day("2022-07-31")))
        #expect(july.recovered == .zero && july.recoveryOutstanding == yuan("3万"))
        // A second amount owed, recorded in error, is reversed with the receipt still there: what
        // is left owed (3万) still covers what was received (1万).
        let mistaken = try ledger.recover(
            RecoveryFact(useRef: "U-1", amount: yuan("1万"), reason: "录错"),
            context: fixture.next("2022-08-01")
        )
        try ledger.reverse(event: mistaken.seq, reason: "录错", context: fixture.next("2022-08-02"))
        // The first, with money received on it, is reversed after the receipt, not before, and
        // not dated before the receipt's reversal.
        #expect(throws: LedgerError.self) {
            try ledger.reverse(event: owed.seq, reason: "录错", context: fixture.next("2022-08-02"))
        }
        try ledger.reverse(event: received.seq, reason: "录错", context: fixture.next("2022-09-30"))
        let backdated = #expect(throws: LedgerError.self) {
            try ledger.reverse(event: owed.seq, reason: "录错", context: fixture.next("2022-08-15"))
        }
        #expect(backdated?.description.contains("2022-09-30") == true, "\(String(describing: backdated))")
        try ledger.reverse(event: owed.seq, reason: "录错", context: fixture.next("2022-09-30"))
        // A --year report lists the reversals of recoveries, with the amounts they took out.
        let reversals = try ledger.exceptions(shanghai, period: .year(2022)).reversals
        #expect(
            reversals.filter { $0.reversedKind.hasPrefix("recovery") }.map(\.amount).sorted() == [
                yuan("1万"), yuan("1万"), yuan("3万"),
            ]
        )
        #expect(try ledger.reconciliation(shanghai, period: .year(2022)).recoveryOwed == .zero)
        #expect(try ledger.exceptions(shanghai, period: .year(2022)).openRecoveries.isEmpty)
        #expect(try ledger.verify().isValid)
    }
}

/// The city's queue: the district's grants of programmes whose rules await the city first, marked
/// so; the others after them, in force already.
struct CityQueueTests {
    @Test func theClaimsThatAwaitTheCityComeFirstAndSaySo() throws {
        let fixture = try LedgerFixture()
        try fixture.installReviewedVoucher()
        try fixture.grantQuota("C-1", applicant: fixture.alpha, amount: "10万")
        try fixture.grantQuota(
            "C-2",
            applicant: fixture.beta,
            programme: try ProgrammeID("reviewed-voucher"),
            amount: "10万"
        )
        // Granted in 2022, when the city's review was required: still awaited, though the version
        // in force today no longer asks for it (the rule that holds the use asks the grant's day).
        let city = try fixture.ledger.pendingClaims(level: .city)
        #expect(city.map(\.ref) == ["C-2", "C-1"])
        #expect(city.map(\.cityRequired) == [true, false])
        #expect(try fixture.ledger.pendingClaims(level: .district).isEmpty)
    }
}
