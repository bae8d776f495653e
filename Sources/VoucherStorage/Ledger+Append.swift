import Crypto
import Foundation
import GRDB
import VoucherDomain

/// SHA-256 as lower-case hex.
enum Hashing {
    static func sha256(_ text: String) -> String { sha256(bytes: Array(text.utf8)) }

    static func sha256(bytes: [UInt8]) -> String { String(decoding: hex(SHA256.hash(data: bytes)), as: UTF8.self) }

    /// A digest as lower-case hex, in UTF-8 bytes.
    static func hex(_ digest: SHA256.Digest) -> [UInt8] {
        var hex: [UInt8] = []
        hex.reserveCapacity(64)
        for byte in digest {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0x0F)])
        }
        return hex
    }

    private static let digits = Array("0123456789abcdef".utf8)

    /// Whether `hex` is the digest's 64 lowercase hex digits, compared without making them.
    static func matches(_ digest: SHA256.Digest, hex: UnsafeBufferPointer<UInt8>) -> Bool {
        guard hex.count == 64 else { return false }
        return digest.withUnsafeBytes { bytes in
            for (index, byte) in bytes.enumerated() {
                let high = byte >> 4
                let low = byte & 0x0F
                if hex[2 * index] != (high < 10 ? 0x30 + high : 0x57 + high)
                    || hex[2 * index + 1] != (low < 10 ? 0x30 + low : 0x57 + low)
                {
                    return false
                }
            }
            return true
        }
    }

    /// The previous hash of the first event.
    static let genesis = String(repeating: "0", count: 64)
}

/// The stored fields of an event that its hash covers, in the order docs/ledger.md gives.
struct EventFields {
    var seq: Int64
    var kind: String
    var businessDate: String
    var recordedAt: String
    var actor: String
    var idempotencyKey: String
    var requestHash: String
    var programme: String?
    var policyHash: String?
    var reverses: Int64?
    var payload: String
    var explanation: String?
    /// (line, account, amount in fen), in line order.
    var postings: [(Int64, String, Int64)]
    var prevHash: String

    /// The canonical encoding whose SHA-256 is the event's hash.
    var encoding: [UInt8] {
        CanonicalJSON.array([
            .string("voucher-ledger/event/1"), .int(seq), .string(kind), .string(businessDate), .string(recordedAt),
            .string(actor), .string(idempotencyKey), .string(requestHash), .optional(programme), .optional(policyHash),
            reverses.map { .int($0) } ?? .null, .string(payload), .optional(explanation),
            .array(postings.map { .array([.int($0.0), .string($0.1), .int($0.2)]) }), .string(prevHash),
        ]).bytes
    }

    var hash: String { Hashing.sha256(bytes: encoding) }
}

/// Appending to the chain: an event's idempotency (a repeated submission is replayed, a conflicting
/// one refused), its link and hash (``EventFields``), its row, its fact rows and its postings, in the
/// caller's transaction. ``Ledger``'s operations call it after the rules have decided.
enum EventAppender {
    /// The hash of a submission's content, for idempotency: what was asked, not who or when.
    static func requestHash(kind: EventKind, context: EventContext, request: CanonicalJSON) -> String {
        Hashing.sha256(
            CanonicalJSON.array([.string(kind.rawValue), .string(context.businessDate.iso), request]).text
        )
    }

    /// The first result, when this idempotency key was recorded before with the same content;
    /// a refusal when it was recorded with different content; nil when it is new.
    static func replay(
        _ db: Database,
        context: EventContext,
        kind: EventKind,
        request: CanonicalJSON
    ) throws -> RecordedEvent? {
        // Every operation asks first: who records, under which key, on which date.
        try Lifecycle.checkRecording(actor: context.actor, key: context.idempotencyKey, on: context.businessDate)
        try Lifecycle.checkRecordingDate(context.businessDate, kind: kind, today: context.recordedOn)
        guard
            let row = try db.fetchOne(
                Row.self,
                sql: "SELECT seq, kind, hash, request_hash, explanation FROM event WHERE idempotency_key = ?",
                arguments: [context.idempotencyKey]
            )
        else { return nil }
        let requestHash = Self.requestHash(kind: kind, context: context, request: request)
        let firstSeq: Int64 = row["seq"]
        guard row["request_hash"] == requestHash, row["kind"] == kind.rawValue else {
            throw LedgerError.idempotencyConflict(key: context.idempotencyKey, firstEvent: firstSeq)
        }
        try Lifecycle.checkResubmission(
            kind: kind.rawValue,
            ref: Self.reference(in: request) ?? context.idempotencyKey,
            event: firstSeq,
            reversedBy: try db.fetchOne(
                Int64.self,
                sql: "SELECT seq FROM event WHERE reverses = ?",
                arguments: [firstSeq]
            )
        )
        let explanation = try (row["explanation"] as String?).map(StoredExplanation.init(json:))
        return RecordedEvent(
            seq: firstSeq,
            kind: kind,
            hash: row["hash"],
            replayed: true,
            amount: explanation?.amount,
            explanation: explanation
        )
    }

    /// The reference a submission names (`ref`, or the claim a decision or payment is on).
    static func reference(in request: CanonicalJSON) -> String? {
        guard case .object(let members) = request else { return nil }
        for key in ["ref", "claim", "use"] {
            if case .string(let ref)? = members[key] { return ref }
        }
        return nil
    }

    /// Appends one event with its postings, after `insertFacts` has written its fact rows.
    ///
    /// Refuses postings that do not sum to zero and any posting that would take an account that
    /// must stay non-negative below zero, naming the account and the amounts; the caller's
    /// transaction then rolls back whole.
    static func append(
        _ db: Database,
        memo: BatchMemo?,
        context: EventContext,
        request: CanonicalJSON,
        event: EventDraft,
        policyHash: String?,
        insertFacts: (Int64) throws -> Void = { _ in }
    ) throws -> RecordedEvent {
        // Who, which key and which date were checked by `replay`, which every operation runs first.
        try Lifecycle.checkRecordedAt(context.recordedAt)
        let total = try Money.sum(event.postings.map(\.amount))
        guard total == .zero else {
            throw LedgerError.internalInconsistency(
                "the postings of a \(event.kind.rawValue) event sum to \(total), not zero"
            )
        }
        let last: (seq: Int64, hash: String)?
        if let head = memo?.head {
            last = head
        } else if let row = try db.fetchOne(Row.self, sql: "SELECT seq, hash FROM event ORDER BY seq DESC LIMIT 1") {
            last = (row["seq"], row["hash"])
        } else {
            last = nil
        }
        let seq: Int64 = (last?.seq ?? 0) + 1
        let prevHash: String = last?.hash ?? Hashing.genesis

        // Positive lines first, so that an account credited and debited in one event never dips.
        let ordered = event.postings.filter { $0.amount.fen > 0 } + event.postings.filter { $0.amount.fen < 0 }
        let kept = Ledger.kept
        try checkBalances(db, postings: ordered, kept: kept)

        // Each account's id made once (it is a string put together from four parts).
        let accountIDs = ordered.map(\.account.id)
        let explanationText = event.explanation?.text
        let fields = EventFields(
            seq: seq,
            kind: event.kind.rawValue,
            businessDate: context.businessDate.iso,
            recordedAt: context.recordedAt,
            actor: context.actor,
            idempotencyKey: context.idempotencyKey,
            requestHash: Self.requestHash(kind: event.kind, context: context, request: request),
            programme: event.programme?.value,
            policyHash: policyHash,
            reverses: event.reverses,
            payload: event.payload.text,
            explanation: explanationText,
            postings: ordered.enumerated().map { (Int64($0.offset + 1), accountIDs[$0.offset], $0.element.amount.fen) },
            prevHash: prevHash
        )
        let hash = fields.hash
        try EventRecord(
            seq: seq,
            kind: fields.kind,
            businessDate: fields.businessDate,
            recordedAt: fields.recordedAt,
            actor: fields.actor,
            idempotencyKey: fields.idempotencyKey,
            requestHash: fields.requestHash,
            programmeID: fields.programme,
            policyHash: fields.policyHash,
            reverses: fields.reverses,
            payload: fields.payload,
            explanation: explanationText,
            prevHash: prevHash,
            hash: hash
        ).insertRow(db)
        memo?.head = (seq, hash)
        try insertFacts(seq)
        for (line, posting) in ordered.enumerated() {
            let account = posting.account
            let row = AccountRecord(
                id: accountIDs[line],
                type: account.kind.rawValue,
                programmeID: account.programme.value,
                year: account.year,
                partyID: account.party,
                balance: 0
            )
            if let kept { try kept.insertRowIfNew(row, db) } else { try row.insertRow(db, orIgnore: true) }
            try PostingRecord(
                eventSeq: seq,
                line: Int64(line + 1),
                accountID: accountIDs[line],
                amount: posting.amount.fen,
                accountType: account.kind.rawValue,
                programmeID: account.programme.value,
                year: account.year,
                businessDate: fields.businessDate
            ).insertRow(db)
            kept?.post(account, id: accountIDs[line], amount: posting.amount.fen, on: fields.businessDate)
        }
        if let reversed = event.reverses { try kept?.takeOut(reversed: reversed, on: fields.businessDate, db) }
        let explanation = event.explanation.flatMap(StoredExplanation.init)
        return RecordedEvent(
            seq: seq,
            kind: event.kind,
            hash: hash,
            replayed: false,
            amount: event.amount,
            explanation: explanation
        )
    }

    /// Refuses, before anything is written, a posting that would take an account below zero.
    private static func checkBalances(_ db: Database, postings: [Posting], kept: KeptTotals?) throws {
        var change: [LedgerAccount: Money] = [:]
        for posting in postings {
            change[posting.account] = try (change[posting.account] ?? .zero).adding(posting.amount)
        }
        for (account, amount) in change where amount.isNegative && !account.kind.mayBeNegative {
            let balance = try Self.balance(db, account)
            if try balance.adding(amount).isNegative {
                throw LedgerError.negativeBalance(account: account.id, balance: balance, change: amount)
            }
        }
    }

    /// The balance of one account now: its row's, with what is pending in the kept totals.
    static func balance(_ db: Database, _ account: LedgerAccount) throws -> Money {
        let id = account.id
        if let kept = Ledger.kept { return Money(fen: try kept.storedBalance(id, db) &+ kept.pendingBalance(id)) }
        let stored = try Int64.fetchOne(
            db.cachedStatement(sql: "SELECT balance FROM account WHERE id = ?"),
            arguments: [id]
        )
        return Money(fen: stored ?? 0)
    }
}

extension Ledger {
    func replay(_ db: Database, context: EventContext, kind: EventKind, request: CanonicalJSON) throws -> RecordedEvent?
    {
        try EventAppender.replay(db, context: context, kind: kind, request: request)
    }

    /// Appends what a rule decided (``EventAppender/append(_:memo:context:request:event:policyHash:insertFacts:)``),
    /// recording the hash of the policy version it applied.
    func append(
        _ db: Database,
        context: EventContext,
        request: CanonicalJSON,
        event: EventDraft,
        entry: ProgrammeCache.Entry? = nil,
        insertFacts: (Int64) throws -> Void = { _ in }
    ) throws -> RecordedEvent {
        let policyHash = try event.policyVersion.map { version in
            guard let entry else {
                throw LedgerError.internalInconsistency(
                    "a \(event.kind.rawValue) event applied a policy of no programme"
                )
            }
            return entry.hash(of: version)
        }
        return try EventAppender.append(
            db,
            memo: Self.batch?.memo,
            context: context,
            request: request,
            event: event,
            policyHash: policyHash,
            insertFacts: insertFacts
        )
    }

    /// The balance of one account now.
    func balance(_ db: Database, _ account: LedgerAccount) throws -> Money { try EventAppender.balance(db, account) }
}

extension StoredExplanation {
    /// Reads the stored JSON: `{"amount": fen, "en": [...], "zh": [...], ...}`.
    init(json: String) throws {
        guard let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
            let english = object["en"] as? [String], let chinese = object["zh"] as? [String]
        else {
            throw LedgerError.internalInconsistency("a stored explanation is not readable: \(json.prefix(80))")
        }
        self.init(zh: chinese, en: english, amount: (object["amount"] as? NSNumber).map { Money(fen: $0.int64Value) })
    }

    /// The explanation about to be stored, read from its JSON value rather than its text.
    init?(_ json: CanonicalJSON) {
        func strings(_ value: CanonicalJSON?) -> [String]? {
            guard case .array(let items)? = value else { return nil }
            return items.compactMap { if case .string(let line) = $0 { line } else { nil } }
        }
        guard case .object(let object) = json, let english = strings(object["en"]), let chinese = strings(object["zh"])
        else { return nil }
        let amount: Money? = if case .int(let fen)? = object["amount"] { Money(fen: fen) } else { nil }
        self.init(zh: chinese, en: english, amount: amount)
    }
}
