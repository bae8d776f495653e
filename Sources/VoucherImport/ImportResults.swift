// What an import reports: each issue with a file, the refusal of a whole file, and the summary.

import VoucherDomain

/// One thing wrong with an import file: the line, the column, the value and the reason.
public struct ImportIssue: Error, Sendable, Hashable, CustomStringConvertible {
    public var line: Int
    public var column: String?
    public var value: String?
    public var reason: String
    /// The reason in Chinese (every issue the import finds has it; nil only where a caller made
    /// an issue without).
    public var zh: String?

    public init(line: Int, column: String? = nil, value: String? = nil, reason: String, zh: String?) {
        self.line = line
        self.column = column
        self.value = value
        self.reason = reason
        self.zh = zh
    }

    /// `line 7, column service_amount ("1.234"): "1.234" has more than 2 decimals of a 元; …`
    public var description: String {
        var place = "line \(line)"
        if let column { place += ", column \(column)" }
        if let value, !reason.contains("\"\(value)\"") { place += " (\"\(value)\")" }
        return "\(place): \(reason)"
    }
}

/// An import that recorded nothing, with every reason.
public struct ImportRejected: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var issues: [ImportIssue]
    /// A workbook's sheet the rows came from: messages then name it and say "row" for "line".
    public var sheet: String?

    public init(file: String, issues: [ImportIssue], sheet: String? = nil) {
        self.file = file
        self.issues = issues
        self.sheet = sheet
    }

    public var description: String { text(.en) }

    /// The refusal for people: each issue on a line (the first 50), then what to do. In Chinese,
    /// each line is followed by its Chinese words, indented, on a line of their own (the English
    /// lines stay as they are, for scripts that read them).
    public func text(_ language: Language) -> String {
        func line(_ en: String, _ zh: String?) -> String {
            guard language == .zh, let zh else { return en }
            return en + "\n  " + zh
        }
        let shown = issues.prefix(50).map { issue in
            line(
                sheet.map { "\(file), sheet \($0): row" + issue.description.dropFirst("line".count) }
                    ?? "\(file): \(issue)",
                issue.zh
            )
        }
        let more =
            issues.count > 50 ? [line("… and \(issues.count - 50) more", "……另有 \(issues.count - 50) 处问题未列出")] : []
        let last = line(
            "nothing was imported: correct the rows above and import the file again",
            "未导入任何内容：请改正以上各行后重新导入"
        )
        return (shown + more + [last]).joined(separator: "\n")
    }
}

/// What an import did (or, in a dry run, would do).
public struct ImportSummary: Sendable, Hashable {
    public var kind: ImportKind
    public var rows: Int
    /// Events written (or that would be written).
    public var recorded: Int
    /// Events that were already in the ledger (an earlier import of the same rows).
    public var alreadyRecorded: Int
    public var encoding: TextEncoding
    public var ignoredColumns: [String]
    public var dryRun: Bool
}
