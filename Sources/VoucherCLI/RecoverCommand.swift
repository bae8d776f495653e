import ArgumentParser
import Foundation
import VoucherDomain
import VoucherStorage

/// Recovery (追回): money paid on a use that the applicant owes back, and its receipt.
struct RecoverCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recover",
        abstract: "Record money paid on a use that the applicant owes back (追回), or its receipt.",
        discussion: """
            A paid settlement is not reversed: that would lower the published redeemed
            figure without a word. What is owed back is recorded instead; the report shows
            it (owed, recovered, outstanding) and lists open recoveries among its
            exceptions. The same command again records nothing new; a second amount of the
            same size on the same day needs its own --key.

            Examples:
              voucher recover --use U-2022-001 --amount 5万 \\
                --reason "重复申报，追回补贴" --date 2022-11-01
              voucher recover receive --use U-2022-001 --amount 5万 --date 2022-12-01
            """,
        subcommands: [Owe.self, Receive.self],
        defaultSubcommand: Owe.self
    )

    struct Owe: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "owe",
            abstract: "Record an amount owed back on a paid use (the default: `voucher recover --use …`).",
            discussion: """
                Example:
                  voucher recover --use U-2022-001 --amount 5万 \\
                    --reason "重复申报，追回补贴" --date 2022-11-01
                """
        )
        @OptionGroup var options: RecordOptions
        @Option(help: "The use's reference.") var use: String
        @Option(parsing: .unconditional, help: "The amount owed back.", transform: Money.argument) var amount: Money
        @Option(help: "Why it is owed back.") var reason: String

        func run() throws {
            let event = try guarded(options.lang) {
                try options.ledger.open().recover(
                    RecoveryFact(useRef: use, amount: amount, reason: reason),
                    context: options.context(
                        defaultKey: "recovery:\(use.trimmed):\(amount.decimalString()):\((options.date ?? today()).iso)"
                    )
                )
            }
            report(
                event,
                what: LocalizedText(zh: "用券 \(use) 的应追回款项", en: "recovery on \(use)"),
                format: options.format,
                language: options.lang
            )
        }
    }

    struct Receive: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record money received back on a use.",
            discussion: """
                Example:
                  voucher recover receive --use U-2022-001 --amount 5万 --date 2022-12-01
                """
        )
        @OptionGroup var options: RecordOptions
        @Option(help: "The use's reference.") var use: String
        @Option(parsing: .unconditional, help: "The amount received back.", transform: Money.argument) var amount: Money

        func run() throws {
            let event = try guarded(options.lang) {
                try options.ledger.open().receiveRecovery(
                    RecoveryFact(useRef: use, amount: amount),
                    context: options.context(
                        defaultKey:
                            "recovery-received:\(use.trimmed):\(amount.decimalString()):\((options.date ?? today()).iso)"
                    )
                )
            }
            report(
                event,
                what: LocalizedText(zh: "用券 \(use) 的已追回款项", en: "money received back on \(use)"),
                format: options.format,
                language: options.lang
            )
        }
    }
}
