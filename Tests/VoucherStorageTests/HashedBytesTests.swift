import Foundation
import GRDB
import PropertyBased
import Testing
import VoucherDomain

@testable import VoucherStorage

/// The bytes an event's hash covers have one definition, `EventFields.encoding`, which appending
/// uses; verification reads the event table through the C API with a loop of its own, for speed.
/// This holds that loop to the definition for any field values: texts with escapes, quotes,
/// control characters and CJK, nulls where a field may be null, postings of any sign. (Not NUL:
/// SQLite is handed texts as C strings, so the ledger refuses a NUL before it is written.)
struct HashedBytesTests {
    @Test func verificationAcceptsExactlyTheHashesEventFieldsGives() async throws {
        let text = Gen<String?>.element(of: ["a", "甲", "\"", "\\", "\n", "\u{1B}[2J", "\u{7}", "😀", " ", "/", "é"])
            .map { $0 ?? "" }.array(of: 1...6).map { $0.joined() }
        let optionalText = Gen<String??>.element(of: [nil, "P-1", "\"x\"\n"] as [String?]).map { $0 ?? nil }
        let amount = Gen.int64(in: 1...9_000_000_000_000)
        await propertyCheck(count: 40, input: text, text, optionalText, amount) { actor, payload, explanation, fen in
            let ledger = try Ledger.inMemory()
            let head = try ledger.chainHead()
            let programme = "sh-innovation-voucher"
            let accounts = ["budget/\(programme)/2022", "budget/\(programme)/2023"]
            try ledger.writer.writeWithoutTransaction { db in
                for (index, account) in accounts.enumerated() {
                    try db.execute(
                        sql: "INSERT INTO account (id, type, programme_id, year) VALUES (?, 'budget', ?, ?)",
                        arguments: [account, programme, 2022 + index]
                    )
                }
                let previous = try String.fetchOne(
                    db,
                    sql: "SELECT hash FROM event WHERE seq = ?",
                    arguments: [head.events]
                )
                let seq = head.events + 1
                let fields = EventFields(
                    seq: seq,
                    kind: "expiry",
                    businessDate: "2022-12-31",
                    recordedAt: actor + "T",
                    actor: actor,
                    idempotencyKey: "key:" + payload,
                    requestHash: String(repeating: "0", count: 64),
                    programme: programme,
                    policyHash: nil,
                    reverses: nil,
                    payload: payload,
                    explanation: explanation,
                    postings: [(1, accounts[0], -fen), (2, accounts[1], fen)],
                    prevHash: previous ?? ""
                )
                try db.execute(
                    sql: """
                        INSERT INTO event (seq, kind, business_date, recorded_at, actor, idempotency_key, request_hash,
                            programme_id, policy_hash, reverses, payload, explanation, prev_hash, hash)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        seq, fields.kind, fields.businessDate, fields.recordedAt, fields.actor, fields.idempotencyKey,
                        fields.requestHash, fields.programme, fields.policyHash, fields.reverses, fields.payload,
                        fields.explanation, fields.prevHash, fields.hash,
                    ]
                )
                for (line, account, amount) in fields.postings {
                    try db.execute(
                        sql: """
                            INSERT INTO posting (event_seq, line, account_id, amount, account_type, programme_id, year, business_date)
                            VALUES (?, ?, ?, ?, 'budget', ?, ?, '2022-12-31')
                            """,
                        arguments: [seq, line, account, amount, programme, account.hasSuffix("2022") ? 2022 : 2023]
                    )
                    // The balance a posting moves, and its day's sum, as the ledger's code keeps them.
                    try db.execute(
                        sql: "UPDATE account SET balance = balance + ? WHERE id = ?",
                        arguments: [amount, account]
                    )
                    try db.execute(
                        sql: """
                            INSERT INTO account_day_total (programme_id, account_type, year, day, amount)
                            VALUES (?, 'budget', ?, '2022-12-31', ?)
                            ON CONFLICT DO UPDATE SET amount = amount + excluded.amount
                            """,
                        arguments: [programme, account.hasSuffix("2022") ? 2022 : 2023, amount]
                    )
                }
            }
            let report = try ledger.verify()
            #expect(report.isValid, "\(String(describing: report.problem)) for actor \(actor.debugDescription)")
            #expect(report.eventsChecked == head.events + 1)
        }
    }

    @Test func aNULInAnActorOrKeyIsRefusedBeforeAnythingIsWritten() throws {
        let fixture = try LedgerFixture()
        let before = try fixture.ledger.chainHead()
        var context = fixture.next("2022-03-01")
        context.actor = "clerk\u{0}admin"
        #expect(throws: LedgerError.self) {
            try fixture.ledger.claim(
                ClaimRequest(
                    ref: "C-1",
                    applicantID: fixture.alpha,
                    programme: shanghai,
                    year: 2022,
                    requested: yuan("1万")
                ),
                context: context
            )
        }
        #expect(try fixture.ledger.chainHead() == before)
    }
}
