import ArgumentParser
import Foundation
import VoucherDomain
import VoucherImport
import VoucherPolicies
import VoucherReports
import VoucherServer
import VoucherStorage

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The reconciliation report of a programme for a year or cumulative to a date.",
        discussion: """
            Examples:
              voucher report --programme sh-innovation-voucher --year 2022
              voucher report --programme yrd-innovation-voucher --through 2022-12-31 \\
                --format html > yrd.html
              voucher report --programme yrd-innovation-voucher --through 2022-12-31 \\
                --by month
              voucher report --programme yrd-innovation-voucher --year 2022 \\
                --format xlsx > yrd-2022.xlsx

            The report lists the \(applicantsListed) applicants with the largest amounts used; --by
            applicant writes every one as CSV:
              voucher report --programme yrd-innovation-voucher --year 2022 \\
                --by applicant > applicants.csv

            It lists the \(ReportExceptions.listed) most significant exceptions of each kind (reversals by
            amount, late filings by days late) and counts them all; --by exception writes
            every one as CSV:
              voucher report --programme yrd-innovation-voucher --year 2022 \\
                --by exception > exceptions.csv

            --by reviewer writes each reviewer's decisions at each level: how many,
            granted and rejected:
              voucher report --programme yrd-innovation-voucher --year 2022 \\
                --by reviewer > reviewers.csv
            """
    )

    @OptionGroup var ledger: LedgerOptions
    @Option(help: "The programme id.") var programme: String
    @Option(help: "A programme year.") var year: Int?
    @Option(help: "Cumulative, up to and including this date.", transform: BusinessDate.argument) var through:
        BusinessDate?
    @Option(help: "text, markdown, csv, json, html or xlsx (a workbook: redirect it to a file).")
    var format: ReportFormat = .text
    @Option(help: "zh or en.") var lang: Language = .zh
    @Option(
        help:
            "Only this breakdown, every key, as CSV: applicant, provider, category, region or month; exception, every exception; reviewer, each reviewer's decisions by level."
    ) var by: ReportListing?

    func validate() throws {
        if (year == nil) == (through == nil) {
            throw ValidationError("give either --year YYYY or --through YYYY-MM-DD")
        }
        if by != nil && format != .text && format != .csv {
            throw ValidationError("--by writes CSV; leave out --format (or give --format csv)")
        }
    }

    func run() throws {
        let period = year.map { ReportPeriod.year($0) } ?? ReportPeriod.through(through ?? .latest)
        if by == .reviewer {
            let rows = try guarded(lang) {
                let ledger = try ledger.openForReading()
                let id = try ProgrammeID(programme)
                _ = try ledger.programme(id)
                return try ledger.reviewers(id, period: period)
            }
            print(ReconciliationReport.reviewersCSV(rows), terminator: "")
            return
        }
        if by == .exception {
            let exceptions = try guarded(lang) {
                let ledger = try ledger.openForReading()
                let id = try ProgrammeID(programme)
                _ = try ledger.programme(id)
                return try ledger.exceptions(id, period: period)
            }
            print(exceptions.csv(), terminator: "")
            return
        }
        if let dimension = by?.dimension {
            // One breakdown, every key, as CSV.
            let (rows, names) = try guarded(lang) {
                let ledger = try ledger.openForReading()
                let id = try ProgrammeID(programme)
                _ = try ledger.programme(id)
                let rows = try ledger.breakdown(id, period: period, by: dimension)
                return (rows, try ledger.partyNames(dimension, rows.map(\.key)))
            }
            print(ReconciliationReport.breakdownCSV(rows, by: dimension, language: lang, names: names), terminator: "")
            return
        }
        if format == .xlsx && isatty(STDOUT_FILENO) == 1 {
            throw ValidationError("an .xlsx workbook is binary: redirect it to a file, e.g. > report.xlsx")
        }
        let report = try guarded(lang) {
            try buildReport(try ledger.openForReading(), programme: try ProgrammeID(programme), period: period)
        }
        guard let textFormat = format.text else {
            let bytes = try guarded(lang) { try report.workbook(lang).xlsx() }
            FileHandle.standardOutput.write(bytes)
            return
        }
        print(report.render(textFormat, language: lang), terminator: "")
    }
}

/// A report's output: one of the text formats, or an Excel workbook.
enum ReportFormat: String, CaseIterable, ExpressibleByArgument {
    case text, markdown, csv, json, html, xlsx

    var text: ReconciliationReport.Format? { ReconciliationReport.Format(rawValue: rawValue) }
}

/// What `report --by` lists whole, as CSV: one breakdown's every key, or every exception.
enum ReportListing: String, CaseIterable, ExpressibleByArgument {
    case applicant, provider, category, region, month, exception, reviewer

    var dimension: BreakdownDimension? { BreakdownDimension(rawValue: rawValue) }
}

extension ReconciliationReport.Format: ExpressibleByArgument {}
