import ArgumentParser
import Foundation
import VoucherDomain
import VoucherStorage

/// A provider's status: suspended from a date (uses with it are refused), reinstated from another.
struct ProviderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "provider",
        abstract: "Suspend or reinstate a service provider, or show its status.",
        discussion: """
            A use with a provider on a day it is suspended is refused, naming the
            suspension; a redemption filed while it is suspended is listed in the report's
            exceptions.

            Examples:
              voucher provider suspend --id 12310000007000001F --from 2022-09-01 \\
                --reason "检测报告造假，暂停服务资格"
              voucher provider reinstate --id 12310000007000001F --from 2023-03-01
              voucher provider status --id 12310000007000001F
            """,
        subcommands: [Suspend.self, Reinstate.self, Status.self]
    )

    /// The options of a change: the ledger, its first day, the key and the output.
    struct ChangeOptions: ParsableArguments {
        @OptionGroup var ledger: LedgerOptions
        @Option(help: "The provider's credit code.") var id: String
        @Option(
            help: ArgumentHelp("The first day it applies, YYYY-MM-DD.", valueName: "date"),
            transform: BusinessDate.argument
        ) var from: BusinessDate
        @Option(help: ArgumentHelp("The idempotency key (default: from the provider and the day).", valueName: "key"))
        var key: String?
        @Option(help: "Output: text for people, json for scripts.") var format: OutputFormat = .text
        @Option(help: "Language: zh or en.") var lang: Language = .zh

        func record(_ status: ProviderStatus, reason: String?) throws {
            let event = try guarded(lang) {
                let opened = try ledger.open()
                // The default key counts the changes recorded before, so that suspending again after
                // a reinstatement on the same day is a new event; the same command again replays
                // (the ledger sees the provider's latest change is this one).
                let before = try opened.providerStatus(id).count
                return try opened.changeProviderStatus(
                    providerID: id,
                    status: status,
                    reason: reason,
                    context: EventContext(
                        idempotencyKey: key ?? Ledger.providerStatusKey(id, status, from: from, before: before),
                        actor: try ledger.actorName,
                        businessDate: from
                    )
                )
            }
            let what =
                lang == .zh
                ? "服务机构 \(id) \(status == .suspended ? "暂停" : "恢复")，自 \(from.iso) 起"
                : "provider \(id) \(status.rawValue) from \(from.iso)"
            report(event, what: what, format: format, language: lang)
        }
    }

    struct Suspend: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Suspend a provider from a date: its uses from that day on are refused.",
            discussion: """
                Example:
                  voucher provider suspend --id 12310000007000001F --from 2022-09-01 \\
                    --reason "检测报告造假，暂停服务资格"
                """
        )
        @OptionGroup var options: ChangeOptions
        @Option(help: "Why it is suspended.") var reason: String

        func run() throws { try options.record(.suspended, reason: reason) }
    }

    struct Reinstate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "End a provider's suspension from a date.",
            discussion: """
                Example:
                  voucher provider reinstate --id 12310000007000001F --from 2023-03-01
                """
        )
        @OptionGroup var options: ChangeOptions

        func run() throws { try options.record(.reinstated, reason: nil) }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List a provider's suspensions and reinstatements.",
            discussion: """
                Example:
                  voucher provider status --id 12310000007000001F
                """
        )
        @OptionGroup var ledger: LedgerOptions
        @Option(help: "The provider's credit code.") var id: String
        @Option(help: "Language: zh or en.") var lang: Language = .zh

        func run() throws {
            let changes = try guarded(lang) { try ledger.openForReading().providerStatus(id) }
            if changes.isEmpty {
                print(lang == .zh ? "\(id.visible)：从未暂停" : "\(id.visible): never suspended")
                return
            }
            for change in changes {
                let word =
                    lang == .zh
                    ? (change.status == .suspended ? "暂停" : "恢复") : change.status.rawValue
                let reason = change.reason.map { " · \($0.visible)" } ?? ""
                print("\(change.from.iso)  \(word)\(reason)")
            }
        }
    }
}
