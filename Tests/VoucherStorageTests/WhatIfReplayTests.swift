import PropertyBased
import Testing

@testable import VoucherDomain
@testable import VoucherStorage

/// The replay under a programme's own policy reproduces histories the seeded simulation seldom
/// makes: decisions reversed back to a rejection, payments of grants and their reversals.
struct WhatIfReplayTests {
    /// The replay of a programme year under its own policy.
    static func replayed(_ ledger: Ledger, _ programmeID: ProgrammeID, year: Int) throws -> ReplayOutcome {
        let programme = try ledger.programme(programmeID)
        let (replays, head) = try ledger.replay(programmeID) { reversed in
            [Replay(programme: programme, year: year, reversed: reversed)]
        }
        let outcome = replays[0].outcome(chainHead: head)
        // The what-if counts with `finish`, which first lets go of the tables it says the count
        // does not read: it must arrive at the same outcome.
        var finishing = replays[0]
        #expect(finishing.finish(chainHead: head) == outcome, "finish(chainHead:) and outcome(chainHead:) differ")
        return outcome
    }

    /// What a replay under the programme's own policy differs in from the ledger's figures, if
    /// anything: a figure, an event decided otherwise, a use of another amount.
    static func difference(_ outcome: ReplayOutcome, _ recorded: ReconciliationFigures) -> String? {
        if let differs = WhatIfCheck.difference(replayed: outcome.figures, recorded: recorded) { return differs }
        if let change = outcome.changes.first { return "event \(change.seq) changed: \(change.what)" }
        if outcome.usesWithOtherAmount != 0 { return "\(outcome.usesWithOtherAmount) uses with another amount" }
        return nil
    }

    /// What the replay of a programme year under its own policy differs in from the ledger, if anything.
    /// The ledger's figures the replay reads in its own snapshot must be the report's.
    static func difference(_ ledger: Ledger, _ programmeID: ProgrammeID, year: Int) throws -> String? {
        let programme = try ledger.programme(programmeID)
        let (replays, head, figures) = try ledger.replay(programmeID, figuresOf: .year(year)) { reversed in
            [Replay(programme: programme, year: year, reversed: reversed)]
        }
        let recorded = try ledger.reconciliation(programmeID, period: .year(year))
        #expect(figures == recorded)
        return difference(replays[0].outcome(chainHead: head), recorded)
    }

    /// The district rejects, the city rejects, the city's rejection is reversed: the claim is
    /// still rejected (the district's decision is the latest live one), so the applicant's second
    /// claim for the year is the open one, and its quota is used.
    @Test func aClaimRejectedAgainAfterAReversalIsNotOpen() throws {
        let fixture = try LedgerFixture()
        let ledger = fixture.ledger
        try ledger.claim(
            ClaimRequest(
                ref: "C1",
                applicantID: fixture.alpha,
                programme: shanghai,
                year: 2022,
                requested: yuan("100000")
            ),
            context: fixture.next("2022-02-01")
        )
        try ledger.decide(
            DecisionRequest(claimRef: "C1", level: .district, outcome: .reject(reason: "incomplete"), reviewer: "d"),
            context: fixture.next("2022-02-02")
        )
        let city = try ledger.decide(
            DecisionRequest(claimRef: "C1", level: .city, outcome: .reject(reason: "incomplete"), reviewer: "c"),
            context: fixture.next("2022-02-03")
        )
        try ledger.reverse(event: city.seq, reason: "entered twice", context: fixture.next("2022-02-04"))
        try fixture.grantQuota("C2", applicant: fixture.alpha, amount: "100000", on: "2022-03-01")
        _ = try fixture.use("U1", applicant: fixture.alpha, amount: "40000", on: "2022-05-10")
        #expect(try WhatIfReplayTests.difference(ledger, shanghai, year: 2022) == nil)
        #expect(try ledger.reconciliation(shanghai, period: .year(2022)).uses == 1)
    }

    /// A grant paid in two parts, the second reversed and paid again smaller.
    @Test func paymentsOfAGrantAndTheirReversal() throws {
        let fixture = try LedgerFixture()
        let ledger = fixture.ledger
        try fixture.paidOperatingGrant("G1", applicant: fixture.alpha, amount: "300000")
        try ledger.claim(
            ClaimRequest(
                ref: "G2",
                applicantID: fixture.beta,
                programme: operating,
                year: 2023,
                requested: yuan("500000")
            ),
            context: fixture.next("2023-03-01")
        )
        try ledger.decide(
            DecisionRequest(claimRef: "G2", outcome: .grant(yuan("400000")), reviewer: "r"),
            context: fixture.next("2023-03-02")
        )
        try ledger.pay(PaymentRequest(claimRef: "G2", amount: yuan("100000")), context: fixture.next("2023-04-01"))
        let second = try ledger.pay(
            PaymentRequest(claimRef: "G2", amount: yuan("250000")),
            context: fixture.next("2023-05-01")
        )
        try ledger.reverse(event: second.seq, reason: "wrong account", context: fixture.next("2023-05-02"))
        try ledger.pay(PaymentRequest(claimRef: "G2", amount: yuan("200000")), context: fixture.next("2023-05-03"))
        #expect(try Self.difference(ledger, operating, year: 2023) == nil)
        let figures = try ledger.reconciliation(operating, period: .year(2023))
        #expect(figures.uses == 3)
        #expect(figures.used == yuan("600000"))
        // The chart's months are the payments' (the reversed one left out); each current grant's
        // bounding term is counted.
        let outcome = try Self.replayed(ledger, operating, year: 2023)
        #expect(outcome.usedByMonth == ["2023-04": yuan("400000"), "2023-05": yuan("200000")])
        #expect(outcome.binding.values.reduce(0, +) == 2)
    }
}

/// `quote` under a reform counts what the reform's caps need even where the installed policy has
/// no such cap.
struct QuoteUnderReformTests {
    @Test func aProjectCapTheInstalledPolicyLacksIsCounted() throws {
        let fixture = try LedgerFixture()
        let ledger = fixture.ledger
        try fixture.grantQuota("C1", applicant: fixture.alpha, amount: "200000")
        // 50% of 40,000.00 on project P: 20,000.00 counted towards the project.
        _ = try fixture.use("U1", applicant: fixture.alpha, amount: "40000", on: "2022-05-10", project: "P")
        let own = try ledger.programme(shanghai)
        var versions = own.versions
        for index in versions.indices { versions[index].caps.perProject = Sourced(yuan("30000")) }
        let reform = try Programme(id: own.id, kind: own.kind, name: own.name, versions: versions)
        let request = UseRequest(
            ref: "quote",
            applicantID: fixture.alpha,
            providerID: fixture.lab,
            productCode: "LAB-NMR",
            programme: shanghai,
            serviceAmount: yuan("40000"),
            project: "P"
        )
        #expect(try ledger.quote(request, on: day("2022-06-01")).amount == yuan("20000"))
        // The reform's 30,000.00 per project, 20,000.00 of it counted: 10,000.00 left.
        let reformed = try ledger.quote(request, on: day("2022-06-01"), under: reform)
        #expect(reformed.amount == yuan("10000"))
        #expect(reformed.binding == .projectCapLeft)
    }
}

/// What a reform changes, counted only for what the ledger did not cancel.
struct ReformChangesTests {
    /// A reform that supports no category the lab sells: each use would pay nothing. The use the
    /// ledger reversed is neither listed as changed nor counted as another amount.
    @Test func aReversedUseIsNeitherListedNorCounted() throws {
        let fixture = try LedgerFixture()
        let ledger = fixture.ledger
        try fixture.grantQuota("C1", applicant: fixture.alpha, amount: "200000")
        let first = try fixture.use("U1", applicant: fixture.alpha, amount: "40000", on: "2022-05-10")
        try ledger.reverse(event: first.seq, reason: "entered twice", context: fixture.next("2022-05-11"))
        _ = try fixture.use("U2", applicant: fixture.alpha, amount: "60000", on: "2022-06-10")
        _ = try fixture.use("U3", applicant: fixture.alpha, amount: "10000", on: "2022-07-10")
        let own = try ledger.programme(shanghai)

        // Nothing eligible: the live uses are listed, the reversed one is not.
        var versions = own.versions
        for index in versions.indices { versions[index].eligibility.productCategories = Sourced(["none-such"]) }
        let closed = try Programme(id: own.id, kind: own.kind, name: own.name, versions: versions)
        let (refused, head) = try ledger.replay(shanghai) {
            [Replay(programme: own, reform: closed, year: 2022, reversed: $0)]
        }
        let changes = refused[0].outcome(chainHead: head).changes
        #expect(changes.map(\.ref) == ["U2", "U3"])

        // At 40%: two live uses of another amount; the reversed one counted out.
        versions = own.versions
        for index in versions.indices { versions[index].rate = Sourced(Rate(basisPoints: 4_000)) }
        let lower = try Programme(id: own.id, kind: own.kind, name: own.name, versions: versions)
        let (replays, _) = try ledger.replay(shanghai) {
            [Replay(programme: own, reform: lower, year: 2022, reversed: $0)]
        }
        #expect(replays[0].outcome(chainHead: head).usesWithOtherAmount == 2)
    }

    /// A reform that takes claims from one district only refuses, in the replay, the claims and
    /// grants of applicants registered elsewhere (as they were registered at the time), and the
    /// uses of their quotas fall away with them.
    @Test func aReformThatLimitsTheDistrictsRefusesTheOthersClaims() throws {
        let fixture = try LedgerFixture()
        let ledger = fixture.ledger
        try fixture.grantQuota("C-A", applicant: fixture.alpha, amount: "10万")
        try fixture.grantQuota("C-C", applicant: fixture.gamma, amount: "10万")
        _ = try fixture.use("U-A", applicant: fixture.alpha, amount: "4万", on: "2022-05-10")
        _ = try fixture.use("U-C", applicant: fixture.gamma, amount: "4万", on: "2022-05-10")
        // Gamma moves afterwards: the replay reads the registration of the day of each event.
        try ledger.registerApplicant(
            ApplicantRegistration(
                identifier: .creditCode(try UnifiedSocialCreditCode(fixture.gamma)),
                kind: .enterprise,
                name: "丙软件有限公司",
                district: "宝山区",
                region: "shanghai",
                attributes: ["jic-member"]
            ),
            context: fixture.next("2022-06-01")
        )
        #expect(try WhatIfReplayTests.difference(ledger, shanghai, year: 2022) == nil)
        let own = try ledger.programme(shanghai)
        var versions = own.versions
        for index in versions.indices {
            versions[index].eligibility.applicantDistricts = Sourced(["宝山区"], Source(.assumed, "test"))
        }
        let baoshan = try Programme(id: own.id, kind: own.kind, name: own.name, versions: versions)
        let (replays, head) = try ledger.replay(shanghai) {
            [Replay(programme: own, reform: baoshan, year: 2022, reversed: $0)]
        }
        let outcome = replays[0].outcome(chainHead: head)
        // Every claim was made while both were in 杨浦区: all refused, and every use with them.
        #expect(Set(outcome.changes.map(\.ref)) == ["C-A", "C-C", "U-A", "U-C"], "\(outcome.changes)")
        #expect(outcome.figures.used == .zero)
    }
}

/// A replay holds a claim's state for every claim of the programme, twice in a what-if: at
/// 333,333 claims each 8 bytes are 5 MB. Fields added out of order of size leave holes.
struct ReplayLayoutTests {
    @Test func aClaimsStateAndItsDecisionPackWithoutHoles() {
        #expect(MemoryLayout<Replay.ClaimState>.stride <= 104)
        #expect(MemoryLayout<Replay.DecisionState?>.size <= 28)
    }

    /// The uses' and claims' numbers kept in four bytes each give back every number, and find
    /// each, across many values of the high 32 bits.
    @Test func increasingSeqsKeepEveryNumberAcrossTheHighBits() async {
        let steps = Gen.int64(in: 1...3_000_000_000).array(of: 1...200)
        await propertyCheck(count: 200, input: steps) { steps in
            var seqs = IncreasingSeqs()
            var expected: [Int64] = []
            for step in steps {
                expected.append((expected.last ?? 0) + step)
                seqs.append(expected[expected.count - 1])
            }
            #expect((0..<seqs.count).map { seqs[$0] } == expected)
            for (index, seq) in expected.enumerated() {
                #expect(seqs.index(of: seq) == index)
                let next = index + 1 < expected.count ? expected[index + 1] : nil
                #expect(seqs.index(of: seq + 1) == (next == seq + 1 ? index + 1 : nil))
            }
            #expect(seqs.index(of: 0) == nil)
        }
    }
}
