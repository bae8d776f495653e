import Foundation
import GRDB
import Testing
import VoucherDomain

@testable import VoucherStorage

/// A seeded random simulation in the spirit of TigerBeetle's: thousands of random operations,
/// valid and invalid, against a fresh ledger; after every step the invariants hold.
///
/// A failure prints its seed; replay it with `SIMULATION_SEED=<seed> swift test --filter SimulationTests`.
struct SimulationTests {
    static let seeds: [UInt64] = {
        if let text = ProcessInfo.processInfo.environment["SIMULATION_SEED"], let seed = UInt64(text) { return [seed] }
        return [20_221_231, 7_441_300, 25_648]
    }()

    static let steps = Int(ProcessInfo.processInfo.environment["SIMULATION_STEPS"] ?? "") ?? 1_200

    @Test(arguments: seeds)
    func randomOperationsKeepEveryInvariant(seed: UInt64) throws {
        var simulation = try Simulation(seed: seed)
        for step in 1...Self.steps {
            let outcome = try simulation.step()
            if let broken = try simulation.brokenInvariant(full: step % 200 == 0 || step == Self.steps) {
                Issue.record("seed \(seed), step \(step) (\(outcome)): \(broken)")
                return
            }
        }
        // The run must have exercised both kinds of operation, or it proves little.
        #expect(
            simulation.recorded > Self.steps / 8,
            "seed \(seed): only \(simulation.recorded) operations were recorded"
        )
        #expect(
            simulation.refused > Self.steps / 10,
            "seed \(seed): only \(simulation.refused) operations were refused"
        )
        #expect(
            simulation.kindsRecorded.isSuperset(of: [
                .claim, .decision, .use, .redemptionFiled, .redemptionSettled, .reversal,
            ])
        )
    }
}

/// SplitMix64: small, fast and the same on every machine, so that a seed replays exactly.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

struct Simulation {
    var random: SeededGenerator
    let fixture: LedgerFixture
    var ledger: Ledger { fixture.ledger }
    var date = day("2022-01-10")
    var claims: [(ref: String, requested: Money)] = []
    var uses: [String] = []
    var filings: [(ref: String, uses: [String])] = []
    var events: [Int64] = []
    var lastSubmission: (kind: String, context: EventContext, use: UseRequest)?
    var recorded = 0
    var refused = 0
    var kindsRecorded: Set<EventKind> = []
    var counter = 0

    init(seed: UInt64) throws {
        random = SeededGenerator(state: seed)
        fixture = try LedgerFixture()
    }

    var applicants: [String] { [fixture.alpha, fixture.beta, fixture.gamma, fixture.team, "91310110999999999X"] }
    let programmes = [shanghai, delta, operating]

    mutating func pick<T>(_ items: [T]) -> T? { items.isEmpty ? nil : items[Int(random.next() % UInt64(items.count))] }
    mutating func chance(_ percent: UInt64) -> Bool { random.next() % 100 < percent }
    mutating func amount(upTo yuan: UInt64) -> Money { Money(fen: Int64(random.next() % (yuan * 100) + 1)) }

    mutating func context() -> EventContext {
        counter += 1
        if chance(30) { date = date.adding(days: Int(random.next() % 9)) }
        return EventContext(
            idempotencyKey: "sim-\(counter)",
            actor: "sim",
            businessDate: date,
            // Recorded late enough that no date of the walk is ahead of it.
            recordedAt: "2199-12-31T00:00:00Z"
        )
    }

    /// One random operation; returns what it tried.
    mutating func step() throws -> String {
        let before = try ledger.chainHead()
        let choice = random.next() % 100
        var description = ""
        do {
            let event: RecordedEvent?
            switch choice {
            case 0..<15:
                let ref = "C-\(counter)"
                let programme = pick(programmes) ?? shanghai
                let requested = amount(upTo: 300_000)
                description = "claim \(ref) \(programme)"
                event = try ledger.claim(
                    ClaimRequest(
                        ref: ref,
                        applicantID: pick(applicants) ?? "",
                        programme: programme,
                        year: date.year,
                        requested: requested
                    ),
                    context: context()
                )
                claims.append((ref, requested))
            case 15..<30:
                let (claim, requested) = pick(claims) ?? ("none", .zero)
                let grant = chance(70) ? requested : min(requested, amount(upTo: 250_000))
                let outcome: DecisionRequest.Outcome = chance(85) ? .grant(grant) : .reject(reason: "不符合条件")
                let level: ReviewLevel = chance(80) ? .district : .city
                description = "decide \(claim) \(outcome)"
                event = try ledger.decide(
                    // One reviewer per level: the same name at both levels is refused.
                    DecisionRequest(claimRef: claim, level: level, outcome: outcome, reviewer: "sim-\(level.rawValue)"),
                    context: context()
                )
            case 30..<55:
                let ref = "U-\(counter)"
                let (provider, product) =
                    chance(70) ? (fixture.lab, pick(["LAB-NMR", "LAB-SEM"]) ?? "") : (fixture.suzhou, "SZ-EMC")
                let request = UseRequest(
                    ref: ref,
                    applicantID: pick(applicants) ?? "",
                    providerID: provider,
                    productCode: product,
                    programme: chance(60) ? shanghai : delta,
                    serviceAmount: amount(upTo: chance(80) ? 60_000 : 400_000)
                )
                description = "use \(ref)"
                let context = context()
                event = try ledger.use(request, context: context)
                uses.append(ref)
                lastSubmission = ("use", context, request)
            case 55..<65:
                let provider = chance(70) ? fixture.lab : fixture.suzhou
                var chosen: [String] = []
                for _ in 0..<(1 + random.next() % 3) {
                    if let use = pick(uses), !chosen.contains(use) { chosen.append(use) }
                }
                let ref = "R-\(counter)"
                description = "file \(ref) \(chosen)"
                event = try ledger.fileRedemption(
                    RedemptionFilingRequest(ref: ref, providerID: provider, useRefs: chosen),
                    context: context()
                )
                filings.append((ref, chosen))
            case 65..<78:
                guard let filing = pick(filings), let use = pick(filing.uses) else { return "nothing to settle" }
                let outcome: SettlementRequest.Outcome =
                    switch random.next() % 3 {
                    case 0: .paid
                    case 1: .reduced(paid: amount(upTo: 150_000), reason: "核减")
                    default: .rejected(reason: "材料不全")
                    }
                description = "settle \(filing.ref)/\(use) \(outcome)"
                event = try ledger.settleRedemption(
                    SettlementRequest(filingRef: filing.ref, useRef: use, outcome: outcome),
                    context: context()
                )
            case 78..<84:
                let programme = chance(50) ? shanghai : delta
                description = "expire \(programme)"
                event = try ledger.expireQuotas(programme: programme, context: context())
            case 84..<92:
                guard let target = pick(events) else { return "nothing to reverse" }
                description = "reverse \(target)"
                event = try ledger.reverse(event: target, reason: "录入错误", context: context())
            default:
                guard let last = lastSubmission else { return "nothing to resubmit" }
                var request = last.use
                if chance(50) { request.serviceAmount = Money(fen: request.serviceAmount.fen + 1) }
                description = "resubmit \(last.context.idempotencyKey)"
                let replay = try ledger.use(request, context: last.context)
                guard replay.replayed, request == last.use else {
                    throw SimulationFailure("a resubmission recorded a new event or accepted different content")
                }
                event = nil
            }
            if let event, !event.replayed {
                recorded += 1
                kindsRecorded.insert(event.kind)
                events.append(event.seq)
            }
        } catch let error as LedgerError {
            refused += 1
            let after = try ledger.chainHead()
            if after != before {
                throw SimulationFailure("\(description) was refused (\(error)) but wrote to the ledger")
            }
        } catch let error as DatabaseError {
            // The database's own constraints are the last line; reaching them means a check is missing.
            throw SimulationFailure("\(description) reached a database constraint: \(error)")
        }
        return description
    }

    /// The first invariant that does not hold, or nil.
    func brokenInvariant(full: Bool) throws -> String? {
        let (events, maxSeq, negative, lastSum) = try ledger.rawRead { db in
            (
                try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM event") ?? 0,
                try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM event") ?? 0,
                try String.fetchAll(db, sql: "SELECT id FROM account WHERE type <> 'budget' AND balance < 0"),
                try Int64.fetchOne(
                    db,
                    sql: "SELECT COALESCE(SUM(amount), 0) FROM posting WHERE event_seq = (SELECT MAX(seq) FROM event)"
                ) ?? 0
            )
        }
        if events != maxSeq { return "sequence has a gap: \(events) events, last \(maxSeq)" }
        if !negative.isEmpty { return "accounts below zero: \(negative)" }
        if lastSum != 0 { return "the last event's postings sum to \(lastSum)" }
        // Each applicant's quotas, read in one statement, are what each live claim's own reading
        // (``Ledger/storedClaim(_:ref:)``: the claim, its latest live decision, its date) grants.
        for programme in programmes {
            for applicant in applicants {
                let (read, claimByClaim) = try ledger.rawRead { db in
                    (
                        try ledger.grantedQuotas(db, applicantID: applicant, programme: programme).map(\.quota),
                        try String.fetchAll(
                            db,
                            sql:
                                "SELECT ref FROM claim c WHERE applicant_id = ? AND programme_id = ? AND \(Ledger.live("c"))",
                            arguments: [applicant, programme.value]
                        ).compactMap { try ledger.storedClaim(db, ref: $0).grant }
                    )
                }
                func order(_ quotas: [GrantedQuota]) -> [GrantedQuota] {
                    quotas.sorted {
                        ($0.quota.validUntil, $0.quota.grantedOn, $0.claimRef) < (
                            $1.quota.validUntil, $1.quota.grantedOn, $1.claimRef
                        )
                    }
                }
                if order(read) != order(claimByClaim) {
                    return "\(applicant) in \(programme): quotas \(read) read, \(claimByClaim) claim by claim"
                }
                if read
                    != read.sorted(by: {
                        ($0.quota.validUntil, $0.quota.grantedOn) < ($1.quota.validUntil, $1.quota.grantedOn)
                    })
                {
                    return "\(applicant) in \(programme): quotas not in the order they end: \(read)"
                }
            }
        }
        for programme in [shanghai, delta, operating] {
            let figures = try ledger.reconciliation(programme, period: .through(day("9999-12-31")))
            if figures.used > figures.claimed {
                return "\(programme): used \(figures.used) > claimed \(figures.claimed)"
            }
            if figures.redeemed > figures.used {
                return "\(programme): redeemed \(figures.redeemed) > used \(figures.used)"
            }
            if let broken = figures.identities.first(where: { !$0.holds }) {
                return "\(programme): \(broken.name) is off by \(broken.difference)"
            }
            if figures.usesOverRate > 0 {
                return "\(programme): \(figures.usesOverRate) uses over rate × service amount"
            }
            // Through today, or through a date no event of the programme is later than, the report
            // reads the totals the ledger keeps; to an earlier date, the totals it keeps by day. Both
            // must say what the uses themselves say: here, through today, the programme's latest
            // date, the day before it and the date of its middle event. (All but the first every
            // 200 steps: the suite stays fast.)
            let dates =
                try full
                ? ledger.rawRead { db in
                    try String.fetchAll(
                        db,
                        sql: """
                            SELECT MAX(business_date) FROM event WHERE programme_id = :programme
                            UNION SELECT date(MAX(business_date), '-1 day') FROM event WHERE programme_id = :programme
                            UNION SELECT * FROM (SELECT business_date FROM event WHERE programme_id = :programme
                                ORDER BY 1 LIMIT 1 OFFSET (SELECT COUNT(*) / 2 FROM event WHERE programme_id = :programme))
                            """,
                        arguments: ["programme": programme.value]
                    )
                } : []
            #expect(!full || dates.count >= 2, "\(programme): \(dates)")
            for date in ["9999-12-31"] + dates {
                let period = ReportPeriod.through(day(date))
                let kept = try ledger.reconciliation(programme, period: period)
                let scannedFigures = try ledger.reconciliation(programme, period: period, mayReadKeptTotals: false)
                if kept != scannedFigures {
                    return "\(programme) to \(date): the kept totals say \(kept), the uses say \(scannedFigures)"
                }
                let keptRows = try ledger.breakdowns(programme, period: period)
                let scanned = try ledger.breakdowns(programme, period: period, mayReadKeptTotals: false)
                if keptRows != scanned {
                    return
                        "\(programme) to \(date): breakdowns from the kept totals \(keptRows) differ from the uses' \(scanned)"
                }
                // The report's own: the 20 largest applicants by amount used, and how many there are.
                let report = try ledger.reportBreakdowns(programme, period: period, largestApplicants: 20)
                let applicants = scanned[.applicant] ?? []
                let largest = Array(applicants.sorted { ($0.used, $1.key) > ($1.used, $0.key) }.prefix(20))
                if report.rows[.applicant] != largest || report.keys[.applicant] != applicants.count {
                    return "\(programme) to \(date): the report's applicants differ from the uses'"
                }
            }
        }
        // Every annual cap: the Shanghai voucher's 30万 per enterprise and 10万 per team, YRD's 20万.
        let overCap = try ledger.rawRead { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT u.programme_id, u.year, u.applicant_id, a.kind, SUM(u.amount - COALESCE((
                        SELECT SUM(s.unpaid) FROM settlement s WHERE s.use_seq = u.event_seq AND s.unpaid_effect = 'returned'
                        AND NOT EXISTS (SELECT 1 FROM event r2 WHERE r2.reverses = s.event_seq)), 0)) AS used FROM voucher_use u
                    JOIN applicant a ON a.id = u.applicant_id AND a.event_seq = (SELECT MAX(event_seq) FROM applicant WHERE id = a.id)
                    WHERE NOT EXISTS (SELECT 1 FROM event r WHERE r.reverses = u.event_seq)
                    GROUP BY u.programme_id, u.year, u.applicant_id
                    HAVING used > CASE
                        WHEN u.programme_id = 'yrd-innovation-voucher' THEN 20000000
                        WHEN a.kind = 'team' THEN 10000000 ELSE 30000000 END
                    """
            )
        }
        if let row = overCap.first { return "annual cap exceeded by uses: \(row)" }
        // Grants respect the same caps: the quota granted per applicant and year.
        let overGranted = try ledger.rawRead { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT a.programme_id, a.year, a.party_id, p.kind, a.balance + COALESCE((
                        SELECT SUM(-x.amount) FROM posting x WHERE x.account_id = a.id AND x.amount < 0), 0) AS received
                    FROM account a JOIN applicant p ON p.id = a.party_id
                        AND p.event_seq = (SELECT MAX(event_seq) FROM applicant WHERE id = p.id)
                    WHERE a.type = 'quota' AND a.programme_id <> 'jic-operating-support'
                    AND a.balance > CASE
                        WHEN a.programme_id = 'yrd-innovation-voucher' THEN 20000000
                        WHEN p.kind = 'team' THEN 10000000 ELSE 30000000 END
                    """
            )
        }
        if let row = overGranted.first { return "a quota above the annual cap: \(row)" }
        if full, let broken = try replayDiffers() { return broken }
        if full {
            let report = try ledger.verify()
            if let problem = report.problem { return "verification failed: \(problem)" }
            if report.factsComparedRowByRow {
                return "the fact rows' digest differs from the payloads', with no problem found"
            }
        }
        return nil
    }
}

struct SimulationFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension Simulation {
    /// A what-if replay under each programme's own policy reproduces every programme year the
    /// ledger holds: its figures, each applicant's amount, and no event changed.
    func replayDiffers() throws -> String? {
        for programmeID in [shanghai, delta, operating] {
            let programme = try ledger.programme(programmeID)
            let years = try ledger.rawRead { db in
                try Int.fetchAll(
                    db,
                    sql: "SELECT DISTINCT year FROM claim WHERE programme_id = ?",
                    arguments: [programmeID.value]
                )
            }
            for year in years {
                let outcome = try WhatIfReplayTests.replayed(ledger, programmeID, year: year)
                let recorded = try ledger.reconciliation(programmeID, period: .year(year))
                if let differs = WhatIfReplayTests.difference(outcome, recorded) {
                    return "\(programmeID) \(year): the replay under its own policy differs: \(differs)"
                }
                if programme.kind == .voucher {
                    var recordedByApplicant: [String: Money] = [:]
                    for row in try ledger.breakdown(programmeID, period: .year(year), by: .applicant) where row.uses > 0
                    {
                        recordedByApplicant[row.key] = row.used
                    }
                    if recordedByApplicant != outcome.usedByApplicant {
                        return "\(programmeID) \(year): the replay's amounts by applicant \(outcome.usedByApplicant) "
                            + "differ from the ledger's \(recordedByApplicant)"
                    }
                }
            }
        }
        return nil
    }
}
