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

    /// Whether the fact rows' digests differed from the payloads' and the rows were compared one by
    /// one (on an intact ledger they never differ; the tests hold verification to that).
    var factsComparedRowByRow = false
}

extension Ledger {
    /// Recomputes the whole hash chain, every event's postings and every balance, compares every
    /// fact row with the payload its event hashed, and, when a digest is given, checks that the
    /// chain still extends it.
    public func verify(against digest: LedgerDigest? = nil) throws -> VerificationReport {
        // The chain is cut into stretches that two connections, one on each core, take in turn as
        // they come free. The second first rebuilds the fact rows into payloads and checks the
        // policies and the use totals, so the first takes most of the chain. Both read the events
        // up to this connection's head (the ledger is append-only, so those are the same on both);
        // a writer that slips in between adds only what neither reads, or makes the facts' digests
        // differ, and then the facts are compared again on this connection.
        typealias Others = (
            facts: [(SHA256.Digest, Int)],
            policies: [VerificationReport.Problem],
            totals: [VerificationReport.Problem],
            chain: ChainParts
        )
        let second = try secondReader()
        return try read { db in
            // A scan reads each page once: a small page cache keeps memory flat.
            try db.execute(sql: "PRAGMA cache_size = -8192")
            defer { try? db.execute(sql: "PRAGMA cache_size = -\(Ledger.pageCacheKiB)") }
            let head = try chainHead(db)
            let stretches = Stretches(events: head.events)
            @Sendable func others(_ db: Database) throws -> Others {
                (
                    try factsDigest(db, bounds: stretches.bounds), try verifyPolicies(db), try verifyUseTotals(db),
                    try verifyStretches(db, stretches)
                )
            }
            let group = DispatchGroup()
            let othersResult = ResultBox<Others>()
            if let second {
                DispatchQueue.global().async(group: group) { othersResult.set(Result { try second.read(others) }) }
            }
            var problems: [VerificationReport.Problem] = []
            var chain = try verifyStretches(db, stretches)
            group.wait()
            let found = try othersResult.get() ?? (try others(db))
            chain.merge(found.chain)
            problems += chain.problems
            if let orphan = try Int64.fetchOne(
                db,
                sql: "SELECT event_seq FROM posting WHERE event_seq > ? ORDER BY event_seq LIMIT 1",
                arguments: [head.events]
            ) {
                problems.append(.init(event: orphan, message: "has postings but no event row (the event was deleted)"))
            }
            // Fact rows above the head are in neither digest.
            for fact in Self.factTables {
                if let orphan = try Int64.fetchOne(
                    db,
                    sql: "SELECT event_seq FROM \(fact.table) WHERE event_seq > ? ORDER BY event_seq LIMIT 1",
                    arguments: [head.events]
                ) {
                    problems.append(
                        .init(
                            event: orphan,
                            message: "has a \(fact.table) row but no event row (the event was deleted)"
                        )
                    )
                }
            }
            let factsDiffer = found.facts.indices.contains { stretch in
                guard let read = chain.payloads[stretch] else { return true }
                return read.0 != found.facts[stretch].0 || read.1 != found.facts[stretch].1
            }
            if factsDiffer { problems += try verifyFacts(db) }
            problems += found.policies
            problems.sort { ($0.event ?? .max) < ($1.event ?? .max) }
            problems += try verifyBalances(db, computed: chain.balances)
            problems += found.totals
            let checked = chain.checked
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
            var report = VerificationReport(eventsChecked: checked, head: head, problem: problems.first)
            report.factsComparedRowByRow = factsDiffer
            return report
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

    /// The chain cut into stretches of consecutive events, handed out in order to whichever
    /// connection asks next.
    final class Stretches: @unchecked Sendable {
        /// Stretch `i` holds the events after `bounds[i]` up to `bounds[i + 1]`.
        let bounds: [Int64]
        private let lock = NSLock()
        private var next = 0

        /// About 4,096 events a stretch, at least two stretches and at most 256.
        init(events: Int64) {
            let count = Int64(max(1, min(256, max(2, events / 4_096), events)))
            bounds = (0...count).map { events * $0 / count }
        }

        /// The next stretch nobody has taken, if any.
        func take() -> Int? {
            lock.withLock {
                guard next < bounds.count - 1 else { return nil }
                next += 1
                return next - 1
            }
        }
    }

    /// What the stretches one connection verified came to.
    struct ChainParts: Sendable {
        var checked: Int64 = 0
        var balances = AccountSums()
        var problems: [VerificationReport.Problem] = []
        /// The digest of the payloads of each stretch, by its index.
        var payloads: [Int: (SHA256.Digest, Int)] = [:]

        mutating func merge(_ other: ChainParts) {
            checked += other.checked
            balances.merge(other.balances)
            problems += other.problems
            payloads.merge(other.payloads) { first, _ in first }
        }
    }

    /// Takes stretches until none is left, verifying each with ``verifyChain(_:_:balances:)``.
    private func verifyStretches(_ db: Database, _ stretches: Stretches) throws -> ChainParts {
        var parts = ChainParts()
        while let index = stretches.take() {
            // The first stretch also takes any event numbered below 1, which must be reported.
            let lower = index == 0 ? Int64.min : stretches.bounds[index] + 1
            let range = lower...max(lower, stretches.bounds[index + 1])
            let part = try verifyChain(db, range, balances: &parts.balances)
            parts.checked += part.checked
            parts.problems += [part.problem].compactMap { $0 }
            parts.payloads[index] = part.payloads
        }
        return parts
    }

    /// What one stretch of the chain came to.
    struct ChainPart {
        var checked: Int64
        var problem: VerificationReport.Problem?
        var payloads: (SHA256.Digest, Int)
    }

    /// The events whose sequence numbers lie in `range`, and the postings of that range, the first
    /// expected to be `range.lowerBound` (or 1) and to link to the hash of the event before it.
    /// One pass in sequence order through the SQLite C API: each event's canonical encoding is
    /// written straight from the column bytes into one reused buffer and hashed, with no string
    /// made per field. The postings are added to `balances`.
    private func verifyChain(
        _ db: Database,
        _ range: ClosedRange<Int64>,
        balances: inout AccountSums
    ) throws -> ChainPart {
        let eventStatement = try db.makeStatement(
            sql: """
                SELECT seq, kind, business_date, recorded_at, actor, idempotency_key, request_hash, programme_id,
                    policy_hash, reverses, payload, explanation, prev_hash, hash FROM event
                WHERE seq BETWEEN ? AND ? ORDER BY seq
                """
        )
        let postingStatement = try db.makeStatement(
            sql: """
                SELECT event_seq, line, account_id, amount FROM posting
                WHERE event_seq BETWEEN ? AND ? ORDER BY event_seq, line
                """
        )
        try eventStatement.setArguments([range.lowerBound, range.upperBound])
        try postingStatement.setArguments([range.lowerBound, range.upperBound])
        let events = eventStatement.sqliteStatement
        let postings = postingStatement.sqliteStatement
        // The statements own the handles: they must live, and be reset, until the pass ends.
        defer {
            sqlite3_reset(eventStatement.sqliteStatement)
            sqlite3_reset(postingStatement.sqliteStatement)
        }
        var postingPending = try Self.step(postings)
        var expectedSeq: Int64 = max(range.lowerBound, 1)
        var previousHash = Array(Hashing.genesis.utf8)
        var problem: VerificationReport.Problem?
        if expectedSeq > 1 {
            if let hash = try String.fetchOne(
                db,
                sql: "SELECT hash FROM event WHERE seq = ?",
                arguments: [expectedSeq - 1]
            ) {
                previousHash = Array(hash.utf8)
            } else {
                problem = .init(event: expectedSeq - 1, message: "is missing: the sequence has a gap")
            }
        }
        var checked: Int64 = 0
        var encoding: [UInt8] = []
        encoding.reserveCapacity(8192)
        var lines: [(line: Int64, account: Int, amount: Int64)] = []
        let tag = Array("voucher-ledger/event/1".utf8)
        var payloads = PayloadDigest()
        let kindsWithFacts = Self.kindsWithFacts.map { Array($0.utf8) }
        while try Self.step(events) {
            let seq = sqlite3_column_int64(events, 0)
            let kind = Self.column(events, 1)
            if kindsWithFacts.contains(where: { $0.elementsEqual(kind) }) {
                payloads.add(seq: seq, payload: UnsafeRawBufferPointer(Self.column(events, 10)))
            }
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
                postingPending = try Self.step(postings)
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
                Self.appendNull(to: &encoding)
            } else {
                CanonicalJSON.appendInt(sqlite3_column_int64(events, 9), to: &encoding)
            }
            for index: Int32 in 10...11 {
                encoding.append(UInt8(ascii: ","))
                Self.appendText(events, index, to: &encoding)
            }
            encoding.append(UInt8(ascii: ","))
            encoding.append(UInt8(ascii: "["))
            for (position, line) in lines.enumerated() {
                if position > 0 { encoding.append(UInt8(ascii: ",")) }
                encoding.append(UInt8(ascii: "["))
                CanonicalJSON.appendInt(line.line, to: &encoding)
                encoding.append(UInt8(ascii: ","))
                balances.withID(line.account) { CanonicalJSON.appendString(utf8: $0, to: &encoding) }
                encoding.append(UInt8(ascii: ","))
                CanonicalJSON.appendInt(line.amount, to: &encoding)
                encoding.append(UInt8(ascii: "]"))
            }
            encoding.append(UInt8(ascii: "]"))
            encoding.append(UInt8(ascii: ","))
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
            let digest = encoding.withUnsafeBytes { SHA256.hash(data: $0) }
            if !Hashing.matches(digest, hex: stored) {
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
            // Copied into place, no array made per event (a stretch's first link may be any length).
            previousHash.removeAll(keepingCapacity: true)
            previousHash.append(contentsOf: stored)
            expectedSeq += 1
        }
        if problem == nil, postingPending {
            problem = .init(
                event: sqlite3_column_int64(postings, 0),
                message: "has postings but no event row (the event was deleted)"
            )
        }
        return ChainPart(checked: checked, problem: problem, payloads: payloads.finalize())
    }

    /// Steps a statement: true on a row, false when done.
    fileprivate static func step(_ statement: OpaquePointer?) throws -> Bool {
        switch sqlite3_step(statement) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case let code: throw DatabaseError(resultCode: ResultCode(rawValue: code))
        }
    }

    /// A text column's bytes, valid until the statement steps again; empty when NULL.
    fileprivate static func column(_ statement: OpaquePointer?, _ index: Int32) -> UnsafeBufferPointer<UInt8> {
        guard let text = sqlite3_column_text(statement, index) else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(start: text, count: Int(sqlite3_column_bytes(statement, index)))
    }

    /// A text column as a canonical JSON string, or null.
    /// `null`, a byte at a time (an array literal here would be allocated for every event).
    @inline(__always)
    fileprivate static func appendNull(to output: inout [UInt8]) {
        output.append(UInt8(ascii: "n"))
        output.append(UInt8(ascii: "u"))
        output.append(UInt8(ascii: "l"))
        output.append(UInt8(ascii: "l"))
    }

    fileprivate static func appendText(_ statement: OpaquePointer?, _ index: Int32, to output: inout [UInt8]) {
        if sqlite3_column_type(statement, index) == SQLITE_NULL {
            appendNull(to: &output)
        } else {
            CanonicalJSON.appendString(utf8: column(statement, index), to: &output)
        }
    }

    private func verifyBalances(_ db: Database, computed sums: AccountSums) throws -> [VerificationReport.Problem] {
        var sums = sums
        var problems: [VerificationReport.Problem] = []
        let rows = try Row.fetchCursor(db, sql: "SELECT id, type, balance FROM account ORDER BY id")
        while let row = try rows.next() {
            let id: String = row[0]
            let cached: Int64 = row[2]
            let recomputed = sums.take(id)
            if cached != recomputed {
                problems.append(
                    .init(
                        event: nil,
                        message:
                            "account \(id): stored balance \(Money(fen: cached)) differs from its postings, \(Money(fen: recomputed))"
                    )
                )
            }
            if recomputed < 0 && (row[1] as String) != LedgerAccount.Kind.budget.rawValue {
                problems.append(.init(event: nil, message: "account \(id) is below zero: \(Money(fen: recomputed))"))
            }
        }
        for id in sums.notTaken.sorted() {
            problems.append(.init(event: nil, message: "account \(id) has postings but no account row"))
        }
        return problems
    }

    // MARK: - Use totals

    private struct Totals: Equatable {
        var uses: Int64 = 0
        var service: Int64 = 0
        var amount: Int64 = 0
        var returned: Int64 = 0
        var paid: Int64 = 0
        var overRate: Int64 = 0

        var isZero: Bool { self == Totals() }

        static func += (sum: inout Totals, more: Totals) {
            sum.uses &+= more.uses
            sum.service &+= more.service
            sum.amount &+= more.amount
            sum.returned &+= more.returned
            sum.paid &+= more.paid
            sum.overRate &+= more.overRate
        }
    }

    /// Recomputes the use totals from the live uses and their live settlements (one pass over each,
    /// merged by use, through the C API) and compares them with the rows the triggers kept. A
    /// total's key is its programme, year, dimension and key, joined by U+001F.
    private func verifyUseTotals(_ db: Database) throws -> [VerificationReport.Problem] {
        let reversed = Set(try Int64.fetchAll(db, sql: "SELECT reverses FROM event WHERE reverses > 0"))
        let useStatement = try db.makeStatement(
            sql: """
                SELECT event_seq, programme_id, year, applicant_id, provider_id, product_code, category, provider_region,
                    substr(used_on, 1, 7), service_amount, amount, rate_basis_points, rounding
                FROM voucher_use ORDER BY event_seq
                """
        )
        let settlementStatement = try db.makeStatement(
            sql: """
                SELECT use_seq, event_seq, paid, CASE WHEN unpaid_effect = 'returned' THEN unpaid ELSE 0 END
                FROM settlement ORDER BY use_seq
                """
        )
        let uses = useStatement.sqliteStatement
        let settlements = settlementStatement.sqliteStatement
        defer {
            sqlite3_reset(useStatement.sqliteStatement)
            sqlite3_reset(settlementStatement.sqliteStatement)
        }
        var keys = InternedKeys()
        var expected: [Totals] = []
        var key: [UInt8] = []
        let dimensions = ["all", "applicant", "provider", "product", "category", "region", "month"].map {
            Array($0.utf8)
        }
        var settlementPending = try Self.step(settlements)
        while try Self.step(uses) {
            let seq = sqlite3_column_int64(uses, 0)
            let service = sqlite3_column_int64(uses, 9)
            let amount = sqlite3_column_int64(uses, 10)
            // Uses recorded before a use kept its rounding rounded down to the fen.
            let rounding =
                sqlite3_column_type(uses, 12) == SQLITE_NULL
                ? Optional(Rounding.downToFen)
                : Rounding(canonicalText: String(decoding: Self.column(uses, 12), as: UTF8.self))
            let bound = rounding.flatMap {
                try? Money(fen: service).scaled(by: sqlite3_column_int64(uses, 11), over: 10_000, rounding: $0)
            }
            var totals = Totals(
                uses: 1,
                service: service,
                amount: amount,
                overRate: bound.map { amount > $0.fen ? 1 : 0 } ?? 1
            )
            while settlementPending, sqlite3_column_int64(settlements, 0) <= seq {
                if sqlite3_column_int64(settlements, 0) == seq, !reversed.contains(sqlite3_column_int64(settlements, 1))
                {
                    totals.paid &+= sqlite3_column_int64(settlements, 2)
                    totals.returned &+= sqlite3_column_int64(settlements, 3)
                }
                settlementPending = try Self.step(settlements)
            }
            if reversed.contains(seq) { continue }
            key.removeAll(keepingCapacity: true)
            key.append(contentsOf: Self.column(uses, 1))
            key.append(0x1F)
            CanonicalJSON.appendInt(sqlite3_column_int64(uses, 2), to: &key)
            key.append(0x1F)
            let prefix = key.count
            for (index, dimension) in dimensions.enumerated() {
                key.removeSubrange(prefix...)
                key.append(contentsOf: dimension)
                key.append(0x1F)
                if index > 0 { key.append(contentsOf: Self.column(uses, Int32(index + 2))) }
                let slot = key.withUnsafeBufferPointer { keys.slot($0) }
                if slot == expected.count { expected.append(Totals()) }
                expected[slot] += totals
            }
        }
        var seen = Array(repeating: false, count: expected.count)
        var problems: [VerificationReport.Problem] = []
        let stored = try Row.fetchCursor(
            db,
            sql: """
                SELECT programme_id, year, dimension, key, uses, service_amount, amount, returned, paid, over_rate
                FROM use_total ORDER BY programme_id, year, dimension, key
                """
        )
        while let row = try stored.next() {
            let (programme, year, dimension, name): (String, Int64, String, String) = (row[0], row[1], row[2], row[3])
            let kept = Totals(
                uses: row[4],
                service: row[5],
                amount: row[6],
                returned: row[7],
                paid: row[8],
                overRate: row[9]
            )
            let slot = keys.find([programme, String(year), dimension, name].joined(separator: "\u{1F}"))
            if let slot { seen[slot] = true }
            let recomputed = slot.map { expected[$0] } ?? Totals()
            if kept != recomputed && problems.isEmpty {
                problems.append(
                    .init(
                        event: nil,
                        message: "use totals of \(programme) \(year) \(dimension) '\(name)': stored "
                            + "\(kept.uses) uses, \(Money(fen: kept.amount - kept.returned)) used, "
                            + "\(Money(fen: kept.paid)) redeemed; the uses say \(recomputed.uses) uses, "
                            + "\(Money(fen: recomputed.amount - recomputed.returned)) used, \(Money(fen: recomputed.paid)) redeemed"
                    )
                )
            }
        }
        if problems.isEmpty, let missing = expected.indices.first(where: { !seen[$0] && !expected[$0].isZero }) {
            let parts = keys.key(missing).split(separator: "\u{1F}", omittingEmptySubsequences: false)
            problems.append(
                .init(
                    event: nil,
                    message:
                        "use totals of \(parts.prefix(3).joined(separator: " ")) '\(parts.dropFirst(3).joined())' are missing"
                )
            )
        }
        return problems
    }

    // MARK: - Facts against payloads

    /// One key of a fact's payload and where its fact row keeps the value.
    struct PayloadField: Sendable {
        enum Source: Sendable {
            /// A text column: a string, or null.
            case text(String)
            /// An integer column: a number, or null.
            case int(String)
            /// The columns `override_by` and `override_reason`: `{"by": …, "reason": …}`, or null.
            case override
            /// A text column whose key the payload leaves out when it is null (a key added to the
            /// payload after events without it were recorded). Never the first key.
            case textUnlessNull(String)
        }

        var key: String
        var source: Source

        static func text(_ key: String, _ column: String? = nil) -> PayloadField {
            PayloadField(key: key, source: .text(column ?? key))
        }

        static func int(_ key: String, _ column: String? = nil) -> PayloadField {
            PayloadField(key: key, source: .int(column ?? key))
        }

        var columns: [String] {
            switch source {
            case .text(let column), .int(let column), .textUnlessNull(let column): [column]
            case .override: ["override_by", "override_reason"]
            }
        }
    }

    /// A fact table: its rows (with what their payload names, such as a claim's ref) and, key by
    /// key, the payload its event hashed. Both the digest and the row-by-row comparison rebuild the
    /// payload from the row's columns through the SQLite C API, with this one definition.
    struct FactTable: Sendable {
        var table: String
        var kind: EventKind
        /// Every row, with `event_seq`, in no particular order.
        var rows: String
        /// In canonical order: by key.
        var fields: [PayloadField]
        /// Each field's `"key":`, canonical JSON, with the comma before it from the second on.
        private var keys: [[UInt8]]

        init(table: String, kind: EventKind, rows: String, fields: [PayloadField]) {
            self.table = table
            self.kind = kind
            self.rows = rows
            self.fields = fields.sorted { $0.key < $1.key }
            keys = self.fields.enumerated().map { position, field in
                var bytes: [UInt8] = position == 0 ? [] : [UInt8(ascii: ",")]
                var key = field.key
                key.withUTF8 { CanonicalJSON.appendString(utf8: $0, to: &bytes) }
                bytes.append(UInt8(ascii: ":"))
                return bytes
            }
        }

        /// The columns the payload is read from, in the order `writePayload` expects them, of the
        /// table or subquery named `alias` when one is given.
        func columns(of alias: String? = nil) -> String {
            fields.flatMap(\.columns).map { (alias.map { "\($0)." } ?? "") + "\"\($0)\"" }.joined(separator: ", ")
        }

        /// Writes the payload, reading the row's columns from `first` on in the order of `columns`.
        func writePayload(_ statement: OpaquePointer?, from first: Int32, to output: inout [UInt8]) {
            output.append(UInt8(ascii: "{"))
            var column = first
            for (field, key) in zip(fields, keys) {
                if case .textUnlessNull = field.source, sqlite3_column_type(statement, column) == SQLITE_NULL {
                    column += 1
                    continue
                }
                output.append(contentsOf: key)
                switch field.source {
                case .text, .textUnlessNull:
                    Ledger.appendText(statement, column, to: &output)
                    column += 1
                case .int:
                    if sqlite3_column_type(statement, column) == SQLITE_NULL {
                        Ledger.appendNull(to: &output)
                    } else {
                        CanonicalJSON.appendInt(sqlite3_column_int64(statement, column), to: &output)
                    }
                    column += 1
                case .override:
                    if sqlite3_column_type(statement, column) == SQLITE_NULL
                        || sqlite3_column_type(statement, column + 1) == SQLITE_NULL
                    {
                        Ledger.appendNull(to: &output)
                    } else {
                        output.append(contentsOf: Array(#"{"by":"#.utf8))
                        Ledger.appendText(statement, column, to: &output)
                        output.append(contentsOf: Array(#","reason":"#.utf8))
                        Ledger.appendText(statement, column + 1, to: &output)
                        output.append(UInt8(ascii: "}"))
                    }
                    column += 2
                }
            }
            output.append(UInt8(ascii: "}"))
        }

        /// The payloads of the rows `sql` selects (`event_seq`, then the columns of `columns()`).
        func payloads(_ db: Database, select sql: String) throws -> [[UInt8]] {
            let statement = try db.makeStatement(sql: sql)
            var payloads: [[UInt8]] = []
            while try Ledger.step(statement.sqliteStatement) {
                var payload: [UInt8] = []
                writePayload(statement.sqliteStatement, from: 1, to: &payload)
                payloads.append(payload)
            }
            return payloads
        }
    }

    static let factTables: [FactTable] = [
        FactTable(
            table: "voucher_use",
            kind: .use,
            rows: "SELECT u.*, c.ref AS claim_ref FROM voucher_use u JOIN claim c ON c.event_seq = u.claim_seq",
            fields: [
                .int("amount"), .text("applicant", "applicant_id"), .text("category"), .text("claim", "claim_ref"),
                .int("eligible_amount"), .text("product", "product_code"), .text("programme", "programme_id"),
                .text("project"), .text("provider", "provider_id"), .text("provider_region"),
                .int("rate_basis_points"), .text("redemption_deadline"), .text("ref"),
                PayloadField(key: "rounding", source: .textUnlessNull("rounding")), .int("service_amount"),
                .int("tax_amount"), .text("used_on"), .int("year"),
            ]
        ),
        FactTable(
            table: "claim",
            kind: .claim,
            rows: "SELECT * FROM claim",
            fields: [
                .text("ref"), .text("applicant", "applicant_id"), .text("programme", "programme_id"), .int("year"),
                .int("requested"), .text("project"), .int("paid"),
            ]
        ),
        FactTable(
            table: "decision",
            kind: .decision,
            rows: "SELECT d.*, c.ref AS claim_ref FROM decision d JOIN claim c ON c.event_seq = d.claim_seq",
            fields: [
                .text("claim", "claim_ref"), .text("level"), .text("outcome"), .int("granted"), .text("reviewer"),
                .text("reason"), .text("valid_until"),
            ]
        ),
        FactTable(
            table: "settlement",
            kind: .redemptionSettled,
            rows: """
                SELECT s.*, f.ref AS filing_ref, u.ref AS use_ref FROM settlement s
                JOIN redemption_filing f ON f.event_seq = s.filing_seq JOIN voucher_use u ON u.event_seq = s.use_seq
                """,
            fields: [
                .text("filing", "filing_ref"), .text("outcome"), .int("paid"), .text("reason"), .int("unpaid"),
                .text("unpaid_effect"), .text("use", "use_ref"),
            ]
        ),
        FactTable(
            table: "payment",
            kind: .payment,
            rows: "SELECT p.*, c.ref AS claim_ref FROM payment p JOIN claim c ON c.event_seq = p.claim_seq",
            fields: [.text("claim", "claim_ref"), .int("amount")]
        ),
        FactTable(
            table: "applicant",
            kind: .applicant,
            rows: "SELECT * FROM applicant",
            fields: [
                .text("id"), .text("kind"), .text("name"), .text("district"), .text("region"),
                .text("group", "group_id"), PayloadField(key: "override", source: .override),
            ]
        ),
        FactTable(
            table: "provider",
            kind: .provider,
            rows: "SELECT * FROM provider",
            fields: [.text("id"), .text("name"), .text("region"), PayloadField(key: "override", source: .override)]
        ),
        FactTable(
            table: "product",
            kind: .product,
            rows: "SELECT * FROM product",
            fields: [
                .text("code"), .text("provider", "provider_id"), .text("name"), .text("category"), .int("list_price"),
            ]
        ),
    ]

    /// The event kinds that have a fact table.
    static let kindsWithFacts = Set(factTables.map(\.kind.rawValue))

    /// What the chain pass and the facts pass each feed, in sequence order, for every event that
    /// has facts: its sequence number and payload, as the event stored it and as the fact row
    /// rebuilds it. Equal digests mean every fact row matches its event's payload, every such event
    /// has its row, and no row is left over.
    struct PayloadDigest {
        private var hasher = SHA256()
        private(set) var count = 0

        mutating func add(seq: Int64, payload: UnsafeRawBufferPointer) {
            withUnsafeBytes(of: seq.littleEndian) { hasher.update(bufferPointer: $0) }
            withUnsafeBytes(of: Int64(payload.count).littleEndian) { hasher.update(bufferPointer: $0) }
            hasher.update(bufferPointer: payload)
            count += 1
        }

        func finalize() -> (SHA256.Digest, Int) { (hasher.finalize(), count) }
    }

    /// Every fact row in sequence order (the tables merged by `event_seq`), its payload rebuilt,
    /// into one digest for each stretch of the chain: stretch `i` holds the rows after `bounds[i]`
    /// up to `bounds[i + 1]`.
    private func factsDigest(_ db: Database, bounds: [Int64]) throws -> [(SHA256.Digest, Int)] {
        var digests = Array(repeating: PayloadDigest(), count: max(0, bounds.count - 1))
        let statements = try Self.factTables.map { fact in
            let statement = try db.makeStatement(
                sql: "SELECT event_seq, \(fact.columns()) FROM (\(fact.rows)) WHERE event_seq <= ? ORDER BY event_seq"
            )
            try statement.setArguments([bounds.last ?? 0])
            return statement
        }
        let handles = statements.map(\.sqliteStatement)
        defer { for statement in statements { sqlite3_reset(statement.sqliteStatement) } }
        var seqs = try handles.map { try Self.step($0) ? sqlite3_column_int64($0, 0) : .max }
        var payload: [UInt8] = []
        payload.reserveCapacity(1024)
        var stretch = 0
        while let lowest = seqs.min(), lowest < .max, let next = seqs.firstIndex(of: lowest) {
            while stretch < digests.count - 1, lowest > bounds[stretch + 1] { stretch += 1 }
            payload.removeAll(keepingCapacity: true)
            Self.factTables[next].writePayload(handles[next], from: 1, to: &payload)
            payload.withUnsafeBytes { digests[stretch].add(seq: lowest, payload: $0) }
            seqs[next] = try Self.step(handles[next]) ? sqlite3_column_int64(handles[next], 0) : .max
        }
        return digests.map { $0.finalize() }
    }

    /// The facts compared one table at a time, each row with its event's payload: slower than the
    /// digest, run when the digests differ, to name the first row that does not match and why.
    private func verifyFacts(_ db: Database) throws -> [VerificationReport.Problem] {
        var problems: [VerificationReport.Problem] = []
        for fact in Self.factTables {
            var first: VerificationReport.Problem?
            let statement = try db.makeStatement(
                sql: """
                    SELECT f.event_seq, e.payload, \(fact.columns(of: "f")) FROM (\(fact.rows)) f
                    LEFT JOIN event e ON e.seq = f.event_seq AND e.kind = '\(fact.kind.rawValue)' ORDER BY f.event_seq
                    """
            )
            let handle = statement.sqliteStatement
            defer { sqlite3_reset(statement.sqliteStatement) }
            var seen = 0
            var rebuilt: [UInt8] = []
            while try Self.step(handle) {
                seen += 1
                if first != nil { continue }
                let seq = sqlite3_column_int64(handle, 0)
                // The row has no event of its kind to compare with.
                if sqlite3_column_type(handle, 1) == SQLITE_NULL {
                    first = .init(event: seq, message: "a \(fact.table) row has no \(fact.kind.rawValue) event")
                    continue
                }
                rebuilt.removeAll(keepingCapacity: true)
                fact.writePayload(handle, from: 2, to: &rebuilt)
                if !Self.column(handle, 1).elementsEqual(rebuilt) {
                    first = .init(
                        event: seq,
                        message: "its \(fact.table) row does not match the facts the event hashed"
                    )
                }
            }
            if let first { problems.append(first) }
            let events =
                try db.fetchOne(
                    Int.self,
                    sql: "SELECT COUNT(*) FROM event WHERE kind = ?",
                    arguments: [fact.kind.rawValue]
                )
                ?? 0
            if first == nil && events != seen {
                let missing = try db.fetchOne(
                    Int64.self,
                    sql: """
                        SELECT seq FROM event e WHERE kind = ?
                        AND NOT EXISTS (SELECT 1 FROM \(fact.table) f WHERE f.event_seq = e.seq) ORDER BY seq LIMIT 1
                        """,
                    arguments: [fact.kind.rawValue]
                )
                problems.append(.init(event: missing, message: "its \(fact.table) row is missing"))
            }
        }
        return problems
    }

    /// The stored policy versions and files against their hashes and the events that recorded them.
    private func verifyPolicies(_ db: Database) throws -> [VerificationReport.Problem] {
        var problems: [VerificationReport.Problem] = []
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
}

/// A result handed from another thread, read after the DispatchGroup that ran it was waited for.
private final class ResultBox<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Result<Value, any Error>?

    func set(_ result: Result<Value, any Error>) { lock.withLock { self.result = result } }

    /// The value, nil when nothing was set; rethrows what the other thread threw.
    func get() throws -> Value? { try lock.withLock { result }?.get() }
}
