import Foundation
import Testing
import VoucherDomain
import VoucherStorage

/// A report lists at most 20 exceptions of each kind, the most significant first, and counts them
/// all; asked without a limit, the ledger gives every one.
@Suite struct ExceptionsTests {
    /// 30 uses of the YRD voucher in May 2022 (deadline: 90 days later), each filed alone, use i
    /// on 2022-05-(i % 28 + 1) and filed `10 + (i * 7) % 31` days past its deadline; and 24 uses
    /// of growing amounts reversed.
    static func ledger() throws -> LedgerFixture {
        let fixture = try LedgerFixture()
        try fixture.grantQuota("C-1", applicant: fixture.alpha, programme: delta, amount: "20万")
        for i in 0..<30 {
            let used = day("2022-05-01").adding(days: i % 28)
            _ = try fixture.use("L-\(i)", applicant: fixture.alpha, programme: delta, amount: "100", on: used.iso)
            try fixture.ledger.fileRedemption(
                RedemptionFilingRequest(ref: "R-\(i)", providerID: fixture.lab, useRefs: ["L-\(i)"]),
                context: fixture.next(used.adding(days: 90 + 10 + (i * 7) % 31).iso)
            )
        }
        for i in 0..<24 {
            let use = try fixture.use("X-\(i)", applicant: fixture.alpha, programme: delta, amount: "\(100 + i)")
            try fixture.ledger.reverse(event: use.seq, reason: "duplicate \(i)", context: fixture.next("2022-06-01"))
        }
        return fixture
    }

    @Test func aReportListsTheTwentyMostSignificantOfEachKindAndCountsEveryOne() throws {
        let fixture = try Self.ledger()
        let listed = try fixture.ledger.exceptions(delta, period: .year(2022), limit: ReportExceptions.listed)
        #expect(listed.counts == ReportExceptions.Counts(reversals: 24, overrides: 0, lateRedemptions: 30))
        #expect(listed.reversals.count == 20)
        #expect(listed.lateRedemptions.count == 20)

        let every = try fixture.ledger.exceptions(delta, period: .year(2022))
        #expect(every.counts == listed.counts)
        #expect(every.reversals.count == 24)
        #expect(every.lateRedemptions.count == 30)

        // Reversals by the amount they take out (half the service amount), largest first.
        let amounts = every.reversals.map(\.amount)
        #expect(amounts == amounts.sorted(by: >))
        #expect(amounts.first == yuan("61.5"))
        #expect(listed.reversals == Array(every.reversals.prefix(20)))
        // Late filings by days late, latest first; the listed ones are the latest twenty.
        let days = every.lateRedemptions.map(\.daysLate)
        #expect(days == days.sorted(by: >))
        #expect(days.first == 40)
        #expect(listed.lateRedemptions == Array(every.lateRedemptions.prefix(20)))
        #expect(Set(days) == Set((0..<30).map { 10 + ($0 * 7) % 31 }))
    }

    @Test func beforeTheFilingsTheyAreNotExceptionsYet() throws {
        let fixture = try Self.ledger()
        let early = try fixture.ledger.exceptions(delta, period: .through(day("2022-05-31")), limit: 20)
        #expect(early.counts == ReportExceptions.Counts(reversals: 0, overrides: 0, lateRedemptions: 0))
        #expect(early.isEmpty)
    }
}
