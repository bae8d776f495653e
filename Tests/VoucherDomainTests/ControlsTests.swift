import Testing
import VoucherDomain

/// The controls around the arithmetic (issue 12), without a database: who may claim, a provider's
/// suspension, an invoice funded once.
struct ControlsTests {
    static let date = LifecycleTests.date
    static let money = LifecycleTests.money

    /// A voucher programme whose version takes Yangpu's tech SMEs only, citing its sources.
    static func restricted(invoiceRequired: Bool = false) throws -> Programme {
        let plain = try LifecycleTests.programme(.voucher)
        var version = plain.versions[0]
        version.eligibility.applicantDistricts = Sourced(["杨浦区"], Source(.seed, "区内企业"))
        version.eligibility.applicantAttributes = Sourced(["tech-sme"], Source(.assumed, "科技型中小企业"))
        if invoiceRequired {
            version.eligibility.invoiceRequired = Sourced(true, Source(.policy, "须提供发票"))
        }
        return try Programme(id: plain.id, kind: plain.kind, name: plain.name, versions: [version])
    }

    static func claimState(_ programme: Programme, district: String, attributes: Set<String>) -> Lifecycle.ClaimState {
        Lifecycle.ClaimState(
            programme: programme,
            applicant: Applicant(id: "A", kind: .enterprise, district: district, attributes: attributes)
        )
    }

    // MARK: - Eligibility

    @Test func aClaimFromOutsideTheDistrictsIsRefusedWithTheRuleAndItsSource() throws {
        let programme = try Self.restricted()
        let claim = LifecycleTests.claim(programme, requested: "20万")
        let error = #expect(throws: LedgerError.self) {
            try Lifecycle.claim(
                claim,
                state: Self.claimState(programme, district: "合肥市", attributes: ["tech-sme"]),
                on: Self.date("2022-03-01")
            )
        }
        let message = error?.description ?? ""
        #expect(message.contains("district 合肥市"), "\(message)")
        #expect(message.contains("杨浦区 only (eligibility.applicant_districts) [seed: 区内企业]"), "\(message)")
    }

    @Test func aClaimWithoutARequiredAttributeIsRefusedNamingWhatIsMissing() throws {
        let programme = try Self.restricted()
        let claim = LifecycleTests.claim(programme, requested: "20万")
        let error = #expect(throws: LedgerError.self) {
            try Lifecycle.claim(
                claim,
                state: Self.claimState(programme, district: "杨浦区", attributes: ["jic-member"]),
                on: Self.date("2022-03-01")
            )
        }
        let message = error?.description ?? ""
        #expect(message.contains("A is not registered as tech-sme"), "\(message)")
        #expect(message.contains("(eligibility.applicant_attributes) [assumed: 科技型中小企业]"), "\(message)")
    }

    @Test func anEligibleApplicantClaimsAndAVersionWithoutTheRulesChecksNothing() throws {
        let programme = try Self.restricted()
        let claim = LifecycleTests.claim(programme, requested: "20万")
        let event = try Lifecycle.claim(
            claim,
            state: Self.claimState(programme, district: "杨浦区", attributes: ["tech-sme", "jic-member"]),
            on: Self.date("2022-03-01")
        )
        #expect(event.kind == .claim)
        // A programme without the rules takes anyone.
        let open = try LifecycleTests.programme(.voucher)
        _ = try Lifecycle.claim(
            claim,
            state: Self.claimState(open, district: "", attributes: []),
            on: Self.date("2022-03-01")
        )
    }

    @Test func aClaimDatedBeforeItsYearsPolicyIsCheckedAgainstThatPolicyAndSoIsItsGrant() throws {
        let programme = try Self.restricted()
        // The programme's only version starts on 2022-01-01; a 2022 claim dated in December 2021.
        let claim = LifecycleTests.claim(programme, year: 2022, requested: "20万")
        #expect(throws: LedgerError.self) {
            try Lifecycle.claim(
                claim,
                state: Self.claimState(programme, district: "合肥市", attributes: ["tech-sme"]),
                on: Self.date("2021-12-20")
            )
        }
        // The applicant moved (or lost its recognition) between claim and grant: no grant.
        var state = LifecycleTests.decisionState(programme, claim: claim)
        state.applicant = Applicant(id: "A", kind: .enterprise, district: "杨浦区", attributes: [])
        let error = #expect(throws: LedgerError.self) {
            try Lifecycle.decide(LifecycleTests.grant("10万"), state: state, on: Self.date("2022-03-01"))
        }
        #expect(error?.description.contains("A is not registered as tech-sme") == true)
        state.applicant.attributes = ["tech-sme"]
        _ = try Lifecycle.decide(LifecycleTests.grant("10万"), state: state, on: Self.date("2022-03-01"))
        // A rejection needs no eligibility.
        state.applicant.attributes = []
        _ = try Lifecycle.decide(
            DecisionRequest(claimRef: "C-1", outcome: .reject(reason: "材料不全"), reviewer: "王丽"),
            state: state,
            on: Self.date("2022-03-01")
        )
    }

    // MARK: - Provider status

    static func change(_ status: ProviderStatus, _ from: String, _ reason: String? = nil) -> ProviderStatusFact {
        ProviderStatusFact(providerID: "P", status: status, from: date(from), reason: reason)
    }

    @Test func aSuspensionHoldsFromItsFirstDayUntilTheReinstatement() {
        let changes = [Self.change(.suspended, "2022-09-01", "造假"), Self.change(.reinstated, "2023-03-01")]
        #expect(Lifecycle.suspension(on: Self.date("2022-08-31"), among: changes) == nil)
        #expect(Lifecycle.suspension(on: Self.date("2022-09-01"), among: changes)?.reason == "造假")
        #expect(Lifecycle.suspension(on: Self.date("2023-02-28"), among: changes)?.from == Self.date("2022-09-01"))
        #expect(Lifecycle.suspension(on: Self.date("2023-03-01"), among: changes) == nil)
        // Recorded later but dated earlier: the change with the latest first day decides.
        let backdated = changes + [Self.change(.suspended, "2022-12-01", "复查")]
        #expect(Lifecycle.suspension(on: Self.date("2023-03-05"), among: backdated) == nil)
        #expect(Lifecycle.suspension(on: Self.date("2022-12-05"), among: backdated)?.reason == "复查")
    }

    @Test func theSuspensionAheadIsTheFirstToComeIntoForce() {
        let changes = [Self.change(.suspended, "2022-09-01", "造假"), Self.change(.reinstated, "2023-03-01")]
        #expect(Lifecycle.suspension(after: Self.date("2022-08-31"), among: changes)?.reason == "造假")
        #expect(Lifecycle.suspension(after: Self.date("2022-09-01"), among: changes) == nil)
        #expect(Lifecycle.suspension(after: Self.date("2023-03-01"), among: changes) == nil)
        // A second suspension, recorded first but later in the year, is the one ahead once the
        // first has begun; a reinstatement recorded for the first's own day cancels it.
        let two = [Self.change(.suspended, "2023-06-01", "复查")] + changes
        #expect(Lifecycle.suspension(after: Self.date("2022-08-31"), among: two)?.reason == "造假")
        #expect(Lifecycle.suspension(after: Self.date("2022-10-01"), among: two)?.reason == "复查")
        let cancelled = two + [Self.change(.reinstated, "2022-09-01")]
        #expect(Lifecycle.suspension(after: Self.date("2022-08-31"), among: cancelled)?.reason == "复查")
    }

    @Test func aSuspensionSaysWhyAndNeitherChangeRepeatsTheStatusInForce() throws {
        #expect(
            throws: LedgerError.invalid(
                field: "reason",
                value: "",
                reason: "a suspension says why; give --reason",
                zh: "为空：暂停须说明理由"
            )
        ) {
            try Lifecycle.statusChange(Self.change(.suspended, "2022-09-01", "  "), among: [])
        }
        let suspended = [Self.change(.suspended, "2022-09-01", "造假")]
        let twice = #expect(throws: LedgerError.self) {
            try Lifecycle.statusChange(Self.change(.suspended, "2022-10-01", "又"), among: suspended)
        }
        #expect(twice?.description.contains("already suspended on that day (from 2022-09-01: 造假)") == true)
        let nothing = #expect(throws: LedgerError.self) {
            try Lifecycle.statusChange(Self.change(.reinstated, "2022-08-01"), among: suspended)
        }
        #expect(nothing?.description.contains("not suspended on that day") == true)
        #expect(throws: LedgerError.self) {
            try Lifecycle.statusChange(Self.change(.suspended, "2022-09-01", "造假\n✓ forged"), among: [])
        }
        let (fact, event) = try Lifecycle.statusChange(Self.change(.reinstated, "2023-01-01"), among: suspended)
        #expect(event.kind == .providerStatus)
        #expect(event.payload.text == #"{"from":"2023-01-01","provider":"P","reason":null,"status":"reinstated"}"#)
        #expect(fact.reason == nil)
    }

    // MARK: - A use's controls

    static func useState(_ programme: Programme) -> Lifecycle.UseState {
        Lifecycle.UseState(
            programme: programme,
            applicant: Applicant(id: "A", kind: .enterprise),
            provider: ProviderFacts(id: "P", region: "shanghai"),
            product: ProductFacts(code: "X", providerID: "P", category: "testing"),
            quota: nil,
            usage: UsageSoFar()
        )
    }

    static func request(invoice: String?) throws -> UseRequest {
        UseRequest(
            ref: "U-2",
            applicantID: "A",
            providerID: "P",
            productCode: "X",
            programme: try ProgrammeID("test-voucher"),
            serviceAmount: money("2万"),
            invoice: invoice
        )
    }

    @Test func aUseIsRefusedWithASuspendedProviderOrAnInvoiceFundedBefore() throws {
        let programme = try LifecycleTests.programme(.voucher)
        var state = Self.useState(programme)
        try Lifecycle.checkControls(try Self.request(invoice: "0001"), state: state, on: Self.date("2022-05-01"))

        state.providerSuspension = Self.change(.suspended, "2022-04-01", "造假")
        #expect(
            throws: LedgerError.providerSuspended(
                provider: "P",
                from: Self.date("2022-04-01"),
                reason: "造假",
                date: Self.date("2022-05-01")
            )
        ) { try Lifecycle.checkControls(try Self.request(invoice: "0001"), state: state, on: Self.date("2022-05-01")) }

        state.providerSuspension = nil
        state.invoiceFunded = FundedUse(use: "U-1", programme: "yrd-innovation-voucher")
        let error = #expect(throws: LedgerError.self) {
            try Lifecycle.checkControls(try Self.request(invoice: "0001"), state: state, on: Self.date("2022-05-01"))
        }
        #expect(
            error?.description.hasPrefix(
                "invoice 0001 of provider P already funded use U-1 (yrd-innovation-voucher)"
            ) == true
        )
        // Without an invoice there is nothing to compare.
        try Lifecycle.checkControls(try Self.request(invoice: nil), state: state, on: Self.date("2022-05-01"))
    }

    @Test func aProgrammeMayRequireTheInvoice() throws {
        let state = Self.useState(try Self.restricted(invoiceRequired: true))
        let error = #expect(throws: LedgerError.self) {
            try Lifecycle.checkControls(try Self.request(invoice: nil), state: state, on: Self.date("2022-05-01"))
        }
        #expect(error?.description.contains("(eligibility.invoice_required) [policy: 须提供发票]") == true)
        try Lifecycle.checkControls(try Self.request(invoice: "0001"), state: state, on: Self.date("2022-05-01"))
    }

    @Test func anInvoiceNumberIsTrimmedAndRefusedWhenItHidesACharacterOrIsTooLong() throws {
        #expect(try Lifecycle.invoiceNumber("  044031900111 ") == "044031900111")
        #expect(try Lifecycle.invoiceNumber("   ") == nil)
        // One invoice however it is typed: case, spaces, full-width forms.
        #expect(try Lifecycle.invoiceNumber("inv 0440") == "INV0440")
        #expect(try Lifecycle.invoiceNumber("ＩＮＶ　０４４０") == "INV0440")
        #expect(throws: LedgerError.self) { try Lifecycle.invoiceNumber("0440\u{200B}31") }
        #expect(throws: LedgerError.self) { try Lifecycle.invoiceNumber(String(repeating: "9", count: 65)) }
    }

    // MARK: - Policy versions keep their hashes

    @Test func aVersionWithoutTheNewKeysEncodesAsBeforeAndOneWithThemNamesThem() throws {
        let plain = try LifecycleTests.programme(.voucher)
        let text = plain.versions[0].canonical(programme: plain.id, kind: .voucher).text
        #expect(!text.contains("applicant_districts"))
        #expect(!text.contains("invoice_required"))
        #expect(
            text.contains(#""eligibility":{"applicant_kinds":null,"product_categories":null,"provider_regions":null}"#)
        )
        let restricted = try Self.restricted(invoiceRequired: true)
        let restrictedText = restricted.versions[0].canonical(programme: restricted.id, kind: .voucher).text
        #expect(
            restrictedText.contains(
                #""applicant_districts":{"source":{"basis":"seed","clause":"区内企业"},"value":["杨浦区"]}"#
            )
        )
        #expect(
            restrictedText.contains(#""invoice_required":{"source":{"basis":"policy","clause":"须提供发票"},"value":true}"#)
        )
    }

    // MARK: - Two-level review

    /// A voucher programme whose grants need the district's and then the city's decision.
    static func reviewed() throws -> Programme {
        let plain = try LifecycleTests.programme(.voucher)
        var version = plain.versions[0]
        version.requiredReviewLevels = Sourced([.district, .city], Source(.assumed, "区级初审、市级复核"))
        return try Programme(id: plain.id, kind: plain.kind, name: plain.name, versions: [version])
    }

    static func decisionState(_ programme: Programme, district: String, by reviewer: String) -> Lifecycle.DecisionState
    {
        LifecycleTests.decisionState(
            programme,
            claim: LifecycleTests.claim(programme, requested: "20万"),
            decisions: [PriorDecision(seq: 7, level: .district, granted: money(district), reviewer: reviewer)]
        )
    }

    static func city(_ amount: String, by reviewer: String) -> DecisionRequest {
        DecisionRequest(claimRef: "C-1", level: .city, outcome: .grant(money(amount)), reviewer: reviewer)
    }

    @Test func oneReviewerDecidesOneLevelOfAClaim() throws {
        let programme = try LifecycleTests.programme(.voucher)
        let state = Self.decisionState(programme, district: "10万", by: "王丽")
        #expect(
            throws: LedgerError.decisionOrder(
                claim: "C-1",
                reason: LocalizedText(
                    zh: "王丽 已作出区级审核（事件 7）；市级审核须由另一位审核人作出",
                    en: "王丽 decided it at district level (event 7); another reviewer decides at city level"
                )
            )
        ) { try Lifecycle.decide(Self.city("8万", by: "王丽"), state: state, on: Self.date("2022-03-10")) }
        let (fact, _) = try Lifecycle.decide(Self.city("8万", by: "李强"), state: state, on: Self.date("2022-03-10"))
        #expect(fact.granted == Self.money("8万"))
        // A replay, which knows no reviewers, decides the amounts only.
        var unknown = state
        unknown.decisions[0].reviewer = nil
        _ = try Lifecycle.decide(Self.city("8万", by: "王丽"), state: unknown, on: Self.date("2022-03-10"))
    }

    @Test func underRequiredReviewLevelsTheCityMayLowerButNotRaiseTheDistrictsGrant() throws {
        let reviewed = Self.decisionState(try Self.reviewed(), district: "10万", by: "王丽")
        let raise = #expect(throws: LedgerError.self) {
            try Lifecycle.decide(Self.city("12万", by: "李强"), state: reviewed, on: Self.date("2022-03-10"))
        }
        #expect(
            raise?.description
                == "claim C-1: the city may lower the district's 100,000.00, not raise it to 120,000.00 "
                + "(review.required_levels) [assumed: 区级初审、市级复核]"
        )
        let (lowered, event) = try Lifecycle.decide(
            Self.city("6万", by: "李强"),
            state: reviewed,
            on: Self.date("2022-03-10")
        )
        #expect(lowered.granted == Self.money("6万"))
        #expect(event.postings.map(\.amount).contains(Self.money("4万")))
        // Without the rule, the city may raise it (within the caps).
        let plain = Self.decisionState(try LifecycleTests.programme(.voucher), district: "10万", by: "王丽")
        _ = try Lifecycle.decide(Self.city("12万", by: "李强"), state: plain, on: Self.date("2022-03-10"))
    }

    /// The days a grant awaits the city are the runs of days its rule is in force: a version
    /// with a last day, a version without the rule between, two in a row with it (two runs).
    @Test func theDaysAwaitingReviewAreExactlyTheDaysTheRuleIsInForce() throws {
        let plain = try LifecycleTests.programme(.voucher).versions[0]
        func version(_ from: String, until: String? = nil, city: Bool) -> PolicyVersion {
            var version = plain
            version.effectiveFrom = Self.date(from)
            version.effectiveUntil = until.map(Self.date)
            version.requiredReviewLevels = city ? Sourced([.district, .city]) : nil
            return version
        }
        let programme = try Programme(
            id: ProgrammeID("reviewed"),
            kind: .voucher,
            name: LocalizedText(zh: "两级", en: "two levels"),
            versions: [
                version("2021-01-01", until: "2021-06-30", city: true), version("2022-01-01", city: false),
                version("2023-01-01", city: true), version("2024-01-01", city: true),
            ]
        )
        let runs = Lifecycle.daysAwaitingReview(of: programme, decided: .district)
        #expect(
            runs == [
                DayRun(from: Self.date("2021-01-01"), through: Self.date("2021-06-30")),
                DayRun(from: Self.date("2023-01-01"), through: Self.date("2023-12-31")),
                DayRun(from: Self.date("2024-01-01"), through: nil),
            ]
        )
        #expect(Lifecycle.daysAwaitingReview(of: programme, decided: .city).isEmpty)
        // Every day from before the first version to after the last: a run holds the day exactly
        // when the rule of the version in force on it names a level.
        var day = Self.date("2020-12-01")
        while day <= Self.date("2025-02-01") {
            let awaited = Lifecycle.awaitedReview(of: programme, on: day, decided: .district) != nil
            #expect(runs.contains { $0.contains(day) } == awaited, "\(day.iso)")
            day = day.adding(days: 1)
        }
    }

    @Test func aGrantAwaitsTheLastRequiredLevelBeforeItIsUsedOrPaid() throws {
        let programme = try Self.reviewed()
        let day = Self.date("2022-05-01")
        #expect(Lifecycle.awaitedReview(of: programme, on: day, decided: .district)?.level == .city)
        #expect(Lifecycle.awaitedReview(of: programme, on: day, decided: .city) == nil)
        #expect(Lifecycle.awaitedReview(of: try LifecycleTests.programme(.voucher), on: day, decided: .district) == nil)
        // Before the version is in force, nothing is required.
        #expect(Lifecycle.awaitedReview(of: programme, on: Self.date("2021-12-31"), decided: .district) == nil)
        // Whether it may await on some day: the city's queue reads only such programmes' claims first.
        #expect(Lifecycle.mayAwaitReview(of: programme, decided: .district))
        #expect(!Lifecycle.mayAwaitReview(of: programme, decided: .city))
        #expect(!Lifecycle.mayAwaitReview(of: try LifecycleTests.programme(.voucher), decided: .district))

        var state = Self.useState(programme)
        let quota = Quota(
            granted: Self.money("10万"),
            grantedOn: Self.date("2022-03-01"),
            validFrom: Self.date("2022-03-01"),
            validUntil: Self.date("2022-12-31"),
            left: Self.money("10万")
        )
        state.quota = GrantedQuota(claimRef: "C-1", year: 2022, quota: quota, level: .district)
        let error = #expect(throws: LedgerError.self) {
            try Lifecycle.checkControls(try Self.request(invoice: nil), state: state, on: day)
        }
        #expect(
            error?.description
                == "claim C-1 awaits the city review (review.required_levels [district, city] [assumed: 区级初审、市级复核]); "
                + "its grant cannot be used until the city grants it: `voucher decide --claim C-1 --level city …`"
        )
        state.quota?.level = .city
        try Lifecycle.checkControls(try Self.request(invoice: nil), state: state, on: day)

        var payment = PaymentState(
            claim: LifecycleTests.claim(try LifecycleTests.programme(.grant), year: 2023, requested: "50万"),
            kind: .grant,
            granted: Self.money("50万"),
            paidBefore: .zero
        )
        payment.awaiting = AwaitedReview(
            level: .city,
            rule: LocalizedText(
                zh: "review.required_levels [district, city]",
                en: "review.required_levels [district, city]"
            )
        )
        #expect(throws: LedgerError.self) {
            try Lifecycle.pay(PaymentRequest(claimRef: "C-1", amount: Self.money("10万")), state: payment)
        }
        payment.awaiting = nil
        _ = try Lifecycle.pay(PaymentRequest(claimRef: "C-1", amount: Self.money("10万")), state: payment)
    }
}
