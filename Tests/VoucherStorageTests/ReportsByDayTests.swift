import Foundation
import GRDB
import Testing
import VoucherDomain

@testable import VoucherStorage

/// Reports to a date read the totals kept by day; what keeps them right: reversals dated on or
/// after what they reverse, and a refusal inside a batch that leaves the batch as it was.
@Suite struct ReportsByDayTests {
    /// A use on 2022-05-10 filed on 2022-06-01 and rejected on 2022-06-20 (a settlement that paid
    /// nothing, which may be reversed; a paid one is recovered instead); another on 2022-07-01.
    static func ledger(path: String? = nil) throws -> LedgerFixture {
        let fixture = try LedgerFixture(path: path)
        try fixture.grantQuota("C-1", applicant: fixture.alpha, amount: "30万")
        _ = try fixture.use("U-1", applicant: fixture.alpha, amount: "4万", on: "2022-05-10")
        try fixture.ledger.fileRedemption(
            RedemptionFilingRequest(ref: "R-1", providerID: fixture.lab, useRefs: ["U-1"]),
            context: fixture.next("2022-06-01")
        )
        try fixture.ledger.settleRedemption(
            SettlementRequest(filingRef: "R-1", useRef: "U-1", outcome: .rejected(reason: "材料不全")),
            context: fixture.next("2022-06-20")
        )
        _ = try fixture.use("U-2", applicant: fixture.alpha, amount: "2万", on: "2022-07-01")
        return fixture
    }

    static func seq(_ fixture: LedgerFixture, _ sql: String) throws -> Int64 {
        try #require(try fixture.ledger.rawRead { db in try Int64.fetchOne(db, sql: sql) })
    }

    @Test func aReversalDatedBeforeWhatItReversesIsRefused() throws {
        let fixture = try Self.ledger()
        let use = try Self.seq(fixture, "SELECT event_seq FROM voucher_use WHERE ref = 'U-2'")
        let refusal = #expect(throws: LedgerError.self) {
            try fixture.ledger.reverse(event: use, reason: "录入错误", context: fixture.next("2022-06-30"))
        }
        #expect(refusal?.description.contains("dated 2022-07-01") == true, "\(String(describing: refusal))")
        #expect(try fixture.ledger.reverse(event: use, reason: "录入错误", context: fixture.next("2022-07-01")).seq > use)
    }

    /// The settlement, then the filing, then the use: each reversal no earlier than the one before.
    @Test func aReversalDatedBeforeTheReversalOfWhatDependedOnItIsRefused() throws {
        let fixture = try Self.ledger()
        let settlement = try Self.seq(fixture, "SELECT event_seq FROM settlement")
        let filing = try Self.seq(fixture, "SELECT event_seq FROM redemption_filing")
        let use = try Self.seq(fixture, "SELECT event_seq FROM voucher_use WHERE ref = 'U-1'")
        try fixture.ledger.reverse(event: settlement, reason: "核减有误", context: fixture.next("2022-08-01"))
        let early = #expect(throws: LedgerError.self) {
            try fixture.ledger.reverse(event: filing, reason: "重复申请", context: fixture.next("2022-07-15"))
        }
        #expect(early?.description.contains("2022-08-01") == true, "\(String(describing: early))")
        try fixture.ledger.reverse(event: filing, reason: "重复申请", context: fixture.next("2022-08-01"))
        #expect(throws: LedgerError.self) {
            try fixture.ledger.reverse(event: use, reason: "录入错误", context: fixture.next("2022-07-31"))
        }
        try fixture.ledger.reverse(event: use, reason: "录入错误", context: fixture.next("2022-08-02"))
        #expect(try fixture.ledger.verify().isValid)
    }

    /// At every date of the year, for the year and cumulatively, the totals kept by day say what
    /// the uses and postings say, with the reversals above among them.
    @Test func atEveryDateTheTotalsByDaySayWhatTheUsesSay() throws {
        let fixture = try Self.ledger()
        let settlement = try Self.seq(fixture, "SELECT event_seq FROM settlement")
        let use = try Self.seq(fixture, "SELECT event_seq FROM voucher_use WHERE ref = 'U-2'")
        try fixture.ledger.reverse(event: settlement, reason: "核减有误", context: fixture.next("2022-08-01"))
        try fixture.ledger.reverse(event: use, reason: "录入错误", context: fixture.next("2022-09-01"))
        var date = day("2022-05-01")
        var compared = 0
        while date <= day("2022-09-30") {
            for period in [ReportPeriod(year: 2022, through: date), .through(date)] {
                let kept = try fixture.ledger.reconciliation(shanghai, period: period)
                #expect(kept == (try fixture.ledger.reconciliation(shanghai, period: period, mayReadKeptTotals: false)))
                #expect(
                    try fixture.ledger.breakdowns(shanghai, period: period)
                        == (try fixture.ledger.breakdowns(shanghai, period: period, mayReadKeptTotals: false))
                )
                compared += 1
            }
            date = date.adding(days: 7)
        }
        #expect(compared == 44)
        // Between the rejection and its reversal, the report to a date counts U-1's 2万 as returned
        // to the quota (the Shanghai voucher returns what is not paid): used is U-2's 1万 only.
        let rejected = try fixture.ledger.reconciliation(shanghai, period: .through(day("2022-07-15")))
        #expect(rejected.used == yuan("1万"))
        #expect(try fixture.ledger.reconciliation(shanghai, period: .through(day("2022-08-15"))).used == yuan("3万"))
    }

    /// An account below zero on a date (a posting forged into the ledger: the rules never let
    /// one happen) is named by the report to that date, as SQLite's own grouping of the
    /// postings finds it, and not by a report to a date before the forged posting.
    @Test func anAccountBelowZeroOnADateIsNamedByTheReportToIt() throws {
        let fixture = try Self.ledger()
        let account = try Self.forgeBelowZero(fixture)
        for (date, expected) in [("2022-06-09", [String]()), ("2022-06-10", [account]), ("2022-06-30", [account])] {
            let period = ReportPeriod(year: 2022, through: day(date))
            let named = try fixture.ledger.reconciliation(shanghai, period: period).negativeAccounts
            let grouped = try fixture.ledger.rawRead { db in
                try String.fetchAll(
                    db,
                    sql: """
                        SELECT account_id FROM posting WHERE programme_id = ? AND year = 2022 AND business_date <= ?
                        AND account_type <> 'budget' GROUP BY account_id HAVING SUM(amount) < 0 ORDER BY account_id
                        """,
                    arguments: [shanghai.value, date]
                )
            }
            #expect(named == expected, "\(date)")
            #expect(named == grouped, "\(date)")
        }
    }

    /// On a ledger file, a report's parts sum the accounts below zero on a second connection
    /// beside the uses' pass: they name what one connection names, and that connection leaves out
    /// the postings of events after the head it is given.
    @Test func aSecondConnectionNamesTheAccountsBelowZeroOneWouldName() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bz-\(UUID().uuidString).sqlite").path
        defer {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }
        let fixture = try Self.ledger(path: path)
        let account = try Self.forgeBelowZero(fixture)
        for (date, expected) in [("2022-06-09", [String]()), ("2022-06-10", [account]), ("2022-06-30", [account])] {
            let period = ReportPeriod(year: 2022, through: day(date))
            let parts = try fixture.ledger.reportParts(
                shanghai,
                period: period,
                largestApplicants: 20,
                exceptionsListed: 20
            )
            #expect(parts.figures.negativeAccounts == expected, "\(date)")
            #expect(parts.figures == (try fixture.ledger.reconciliation(shanghai, period: period)), "\(date)")
        }
        let forged = try Self.seq(fixture, "SELECT event_seq FROM posting WHERE line = 99")
        let period = ReportPeriod(year: 2022, through: day("2022-06-30"))
        let upToForged = try fixture.ledger.rawRead { db in
            try ReconciliationQueries.accountsBelowZero(db, shanghai, period: period, upTo: forged)
        }
        let beforeForged = try fixture.ledger.rawRead { db in
            try ReconciliationQueries.accountsBelowZero(db, shanghai, period: period, upTo: forged - 1)
        }
        #expect(upToForged == [account])
        #expect(beforeForged == [])
    }

    /// The postings a report to a date sums for the accounts below zero are read as ranges of the
    /// index up to the date, one per kind of account: not every posting of the programme.
    @Test func theAccountsBelowZeroReadTheirPostingsUpToTheDateOnly() throws {
        let fixture = try Self.ledger()
        for (byYear, upToHead) in [(true, true), (true, false), (false, true), (false, false)] {
            let plan = try fixture.ledger.rawRead { db in
                try Row.fetchAll(
                    db,
                    sql: "EXPLAIN QUERY PLAN " + ReconciliationQueries.belowZeroSQL(byYear: byYear, upToHead: upToHead),
                    arguments: ["programme": "sh-innovation-voucher", "year": 2022, "through": "2022-06-30", "head": 9]
                ).map { $0["detail"] as String }
            }
            let range = byYear ? "account_type=? AND year=? AND business_date<?" : "account_type=?"
            let search = "COVERING INDEX posting_for_reports (programme_id=? AND \(range))"
            #expect(plan.contains { $0.contains(search) }, "\(plan)")
        }
    }

    /// The applicants with a grant, to a date, as their decisions stood on it: alpha granted on
    /// 2022-03-01; beta's claim granted by the district on 2022-05-01 and rejected by the city on
    /// 2022-06-01; gamma's grant of 2022-04-10 reversed on 2022-07-01.
    @Test func theApplicantsWithAGrantAreCountedAsTheirDecisionsStoodOnTheDate() throws {
        let fixture = try LedgerFixture()
        try fixture.grantQuota("C-A", applicant: fixture.alpha, amount: "10万", on: "2022-03-01")
        try fixture.ledger.claim(
            ClaimRequest(
                ref: "C-B",
                applicantID: fixture.beta,
                programme: shanghai,
                year: 2022,
                requested: yuan("10万")
            ),
            context: fixture.next("2022-04-01")
        )
        try fixture.ledger.decide(
            DecisionRequest(claimRef: "C-B", outcome: .grant(yuan("10万")), reviewer: "district"),
            context: fixture.next("2022-05-01")
        )
        try fixture.ledger.decide(
            DecisionRequest(claimRef: "C-B", level: .city, outcome: .reject(reason: "材料不全"), reviewer: "city"),
            context: fixture.next("2022-06-01")
        )
        let gamma = try fixture.grantQuota("C-G", applicant: fixture.gamma, amount: "10万", on: "2022-04-10")
        try fixture.ledger.reverse(event: gamma.seq, reason: "录入错误", context: fixture.next("2022-07-01"))
        let expected = [
            ("2022-02-28", 0), ("2022-03-01", 1), ("2022-04-30", 2), ("2022-05-01", 3), ("2022-05-31", 3),
            ("2022-06-01", 2), ("2022-06-30", 2), ("2022-07-01", 1), ("2022-12-31", 1),
        ]
        for (date, count) in expected {
            for period in [ReportPeriod(year: 2022, through: day(date)), .through(day(date))] {
                #expect(try fixture.ledger.reconciliation(shanghai, period: period).applicants == count, "\(date)")
                #expect(
                    try fixture.ledger.reconciliation(shanghai, period: period, mayReadKeptTotals: false).applicants
                        == count,
                    "\(date)"
                )
            }
        }
        // Through the latest event, the count reads no dates at all: the same answer.
        #expect(try fixture.ledger.reconciliation(shanghai, period: .year(2022)).applicants == 1)
    }

    /// To a date, the decisions dated up to it are found once in the index of events by
    /// programme, kind and date; each claim's decisions are checked against that list, and no
    /// event row is read for its date.
    @Test func theApplicantsToADateReadTheDecisionsDatesFromTheIndex() throws {
        let fixture = try Self.ledger()
        for byYear in [true, false] {
            let plan = try fixture.ledger.rawRead { db in
                try Row.fetchAll(
                    db,
                    sql: "EXPLAIN QUERY PLAN " + ReconciliationQueries.applicantsSQL(byYear: byYear, toDate: true),
                    arguments: ["programme": "sh-innovation-voucher", "year": 2022, "through": "2022-06-30"]
                ).map { $0["detail"] as String }
            }
            #expect(plan.contains { $0.contains("SEARCH d2 USING COVERING INDEX decision_by_claim (claim_seq=?)") })
            #expect(
                plan.contains {
                    $0.contains("COVERING INDEX event_by_programme (programme_id=? AND kind=? AND business_date<?)")
                },
                "\(plan)"
            )
            // The one row read by its number is the latest decision's (the event's, e2, was read before).
            #expect(
                plan.filter { $0.contains("INTEGER PRIMARY KEY") } == ["SEARCH d USING INTEGER PRIMARY KEY (rowid=?)"]
            )
        }
    }

    /// A posting of -40万 on 2022-06-10 forged into alpha's quota account (the rules never let
    /// one happen): the account it takes below zero.
    static func forgeBelowZero(_ fixture: LedgerFixture) throws -> String {
        let account = "quota/sh-innovation-voucher/2022/\(fixture.alpha)"
        try fixture.ledger.writer.writeWithoutTransaction { db in
            try db.execute(
                sql: """
                    INSERT INTO posting (event_seq, line, account_id, amount, account_type, programme_id, year, business_date)
                    SELECT event_seq, 99, account_id, -40000000, account_type, programme_id, year, '2022-06-10'
                    FROM posting WHERE account_id = ? LIMIT 1
                    """,
                arguments: [account]
            )
        }
        return account
    }

    /// A refusal after the batch's pending totals were written (an expiry of an unknown
    /// programme) leaves the batch going, and the uses before and after it recorded.
    @Test func aRefusedExpiryInsideABatchLeavesTheBatchGoing() throws {
        let fixture = try LedgerFixture()
        try fixture.grantQuota("C-1", applicant: fixture.alpha, amount: "30万")
        var refused = 0
        try fixture.ledger.batch {
            _ = try fixture.use("U-1", applicant: fixture.alpha, amount: "1万")
            do {
                _ = try fixture.ledger.expireQuotas(
                    programme: try ProgrammeID("no-such-programme"),
                    context: fixture.next("2023-01-02")
                )
            } catch is LedgerError {
                refused += 1
            }
            _ = try fixture.use("U-2", applicant: fixture.alpha, amount: "1万")
        }
        #expect(refused == 1)
        #expect(
            try fixture.ledger.rawRead { db in try String.fetchAll(db, sql: "SELECT ref FROM voucher_use ORDER BY ref")
            }
                == ["U-1", "U-2"]
        )
        #expect(try fixture.ledger.verify().isValid)
    }
}
