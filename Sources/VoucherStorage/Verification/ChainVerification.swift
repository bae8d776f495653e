import Crypto
import Foundation
import GRDB
import GRDBSQLite
import VoucherDomain

/// Verification's passes over a ledger, each a function of a read-only connection: the hash chain
/// (``verifyChain(_:_:balances:)``), the balances and use totals (TotalsVerification.swift), the
/// fact rows against their payloads and the policies (FactVerification.swift). ``Ledger/verify(against:)``
/// runs them on two connections.
enum LedgerVerifier {
    /// How the chain up to `head` stands against `digest`.
    static func compare(_ db: Database, head: ChainHead, with digest: LedgerDigest) throws -> DigestComparison {
        if head.events < digest.events { return .truncated(digest: digest, events: head.events) }
        // Before the first event the chain's head is the genesis hash.
        if digest.events == 0 {
            return digest.head == Hashing.genesis ? .extends(digest) : .rewritten(digest: digest, hash: Hashing.genesis)
        }
        let hash = try String.fetchOne(db, sql: "SELECT hash FROM event WHERE seq = ?", arguments: [digest.events])
        return hash == digest.head ? .extends(digest) : .rewritten(digest: digest, hash: hash)
    }

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
        /// The postings' sums by programme, account type, year and day (keys joined by U+001F).
        var days = AccountSums()
        var problems: [VerificationReport.Problem] = []
        /// The digest of the payloads of each stretch, by its index.
        var payloads: [Int: (SHA256.Digest, Int)] = [:]
        /// The programme events (installs and revisions), each of which has its policy_file row.
        var programmeEvents: [Int64] = []

        mutating func merge(_ other: ChainParts) {
            checked += other.checked
            balances.merge(other.balances)
            days.merge(other.days)
            problems += other.problems
            payloads.merge(other.payloads) { first, _ in first }
            programmeEvents += other.programmeEvents
        }
    }

    /// Takes stretches until none is left, verifying each with ``verifyChain(_:_:balances:)``.
    static func verifyStretches(_ db: Database, _ stretches: Stretches) throws -> ChainParts {
        var parts = ChainParts()
        while let index = stretches.take() {
            // The first stretch also takes any event numbered below 1, which must be reported.
            let lower = index == 0 ? Int64.min : stretches.bounds[index] + 1
            let range = lower...max(lower, stretches.bounds[index + 1])
            let part = try verifyChain(db, range, balances: &parts.balances, days: &parts.days)
            parts.checked += part.checked
            parts.problems += [part.problem].compactMap { $0 }
            parts.payloads[index] = part.payloads
            parts.programmeEvents += part.programmeEvents
        }
        return parts
    }

    /// What one stretch of the chain came to.
    struct ChainPart {
        var checked: Int64
        var problem: VerificationReport.Problem?
        var payloads: (SHA256.Digest, Int)
        var programmeEvents: [Int64]
    }

    /// The events whose sequence numbers lie in `range`, and the postings of that range, the first
    /// expected to be `range.lowerBound` (or 1) and to link to the hash of the event before it.
    /// One pass in sequence order through the SQLite C API: each event's canonical encoding is
    /// written straight from the column bytes into one reused buffer and hashed, with no string
    /// made per field. The postings are added to `balances` and to `days` (by programme, account
    /// type, year and day: what `account_day_total` keeps), and each posting's copies of its
    /// account's type, programme and year and of its event's date are checked against the account id
    /// and the event it belongs to (the reports aggregate those copies).
    static func verifyChain(
        _ db: Database,
        _ range: ClosedRange<Int64>,
        balances: inout AccountSums,
        days: inout AccountSums
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
                SELECT event_seq, line, account_id, amount, account_type, programme_id, year, business_date FROM posting
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
                problem = .init(
                    event: expectedSeq - 1,
                    message: "is missing: the sequence has a gap",
                    zh: "缺失（事件编号不连续）"
                )
            }
        }
        var checked: Int64 = 0
        var encoding: [UInt8] = []
        encoding.reserveCapacity(8192)
        var lines: [(line: Int64, account: Int, amount: Int64)] = []
        var dayKey: [UInt8] = []
        let tag = Array("voucher-ledger/event/1".utf8)
        var payloads = PayloadDigest()
        let kindsWithFacts = Self.kindsWithFacts.map { Array($0.utf8) }
        let programmeKind = Array(EventKind.programme.rawValue.utf8)
        var programmeEvents: [Int64] = []
        // The first posting whose copied columns differ from its account id or its event.
        var copyDiffers: (seq: Int64, line: Int64)?
        while try Self.step(events) {
            let seq = sqlite3_column_int64(events, 0)
            let kind = Self.column(events, 1)
            if kindsWithFacts.contains(where: { $0.elementsEqual(kind) }) {
                payloads.add(seq: seq, payload: UnsafeRawBufferPointer(Self.column(events, 10)))
            } else if programmeKind.elementsEqual(kind) {
                programmeEvents.append(seq)
            }
            lines.removeAll(keepingCapacity: true)
            while postingPending, sqlite3_column_int64(postings, 0) <= seq {
                let eventSeq = sqlite3_column_int64(postings, 0)
                if eventSeq == seq {
                    if copyDiffers == nil, !Self.copiesMatch(postings, eventDate: Self.column(events, 2)) {
                        copyDiffers = (seq, sqlite3_column_int64(postings, 1))
                    }
                    lines.append(
                        (
                            sqlite3_column_int64(postings, 1), balances.slot(Self.column(postings, 2)),
                            sqlite3_column_int64(postings, 3)
                        )
                    )
                    dayKey.removeAll(keepingCapacity: true)
                    dayKey.append(contentsOf: Self.column(postings, 5))
                    dayKey.append(0x1F)
                    dayKey.append(contentsOf: Self.column(postings, 4))
                    dayKey.append(0x1F)
                    CanonicalJSON.appendInt(sqlite3_column_int64(postings, 6), to: &dayKey)
                    dayKey.append(0x1F)
                    dayKey.append(contentsOf: Self.column(postings, 7))
                    days.add(sqlite3_column_int64(postings, 3), to: dayKey.withUnsafeBufferPointer { days.slot($0) })
                } else if problem == nil {
                    problem = .init(
                        event: eventSeq,
                        message: "has postings but no event row (the event was deleted)",
                        zh: "有分录但没有事件记录（事件被删除）"
                    )
                }
                postingPending = try Self.step(postings)
            }
            checked += 1
            if problem != nil { continue }
            if seq < 1 {
                problem = .init(
                    event: seq,
                    message: "is numbered below 1: events are numbered from 1",
                    zh: "编号小于 1：事件从 1 开始编号"
                )
                continue
            }
            if seq != expectedSeq {
                problem = .init(
                    event: expectedSeq,
                    message: "is missing: the sequence goes from \(expectedSeq - 1) to \(seq)",
                    zh: "缺失（事件编号从 \(expectedSeq - 1) 直接跳到 \(seq)）"
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
                        + "the previous event's hash is \(String(decoding: previousHash, as: UTF8.self))",
                    zh: "未链接到前一个事件：prev_hash 为 \(String(decoding: prevHash, as: UTF8.self))，"
                        + "前一个事件的哈希为 \(String(decoding: previousHash, as: UTF8.self))"
                )
                continue
            }
            let stored = Self.column(events, 13)
            let digest = encoding.withUnsafeBytes { SHA256.hash(data: $0) }
            if !Hashing.matches(digest, hex: stored) {
                problem = .init(
                    event: seq,
                    message: "its content does not match its hash (a field, its payload or a posting was changed)",
                    zh: "内容与其哈希不符（某个字段、事件内容或分录被改动）"
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
                problem = .init(
                    event: seq,
                    message: "its postings sum to \(Money(fen: sum)), not zero",
                    zh: "分录合计为 \(Money(fen: sum))，不为零"
                )
                continue
            }
            if let copyDiffers {
                problem = .init(
                    event: copyDiffers.seq,
                    message: "its posting line \(copyDiffers.line) does not match its account and event: "
                        + "account_type, programme_id and year must be those of the account id, "
                        + "business_date the event's",
                    zh: "第 \(copyDiffers.line) 行分录与其账户和事件不符：account_type、programme_id 和 year 须与账户编号一致，"
                        + "business_date 须为事件的业务日期"
                )
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
                message: "has postings but no event row (the event was deleted)",
                zh: "有分录但没有事件记录（事件被删除）"
            )
        }
        return ChainPart(
            checked: checked,
            problem: problem,
            payloads: payloads.finalize(),
            programmeEvents: programmeEvents
        )
    }

    /// Whether the posting the statement is on copies its account and its event faithfully: its
    /// account id is `account_type/programme_id/year`, then the end or `/` and the party
    /// (``LedgerAccount/id``), and its business date is the event's. Compares bytes in place.
    static func copiesMatch(_ posting: OpaquePointer?, eventDate: UnsafeBufferPointer<UInt8>) -> Bool {
        guard column(posting, 7).elementsEqual(eventDate), sqlite3_column_type(posting, 6) == SQLITE_INTEGER,
            let id = column(posting, 2).baseAddress
        else { return false }
        let count = Int(sqlite3_column_bytes(posting, 2))
        var position = 0
        let slash = UInt8(ascii: "/")
        for index: Int32 in 4...5 {
            let part = column(posting, index)
            guard let base = part.baseAddress, position + part.count < count,
                memchr(base, Int32(slash), part.count) == nil,
                memcmp(id + position, base, part.count) == 0, id[position + part.count] == slash
            else { return false }
            position += part.count + 1
        }
        // The year, in decimal without a sign or leading zeros (read, not printed: no string per posting).
        var year: Int64 = 0
        let digits = position
        while position < count, id[position] >= UInt8(ascii: "0"), id[position] <= UInt8(ascii: "9"),
            position - digits < 6
        {
            year = year * 10 + Int64(id[position] - UInt8(ascii: "0"))
            position += 1
        }
        guard position > digits, id[digits] != UInt8(ascii: "0"), year == sqlite3_column_int64(posting, 6) else {
            return false
        }
        return position == count || id[position] == slash
    }

    /// Steps a statement: true on a row, false when done.
    static func step(_ statement: OpaquePointer?) throws -> Bool {
        switch sqlite3_step(statement) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case let code: throw DatabaseError(resultCode: ResultCode(rawValue: code))
        }
    }

    /// A text column's bytes, valid until the statement steps again; empty when NULL.
    static func column(_ statement: OpaquePointer?, _ index: Int32) -> UnsafeBufferPointer<UInt8> {
        guard let text = sqlite3_column_text(statement, index) else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(start: text, count: Int(sqlite3_column_bytes(statement, index)))
    }

    /// A text column as a canonical JSON string, or null.
    /// `null`, a byte at a time (an array literal here would be allocated for every event).
    @inline(__always)
    static func appendNull(to output: inout [UInt8]) {
        output.append(UInt8(ascii: "n"))
        output.append(UInt8(ascii: "u"))
        output.append(UInt8(ascii: "l"))
        output.append(UInt8(ascii: "l"))
    }

    static func appendText(_ statement: OpaquePointer?, _ index: Int32, to output: inout [UInt8]) {
        if sqlite3_column_type(statement, index) == SQLITE_NULL {
            appendNull(to: &output)
        } else {
            CanonicalJSON.appendString(utf8: column(statement, index), to: &output)
        }
    }

}
