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
            let record = try ClaimRecord.fetchOne(
                db.cachedStatement(sql: "SELECT * FROM claim c WHERE c.ref = ? AND \(Self.live("c"))"),
                arguments: [ref]
            )
        else { throw LedgerError.unknownClaim(ref) }
        let fact = ClaimFact(
            ref: record.ref,
            applicantID: record.applicantID,
            programme: try ProgrammeID(record.programmeID),
            year: record.year,
            requested: Money(fen: record.requested),
            project: record.project,
            paid: record.paid.map { Money(fen: $0) }
        )
        var claim = StoredClaim(seq: record.eventSeq, fact: fact)
        // The latest live decision, and the day it was made.
        if let decision = try DecisionRecord.fetchOne(
            db.cachedStatement(
                sql:
                    "SELECT d.* FROM decision d WHERE d.claim_seq = ? AND \(Self.live("d")) ORDER BY d.event_seq DESC LIMIT 1"
            ),
            arguments: [claim.seq]
        ),
            let validUntil = decision.validUntil, decision.granted > 0,
            let decidedOn = try String.fetchOne(
                db.cachedStatement(sql: "SELECT business_date FROM event WHERE seq = ?"),
                arguments: [decision.eventSeq]
            )
        {
            let grantedOn = try BusinessDate.parse(decidedOn)
            let amount = Money(fen: decision.granted)
            claim.grant = GrantedQuota(
                claimRef: fact.ref,
                year: fact.year,
                quota: Quota(
                    granted: amount,
                    grantedOn: grantedOn,
                    validFrom: max(grantedOn, BusinessDate.startOfYear(fact.year)),
                    validUntil: try BusinessDate.parse(validUntil),
                    left: amount
                ),
                level: ReviewLevel(rawValue: decision.level) ?? .district
            )
        }
        return claim
    }

    /// The date of event `seq`.
    func eventDate(_ db: Database, _ seq: Int64) throws -> BusinessDate {
        guard
            let text = try String.fetchOne(
                db.cachedStatement(sql: "SELECT business_date FROM event WHERE seq = ?"),
                arguments: [seq]
            )
        else { throw LedgerError.unknownEvent(seq) }
        return try BusinessDate.parse(text)
    }

    /// What a new decision on a claim rests on: the claim and its live decisions, with their dates.
    func earlierRecords(_ db: Database, claim: StoredClaim, decisions: [PriorDecision]) throws -> [EarlierRecord] {
        try [EarlierRecord.claim(claim.fact.ref, on: eventDate(db, claim.seq))]
            + decisions.map { decision in
                EarlierRecord.decision(
                    decision.level,
                    claim: claim.fact.ref,
                    seq: decision.seq,
                    on: try eventDate(db, decision.seq)
                )
            }
    }

    /// What a claim's grant has funded: its live uses net of what their settlements returned to the
    /// quota, and its live payments.
    /// (The uses are found by their applicant, programme and year, which an index holds.)
    func claimSpent(_ db: Database, claim: StoredClaim) throws -> Money {
        let fen = try Int64.fetchOne(
            db,
            sql: """
                SELECT (SELECT COALESCE(SUM(\(Self.usedNetOfReturned)), 0) FROM voucher_use u
                        INDEXED BY voucher_use_by_applicant
                        WHERE u.applicant_id = :applicant AND u.programme_id = :programme AND u.year = :year
                        AND u.claim_seq = :claim AND \(Self.live("u")))
                    + (SELECT COALESCE(SUM(p.amount), 0) FROM payment p WHERE p.claim_seq = :claim AND \(Self.live("p")))
                """,
            arguments: [
                "claim": claim.seq, "applicant": claim.fact.applicantID, "programme": claim.fact.programme.value,
                "year": claim.fact.year,
            ]
        )
        return Money(fen: fen ?? 0)
    }

    /// The applicant's claims in the programme whose latest live decision grants a quota, by the
    /// end of their validity and then their decision's date (what is left of each is read apart).
    /// The applicant's quotas in a programme: its live claims whose latest live decision granted
    /// an amount with a validity, earliest to end first. One statement reads what ``storedClaim``
    /// would read for each (the claim, its latest live decision, that decision's date).
    func grantedQuotas(_ db: Database, applicantID: String, programme: ProgrammeID) throws -> [StoredQuota] {
        let key = BatchMemo.QuotaKey(applicant: applicantID, programme: programme.value)
        return try BatchMemo.recall(key, in: \.grantedQuotas) {
            let rows = try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT c.event_seq, c.ref, c.year, d.granted, d.valid_until, d.level, e.business_date
                        FROM claim c JOIN decision d ON d.claim_seq = c.event_seq JOIN event e ON e.seq = d.event_seq
                        WHERE c.applicant_id = ? AND c.programme_id = ? AND \(Self.live("c")) AND d.granted > 0
                        AND d.valid_until IS NOT NULL
                        AND d.event_seq = (SELECT MAX(d2.event_seq) FROM decision d2 WHERE d2.claim_seq = c.event_seq AND \(Self.live("d2")))
                        ORDER BY d.valid_until, e.business_date
                        """
                ),
                arguments: [applicantID, programme.value]
            )
            return try rows.map { row in
                let year: Int = row[2]
                let amount = Money(fen: row[3])
                let grantedOn = try BusinessDate.parse(row[6])
                return StoredQuota(
                    seq: row[0],
                    quota: GrantedQuota(
                        claimRef: row[1],
                        year: year,
                        quota: Quota(
                            granted: amount,
                            grantedOn: grantedOn,
                            validFrom: max(grantedOn, BusinessDate.startOfYear(year)),
                            validUntil: try BusinessDate.parse(row[4]),
                            left: amount
                        ),
                        level: ReviewLevel(rawValue: row[5]) ?? .district
                    )
                )
            }
        }
    }

    func currentDecisions(_ db: Database, claimSeq: Int64) throws -> [PriorDecision] {
        try DecisionRecord.fetchAll(
            db.cachedStatement(
                sql: "SELECT d.* FROM decision d WHERE d.claim_seq = ? AND \(Self.live("d")) ORDER BY d.event_seq"
            ),
            arguments: [claimSeq]
        ).map {
            PriorDecision(
                seq: $0.eventSeq,
                level: ReviewLevel(rawValue: $0.level) ?? .district,
                granted: Money(fen: $0.granted),
                reviewer: $0.reviewer
            )
        }
    }

    func storedUse(_ db: Database, ref: String) throws -> UseForRedemption {
        try Self.forRedemption(try liveUseRecord(db, ref: ref))
    }

    /// The row of the live use `ref`.
    func liveUseRecord(_ db: Database, ref: String) throws -> UseRecord {
        guard
            let use = try UseRecord.fetchOne(
                db.cachedStatement(sql: "SELECT * FROM voucher_use u WHERE u.ref = ? AND \(Self.live("u"))"),
                arguments: [ref]
            )
        else { throw LedgerError.unknownUse(ref) }
        return use
    }

    /// A use's row as the redemption rules see it.
    static func forRedemption(_ use: UseRecord) throws -> UseForRedemption {
        UseForRedemption(
            seq: use.eventSeq,
            ref: use.ref,
            programme: use.programmeID,
            year: use.year,
            applicantID: use.applicantID,
            providerID: use.providerID,
            usedOn: try BusinessDate.parse(use.usedOn),
            amount: Money(fen: use.amount),
            redemptionDeadline: try use.redemptionDeadline.map { try BusinessDate.parse($0) }
        )
    }

    /// Refuses a reference already used in `table`, saying so when that event was reversed.
    func refuseTakenRef(_ db: Database, table: String, kind: String, ref: String) throws {
        guard
            let seq = try db.fetchOne(Int64.self, sql: "SELECT event_seq FROM \(table) WHERE ref = ?", arguments: [ref])
        else { return }
        try Lifecycle.checkResubmission(
            kind: kind,
            ref: ref,
            event: seq,
            reversedBy: try db.fetchOne(Int64.self, sql: "SELECT seq FROM event WHERE reverses = ?", arguments: [seq])
        )
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

// MARK: - The default idempotency keys of registrations (the command line's and the service's)

extension Ledger {
    /// An applicant's registration: its id and content, and the registration it follows (after a
    /// change, registering the earlier details again is a change too).
    public static func registrationKey(
        _ registration: ApplicantRegistration,
        id: String,
        after current: Int64?
    )
        -> String
    {
        let names = Set(registration.attributes.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
        // A key without attributes stays what it was before attributes were kept.
        let attributes = names.isEmpty ? [] : [names.sorted().joined(separator: ";")]
        return "applicant:\(id):"
            + contentKey(
                [
                    registration.name, registration.kind.rawValue, registration.district, registration.region,
                    registration.group ?? "",
                ] + attributes
            ) + (current.map { ":after-\($0)" } ?? "")
    }

    /// The region in lower case, as it is recorded: the same registration typed `Shanghai` again on
    /// a ledger that holds it as `Shanghai` records it once more in lower case, rather than
    /// meeting its earlier key with other content (a key of a region in lower case is as it was).
    public static func registrationKey(_ registration: ProviderRegistration, id: String) -> String {
        "provider:\(id):\(contentKey([registration.name, registration.region.lowercased()]))"
    }

    public static func registrationKey(_ registration: ProductRegistration) -> String {
        "product:\(registration.code):"
            + contentKey([
                registration.providerID, registration.name, registration.category,
                registration.listPrice.decimalString(),
            ])
    }
}

// MARK: - The default keys of appropriations and provider status changes

extension Ledger {
    /// An appropriation on `date`, after the appropriation it revises (`before`, its event): setting
    /// an earlier amount again is a revision too; the same request again replays.
    public static func appropriationKey(_ appropriation: Appropriation, on date: BusinessDate, before: Int64?) -> String
    {
        "budget:\(appropriation.programme.value):\(appropriation.year):\(appropriation.amount.decimalString()):"
            + "\(appropriation.sharesText ?? ""):\(date.iso)\(before.map { ":after-\($0)" } ?? "")"
    }

    /// A provider's suspension or reinstatement from `date`, after `before` changes recorded:
    /// suspending again after a reinstatement on the same day is a new event.
    public static func providerStatusKey(
        _ provider: String,
        _ status: ProviderStatus,
        from date: BusinessDate,
        before: Int
    )
        -> String
    {
        "provider-status:\(provider):\(status.rawValue):\(date.iso):after-\(before)"
    }
}

extension Ledger {
    /// A policy file installed: its content.
    public static func policyKey(_ yaml: String) -> String { "programme:\(contentKey([yaml]))" }
}

/// A granted quota and the sequence number of its claim.
struct StoredQuota {
    var seq: Int64
    var quota: GrantedQuota
}
