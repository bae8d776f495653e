import CustomDump
import PropertyBased
import Testing
import VoucherDomain

/// The lifecycle's rules, without a database: state and request in, event or refusal out.
struct LifecycleTests {
    static func date(_ text: String) -> BusinessDate {
        (try? BusinessDate.parse(text)) ?? .latest
    }

    static func money(_ text: String) -> Money {
        (try? Money.parse(text)) ?? .zero
    }

    /// A programme of `kind` with one version from 2022-01-01.
    static func programme(
        _ kind: ProgrammeKind,
        rate: Rate? = .percent(50),
        rounding: Rounding = .downToFen,
        validity: QuotaValidity? = nil,
        unpaid: UnpaidRedemptionEffect = .forfeited,
        perProject: String? = nil,
        from: String = "2022-01-01"
    ) throws -> Programme {
        try Programme(
            id: ProgrammeID("test-\(kind.rawValue)"),
            kind: kind,
            name: LocalizedText(zh: "测试", en: "Test"),
            versions: [
                PolicyVersion(
                    effectiveFrom: date(from),
                    rate: kind == .grant ? nil : rate.map { Sourced($0) },
                    caps: .init(perProject: perProject.map { Sourced(money($0)) }),
                    rounding: Sourced(rounding),
                    quotaValidity: validity.map { Sourced($0) },
                    redemption: .init(unpaidAmount: Sourced(unpaid))
                )
            ]
        )
    }

    static func claim(_ programme: Programme, year: Int = 2022, requested: String, paid: String? = nil) -> ClaimFact {
        ClaimFact(
            ref: "C-1",
            applicantID: "A",
            programme: programme.id,
            year: year,
            requested: money(requested),
            project: paid == nil ? nil : "P-1",
            paid: paid.map(money)
        )
    }

    static func decisionState(
        _ programme: Programme,
        claim: ClaimFact,
        decisions: [PriorDecision] = []
    )
        -> Lifecycle.DecisionState
    {
        Lifecycle.DecisionState(
            claim: claim,
            programme: programme,
            decisions: decisions,
            applicant: Applicant(id: "A", kind: .enterprise)
        )
    }

    static func grant(_ amount: String, level: ReviewLevel = .district, reviewer: String = "王丽") -> DecisionRequest {
        DecisionRequest(claimRef: "C-1", level: level, outcome: .grant(money(amount)), reviewer: reviewer)
    }

    // MARK: - What a request may hold

    @Test(arguments: ["\u{200B}", "\u{200D}", "\u{FEFF}", "\u{1B}", "\u{0}", "\u{7F}", "\u{202E}"])
    func aReferenceWithAnInvisibleCharacterIsRefused(hidden: String) throws {
        #expect(throws: LedgerError.self) { try Lifecycle.reference("U-1" + hidden, field: "ref") }
        #expect(throws: LedgerError.self) { try Lifecycle.reference(hidden + "U-1", field: "ref") }
        #expect(try Lifecycle.reference("  U-1 甲 ", field: "ref") == "U-1 甲")
        #expect(!("U-1" + hidden).visible.unicodeScalars.contains { $0.properties.generalCategory == .control })
    }

    /// Every reason a step requires (a rejection's, a reduction's, a settlement's rejection, a
    /// reversal's) is on one line when it is new, as a grant's and a suspension's are: a control or
    /// format character is refused, naming where. A submission still takes it, trimmed (a retry of
    /// one an earlier version recorded is looked up by it), and refuses it empty.
    @Test(arguments: ["\n", "\u{1B}[2J", "\u{202E}", "\t"])
    func everyReasonGivenIsOnOneLine(hidden: String) throws {
        let forged = "材料不全" + hidden + "✓ 已核定"
        let decision = try Lifecycle.submission(
            of: DecisionRequest(claimRef: "C-1", outcome: .reject(reason: " " + forged), reviewer: "王丽")
        ).request
        let rejected = try Lifecycle.submission(
            of: SettlementRequest(filingRef: "R-1", useRef: "U-1", outcome: .rejected(reason: forged))
        ).request
        let reduced = try Lifecycle.submission(
            of: SettlementRequest(
                filingRef: "R-1",
                useRef: "U-1",
                outcome: .reduced(paid: Self.money("1万"), reason: forged)
            )
        ).request
        let reversal = try Lifecycle.reversalSubmission(event: 7, reason: forged).reason
        let reasons = [decision.outcome.reason, rejected.outcome.reason, reduced.outcome.reason, reversal]
        #expect(reasons == Array(repeating: forged, count: 4))
        let code = String(hidden.unicodeScalars.first!.value, radix: 16, uppercase: true)
        for reason in reasons {
            let refusal = #expect(throws: LedgerError.self) { try Lifecycle.checkNewReason(reason) }
            #expect(
                refusal?.description.contains(
                    "holds the control character U+\(String(repeating: "0", count: 4 - code.count))\(code) "
                        + "at position 5; write the reason on one line"
                ) == true,
                "\(String(describing: refusal))"
            )
        }
        #expect(throws: Never.self) { try Lifecycle.checkNewReason("材料不全，请补充") }
        #expect(throws: Never.self) { try Lifecycle.checkNewReason(nil) }
        #expect(throws: LedgerError.self) { try Lifecycle.reversalSubmission(event: 7, reason: " \t ") }
    }

    /// A credit-code override newly given has its reason on one line and its approver's name with
    /// no invisible character; each refusal names its field.
    @Test func aNewCreditCodeOverrideIsOnOneLine() throws {
        func override(_ reason: String, _ approver: String) -> PartyIdentifier {
            .overriddenCreditCode(code: "12310000007000001X", reason: reason, approvedBy: approver)
        }
        let reason = #expect(throws: LedgerError.self) { try Lifecycle.checkNewOverride(override("旧版执照\n✓ 已核", "李")) }
        #expect(
            reason?.description.contains("override_reason") == true
                && reason?.description.contains("U+000A at position 5") == true,
            "\(String(describing: reason))"
        )
        let approver = #expect(throws: LedgerError.self) {
            try Lifecycle.checkNewOverride(override("旧版执照", "李\u{202E}强"))
        }
        #expect(
            approver?.description.contains("override_by") == true
                && approver?.description.contains("U+202E at position 2") == true,
            "\(String(describing: approver))"
        )
        #expect(throws: Never.self) { try Lifecycle.checkNewOverride(override("旧版执照", "李")) }
        #expect(throws: Never.self) {
            try Lifecycle.checkNewOverride(.creditCode(try UnifiedSocialCreditCode("91350100M000100Y43")))
        }
    }

    /// Product codes the same but for the case of their ASCII letters are told apart from codes
    /// that differ otherwise; a new code of the first kind is refused naming the registered one,
    /// and an unknown code of that kind names it as what was meant.
    @Test func aProductCodeDifferingOnlyInCaseIsNamed() throws {
        #expect(Lifecycle.differsOnlyInCase("lab-nmr", "LAB-NMR"))
        #expect(Lifecycle.differsOnlyInCase("B00001", "b00001"))
        #expect(Lifecycle.differsOnlyInCase("Z", "z"))
        #expect(!Lifecycle.differsOnlyInCase("LAB-NMR", "LAB-NMR"))
        #expect(!Lifecycle.differsOnlyInCase("LAB-NMR", "LAB-NMR2"))
        #expect(!Lifecycle.differsOnlyInCase("LAB-1", "LAB-2"))
        // Only A–Z fold: "[" and "@" are "{" and "`" with the bit that folds case; full-width
        // letters and the Kelvin sign stay apart from ASCII ones, as in SQLite's NOCASE.
        #expect(!Lifecycle.differsOnlyInCase("LAB[", "lab{"))
        #expect(!Lifecycle.differsOnlyInCase("@1", "`1"))
        #expect(!Lifecycle.differsOnlyInCase("ＬＡＢ", "ｌａｂ"))
        #expect(!Lifecycle.differsOnlyInCase("\u{212A}1", "k1"))
        let lab = (code: "LAB-1", provider: "P", providerName: "中心")
        #expect(throws: Never.self) { try Lifecycle.checkNewProductCode("LAB-2", provider: "P", registered: []) }
        #expect(throws: Never.self) { try Lifecycle.checkNewProductCode("LAB-2", provider: "P", registered: [lab]) }
        // The first registered of the codes is named; the advice depends on whose it is.
        let own = #expect(throws: LedgerError.self) {
            try Lifecycle.checkNewProductCode("Lab-1", provider: "P", registered: [lab, ("lab-1", "Q", "")])
        }
        #expect(
            own?.description
                == "code \"Lab-1\": differs from this provider's product code LAB-1 only in the case of its letters: "
                + "to change LAB-1's details, register it again under LAB-1; for another product, choose a code "
                + "that differs in more than case"
        )
        #expect(own?.text(.zh).contains("与该服务机构的产品编码 LAB-1 仅字母大小写不同") == true)
        let others = #expect(throws: LedgerError.self) {
            try Lifecycle.checkNewProductCode("Lab-1", provider: "Q", registered: [lab])
        }
        #expect(
            others?.description
                == "code \"Lab-1\": differs from product code LAB-1, registered to provider 中心 (P), only in the case of "
                + "its letters: choose a code that differs in more than case"
        )
        #expect(others?.text(.zh).contains("与登记在服务机构 中心（P） 名下的产品编码 LAB-1 仅字母大小写不同") == true)
        #expect(
            Lifecycle.unknownProduct("lab-1", registered: [lab, ("Lab-1", "Q", "")])
                == .unknownProduct("lab-1", sameButCase: "LAB-1")
        )
        #expect(Lifecycle.unknownProduct("lab-1", registered: [("LAB-2", "P", "")]) == .unknownProduct("lab-1"))
        #expect(
            Lifecycle.unknownProduct("lab-1", registered: []).description
                == "no product \"lab-1\"; register the product first"
        )
    }

    /// A provider's region is kept in lower case whichever way it came (the import always did).
    @Test func aProvidersRegionIsKeptInLowerCase() throws {
        let registration = ProviderRegistration(
            identifier: .overriddenCreditCode(code: "12310000007000001X", reason: "旧版执照", approvedBy: "李"),
            name: "中心",
            region: " Shanghai "
        )
        let checked = try Lifecycle.registration(registration)
        #expect(checked.region == "shanghai")
        #expect(checked.payload.text.contains(#""region":"shanghai""#))
    }

    @Test func theRecorderIsNamedVisiblyOnADateTheLedgerRecords() throws {
        try Lifecycle.checkRecording(actor: "王丽", key: "claim:C-1", on: Self.date("2022-03-01"))
        #expect(throws: LedgerError.self) {
            try Lifecycle.checkRecording(actor: " ", key: "k", on: Self.date("2022-03-01"))
        }
        #expect(throws: LedgerError.self) {
            try Lifecycle.checkRecording(actor: "a\nb", key: "k", on: Self.date("2022-03-01"))
        }
        #expect(throws: LedgerError.self) {
            try Lifecycle.checkRecording(actor: "a", key: "k\u{200B}", on: Self.date("2022-03-01"))
        }
        for outside in ["1989-12-31", "2200-01-01", "9999-12-31"] {
            #expect(throws: LedgerError.self) {
                try Lifecycle.checkRecording(actor: "a", key: "k", on: Self.date(outside))
            }
        }
        try Lifecycle.checkRecording(actor: "a", key: "k", on: Self.date("2199-12-31"))
    }

    /// A business date is not after the day it is recorded on, in Beijing: 16:00 UTC is midnight
    /// there.
    @Test func aBusinessDateIsNotLaterThanTheDayItIsRecordedOn() throws {
        #expect(Lifecycle.beijingDay(ofRecordedAt: "2026-12-01T15:59:59Z") == Self.date("2026-12-01"))
        #expect(Lifecycle.beijingDay(ofRecordedAt: "2026-12-01T16:00:00Z") == Self.date("2026-12-02"))
        #expect(Lifecycle.beijingDay(ofRecordedAt: "2026-12-31T23:00:00.250Z") == Self.date("2027-01-01"))
        for other in ["t", "2026-12-01", "2026-12-01T10:00:00+08:00", "2026-13-01T10:00:00Z", "2026-12-01T24:00:00Z"] {
            #expect(Lifecycle.beijingDay(ofRecordedAt: other) == nil, "\(other)")
        }
        let today = Self.date("2026-12-02")
        try Lifecycle.checkNotLater(today, than: today)
        try Lifecycle.checkNotLater(Self.date("2022-03-01"), than: today)
        let ahead = #expect(throws: LedgerError.self) {
            try Lifecycle.checkNotLater(Self.date("2026-12-03"), than: today)
        }
        #expect(
            ahead?.description == "date \"2026-12-03\": is after today (2026-12-02, Beijing time); a business date is "
                + "the day something happened, so it cannot be in the future"
        )
        #expect(ahead?.text(.zh).contains("晚于今天（北京时间 2026-12-02）") == true)
    }

    /// A claim asks for more than nothing.
    @Test func aClaimOfNothingIsRefused() throws {
        let zero = #expect(throws: LedgerError.self) { try Lifecycle.checkRequested(.zero) }
        #expect(zero?.description == "requested \"0.00\": is zero; a claim asks for an amount above zero")
        #expect(zero?.text(.zh) == "申请金额「0.00」：为零；申领金额须大于零")
        #expect(throws: Never.self) { try Lifecycle.checkRequested(Money(fen: 1)) }
    }

    /// The latest of the records a new one rests on is named; the same day is in order.
    @Test func aRecordDatedBeforeTheLatestItRestsOnIsRefused() throws {
        let earlier = [
            EarlierRecord.claim("C-1", on: Self.date("2022-03-01")),
            EarlierRecord.decision(.district, claim: "C-1", seq: 7, on: Self.date("2022-03-15")),
        ]
        #expect(throws: Never.self) { try Lifecycle.checkDate(of: .decision, Self.date("2022-03-15"), after: earlier) }
        #expect(throws: Never.self) { try Lifecycle.checkDate(of: .decision, Self.date("2022-01-01"), after: []) }
        #expect(
            throws: LedgerError.datedBefore(
                record: .decision,
                date: Self.date("2022-03-10"),
                earlier: LocalizedText(zh: "申领 C-1 的区级审核（事件 7）", en: "the district decision on claim C-1 (event 7)"),
                earlierDate: Self.date("2022-03-15")
            )
        ) { try Lifecycle.checkDate(of: .decision, Self.date("2022-03-10"), after: earlier) }
    }

    /// A decision lowers a grant by what is left of the quota at most; nothing is known of it in
    /// a replay, which asks nothing.
    @Test func aLowerGrantTakesBackNoMoreThanIsLeft() throws {
        let programme = try Self.programme(.voucher)
        let claim = ClaimFact(
            ref: "C-1",
            applicantID: "91310110005000001J",
            programme: programme.id,
            year: 2022,
            requested: Self.money("10万")
        )
        var state = Lifecycle.DecisionState(
            claim: claim,
            programme: programme,
            decisions: [PriorDecision(seq: 5, level: .district, granted: Self.money("10万"), reviewer: "district")],
            applicant: Applicant(id: claim.applicantID, kind: .enterprise)
        )
        func lower(to amount: String) throws {
            _ = try Lifecycle.decide(
                DecisionRequest(claimRef: "C-1", level: .city, outcome: .grant(Self.money(amount)), reviewer: "city"),
                state: state,
                on: Self.date("2022-06-01")
            )
        }
        #expect(throws: Never.self) { try lower(to: "1万") }
        state.quotaLeft = Self.money("3万")
        #expect(throws: Never.self) { try lower(to: "7万") }
        let refusal = #expect(throws: LedgerError.self) { try lower(to: "6万") }
        #expect(
            refusal?.description.contains("lowered by at most that, to 70,000.00") == true,
            "\(String(describing: refusal))"
        )
        #expect(throws: LedgerError.self) { try lower(to: "0") }
        // What this claim funded stays granted, whatever is left in the account.
        state.quotaLeft = Self.money("10万")
        state.claimSpent = Self.money("4万")
        #expect(throws: Never.self) { try lower(to: "4万") }
        let spent = #expect(throws: LedgerError.self) { try lower(to: "3万") }
        #expect(spent?.description.contains("the grant is at least 40,000.00") == true, "\(String(describing: spent))")

        // A grant may say why it is what it is: the reason is recorded, trimmed, with the grant
        // (hashed in its payload); a rejection's reason is its own, and a blank note none.
        let noted = DecisionRequest(
            claimRef: "C-1",
            level: .city,
            outcome: .grant(Self.money("5万")),
            reviewer: "city",
            note: "  部分服务不在目录内 "
        )
        let (checked, canonical) = try Lifecycle.submission(of: noted)
        #expect(checked.note == "部分服务不在目录内" && canonical.text.contains("部分服务不在目录内"))
        let (fact, event) = try Lifecycle.decide(checked, state: state, on: Self.date("2022-06-01"))
        #expect(fact.outcome == "granted" && fact.granted == Self.money("5万") && fact.reason == "部分服务不在目录内")
        #expect(event.payload == fact.payload && fact.payload.text.contains("\"reason\":\"部分服务不在目录内\""))
        var blank = noted
        blank.note = " "
        #expect(try Lifecycle.submission(of: blank).request.note == nil)
        var rejected = noted
        rejected.outcome = .reject(reason: "材料不全")
        let (checkedRejection, _) = try Lifecycle.submission(of: rejected)
        #expect(checkedRejection.note == nil && checkedRejection.recordedReason == "材料不全")
    }

    /// A claim for the year of its date, the one before or after, under a policy in force then.
    @Test func aClaimsYearIsNearItsDateAndUnderAPolicy() throws {
        let programme = try Self.programme(.voucher, from: "2022-01-01")
        for year in [2022, 2023] {
            #expect(throws: Never.self) {
                try Lifecycle.checkClaimYear(year, on: Self.date("2022-12-01"), programme: programme)
            }
        }
        for (year, date) in [(2024, "2022-12-01"), (2020, "2022-01-01"), (2021, "2022-01-01")] {
            #expect(throws: LedgerError.self, "\(year) on \(date)") {
                try Lifecycle.checkClaimYear(year, on: Self.date(date), programme: programme)
            }
        }
        // A grant may be claimed years after its year, never more than a year ahead of it.
        let grant = try Self.programme(.grant, rate: nil, from: "2022-03-01")
        #expect(throws: Never.self) {
            try Lifecycle.checkClaimYear(2022, on: Self.date("2025-06-01"), programme: grant)
        }
        #expect(throws: LedgerError.self) {
            try Lifecycle.checkClaimYear(2027, on: Self.date("2025-06-01"), programme: grant)
        }
    }

    @Test func noAmountAboveTheLargestIsTakenAnywhere() throws {
        let programme = try Self.programme(.voucher)
        let tooMuch = Money(fen: Lifecycle.largestAmount.fen + 1)
        var claim = ClaimRequest(ref: "C", applicantID: "A", programme: programme.id, year: 2022, requested: tooMuch)
        #expect(throws: LedgerError.self) { try Lifecycle.submission(of: claim) }
        claim.requested = Lifecycle.largestAmount
        _ = try Lifecycle.submission(of: claim)
        var use = try Self.useRequest("1万", programme: programme.id)
        use.serviceAmount = tooMuch
        #expect(throws: LedgerError.self) { try Lifecycle.submission(of: use) }
        #expect(throws: LedgerError.self) {
            try Lifecycle.submission(of: DecisionRequest(claimRef: "C", outcome: .grant(tooMuch), reviewer: "r"))
        }
        #expect(throws: LedgerError.self) {
            try Lifecycle.submission(of: PaymentRequest(claimRef: "C", amount: tooMuch))
        }
    }

    // MARK: - Decisions

    /// (paid, per-project cap, requested, appropriation, others' grants; expected limit)
    @Test(
        arguments: [
            ("80万", "100万", "90万", nil, nil, "80万"), ("150万", "100万", "120万", nil, nil, "100万"),
            ("80万", "100万", "50万", nil, nil, "50万"), ("80万", "100万", "90万", "60万", "20万", "40万"),
            ("80万", "100万", "90万", "60万", "70万", "0"),
        ] as [(String, String, String, String?, String?, String)]
    )
    func theAdviceIsTheMostADecisionGrants(
        paid: String,
        cap: String,
        requested: String,
        appropriated: String?,
        others: String?,
        expected: String
    ) throws {
        let programme = try Self.programme(.matching, rate: .percent(100), perProject: cap)
        var state = Self.decisionState(programme, claim: Self.claim(programme, requested: requested, paid: paid))
        if let appropriated, let others {
            state.budget = BudgetState(
                appropriation: Appropriation(programme: programme.id, year: 2022, amount: Self.money(appropriated)),
                event: 1,
                committedByOthers: Self.money(others)
            )
        }
        let on = Self.date("2022-03-01")
        let advice = try Lifecycle.grantAdvice(state: state, on: on)
        #expect(advice.limit == Self.money(expected))
        #expect((advice.bound == .budget) == (appropriated != nil))
        // The explanation ends with the limit: the engine's own line, or the advice's when
        // the request or the budget bounds it.
        #expect(advice.lines(.en).last?.hasSuffix(advice.limit.formatted()) == true, "\(advice.lines(.en))")
        #expect(advice.lines(.zh).last?.hasSuffix(advice.limit.formatted()) == true, "\(advice.lines(.zh))")
        #expect(advice.lines(.en).contains { $0.hasPrefix("the budget leaves") } == (advice.bound == .budget))
        // One line at most is marked as binding: below the engine's amount, the request's or the
        // budget's, whichever bounds the grant.
        let marked = advice.lines(.en).filter { $0.contains("← binding") }
        #expect(marked.count <= 1, "\(advice.lines(.en))")
        if advice.limit < advice.decision.amount {
            let expected = advice.bound == .budget ? "the budget leaves" : "requested"
            #expect(marked.first?.hasPrefix(expected) == true, "\(advice.lines(.en))")
            #expect(advice.lines(.zh).filter { $0.contains("← 约束") }.count == 1)
        }
        // The limit is granted; a fen more is refused.
        if advice.limit > .zero {
            _ = try Lifecycle.decide(Self.grant(advice.limit.decimalString()), state: state, on: on)
        }
        #expect(throws: LedgerError.self) {
            try Lifecycle.decide(
                Self.grant(Money(fen: advice.limit.fen + 1).decimalString()),
                state: state,
                on: on
            )
        }
    }

    /// Grants `advice.limit` (when above zero) and checks that a fen more is refused.
    static func checkLimit(_ advice: GrantAdvice, _ state: Lifecycle.DecisionState, level: ReviewLevel) throws {
        let reviewer = level == .city ? "张强" : "王丽"
        if advice.limit > .zero {
            _ = try Lifecycle.decide(
                Self.grant(advice.limit.decimalString(), level: level, reviewer: reviewer),
                state: state,
                on: advice.on
            )
        }
        #expect(throws: LedgerError.self) {
            try Lifecycle.decide(
                Self.grant(Money(fen: advice.limit.fen + 1).decimalString(), level: level, reviewer: reviewer),
                state: state,
                on: advice.on
            )
        }
    }

    @Test func theAdviceFollowsTheRulesBesidesTheEngine() throws {
        func changed(_ programme: Programme, _ change: (inout PolicyVersion) -> Void) throws -> Programme {
            var version = programme.versions[0]
            change(&version)
            return try Programme(id: programme.id, kind: programme.kind, name: programme.name, versions: [version])
        }
        let matching = try Self.programme(.matching, rate: .percent(100), perProject: "100万")
        let claim = Self.claim(matching, requested: "90万", paid: "80万")
        // An applicant the policy's districts leave out may be granted nothing.
        let outside = try changed(matching) { $0.eligibility.applicantDistricts = Sourced(["杨浦区"]) }
        let excluded = Self.decisionState(outside, claim: claim)
        let refused = try Lifecycle.grantAdvice(state: excluded, on: Self.date("2022-03-01"))
        #expect(refused.limit == .zero && refused.refusal != nil)
        #expect(refused.lines(.en).last?.hasPrefix("nothing may be granted") == true)
        try Self.checkLimit(refused, excluded, level: .district)
        // Where both levels are required, the city may not raise the district's grant.
        let bothLevels = try changed(matching) { $0.requiredReviewLevels = Sourced([.district, .city]) }
        let district = PriorDecision(seq: 7, level: .district, granted: Self.money("30万"), reviewer: "王丽")
        let atCity = Self.decisionState(bothLevels, claim: claim, decisions: [district])
        let city = try Lifecycle.grantAdvice(state: atCity, level: .city, on: Self.date("2022-03-02"))
        #expect(city.limit == Self.money("30万") && city.bound == .districtGrant)
        try Self.checkLimit(city, atCity, level: .city)
        // A claim's current grant may be kept though the budget is over-committed.
        var kept = Self.decisionState(matching, claim: claim, decisions: [district])
        kept.budget = BudgetState(
            appropriation: Appropriation(programme: matching.id, year: 2022, amount: Self.money("60万")),
            event: 1,
            committedByOthers: Self.money("50万"),
            current: Self.money("30万")
        )
        let current = try Lifecycle.grantAdvice(state: kept, level: .city, on: Self.date("2022-03-02"))
        #expect(current.limit == Self.money("30万") && current.bound == .currentGrant)
        #expect(current.lines(.en).contains("the claim's current grant of 300,000.00 may be kept ← binding"))
        try Self.checkLimit(current, kept, level: .city)
        // A voucher quota is not granted after its year.
        let voucher = try Self.programme(.voucher)
        let late = Self.decisionState(voucher, claim: Self.claim(voucher, requested: "10万"))
        let afterYear = try Lifecycle.grantAdvice(state: late, on: Self.date("2023-01-05"))
        #expect(afterYear.limit == .zero)
        #expect(
            afterYear.refusal == .decisionAfterProgrammeYear(claim: "C-1", year: 2022, date: Self.date("2023-01-05"))
        )
        try Self.checkLimit(afterYear, late, level: .district)
    }

    @Test func theCityDecidesOnlyAfterTheDistrictAndOnce() throws {
        let programme = try Self.programme(.voucher)
        let claim = Self.claim(programme, requested: "20万")
        #expect(
            throws: LedgerError.decisionOrder(
                claim: "C-1",
                reason: LocalizedText(zh: "须先经区级审核，市级方可审核", en: "the district decides before the city")
            )
        ) {
            try Lifecycle.decide(
                Self.grant("10万", level: .city),
                state: Self.decisionState(programme, claim: claim),
                on: Self.date("2022-03-01")
            )
        }
        let district = PriorDecision(seq: 7, level: .district, granted: Self.money("10万"))
        let city = try Lifecycle.decide(
            Self.grant("8万", level: .city),
            state: Self.decisionState(programme, claim: claim, decisions: [district]),
            on: Self.date("2022-03-02")
        )
        // The quota moves by the difference from the district's grant: 2万 back to the budget.
        #expect(city.event.postings.map(\.amount) == [Money(fen: -2_000_000), Self.money("2万")])
        #expect(city.event.postings.last?.account.kind == .budget)
    }

    @Test(arguments: [ProgrammeKind.voucher, .matching, .grant])
    func noGrantExceedsTheAmountRequested(kind: ProgrammeKind) throws {
        let programme = try Self.programme(kind, rate: .hundredPercent)
        // Matching: 60万 paid at 1:1 would allow 60万, but 30万 was requested.
        let claim = Self.claim(programme, requested: "30万", paid: kind == .matching ? "60万" : nil)
        let state = Self.decisionState(programme, claim: claim)
        #expect(throws: LedgerError.self) {
            try Lifecycle.decide(Self.grant("30.01万"), state: state, on: Self.date("2022-03-01"))
        }
        let granted = try Lifecycle.decide(Self.grant("30万"), state: state, on: Self.date("2022-03-01"))
        #expect(granted.fact.granted == Self.money("30万"))
    }

    @Test func aQuotaBelongsToItsProgrammeYearWhenEverItIsGranted() throws {
        let programme = try Self.programme(.voucher)
        // Granted in late 2022 for 2023: usable through 2023, from 1 January 2023.
        let early = try Lifecycle.decide(
            Self.grant("10万"),
            state: Self.decisionState(programme, claim: Self.claim(programme, year: 2023, requested: "10万")),
            on: Self.date("2022-12-28")
        )
        #expect(early.fact.validUntil == Self.date("2023-12-31"))
        let version = try #require(programme.version(on: Self.date("2022-12-28")))
        #expect(version.quotaValidity(year: 2023, grantedOn: Self.date("2022-12-28")).from == Self.date("2023-01-01"))
        // A 2022 quota cannot be granted once 2022 has ended.
        #expect(
            throws: LedgerError.decisionAfterProgrammeYear(claim: "C-1", year: 2022, date: Self.date("2023-01-05"))
        ) {
            try Lifecycle.decide(
                Self.grant("10万"),
                state: Self.decisionState(programme, claim: Self.claim(programme, year: 2022, requested: "10万")),
                on: Self.date("2023-01-05")
            )
        }
        // A rejection after the year is still recorded: it grants nothing.
        let rejected = try Lifecycle.decide(
            DecisionRequest(claimRef: "C-1", outcome: .reject(reason: "逾期"), reviewer: "王丽"),
            state: Self.decisionState(programme, claim: Self.claim(programme, year: 2022, requested: "10万")),
            on: Self.date("2023-01-05")
        )
        #expect(rejected.fact.outcome == "rejected")
    }

    @Test(arguments: [
        ("2022-03-15", 12, "2022-03-15", "2023-03-14"),
        ("2021-11-20", 6, "2022-01-01", "2022-06-30"),
        ("2022-01-31", 1, "2022-01-31", "2022-02-27"),
    ])
    func monthsOfValidityCountFromTheFirstDayTheQuotaIsUsable(
        granted: String,
        months: Int,
        from: String,
        until: String
    ) throws {
        let version = PolicyVersion(effectiveFrom: Self.date("2020-01-01"), quotaValidity: Sourced(.months(months)))
        let validity = version.quotaValidity(year: 2022, grantedOn: Self.date(granted))
        #expect(validity.from == Self.date(from))
        #expect(validity.until == Self.date(until))
    }

    @Test func aUseBeforeItsQuotaIsUsableIsNotEligible() throws {
        let programme = try Self.programme(.voucher)
        let quota = GrantedQuota(
            claimRef: "C-1",
            year: 2023,
            quota: Quota(
                granted: Self.money("10万"),
                grantedOn: Self.date("2022-12-28"),
                validFrom: Self.date("2023-01-01"),
                validUntil: Self.date("2023-12-31"),
                left: Self.money("10万")
            )
        )
        let state = Self.useState(programme, quota: quota)
        let decision = try Lifecycle.quote(try Self.useRequest("2万"), state: state, on: Self.date("2022-12-30"))
        #expect(decision.ineligibility == .quotaNotYetValid(validFrom: Self.date("2023-01-01")))
        #expect(throws: LedgerError.self) {
            try Lifecycle.use(try Self.useRequest("2万"), state: state, on: Self.date("2022-12-30"))
        }
        #expect(Lifecycle.quota(covering: Self.date("2022-12-30"), among: [quota]) == quota)
        // Between a quota that ended long ago and one that begins tomorrow, the use is told of the
        // one to come; a day after the old one ended, of that one.
        var old = quota
        old.claimRef = "C-0"
        old.year = 2020
        (old.quota.validFrom, old.quota.validUntil) = (Self.date("2020-01-01"), Self.date("2020-12-31"))
        #expect(Lifecycle.quota(covering: Self.date("2022-12-31"), among: [old, quota]) == quota)
        #expect(Lifecycle.quota(covering: Self.date("2021-01-01"), among: [old, quota]) == old)
        #expect(Lifecycle.quota(covering: Self.date("2020-06-01"), among: [old, quota]) == old)
        let paid = try Lifecycle.use(try Self.useRequest("2万"), state: state, on: Self.date("2023-01-02"))
        #expect(paid.fact.amount == Self.money("1万").fen)
    }

    // MARK: - Uses

    static func useState(_ programme: Programme, quota: GrantedQuota? = nil) -> Lifecycle.UseState {
        let granted =
            quota
            ?? GrantedQuota(
                claimRef: "C-1",
                year: 2022,
                quota: Quota(
                    granted: money("30万"),
                    grantedOn: date("2022-02-01"),
                    validUntil: date("2022-12-31"),
                    left: money("30万")
                )
            )
        return Lifecycle.UseState(
            programme: programme,
            applicant: Applicant(id: "A", kind: .enterprise),
            provider: ProviderFacts(id: "L", region: "shanghai"),
            product: ProductFacts(code: "P", providerID: "L", category: "testing"),
            quota: granted,
            usage: UsageSoFar()
        )
    }

    static func useRequest(_ amount: String, programme: ProgrammeID? = nil) throws -> UseRequest {
        UseRequest(
            ref: "U-1",
            applicantID: "A",
            providerID: "L",
            productCode: "P",
            programme: try programme ?? ProgrammeID("test-voucher"),
            serviceAmount: money(amount)
        )
    }

    @Test func aUseRecordsTheRoundingItsAmountWasComputedWith() throws {
        let programme = try Self.programme(.voucher, rounding: Rounding(unit: .fen, mode: .halfUp))
        let recorded = try Lifecycle.use(
            try Self.useRequest("70,000.01", programme: programme.id),
            state: Self.useState(programme),
            on: Self.date("2022-05-10")
        )
        #expect(recorded.fact.amount == 3_500_001)
        #expect(recorded.fact.rounding == "half-up to fen")
        guard case .object(let payload) = recorded.fact.payload else {
            Issue.record("a payload is an object")
            return
        }
        #expect(payload["rounding"] == .string("half-up to fen"))
    }

    /// Whatever the policy's rate and rounding, what is quoted is what a use records.
    @Test func aQuoteIsWhatTheUseRecords() async throws {
        let roundings = Rounding.Unit.allCases.flatMap { unit in
            Rounding.Mode.allCases.map { Rounding(unit: unit, mode: $0) }
        }
        await propertyCheck(
            count: 300,
            input: Gen.int(in: 0..<roundings.count),
            Gen.int64(in: 1...10_000),
            Gen.int64(in: 1...99_999_999)
        ) { index, basisPoints, fen in
            let programme = try Self.programme(
                .voucher,
                rate: Rate(basisPoints: basisPoints),
                rounding: roundings[index]
            )
            var request = try Self.useRequest("0", programme: programme.id)
            request.serviceAmount = Money(fen: fen)
            let state = Self.useState(programme)
            let quoted = try Lifecycle.quote(request, state: state, on: Self.date("2022-05-10"))
            guard quoted.amount > .zero else { return }
            let recorded = try Lifecycle.use(request, state: state, on: Self.date("2022-05-10"))
            #expect(recorded.fact.amount == quoted.amount.fen)
            #expect(recorded.fact.rounding == roundings[index].canonicalText)
        }
    }

    // MARK: - Settlements

    static func settlementState(useVersion: PolicyVersion?) -> Lifecycle.SettlementState {
        Lifecycle.SettlementState(
            use: UseForRedemption(
                seq: 9,
                ref: "U-1",
                programme: "test-voucher",
                year: 2022,
                applicantID: "A",
                providerID: "L",
                usedOn: date("2022-05-10"),
                amount: money("1万"),
                redemptionDeadline: nil
            ),
            inFiling: true,
            settledBy: nil,
            useVersion: useVersion
        )
    }

    @Test func aSettlementFollowsThePolicyVersionItsUseWasComputedUnder() throws {
        let returns = try Self.programme(.voucher, unpaid: .returned).versions[0]
        let forfeits = try Self.programme(.voucher, unpaid: .forfeited).versions[0]
        let rejection = SettlementRequest(filingRef: "R-1", useRef: "U-1", outcome: .rejected(reason: "材料不全"))
        let underReturns = try Lifecycle.settle(rejection, state: Self.settlementState(useVersion: returns))
        #expect(underReturns.fact.unpaidEffect == .returned)
        #expect(underReturns.event.postings.last?.account.kind == .quota)
        let underForfeits = try Lifecycle.settle(rejection, state: Self.settlementState(useVersion: forfeits))
        #expect(underForfeits.fact.unpaidEffect == .forfeited)
        #expect(underForfeits.event.postings.last?.account.kind == .forfeited)
    }

    @Test func aRevisionMayNotChangeTheVersionInForceOnARecordedEventsDate() throws {
        let original = try Self.programme(.voucher)
        let hash = { (version: PolicyVersion) in version.canonical(programme: original.id, kind: .voucher).text }
        let applied = [
            Lifecycle.AppliedVersion(date: Self.date("2022-03-01"), versionHash: hash(original.versions[0]), events: 3)
        ]
        let first = original.versions[0]
        let earlier = try Programme(
            id: original.id,
            kind: .voucher,
            name: original.name,
            versions: [
                first,
                PolicyVersion(
                    effectiveFrom: Self.date("2022-02-01"),
                    rate: Sourced(.percent(50)),
                    redemption: .init(unpaidAmount: Sourced(.returned))
                ),
            ]
        )
        #expect(
            throws: LedgerError.policyRevisionChangesRecordedEvents(
                programme: original.id.value,
                date: Self.date("2022-03-01"),
                events: 3
            )
        ) {
            try Lifecycle.checkRevision(earlier, recordedKind: .voucher, applied: applied, hash: hash)
        }
        let later = try Programme(
            id: original.id,
            kind: .voucher,
            name: original.name,
            versions: [first, PolicyVersion(effectiveFrom: Self.date("2023-01-01"), rate: Sourced(.percent(40)))]
        )
        try Lifecycle.checkRevision(later, recordedKind: .voucher, applied: applied, hash: hash)
    }

    /// The programme's current file installed again changes nothing, and is refused saying so,
    /// whatever its line endings or last line break; another file, or a first file, is not.
    @Test func theFileInForceIsNotInstalledAgain() throws {
        let id = try ProgrammeID("sh-innovation-voucher")
        let file = "id: sh-innovation-voucher\nkind: voucher\n"
        for again in [file, file.replacingOccurrences(of: "\n", with: "\r\n"), String(file.dropLast()), file + "\n\n"] {
            #expect(throws: LedgerError.policyFileCurrent(programme: "sh-innovation-voucher", event: 7)) {
                try Lifecycle.checkNewPolicyFile(again, of: id, current: (yaml: file, event: 7))
            }
        }
        try Lifecycle.checkNewPolicyFile(file + "# a comment\n", of: id, current: (yaml: file, event: 7))
        try Lifecycle.checkNewPolicyFile(" " + file, of: id, current: (yaml: file, event: 7))
        try Lifecycle.checkNewPolicyFile(file, of: id, current: nil)
        let refusal = LedgerError.policyFileCurrent(programme: "sh-innovation-voucher", event: 7)
        #expect(refusal.text(.zh) == "该文件已是 sh-innovation-voucher 现行的政策文件（由事件 7 安装）；未重复安装。修订政策请修改文件内容")
    }

    @Test func aPerProjectCapCountsOnlyTheApplicantsOwnProject() {
        let counted = ["A": Self.money("100万"), "B": Self.money("30万")]
        #expect(Lifecycle.projectToDate(of: "B", byApplicant: counted) == Self.money("30万"))
        #expect(Lifecycle.projectToDate(of: "C", byApplicant: counted) == .zero)
    }

    // MARK: - Claims and filings

    @Test func aVoucherApplicantHasOneOpenClaimAYearAndAMatchingClaimNamesItsProject() throws {
        let voucher = try Self.programme(.voucher)
        let claim = Self.claim(voucher, requested: "10万")
        let exists = #expect(
            throws: LedgerError.claimExists(
                applicant: "A",
                programme: voucher.id.value,
                year: 2022,
                ref: "C-0",
                programmeName: voucher.name
            )
        ) {
            try Lifecycle.claim(claim, state: .init(programme: voucher, openClaim: "C-0"), on: Self.date("2022-02-01"))
        }
        // Named as the forms name it, beside its id.
        #expect(exists?.text(.zh).contains("年度的\(voucher.name.zh)（\(voucher.id.value)）已有申领 C-0") == true)
        #expect(exists?.description.contains("for the \(voucher.name.en) (\(voucher.id.value)) in 2022") == true)
        let event = try Lifecycle.claim(claim, state: .init(programme: voucher), on: Self.date("2022-02-01"))
        #expect(event.kind == .claim && event.postings.isEmpty && event.policyVersion != nil)
        let matching = try Self.programme(.matching, rate: .hundredPercent)
        #expect(throws: LedgerError.self) {
            try Lifecycle.claim(
                Self.claim(matching, requested: "10万"),
                state: .init(programme: matching),
                on: Self.date("2022-02-01")
            )
        }
    }

    static func filedUse(
        _ ref: String,
        provider: String = "L",
        programme: String = "test-voucher"
    )
        -> Lifecycle.UseToFile
    {
        Lifecycle.UseToFile(
            use: UseForRedemption(
                seq: 9,
                ref: ref,
                programme: programme,
                year: 2022,
                applicantID: "A",
                providerID: provider,
                usedOn: date("2022-05-10"),
                amount: money("1万"),
                redemptionDeadline: date("2022-08-08")
            ),
            filedIn: nil
        )
    }

    @Test func aFilingTakesTheProvidersOwnUnfiledUsesOfOneProgrammeAndMarksLateOnes() throws {
        let filed = try Lifecycle.file(
            ref: "R-1",
            providerID: "L",
            uses: [Self.filedUse("U-1")],
            on: Self.date("2022-08-09")
        )
        #expect(filed.items.map(\.pastDeadline) == [true])
        let onTime = try Lifecycle.file(
            ref: "R-1",
            providerID: "L",
            uses: [Self.filedUse("U-1")],
            on: Self.date("2022-08-08")
        )
        #expect(onTime.items.map(\.pastDeadline) == [false])
        #expect(
            throws: LedgerError.redemption(
                use: "U-1",
                reason: LocalizedText(zh: "在服务机构 M 使用，而非 L", en: "was used at provider M, not L")
            )
        ) {
            try Lifecycle.file(
                ref: "R-1",
                providerID: "L",
                uses: [Self.filedUse("U-1", provider: "M")],
                on: Self.date("2022-06-01")
            )
        }
        var again = Self.filedUse("U-1")
        again.filedIn = "R-0"
        #expect(
            throws: LedgerError.redemption(
                use: "U-1",
                reason: LocalizedText(zh: "已在兑付申请 R-0 中申报", en: "is already filed in redemption claim R-0")
            )
        ) {
            try Lifecycle.file(ref: "R-1", providerID: "L", uses: [again], on: Self.date("2022-06-01"))
        }
        #expect(throws: LedgerError.self) {
            try Lifecycle.file(
                ref: "R-1",
                providerID: "L",
                uses: [Self.filedUse("U-1"), Self.filedUse("U-2", programme: "other-voucher")],
                on: Self.date("2022-06-01")
            )
        }
    }

    @Test func anExpiryLapsesWhatIsLeftAndRecordsNothingWhenNothingIs() throws {
        let voucher = try Self.programme(.voucher)
        #expect(try Lifecycle.expire(programme: voucher, ended: []) == nil)
        let ended = [EndedQuota(claimRef: "C-1", applicantID: "A", year: 2022, left: Self.money("3万"))]
        let event = try #require(try Lifecycle.expire(programme: voucher, ended: ended))
        #expect(event.postings.map(\.account.kind) == [.quota, .lapsed])
        #expect(throws: LedgerError.self) { try Lifecycle.expire(programme: try Self.programme(.grant), ended: ended) }
    }

    // MARK: - Reversals and payments

    @Test func aReversalPostsTheOppositeAndWaitsForWhatDependsOnIt() throws {
        let programme = try ProgrammeID("test-voucher")
        let quota = LedgerAccount(.quota, programme: programme, year: 2022, party: "A")
        let awaiting = LedgerAccount(.awaiting, programme: programme, year: 2022, party: "L")
        var target = ReversalTarget(
            seq: 12,
            kind: .use,
            programme: programme,
            reversedBy: nil,
            dependent: 14,
            postings: Posting.transfer(Self.money("1万"), from: quota, to: awaiting)
        )
        #expect(throws: LedgerError.self) { try Lifecycle.reverse(target, reason: "重复") }
        target.dependent = nil
        let reversal = try Lifecycle.reverse(target, reason: "重复")
        #expect(reversal.postings == Posting.transfer(Self.money("1万"), from: awaiting, to: quota).reversed())
        // Dated on or after the event, and after the reversal of its filing.
        target.date = try BusinessDate.parse("2022-05-10")
        target.dependentsReversedOn = try BusinessDate.parse("2022-06-01")
        #expect(throws: LedgerError.self) {
            try Lifecycle.reverse(target, reason: "重复", on: try BusinessDate.parse("2022-05-09"))
        }
        #expect(throws: LedgerError.self) {
            try Lifecycle.reverse(target, reason: "重复", on: try BusinessDate.parse("2022-05-31"))
        }
        _ = try Lifecycle.reverse(target, reason: "重复", on: try BusinessDate.parse("2022-06-01"))
        target.reversedBy = 13
        #expect(throws: LedgerError.alreadyReversed(event: 12, by: 13)) { try Lifecycle.reverse(target, reason: "重复") }
    }

    /// A reversal is not dated after today, unless what it reverses was dated ahead: it is then
    /// dated as that event. A provider's suspension may be dated the day to come it applies from;
    /// other events may not be dated ahead.
    @Test func aReversalOfAnEventDatedAheadIsDatedAsThatEvent() throws {
        let programme = try ProgrammeID("test-voucher")
        let today = Self.date("2026-12-02")
        var target = ReversalTarget(
            seq: 12,
            kind: .claim,
            programme: programme,
            reversedBy: nil,
            dependent: nil,
            postings: []
        )
        target.date = Self.date("2022-05-10")
        _ = try Lifecycle.reverse(target, reason: "录错", on: today, today: today)
        let ahead = #expect(throws: LedgerError.self) {
            try Lifecycle.reverse(target, reason: "录错", on: Self.date("2026-12-03"), today: today)
        }
        #expect(ahead?.description.contains("is after today (2026-12-02") == true)
        target.date = Self.date("2030-01-05")
        _ = try Lifecycle.reverse(target, reason: "录错", on: Self.date("2030-01-05"), today: today)
        let other = #expect(throws: LedgerError.self) {
            try Lifecycle.reverse(target, reason: "录错", on: Self.date("2030-02-01"), today: today)
        }
        #expect(
            other?.description.contains("event 12 is dated ahead, 2030-01-05") == true,
            "\(String(describing: other))"
        )
        #expect(throws: LedgerError.self) { try Lifecycle.reverse(target, reason: "录错", on: today, today: today) }
        try Lifecycle.checkRecordingDate(Self.date("2027-01-01"), kind: .providerStatus, today: today)
        for kind in [EventKind.claim, .use, .budget, .applicant] {
            #expect(throws: LedgerError.self) {
                try Lifecycle.checkRecordingDate(Self.date("2027-01-01"), kind: kind, today: today)
            }
            try Lifecycle.checkRecordingDate(today, kind: kind, today: today)
        }
    }

    @Test func aReversedEventSubmittedAgainIsRefusedNamingItsReversal() throws {
        try Lifecycle.checkResubmission(kind: "use", ref: "U-1", event: 12, reversedBy: nil)
        #expect(throws: LedgerError.resubmittedAfterReversal(kind: "use", ref: "U-1", event: 12, reversal: 13)) {
            try Lifecycle.checkResubmission(kind: "use", ref: "U-1", event: 12, reversedBy: 13)
        }
    }

    @Test func aPaymentNeverExceedsWhatIsLeftOfTheGrant() throws {
        let programme = try Self.programme(.grant)
        let state = PaymentState(
            claim: Self.claim(programme, requested: "50万"),
            kind: .grant,
            granted: Self.money("30万"),
            paidBefore: Self.money("20万")
        )
        #expect(
            throws: LedgerError.paymentOverGrant(claim: "C-1", left: Self.money("10万"), requested: Self.money("11万"))
        ) {
            try Lifecycle.pay(PaymentRequest(claimRef: "C-1", amount: Self.money("11万")), state: state)
        }
        let paid = try Lifecycle.pay(PaymentRequest(claimRef: "C-1", amount: Self.money("10万")), state: state)
        #expect(paid.amount == Self.money("10万"))
    }
}

/// Every refusal reads in Chinese on a Chinese page: each case's text has Chinese in it and is not
/// its English description; in English it is the description. (The list names every case of
/// `LedgerError` by hand: a new case must be added here.)
struct RefusalLanguageTests {
    static let date = LifecycleTests.date("2022-05-10")
    static let text = LocalizedText(zh: "理由", en: "reason")

    static let refusals: [LedgerError] = [
        .cannotCreate(path: "/x"), .invalid(field: "year", value: "x", reason: "is not a year"),
        .unknownProgramme("p"), .unknownApplicant("a"), .unknownProvider("p"), .unknownProduct("c"),
        .unknownProduct("c", sameButCase: "C"),
        .productOfAnotherProvider(product: "c", provider: "p", expected: "q"), .unknownClaim("C"),
        .unknownUse("U"), .unknownRedemption("R"), .unknownEvent(1),
        .wrongProgrammeKind(programme: "p", kind: .grant, operation: "a voucher use"),
        .referenceTaken(kind: "claim", ref: "C", event: 1),
        .resubmittedAfterReversal(kind: "use", ref: "U", event: 1, reversal: 2),
        .decisionAfterProgrammeYear(claim: "C", year: 2022, date: date),
        .policyRevisionChangesRecordedEvents(programme: "p", date: date, events: 3), .refusedByLedger("trigger"),
        .idempotencyConflict(key: "k", firstEvent: 1),
        .claimExists(applicant: "a", programme: "p", year: 2022, ref: "C"),
        .claimExists(applicant: "a", programme: "p", year: 2022, ref: "C", programmeName: text),
        .decisionOrder(claim: "C", reason: text),
        .datedBefore(record: .redemptionSettled, date: date, earlier: text, earlierDate: date),
        .grantOverLimit(claim: "C", granted: Money(fen: 2), limit: Money(fen: 1), explanation: text),
        .notEligible(reason: text), .applicantNotEligible(reason: text),
        .applicantNotEligible(reason: text, remedy: text), .policyFileCurrent(programme: "p", event: 1),
        .providerSuspended(provider: "p", from: date, reason: "r", date: date),
        .invoiceFunded(invoice: "i", provider: "p", use: "U", programme: "p"),
        .overBudget(claim: "C", granted: Money(fen: 2), left: Money(fen: 1), appropriated: Money(fen: 3), event: 4),
        .awaitingReview(claim: "C", level: .city, rule: text, operation: "paid"),
        .nothingToPay(explanation: text), .redemption(use: "U", reason: text),
        .settlementOverUse(use: "U", used: Money(fen: 1), paid: Money(fen: 2)),
        .paymentOverGrant(claim: "C", left: Money(fen: 1), requested: Money(fen: 2)),
        .negativeBalance(account: "a", balance: Money(fen: 1), change: Money(fen: -2)),
        .notReversible(event: 1, reason: text), .alreadyReversed(event: 1, by: 2),
        .policy(PolicyError(key: "rate", reason: "is not a rate")), .money(.overflow(operation: "add")),
        .internalInconsistency("x"),
    ]

    /// A field's refusal names the field as the console labels it, with its value when it has one.
    @Test func aFieldsRefusalReadsInChinese() throws {
        let share = #expect(throws: LedgerError.self) {
            try Lifecycle.appropriation(
                Appropriation(
                    programme: try ProgrammeID("p"),
                    year: 2023,
                    amount: Money(fen: 100),
                    shares: [
                        BudgetShare(name: "city", rate: Rate(basisPoints: 10_000)),
                        BudgetShare(name: "district", rate: Rate(basisPoints: 0)),
                    ]
                )
            )
        }
        #expect(share?.text(.zh) == "出资比例「district=0%」：为 0%；请删去该出资方")
        #expect(share?.description == "share \"district=0%\": is 0%; leave the funder out")
        let none = LedgerError.invalid(field: "uses", value: "", reason: "r", zh: "为空：兑付申请至少须包含一笔用券")
        #expect(none.text(.zh) == "用券为空：兑付申请至少须包含一笔用券")
        // A reason without Chinese keeps its English inside a Chinese frame.
        #expect(
            LedgerError.invalid(field: "format", value: "x", reason: "use a or b").text(.zh) == "format「x」无效：use a or b"
        )
    }

    /// The refusals a console user can meet at the registry, the payment, the recovery and the
    /// engine's own checks of a purchase read in Chinese, with the facts of the English.
    @Test func theConsolesFieldRefusalsHaveTheirOwnChinese() throws {
        func zh(_ work: () throws -> Void) -> String {
            do { try work() } catch let error as LedgerError { return error.text(.zh) } catch { return "\(error)" }
            return "(not refused)"
        }
        #expect(
            zh { _ = try PartyIdentifier.registered("91350100M00010", team: false) }
                == "编号「91350100M00010」：有 14 个字符；统一社会信用代码为 18 位"
        )
        #expect(zh { _ = try PartyIdentifier.registered("-1", team: true) }.hasPrefix("编号「-1」：不是有效的团队编号"))
        let provider = ProviderRegistration(
            identifier: .team(try TeamRegistrationNumber("YP-T-1")),
            name: "乙",
            region: "shanghai"
        )
        #expect(zh { _ = try Lifecycle.registration(provider) } == "编号「YP-T-1」：服务机构以统一社会信用代码登记")
        #expect(zh { _ = try Lifecycle.attributes(["Tech SME"]) }.hasPrefix("属性「Tech SME」：不是有效的属性名"))
        let payment = PaymentRequest(claimRef: "M-1", amount: .zero)
        #expect(zh { _ = try Lifecycle.submission(of: payment) } == "金额「0.00」：拨付金额须大于零")
        let exceeds = SubsidyInputError.exceeds(
            field: "eligible_amount",
            amount: Money(fen: 200),
            limitField: "service_amount",
            limit: Money(fen: 100)
        )
        #expect(exceeds.zh == "合规金额 2.00 超过服务金额 1.00")
        // An override names both why and who approved it.
        #expect(
            zh { _ = try PartyIdentifier.registered("91350100M000100Y4X", team: false, overrideReason: "执照原件") }
                == "核准人为空：人工核准信用代码须同时写明核准人与理由"
        )
        #expect(
            zh { _ = try PartyIdentifier.registered("91350100M000100Y43", team: false, overrideBy: "李强") }
                .hasPrefix("人工核准理由为空")
        )
        // Nothing granted is a rejection, which says why.
        let nothing = DecisionRequest(claimRef: "C-1", level: .district, outcome: .grant(.zero), reviewer: "王丽")
        #expect(zh { _ = try Lifecycle.submission(of: nothing) } == "核定金额「0.00」：核定金额为零；如不予资助，请选择“不予批准”并写明理由")
    }

    /// An unknown party whose code's check character is wrong is refused as a mistyped code, with
    /// the character it should be; a code that checks is refused as not registered.
    @Test func aMistypedCodeIsNamedAsSuch() {
        let typo = LedgerError.unknownApplicant("91310110005000001K")
        #expect(typo.description.contains("its check character should be J"), "\(typo)")
        #expect(typo.text(.zh).contains("其校验码应为 J"))
        #expect(LedgerError.unknownProvider("91310110005000001k").description.contains("should be J"))
        let unregistered = LedgerError.unknownApplicant("91310110005000001J")
        #expect(unregistered.description.contains("register the enterprise or team first"))
        #expect(LedgerError.unknownApplicant("YP-T-2023-017").description.contains("register"))
    }

    /// A region is kept as its key, typed in any case or by its Chinese name.
    @Test func aRegionIsKeptAsItsKey() throws {
        let id = try PartyIdentifier.registered("91350100M000100Y43", team: false)
        for typed in ["上海", "上海市", " Shanghai ", "SHANGHAI"] {
            #expect(ProviderRegistration(identifier: id, name: "甲", region: typed).region == "shanghai")
            #expect(
                ApplicantRegistration(identifier: id, kind: .enterprise, name: "甲", region: typed).region == "shanghai"
            )
        }
        #expect(ProviderRegistration(identifier: id, name: "甲", region: "江苏省").region == "jiangsu")
        #expect(ProviderRegistration(identifier: id, name: "甲", region: "Hong Kong").region == "hong kong")
        // Only a region's own official name is read as it: 上海省 is no division, kept as typed.
        #expect(ProviderRegistration(identifier: id, name: "甲", region: "上海省").region == "上海省")
        #expect(ProviderRegistration(identifier: id, name: "甲", region: "江苏市").region == "江苏市")
    }

    @Test(arguments: refusals)
    func aRefusalReadsInChinese(_ refusal: LedgerError) {
        let zh = refusal.text(.zh)
        #expect(zh.unicodeScalars.contains { (0x4E00...0x9FFF).contains($0.value) }, "\(zh)")
        #expect(zh != refusal.description)
        #expect(refusal.text(.en) == refusal.description)
        // A reason a rule words itself is given in the reader's language.
        #expect(!zh.contains("reason"), "\(zh)")
    }
}
