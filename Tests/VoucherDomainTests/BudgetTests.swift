import Testing
import VoucherDomain

/// A programme year's appropriation and the grants it bounds, without a database.
struct BudgetTests {
    static let money = LifecycleTests.money
    static let date = LifecycleTests.date

    static func appropriation(_ amount: String, shares: [(String, Int64)] = []) throws -> Appropriation {
        Appropriation(
            programme: try ProgrammeID("test-grant"),
            year: 2023,
            amount: money(amount),
            shares: shares.map { BudgetShare(name: $0.0, rate: Rate(basisPoints: $0.1)) }
        )
    }

    /// A year's grants beyond its appropriation: by how much; nothing when they fit.
    @Test func theShortfallIsWhatTheGrantsExceedTheAppropriationBy() throws {
        let appropriation = Appropriation(programme: try ProgrammeID("x"), year: 2023, amount: Self.money("60万"))
        #expect(appropriation.shortfall(committed: Self.money("60万")) == nil)
        #expect(appropriation.shortfall(committed: Self.money("10万")) == nil)
        #expect(appropriation.shortfall(committed: Self.money("60.01万")) == Self.money("100"))
    }

    @Test func anAppropriationsSharesAddUpToAllOfItAndItsPartsToTheFen() throws {
        let fund = try Self.appropriation("100.01", shares: [("city", 6_000), ("district", 4_000)])
        let event = try Lifecycle.appropriation(fund)
        #expect(event.kind == .budget)
        #expect(
            event.payload.text
                == #"{"amount":10001,"programme":"test-grant","shares":"city=6000;district=4000","year":2023}"#
        )
        // 60% of 100.01 is 60.006: 60.00 to the city, and the district the 40.01 left.
        #expect(fund.shareAmounts.map(\.amount) == [Self.money("60.00"), Self.money("40.01")])
        #expect(Appropriation.shares(fund.sharesText) == fund.shares)
        #expect(try Lifecycle.appropriation(try Self.appropriation("3000万")).payload.text.contains("shares") == false)
    }

    @Test(arguments: [
        ("city=6000;district=3000", "share \"city=60%; district=30%\": the shares add up to 90%, not 100%"),
        ("city=6000;city=4000", "share \"city=60%; city=40%\": both name city; give each funder's share once"),
        ("city=10000;district=0", "is 0%"),
        ("City Hall=10000", "is not a funder's name"),
    ])
    func badSharesAreRefusedSayingWhy(_ shares: String, _ reason: String) throws {
        var fund = try Self.appropriation("100万")
        fund.shares = try #require(Appropriation.shares(shares))
        let error = #expect(throws: LedgerError.self) { try Lifecycle.appropriation(fund) }
        #expect(error?.description.contains(reason) == true, "\(String(describing: error))")
    }

    /// A funder is named as its key, whatever the case it is typed in; the city and the district
    /// also by their Chinese names. What is still not a key is refused when recorded.
    @Test func aSharesNameIsReadAsItsKey() throws {
        let read = try ["City=60%", " 区级 = 40%", "市=1%", "Central-Fund=5%"].map { try BudgetShare.parse($0) }
        #expect(read.map(\.name) == ["city", "district", "city", "central-fund"])
        #expect(read.map(\.rate.basisPoints) == [6_000, 4_000, 100, 500])
        var fund = try Self.appropriation("100万")
        fund.shares = [try BudgetShare.parse("财政局=100%")]
        let refused = #expect(throws: LedgerError.self) { try Lifecycle.appropriation(fund) }
        guard case .invalid(let field, let value, _, _) = refused else {
            Issue.record("\(String(describing: refused))")
            return
        }
        #expect(field == "share" && value == "财政局=100%")
    }

    /// A refusal quotes the shares as they were typed, not the keys they are read as; the
    /// full-width forms and the colon a Chinese input method types are read as `=` and `%`.
    @Test func aRefusalQuotesTheSharesAsTyped() throws {
        let read = try ["市级＝６０％", "区级：30%", " 区 : 10% "].map { try BudgetShare.parse($0) }
        #expect(read.map(\.name) == ["city", "district", "district"])
        #expect(read.map(\.rate.basisPoints) == [6_000, 3_000, 1_000])
        // Equal by name and rate: how a share was typed is not part of what is recorded.
        #expect(read[1] == BudgetShare(name: "district", rate: Rate(basisPoints: 3_000)))
        var fund = try Self.appropriation("100万")
        fund.shares = Array(read.prefix(2))
        let short = #expect(throws: LedgerError.self) { try Lifecycle.appropriation(fund) }
        #expect(short?.text(.zh) == "出资比例「市级＝６０％; 区级：30%」：各出资比例合计为 90%，而非 100%")
        fund.shares = read
        let twice = #expect(throws: LedgerError.self) { try Lifecycle.appropriation(fund) }
        #expect(twice?.text(.zh) == "出资比例「区级：30%; 区 : 10%」：均指 district；每个出资方的比例只写一次")
        #expect(throws: LedgerError.self) { try BudgetShare.parse("市级 60%") }
    }

    @Test func aGrantIsRefusedBeyondWhatTheAppropriationLeavesNamingIt() throws {
        let programme = try LifecycleTests.programme(.grant)
        let claim = LifecycleTests.claim(programme, year: 2022, requested: "50万")
        var state = LifecycleTests.decisionState(programme, claim: claim)
        state.budget = BudgetState(
            appropriation: Appropriation(programme: programme.id, year: 2022, amount: Self.money("100万")),
            event: 12,
            committedByOthers: Self.money("70万")
        )
        #expect(
            throws: LedgerError.overBudget(
                claim: "C-1",
                granted: Self.money("40万"),
                left: Self.money("30万"),
                appropriated: Self.money("100万"),
                event: 12
            )
        ) { try Lifecycle.decide(LifecycleTests.grant("40万"), state: state, on: Self.date("2022-03-01")) }
        _ = try Lifecycle.decide(LifecycleTests.grant("30万"), state: state, on: Self.date("2022-03-01"))
        // A revision below what was committed leaves nothing to grant; a rejection is still decided.
        state.budget?.committedByOthers = Self.money("120万")
        #expect(
            throws: LedgerError.overBudget(
                claim: "C-1",
                granted: Self.money("0.01"),
                left: .zero,
                appropriated: Self.money("100万"),
                event: 12
            )
        ) { try Lifecycle.decide(LifecycleTests.grant("0.01"), state: state, on: Self.date("2022-03-01")) }
        _ = try Lifecycle.decide(
            DecisionRequest(claimRef: "C-1", outcome: .reject(reason: "预算不足"), reviewer: "王丽"),
            state: state,
            on: Self.date("2022-03-01")
        )
    }

    @Test func aGrantMayAlwaysBeLoweredEvenWhenTheYearIsOverCommitted() throws {
        let programme = try LifecycleTests.programme(.grant)
        let claim = LifecycleTests.claim(programme, year: 2022, requested: "50万")
        var state = LifecycleTests.decisionState(
            programme,
            claim: claim,
            decisions: [PriorDecision(seq: 7, level: .district, granted: Self.money("50万"), reviewer: "王丽")]
        )
        // Revised to 50万 while this claim holds 50万 and the others 10万.
        state.budget = BudgetState(
            appropriation: Appropriation(programme: programme.id, year: 2022, amount: Self.money("50万")),
            event: 12,
            committedByOthers: Self.money("10万"),
            current: Self.money("50万")
        )
        let city = DecisionRequest(claimRef: "C-1", level: .city, outcome: .grant(Self.money("45万")), reviewer: "李强")
        let (fact, _) = try Lifecycle.decide(city, state: state, on: Self.date("2022-03-10"))
        #expect(fact.granted == Self.money("45万"))
        // Reversing a decision that lowered a grant restores it: refused when the budget lacks it.
        let target = ReversalTarget(
            seq: 8,
            kind: .decision,
            programme: programme.id,
            reversedBy: nil,
            dependent: nil,
            postings: []
        )
        var reversal = target
        reversal.restores = (
            "C-1", Self.money("50万"),
            state.budget.map { budget in
                var lowered = budget
                lowered.current = Self.money("45万")
                return lowered
            }
        )
        #expect(throws: LedgerError.self) { try Lifecycle.reverse(reversal, reason: "录错") }
        reversal.restores = nil
        _ = try Lifecycle.reverse(reversal, reason: "录错")
    }

    @Test func theSameReviewerIsRecognisedWhateverTheCaseOrSpacesAndHiddenCharactersAreRefused() throws {
        let programme = try LifecycleTests.programme(.voucher)
        let state = LifecycleTests.decisionState(
            programme,
            claim: LifecycleTests.claim(programme, requested: "20万"),
            decisions: [PriorDecision(seq: 7, level: .district, granted: Self.money("10万"), reviewer: "Li Wei")]
        )
        let city = DecisionRequest(claimRef: "C-1", level: .city, outcome: .grant(Self.money("8万")), reviewer: "li wei")
        #expect(throws: LedgerError.self) { try Lifecycle.decide(city, state: state, on: Self.date("2022-03-10")) }
        var hidden = city
        hidden.reviewer = "王丽\u{200B}"
        #expect(throws: LedgerError.self) { try Lifecycle.submission(of: hidden) }
    }
}
