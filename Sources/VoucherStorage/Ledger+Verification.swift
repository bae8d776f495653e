import Crypto
import Foundation
import GRDB
import GRDBSQLite
import VoucherDomain

/// A chain head written down at one time, to check later that the ledger still extends it: a
/// rewritten or truncated chain no longer does.
///
/// Its text form is one line: `voucher-ledger digest 1: 1234 events, head 9f86d0818…`.
public struct LedgerDigest: Sendable, Hashable, CustomStringConvertible {
    public var events: Int64
    public var head: String

    public init(events: Int64, head: String) {
        self.events = events
        self.head = head
    }

    public init(_ head: ChainHead) {
        self.init(events: head.events, head: head.hash)
    }

    public var description: String { "voucher-ledger digest 1: \(events) events, head \(head)" }

    /// Reads the text form back; nil when it is not a digest.
    public init?(text: String) {
        let trimmed = text.trimmed
        let prefix = "voucher-ledger digest 1: "
        guard trimmed.hasPrefix(prefix) else { return nil }
        let parts = trimmed.dropFirst(prefix.count).split(separator: " ")
        guard parts.count == 4, parts[1] == "events,", parts[2] == "head", let events = Int64(parts[0]),
            parts[3].count == 64, parts[3].allSatisfy({ $0.isHexDigit && !$0.isUppercase })
        else { return nil }
        self.init(events: events, head: String(parts[3]))
    }
}

/// What verification found: all events verify, or the first that does not and why.
public struct VerificationReport: Sendable, Hashable {
    public struct Problem: Sendable, Hashable, CustomStringConvertible {
        /// The first event that does not match, when the problem is in an event.
        public var event: Int64?
        public var message: String

        public var description: String { event.map { "event \($0): \(message)" } ?? message }
    }

    public var eventsChecked: Int64
    public var head: ChainHead
    /// The first problem, by event; problems with balances or a digest come after those of events.
    public var problem: Problem?

    public var isValid: Bool { problem == nil }
}

extension Ledger {
    /// Recomputes the whole hash chain, every event's postings and every balance, compares every
    /// fact row with the payload its event hashed, and, when a digest is given, checks that the
    /// chain still extends it.
    public func verify(against digest: LedgerDigest? = nil) throws -> VerificationReport {
        // The facts and the use totals are checked on a second connection, on another core, while
        // this one checks the chain (each reads its own snapshot of an append-only ledger).
        let second = try secondReader()
        let group = DispatchGroup()
        let factsResult = ResultBox<(facts: [VerificationReport.Problem], totals: [VerificationReport.Problem])>()
        if let second {
            DispatchQueue.global().async(group: group) {
                factsResult.set(Result { try second.read { db in (try verifyFacts(db), try verifyUseTotals(db)) } })
            }
        }
        return try read { db in
            var problems: [VerificationReport.Problem] = []
            let (checked, balances, chainProblem) = try verifyChain(db)
            if let chainProblem { problems.append(chainProblem) }
            group.wait()
            let (facts, totals) = try factsResult.get() ?? (try verifyFacts(db), try verifyUseTotals(db))
            problems += facts
            problems.sort { ($0.event ?? .max) < ($1.event ?? .max) }
            problems += try verifyBalances(db, computed: balances)
            problems += totals
            let head = try chainHead(db)
            if let digest {
                if head.events < digest.events {
                    problems.append(
                        .init(
                            event: nil,
                            message:
                                "the ledger is truncated: the digest covers \(digest.events) events, the ledger has \(head.events)"
                        )
                    )
                } else if let hash = try db.fetchOne(
                    String.self,
                    sql: "SELECT hash FROM event WHERE seq = ?",
                    arguments: [digest.events]
                ),
                    hash != digest.head
                {
                    problems.append(
                        .init(
                            event: digest.events,
                            message: "the chain was rewritten: its hash is \(hash), the digest says \(digest.head)"
                        )
                    )
                }
            }
            return VerificationReport(eventsChecked: checked, head: head, problem: problems.first)
        }
    }

    /// A read-only connection of its own to the same file; nil for a ledger in memory.
    private func secondReader() throws -> DatabaseQueue? {
        guard let path = (writer as? DatabaseQueue)?.path, !path.isEmpty, path != ":memory:",
            FileManager.default.fileExists(atPath: path)
        else { return nil }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(30)
        return try DatabaseQueue(path: path, configuration: configuration)
    }

    /// The current chain head as a digest to keep.
    public func digest() throws -> LedgerDigest { LedgerDigest(try chainHead()) }

    // MARK: - The chain

    /// One pass over the events and their postings, in sequence order, through the SQLite C API:
    /// each event's canonical encoding is written straight from the column bytes into one reused
    /// buffer and hashed, with no string made per field.
    private func verifyChain(_ db: Database) throws -> (Int64, AccountSums, VerificationReport.Problem?) {
        let eventStatement = try db.makeStatement(
            sql: """
                SELECT seq, kind, business_date, recorded_at, actor, idempotency_key, request_hash, programme_id,
                    policy_hash, reverses, payload, explanation, prev_hash, hash FROM event ORDER BY seq
                """
        )
        let postingStatement = try db.makeStatement(
            sql: "SELECT event_seq, line, account_id, amount FROM posting ORDER BY event_seq, line"
        )
        let events = eventStatement.sqliteStatement
        let postings = postingStatement.sqliteStatement
        defer {
            sqlite3_reset(events)
            sqlite3_reset(postings)
        }
        func step(_ statement: OpaquePointer?) throws -> Bool {
            switch sqlite3_step(statement) {
            case SQLITE_ROW: return true
            case SQLITE_DONE: return false
            case let code: throw DatabaseError(resultCode: ResultCode(rawValue: code))
            }
        }
        var postingPending = try step(postings)
        var balances = AccountSums()
        var expectedSeq: Int64 = 1
        var previousHash = Array(Hashing.genesis.utf8)
        var checked: Int64 = 0
        var problem: VerificationReport.Problem?
        var encoding: [UInt8] = []
        encoding.reserveCapacity(8192)
        var lines: [(line: Int64, account: Int, amount: Int64)] = []
        let tag = Array("voucher-ledger/event/1".utf8)
        while try step(events) {
            let seq = sqlite3_column_int64(events, 0)
            lines.removeAll(keepingCapacity: true)
            while postingPending, sqlite3_column_int64(postings, 0) <= seq {
                let eventSeq = sqlite3_column_int64(postings, 0)
                if eventSeq == seq {
                    lines.append(
                        (
                            sqlite3_column_int64(postings, 1), balances.slot(Self.column(postings, 2)),
                            sqlite3_column_int64(postings, 3)
                        )
                    )
                } else if problem == nil {
                    problem = .init(event: eventSeq, message: "has postings but no event row (the event was deleted)")
                }
                postingPending = try step(postings)
            }
            checked += 1
            if problem != nil { continue }
            if seq != expectedSeq {
                problem = .init(
                    event: expectedSeq,
                    message: "is missing: the sequence goes from \(expectedSeq - 1) to \(seq)"
                )
                continue
            }
            // The array EventFields.encoding writes, field by field (docs/ledger.md).
            encoding.removeAll(keepingCapacity: true)
            encoding.append(UInt8(ascii: "["))
            tag.withUnsafeBufferPointer { CanonicalJSON.appendString(utf8: $0, to: &encoding) }
            encoding.append(UInt8(ascii: ","))
            CanonicalJSON.appendInt(seq, to: &encoding)
            for index: Int32 in 1...8 {
                encoding.append(UInt8(ascii: ","))
                Self.appendText(events, index, to: &encoding)
            }
            encoding.append(UInt8(ascii: ","))
            if sqlite3_column_type(events, 9) == SQLITE_NULL {
                encoding.append(contentsOf: [
                    UInt8(ascii: "n"), UInt8(ascii: "u"), UInt8(ascii: "l"), UInt8(ascii: "l"),
                ])
            } else {
                CanonicalJSON.appendInt(sqlite3_column_int64(events, 9), to: &encoding)
            }
            for index: Int32 in 10...11 {
                encoding.append(UInt8(ascii: ","))
                Self.appendText(events, index, to: &encoding)
            }
            encoding.append(contentsOf: [UInt8(ascii: ","), UInt8(ascii: "[")])
            for (position, line) in lines.enumerated() {
                if position > 0 { encoding.append(UInt8(ascii: ",")) }
                encoding.append(UInt8(ascii: "["))
                CanonicalJSON.appendInt(line.line, to: &encoding)
                encoding.append(UInt8(ascii: ","))
                var account = balances.id(line.account)
                account.withUTF8 { CanonicalJSON.appendString(utf8: $0, to: &encoding) }
                encoding.append(UInt8(ascii: ","))
                CanonicalJSON.appendInt(line.amount, to: &encoding)
                encoding.append(UInt8(ascii: "]"))
            }
            encoding.append(contentsOf: [UInt8(ascii: "]"), UInt8(ascii: ",")])
            Self.appendText(events, 12, to: &encoding)
            encoding.append(UInt8(ascii: "]"))

            let prevHash = Self.column(events, 12)
            if !prevHash.elementsEqual(previousHash) {
                problem = .init(
                    event: seq,
                    message:
                        "does not link to the previous event: prev_hash \(String(decoding: prevHash, as: UTF8.self)), "
                        + "the previous event's hash is \(String(decoding: previousHash, as: UTF8.self))"
                )
                continue
            }
            let stored = Self.column(events, 13)
            if !Self.hex(SHA256.hash(data: encoding)).elementsEqual(stored) {
                problem = .init(
                    event: seq,
                    message: "its content does not match its hash (a field, its payload or a posting was changed)"
                )
                continue
            }
            var sum: Int64 = 0
            for line in lines {
                let (total, overflow) = sum.addingReportingOverflow(line.amount)
                sum = overflow ? .max : total
                balances.add(line.amount, to: line.account)
            }
            if sum != 0 {
                problem = .init(event: seq, message: "its postings sum to \(Money(fen: sum)), not zero")
                continue
            }
            previousHash = Array(stored)
            expectedSeq += 1
        }
        if problem == nil, postingPending {
            problem = .init(
                event: sqlite3_column_int64(postings, 0),
                message: "has postings but no event row (the event was deleted)"
            )
        }
        return (checked, balances, problem)
    }

    /// A text column's bytes, valid until the statement steps again; empty when NULL.
    private static func column(_ statement: OpaquePointer?, _ index: Int32) -> UnsafeBufferPointer<UInt8> {
        guard let text = sqlite3_column_text(statement, index) else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(start: text, count: Int(sqlite3_column_bytes(statement, index)))
    }

    /// A text column as a canonical JSON string, or null.
    private static func appendText(_ statement: OpaquePointer?, _ index: Int32, to output: inout [UInt8]) {
        if sqlite3_column_type(statement, index) == SQLITE_NULL {
            output.append(contentsOf: [UInt8(ascii: "n"), UInt8(ascii: "u"), UInt8(ascii: "l"), UInt8(ascii: "l")])
        } else {
            CanonicalJSON.appendString(utf8: column(statement, index), to: &output)
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    private static func hex(_ digest: SHA256.Digest) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in digest {
            out.append(hexDigits[Int(byte >> 4)])
            out.append(hexDigits[Int(byte & 0x0F)])
        }
        return out
    }

    private func verifyBalances(_ db: Database, computed sums: AccountSums) throws -> [VerificationReport.Problem] {
        let computed = sums.balances
        var problems: [VerificationReport.Problem] = []
        var seen: Set<String> = []
        for row in try db.fetchAll(Row.self, sql: "SELECT id, type, balance FROM account ORDER BY id") {
            let id: String = row["id"]
            seen.insert(id)
            let cached: Int64 = row["balance"]
            let recomputed = computed[id] ?? 0
            if cached != recomputed {
                problems.append(
                    .init(
                        event: nil,
                        message:
                            "account \(id): stored balance \(Money(fen: cached)) differs from its postings, \(Money(fen: recomputed))"
                    )
                )
            }
            if recomputed < 0 && (row["type"] as String) != LedgerAccount.Kind.budget.rawValue {
                problems.append(.init(event: nil, message: "account \(id) is below zero: \(Money(fen: recomputed))"))
            }
        }
        for id in computed.keys.sorted() where !seen.contains(id) {
            problems.append(.init(event: nil, message: "account \(id) has postings but no account row"))
        }
        return problems
    }

    // MARK: - Use totals

    private struct TotalKey: Hashable {
        var programme: String
        var year: Int64
        var dimension: String
        var key: String
    }

    private struct Totals: Equatable {
        var uses: Int64 = 0
        var service: Int64 = 0
        var amount: Int64 = 0
        var returned: Int64 = 0
        var paid: Int64 = 0
        var overRate: Int64 = 0

        var isZero: Bool { self == Totals() }
    }

    /// Recomputes the use totals from the live uses and their live settlements (one pass over each,
    /// merged by use) and compares them with the rows the triggers kept.
    private func verifyUseTotals(_ db: Database) throws -> [VerificationReport.Problem] {
        let reversed = Set(try Int64.fetchAll(db, sql: "SELECT reverses FROM event WHERE reverses > 0"))
        var expected: [TotalKey: Totals] = [:]
        let uses = try Row.fetchCursor(
            db,
            sql: """
                SELECT event_seq, programme_id, year, applicant_id, provider_id, product_code, category, provider_region,
                    substr(used_on, 1, 7), service_amount, amount, amount * 10000 > service_amount * rate_basis_points
                FROM voucher_use ORDER BY event_seq
                """
        )
        let settlements = try Row.fetchCursor(
            db,
            sql: """
                SELECT use_seq, event_seq, paid, CASE WHEN unpaid_effect = 'returned' THEN unpaid ELSE 0 END
                FROM settlement ORDER BY use_seq
                """
        )
        var settlement = try settlements.next()
        let dimensions = ["all", "applicant", "provider", "product", "category", "region", "month"]
        while let use = try uses.next() {
            let seq: Int64 = use[0]
            var totals = Totals(uses: 1, service: use[9], amount: use[10], overRate: use[11])
            while let row = settlement, (row[0] as Int64) <= seq {
                if (row[0] as Int64) == seq, !reversed.contains(row[1]) {
                    totals.paid += row[2]
                    totals.returned += row[3]
                }
                settlement = try settlements.next()
            }
            if reversed.contains(seq) { continue }
            let programme: String = use[1]
            let year: Int64 = use[2]
            for (index, dimension) in dimensions.enumerated() {
                let key = TotalKey(
                    programme: programme,
                    year: year,
                    dimension: dimension,
                    key: index == 0 ? "" : use[index + 2]
                )
                var sum = expected[key, default: Totals()]
                sum.uses += totals.uses
                sum.service += totals.service
                sum.amount += totals.amount
                sum.returned += totals.returned
                sum.paid += totals.paid
                sum.overRate += totals.overRate
                expected[key] = sum
            }
        }
        var problems: [VerificationReport.Problem] = []
        let stored = try Row.fetchCursor(
            db,
            sql: """
                SELECT programme_id, year, dimension, key, uses, service_amount, amount, returned, paid, over_rate
                FROM use_total ORDER BY programme_id, year, dimension, key
                """
        )
        while let row = try stored.next() {
            let key = TotalKey(programme: row[0], year: row[1], dimension: row[2], key: row[3])
            let kept = Totals(
                uses: row[4],
                service: row[5],
                amount: row[6],
                returned: row[7],
                paid: row[8],
                overRate: row[9]
            )
            let recomputed = expected.removeValue(forKey: key) ?? Totals()
            if kept != recomputed && problems.count < 1 {
                problems.append(
                    .init(
                        event: nil,
                        message: "use totals of \(key.programme) \(key.year) \(key.dimension) '\(key.key)': stored "
                            + "\(kept.uses) uses, \(Money(fen: kept.amount - kept.returned)) used, "
                            + "\(Money(fen: kept.paid)) redeemed; the uses say \(recomputed.uses) uses, "
                            + "\(Money(fen: recomputed.amount - recomputed.returned)) used, \(Money(fen: recomputed.paid)) redeemed"
                    )
                )
            }
        }
        if problems.isEmpty, let (key, _) = expected.first(where: { !$0.value.isZero }) {
            problems.append(
                .init(
                    event: nil,
                    message: "use totals of \(key.programme) \(key.year) \(key.dimension) '\(key.key)' are missing"
                )
            )
        }
        return problems
    }

    // MARK: - Facts against payloads

    /// Each fact table's rows, rebuilt into the payload their event hashed; a row that was changed
    /// no longer rebuilds the same text, and a removed row leaves its event without one.
    private func verifyFacts(_ db: Database) throws -> [VerificationReport.Problem] {
        var problems: [VerificationReport.Problem] = []
        func check(_ table: String, kind: EventKind, sql: String, payload: (Row) throws -> CanonicalJSON) throws {
            var first: VerificationReport.Problem?
            let rows = try Row.fetchCursor(db, sql: sql)
            var seen = 0
            while let row = try rows.next() {
                seen += 1
                if first != nil { continue }
                let seq: Int64 = row["event_seq"]
                guard let stored = row["payload"] as String? else {
                    first = .init(event: seq, message: "a \(table) row has no \(kind.rawValue) event")
                    continue
                }
                if !(try payload(row).bytes).elementsEqual(stored.utf8) {
                    first = .init(event: seq, message: "its \(table) row does not match the facts the event hashed")
                }
            }
            if let first { problems.append(first) }
            let events =
                try db.fetchOne(Int.self, sql: "SELECT COUNT(*) FROM event WHERE kind = ?", arguments: [kind.rawValue])
                ?? 0
            if first == nil && events != seen {
                let missing = try db.fetchOne(
                    Int64.self,
                    sql:
                        "SELECT seq FROM event e WHERE kind = ? AND NOT EXISTS (SELECT 1 FROM \(table) f WHERE f.event_seq = e.seq) ORDER BY seq LIMIT 1",
                    arguments: [kind.rawValue]
                )
                problems.append(.init(event: missing, message: "its \(table) row is missing"))
            }
        }
        try check(
            "voucher_use",
            kind: .use,
            sql: """
                SELECT u.*, c.ref AS claim_ref, e.payload FROM voucher_use u JOIN claim c ON c.event_seq = u.claim_seq
                LEFT JOIN event e ON e.seq = u.event_seq AND e.kind = 'use' ORDER BY u.event_seq
                """
        ) { UseFact(row: $0).payload }
        try check(
            "claim",
            kind: .claim,
            sql:
                "SELECT c.*, e.payload FROM claim c LEFT JOIN event e ON e.seq = c.event_seq AND e.kind = 'claim' ORDER BY c.event_seq"
        ) { row in
            .object([
                "ref": .string(row["ref"]), "applicant": .string(row["applicant_id"]),
                "programme": .string(row["programme_id"]),
                "year": .int(row["year"]), "requested": .int(row["requested"]), "project": .optional(row["project"]),
                "paid": (row["paid"] as Int64?).map { .int($0) } ?? .null,
            ])
        }
        try check(
            "decision",
            kind: .decision,
            sql: """
                SELECT d.*, c.ref AS claim_ref, e.payload FROM decision d JOIN claim c ON c.event_seq = d.claim_seq
                LEFT JOIN event e ON e.seq = d.event_seq AND e.kind = 'decision' ORDER BY d.event_seq
                """
        ) { row in
            .object([
                "claim": .string(row["claim_ref"]), "level": .string(row["level"]), "outcome": .string(row["outcome"]),
                "granted": .int(row["granted"]), "reviewer": .string(row["reviewer"]),
                "reason": .optional(row["reason"]),
                "valid_until": .optional(row["valid_until"]),
            ])
        }
        try check(
            "settlement",
            kind: .redemptionSettled,
            sql: """
                SELECT s.*, f.ref AS filing_ref, u.ref AS use_ref, e.payload FROM settlement s
                JOIN redemption_filing f ON f.event_seq = s.filing_seq JOIN voucher_use u ON u.event_seq = s.use_seq
                LEFT JOIN event e ON e.seq = s.event_seq AND e.kind = 'redemption-settled' ORDER BY s.event_seq
                """
        ) { row in
            .object([
                "filing": .string(row["filing_ref"]), "use": .string(row["use_ref"]),
                "outcome": .string(row["outcome"]),
                "paid": .int(row["paid"]), "unpaid": .int(row["unpaid"]),
                "unpaid_effect": .string(row["unpaid_effect"]),
                "reason": .optional(row["reason"]),
            ])
        }
        try check(
            "payment",
            kind: .payment,
            sql: """
                SELECT p.*, c.ref AS claim_ref, e.payload FROM payment p JOIN claim c ON c.event_seq = p.claim_seq
                LEFT JOIN event e ON e.seq = p.event_seq AND e.kind = 'payment' ORDER BY p.event_seq
                """
        ) { row in .object(["claim": .string(row["claim_ref"]), "amount": .int(row["amount"])]) }
        try check(
            "applicant",
            kind: .applicant,
            sql:
                "SELECT a.*, e.payload FROM applicant a LEFT JOIN event e ON e.seq = a.event_seq AND e.kind = 'applicant' ORDER BY a.event_seq"
        ) { row in
            .object([
                "id": .string(row["id"]), "kind": .string(row["kind"]), "name": .string(row["name"]),
                "district": .string(row["district"]), "region": .string(row["region"]),
                "group": .optional(row["group_id"]),
                "override": Self.overrideJSON(row),
            ])
        }
        try check(
            "provider",
            kind: .provider,
            sql:
                "SELECT p.*, e.payload FROM provider p LEFT JOIN event e ON e.seq = p.event_seq AND e.kind = 'provider' ORDER BY p.event_seq"
        ) { row in
            .object([
                "id": .string(row["id"]), "name": .string(row["name"]), "region": .string(row["region"]),
                "override": Self.overrideJSON(row),
            ])
        }
        try check(
            "product",
            kind: .product,
            sql:
                "SELECT p.*, e.payload FROM product p LEFT JOIN event e ON e.seq = p.event_seq AND e.kind = 'product' ORDER BY p.event_seq"
        ) { row in
            .object([
                "code": .string(row["code"]), "provider": .string(row["provider_id"]), "name": .string(row["name"]),
                "category": .string(row["category"]), "list_price": .int(row["list_price"]),
            ])
        }
        // A policy version is its canonical text; its key is that text's hash.
        if let bad = try db.fetchAll(
            Row.self,
            sql: "SELECT hash, canonical, event_seq FROM policy_version ORDER BY event_seq"
        )
        .first(where: { Hashing.sha256($0["canonical"]) != ($0["hash"] as String) }) {
            problems.append(.init(event: bad["event_seq"], message: "a stored policy version does not match its hash"))
        }
        for row in try db.fetchAll(
            Row.self,
            sql:
                "SELECT f.event_seq, f.yaml, f.sha256, e.payload FROM policy_file f LEFT JOIN event e ON e.seq = f.event_seq ORDER BY f.event_seq"
        ) {
            let stored = (row["payload"] as String?) ?? ""
            if Hashing.sha256(row["yaml"]) != (row["sha256"] as String)
                || !stored.contains("\"sha256\":\"\(row["sha256"] as String)\"")
            {
                problems.append(
                    .init(event: row["event_seq"], message: "its policy file does not match the file the event hashed")
                )
                break
            }
        }
        return problems
    }

    private static func overrideJSON(_ row: Row) -> CanonicalJSON {
        guard let reason = row["override_reason"] as String?, let by = row["override_by"] as String? else {
            return .null
        }
        return .object(["reason": .string(reason), "by": .string(by)])
    }
}

/// Sums of postings per account, found by the account id's bytes as read from SQLite: a String is
/// made once per account rather than once per posting.
struct AccountSums {
    private var byHash: [UInt64: Int] = [:]
    /// Ids whose 64-bit hash another id took first (practically never; kept exact all the same).
    private var collided: [String: Int] = [:]
    private var ids: [String] = []
    private var sums: [Int64] = []

    /// The slot of the account with these id bytes, added when new.
    mutating func slot(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        if let index = byHash[hash] {
            if Self.equal(ids[index], bytes) { return index }
            let id = String(decoding: bytes, as: UTF8.self)
            if let other = collided[id] { return other }
            collided[id] = ids.count
        } else {
            byHash[hash] = ids.count
        }
        ids.append(String(decoding: bytes, as: UTF8.self))
        sums.append(0)
        return ids.count - 1
    }

    func id(_ slot: Int) -> String { ids[slot] }

    mutating func add(_ amount: Int64, to slot: Int) { sums[slot] &+= amount }

    var balances: [String: Int64] { Dictionary(uniqueKeysWithValues: zip(ids, sums)) }

    private static func equal(_ id: String, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var id = id
        return id.withUTF8 { stored in
            stored.count == bytes.count
                && (stored.count == 0 || memcmp(stored.baseAddress!, bytes.baseAddress!, stored.count) == 0)
        }
    }
}

/// A result handed from another thread, read after the DispatchGroup that ran it was waited for.
private final class ResultBox<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Result<Value, any Error>?

    func set(_ result: Result<Value, any Error>) { lock.withLock { self.result = result } }

    /// The value, nil when nothing was set; rethrows what the other thread threw.
    func get() throws -> Value? { try lock.withLock { result }?.get() }
}
