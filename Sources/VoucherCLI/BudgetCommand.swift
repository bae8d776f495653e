import ArgumentParser
import Foundation
import VoucherDomain
import VoucherStorage

/// A programme year's appropriation: the fund grants draw on.
struct BudgetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "budget",
        abstract: "Record a programme year's appropriation (its fund), with the funders' shares.",
        discussion: """
            A grant beyond what the appropriation leaves after the year's other grants is
            refused, naming the budget; the report shows appropriated, committed, used,
            paid and left. Recording again for the same year revises it; the history keeps
            both.

            Example:
              voucher budget set --programme yrd-innovation-voucher --year 2022 \\
                --amount 3000万 --share city=60% --share district=40% --date 2022-01-10
            """,
        subcommands: [Set.self]
    )

    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record (or revise) a programme year's appropriation.",
            discussion: """
                Example:
                  voucher budget set --programme yrd-innovation-voucher --year 2022 \\
                    --amount 3000万 --share city=60% --share district=40% --date 2022-01-10
                """
        )
        @OptionGroup var options: RecordOptions
        @Option(help: "The programme id.") var programme: String
        @Option(help: "The programme year.") var year: Int
        @Option(parsing: .unconditional, help: "The amount appropriated, e.g. 3000万.", transform: Money.argument)
        var amount: Money
        @Option(
            name: .customLong("share"),
            help: ArgumentHelp(
                "A funder's share, e.g. city=60% or 市级=60% (repeat; the shares add up to 100%; a name is a key of letters, digits and hyphens, read in lower case).",
                valueName: "name=rate"
            )
        )
        var shares: [String] = []

        func run() throws {
            let (event, committed, appropriation) = try guarded(options.lang) {
                let parsed = try shares.map { text throws(LedgerError) in try BudgetShare.parse(text) }
                let appropriation = Appropriation(
                    programme: try ProgrammeID(programme),
                    year: year,
                    amount: amount,
                    shares: parsed
                )
                let ledger = try options.ledger.open()
                // The default key names the appropriation it revises: setting an earlier amount
                // again is a revision too; the same command again replays (the ledger sees it is
                // the year's appropriation as it stands).
                let before = try ledger.appropriation(appropriation.programme, year: year)?.event
                let event = try ledger.setBudget(
                    appropriation,
                    context: options.context(
                        defaultKey: Ledger.appropriationKey(appropriation, on: options.date ?? today(), before: before)
                    )
                )
                return (event, try ledger.committed(appropriation.programme, year: year), appropriation)
            }
            report(
                event,
                what: LocalizedText(zh: "\(programme) \(year) 年度预算", en: "budget of \(programme) for \(year)"),
                format: options.format,
                language: options.lang
            )
            // Recorded, but below what is granted already: say so, and what it means.
            if let over = appropriation.shortfall(committed: committed) {
                printError(
                    options.lang == .zh
                        ? "voucher: 注意：拨款 \(amount) 低于该年度已核定的 \(committed)，差额 \(over)；"
                            + "在调低核定额或修订拨款之前，不能再新增或提高核定"
                        : "voucher: note: the appropriation \(amount) is below the \(committed) the year's grants "
                            + "already commit, by \(over); no grant can be made or raised until grants are lowered or "
                            + "the appropriation is revised"
                )
            }
        }
    }
}
