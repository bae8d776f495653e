import Foundation
import VoucherDomain
import VoucherStorage

/// Imports one CSV file of one kind, all or nothing.
///
/// Every row is checked first (columns, amounts, dates, codes, references); then all rows are
/// recorded in one transaction. If any row is refused, nothing is written and every bad row is
/// reported with its line, column and reason. A row's `ref` (or, for parties and products, its
/// content) makes it idempotent: importing the same file twice records it once.
public struct Importer {
    public let ledger: Ledger
    public let actor: String
    /// Today in Beijing when the import began: no date a row gives may be later.
    let today: BusinessDate

    public init(ledger: Ledger, actor: String, today: BusinessDate = .today()) {
        self.ledger = ledger
        self.actor = actor
        self.today = today
    }

    /// Imports bytes already in memory.
    public func run(
        _ kind: ImportKind,
        bytes: [UInt8],
        file: String,
        dryRun: Bool = false,
        progress: ((Int, Int) -> Void)? = nil
    ) throws -> ImportSummary {
        try run(kind, source: .bytes(bytes), file: file, dryRun: dryRun, progress: progress)
    }

    /// Imports a file: every row is checked first, and the file refused with every issue it has;
    /// only then are the rows recorded, in one transaction.
    public func run(
        _ kind: ImportKind,
        source: ImportSource,
        file: String,
        dryRun: Bool = false,
        progress: ((Int, Int) -> Void)? = nil
    ) throws -> ImportSummary {
        let input: DecodedInput
        do {
            input = try DecodedInput(source)
        } catch let error as TextDecodingError {
            throw ImportRejected(file: file, issues: [ImportIssue(line: 1, reason: error.description, zh: error.zh)])
        } catch let error as XLSXSheet.Unreadable {
            throw ImportRejected(
                file: file,
                issues: [ImportIssue(line: 1, reason: error.description, zh: error.zhDescription)]
            )
        }
        do {
            return try run(kind, input: input, file: file, dryRun: dryRun, progress: progress)
        } catch var rejected as ImportRejected where input.sheet != nil {
            // A workbook's messages name its sheet and its own rows.
            rejected.sheet = input.sheet
            for index in rejected.issues.indices {
                rejected.issues[index].line =
                    input.rowOfLine[rejected.issues[index].line] ?? rejected.issues[index].line
            }
            throw rejected
        }
    }

    private func run(
        _ kind: ImportKind,
        input: DecodedInput,
        file: String,
        dryRun: Bool,
        progress: ((Int, Int) -> Void)?
    ) throws -> ImportSummary {
        let table = try Self.table(try input.reader(), kind: kind, file: file)
        // Two passes over the file, so that memory does not grow with it: the first checks every
        // row; the second records, knowing only which lines repeat an earlier row.
        let checked = try check(input, table: table, kind: kind, file: file)
        var summary = ImportSummary(
            kind: kind,
            rows: checked.rows,
            recorded: 0,
            alreadyRecorded: 0,
            encoding: input.encoding,
            ignoredColumns: table.ignored,
            dryRun: dryRun
        )
        var issues: [ImportIssue] = []
        try ledger.batch(commit: !dryRun) {
            var done = 0
            var reader = try Self.records(input)
            while let record = reader.next() {
                done += 1
                var fields = RowFields(line: record.line, today: today, header: table.header, values: record.fields)
                // Every row passed the check: one that does not now was changed since.
                guard done <= checked.rows, let row = parse(&fields, kind: kind) else { throw Self.changed(file) }
                if checked.repeats.contains(record.line) { continue }
                do {
                    for event in try self.record(LocatedRow(line: record.line, row: row), filings: checked.filings) {
                        if event.replayed { summary.alreadyRecorded += 1 } else { summary.recorded += 1 }
                    }
                } catch let error as LedgerError {
                    var filingColumn: String?
                    if case .redemption(let ref, _, _, _, _, _) = row { filingColumn = checked.filings[ref]?.column }
                    issues.append(Self.issue(for: error, line: record.line, kind: kind, filingColumn: filingColumn))
                }
                progress?(done, checked.rows)
            }
            if done != checked.rows || reader.error != nil { throw Self.changed(file) }
            if !issues.isEmpty { throw ImportRejected(file: file, issues: issues) }
        }
        return summary
    }

    /// The refusal when the file's rows differ between the check and the recording.
    static func changed(_ file: String) -> ImportRejected {
        ImportRejected(
            file: file,
            issues: [
                ImportIssue(
                    line: 1,
                    reason: "the file changed while it was imported; nothing was recorded, import it again",
                    zh: "导入期间文件有了改动；未记录任何内容，请重新导入"
                )
            ]
        )
    }

    // MARK: - Reading the table

    struct Table {
        var header: [String]
        var ignored: [String]
    }

    /// The records after the header row.
    static func records(_ input: DecodedInput) throws -> CSVReader {
        var reader = try input.reader()
        _ = reader.next()
        return reader
    }

    static func table(_ reader: CSVReader, kind: ImportKind, file: String) throws -> Table {
        var reader = reader
        guard let headerRecord = reader.next() else {
            if let error = reader.error {
                throw ImportRejected(
                    file: file,
                    issues: [ImportIssue(line: error.line, reason: error.reason, zh: error.zh)]
                )
            }
            throw ImportRejected(
                file: file,
                issues: [
                    ImportIssue(
                        line: 1,
                        reason:
                            "the file is empty; it needs a header row: \(kind.requiredColumns.joined(separator: ","))",
                        zh: "文件为空；须有表头行：\(kind.requiredColumns.joined(separator: ","))"
                    )
                ]
            )
        }
        let header = headerRecord.fields.map { $0.trimmed.lowercased() }
        var issues: [ImportIssue] = []
        let missing = kind.requiredColumns.filter { !header.contains($0) }
        if !missing.isEmpty {
            issues.append(
                ImportIssue(
                    line: headerRecord.line,
                    column: missing.joined(separator: ","),
                    reason: (missing.count == 1 ? "the column is missing" : "these columns are missing")
                        + "; a file of \(kind.rawValue) has the columns " + kind.requiredColumns.joined(separator: ",")
                        + (header.count == 1 ? Self.separatorHint(header[0]).en : ""),
                    zh: (missing.count == 1 ? "缺少此列" : "缺少这些列")
                        + "；\(kind.rawValue) 文件须有以下各列：" + kind.requiredColumns.joined(separator: ",")
                        + (header.count == 1 ? Self.separatorHint(header[0]).zh : "")
                )
            )
        }
        var seen: Set<String> = []
        for column in header where !seen.insert(column).inserted {
            issues.append(
                ImportIssue(line: headerRecord.line, column: column, reason: "the column appears twice", zh: "此列出现了两次")
            )
        }
        if !issues.isEmpty { throw ImportRejected(file: file, issues: issues) }
        let known = Set(kind.requiredColumns + kind.optionalColumns)
        return Table(header: header, ignored: header.filter { !known.contains($0) })
    }

    /// When a header is one column, what else may separate its names: a spreadsheet set to
    /// another locale saves with semicolons or tabs, a hand-typed file may use full-width commas.
    static func separatorHint(_ header: String) -> (en: String, zh: String) {
        let separators: [(Character, String, String)] = [
            (";", "semicolons (;)", "分号（;）"), ("\t", "tabs", "制表符"), ("，", "full-width commas (，)", "全角逗号（，）"),
            ("|", "bars (|)", "竖线（|）"),
        ]
        guard let (_, name, zhName) = separators.first(where: { header.contains($0.0) }) else { return ("", "") }
        return (
            "; the header is one column, its names separated by \(name): save the file as CSV with commas "
                + "(in Excel: Save As, CSV UTF-8), or import the .xlsx workbook itself",
            "；表头只有一列，列名以\(zhName)分隔：请另存为以逗号分隔的 CSV（Excel 中：另存为 CSV UTF-8），"
                + "或直接导入 .xlsx 工作簿"
        )
    }

    // MARK: - Rows

    /// A row, checked and typed: what to record.
    enum Row {
        case applicant(ApplicantRegistration)
        case provider(ProviderRegistration)
        case product(ProductRegistration)
        case claim(ClaimRequest, claimedOn: BusinessDate, decision: (DecisionRequest, on: BusinessDate)?)
        case use(UseRequest, on: BusinessDate)
        case redemption(
            ref: String,
            useRef: String,
            outcome: SettlementRequest.Outcome,
            statedAmount: Money?,
            paidOn: BusinessDate,
            filedOn: BusinessDate?
        )
    }

    struct LocatedRow {
        var line: Int
        var row: Row
    }

    /// What the first pass learnt: how many rows, which lines repeat an earlier row, and the filings.
    struct Checked {
        var rows = 0
        /// The lines that repeat an earlier row of the file (the same reference, the same content):
        /// recorded once, at the first. Usually none, so the second pass holds next to nothing.
        var repeats: Set<Int> = []
        var filings: Filings = [:]
    }

    /// The key that makes a row idempotent within a file, if it has one.
    static func key(_ row: Row) -> String? {
        switch row {
        case .claim(let claim, _, _): claim.ref
        case .use(let use, _): use.ref
        case .redemption(let ref, let useRef, _, _, _, _): ref + "\u{1F}" + useRef
        // A file registers each party or product once: a second row with other details would
        // silently replace the first.
        case .applicant(let registration): registration.identifier.value
        case .provider(let registration): registration.identifier.value
        case .product(let registration): registration.code
        }
    }

    /// What tells a repeated row from one with other content: a registration's details as they
    /// are recorded (a region in any case, an extra column the import ignores, are the same
    /// registration); for other rows, the columns the import reads.
    static func content(_ row: Row, _ fields: [String], table: Table) -> [String] {
        switch row {
        case .applicant(let registration):
            [
                String(describing: registration.identifier), registration.kind.rawValue, registration.name.trimmed,
                registration.district.trimmed, registration.region.trimmed, registration.group?.trimmed ?? "",
                registration.attributes.map(\.trimmed).sorted().joined(separator: ";"),
            ]
        case .provider(let registration):
            [
                String(describing: registration.identifier), registration.name.trimmed,
                registration.region.trimmed.lowercased(),
            ]
        case .product(let registration):
            [
                registration.code, registration.providerID, registration.name.trimmed, registration.category.trimmed,
                registration.listPrice.decimalString(),
            ]
        default:
            table.ignored.isEmpty ? fields : zip(table.header, fields).filter { !table.ignored.contains($0.0) }.map(\.1)
        }
    }

    /// Checks every record after the header, collecting every issue; refuses the file if there is
    /// any.
    func check(_ input: DecodedInput, table: Table, kind: ImportKind, file: String) throws -> Checked {
        var issues: [ImportIssue] = []
        var checked = Checked()
        // Each keyed row, to find those that repeat an earlier row's key once the pass is done: a
        // later row with the same reference must be the same row (or, for redemptions, another use
        // of the same claim). Held for this pass only.
        var keyed = RepeatedRows()
        // Each column's place in the header: a row's issues are reported in that order.
        let place = Dictionary(table.header.enumerated().map { ($1, $0) }) { first, _ in first }
        var reader = try Self.records(input)
        while let record = reader.next() {
            checked.rows += 1
            guard record.fields.count == table.header.count else {
                issues.append(
                    ImportIssue(
                        line: record.line,
                        reason: "has \(record.fields.count) fields, the header has \(table.header.count); "
                            + "check for a stray comma or a missing quote",
                        zh: "有 \(record.fields.count) 个字段，表头有 \(table.header.count) 个；请检查是否多了逗号或少了引号"
                    )
                )
                continue
            }
            var fields = RowFields(line: record.line, today: today, header: table.header, values: record.fields)
            let row = parse(&fields, kind: kind)
            issues += fields.issues.enumerated().sorted {
                (place[$0.element.column ?? ""] ?? Int.max, $0.offset)
                    < (place[$1.element.column ?? ""] ?? Int.max, $1.offset)
            }.map(\.element)
            guard let row, fields.issues.isEmpty else { continue }
            if let key = Self.key(row) {
                keyed.add(key: key, line: record.line, fields: Self.content(row, record.fields, table: table))
            }
            if case .redemption(let ref, let useRef, _, _, let paidOn, let filedOn) = row {
                let filed = filedOn ?? paidOn
                let column = filedOn == nil ? "paid_on" : "filed_on"
                Self.change(&checked.filings[ref, default: ([], filed, column)]) { filing in
                    filing.useRefs.append(useRef)
                    if filed < filing.filedOn { (filing.filedOn, filing.column) = (filed, column) }
                }
            }
        }
        if let error = reader.error { issues.append(ImportIssue(line: error.line, reason: error.reason, zh: error.zh)) }
        let repeats = keyed.repeats()
        checked.repeats = Set(repeats.map(\.line))
        if !repeats.isEmpty {
            // A repeated row is recorded once: its use is in its filing once.
            for ref in Array(checked.filings.keys) {
                var seen: Set<String> = []
                checked.filings[ref]?.useRefs.removeAll { !seen.insert($0).inserted }
            }
        }
        let differing = Dictionary(uniqueKeysWithValues: repeats.filter(\.differs).map { ($0.line, $0.first) })
        if !differing.isEmpty {
            // Their refs, read again: only a file refused comes here.
            var again = try Self.records(input)
            var named = 0
            while let record = again.next() {
                guard let first = differing[record.line] else { continue }
                named += 1
                let fields = RowFields(line: record.line, today: today, header: table.header, values: record.fields)
                let column = kind.keyColumn
                issues.append(
                    ImportIssue(
                        line: record.line,
                        column: column,
                        value: fields.value(column),
                        reason: "the same \(column) is on \(input.place(ofLine: first)) with different content"
                            + (column == "ref"
                                ? "" : "; a file registers each once: keep the row with the details to record"),
                        zh: "\(input.zhPlace(ofLine: first))的 \(column) 与此相同，内容却不同"
                            + (column == "ref" ? "" : "；文件中每项只登记一次：请保留写明要登记内容的那一行")
                    )
                )
            }
            // A line not found again: the file changed since the pass (and would be refused anyway).
            if named != differing.count { throw Self.changed(file) }
        }
        if !issues.isEmpty {
            // In the file's order (a line's own issues as they were found).
            let ordered = issues.enumerated().sorted { ($0.element.line, $0.offset) < ($1.element.line, $1.offset) }
            throw ImportRejected(file: file, issues: ordered.map(\.element))
        }
        return checked
    }

    /// Changes a value in place (a dictionary's entry, without copying what it holds).
    static func change<Value>(_ value: inout Value, _ body: (inout Value) -> Void) { body(&value) }
}
