import ArgumentParser
import Foundation
import VoucherDomain
import VoucherReports
import VoucherStorage

/// An auditor's dossier of one applicant: a printable page, CSV tables and the events with their
/// hashes, in one archive that `voucher verify --dossier` checks against the ledger and a digest.
struct DossierCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dossier",
        abstract: "Write everything the ledger holds about one applicant, with the events' hashes, to a ZIP archive.",
        discussion: """
            The archive holds a printable page (dossier.html); the registrations, claims,
            decisions (with their reviewers), uses (with their explanations), redemptions,
            payments and recoveries as CSV; every event they come from with the fields its
            hash covers (events.jsonl); and a manifest naming the ledger's chain head.
            Keep a digest elsewhere (`voucher digest`): `voucher verify --dossier` makes
            the dossier again from the ledger and checks both.

            Examples:
              voucher dossier --applicant 91310110005000001J --out dossier-001.zip
              voucher dossier --applicant 91310110005000001J \\
                --programme sh-innovation-voucher --year 2022 --lang en \\
                --out dossier-001-2022.zip
              voucher verify --dossier dossier-001.zip --digest digest-2022.txt
            """
    )

    @OptionGroup var ledger: LedgerOptions
    @Option(help: "The applicant's credit code.") var applicant: String
    @Option(help: "Only this programme's claims (default: every programme).") var programme: String?
    @Option(help: "Only this year's claims (default: every year).") var year: Int?
    @Option(help: "The page's language: zh or en.") var lang: Language = .zh
    @Option(help: ArgumentHelp("The archive to write, e.g. dossier.zip.", valueName: "file")) var out: String

    func validate() throws {
        if let year, !(1900...9999).contains(year) {
            throw ValidationError("--year \(year): give a year such as 2022")
        }
        if applicant.trimmed.isEmpty { throw ValidationError("--applicant: give the applicant's credit code") }
    }

    func run() throws {
        try checkWritable(out, option: "--out")
        let scope = Dossier.Scope(applicant: applicant.trimmed, programme: programme?.trimmed, year: year)
        let dossier = try guarded(lang) { try ledger.openForReading().dossier(scope) }
        let archive = try guarded(lang) { try Dossier.archive(dossier.files(lang)) }
        try writeFile(archive, to: out, option: "--out")
        print(
            "wrote \(out): \(dossier.events.count) events of applicant \(scope.applicant) "
                + "(\(dossier.claims.count) claims, \(dossier.uses.count) uses), up to the ledger's event "
                + "\(dossier.head.events), head \(dossier.head.hash)"
        )
    }
}
