import ArgumentParser
import Foundation
import VoucherDomain
import VoucherPolicies
import VoucherReports
import VoucherStorage

struct WhatIf: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "whatif",
        abstract: "Replay a programme year under a reformed policy, in memory, and compare; writes nothing.",
        discussion: """
            Every claim, decision, use, settlement, payment, expiry and reversal of the programme is \
            run again through the rules, in the order recorded, with the reform file's versions in \
            force for the year's events. The reviewers' and providers' decisions keep their intent \
            (docs/policies.md, "What-if"). The ledger is only read.

            A reform is a policy file (docs/policies.md) of the same kind of programme; its id may \
            differ. Examples:
              voucher whatif --programme sh-innovation-voucher --year 2022 --policy rate-40.yaml
              voucher whatif --programme sh-innovation-voucher --year 2022 --policy rate-40.yaml --policy cap-20wan.yaml --format html > whatif.html
              voucher whatif --programme yrd-innovation-voucher --year 2022 --policy rate-40.yaml --by applicant > applicants.csv
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
        let report = try guarded {
            let ledger = try ledger.openForReading()
            let id = try ProgrammeID(programme)
            let own = try ledger.programme(id)
            let years = try ledger.claimYears(id)
            guard years.contains(year) else {
                throw LedgerError.invalid(
                    field: "year",
                    value: "\(year)",
                    reason: years.isEmpty
                        ? "\(id) has no claim recorded in any year"
                        : "\(id) has no claim for \(year); its years: \(years.map(String.init).joined(separator: ", "))"
                )
            }
            let reforms = try policies.map { file in (file, try reform(file, of: own)) }
            var (replays, chainHead) = try ledger.replay(id) { reversed in
                [Replay(programme: own, year: year, reversed: reversed)]
                    + reforms.map { Replay(programme: own, reform: $0.1, year: year, reversed: reversed) }
            }
            // Each replay's state is let go once its outcome is read: the peak holds one at a time.
            var outcomes: [ReplayOutcome] = []
            while !replays.isEmpty { outcomes.append(replays.removeFirst().outcome(chainHead: chainHead)) }
            // The baseline must be the ledger's own figures: a replay that does not reproduce them
            // would compare a reform with something the ledger never said.
            let recorded = try ledger.reconciliation(id, period: .year(year))
            if recorded.chainHead != chainHead {
                throw LedgerError.invalid(
                    field: "ledger",
                    value: "\(chainHead.events) → \(recorded.chainHead.events) events",
                    reason: "changed while the what-if read it; run it again"
                )
            }
            let differs =
                WhatIfCheck.difference(replayed: outcomes[0].figures, recorded: recorded)
                ?? outcomes[0].changes.first.map { "event \($0.seq) decided otherwise" }
                ?? (outcomes[0].usesWithOtherAmount > 0
                    ? "\(outcomes[0].usesWithOtherAmount) uses of another amount" : nil)
            if let differs {
                throw LedgerError.internalInconsistency(
                    "the replay under the programme's own policy does not reproduce the ledger's \(year) figures (\(differs)); "
                        + "no what-if can be trusted until it does"
                )
            }
            var report = WhatIfReport(
                programme: id,
                name: own.name,
                year: year,
                baseline: outcomes[0],
                reforms: zip(reforms, outcomes.dropFirst()).map {
                    WhatIfReport.Scenario(policy: $0.0.0, outcome: $0.1)
                },
                names: [:]
            )
            // Every name for the CSV of every applicant; else only those the report lists.
            report.names =
                try by == .applicant
                ? ledger.applicantNames()
                : ledger.applicantNames(
                    Set(report.reforms.flatMap { report.applicants($0).prefix(WhatIfReport.listed).map(\.key) })
                )
            return report
        }
        if by == .applicant {
            print(report.applicantsCSV(), terminator: "")
        } else {
            print(report.render(format, language: lang), terminator: "")
        }
    }

    /// The reform file as a programme: its versions, the programme's id, kind and names; refused
    /// when none of its versions is in force during the year replayed.
    private func reform(_ file: String, of own: Programme) throws -> Programme {
        let reform = try loadReform(file, of: own)
        let (first, last) = (BusinessDate.startOfYear(year), BusinessDate.endOfYear(year))
        guard reform.versions.contains(where: { $0.effectiveFrom <= last && ($0.effectiveUntil ?? last) >= first })
        else {
            throw LedgerError.invalid(
                field: "policy",
                value: file,
                reason:
                    "has no version in force in \(year) (its first takes effect on \(reform.versions[0].effectiveFrom)); "
                    + "give the reform a version from 1 January \(year)"
            )
        }
        return reform
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
        throw LedgerError.invalid(field: "policy", value: file, reason: "cannot be read: \(error.localizedDescription)")
    }
    guard let yaml = String(data: data, encoding: .utf8) else {
        throw LedgerError.invalid(field: "policy", value: file, reason: "is not UTF-8 text; save it as UTF-8")
    }
    do {
        let parsed = try PolicyFile.programme(yaml: yaml, file: URL(fileURLWithPath: file).lastPathComponent)
        guard parsed.kind == own.kind else {
            throw LedgerError.invalid(
                field: "policy",
                value: file,
                reason: "is a \(parsed.kind.rawValue) programme; \(own.id) is a \(own.kind.rawValue) programme"
            )
        }
        return try Programme(id: own.id, kind: own.kind, name: own.name, versions: parsed.versions)
    } catch let error as PolicyError {
        throw LedgerError.policy(error)
    }
}
