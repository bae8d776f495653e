import CustomDump
import PropertyBased
import Testing
import VoucherDomain

struct SubsidyEngineTests {
    static let seed = Source(.seed, "杨科两会〔2023〕21号 第六部分")

    /// A voucher like Shanghai's: 50%, 30万 per enterprise and 10万 per team per year, 20万 per group.
    static func voucher(perUse: Money? = nil, rounding: Rounding = .downToFen) throws -> Programme {
        try Programme(
            id: ProgrammeID("test-voucher"),
            kind: .voucher,
            name: LocalizedText(zh: "测试券", en: "Test voucher"),
            versions: [
                PolicyVersion(
                    effectiveFrom: try BusinessDate.parse("2022-01-01"),
                    rate: Sourced(.percent(50), seed),
                    caps: .init(
                        perApplicantPerYear: [
                            .enterprise: Sourced(try .parse("30万")), .team: Sourced(try .parse("10万")),
                        ],
                        perGroupPerYear: Sourced(try .parse("40万")),
                        perUse: perUse.map { Sourced($0) }
                    ),
                    rounding: Sourced(rounding)
                )
            ]
        )
    }

    static func quota(left: String, granted: String = "30万") throws -> Quota {
        Quota(
            granted: try .parse(granted),
            grantedOn: try .parse("2022-03-01"),
            validUntil: try .parse("2022-12-31"),
            left: try .parse(left)
        )
    }

    static func purchase(_ amount: String, category: String = "testing") throws -> SubsidyBasis {
        .purchase(
            try Purchase(serviceAmount: try .parse(amount), productCategory: category, providerRegion: "shanghai")
        )
    }

    @Test func theIssuesExampleReadsAsOneLineInChineseAndEnglish() throws {
        let decision = try SubsidyEngine.decide(
            programme: try Self.voucher(),
            on: try .parse("2022-05-10"),
            applicant: Applicant(id: "A1", kind: .enterprise),
            basis: try Self.purchase("240,000.00"),
            usage: UsageSoFar(quota: try Self.quota(left: "100,000.00"))
        )
        #expect(decision.amount == (try Money.parse("100,000.00")))
        #expect(decision.binding == .quotaLeft)
        expectNoDifference(
            decision.summary(.zh),
            "50% × 240,000.00 = 120,000.00 · 剩余额度 100,000.00（2022-03-01 核定 300,000.00，有效至 2022-12-31） ← 约束"
                + " · 企业年度剩余上限 300,000.00 − 0.00 = 300,000.00 · 补贴 100,000.00"
        )
        expectNoDifference(
            decision.explanation(.en),
            [
                "50% × 240,000.00 = 120,000.00  [seed: 杨科两会〔2023〕21号 第六部分]",
                "quota left 100,000.00 (granted 300,000.00 on 2022-03-01, valid to 2022-12-31) ← binding",
                "enterprise's annual cap left 300,000.00 − 0.00 = 300,000.00",
                "subsidy 100,000.00",
            ]
        )
        // In Chinese, the citation names its basis in Chinese too.
        #expect(decision.explanation(.zh).first == "50% × 240,000.00 = 120,000.00  [来源文件：杨科两会〔2023〕21号 第六部分]")
    }

    /// A category or region is the policy's whatever its case: `Testing` from `Shanghai` is
    /// `testing` from `shanghai`; another name is not.
    @Test func categoriesAndRegionsAreComparedWithoutRegardToCase() throws {
        let base = try Self.voucher()
        var version = base.versions[0]
        version.eligibility = PolicyVersion.Eligibility(
            productCategories: Sourced(["testing"], Self.seed),
            providerRegions: Sourced(["shanghai", "jiangsu"], Self.seed)
        )
        let programme = try Programme(id: base.id, kind: base.kind, name: base.name, versions: [version])
        func decide(_ category: String, _ region: String) throws -> SubsidyDecision {
            try SubsidyEngine.decide(
                programme: programme,
                on: try .parse("2022-05-10"),
                applicant: Applicant(id: "A1", kind: .enterprise),
                basis: .purchase(
                    try Purchase(serviceAmount: try .parse("1万"), productCategory: category, providerRegion: region)
                ),
                usage: UsageSoFar(quota: try Self.quota(left: "30万"))
            )
        }
        #expect(try decide("Testing", "Shanghai").amount == (try Money.parse("5000")))
        #expect(try decide("TESTING", "JiangSu").ineligibility == nil)
        #expect(try decide("consulting", "shanghai").ineligibility?.code == "product-category")
        #expect(try decide("testing", "beijing").ineligibility?.code == "provider-region")
    }

    @Test func roundingIsShownWhenItChangesTheAmount() throws {
        let decision = try SubsidyEngine.decide(
            programme: try Self.voucher(rounding: Rounding(unit: .yuan, mode: .halfEven)),
            on: try .parse("2022-05-10"),
            applicant: Applicant(id: "A1", kind: .enterprise),
            basis: try Self.purchase("1,001.00"),
            usage: UsageSoFar(quota: try Self.quota(left: "30万"))
        )
        #expect(decision.amount == (try Money.parse("500.00")))
        #expect(
            decision.explanation(.en, citing: false).first
                == "50% × 1,001.00 = 500.50 → 500.00 (half-even to the yuan) ← binding"
        )
        #expect(decision.explanation(.zh, citing: false).first == "50% × 1,001.00 = 500.50 → 500.00（银行家舍入到元） ← 约束")
    }

    @Test func anIneligibleRequestIsZeroWithTheReasonNeverACrash() throws {
        var programme = try Self.voucher()
        var version = programme.versions[0]
        version.eligibility.productCategories = Sourced(["testing", "analysis"], Source(.assumed, "test"))
        programme = try Programme(id: programme.id, kind: .voucher, name: programme.name, versions: [version])
        let decision = try SubsidyEngine.decide(
            programme: programme,
            on: try .parse("2022-05-10"),
            applicant: Applicant(id: "A1", kind: .enterprise),
            basis: try Self.purchase("1万", category: "design"),
            usage: UsageSoFar(quota: try Self.quota(left: "30万"))
        )
        #expect(decision.amount == .zero)
        #expect(decision.ineligibility?.code == "product-category")
        expectNoDifference(
            decision.summary(.en),
            "not eligible: product category \"design\" is not one of analysis, testing  [assumed: test] · subsidy 0.00"
        )
    }

    @Test func negativeInputIsAnErrorNotAnAnswer() throws {
        #expect(throws: SubsidyInputError.negative(field: "service_amount", amount: Money(fen: -1))) {
            try Purchase(serviceAmount: Money(fen: -1), productCategory: "x", providerRegion: "y")
        }
        #expect(throws: SubsidyInputError.self) {
            try SubsidyEngine.decide(
                programme: try Self.voucher(),
                on: try .parse("2022-05-10"),
                applicant: Applicant(id: "A", kind: .team),
                basis: try Self.purchase("1"),
                usage: UsageSoFar(quota: try Self.quota(left: "1"), applicantThisYear: Money(fen: -5))
            )
        }
    }

    // MARK: - Properties

    static let amounts = Gen.int64(in: 0...50_000_000)  // up to 50万元, in fen
    static let kinds = Gen.element(of: [ApplicantKind.enterprise, .team]).compactMap { $0 }

    @Test func theSubsidyNeverExceedsRateTimesBaseNorAnyCap() async throws {
        let programme = try Self.voucher(perUse: try .parse("8万"))
        await propertyCheck(input: Self.amounts, Self.amounts, Self.amounts, Self.kinds) {
            service,
            quotaLeft,
            usedThisYear,
            kind in
            let decision = try SubsidyEngine.decide(
                programme: programme,
                on: try .parse("2022-06-01"),
                applicant: Applicant(id: "A", kind: kind, group: "G"),
                basis: .purchase(
                    try Purchase(serviceAmount: Money(fen: service), productCategory: "c", providerRegion: "r")
                ),
                usage: UsageSoFar(
                    quota: try Self.quota(left: Money(fen: quotaLeft).formatted()),
                    applicantThisYear: Money(fen: usedThisYear)
                )
            )
            let annualCap: Int64 = kind == .enterprise ? 30_000_000 : 10_000_000
            #expect(decision.amount.fen * 2 <= service)
            #expect(decision.amount.fen <= 8_000_000)
            #expect(decision.amount.fen <= quotaLeft)
            #expect(decision.amount.fen <= max(0, annualCap - usedThisYear))
            #expect(decision.amount.fen <= 40_000_000)
            #expect(decision.amount.fen >= 0)
            // The amount is the binding term's value.
            #expect(decision.bindingTerm?.value == decision.amount)
        }
    }

    @Test func theSubsidyNeverDecreasesWhenTheBaseGrows() async throws {
        let programme = try Self.voucher(perUse: try .parse("8万"), rounding: Rounding(unit: .yuan, mode: .halfUp))
        await propertyCheck(input: Self.amounts, Gen.int64(in: 0...1_000_000), Self.amounts) {
            base,
            growth,
            quotaLeft throws in
            func subsidy(_ fen: Int64) throws -> Money {
                try SubsidyEngine.decide(
                    programme: programme,
                    on: try .parse("2022-06-01"),
                    applicant: Applicant(id: "A", kind: .enterprise),
                    basis: .purchase(
                        try Purchase(serviceAmount: Money(fen: fen), productCategory: "c", providerRegion: "r")
                    ),
                    usage: UsageSoFar(quota: try Self.quota(left: Money(fen: quotaLeft).formatted()))
                ).amount
            }
            #expect(try subsidy(base) <= subsidy(base + growth))
        }
    }

    @Test func aRunOfUsesNeverSpendsMoreThanTheQuota() async throws {
        let programme = try Self.voucher()
        await propertyCheck(input: Gen.int64(in: 0...30_000_000), Self.amounts.array(of: 1...25)) {
            granted,
            purchases in
            var left = Money(fen: granted)
            var usedThisYear = Money.zero
            for service in purchases {
                let decision = try SubsidyEngine.decide(
                    programme: programme,
                    on: try .parse("2022-06-01"),
                    applicant: Applicant(id: "A", kind: .enterprise),
                    basis: .purchase(
                        try Purchase(serviceAmount: Money(fen: service), productCategory: "c", providerRegion: "r")
                    ),
                    usage: UsageSoFar(
                        quota: Quota(
                            granted: Money(fen: granted),
                            grantedOn: try .parse("2022-01-01"),
                            validUntil: try .parse("2022-12-31"),
                            left: left
                        ),
                        applicantThisYear: usedThisYear
                    )
                )
                left = try left.subtracting(decision.amount)
                usedThisYear = try usedThisYear.adding(decision.amount)
                #expect(left >= .zero)
            }
            #expect(usedThisYear <= Money(fen: granted))
        }
    }
}
