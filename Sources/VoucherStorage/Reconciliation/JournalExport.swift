import Foundation
import GRDB
import VoucherDomain

/// The ledger as a plain-text accounting journal, for hledger and ledger.
enum JournalExport {
    /// Writes every event that moved money as a plain-text accounting journal (hledger/ledger
    /// format), one transaction per event, streaming: `write` is called once per transaction.
    ///
    /// ```
    /// 2022-05-10 use  ; event 123
    ///     awaiting:yrd-innovation-voucher:2022:91320000200000013X    5000.00 CNY
    ///     quota:yrd-innovation-voucher:2022:913101100100000047       -5000.00 CNY
    /// ```
    static func write(_ db: Database, to write: (String) throws -> Void) throws {
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT p.event_seq, p.business_date, e.kind, p.account_id, p.amount FROM posting p
                JOIN event e ON e.seq = p.event_seq ORDER BY p.event_seq, p.line
                """
        )
        var current: Int64 = -1
        var transaction = ""
        while let row = try rows.next() {
            let seq: Int64 = row["event_seq"]
            if seq != current {
                if !transaction.isEmpty { try write(transaction + "\n") }
                current = seq
                transaction = "\(row["business_date"] as String) \(row["kind"] as String)  ; event \(seq)\n"
            }
            let account = (row["account_id"] as String).replacingOccurrences(of: "/", with: ":")
            transaction += "    \(account)  \(Money(fen: row["amount"]).decimalString()) CNY\n"
        }
        if !transaction.isEmpty { try write(transaction + "\n") }
    }
}
