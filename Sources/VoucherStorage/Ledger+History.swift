import Dispatch
import GRDB
import GRDBSQLite
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
        let read = try replay(programmeID, figuresOf: nil, make: make)
        return (read.replays, read.chainHead)
    }

    /// ``replay(_:make:)``, and the ledger's reconciliation figures of `period` (as
    /// ``reconciliation(_:period:)`` gives them) read in the same snapshot, while the replays
    /// take the last events.
    public func replay(
        _ programmeID: ProgrammeID,
        figuresOf period: ReportPeriod?,
        make: (_ reversed: Set<Int64>) throws -> [Replay]
    ) throws -> (replays: [Replay], chainHead: ChainHead, figures: ReconciliationFigures?) {
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
            // How much the replays will hold, so that their tables are made that size at once.
            let count = { (sql: String) in try Int.fetchOne(db, sql: sql, arguments: arguments) ?? 0 }
            let claimCount = try count("SELECT COUNT(*) FROM claim WHERE programme_id = ?")
            // The live uses, as the kept totals count them (a few rows, not a million): the uses a
            // reversal cancelled are not among them, and the tables grow past them if need be.
            let useCount = try count(
                "SELECT COALESCE(SUM(uses), 0) FROM use_total WHERE programme_id = ? AND dimension = 'all'"
            )
            let applicantCount = try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT id) FROM applicant") ?? 0
            for index in replays.indices {
                replays[index].reserve(claims: claimCount, uses: useCount, applicants: applicantCount)
            }
            let applicants = Keys(reserving: applicantCount)
            let providers = Keys()
            let products = Keys()
            // Categories, regions, outcomes: a few texts met on every row.
            let labels = Keys()
            // Every table is read once, in order: a small page cache does (2 MB read as fast as
            // 8 MB), and leaves the memory to the replays' state. The connection's own is put back
            // after.
            try db.execute(sql: "PRAGMA cache_size = -2048")
            defer { try? db.execute(sql: "PRAGMA cache_size = -\(Ledger.pageCacheKiB)") }
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
                    // The id the keys hold, not a second String of it: one per applicant, shared by
                    // the replays' tables (at 333,333 applicants, about 21 MB less).
                    let (key, id) = applicants.shared(row[1])
                    return .registration(
                        seq: row[0],
                        applicant: Applicant(
                            id: id,
                            kind: ApplicantKind(rawValue: row[2]) ?? .enterprise,
                            group: row[3],
                            district: row[4],
                            attributes: attributes.map { Set($0.split(separator: ";").map(String.init)) } ?? []
                        ),
                        key: key
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
                ) { _, raw in
                    // Read straight from SQLite: the ids found by their bytes and their Strings
                    // shared, the numbers without a DatabaseValue each.
                    let applicant = applicants.key(raw, 3)
                    let provider = providers.key(raw, 4)
                    let product = products.key(raw, 5)
                    let fact = UseFact(
                        ref: Self.text(raw, 1),
                        claimRef: "",
                        programme: id,
                        year: Int(sqlite3_column_int64(raw, 2)),
                        applicantID: applicant.id,
                        providerID: provider.id,
                        productCode: product.id,
                        category: labels.string(raw, 6),
                        providerRegion: labels.string(raw, 7),
                        project: Self.optionalText(raw, 8),
                        usedOn: Self.text(raw, 9),
                        serviceAmount: sqlite3_column_int64(raw, 10),
                        eligibleAmount: Self.optionalInteger(raw, 11),
                        taxAmount: Self.optionalInteger(raw, 12),
                        rateBasisPoints: sqlite3_column_int64(raw, 13),
                        amount: sqlite3_column_int64(raw, 14),
                        redemptionDeadline: nil
                    )
                    let keys = PartyKeys(applicant: applicant.key, provider: provider.key, product: product.key)
                    return .use(seq: sqlite3_column_int64(raw, 0), fact: fact, keys: keys)
                },
                // A scan of the settlements, each use found by its key: the index by programme
                // would join them all and sort the join before the first row.
                try HistoryStream(
                    db,
                    """
                    SELECT s.event_seq, s.use_seq, s.outcome, s.paid, s.unpaid, s.unpaid_effect, s.reason,
                        u.ref, u.year, u.applicant_id, u.provider_id, u.project, u.used_on
                    FROM settlement s JOIN voucher_use u ON u.event_seq = s.use_seq WHERE +u.programme_id = ?
                    ORDER BY s.event_seq
                    """,
                    arguments
                ) { _, raw in
                    // Only what settling a use needs of it (HistoryEvent.settlement), read as the
                    // uses are.
                    let applicant = applicants.key(raw, 9)
                    let facts = UseFact(
                        ref: Self.text(raw, 7),
                        claimRef: "",
                        programme: id,
                        year: Int(sqlite3_column_int64(raw, 8)),
                        applicantID: applicant.id,
                        providerID: providers.string(raw, 10),
                        productCode: "",
                        category: "",
                        providerRegion: "",
                        project: Self.optionalText(raw, 11),
                        usedOn: Self.text(raw, 12),
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
                        outcome: labels.string(raw, 2),
                        paid: Money(fen: sqlite3_column_int64(raw, 3)),
                        unpaid: Money(fen: sqlite3_column_int64(raw, 4)),
                        unpaidEffect: UnpaidRedemptionEffect(rawValue: labels.string(raw, 5)) ?? .forfeited,
                        reason: Self.optionalText(raw, 6)
                    )
                    return .settlement(
                        seq: sqlite3_column_int64(raw, 0),
                        useSeq: sqlite3_column_int64(raw, 1),
                        fact: fact,
                        use: facts,
                        applicant: applicant.key
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
            // the replays in batches; each replay (the baseline, each reform) takes them on a
            // thread of its own, since they share nothing, while the reader reads the next.
            let work = ReplayWork(replays, depth: 2)
            replays = []
            var batch: [HistoryEvent] = []
            batch.reserveCapacity(Self.replayBatch)
            defer { work.wait() }
            while true {
                // Compared by their numbers only: an event is moved once, into the batch.
                var earliest: Int?
                var earliestSeq = Int64.max
                for index in streams.indices {
                    if let seq = streams[index].headSeq, seq < earliestSeq {
                        earliest = index
                        earliestSeq = seq
                    }
                }
                guard let index = earliest else { break }
                batch.append(try streams[index].take())
                if batch.count == Self.replayBatch {
                    work.apply(batch)
                    batch = []
                    batch.reserveCapacity(Self.replayBatch)
                }
            }
            work.apply(batch)
            var figures: ReconciliationFigures?
            if let period { figures = try reconciliation(db, programmeID, period: period) }
            work.wait()
            return (work.replays, try chainHead(db), figures)
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

    /// The text in `column` of the statement's current row ("" for NULL).
    private static func text(_ statement: SQLiteStatement, _ column: Int32) -> String {
        String(decoding: LedgerVerifier.column(statement, column), as: UTF8.self)
    }

    private static func optionalText(_ statement: SQLiteStatement, _ column: Int32) -> String? {
        sqlite3_column_type(statement, column) == SQLITE_NULL ? nil : text(statement, column)
    }

    private static func optionalInteger(_ statement: SQLiteStatement, _ column: Int32) -> Int64? {
        sqlite3_column_type(statement, column) == SQLITE_NULL ? nil : sqlite3_column_int64(statement, column)
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
    private var head: HistoryEvent?
    /// The number of the event `take()` gives next; nil when the table has no more.
    private(set) var headSeq: Int64?

    init(
        _ db: Database,
        _ sql: String,
        _ arguments: StatementArguments = StatementArguments(),
        make: @escaping (Row) throws -> HistoryEvent
    ) throws {
        try self.init(db, sql, arguments) { row, _ in try make(row) }
    }

    /// A stream whose `make` also reads the row's columns straight from SQLite's statement.
    init(
        _ db: Database,
        _ sql: String,
        _ arguments: StatementArguments = StatementArguments(),
        make: @escaping (Row, SQLiteStatement) throws -> HistoryEvent
    ) throws {
        let statement = try db.makeStatement(sql: sql)
        cursor = try Row.fetchCursor(statement, arguments: arguments)
        let raw = statement.sqliteStatement
        self.make = { row in try make(row, raw) }
        try advance()
    }

    mutating func advance() throws {
        head = try cursor.next().map(make)
        headSeq = head?.seq
    }

    /// The next event, moved out; the one after it is read.
    mutating func take() throws -> HistoryEvent {
        guard let event = head.take() else { preconditionFailure("take() after the last event") }
        try advance()
        return event
    }
}

/// Small numbers for ids, from 0 up, the same for the same id (``HistoryEvent``'s keys), and one
/// String per id: a column read a million times is found by its bytes, and each row shares the
/// id's String instead of making its own.
private final class Keys {
    private var interned = InternedKeys()
    private var strings: [String] = []

    init(reserving count: Int = 0) { strings.reserveCapacity(count) }

    /// The number of `id`.
    func key(_ id: String) -> Int32 {
        var utf8 = id
        return utf8.withUTF8 { bytes in number(bytes) { id } }
    }

    /// The number of `id`, and the String the keys hold for it (`id` itself, the first time).
    func shared(_ id: String) -> (key: Int32, id: String) {
        let key = key(id)
        return (key, strings[Int(key)])
    }

    /// The number and String of the text in `column` of the statement's current row.
    func key(_ statement: SQLiteStatement, _ column: Int32) -> (key: Int32, id: String) {
        let bytes = LedgerVerifier.column(statement, column)
        let key = number(bytes) { String(decoding: bytes, as: UTF8.self) }
        return (key, strings[Int(key)])
    }

    /// The String of the text in `column`, shared with every row that holds the same text.
    func string(_ statement: SQLiteStatement, _ column: Int32) -> String { key(statement, column).id }

    private func number(_ bytes: UnsafeBufferPointer<UInt8>, _ string: () -> String) -> Int32 {
        let slot = interned.slot(bytes)
        if slot == strings.count { strings.append(string()) }
        return Int32(slot)
    }
}

/// The replays, each on a queue of its own, taking batches of events while the reader reads the
/// next ones. Each replay goes at its own pace (a reform that records more changes does not hold
/// the baseline back); the reader stays at most `depth` batches ahead of the slowest, which bounds
/// the memory the batches hold.
private final class ReplayWork: @unchecked Sendable {
    // Each replay is touched by its own queue only, and read back after `finish()`.
    private let storage: UnsafeMutableBufferPointer<Replay>
    private let queues: [DispatchQueue]
    private let room: DispatchSemaphore
    private let running = DispatchGroup()

    init(_ replays: [Replay], depth: Int = 4) {
        storage = .allocate(capacity: replays.count)
        _ = storage.initialize(from: replays)
        queues = replays.indices.map { DispatchQueue(label: "voucher.replay.\($0)") }
        room = DispatchSemaphore(value: depth)
    }

    deinit {
        storage.deinitialize()
        storage.deallocate()
    }

    /// Hands `events` to every replay, once fewer than `depth` batches are waiting.
    func apply(_ events: [HistoryEvent]) {
        guard !events.isEmpty, !storage.isEmpty else { return }
        room.wait()
        let batch = DispatchGroup()
        for index in storage.indices {
            running.enter()
            batch.enter()
            queues[index].async { [self] in
                // Each event read in place, not copied out of the array (which would retain and
                // release every string it holds, for each replay).
                events.withUnsafeBufferPointer { events in
                    for position in events.indices { storage[index].apply(events[position]) }
                }
                batch.leave()
                running.leave()
            }
        }
        batch.notify(queue: .global()) { [room] in room.signal() }
    }

    /// Waits until every replay has taken every batch.
    func wait() { running.wait() }

    /// The replays, after ``wait()``.
    var replays: [Replay] {
        running.wait()
        return Array(storage)
    }
}
