import ArgumentParser
import Foundation
import VoucherDomain
import VoucherImport
import VoucherReports
import VoucherServer
import VoucherStorage

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Build a demo ledger from the seed's data and print the two reports the seed publishes.",
        discussion: """
            Imports the CSV files this program carries (made by scripts/make-demo-data.py)
            through the same import as `voucher import`, then prints the Shanghai
            innovation voucher's 2022 figures and the YRD voucher's cumulative figures.
            Every subsidy is computed by the engine; none is in the files. Running it
            again on the same ledger records nothing new.

            Examples:
              voucher demo
              voucher demo --lang en --db /tmp/demo.sqlite
            """
    )

    @Option(help: ArgumentHelp("The demo ledger file.", valueName: "path")) var db = "demo.sqlite"
    @Option(help: "text, markdown, csv, json or html.") var format: ReconciliationReport.Format = .text
    @Option(help: "zh or en.") var lang: Language = .zh

    /// The demo's files in import order, as embedded in the binary.
    static let files: [(ImportKind, String, [UInt8])] = [
        (.enterprises, "enterprises.csv", PackageResources.enterprises_csv),
        (.providers, "providers.csv", PackageResources.providers_csv),
        (.products, "products.csv", PackageResources.products_csv),
        (.claims, "claims.csv", PackageResources.claims_csv),
        (.uses, "uses.csv", PackageResources.uses_csv),
        (.redemptions, "redemptions.csv", PackageResources.redemptions_csv),
    ]

    func run() throws {
        let reports = try guarded(lang) {
            // The demo writes a new ledger, or its own again: never another ledger's events.
            if FileManager.default.fileExists(atPath: db) {
                let others = try Ledger.openForReading(at: db).events(notRecordedBy: "demo")
                if others > 0 {
                    throw LedgerError.invalid(
                        field: "db",
                        value: db,
                        reason: "holds \(others) event\(others == 1 ? "" : "s") the demo did not record; the demo "
                            + "writes only a new file or its own ledger: give --db a new file name",
                        zh: "其中有 \(others) 个事件不是演示记录的；演示只写入新文件或它自己的账本，请为 --db 另取一个新文件名"
                    )
                }
            }
            let ledger = try Ledger.open(at: db, actor: "demo")
            let importer = Importer(ledger: ledger, actor: "demo")
            for (kind, name, bytes) in Self.files {
                let summary = try importer.run(kind, bytes: bytes, file: name)
                printError(
                    "\(name): \(summary.rows) rows, \(summary.recorded) events recorded, \(summary.alreadyRecorded) already in \(db)"
                )
            }
            return [
                try buildReport(ledger, programme: try ProgrammeID("sh-innovation-voucher"), period: .year(2022)),
                try buildReport(
                    ledger,
                    programme: try ProgrammeID("yrd-innovation-voucher"),
                    period: .through(try BusinessDate.parse("2022-12-31"))
                ),
            ]
        }
        switch format {
        case .html:
            print(ReconciliationReport.htmlDocument(reports, language: lang), terminator: "")
        case .json:
            // JSON Lines: one object per report.
            print(reports.map { $0.render(.json, language: lang) }.joined(), terminator: "")
        default:
            let separator = format == .text ? "\n" + String(repeating: "═", count: 72) + "\n\n" : "\n"
            print(reports.map { $0.render(format, language: lang) }.joined(separator: separator), terminator: "")
        }
    }
}
