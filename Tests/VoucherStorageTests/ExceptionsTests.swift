import Foundation
import GRDB
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

    /// The late filings of a report to any date are those filed by then whose filing was not
    /// reversed by then, most days late first: worked out here from how the ledger was made, for
    /// every week from before the first filing to after the last reversal.
    @Test func theLateFilingsToAnyDateAreThoseFiledAndNotReversedByThen() throws {
        let fixture = try Self.ledger()
        let reversals: [Int: BusinessDate] = [3: day("2022-10-20"), 5: day("2022-12-20"), 29: day("2022-11-02")]
        for (i, date) in reversals.sorted(by: { $0.key < $1.key }) {
            let seq = try #require(
                try fixture.ledger.rawRead { db in
                    try Int64.fetchOne(
                        db,
                        sql: "SELECT event_seq FROM redemption_filing WHERE ref = ?",
                        arguments: ["R-\(i)"]
                    )
                }
            )
            try fixture.ledger.reverse(event: seq, reason: "filed twice", context: fixture.next(date.iso))
        }
        struct Late: Equatable {
            var filing: String
            var use: String
            var deadline: BusinessDate
            var filedOn: BusinessDate
        }
        let filed = (0..<30).map { i in
            let deadline = day("2022-05-01").adding(days: i % 28 + 90)
            return (
                i,
                Late(
                    filing: "R-\(i)",
                    use: "L-\(i)",
                    deadline: deadline,
                    filedOn: deadline.adding(days: 10 + (i * 7) % 31)
                )
            )
        }
        var through = day("2022-08-01")
        var seen: Set<Int> = []
        while through <= day("2023-01-15") {
            let expected = filed.filter { i, late in
                late.filedOn <= through && !(reversals[i].map { $0 <= through } ?? false)
            }.map(\.1).sorted { a, b in
                let (x, y) = (a.deadline.days(until: a.filedOn), b.deadline.days(until: b.filedOn))
                if x != y { return x > y }
                if a.filedOn != b.filedOn { return a.filedOn < b.filedOn }
                return a.filing < b.filing
            }
            for period in [ReportPeriod.through(through), ReportPeriod(year: 2022, through: through)] {
                let every = try fixture.ledger.exceptions(delta, period: period)
                let listed = try fixture.ledger.exceptions(delta, period: period, limit: 5)
                let got = every.lateRedemptions.map {
                    Late(filing: $0.filing, use: $0.use, deadline: $0.deadline, filedOn: $0.filedOn)
                }
                #expect(got == expected, "through \(through.iso)")
                #expect(every.counts.lateRedemptions == expected.count, "through \(through.iso)")
                #expect(listed.counts.lateRedemptions == expected.count, "through \(through.iso)")
                #expect(listed.lateRedemptions == Array(every.lateRedemptions.prefix(5)))
            }
            // A year with none.
            let other = try fixture.ledger.exceptions(delta, period: ReportPeriod(year: 2023, through: through))
            #expect(other.counts.lateRedemptions == 0 && other.lateRedemptions.isEmpty)
            seen.insert(expected.count)
            through = through.adding(days: 7)
        }
        // The weeks saw none, some, all 30 and fewer again once filings were reversed.
        #expect(seen.contains(0) && seen.contains(30) && seen.contains(27))
    }
}
