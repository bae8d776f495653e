import Foundation
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
}
