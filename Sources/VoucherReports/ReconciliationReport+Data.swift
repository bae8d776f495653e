import Foundation
import VoucherDomain

// MARK: - JSON and CSV, for scripts and spreadsheets

extension ReconciliationReport {
    /// One JSON object: amounts as decimal strings in yuan with two decimals, counts as integers,
    /// keys sorted (``ReportJSON``).
    func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(ReportJSON(self)) else {
            preconditionFailure("a report of strings and integers always encodes")
        }
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// The figures and identities as `measure,value` rows; amounts in yuan with two decimals.
    func csv(_ language: Language) -> String {
        let words = ReportWords(language)
        var lines = ["measure,value"]
        for row in figureRows(language) {
            lines.append(field(row.label) + "," + (row.count.map(String.init) ?? row.money?.decimalString() ?? ""))
        }
        for check in shownIdentities {
            lines.append(
                field(words.identity(check.identity, kind: identityWordsKind)) + "," + check.difference.decimalString()
            )
        }
        for row in budgetRows(language) {
            lines.append(
                field(words.budget + ": " + row.label.trimmingCharacters(in: .whitespaces)) + ","
                    + row.money.decimalString()
            )
        }
        lines.append(field(words.chainHead) + "," + figures.chainHead.hash)
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// One breakdown as CSV: every row given, amounts in yuan with two decimals.
    /// A `name` column follows the key but for months: the applicant's or provider's name
    /// (`names`), the category's or region's label in `language`. The header is in English.
    public static func breakdownCSV(
        _ rows: [BreakdownRow],
        by dimension: BreakdownDimension,
        language: Language,
        names: [String: String] = [:]
    )
        -> String
    {
        // The columns are named in English whatever the language, as in every CSV the report
        // writes, so that a script reads a Chinese and an English file alike.
        let named = dimension != .month
        var lines = ["\(ReportWords(.en).key(dimension)),\(named ? "name," : "")uses,service_amount,used,redeemed"]
        for row in rows {
            let name = keyName(dimension, row.key, language: language, names: names).map { field($0) + "," } ?? ""
            lines.append(
                "\(field(row.key)),\(name)\(row.uses),\(row.serviceAmount.decimalString()),\(row.used.decimalString()),\(row.redeemed.decimalString())"
            )
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }
}

extension ReconciliationReport {
    /// Each reviewer's decisions at each level as CSV: `reviewer,level,decisions,grants,granted,
    /// rejections,rejected_requested`, amounts in yuan with two decimals.
    public static func reviewersCSV(_ rows: [ReviewerRow]) -> String {
        var lines = ["reviewer,level,decisions,grants,granted,rejections,rejected_requested"]
        for row in rows {
            lines.append(
                [
                    field(row.reviewer), row.level.rawValue, String(row.decisions), String(row.grants),
                    row.granted.decimalString(), String(row.rejections), row.rejectedRequested.decimalString(),
                ].joined(separator: ",")
            )
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }
}

extension ReportExceptions {
    /// Every exception as CSV, one a row: `kind` (reversal, override, late-redemption, suspended-provider-filing, open-recovery), the date
    /// it happened, the event, the reference it concerns, the party, the amount in yuan, the days
    /// late, the detail (a reason, a name, a deadline) and who recorded or approved it.
    public func csv() -> String {
        var lines = ["kind,date,event,reference,party,amount,days_late,detail,by"]
        func line(_ fields: [String]) { lines.append(fields.map(field).joined(separator: ",")) }
        for reversal in reversals {
            line([
                "reversal", reversal.date.iso, String(reversal.event),
                "#\(reversal.reversedEvent) (\(reversal.reversedKind))", "", reversal.amount.decimalString(), "",
                reversal.reason, reversal.actor,
            ])
        }
        for override in overrides {
            line([
                "override", "", "", "", override.party, "", "", override.name + " — " + override.reason,
                override.approvedBy,
            ])
        }
        for late in lateRedemptions {
            line([
                "late-redemption", late.filedOn.iso, "", late.filing + "/" + late.use, late.provider, "",
                String(late.daysLate), "deadline " + late.deadline.iso, "",
            ])
        }
        for open in openRecoveries {
            line([
                "open-recovery", open.since.iso, "", open.use, open.applicant, open.outstanding.decimalString(), "",
                "owed \(open.owed.decimalString()), received \(open.received.decimalString())", "",
            ])
        }
        for filing in suspendedFilings {
            line([
                "suspended-provider-filing", filing.filedOn.iso, "", filing.filing, filing.provider, "", "",
                "suspended from \(filing.suspendedFrom.iso): \(filing.reason)", "",
            ])
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }
}

/// A CSV field as a spreadsheet should read it: text that starts like a formula (`=`, `+`, `-`,
/// `@`, a tab or a carriage return) gets a leading `'`, so that Excel shows it instead of running
/// it; a field holding a comma, a quote or a line break is quoted. Line breaks are looked for in
/// Unicode scalars (Swift counts CR LF as one Character).
func field(_ text: String) -> String {
    var text = text
    if let first = text.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) { text = "'" + text }
    return text.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
        ? "\"" + text.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
        : text
}
