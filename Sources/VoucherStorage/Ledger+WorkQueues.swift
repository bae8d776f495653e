import GRDB
import VoucherDomain

// MARK: - What waits for someone: the console's queues

/// A claim waiting for a review at one level.
public struct PendingClaim: Sendable, Hashable {
    /// The claim's event.
    public var seq: Int64
    public var ref: String
    public var applicant: String
    public var applicantName: String
    public var programme: String
    public var year: Int
    public var requested: Money
    public var claimedOn: String
    /// The district's grant, for a claim waiting for the city's review.
    public var districtGrant: Money?
    /// Whether the programme's rules await the city's review before the grant is used or paid
    /// (else the district's grant is in force, and the city may still review it).
    public var cityRequired: Bool = false

    /// The claim's place in its queue, after which the next page begins.
    public var key: ClaimQueueKey { ClaimQueueKey(seq: seq, cityRequired: cityRequired) }
}

/// Where a page of a review queue ends: a claim's event and, at the city's level, whether it is
/// among the claims the city must decide first (listed before all the others).
public struct ClaimQueueKey: Sendable, Hashable {
    public var seq: Int64
    public var cityRequired: Bool

    public init(seq: Int64, cityRequired: Bool = false) {
        self.seq = seq
        self.cityRequired = cityRequired
    }
}

/// A filed use waiting for its settlement.
public struct PendingSettlement: Sendable, Hashable {
    /// The filing's and the use's events: the item's place in the queue, after which the next
    /// page begins.
    public var key: SettlementQueueKey
    public var filingRef: String
    public var filedOn: String
    public var provider: String
    /// The provider's name as last registered.
    public var providerName: String
    public var useRef: String
    public var applicant: String
    /// The applicant's name as last registered.
    public var applicantName: String
    public var amount: Money
    public var pastDeadline: Bool
    /// The provider's suspension in force on the filing's day, if any (a suspension recorded after
    /// the filing, dated back, covers it), as the rules read its recorded changes.
    public var suspendedWhenFiled: ProviderStatusFact?
}

/// Where a page of the queue of settlements ends: a filing's event and one of its uses' events.
public struct SettlementQueueKey: Sendable, Hashable {
    public var filing: Int64
    public var use: Int64

    public init(filing: Int64, use: Int64) {
        self.filing = filing
        self.use = use
    }

    /// Whether this key comes before `other` in the queue's order.
    func isBefore(_ other: SettlementQueueKey) -> Bool { (filing, use) < (other.filing, other.use) }
}

/// A matching claim or grant request granted and not yet paid in full.
public struct PendingPayment: Sendable, Hashable {
    /// The claim's event: where a page of the queue ends.
    public var seq: Int64
    public var ref: String
    public var applicant: String
    public var applicantName: String
    public var programme: String
    public var year: Int
    public var granted: Money
    public var paid: Money
}

/// A provider's use, with where its redemption stands.
public struct ProviderUse: Sendable, Hashable {
    /// The use's event: where a page of the list ends.
    public var seq: Int64
    public var ref: String
    public var applicant: String
    /// The applicant's name as last registered.
    public var applicantName: String
    public var usedOn: String
    public var amount: Money
    public var reversed: Bool
    /// The filing that claimed it, if any, and how it was settled (nil: not yet).
    public var filing: String?
    public var settlement: String?
    /// What the settlement paid, and why not all when it paid less (a reduction or a rejection).
    public var paid: Money?
    public var reason: String?
}

extension Ledger {
    /// How many uses of the filing recorded as event `filing` were filed past their deadline.
    public func lateItems(ofFiling filing: Int64) throws -> Int {
        try read { db in
            try Int.fetchOne(
                db,
                sql: "SELECT COUNT(*) FROM redemption_item WHERE filing_seq = ? AND past_deadline = 1",
                arguments: [filing]
            ) ?? 0
        }
    }

    /// Live claims of every programme (vouchers, matching and grants) with no live decision
    /// (`level` district), or whose latest live decision is the district's grant (`level` city),
    /// oldest first: at most `limit` of them after `after`. At the city's level the claims whose
    /// programme's policy in force on the day of that grant awaits the city's review
    /// (``Lifecycle/awaitedReview(of:on:decided:)``, as the rule that holds the grant's use asks)
    /// come first, all of them before any other, so a page of older claims never hides them.
    public func pendingClaims(
        level: ReviewLevel,
        after: ClaimQueueKey? = nil,
        limit: Int = 200
    ) throws -> [PendingClaim] {
        try pendingClaims(level: level, after: after, limit: limit, batch: 256)
    }

    /// ``pendingClaims(level:after:limit:)``, reading the city's claims `batch` at a time at least,
    /// and its first part from the decisions in its runs when they are fewer than `fewDecisions`.
    func pendingClaims(
        level: ReviewLevel,
        after: ClaimQueueKey?,
        limit: Int,
        batch: Int,
        fewDecisions: Int = Ledger.fewDecisions
    ) throws -> [PendingClaim] {
        try read { db in
            // The queue's parts in order; a page begins in the part of the claim it follows.
            let parts = level == .city ? [true, false] : [false]
            let start = after.flatMap { key in parts.firstIndex(of: key.cityRequired) } ?? 0
            // The days on which each programme's district grants await the city (most programmes
            // have none: the first part is then not read).
            let awaiting: [(programme: String, runs: [DayRun])] =
                level == .city
                ? try String.fetchAll(db, sql: "SELECT id FROM programme ORDER BY id").compactMap { id in
                    let programme = try programme(db, try ProgrammeID(id)).programme
                    let runs = Lifecycle.daysAwaitingReview(of: programme, decided: .district)
                    return runs.isEmpty ? nil : (id, runs)
                } : []
            var page: [PendingClaim] = []
            for first in parts[start...] where page.count < limit && !(first && awaiting.isEmpty) {
                var part: CityQueuePart?
                if level == .city {
                    part = CityQueuePart(awaiting: awaiting, finding: first ? .firstByGrants : .rest)
                    // Few decisions dated in the runs: the first part is found from them. Many:
                    // the claims read in order are likely in it, and the page fills sooner.
                    if first, let some = part, try some.grantsInRuns(db, atMost: fewDecisions) >= fewDecisions {
                        part?.finding = .firstByClaims
                    }
                }
                var cursor = after?.cityRequired == first ? after?.seq ?? 0 : 0
                while page.count < limit {
                    // The district's queue is one part: a page is read in one query. The city's
                    // parts are told apart by their grants' dates, and each claim read is checked
                    // against the rules, a batch at a time.
                    let size = parts.count == 1 ? limit - page.count : max(limit - page.count, batch)
                    let read = try pendingClaims(db, level: level, after: cursor, limit: size, part: part)
                    page += read.lazy.filter { $0.cityRequired == first }.prefix(limit - page.count)
                    guard read.count == size, let last = read.last else { break }
                    cursor = last.seq
                }
            }
            return page
        }
    }

    /// Up to `limit` claims waiting at `level` after the claim `after`, oldest first, each with
    /// whether the city's review is awaited. At the city's level, `part` selects the claims whose
    /// latest grant is dated on a day it awaits the city (`first`), or the others.
    private func pendingClaims(
        _ db: Database,
        level: ReviewLevel,
        after: Int64,
        limit: Int,
        part: CityQueuePart?
    ) throws -> [PendingClaim] {
        let query = Self.pendingClaimsQuery(level: level, part: part)
        return try Row.fetchAll(db, sql: query.sql, arguments: [after] + query.arguments + [limit]).map { row in
            // Whether the city is awaited: the rules of the day the district granted it.
            let grantedOn = (row[8] as String?).flatMap { try? BusinessDate.parse($0) }
            let programme = try programme(db, try ProgrammeID(row[2] as String)).programme
            let cityRequired =
                level == .city
                && grantedOn.map {
                    Lifecycle.awaitedReview(of: programme, on: $0, decided: .district)?.level == .city
                } == true
            return PendingClaim(
                seq: row[9],
                ref: row[0],
                applicant: row[1],
                applicantName: row[6] ?? "",
                programme: row[2],
                year: row[3],
                requested: Money(fen: row[4]),
                claimedOn: row[5],
                districtGrant: level == .city ? (row[7] as Int64?).map(Money.init(fen:)) : nil,
                cityRequired: cityRequired
            )
        }
    }

    /// Below this many district grants dated on the days the city is awaited, the city's first
    /// part is found from those decisions.
    static let fewDecisions = 16_384

    /// The query of ``pendingClaims(_:level:after:limit:part:)``: its arguments go between the
    /// claim it reads after and the limit.
    static func pendingClaimsQuery(
        level: ReviewLevel,
        part: CityQueuePart?
    ) -> (sql: String, arguments: StatementArguments) {
        let latest = """
            (SELECT d.event_seq FROM decision d WHERE d.claim_seq = c.event_seq AND \(Self.live("d"))
             ORDER BY d.event_seq DESC LIMIT 1)
            """
        let condition =
            level == .district
            ? "\(latest) IS NULL"
            : "(SELECT d.level = 'district' AND d.outcome = 'granted' FROM decision d WHERE d.event_seq = \(latest))"
        var filter = ""
        var filterArguments = StatementArguments()
        if let part, !part.awaiting.isEmpty {
            let latestInRuns = part.inRuns(
                programme: "c.programme_id",
                date: "(SELECT g.business_date FROM event g WHERE g.seq = \(latest))"
            )
            switch part.finding {
            case .firstByGrants:
                // The claims with a district grant dated in a run, found by the decisions' dates
                // (event_by_programme), not by reading every claim; of them, those whose latest
                // live decision is such a grant.
                filter = """
                    AND c.event_seq IN (
                        SELECT d.claim_seq FROM event g JOIN decision d ON d.event_seq = g.seq
                        WHERE g.kind = 'decision' AND (\(part.inRuns(programme: "g.programme_id", date: "g.business_date")))
                        AND d.level = 'district' AND d.outcome = 'granted')
                    AND (\(latestInRuns))
                    """
                filterArguments = part.runArguments + part.runArguments
            case .firstByClaims:
                filter = "AND (\(latestInRuns))"
                filterArguments = part.runArguments
            case .rest:
                filter = "AND NOT (\(latestInRuns))"
                filterArguments = part.runArguments
            }
        }
        let sql = """
            SELECT c.ref, c.applicant_id, c.programme_id, c.year, c.requested, e.business_date,
                (SELECT a.name FROM applicant a WHERE a.id = c.applicant_id ORDER BY a.event_seq DESC LIMIT 1),
                (SELECT d.granted FROM decision d WHERE d.event_seq = \(latest)),
                (SELECT g.business_date FROM event g WHERE g.seq = \(latest)), c.event_seq
            FROM claim c JOIN event e ON e.seq = c.event_seq
            WHERE c.event_seq > ? \(filter)
            AND \(Self.live("c")) AND \(condition)
            ORDER BY c.event_seq LIMIT ?
            """
        return (sql, filterArguments)
    }

    /// Live claims of matching and grant programmes whose latest live decision granted more than
    /// their live payments; oldest first, at most `limit` after the claim `after`.
    public func pendingPayments(after: Int64? = nil, limit: Int = 200) throws -> [PendingPayment] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT ref, applicant_id, programme_id, year, granted, paid, name, event_seq FROM (
                        SELECT c.event_seq, c.ref, c.applicant_id, c.programme_id, c.year,
                            (SELECT d.granted FROM decision d WHERE d.claim_seq = c.event_seq AND \(Self.live("d"))
                             ORDER BY d.event_seq DESC LIMIT 1) AS granted,
                            (SELECT COALESCE(SUM(p.amount), 0) FROM payment p
                             WHERE p.claim_seq = c.event_seq AND \(Self.live("p"))) AS paid,
                            (SELECT a.name FROM applicant a WHERE a.id = c.applicant_id ORDER BY a.event_seq DESC LIMIT 1)
                                AS name
                        FROM claim c JOIN programme g ON g.id = c.programme_id
                        WHERE c.event_seq > ? AND g.kind IN ('matching', 'grant') AND \(Self.live("c"))
                    ) WHERE granted > paid ORDER BY event_seq LIMIT ?
                    """,
                arguments: [after ?? 0, limit]
            ).map { row in
                PendingPayment(
                    seq: row[7],
                    ref: row[0],
                    applicant: row[1],
                    applicantName: row[6] ?? "",
                    programme: row[2],
                    year: row[3],
                    granted: Money(fen: row[4]),
                    paid: Money(fen: row[5])
                )
            }
        }
    }

    /// Filed uses of live filings with no live settlement; oldest first, at most `limit` after
    /// `after`.
    public func pendingSettlements(after: SettlementQueueKey? = nil, limit: Int = 200) throws -> [PendingSettlement] {
        try read { db in
            // Items before the mark are settled (``SettledMark``): a page that would start before
            // it starts there, and a read from the mark (or the start) moves it to its first item.
            let mark = try settledMark.mark(db)
            let start = mark.map { mark in after.map { $0.isBefore(mark) ? mark : $0 } ?? mark } ?? after
            let items = try Row.fetchAll(
                db,
                sql: """
                    SELECT f.ref, e.business_date, f.provider_id, u.ref, u.applicant_id, u.amount, i.past_deadline,
                        (SELECT v.name FROM provider v WHERE v.id = f.provider_id ORDER BY v.event_seq DESC LIMIT 1),
                        (SELECT a.name FROM applicant a WHERE a.id = u.applicant_id ORDER BY a.event_seq DESC LIMIT 1),
                        i.filing_seq, i.use_seq
                    FROM redemption_item i JOIN redemption_filing f ON f.event_seq = i.filing_seq
                    JOIN event e ON e.seq = f.event_seq JOIN voucher_use u ON u.event_seq = i.use_seq
                    WHERE (i.filing_seq, i.use_seq) > (?, ?) AND \(Self.live("f")) AND \(Self.live("u"))
                    AND NOT EXISTS (SELECT 1 FROM settlement s WHERE s.filing_seq = i.filing_seq
                        AND s.use_seq = i.use_seq AND \(Self.live("s")))
                    ORDER BY i.filing_seq, i.use_seq LIMIT ?
                    """,
                arguments: [start?.filing ?? 0, start?.use ?? 0, limit]
            ).map { row in
                let filedOn: String = row[1]
                let provider: String = row[2]
                return PendingSettlement(
                    key: SettlementQueueKey(filing: row[9], use: row[10]),
                    filingRef: row[0],
                    filedOn: filedOn,
                    provider: provider,
                    providerName: row[7] ?? "",
                    useRef: row[3],
                    applicant: row[4],
                    applicantName: row[8] ?? "",
                    amount: Money(fen: row[5]),
                    pastDeadline: row[6],
                    suspendedWhenFiled: try (try? BusinessDate.parse(filedOn)).flatMap { filed in
                        Lifecycle.suspension(on: filed, among: try providerStatus(db, provider))
                    }
                )
            }
            if start == mark {
                // Everything read past: up to the first item found, or to the last item filed.
                let through =
                    try items.first.map { SettlementQueueKey(filing: $0.key.filing, use: $0.key.use - 1) }
                    ?? Row.fetchOne(
                        db,
                        sql:
                            "SELECT filing_seq, use_seq FROM redemption_item ORDER BY filing_seq DESC, use_seq DESC LIMIT 1"
                    ).map { SettlementQueueKey(filing: $0[0], use: $0[1]) }
                if let through { try settledMark.set(through, db) }
            }
            return items
        }
    }

    /// A provider's uses before the use `before` (all when nil), latest first, at most `limit`,
    /// each with its filing and settlement.
    public func providerUses(_ provider: String, before: Int64? = nil, limit: Int = 200) throws -> [ProviderUse] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT u.ref, u.applicant_id, u.used_on, u.amount,
                        EXISTS (SELECT 1 FROM event r WHERE r.reverses = u.event_seq),
                        (SELECT f.ref FROM redemption_item i JOIN redemption_filing f ON f.event_seq = i.filing_seq
                         WHERE i.use_seq = u.event_seq AND \(Self.live("f")) ORDER BY f.event_seq DESC LIMIT 1),
                        s.outcome,
                        (SELECT a.name FROM applicant a WHERE a.id = u.applicant_id ORDER BY a.event_seq DESC LIMIT 1),
                        s.paid, s.reason, u.event_seq
                    FROM voucher_use u
                    LEFT JOIN settlement s ON s.event_seq = (
                        SELECT s2.event_seq FROM settlement s2 WHERE s2.use_seq = u.event_seq AND \(Self.live("s2"))
                        ORDER BY s2.event_seq DESC LIMIT 1)
                    WHERE u.provider_id = ? AND u.event_seq < ?
                    ORDER BY u.event_seq DESC LIMIT ?
                    """,
                arguments: [provider, before ?? Int64.max, limit]
            ).map { row in
                ProviderUse(
                    seq: row[10],
                    ref: row[0],
                    applicant: row[1],
                    applicantName: row[7] ?? "",
                    usedOn: row[2],
                    amount: Money(fen: row[3]),
                    reversed: row[4],
                    filing: row[5],
                    settlement: row[6],
                    paid: (row[8] as Int64?).map(Money.init(fen:)),
                    reason: row[9]
                )
            }
        }
    }
}

/// An event as the console's list of events shows it: what was recorded, when, by whom, and
/// whether it reverses or was reversed.
public struct EventLine: Sendable, Hashable {
    public var seq: Int64
    public var kind: String
    public var businessDate: String
    public var actor: String
    /// The event's recorded request, as stored (JSON).
    public var payload: String
    /// The amount its explanation arrives at, for events that compute one.
    public var amount: Money?
    public var reverses: Int64?
    public var reversedBy: Int64?
}

extension Ledger {
    /// The latest events before `before` (all when nil), latest first, at most `limit`.
    public func eventLines(before: Int64? = nil, limit: Int = 50) throws -> [EventLine] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT e.seq, e.kind, e.business_date, e.actor, e.payload, e.explanation, e.reverses,
                        (SELECT r.seq FROM event r WHERE r.reverses = e.seq)
                    FROM event e WHERE e.seq < ? ORDER BY e.seq DESC LIMIT ?
                    """,
                arguments: [before ?? Int64.max, limit]
            ).map { row in
                EventLine(
                    seq: row[0],
                    kind: row[1],
                    businessDate: row[2],
                    actor: row[3],
                    payload: row[4],
                    amount: try (row[5] as String?).map(StoredExplanation.init(json:))?.amount,
                    reverses: row[6],
                    reversedBy: row[7]
                )
            }
        }
    }
}

/// An applicant's voucher quotas of one programme year: the claims granted, and what is left of
/// the year's quota account now (used and lapsed amounts taken out), which they share.
public struct ApplicantQuota: Sendable, Hashable {
    public var programme: ProgrammeID
    public var year: Int
    /// The live claims granted a quota, each with its grant and validity.
    public var claims: [GrantedQuota]
    public var left: Money
}

extension Ledger {
    /// The applicant's granted voucher quotas in every programme, by programme year.
    public func quotas(ofApplicant applicantID: String) throws -> [ApplicantQuota] {
        try read { db in
            var quotas: [ApplicantQuota] = []
            let ids = try String.fetchAll(db, sql: "SELECT id FROM programme ORDER BY id")
            for id in ids {
                let programme = try programme(db, try ProgrammeID(id)).programme
                guard programme.kind == .voucher else { continue }
                let granted = try grantedQuotas(db, applicantID: applicantID, programme: programme.id).map(\.quota)
                for year in Set(granted.map(\.year)).sorted() {
                    quotas.append(
                        ApplicantQuota(
                            programme: programme.id,
                            year: year,
                            claims: granted.filter { $0.year == year },
                            left: try balance(
                                db,
                                LedgerAccount(.quota, programme: programme.id, year: year, party: applicantID)
                            )
                        )
                    )
                }
            }
            return quotas
        }
    }
}
