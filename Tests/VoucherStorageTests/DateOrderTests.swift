import Foundation
import Testing
import VoucherDomain

@testable import VoucherStorage

/// A record is dated on or after what it rests on, and a claim is for a year near its date in
/// which the programme's policy is in force; each refusal leaves the ledger as it was.
struct DateOrderTests {
    /// Runs `body`, which must be refused as dated before `earlier`, with nothing recorded.
    func expectRefused(
        _ fixture: LedgerFixture,
        _ record: EventKind,
        before earlier: String,
        _ body: () throws -> Void
    ) throws {
        let head = try fixture.ledger.chainHead()
        let refusal = #expect(throws: LedgerError.self) { try body() }
        guard case .datedBefore(let refused, _, let named, _)? = refusal else {
            Issue.record("not refused as dated before \(earlier): \(String(describing: refusal))")
            return
        }
        #expect(refused == record)
        #expect(named.en == earlier)
        #expect(try fixture.ledger.chainHead() == head)
    }

    /// An event dated after the day it is recorded on (in Beijing) is refused, and records nothing;
    /// dated that day, it is recorded. The fixture records at 2026-11-26T00:00:00Z.
    @Test func anEventDatedAfterTheDayItIsRecordedOnIsRefused() throws {
        let fixture = try LedgerFixture()
        let head = try fixture.ledger.chainHead()
        let claim = ClaimRequest(
            ref: "C-F",
            applicantID: fixture.alpha,
            programme: shanghai,
            year: 2026,
            requested: yuan("1万")
        )
        let refusal = #expect(throws: LedgerError.self) {
            try fixture.ledger.claim(claim, context: fixture.next("2026-11-27"))
        }
        #expect(refusal?.description.hasPrefix("date \"2026-11-27\": is after today (2026-11-26") == true)
        #expect(try fixture.ledger.chainHead() == head)
        let recorded = try fixture.ledger.claim(claim, context: fixture.next("2026-11-26"))
        #expect(!recorded.replayed && recorded.seq == head.events + 1)
        // A provider's suspension is dated the day it applies from, which may be to come.
        let suspended = try fixture.ledger.changeProviderStatus(
            providerID: fixture.lab,
            status: .suspended,
            reason: "资质到期",
            context: fixture.next("2027-01-01")
        )
        #expect(!suspended.replayed && suspended.seq == recorded.seq + 1)
    }

    /// A claim of nothing is refused when it is recorded, and records nothing.
    @Test func aClaimOfNothingIsRefusedWhenRecorded() throws {
        let fixture = try LedgerFixture()
        let head = try fixture.ledger.chainHead()
        let refusal = #expect(throws: LedgerError.self) {
            try fixture.ledger.claim(
                ClaimRequest(ref: "C-0", applicantID: fixture.alpha, programme: shanghai, year: 2022, requested: .zero),
                context: fixture.next("2022-03-01")
            )
        }
        #expect(refusal?.description.contains("is zero") == true, "\(String(describing: refusal))")
        #expect(try fixture.ledger.chainHead() == head)
    }

    @Test func aDecisionIsDatedOnOrAfterItsClaimAndTheDecisionBeforeIt() throws {
        let fixture = try LedgerFixture()
        try fixture.ledger.claim(
            ClaimRequest(
                ref: "C-1",
                applicantID: fixture.alpha,
                programme: shanghai,
                year: 2022,
                requested: yuan("10万")
            ),
            context: fixture.next("2022-03-01")
        )
        try expectRefused(fixture, .decision, before: "claim C-1") {
            try fixture.ledger.decide(
                DecisionRequest(claimRef: "C-1", outcome: .grant(yuan("10万")), reviewer: "district"),
                context: fixture.next("2022-02-28")
            )
        }
        let district = try fixture.ledger.decide(
            DecisionRequest(claimRef: "C-1", outcome: .grant(yuan("10万")), reviewer: "district"),
            context: fixture.next("2022-03-01")
        )
        try expectRefused(fixture, .decision, before: "the district decision on claim C-1 (event \(district.seq))") {
            try fixture.ledger.decide(
                DecisionRequest(claimRef: "C-1", level: .city, outcome: .grant(yuan("8万")), reviewer: "city"),
                context: fixture.next("2022-02-20")
            )
        }
        let city = try fixture.ledger.decide(
            DecisionRequest(claimRef: "C-1", level: .city, outcome: .grant(yuan("8万")), reviewer: "city"),
            context: fixture.next("2022-03-02")
        )
        #expect(city.seq > district.seq)
    }

    @Test func aFilingFollowsItsUsesAndASettlementItsFiling() throws {
        let fixture = try LedgerFixture()
        try fixture.grantQuota("C-1", applicant: fixture.alpha, amount: "10万")
        _ = try fixture.use("U-1", applicant: fixture.alpha, amount: "2万", on: "2022-05-10")
        _ = try fixture.use("U-2", applicant: fixture.alpha, amount: "2万", on: "2022-05-20")
        try expectRefused(fixture, .redemptionFiled, before: "use U-2") {
            try fixture.ledger.fileRedemption(
                RedemptionFilingRequest(ref: "R-1", providerID: fixture.lab, useRefs: ["U-1", "U-2"]),
                context: fixture.next("2022-05-15")
            )
        }
        try fixture.ledger.fileRedemption(
            RedemptionFilingRequest(ref: "R-1", providerID: fixture.lab, useRefs: ["U-1", "U-2"]),
            context: fixture.next("2022-05-20")
        )
        try expectRefused(fixture, .redemptionSettled, before: "redemption claim R-1") {
            try fixture.ledger.settleRedemption(
                SettlementRequest(filingRef: "R-1", useRef: "U-1", outcome: .paid),
                context: fixture.next("2022-05-19")
            )
        }
        try fixture.ledger.settleRedemption(
            SettlementRequest(filingRef: "R-1", useRef: "U-1", outcome: .paid),
            context: fixture.next("2022-05-20")
        )
    }

    @Test func aPaymentFollowsTheGrantItPays() throws {
        let fixture = try LedgerFixture()
        try fixture.ledger.claim(
            ClaimRequest(
                ref: "G-1",
                applicantID: fixture.alpha,
                programme: operating,
                year: 2023,
                requested: yuan("20万")
            ),
            context: fixture.next("2023-03-01")
        )
        let decision = try fixture.ledger.decide(
            DecisionRequest(claimRef: "G-1", outcome: .grant(yuan("20万")), reviewer: "r"),
            context: fixture.next("2023-03-10")
        )
        try expectRefused(fixture, .payment, before: "the district decision on claim G-1 (event \(decision.seq))") {
            try fixture.ledger.pay(
                PaymentRequest(claimRef: "G-1", amount: yuan("20万")),
                context: fixture.next("2023-03-09")
            )
        }
        try fixture.ledger.pay(
            PaymentRequest(claimRef: "G-1", amount: yuan("20万")),
            context: fixture.next("2023-03-10")
        )
    }

    /// 2099 on a claim made in 2022 (a slip of the keys), and 2021, before the Shanghai voucher's
    /// policy began: both refused; the years around the date, while a policy is in force, taken.
    @Test(arguments: [
        (2099, "is not within a year of the claim's date 2022-03-01"), (2021, "no version of sh-innovation-voucher"),
    ])
    func aClaimIsForAYearNearItsDateUnderAPolicyInForce(year: Int, reason: String) throws {
        let fixture = try LedgerFixture()
        let head = try fixture.ledger.chainHead()
        let refusal = #expect(throws: LedgerError.self) {
            try fixture.ledger.claim(
                ClaimRequest(
                    ref: "C-1",
                    applicantID: fixture.alpha,
                    programme: shanghai,
                    year: year,
                    requested: yuan("1万")
                ),
                context: fixture.next("2022-03-01")
            )
        }
        #expect(refusal?.description.contains(reason) == true, "\(String(describing: refusal))")
        #expect(try fixture.ledger.chainHead() == head)
        try fixture.ledger.claim(
            ClaimRequest(
                ref: "C-2",
                applicantID: fixture.alpha,
                programme: shanghai,
                year: 2023,
                requested: yuan("1万")
            ),
            context: fixture.next("2022-12-01")
        )
    }
}

/// A later decision may lower a grant only by what is left of it: what was used stays granted.
struct LoweredGrantTests {
    @Test func aCityDecisionLowersAGrantByWhatIsLeftAtMost() throws {
        let fixture = try LedgerFixture()
        try fixture.grantQuota("C-1", applicant: fixture.alpha, amount: "10万")
        // 50% of 2万: 1万 of the quota used, 9万 left.
        _ = try fixture.use("U-1", applicant: fixture.alpha, amount: "2万", on: "2022-05-10")
        let head = try fixture.ledger.chainHead()
        let refusal = #expect(throws: LedgerError.self) {
            try fixture.ledger.decide(
                DecisionRequest(claimRef: "C-1", level: .city, outcome: .grant(yuan("5000")), reviewer: "city"),
                context: fixture.next("2022-05-20")
            )
        }
        #expect(
            refusal?.description
                == "claim C-1: cannot lower the grant from 100,000.00 to 5,000.00: 10,000.00 of it is already used "
                + "or paid, so the grant is at least 10,000.00; reverse those uses or payments first to lower it "
                + "further",
            "\(String(describing: refusal))"
        )
        #expect(try fixture.ledger.chainHead() == head)
        try fixture.ledger.decide(
            DecisionRequest(claimRef: "C-1", level: .city, outcome: .grant(yuan("1万")), reviewer: "city"),
            context: fixture.next("2022-05-20")
        )
        #expect(try fixture.ledger.verify().isValid)
    }

    /// Another claim's unpaid grant in the same account does not make this claim's payment undone.
    @Test func aPaidGrantIsNotLoweredBelowWhatWasPaidThoughAnotherClaimLeavesMoney() throws {
        let fixture = try LedgerFixture()
        try fixture.paidOperatingGrant("G-1", applicant: fixture.alpha, amount: "10万")
        try fixture.ledger.claim(
            ClaimRequest(
                ref: "G-2",
                applicantID: fixture.alpha,
                programme: operating,
                year: 2023,
                requested: yuan("10万")
            ),
            context: fixture.next("2023-05-01")
        )
        try fixture.ledger.decide(
            DecisionRequest(claimRef: "G-2", outcome: .grant(yuan("10万")), reviewer: "r"),
            context: fixture.next("2023-05-02")
        )
        let refusal = #expect(throws: LedgerError.self) {
            try fixture.ledger.decide(
                DecisionRequest(claimRef: "G-1", level: .city, outcome: .reject(reason: "复核不通过"), reviewer: "city"),
                context: fixture.next("2023-06-01")
            )
        }
        #expect(
            refusal?.description.contains("100,000.00 of it is already used or paid") == true,
            "\(String(describing: refusal))"
        )
    }

    /// A quota that lapsed unused: nothing was used, and what is left is nothing.
    @Test func aLapsedQuotaIsNotLoweredAndTheRefusalSaysWhy() throws {
        let fixture = try LedgerFixture()
        try fixture.grantQuota("C-1", applicant: fixture.alpha, amount: "10万")
        try fixture.ledger.expireQuotas(programme: shanghai, context: fixture.next("2023-01-05"))
        let refusal = #expect(throws: LedgerError.self) {
            try fixture.ledger.decide(
                DecisionRequest(claimRef: "C-1", level: .city, outcome: .reject(reason: "复核不通过"), reviewer: "city"),
                context: fixture.next("2023-01-06")
            )
        }
        #expect(
            refusal?.description.contains(
                "only 0.00 of the applicant's quota is left (the rest is used, paid or lapsed)"
            )
                == true,
            "\(String(describing: refusal))"
        )
    }

    /// A grant that funded a use is not reversed from under it, and the events page's question
    /// (`reversalRefusals`) gives the same answer, so it offers no form.
    @Test func aDecisionThatFundedAUseIsNotReversedFromUnderIt() throws {
        let fixture = try LedgerFixture()
        let decision = try fixture.grantQuota("C-1", applicant: fixture.alpha, amount: "10万")
        let use = try fixture.use("U-1", applicant: fixture.alpha, amount: "2万", on: "2022-05-10")
        let head = try fixture.ledger.chainHead()
        let refusal = #expect(throws: LedgerError.self) {
            try fixture.ledger.reverse(event: decision.seq, reason: "录入错误", context: fixture.next("2022-06-01"))
        }
        let expected =
            "event \(decision.seq) cannot be reversed: claim C-1 has funded 10,000.00 (its uses and payments), and "
            + "without this decision its grant would be 0.00; reverse those uses or payments first"
        #expect(refusal?.description == expected, "\(String(describing: refusal))")
        #expect(try fixture.ledger.reversalRefusals(of: [decision.seq])[decision.seq] == refusal)
        #expect(try fixture.ledger.chainHead() == head)
        // With the use reversed, the grant may be.
        try fixture.ledger.reverse(event: use.seq, reason: "录入错误", context: fixture.next("2022-06-01"))
        try fixture.ledger.reverse(event: decision.seq, reason: "录入错误", context: fixture.next("2022-06-02"))
        #expect(try fixture.ledger.verify().isValid)
    }
}
