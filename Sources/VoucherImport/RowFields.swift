import Foundation
import VoucherDomain

/// One CSV row by column name, reading typed values and collecting what is wrong with each field.
struct RowFields {
    let line: Int
    /// The import's today (in Beijing), which no date read may be later than.
    let today: BusinessDate
    private var values: [String: String] = [:]
    private(set) var issues: [ImportIssue] = []

    init(line: Int, today: BusinessDate, header: [String], values row: [String]) {
        self.line = line
        self.today = today
        for (column, value) in zip(header, row) { values[column] = value }
    }

    /// Records what is wrong with `column`'s `value`: the reason in English and in Chinese.
    mutating func fail(_ column: String, _ value: String, _ reason: String, zh: String) {
        issues.append(
            ImportIssue(line: line, column: column, value: value.isEmpty ? nil : value, reason: reason, zh: zh)
        )
    }

    /// The field as written.
    func value(_ column: String) -> String { values[column] ?? "" }

    /// The field without surrounding spaces, or nil when empty.
    func optional(_ column: String) -> String? {
        let text = value(column).trimmed
        return text.isEmpty ? nil : text
    }

    mutating func required(_ column: String) -> String? {
        guard let text = optional(column) else {
            fail(column, "", "is empty; this column needs a value", zh: "为空；此列须填写")
            return nil
        }
        return text
    }

    mutating func money(_ column: String) -> Money? {
        guard let text = required(column) else { return nil }
        do {
            return try Money.parse(text)
        } catch {
            fail(column, text, error.description, zh: error.text(.zh))
            return nil
        }
    }

    mutating func date(_ column: String) -> BusinessDate? {
        guard let text = required(column) else { return nil }
        let date: BusinessDate
        do {
            date = try BusinessDate.parse(text)
        } catch {
            fail(column, text, error.description, zh: error.text(.zh))
            return nil
        }
        do {
            try Lifecycle.checkBusinessDate(date, today: today)
        } catch {
            if case .invalid(_, _, let reason, let zh?) = error {
                fail(column, text, reason, zh: zh)
            } else {
                fail(column, text, error.description, zh: error.text(.zh))
            }
            return nil
        }
        return date
    }

    mutating func year(_ column: String) -> Int? {
        guard let text = required(column) else { return nil }
        guard text.count == 4, let year = Int(text), (1900...9999).contains(year) else {
            fail(
                column,
                text,
                "is not a year; write four digits from 1900 to 9999, e.g. 2022",
                zh: "不是年份；请写 1900 至 9999 之间的四位数字，如 2022"
            )
            return nil
        }
        return year
    }

    mutating func programme(_ column: String) -> ProgrammeID? {
        guard let text = required(column) else { return nil }
        do {
            return try ProgrammeID(text)
        } catch {
            fail(
                column,
                text,
                "is not a programme id; use one of `voucher policy list`, e.g. sh-innovation-voucher",
                zh: "不是项目编号；请用 `voucher policy list` 所列之一，如 sh-innovation-voucher"
            )
            return nil
        }
    }

    /// A credit code, verified; or, when the row gives `override_reason` and `override_by`, a code
    /// recorded despite a failing check character.
    mutating func creditCode(_ column: String) -> PartyIdentifier? {
        guard let text = required(column) else { return nil }
        let override = optional("override_reason").flatMap { reason in optional("override_by").map { (reason, $0) } }
        do {
            return try PartyIdentifier.creditCode(text, override: override.map { (reason: $0.0, approvedBy: $0.1) })
        } catch {
            fail(column, text, error.description, zh: "信用代码「\(error.code)」" + error.zh)
            return nil
        }
    }

    mutating func teamNumber(_ column: String) -> PartyIdentifier? {
        guard let text = required(column) else { return nil }
        do {
            return .team(try TeamRegistrationNumber(text))
        } catch {
            fail(column, text, error.description, zh: "「\(text)」" + error.zh)
            return nil
        }
    }
}
