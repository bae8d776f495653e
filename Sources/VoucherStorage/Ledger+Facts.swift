import GRDB
import VoucherDomain

// MARK: - Stored facts, as the rules see them

/// A live claim: its sequence number, its facts, and its current voucher grant, if any.
struct StoredClaim {
    var seq: Int64
    var fact: ClaimFact
    /// The current voucher grant, when the latest live decision granted something.
    var grant: GrantedQuota?
}

extension Ledger {
    /// SQL that is true when the row `alias.event_seq` has not been reversed.
    static func live(_ alias: String) -> String {
        "NOT EXISTS (SELECT 1 FROM event r WHERE r.reverses = \(alias).event_seq)"
    }

    func storedClaim(_ db: Database, ref: String) throws -> StoredClaim {
        guard
            let row = try db.fetchOne(
                Row.self,
                sql: "SELECT * FROM claim c WHERE c.ref = ? AND \(Self.live("c"))",
                arguments: [ref]
            )
        else { throw LedgerError.unknownClaim(ref) }
        let fact = ClaimFact(
            ref: row["ref"],
            applicantID: row["applicant_id"],
            programme: try ProgrammeID(row["programme_id"]),
            year: row["year"],
            requested: Money(fen: row["requested"]),
            project: row["project"],
            paid: (row["paid"] as Int64?).map { Money(fen: $0) }
        )
        var claim = StoredClaim(seq: row["event_seq"], fact: fact)
        if let decision = try db.fetchOne(
            Row.self,
            sql: """
                SELECT d.granted, d.valid_until, e.business_date FROM decision d JOIN event e ON e.seq = d.event_seq
                WHERE d.claim_seq = ? AND \(Self.live("d")) ORDER BY d.event_seq DESC LIMIT 1
                """,
            arguments: [claim.seq]
        ),
            let validUntil = decision["valid_until"] as String?, (decision["granted"] as Int64) > 0
        {
            let grantedOn = try BusinessDate.parse(decision["business_date"])
            let amount = Money(fen: decision["granted"])
            claim.grant = GrantedQuota(
                claimRef: fact.ref,
                year: fact.year,
                quota: Quota(
                    granted: amount,
                    grantedOn: grantedOn,
                    validFrom: max(grantedOn, BusinessDate.startOfYear(fact.year)),
                    validUntil: try BusinessDate.parse(validUntil),
                    left: amount
                )
            )
        }
        return claim
    }

    func currentDecisions(_ db: Database, claimSeq: Int64) throws -> [PriorDecision] {
        try db.fetchAll(
            Row.self,
            sql: """
                SELECT d.event_seq, d.level, d.granted FROM decision d WHERE d.claim_seq = ? AND \(Self.live("d"))
                ORDER BY d.event_seq
                """,
            arguments: [claimSeq]
        ).map {
            PriorDecision(
                seq: $0["event_seq"],
                level: ReviewLevel(rawValue: $0["level"]) ?? .district,
                granted: Money(fen: $0["granted"])
            )
        }
    }

    func storedUse(_ db: Database, ref: String) throws -> UseForRedemption {
        guard
            let row = try db.fetchOne(
                Row.self,
                sql: "SELECT * FROM voucher_use u WHERE u.ref = ? AND \(Self.live("u"))",
                arguments: [ref]
            )
        else { throw LedgerError.unknownUse(ref) }
        return UseForRedemption(
            seq: row["event_seq"],
            ref: row["ref"],
            programme: row["programme_id"],
            year: row["year"],
            applicantID: row["applicant_id"],
            providerID: row["provider_id"],
            usedOn: try BusinessDate.parse(row["used_on"]),
            amount: Money(fen: row["amount"]),
            redemptionDeadline: try (row["redemption_deadline"] as String?).map { try BusinessDate.parse($0) }
        )
    }

    /// Refuses a reference already used in `table`, saying so when that event was reversed.
    func refuseTakenRef(_ db: Database, table: String, kind: String, ref: String) throws {
        guard
            let seq = try db.fetchOne(Int64.self, sql: "SELECT event_seq FROM \(table) WHERE ref = ?", arguments: [ref])
        else { return }
        if let reversal = try db.fetchOne(Int64.self, sql: "SELECT seq FROM event WHERE reverses = ?", arguments: [seq])
        {
            throw LedgerError.resubmittedAfterReversal(kind: kind, ref: ref, event: seq, reversal: reversal)
        }
        throw LedgerError.referenceTaken(kind: kind, ref: ref, event: seq)
    }
}

// MARK: - Reads of single facts

/// A recorded use, as redemption and reports see it.
public struct RecordedUse: Sendable, Hashable {
    public var ref: String
    public var seq: Int64
    public var programme: String
    public var applicantID: String
    public var providerID: String
    public var usedOn: BusinessDate
    public var amount: Money
}

extension Ledger {
    /// The live use with this reference, if there is one.
    public func recordedUse(ref: String) throws -> RecordedUse? {
        try read { db in
            guard let use = try? storedUse(db, ref: ref) else { return nil }
            return RecordedUse(
                ref: use.ref,
                seq: use.seq,
                programme: use.programme,
                applicantID: use.applicantID,
                providerID: use.providerID,
                usedOn: use.usedOn,
                amount: use.amount
            )
        }
    }

    /// A short, stable key for content (an idempotency key for rows that carry no reference).
    public static func contentKey(_ parts: [String]) -> String {
        Hashing.sha256(CanonicalJSON.array(parts.map { .string($0) }).text)
    }
}
