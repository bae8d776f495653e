import ArgumentParser
import Foundation
import VoucherDomain

/// `voucher`: records innovation-voucher claims, uses and redemptions in an append-only ledger,
/// computes every subsidy with its explanation, and publishes the reconciliation figures.
struct Voucher: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "voucher",
        abstract: "Administer innovation vouchers (创新券): claims, uses, redemptions and the year's figures.",
        discussion: """
            Every command that records something writes one event to an append-only,
            hash-chained ledger; bad input is refused with a message and writes nothing.
            --db selects the ledger file (default $VOUCHER_DB, else vouchers.sqlite) and
            may come before or after the command.

            Start with the demo, which imports the seed's data and prints its published
            figures:
              voucher demo

            A walk-through:
              voucher register applicant --id 91350100M000100Y43 --name 甲科技有限公司 \\
                --kind enterprise --district 杨浦区 --region shanghai
              voucher register provider --id 12310000007000001F \\
                --name 复旦大学分析测试中心 --region shanghai
              voucher register product --code P002 --provider 12310000007000001F \\
                --name 核磁共振测试 --category testing --list-price 5万
              voucher claim --ref C-1 --applicant 91350100M000100Y43 \\
                --programme sh-innovation-voucher --year 2022 --requested 30万 \\
                --date 2022-03-01
              voucher decide --claim C-1 --grant 30万 --reviewer 王丽 --date 2022-03-15
              voucher quote --applicant 91350100M000100Y43 --provider 12310000007000001F \\
                --product P002 --programme sh-innovation-voucher --service-amount 24万 \\
                --date 2022-05-10
              voucher report --programme sh-innovation-voucher --year 2022
            """,
        version: "0.1.0",
        subcommands: [
            Demo.self, Import.self, Report.self, Register.self, Claim.self, Decide.self, Quote.self, Use.self,
            Redeem.self,
            Pay.self, Expire.self, Reverse.self, ProviderCommand.self, BudgetCommand.self, RecoverCommand.self,
            Policy.self, Verify.self, DossierCommand.self,
            Digest.self, Migrate.self,
            Export.self,
            WhatIf.self, Serve.self, UserCommand.self,
        ]
    )
}
