import Foundation
import GRDB
import Testing
import VoucherDomain

@testable import VoucherStorage

/// The work queues read a page at a time: each page begins after the last item of the one
/// before, and the pages together list every item once, in the queue's order.
struct WorkQueueTests {
    /// Reads every page of `limit` items, each after the key of the page before's last item.
    func pages<Item, Key>(
        limit: Int,
        key: (Item) -> Key,
        read: (Key?, Int) throws -> [Item]
    ) throws -> [[Item]] {
        var pages: [[Item]] = []
        var after: Key?
        while true {
            let page = try read(after, limit)
            #expect(page.count <= limit)
            if page.isEmpty { return pages }
            pages.append(page)
            after = key(page[page.count - 1])
            if pages.count > 20 {
                Issue.record("the pages do not end")
                return pages
            }
        }
    }

    /// The city's first part is found from the dates of the district's grants (the programme's
    /// decisions by date), each claim then read by its key: not by reading every claim, which
    /// took seconds a page at 250,000 claims once a later version required the city's review.
    @Test func theCitysFirstPartIsFoundByItsGrantsDatesNotByReadingEveryClaim() throws {
        let fixture = try LedgerFixture()
        let runs = [
            DayRun(from: try BusinessDate.parse("2022-01-01"), through: try BusinessDate.parse("2022-12-31")),
            DayRun(from: try BusinessDate.parse("2024-01-01"), through: nil),
        ]
        for awaiting in [[("sh-innovation-voucher", Array(runs.prefix(1)))], [("sh-innovation-voucher", runs)]] {
            let query = Ledger.pendingClaimsQuery(
                level: .city,
                part: CityQueuePart(awaiting: awaiting, finding: .firstByGrants)
            )
            let plan = try fixture.ledger.rawRead { db in
                try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + query.sql, arguments: [0] + query.arguments + [10])
                    .map { $0["detail"] as String }
            }
            #expect(plan.contains { $0.contains("SEARCH c USING INTEGER PRIMARY KEY") }, "\(plan)")
            #expect(
                plan.contains { $0.contains("INDEX event_by_programme (programme_id=? AND kind=? AND business_date>") }
            )
            #expect(!plan.contains { $0.hasPrefix("SCAN c") }, "\(plan)")
        }
    }

    /// Programmes whose versions often switch the city's review on and off have many runs of days:
    /// every part's query holds them all and still prepares (as one chain of ORs, a thousand runs
    /// passed SQLite's limit on how deep an expression may nest), and finds a grant dated in the
    /// last of them.
    @Test func manyRunsOfDaysStillMakeAQuery() throws {
        let fixture = try LedgerFixture()
        // The district grants C-1 on 2022-03-01, the day of the last of 1,100 one-day runs.
        try fixture.grantQuota("C-1", applicant: fixture.alpha, amount: "10万", on: "2022-03-01")
        let last = try BusinessDate.parse("2022-03-01")
        let runs = (0..<1_100).reversed().map {
            DayRun(from: last.adding(days: -2 * $0), through: last.adding(days: -2 * $0))
        }
        for (finding, found) in [
            (CityQueuePart.Finding.firstByGrants, ["C-1"]), (.firstByClaims, ["C-1"]), (.rest, []),
        ] {
            let part = CityQueuePart(awaiting: [("sh-innovation-voucher", runs)], finding: finding)
            let query = Ledger.pendingClaimsQuery(level: .city, part: part)
            let read = try fixture.ledger.rawRead { db in
                try Row.fetchAll(db, sql: query.sql, arguments: [0] + query.arguments + [10]).map { $0[0] as String }
            }
            #expect(read == found, "\(finding)")
            let count = try fixture.ledger.rawRead { db in try part.grantsInRuns(db, atMost: 10) }
            #expect(count == 1)
        }
        // The tree of ORs reads as a chain would, its terms in the order of their arguments: runs
        // closed and open, of two programmes.
        let first = try BusinessDate.parse("2000-01-01")
        let closed = (0..<6).map { DayRun(from: first.adding(days: 4 * $0), through: first.adding(days: 4 * $0 + 1)) }
        let part = CityQueuePart(
            awaiting: [("p", closed), ("q", [DayRun(from: first.adding(days: 10), through: nil)])],
            finding: .rest
        )
        let sql =
            "SELECT EXISTS (SELECT 1 FROM (SELECT ? AS pr, ? AS d) WHERE \(part.inRuns(programme: "pr", date: "d")))"
        let cases = [
            ("p", 0, true), ("p", 1, true), ("p", 2, false), ("p", 4, true), ("p", 21, true), ("p", 22, false),
            ("p", 10_000, false), ("q", 9, false), ("q", 10, true), ("q", 10_000, true), ("r", 0, false),
        ]
        for (programme, day, expected) in cases {
            let found = try fixture.ledger.rawRead { db in
                try Bool.fetchOne(
                    db,
                    sql: sql,
                    arguments: [programme, first.adding(days: day).iso] + part.runArguments
                )
            }
            #expect(found == expected, "\(programme) day \(day)")
        }
    }

    /// The settlements' queue starts where it is known to hold nothing before: settled items are
    /// not read again, a reversed settlement brings its item back, and a new filing's items come
    /// after the mark.
    @Test func theSettlementsQueueSkipsWhatIsSettledAndSeesAReversedSettlement() throws {
        let fixture = try LedgerFixture()
        let ledger = fixture.ledger
        try fixture.grantQuota("Q-1", applicant: fixture.gamma, amount: "10万")
        for index in 1...6 { _ = try fixture.use("U-\(index)", applicant: fixture.gamma, amount: "1万") }
        for (ref, uses, date) in [
            ("R-1", ["U-1", "U-2", "U-3"], "2022-06-01"), ("R-2", ["U-4", "U-5"], "2022-06-02"),
        ] {
            try ledger.fileRedemption(
                RedemptionFilingRequest(ref: ref, providerID: fixture.lab, useRefs: uses),
                context: fixture.next(date)
            )
        }
        func settle(
            _ filing: String,
            _ use: String,
            _ outcome: SettlementRequest.Outcome = .paid
        ) throws -> RecordedEvent {
            try ledger.settleRedemption(
                SettlementRequest(filingRef: filing, useRef: use, outcome: outcome),
                context: fixture.next("2022-06-10")
            )
        }
        _ = try settle("R-1", "U-1")
        let rejected = try settle("R-1", "U-2", .rejected(reason: "材料不全"))
        _ = try settle("R-1", "U-3")
        #expect(ledger.settledMark.last == nil)
        let waiting = try ledger.pendingSettlements()
        #expect(waiting.map(\.useRef) == ["U-4", "U-5"])
        let u4 = try #require(waiting.first).key
        #expect(ledger.settledMark.last?.through == SettlementQueueKey(filing: u4.filing, use: u4.use - 1))
        // A page asked from before the mark starts at it; one after it, where it was asked.
        #expect(
            try ledger.pendingSettlements(after: SettlementQueueKey(filing: 0, use: 0)).map(\.useRef) == ["U-4", "U-5"]
        )
        #expect(try ledger.pendingSettlements(after: u4).map(\.useRef) == ["U-5"])
        // The rejection of U-2 reversed: U-2 waits again, before the mark.
        _ = try ledger.reverse(event: rejected.seq, reason: "重审", context: fixture.next("2022-06-11"))
        #expect(try ledger.pendingSettlements().map(\.useRef) == ["U-2", "U-4", "U-5"])
        // All settled: nothing waits; a new filing's item then does.
        for (filing, use) in [("R-1", "U-2"), ("R-2", "U-4"), ("R-2", "U-5")] { _ = try settle(filing, use) }
        #expect(try ledger.pendingSettlements().isEmpty)
        #expect(try ledger.pendingSettlements().isEmpty)
        try ledger.fileRedemption(
            RedemptionFilingRequest(ref: "R-3", providerID: fixture.lab, useRefs: ["U-6"]),
            context: fixture.next("2022-06-12")
        )
        #expect(try ledger.pendingSettlements().map(\.useRef) == ["U-6"])
    }

    @Test func everyQueueIsReadInPagesThatTogetherListItOnce() throws {
        let fixture = try LedgerFixture()
        let ledger = fixture.ledger
        // A programme whose grants await the city in 2022 and not from 2023 (its second version
        // drops the rule).
        try fixture.installReviewedVoucher()
        let reviewed = try ProgrammeID("reviewed-voucher")
        // Four Shanghai claims waiting for the district (two applicants' 2022 and 2023), and
        // between them three claims of that programme the district granted: V-1 and V-3 in 2022
        // (the city is awaited), V-2 in 2023 (it is not).
        let between: [Int: (String, String, Int)] = [
            0: ("V-1", fixture.alpha, 2022), 1: ("V-2", fixture.alpha, 2023), 2: ("V-3", fixture.beta, 2022),
        ]
        var refs: [String] = []
        var granted: [String: RecordedEvent] = [:]
        for (index, (applicant, year)) in [
            (fixture.alpha, 2022), (fixture.beta, 2022), (fixture.alpha, 2023), (fixture.beta, 2023),
        ].enumerated() {
            let ref = "C-\(refs.count + 1)"
            try ledger.claim(
                ClaimRequest(ref: ref, applicantID: applicant, programme: shanghai, year: year, requested: yuan("1万")),
                context: fixture.next("\(year)-03-01")
            )
            refs.append(ref)
            if let (ref, applicant, year) = between[index] {
                granted[ref] = try fixture.grantQuota(
                    ref,
                    applicant: applicant,
                    programme: reviewed,
                    year: year,
                    amount: "1万",
                    on: "\(year)-03-01"
                )
            }
        }
        let whole = try ledger.pendingClaims(level: .district)
        #expect(whole.map(\.ref) == refs)
        let claimPages = try pages(limit: 3, key: \PendingClaim.key) { after, limit in
            try ledger.pendingClaims(level: .district, after: after, limit: limit)
        }
        #expect(claimPages.map { $0.map(\.ref) } == [["C-1", "C-2", "C-3"], ["C-4"]])

        // The city's queue: the district's grants, those the city must decide first listed before
        // all the others, on the first page whatever its size; each part oldest first.
        for (index, ref) in refs.enumerated() {
            try ledger.decide(
                DecisionRequest(claimRef: ref, outcome: .grant(yuan("1万")), reviewer: "r"),
                context: fixture.next("\(2022 + index / 2)-03-02")
            )
        }
        let city = try ledger.pendingClaims(level: .city)
        #expect(city.map(\.ref) == ["V-1", "V-3", "C-1", "C-2", "V-2", "C-3", "C-4"])
        #expect(city.map(\.cityRequired) == [true, true, false, false, false, false, false])
        // Whatever the page's size, however many claims are read at a time, and whether the
        // first part is found from the decisions dated in its runs (few) or from the claims (0).
        for limit in 1...8 {
            for batch in [1, 2, 3, 256] {
                for few in [0, 1, Ledger.fewDecisions] {
                    let cityPages = try pages(limit: limit, key: \PendingClaim.key) { after, limit in
                        try ledger.pendingClaims(
                            level: .city,
                            after: after,
                            limit: limit,
                            batch: batch,
                            fewDecisions: few
                        )
                    }
                    #expect(
                        cityPages.flatMap { $0 }.map(\.ref) == ["V-1", "V-3", "C-1", "C-2", "V-2", "C-3", "C-4"],
                        "\(limit), \(batch), \(few)"
                    )
                }
            }
        }
        // A page that ends in the first part goes on into the second, from its start.
        let first = try #require(city.first)
        #expect(try ledger.pendingClaims(level: .city, after: first.key, limit: 3).map(\.ref) == ["V-3", "C-1", "C-2"])
        // The city's grant of V-1 takes it off the city's queue; the reversal of V-3's district
        // grant sends V-3 back to the district's.
        try ledger.decide(
            DecisionRequest(claimRef: "V-1", level: .city, outcome: .grant(yuan("1万")), reviewer: "city"),
            context: fixture.next("2022-03-05")
        )
        _ = try ledger.reverse(
            event: try #require(granted["V-3"]).seq,
            reason: "录错",
            context: fixture.next("2022-03-05")
        )
        for few in [0, Ledger.fewDecisions] {
            #expect(
                try ledger.pendingClaims(level: .city, after: nil, limit: 200, batch: 256, fewDecisions: few).map(\.ref)
                    == ["C-1", "C-2", "V-2", "C-3", "C-4"]
            )
        }
        #expect(try ledger.pendingClaims(level: .district).map(\.ref) == ["V-3"])

        // Uses of one provider, filed and not settled: the settlements' queue, and the provider's
        // uses, latest first.
        try fixture.grantQuota("Q-1", applicant: fixture.gamma, amount: "10万")
        var uses: [String] = []
        for index in 1...5 {
            _ = try fixture.use("U-\(index)", applicant: fixture.gamma, amount: "1万")
            uses.append("U-\(index)")
        }
        try ledger.fileRedemption(
            RedemptionFilingRequest(ref: "R-1", providerID: fixture.lab, useRefs: ["U-1", "U-2", "U-3"]),
            context: fixture.next("2022-06-01")
        )
        try ledger.fileRedemption(
            RedemptionFilingRequest(ref: "R-2", providerID: fixture.lab, useRefs: ["U-4", "U-5"]),
            context: fixture.next("2022-06-02")
        )
        let settlementPages = try pages(limit: 2, key: \PendingSettlement.key) { after, limit in
            try ledger.pendingSettlements(after: after, limit: limit)
        }
        #expect(settlementPages.map { $0.map(\.useRef) } == [["U-1", "U-2"], ["U-3", "U-4"], ["U-5"]])
        #expect(settlementPages.flatMap { $0.map(\.filingRef) } == ["R-1", "R-1", "R-1", "R-2", "R-2"])

        let usePages = try pages(limit: 4, key: \ProviderUse.seq) { before, limit in
            try ledger.providerUses(fixture.lab, before: before, limit: limit)
        }
        #expect(usePages.flatMap { $0.map(\.ref) } == uses.reversed())
        #expect(usePages.map(\.count) == [4, 1])

        // Grants not yet paid in full.
        for (index, applicant) in [fixture.alpha, fixture.beta, fixture.gamma].enumerated() {
            try ledger.claim(
                ClaimRequest(
                    ref: "G-\(index)",
                    applicantID: applicant,
                    programme: operating,
                    year: 2023,
                    requested: yuan("5万")
                ),
                context: fixture.next("2023-03-01")
            )
            try ledger.decide(
                DecisionRequest(claimRef: "G-\(index)", outcome: .grant(yuan("5万")), reviewer: "r"),
                context: fixture.next("2023-03-02")
            )
        }
        let paymentPages = try pages(limit: 2, key: \PendingPayment.seq) { after, limit in
            try ledger.pendingPayments(after: after, limit: limit)
        }
        #expect(paymentPages.map { $0.map(\.ref) } == [["G-0", "G-1"], ["G-2"]])
    }
}
