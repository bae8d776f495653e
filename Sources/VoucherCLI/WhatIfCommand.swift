import ArgumentParser
import Foundation
import VoucherDomain
import VoucherPolicies
import VoucherReports
import VoucherServer
import VoucherStorage

struct WhatIf: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "whatif",
        abstract: "Replay a programme year under a reformed policy, in memory, and compare; writes nothing.",
        discussion: """
            Every claim, decision, use, settlement, payment, expiry and reversal of the
            programme is run again through the rules, in the order recorded, with the
            reform file's versions in force for the year's events. The reviewers' and
            providers' decisions keep their intent (docs/policies.md, "What-if"). The
            ledger is only read.

            A reform is a policy file (docs/policies.md) of the same kind of programme;
            its id may differ. Examples:
              voucher whatif --programme sh-innovation-voucher --year 2022 \\
                --policy rate-40.yaml
              voucher whatif --programme sh-innovation-voucher --year 2022 \\
                --policy rate-40.yaml --policy cap-20wan.yaml --format html \\
                > whatif.html
              voucher whatif --programme yrd-innovation-voucher --year 2022 \\
                --policy rate-40.yaml --by applicant > applicants.csv
            """
    )

    @OptionGroup var ledger: LedgerOptions
    @Option(help: "The programme id.") var programme: String
    @Option(help: "The programme year replayed.") var year: Int
    @Option(name: .customLong("policy"), help: "A reform's policy file (repeat for several).") var policies: [String]
    @Option(help: "text, markdown, csv, json or html.") var format: WhatIfReport.Format = .text
    @Option(help: "zh or en.") var lang: Language = .zh
    @Option(help: "applicant: every applicant's amount in the baseline and each reform, as CSV.") var by: WhatIfListing?

    func validate() throws {
        if policies.isEmpty { throw ValidationError("name at least one reform: --policy REFORM.yaml") }
        if !(1900...9999).contains(year) { throw ValidationError("--year \(year) is not a year") }
    }

    func run() throws {
        let report = try guarded(lang) {
            let opened = try ledger.openForReading()
            let id = try ProgrammeID(programme)
            let own = try opened.programme(id)
            let reforms = try policies.map { file in (name: file, programme: try loadReform(file, of: own)) }
            return try buildWhatIf(opened, programme: id, year: year, reforms: reforms, everyName: by == .applicant)
        }
        if by == .applicant {
            print(report.applicantsCSV(), terminator: "")
        } else {
            print(report.render(format, language: lang), terminator: "")
        }
    }
}

/// What `whatif --by` lists whole, as CSV.
enum WhatIfListing: String, CaseIterable, ExpressibleByArgument {
    case applicant
}

extension WhatIfReport.Format: ExpressibleByArgument {}

/// A reform's policy file, read as a programme with `own`'s id, kind and names and the file's
/// versions; refused when it is of another kind of programme.
func loadReform(_ file: String, of own: Programme) throws -> Programme {
    let data: Data
    do {
        data = try Data(contentsOf: URL(fileURLWithPath: file))
    } catch {
        throw LedgerError.invalid(
            field: "policy",
            value: file,
            reason: "cannot be read: \(error.localizedDescription)",
            zh: "无法读取；请确认文件存在且可读"
        )
    }
    guard let yaml = String(data: data, encoding: .utf8) else {
        throw LedgerError.invalid(
            field: "policy",
            value: file,
            reason: "is not UTF-8 text; save it as UTF-8",
            zh: "不是 UTF-8 文本；请另存为 UTF-8"
        )
    }
    return try reformProgramme(yaml: yaml, file: URL(fileURLWithPath: file).lastPathComponent, of: own)
}
