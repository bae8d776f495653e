import Crypto
import Foundation
import GRDB
import GRDBSQLite
import VoucherDomain

extension LedgerVerifier {
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
            /// payload after events without it were recorded).
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
        /// Each field's `"key":`, canonical JSON.
        private var keys: [[UInt8]]

        init(table: String, kind: EventKind, rows: String, fields: [PayloadField]) {
            self.table = table
            self.kind = kind
            self.rows = rows
            self.fields = fields.sorted { $0.key < $1.key }
            keys = self.fields.map { field in
                var bytes: [UInt8] = []
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
            var written = false
            for (field, key) in zip(fields, keys) {
                if case .textUnlessNull = field.source, sqlite3_column_type(statement, column) == SQLITE_NULL {
                    column += 1
                    continue
                }
                if written { output.append(UInt8(ascii: ",")) }
                written = true
                output.append(contentsOf: key)
                switch field.source {
                case .text, .textUnlessNull:
                    LedgerVerifier.appendText(statement, column, to: &output)
                    column += 1
                case .int:
                    if sqlite3_column_type(statement, column) == SQLITE_NULL {
                        LedgerVerifier.appendNull(to: &output)
                    } else {
                        CanonicalJSON.appendInt(sqlite3_column_int64(statement, column), to: &output)
                    }
                    column += 1
                case .override:
                    if sqlite3_column_type(statement, column) == SQLITE_NULL
                        || sqlite3_column_type(statement, column + 1) == SQLITE_NULL
                    {
                        LedgerVerifier.appendNull(to: &output)
                    } else {
                        output.append(contentsOf: Array(#"{"by":"#.utf8))
                        LedgerVerifier.appendText(statement, column, to: &output)
                        output.append(contentsOf: Array(#","reason":"#.utf8))
                        LedgerVerifier.appendText(statement, column + 1, to: &output)
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
            while try LedgerVerifier.step(statement.sqliteStatement) {
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
            rows: "SELECT u.*, c.ref AS claim_ref FROM voucher_use u LEFT JOIN claim c ON c.event_seq = u.claim_seq",
            fields: [
                .int("amount"), .text("applicant", "applicant_id"), .text("category"), .text("claim", "claim_ref"),
                .int("eligible_amount"), .text("product", "product_code"), .text("programme", "programme_id"),
                .text("project"), .text("provider", "provider_id"), .text("provider_region"),
                .int("rate_basis_points"), .text("redemption_deadline"), .text("ref"),
                PayloadField(key: "rounding", source: .textUnlessNull("rounding")), .int("service_amount"),
                .int("tax_amount"), .text("used_on"), .int("year"),
                PayloadField(key: "invoice", source: .textUnlessNull("invoice")),
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
            rows: "SELECT d.*, c.ref AS claim_ref FROM decision d LEFT JOIN claim c ON c.event_seq = d.claim_seq",
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
                LEFT JOIN redemption_filing f ON f.event_seq = s.filing_seq
                LEFT JOIN voucher_use u ON u.event_seq = s.use_seq
                """,
            fields: [
                .text("filing", "filing_ref"), .text("outcome"), .int("paid"), .text("reason"), .int("unpaid"),
                .text("unpaid_effect"), .text("use", "use_ref"),
            ]
        ),
        FactTable(
            table: "payment",
            kind: .payment,
            rows: "SELECT p.*, c.ref AS claim_ref FROM payment p LEFT JOIN claim c ON c.event_seq = p.claim_seq",
            fields: [.text("claim", "claim_ref"), .int("amount")]
        ),
        FactTable(
            table: "applicant",
            kind: .applicant,
            rows: "SELECT * FROM applicant",
            fields: [
                .text("id"), .text("kind"), .text("name"), .text("district"), .text("region"),
                .text("group", "group_id"), PayloadField(key: "override", source: .override),
                PayloadField(key: "attributes", source: .textUnlessNull("attributes")),
            ]
        ),
        FactTable(
            table: "provider",
            kind: .provider,
            rows: "SELECT * FROM provider",
            fields: [.text("id"), .text("name"), .text("region"), PayloadField(key: "override", source: .override)]
        ),
        FactTable(
            table: "recovery",
            kind: .recovery,
            rows: "SELECT r.*, u.ref AS use_ref FROM recovery r LEFT JOIN voucher_use u ON u.event_seq = r.use_seq",
            fields: [.text("use", "use_ref"), .int("amount"), .text("reason")]
        ),
        FactTable(
            table: "recovery_receipt",
            kind: .recoveryReceived,
            rows: """
                SELECT r.*, u.ref AS use_ref FROM recovery_receipt r LEFT JOIN voucher_use u ON u.event_seq = r.use_seq
                """,
            fields: [.text("use", "use_ref"), .int("amount")]
        ),
        FactTable(
            table: "budget",
            kind: .budget,
            rows: "SELECT * FROM budget",
            fields: [
                .text("programme", "programme_id"), .int("year"), .int("amount"),
                PayloadField(key: "shares", source: .textUnlessNull("shares")),
            ]
        ),
        FactTable(
            table: "provider_status",
            kind: .providerStatus,
            rows: "SELECT * FROM provider_status",
            fields: [
                .text("provider", "provider_id"), .text("status"), .text("from", "effective_from"), .text("reason"),
            ]
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

    /// Every table whose rows belong to one event, and the column naming it.
    static let rowsOfAnEvent: [(table: String, column: String)] =
        factTables.map { ($0.table, "event_seq") } + [
            ("redemption_filing", "event_seq"), ("redemption_item", "filing_seq"), ("programme", "event_seq"),
            ("policy_file", "event_seq"), ("policy_version", "event_seq"),
        ]

    /// The event kinds whose payloads are rebuilt from fact rows.
    static let kindsWithFacts = Set(factTables.map(\.kind.rawValue) + [EventKind.redemptionFiled.rawValue])

    // MARK: - Filings

    /// A redemption filing is a `redemption_filing` row and its `redemption_item` rows, in the order
    /// they were filed (their rowid): `{"provider":…,"ref":…,"uses":[{"past_deadline":…,"use":…},…]}`.
    enum Filings {
        /// `event_seq`, then `ref`, `provider_id`, the item's rowid (null when the filing has none),
        /// `past_deadline` and the use's ref, a row per item.
        static let columns = "f.event_seq, f.ref, f.provider_id, i.rowid, i.past_deadline, u.ref"
        static let joins = """
            FROM redemption_filing f LEFT JOIN redemption_item i ON i.filing_seq = f.event_seq
            LEFT JOIN voucher_use u ON u.event_seq = i.use_seq
            """
        static let order = "ORDER BY f.event_seq, i.rowid"

        // The payload's fixed parts, made once (an array literal per item would be allocated each time).
        private static let providerKey = Array(#"{"provider":"#.utf8)
        private static let refKey = Array(#","ref":"#.utf8)
        private static let usesKey = Array(#","uses":["#.utf8)
        private static let pastDeadlineKey = Array(#"{"past_deadline":"#.utf8)
        private static let useKey = Array(#","use":"#.utf8)
        private static let falseValue = Array("false".utf8)
        private static let trueValue = Array("true".utf8)
        private static let end = Array("]}".utf8)

        /// Writes the payload of the filing the statement is on, stepping through its items, and
        /// returns whether the statement is then on the next filing's first row.
        static func writePayload(_ statement: OpaquePointer?, to output: inout [UInt8]) throws -> Bool {
            let seq = sqlite3_column_int64(statement, 0)
            output.append(contentsOf: providerKey)
            LedgerVerifier.appendText(statement, 2, to: &output)
            output.append(contentsOf: refKey)
            LedgerVerifier.appendText(statement, 1, to: &output)
            output.append(contentsOf: usesKey)
            var items = 0
            var more = true
            repeat {
                if sqlite3_column_type(statement, 3) != SQLITE_NULL {
                    if items > 0 { output.append(UInt8(ascii: ",")) }
                    output.append(contentsOf: pastDeadlineKey)
                    switch sqlite3_column_int64(statement, 4) {
                    case 0: output.append(contentsOf: falseValue)
                    case 1: output.append(contentsOf: trueValue)
                    case let other: CanonicalJSON.appendInt(other, to: &output)
                    }
                    output.append(contentsOf: useKey)
                    LedgerVerifier.appendText(statement, 5, to: &output)
                    output.append(UInt8(ascii: "}"))
                    items += 1
                }
                more = try LedgerVerifier.step(statement)
            } while more && sqlite3_column_int64(statement, 0) == seq
            output.append(contentsOf: end)
            return more
        }

        /// The filings compared one by one with their events' payloads: the first that differs, or
        /// the first filing event without its row.
        static func verify(_ db: Database) throws -> VerificationReport.Problem? {
            let statement = try db.makeStatement(sql: "SELECT \(columns) \(joins) \(order)")
            let handle = statement.sqliteStatement
            defer { sqlite3_reset(statement.sqliteStatement) }
            var more = try LedgerVerifier.step(handle)
            var rebuilt: [UInt8] = []
            while more {
                let seq = sqlite3_column_int64(handle, 0)
                rebuilt.removeAll(keepingCapacity: true)
                more = try writePayload(handle, to: &rebuilt)
                let stored = try String.fetchOne(
                    db,
                    sql: "SELECT payload FROM event WHERE seq = ? AND kind = ?",
                    arguments: [seq, EventKind.redemptionFiled.rawValue]
                )
                guard let stored else {
                    return .init(
                        event: seq,
                        message: "a redemption_filing row has no redemption-filed event",
                        zh: "有 redemption_filing 记录，但没有对应的兑付申请事件"
                    )
                }
                if !Array(stored.utf8).elementsEqual(rebuilt) {
                    return .init(
                        event: seq,
                        message: "its redemption_filing row or its redemption_item rows do not match the filing "
                            + "the event hashed",
                        zh: "其 redemption_filing 记录或 redemption_item 记录与事件哈希所涵盖的兑付申请不符"
                    )
                }
            }
            let missing = try Int64.fetchOne(
                db,
                sql: """
                    SELECT seq FROM event e WHERE kind = ?
                    AND NOT EXISTS (SELECT 1 FROM redemption_filing f WHERE f.event_seq = e.seq) ORDER BY seq LIMIT 1
                    """,
                arguments: [EventKind.redemptionFiled.rawValue]
            )
            return missing.map {
                .init(event: $0, message: "its redemption_filing row is missing", zh: "缺少其 redemption_filing 记录")
            }
        }
    }

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
    static func factsDigest(_ db: Database, bounds: [Int64]) throws -> [(SHA256.Digest, Int)] {
        var digests = Array(repeating: PayloadDigest(), count: max(0, bounds.count - 1))
        let statements = try Self.factTables.map { fact in
            let statement = try db.makeStatement(
                sql: "SELECT event_seq, \(fact.columns()) FROM (\(fact.rows)) WHERE event_seq <= ? ORDER BY event_seq"
            )
            try statement.setArguments([bounds.last ?? 0])
            return statement
        }
        // The filings come last: a filing's payload is written from several rows.
        let filings = try db.makeStatement(
            sql: "SELECT \(Filings.columns) \(Filings.joins) WHERE f.event_seq <= ? \(Filings.order)"
        )
        try filings.setArguments([bounds.last ?? 0])
        let handles = statements.map(\.sqliteStatement) + [filings.sqliteStatement]
        defer { for statement in statements + [filings] { sqlite3_reset(statement.sqliteStatement) } }
        var seqs = try handles.map { try Self.step($0) ? sqlite3_column_int64($0, 0) : .max }
        var payload: [UInt8] = []
        payload.reserveCapacity(1024)
        var stretch = 0
        while let lowest = seqs.min(), lowest < .max, let next = seqs.firstIndex(of: lowest) {
            while stretch < digests.count - 1, lowest > bounds[stretch + 1] { stretch += 1 }
            payload.removeAll(keepingCapacity: true)
            let more: Bool
            if next < Self.factTables.count {
                Self.factTables[next].writePayload(handles[next], from: 1, to: &payload)
                more = try Self.step(handles[next])
            } else {
                more = try Filings.writePayload(handles[next], to: &payload)
            }
            payload.withUnsafeBytes { digests[stretch].add(seq: lowest, payload: $0) }
            seqs[next] = more ? sqlite3_column_int64(handles[next], 0) : .max
        }
        return digests.map { $0.finalize() }
    }

    /// The facts compared one table at a time, each row with its event's payload: slower than the
    /// digest, run when the digests differ, to name the first row that does not match and why.
    static func verifyFacts(_ db: Database) throws -> [VerificationReport.Problem] {
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
                    first = .init(
                        event: seq,
                        message: "a \(fact.table) row has no \(fact.kind.rawValue) event",
                        zh: "有 \(fact.table) 记录，但没有对应的\(LedgerError.eventZh(fact.kind))事件"
                    )
                    continue
                }
                rebuilt.removeAll(keepingCapacity: true)
                fact.writePayload(handle, from: 2, to: &rebuilt)
                if !Self.column(handle, 1).elementsEqual(rebuilt) {
                    first = .init(
                        event: seq,
                        message: "its \(fact.table) row does not match the facts the event hashed",
                        zh: "其 \(fact.table) 记录与事件哈希所涵盖的内容不符"
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
                problems.append(
                    .init(event: missing, message: "its \(fact.table) row is missing", zh: "缺少其 \(fact.table) 记录")
                )
            }
        }
        if let filing = try Filings.verify(db) { problems.append(filing) }
        return problems
    }
}
