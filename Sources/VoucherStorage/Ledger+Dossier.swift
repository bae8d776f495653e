import GRDB
import VoucherDomain

// MARK: - An applicant's dossier, read for an auditor

extension Ledger {
    /// Everything the ledger holds about one applicant, up to event `head` (nil: the chain head):
    /// read from the fact rows of events up to it, so that a dossier made at event N is the same
    /// whenever it is made again (``Dossier``). Nothing is written.
    public func dossier(_ scope: Dossier.Scope, head: Int64? = nil) throws -> Dossier {
        try read { db in
            let current = try chainHead(db)
            let last = head ?? current.events
            guard last >= 1, last <= current.events,
                let headHash = try String.fetchOne(db, sql: "SELECT hash FROM event WHERE seq = ?", arguments: [last])
            else { throw LedgerError.unknownEvent(last) }
            let registrations = try Row.fetchAll(
                db,
                sql: """
                    SELECT event_seq, kind, name, district, region, group_id, attributes FROM applicant
                    WHERE id = ? AND event_seq <= ? ORDER BY event_seq
                    """,
                arguments: [scope.applicant, last]
            ).map { row in
                Dossier.Registration(
                    seq: row[0],
                    kind: row[1],
                    name: row[2],
                    district: row[3],
                    region: row[4],
                    group: row[5],
                    attributes: row[6]
                )
            }
            guard !registrations.isEmpty else { throw LedgerError.unknownApplicant(scope.applicant) }
            if let programme = scope.programme,
                try String.fetchOne(db, sql: "SELECT id FROM programme WHERE id = ?", arguments: [programme]) == nil
            {
                throw LedgerError.unknownProgramme(programme)
            }
            // The claims in scope; everything else is reached from them.
            var filter = "c.applicant_id = ? AND c.event_seq <= ?"
            var arguments: StatementArguments = [scope.applicant, last]
            if let programme = scope.programme {
                filter += " AND c.programme_id = ?"
                arguments += [programme]
            }
            if let year = scope.year {
                filter += " AND c.year = ?"
                arguments += [year]
            }
            func rows(_ sql: String, upTo column: String) throws -> [Row] {
                try Row.fetchAll(
                    db,
                    sql: sql.replacingOccurrences(of: "$SCOPE", with: "\(filter) AND \(column) <= ?"),
                    arguments: arguments + [last]
                )
            }
            let claims = try rows(
                "SELECT c.event_seq, c.ref, c.programme_id, c.year, c.requested, c.project FROM claim c "
                    + "WHERE $SCOPE ORDER BY c.event_seq",
                upTo: "c.event_seq"
            ).map { row in
                Dossier.Claim(
                    seq: row[0],
                    ref: row[1],
                    programme: row[2],
                    year: row[3],
                    requested: Money(fen: row[4]),
                    project: row[5]
                )
            }
            let decisions = try rows(
                """
                SELECT d.event_seq, c.ref, d.level, d.outcome, d.granted, d.reviewer, d.reason, d.valid_until
                FROM decision d JOIN claim c ON c.event_seq = d.claim_seq WHERE $SCOPE ORDER BY d.event_seq
                """,
                upTo: "d.event_seq"
            ).map { row in
                Dossier.Decision(
                    seq: row[0],
                    claimRef: row[1],
                    level: row[2],
                    outcome: row[3],
                    granted: Money(fen: row[4]),
                    reviewer: row[5],
                    reason: row[6],
                    validUntil: row[7]
                )
            }
            let payments = try rows(
                "SELECT p.event_seq, c.ref, p.amount FROM payment p JOIN claim c ON c.event_seq = p.claim_seq "
                    + "WHERE $SCOPE ORDER BY p.event_seq",
                upTo: "p.event_seq"
            ).map { row in Dossier.Payment(seq: row[0], claimRef: row[1], amount: Money(fen: row[2])) }
            let uses = try rows(
                """
                SELECT \(Self.useColumns)
                FROM voucher_use u JOIN claim c ON c.event_seq = u.claim_seq JOIN event e ON e.seq = u.event_seq
                WHERE $SCOPE ORDER BY u.event_seq
                """,
                upTo: "u.event_seq"
            ).map(Self.dossierUse)
            var settlements: [String: [Dossier.Redemption.Settlement]] = [:]
            for row in try rows(
                """
                SELECT s.filing_seq, s.use_seq, s.event_seq, s.outcome, s.paid, s.unpaid, s.unpaid_effect, s.reason
                FROM settlement s JOIN voucher_use u ON u.event_seq = s.use_seq
                JOIN claim c ON c.event_seq = u.claim_seq WHERE $SCOPE ORDER BY s.event_seq
                """,
                upTo: "s.event_seq"
            ) {
                let key = "\(row[0] as Int64)/\(row[1] as Int64)"
                settlements[key, default: []].append(
                    Dossier.Redemption.Settlement(
                        seq: row[2],
                        outcome: row[3],
                        paid: Money(fen: row[4]),
                        unpaid: Money(fen: row[5]),
                        unpaidEffect: row[6],
                        reason: row[7]
                    )
                )
            }
            let redemptions = try rows(
                """
                SELECT i.filing_seq, f.ref, f.provider_id, u.ref, i.past_deadline, i.use_seq
                FROM redemption_item i JOIN redemption_filing f ON f.event_seq = i.filing_seq
                JOIN voucher_use u ON u.event_seq = i.use_seq JOIN claim c ON c.event_seq = u.claim_seq
                WHERE $SCOPE ORDER BY i.filing_seq, i.use_seq
                """,
                upTo: "i.filing_seq"
            ).map { row in
                Dossier.Redemption(
                    filingSeq: row[0],
                    filingRef: row[1],
                    provider: row[2],
                    useRef: row[3],
                    pastDeadline: row[4],
                    settlements: settlements["\(row[0] as Int64)/\(row[5] as Int64)"] ?? []
                )
            }
            let owed = try rows(
                """
                SELECT r.event_seq, 0, u.ref, r.amount, r.reason FROM recovery r
                JOIN voucher_use u ON u.event_seq = r.use_seq JOIN claim c ON c.event_seq = u.claim_seq
                WHERE $SCOPE
                """,
                upTo: "r.event_seq"
            )
            let received = try rows(
                """
                SELECT r.event_seq, 1, u.ref, r.amount, NULL FROM recovery_receipt r
                JOIN voucher_use u ON u.event_seq = r.use_seq JOIN claim c ON c.event_seq = u.claim_seq
                WHERE $SCOPE
                """,
                upTo: "r.event_seq"
            )
            let recoveries = (owed + received).map { row in
                Dossier.Recovery(
                    seq: row[0],
                    received: row[1],
                    useRef: row[2],
                    amount: Money(fen: row[3]),
                    reason: row[4]
                )
            }.sorted { $0.seq < $1.seq }

            // The events: those above, the expiries that lapsed the claims' quotas, and reversals.
            var seqs = Set(registrations.map(\.seq))
            seqs.formUnion(claims.map(\.seq))
            seqs.formUnion(decisions.map(\.seq))
            seqs.formUnion(payments.map(\.seq))
            seqs.formUnion(uses.map(\.seq))
            seqs.formUnion(redemptions.map(\.filingSeq))
            seqs.formUnion(redemptions.flatMap { $0.settlements.map(\.seq) })
            seqs.formUnion(recoveries.map(\.seq))
            let quotas = Set(claims.map { "quota/\($0.programme)/\($0.year)/\(scope.applicant)" })
            for programme in Set(claims.map(\.programme)).sorted() {
                for seq in try Int64.fetchAll(
                    db,
                    sql: "SELECT seq FROM event WHERE programme_id = ? AND kind = 'expiry' AND seq <= ?",
                    arguments: [programme, last]
                )
                where try String.fetchAll(
                    db,
                    sql: "SELECT account_id FROM posting WHERE event_seq = ?",
                    arguments: [seq]
                ).contains(where: quotas.contains) {
                    seqs.insert(seq)
                }
            }
            // A reversal of a reversal is not allowed, so one pass finds them all.
            for seq in Array(seqs) {
                if let reversal = try Int64.fetchOne(
                    db,
                    sql: "SELECT seq FROM event WHERE reverses = ? AND seq <= ?",
                    arguments: [seq, last]
                ) {
                    seqs.insert(reversal)
                }
            }
            var events = try seqs.sorted().map { seq in try dossierEvent(db, seq: seq) }
            // A filing or an expiry that also covers other applicants: their part is withheld.
            for index in events.indices {
                let event = events[index]
                let shared: Bool
                switch event.kind {
                case "redemption-filed":
                    shared =
                        try Int64.fetchOne(
                            db,
                            sql: """
                                SELECT 1 FROM redemption_item i JOIN voucher_use u ON u.event_seq = i.use_seq
                                WHERE i.filing_seq = ? AND u.applicant_id <> ? LIMIT 1
                                """,
                            arguments: [event.seq, scope.applicant]
                        ) != nil
                case "expiry":
                    shared = event.postings.contains { $0.account.hasPrefix("quota/") && !quotas.contains($0.account) }
                default:
                    shared = false
                }
                if shared {
                    events[index].payload = ""
                    events[index].explanation = nil
                    events[index].postings = event.postings.filter { quotas.contains($0.account) }
                    events[index].withheld = true
                }
            }
            return Dossier(
                scope: scope,
                head: ChainHead(events: last, hash: headHash),
                events: events,
                registrations: registrations,
                claims: claims,
                decisions: decisions,
                uses: uses,
                redemptions: redemptions,
                payments: payments,
                recoveries: recoveries
            )
        }
    }

    /// A use from a row whose first 17 columns are `useColumns` (the use, its claim's reference and
    /// its event's explanation).
    static func dossierUse(_ row: Row) -> Dossier.Use {
        Dossier.Use(
            seq: row[0],
            ref: row[1],
            claimRef: row[2],
            usedOn: row[3],
            provider: row[4],
            product: row[5],
            category: row[6],
            providerRegion: row[7],
            project: row[8],
            invoice: row[9],
            serviceAmount: Money(fen: row[10]),
            eligibleAmount: (row[11] as Int64?).map(Money.init(fen:)),
            taxAmount: (row[12] as Int64?).map(Money.init(fen:)),
            rateBasisPoints: row[13],
            amount: Money(fen: row[14]),
            redemptionDeadline: row[15],
            explanation: row[16]
        )
    }

    /// The columns ``dossierUse(_:)`` reads, of `voucher_use u`, `claim c` and `event e`.
    static let useColumns = """
        u.event_seq, u.ref, c.ref, u.used_on, u.provider_id, u.product_code, u.category, u.provider_region, u.project,
        u.invoice, u.service_amount, u.eligible_amount, u.tax_amount, u.rate_basis_points, u.amount,
        u.redemption_deadline, e.explanation
        """

    private func dossierEvent(_ db: Database, seq: Int64) throws -> Dossier.Event {
        guard
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT seq, kind, business_date, recorded_at, actor, idempotency_key, request_hash, programme_id,
                        policy_hash, reverses, payload, explanation, prev_hash, hash FROM event WHERE seq = ?
                    """,
                arguments: [seq]
            )
        else { throw LedgerError.unknownEvent(seq) }
        let postings = try Row.fetchAll(
            db,
            sql: "SELECT line, account_id, amount FROM posting WHERE event_seq = ? ORDER BY line",
            arguments: [seq]
        ).map { Dossier.Event.Posting(line: $0[0], account: $0[1], amount: Money(fen: $0[2])) }
        return Dossier.Event(
            seq: row[0],
            kind: row[1],
            businessDate: row[2],
            recordedAt: row[3],
            actor: row[4],
            idempotencyKey: row[5],
            requestHash: row[6],
            programme: row[7],
            policyHash: row[8],
            reverses: row[9],
            payload: row[10],
            explanation: row[11],
            postings: postings,
            prevHash: row[12],
            hash: row[13]
        )
    }
}

/// One use as the service shows it: its facts, whose it is, and whether it was reversed.
public struct UseView: Sendable, Hashable {
    public var use: Dossier.Use
    public var applicant: String
    public var programme: String
    public var year: Int
    public var reversedBy: Int64?
}

extension Ledger {
    /// The use with this reference; nil when there is none.
    public func useView(ref: String) throws -> UseView? {
        try read { db in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT \(Self.useColumns), u.applicant_id, u.programme_id, u.year,
                            (SELECT r.seq FROM event r WHERE r.reverses = u.event_seq)
                        FROM voucher_use u JOIN claim c ON c.event_seq = u.claim_seq JOIN event e ON e.seq = u.event_seq
                        WHERE u.ref = ?
                        """,
                    arguments: [ref]
                )
            else { return nil }
            return UseView(
                use: Self.dossierUse(row),
                applicant: row[17],
                programme: row[18],
                year: row[19],
                reversedBy: row[20]
            )
        }
    }
}
