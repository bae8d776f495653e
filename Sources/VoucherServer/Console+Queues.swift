import Foundation
import Hummingbird
import VoucherDomain
import VoucherStorage

/// The work queues' pages (claims, settlements, payments, a provider's uses): where a page begins,
/// the links to the next, and a refused form's values shown again on its row.
extension Console {
    /// The links below a page of a work queue: to the next page (`path?parameter=` the last item's
    /// key), when `items`, read one more than a page, ran over; back to the first page, when this
    /// page is not it. `items` is cut to a page.
    func pager<Item>(
        _ items: inout [Item],
        path: String,
        parameter: String,
        firstPage: Bool,
        key: (Item) -> String
    ) -> [String: Any]? {
        var links: [String: Any] = [:]
        if items.count > queuePage {
            items.removeLast(items.count - queuePage)
            if let last = items.last { links["next"] = "\(path)?\(parameter)=\(key(last))" }
        }
        if !firstPage { links["first"] = path }
        return links.isEmpty ? nil : links
    }

    /// Where a page begins, as its address (`?after=`, `?before=`) or its forms (`page`) carry it:
    /// an event's number.
    static func seq(_ text: String?) -> Int64? { text.flatMap { Int64($0) } }

    /// Where a page of a review queue begins: a claim's event number, or at the city's level
    /// `awaited-N` among the claims it must decide first, which are listed before the others (a
    /// queue without them, the usual one, keeps plain numbers).
    static func claimKey(_ text: String?, level: ReviewLevel) -> ClaimQueueKey? {
        guard let text else { return nil }
        if level == .city, text.hasPrefix("awaited-") {
            return seq(String(text.dropFirst(8))).map { ClaimQueueKey(seq: $0, cityRequired: true) }
        }
        return seq(text).map { ClaimQueueKey(seq: $0) }
    }

    /// The text of a review queue's key, as ``claimKey(_:level:)`` reads it.
    static func claimKey(_ key: ClaimQueueKey, level: ReviewLevel) -> String {
        level == .city && key.cityRequired ? "awaited-\(key.seq)" : String(key.seq)
    }

    /// Where a page of the settlements' queue begins: `FILING-USE`, two events' numbers.
    static func settlementKey(_ text: String?) -> SettlementQueueKey? {
        guard let parts = text?.split(separator: "-").compactMap({ Int64($0) }), parts.count == 2 else { return nil }
        return SettlementQueueKey(filing: parts[0], use: parts[1])
    }

    /// A page's data for its pager: the links, and `more` when a next page follows (what the page
    /// says of its items is then said of this page alone). Nothing when there is no pager.
    static func pagerData(_ pager: [String: Any]?) -> [String: Any] {
        guard let pager else { return [:] }
        return ["pager": pager, "more": pager["next"] != nil]
    }

    /// What a refused form of a work queue held, to show it again on its row as typed: an officer
    /// who corrects the date and sends the row again must not send the default amount instead.
    struct TypedForm {
        /// The reference in the form's address (a claim, a filing).
        var ref: String?
        var form: [String: [String]]

        /// The values of `fields` (the form's name, the row's key) the form gave, when `ref` (and,
        /// for a settlement, `use`) is this row's; else nothing.
        func row(_ ref: String, use: String? = nil, _ fields: [(field: String, key: String)]) -> [String: Any] {
            guard ref == self.ref, use == nil || use == Console.field("use", in: form) else { return [:] }
            var row: [String: Any] = ["typed": true]
            for (field, key) in fields {
                if let value = Console.field(field, in: form) { row[key] = value }
            }
            return row
        }
    }

    func settlementsPage(
        _ session: Session,
        after: SettlementQueueKey? = nil,
        typed: TypedForm? = nil,
        flash: (String, String)?
    ) async throws -> Response {
        let words = Words(session.language)
        let limit = queuePage + 1
        var items = try await api.worker.read { ledger in try ledger.pendingSettlements(after: after, limit: limit) }
        let pager = pager(&items, path: "/console/settlements", parameter: "after", firstPage: after == nil) {
            "\($0.key.filing)-\($0.key.use)"
        }
        let rows: [[String: Any]] = items.map { item in
            var row: [String: Any] = [
                "filing": item.filingRef, "filingPath": Self.pathComponent(item.filingRef), "date": item.filedOn,
                "provider": item.provider, "providerName": item.providerName, "use": item.useRef,
                "applicant": item.applicant, "applicantName": item.applicantName,
                "amount": item.amount.formatted(), "late": item.pastDeadline ? words["yes"] : "",
            ]
            // A provider suspended on the day it filed (a suspension may be recorded after the uses
            // it covers, dated back): finance is told on the row, as the report's exceptions say after.
            if let suspension = item.suspendedWhenFiled {
                row["suspended"] = words.suspendedWhenFiled(from: suspension.from.iso, reason: suspension.reason ?? "")
            }
            let fields = [
                ("amount", "amountTyped"), ("reason", "reasonTyped"), ("date", "dateTyped"), ("outcome", "outcome"),
            ]
            row.merge(typed?.row(item.filingRef, use: item.useRef, fields) ?? [:]) { $1 }
            // The outcome chosen stays chosen.
            if let outcome = row["outcome"] as? String { row[outcome + "Chosen"] = true }
            return row
        }
        return render(
            "settlements",
            title: words["toSettle"],
            session: session,
            data: [
                "items": rows, "hasItems": !rows.isEmpty, "page": after.map { "\($0.filing)-\($0.use)" } ?? "",
                "here": "/console/settlements" + (after.map { "?after=\($0.filing)-\($0.use)" } ?? ""),
                "typedRow": rows.contains { $0["typed"] != nil },
            ].merging(Self.pagerData(pager)) { $1 },
            flash: flash
        )
    }

    func paymentsPage(
        _ session: Session,
        after: Int64? = nil,
        typed: TypedForm? = nil,
        flash: (String, String)?
    ) async throws -> Response {
        let words = Words(session.language)
        let limit = queuePage + 1
        let (read, programmes) = try await api.worker.read { ledger in
            (try ledger.pendingPayments(after: after, limit: limit), try ledger.programmes())
        }
        var items = read
        let pager = pager(&items, path: "/console/payments", parameter: "after", firstPage: after == nil) {
            String($0.seq)
        }
        let names = Self.names(of: programmes, session.language)
        let rows: [[String: Any]] = items.map { item in
            let row: [String: Any] = [
                "ref": item.ref, "refPath": Self.pathComponent(item.ref), "applicant": item.applicant,
                "applicantName": item.applicantName, "programme": item.programme,
                "programmeName": names[item.programme] ?? "", "year": String(item.year),
                "granted": item.granted.formatted(), "paid": item.paid.formatted(),
                "left": Money(fen: item.granted.fen - item.paid.fen).decimalString(), "key": Accounts.randomToken(""),
            ]
            return row.merging(typed?.row(item.ref, [("amount", "left"), ("date", "dateTyped")]) ?? [:]) { $1 }
        }
        return render(
            "payments",
            title: words["toPay"],
            session: session,
            data: [
                "items": rows, "hasItems": !rows.isEmpty, "page": after.map(String.init) ?? "",
                "typedRow": rows.contains { $0["typed"] != nil },
                "here": "/console/payments" + (after.map { "?after=\($0)" } ?? ""),
            ].merging(
                Self.pagerData(pager)
            ) { $1 },
            flash: flash
        )
    }
}
