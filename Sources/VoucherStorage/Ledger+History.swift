import GRDB
import VoucherDomain

// MARK: - A programme's history, read for a what-if replay

extension Ledger {
    /// Reads a programme's history once, in the order recorded, into the replays `make` builds
    /// (``Replay``: the rules run again in memory). `make` is given the events a later reversal
    /// cancels. Nothing is written.
    ///
    /// The uses are read as a stream, one row at a time, in the order of their events; the other
    /// events (fewer by far) are read first and merged in by sequence number.
    public func replay(
        _ programmeID: ProgrammeID,
        make: (_ reversed: Set<Int64>) throws -> [Replay]
    ) throws -> (replays: [Replay], chainHead: ChainHead) {
        try readWithTotals { db in
            let id = programmeID.value
            var reversed: Set<Int64> = []
            var others: [HistoryEvent] = []
            try Row.fetchCursor(
                db,
                sql: """
                    SELECT seq, kind, business_date, reverses FROM event
                    WHERE programme_id = ? AND kind IN ('expiry', 'reversal')
                    """,
                arguments: [id]
            ).forEach { row in
                let seq: Int64 = row[0]
                let date = try Self.date(row[2], event: seq)
                if let target: Int64 = row[3] {
                    reversed.insert(target)
                    others.append(.reversal(seq: seq, date: date, reverses: target))
                } else {
                    others.append(.expiry(seq: seq, date: date))
                }
            }
            var replays = try make(reversed)

            try Row.fetchCursor(db, sql: "SELECT event_seq, id, kind, group_id FROM applicant").forEach { row in
                let kind = ApplicantKind(rawValue: row[2]) ?? .enterprise
                others.append(.registration(seq: row[0], applicant: Applicant(id: row[1], kind: kind, group: row[3])))
            }
            var claimRefs: [Int64: String] = [:]
            try Row.fetchCursor(
                db,
                sql: """
                    SELECT c.event_seq, c.ref, c.applicant_id, c.year, c.requested, c.project, c.paid, e.business_date
                    FROM claim c JOIN event e ON e.seq = c.event_seq WHERE c.programme_id = ? ORDER BY c.event_seq
                    """,
                arguments: [id]
            ).forEach { row in
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
                claimRefs[seq] = fact.ref
                others.append(.claim(seq: seq, date: try Self.date(row[7], event: seq), fact: fact))
            }
            try Row.fetchCursor(
                db,
                sql: """
                    SELECT d.event_seq, d.claim_seq, d.level, d.outcome, d.granted, d.reviewer, d.reason, d.valid_until,
                        e.business_date
                    FROM decision d JOIN claim c ON c.event_seq = d.claim_seq JOIN event e ON e.seq = d.event_seq
                    WHERE c.programme_id = ? ORDER BY d.event_seq
                    """,
                arguments: [id]
            ).forEach { row in
                let seq: Int64 = row[0]
                let claimSeq: Int64 = row[1]
                let validUntil: String? = row[7]
                let fact = DecisionFact(
                    claimRef: claimRefs[claimSeq] ?? "",
                    level: ReviewLevel(rawValue: row[2]) ?? .district,
                    outcome: row[3],
                    granted: Money(fen: row[4]),
                    reviewer: row[5],
                    reason: row[6],
                    validUntil: try validUntil.map { try Self.date($0, event: seq) }
                )
                others.append(.decision(seq: seq, date: try Self.date(row[8], event: seq), claimSeq: claimSeq, fact: fact))
            }
            try Row.fetchCursor(
                db,
                sql: """
                    SELECT s.event_seq, s.use_seq, u.ref, s.outcome, s.paid, s.unpaid, s.unpaid_effect, s.reason
                    FROM settlement s JOIN voucher_use u ON u.event_seq = s.use_seq WHERE u.programme_id = ?
                    """,
                arguments: [id]
            ).forEach { row in
                let fact = SettlementFact(
                    filingRef: "",
                    useRef: row[2],
                    outcome: row[3],
                    paid: Money(fen: row[4]),
                    unpaid: Money(fen: row[5]),
                    unpaidEffect: UnpaidRedemptionEffect(rawValue: row[6]) ?? .forfeited,
                    reason: row[7]
                )
                others.append(.settlement(seq: row[0], useSeq: row[1], fact: fact))
            }
            try Row.fetchCursor(
                db,
                sql: """
                    SELECT p.event_seq, p.claim_seq, p.amount FROM payment p JOIN claim c ON c.event_seq = p.claim_seq
                    WHERE c.programme_id = ?
                    """,
                arguments: [id]
            ).forEach { row in
                others.append(.payment(seq: row[0], claimSeq: row[1], amount: Money(fen: row[2])))
            }
            others.sort { $0.seq < $1.seq }

            // The uses, streamed in the order of their events (a scan of the table, not its index by
            // programme, which would visit them in another order), merged with the rest.
            var next = others.startIndex
            func apply(_ event: HistoryEvent) {
                for index in replays.indices { replays[index].apply(event) }
            }
            let uses = try Row.fetchCursor(
                db,
                sql: """
                    SELECT event_seq, claim_seq, ref, year, applicant_id, provider_id, product_code, category, provider_region,
                        project, used_on, service_amount, eligible_amount, tax_amount, rate_basis_points, amount
                    FROM voucher_use WHERE +programme_id = ? ORDER BY event_seq
                    """,
                arguments: [id]
            )
            while let row = try uses.next() {
                let seq: Int64 = row[0]
                while next < others.endIndex, others[next].seq < seq {
                    apply(others[next])
                    next += 1
                }
                let fact = UseFact(
                    ref: row[2],
                    claimRef: "",
                    programme: id,
                    year: row[3],
                    applicantID: row[4],
                    providerID: row[5],
                    productCode: row[6],
                    category: row[7],
                    providerRegion: row[8],
                    project: row[9],
                    usedOn: row[10],
                    serviceAmount: row[11],
                    eligibleAmount: row[12],
                    taxAmount: row[13],
                    rateBasisPoints: row[14],
                    amount: row[15],
                    redemptionDeadline: nil
                )
                apply(.use(seq: seq, claimSeq: row[1], fact: fact))
            }
            while next < others.endIndex {
                apply(others[next])
                next += 1
            }
            return (replays, try chainHead(db))
        }
    }

    /// Every applicant's name, as last registered.
    public func applicantNames() throws -> [String: String] {
        try read { db in
            var names: [String: String] = [:]
            try Row.fetchCursor(db, sql: "SELECT id, name FROM applicant ORDER BY event_seq").forEach { row in
                names[row[0]] = row[1]
            }
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
