import Foundation

extension Console {
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
