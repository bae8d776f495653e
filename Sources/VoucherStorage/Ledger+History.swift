import Dispatch
import GRDB
import VoucherDomain

// MARK: - A programme's history, read for a what-if replay

extension Ledger {
    /// Reads a programme's history once, in the order recorded, into the replays `make` builds
    /// (``Replay``: the rules run again in memory). `make` is given the events a later reversal
    /// cancels. Nothing is written.
    ///
    /// Each kind of event is read as a stream, one row at a time, in the order of its events (a
    /// scan of its table, whose key is the event's number); the streams are merged by sequence
    /// number, so that memory holds the replays' state and one row of each table, not the history.
    public func replay(
        _ programmeID: ProgrammeID,
        make: (_ reversed: Set<Int64>) throws -> [Replay]
    ) throws -> (replays: [Replay], chainHead: ChainHead) {
        try readWithTotals { db in
            let id = programmeID.value
            let arguments: StatementArguments = [id]
            let reversed = try Set(
                Int64.fetchAll(
                    db,
                    sql: "SELECT reverses FROM event WHERE programme_id = ? AND kind = 'reversal'",
                    arguments: arguments
                )
            )
            var replays = try make(reversed)
            let applicants = Keys()
            let providers = Keys()
            let products = Keys()
            // Every table is read once, in order: a small page cache does, and leaves the memory
            // to the replays' state. The connection's own is put back after.
            try db.execute(sql: "PRAGMA cache_size = -8192")
            defer { try? db.execute(sql: "PRAGMA cache_size = -\(Ledger.pageCacheKiB)") }
            func use(_ row: Row, from column: Int) -> UseFact {
                UseFact(
                    ref: row[column],
                    claimRef: "",
                    programme: id,
                    year: row[column + 1],
                    applicantID: row[column + 2],
                    providerID: row[column + 3],
                    productCode: row[column + 4],
                    category: row[column + 5],
                    providerRegion: row[column + 6],
                    project: row[column + 7],
                    usedOn: row[column + 8],
                    serviceAmount: row[column + 9],
                    eligibleAmount: row[column + 10],
                    taxAmount: row[column + 11],
                    rateBasisPoints: row[column + 12],
                    amount: row[column + 13],
                    redemptionDeadline: nil
                )
            }
            let useColumns = """
                u.ref, u.year, u.applicant_id, u.provider_id, u.product_code, u.category, u.provider_region, u.project,
                u.used_on, u.service_amount, u.eligible_amount, u.tax_amount, u.rate_basis_points, u.amount
                """
            var streams: [HistoryStream] = [
                try HistoryStream(
                    db,
                    "SELECT event_seq, id, kind, group_id, district, attributes FROM applicant ORDER BY event_seq"
                ) { row in
                    let attributes: String? = row[5]
                    return .registration(
                        seq: row[0],
                        applicant: Applicant(
                            id: row[1],
                            kind: ApplicantKind(rawValue: row[2]) ?? .enterprise,
                            group: row[3],
                            district: row[4],
                            attributes: attributes.map { Set($0.split(separator: ";").map(String.init)) } ?? []
                        ),
                        key: applicants.key(row[1])
                    )
                },
                try HistoryStream(
                    db,
                    """
                    SELECT seq, business_date, reverses FROM event
                    WHERE programme_id = ? AND kind IN ('expiry', 'reversal') ORDER BY seq
                    """,
                    arguments
                ) { row in
                    let seq: Int64 = row[0]
                    let date = try Self.date(row[1], event: seq)
                    if let target: Int64 = row[2] { return .reversal(seq: seq, date: date, reverses: target) }
                    return .expiry(seq: seq, date: date)
                },
                try HistoryStream(
                    db,
                    """
                    SELECT c.event_seq, c.ref, c.applicant_id, c.year, c.requested, c.project, c.paid, e.business_date
                    FROM claim c JOIN event e ON e.seq = c.event_seq WHERE c.programme_id = ? ORDER BY c.event_seq
                    """,
                    arguments
                ) { row in
                    let seq: Int64 = row[0]
                    let paid: Int64? = row[6]
                    let fact = ClaimFact(
                        ref: row[1],
                        applicantID: row[2],
                        programme: programmeID,
                        year: row[3],
                        requested: Money(fen: row[4]),
                        project: row[5],
                        paid: paid.map { Money(fen: $0) }
                    )
                    return .claim(
                        seq: seq,
                        date: try Self.date(row[7], event: seq),
                        fact: fact,
                        applicant: applicants.key(fact.applicantID)
                    )
                },
                try HistoryStream(
                    db,
                    """
                    SELECT d.event_seq, d.claim_seq, d.level, d.outcome, d.granted, d.reviewer, d.reason, d.valid_until,
                        e.business_date
                    FROM decision d JOIN claim c ON c.event_seq = d.claim_seq JOIN event e ON e.seq = d.event_seq
                    WHERE c.programme_id = ? ORDER BY d.event_seq
                    """,
                    arguments
                ) { row in
                    let seq: Int64 = row[0]
                    let validUntil: String? = row[7]
                    let fact = DecisionFact(
                        claimRef: "",
                        level: ReviewLevel(rawValue: row[2]) ?? .district,
                        outcome: row[3],
                        granted: Money(fen: row[4]),
                        reviewer: row[5],
                        reason: row[6],
                        validUntil: try validUntil.map { try Self.date($0, event: seq) }
                    )
                    return .decision(seq: seq, date: try Self.date(row[8], event: seq), claimSeq: row[1], fact: fact)
                },
                // The uses by a scan of their table, not its index by programme, which would visit
                // them in another order.
                try HistoryStream(
                    db,
                    "SELECT u.event_seq, \(useColumns) FROM voucher_use u WHERE +u.programme_id = ? ORDER BY u.event_seq",
                    arguments
                ) { row in
                    let fact = use(row, from: 1)
                    let keys = PartyKeys(
                        applicant: applicants.key(fact.applicantID),
                        provider: providers.key(fact.providerID),
                        product: products.key(fact.productCode)
                    )
                    return .use(seq: row[0], fact: fact, keys: keys)
                },
                try HistoryStream(
                    db,
                    """
                    SELECT s.event_seq, s.use_seq, s.outcome, s.paid, s.unpaid, s.unpaid_effect, s.reason,
                        u.ref, u.year, u.applicant_id, u.provider_id, u.project, u.used_on
                    FROM settlement s JOIN voucher_use u ON u.event_seq = s.use_seq WHERE u.programme_id = ?
                    ORDER BY s.event_seq
                    """,
                    arguments
                ) { row in
                    // Only what settling a use needs of it (HistoryEvent.settlement).
                    let facts = UseFact(
                        ref: row[7],
                        claimRef: "",
                        programme: id,
                        year: row[8],
                        applicantID: row[9],
                        providerID: row[10],
                        productCode: "",
                        category: "",
                        providerRegion: "",
                        project: row[11],
                        usedOn: row[12],
                        serviceAmount: 0,
                        eligibleAmount: nil,
                        taxAmount: nil,
                        rateBasisPoints: 0,
                        amount: 0,
                        redemptionDeadline: nil
                    )
                    let fact = SettlementFact(
                        filingRef: "",
                        useRef: facts.ref,
                        outcome: row[2],
                        paid: Money(fen: row[3]),
                        unpaid: Money(fen: row[4]),
                        unpaidEffect: UnpaidRedemptionEffect(rawValue: row[5]) ?? .forfeited,
                        reason: row[6]
                    )
                    return .settlement(
                        seq: row[0],
                        useSeq: row[1],
                        fact: fact,
                        use: facts,
                        applicant: applicants.key(facts.applicantID)
                    )
                },
                try HistoryStream(
                    db,
                    """
                    SELECT p.event_seq, p.claim_seq, p.amount, e.business_date FROM payment p
                    JOIN claim c ON c.event_seq = p.claim_seq JOIN event e ON e.seq = p.event_seq
                    WHERE c.programme_id = ? ORDER BY p.event_seq
                    """,
                    arguments
                ) { row in
                    let seq: Int64 = row[0]
                    return .payment(
                        seq: seq,
                        date: try Self.date(row[3], event: seq),
                        claimSeq: row[1],
                        amount: Money(fen: row[2])
                    )
                },
            ]
            // Merge: the stream whose next event is the earliest goes first. Events are handed to
            // the replays in batches; each replay (the baseline, each reform) takes a batch on its
            // own core, since they share nothing.
            // The reading goes on while the replays take the batch before: one batch is read
            // while the last is applied, the replays each on a core of its own.
            let work = ReplayWork(replays)
            replays = []
            var batch: [HistoryEvent] = []
            batch.reserveCapacity(Self.replayBatch)
            defer { work.wait() }
            while true {
                var earliest: Int?
                for index in streams.indices {
                    guard let head = streams[index].head else { continue }
                    if let best = earliest, let bestHead = streams[best].head, bestHead.seq <= head.seq { continue }
                    earliest = index
                }
                guard let index = earliest, let event = streams[index].head else { break }
                batch.append(event)
                if batch.count == Self.replayBatch {
                    work.apply(batch)
                    batch = []
                    batch.reserveCapacity(Self.replayBatch)
                }
                try streams[index].advance()
            }
            work.apply(batch)
            work.wait()
            return (work.replays, try chainHead(db))
        }
    }

    /// The years a programme has claims for, in order.
    public func claimYears(_ programmeID: ProgrammeID) throws -> [Int] {
        try read { db in
            try Int.fetchAll(
                db,
                sql: "SELECT DISTINCT year FROM claim WHERE programme_id = ? ORDER BY year",
                arguments: [programmeID.value]
            )
        }
    }

    /// How many events the replays take at a time.
    static let replayBatch = 4_096

    /// The names of the applicants `ids`, as last registered.
    public func applicantNames(_ ids: some Sequence<String>) throws -> [String: String] {
        try partyNames(.applicant, ids)
    }

    /// The names of the applicants or providers `ids` (by `dimension`), as last registered; none
    /// for another dimension.
    public func partyNames(_ dimension: BreakdownDimension, _ ids: some Sequence<String>) throws -> [String: String] {
        let table: String
        switch dimension {
        case .applicant: table = "applicant"
        case .provider: table = "provider"
        default: return [:]
        }
        return try read { db in
            var names: [String: String] = [:]
            let statement = try db.cachedStatement(
                sql: "SELECT name FROM \(table) WHERE id = ? ORDER BY event_seq DESC LIMIT 1"
            )
            for id in ids { names[id] = try String.fetchOne(statement, arguments: [id]) }
            return names
        }
    }

    /// Every applicant's name, as last registered.
    public func applicantNames() throws -> [String: String] {
        try read { db in
            var names: [String: String] = [:]
            let rows = try Row.fetchCursor(db, sql: "SELECT id, name FROM applicant ORDER BY event_seq")
            while let row = try rows.next() { names[row[0]] = row[1] }
            return names
        }
    }

    private static func date(_ text: String, event seq: Int64) throws -> BusinessDate {
        do {
            return try BusinessDate.parse(text)
        } catch {
            throw LedgerError.internalInconsistency("event \(seq) has the date \(text), which is no date")
        }
    }
}

/// One table's events in order, read a row ahead.
private struct HistoryStream {
    let cursor: RowCursor
    let make: (Row) throws -> HistoryEvent
    var head: HistoryEvent?

    init(
        _ db: Database,
        _ sql: String,
        _ arguments: StatementArguments = StatementArguments(),
        make: @escaping (Row) throws -> HistoryEvent
    ) throws {
        cursor = try Row.fetchCursor(db, sql: sql, arguments: arguments)
        self.make = make
        try advance()
    }

    mutating func advance() throws {
        head = try cursor.next().map(make)
    }
}

/// Small numbers for ids, from 0 up, the same for the same id (``HistoryEvent``'s keys).
private final class Keys {
    private var keys: [String: Int32] = [:]

    func key(_ id: String) -> Int32 {
        if let key = keys[id] { return key }
        let key = Int32(keys.count)
        keys[id] = key
        return key
    }
}

/// The replays and the batch they are taking, on threads of their own while the reader reads the
/// next: `apply` waits for the batch before, then hands over this one.
private final class ReplayWork: @unchecked Sendable {
    // Touched by the reader only between `wait()` and handing a batch over, and by the batch's
    // threads only in between: never by both at once.
    private(set) var replays: [Replay]
    private let group = DispatchGroup()

    init(_ replays: [Replay]) { self.replays = replays }

    func wait() { group.wait() }

    func apply(_ events: [HistoryEvent]) {
        group.wait()
        guard !events.isEmpty else { return }
        group.enter()
        DispatchQueue.global().async { [self] in
            defer { group.leave() }
            replays.withUnsafeMutableBufferPointer { buffer in
                // Each iteration touches its own replay only.
                nonisolated(unsafe) let shared = buffer
                DispatchQueue.concurrentPerform(iterations: shared.count) { index in
                    for event in events { shared[index].apply(event) }
                }
            }
        }
    }
}
