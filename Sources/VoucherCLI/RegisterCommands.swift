import ArgumentParser
import Foundation
import VoucherDomain
import VoucherStorage

struct Register: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Register (or change the details of) an applicant, a provider or a product.",
        subcommands: [Applicant.self, Provider.self, Product.self]
    )

    struct Applicant: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register an enterprise (by credit code) or a start-up team (by team number).",
            discussion: """
                A credit code whose check character fails is refused; if the registry really
                issued it, record it with --override-reason and --override-by.

                Examples:
                  voucher register applicant --id 91350100M000100Y43 --name 甲科技有限公司 \\
                    --kind enterprise --district 杨浦区 --region shanghai
                  voucher register applicant --id YP-T-2022-001 --name 丁创业团队 --kind team
                  voucher register applicant --id 91350100M000100Y43 --name 甲科技有限公司 \\
                    --kind enterprise --district 杨浦区 --region shanghai \\
                    --attribute jic-member --attribute tech-sme

                --attribute records what the applicant is recognised as (tech-sme:
                科技型中小企业; jic-member: recognised by the joint innovation centre), which
                a programme's eligibility may require. Registering again with other details
                records the change; give every attribute it holds each time.
                """
        )
        @OptionGroup var options: RecordOptions
        @Option(help: "Credit code (enterprise) or team number (team).") var id: String
        @Option(help: "The registered name.") var name: String
        @Option(help: "enterprise or team.") var kind: String
        @Option(help: "District.") var district: String = ""
        @Option(help: "Region.") var region: String = ""
        @Option(help: "The group (actual controller) it belongs to.") var group: String?
        @Option(help: "Why a code failing its check is recorded anyway.") var overrideReason: String?
        @Option(help: "Who approved the override.") var overrideBy: String?
        @Option(
            name: .customLong("attribute"),
            help: ArgumentHelp(
                "What it is recognised as, e.g. tech-sme or jic-member (repeat for more).",
                valueName: "name"
            )
        )
        var attributes: [String] = []

        func run() throws {
            let event = try guarded(options.lang) {
                guard let applicantKind = ApplicantKind(rawValue: kind) else {
                    throw LedgerError.invalid(
                        field: "kind",
                        value: kind,
                        reason: "use enterprise or team",
                        zh: "不是申请主体类型；请用 enterprise（企业）或 team（团队）"
                    )
                }
                let identifier = try PartyIdentifier.registered(
                    id,
                    team: applicantKind == .team,
                    overrideReason: overrideReason,
                    overrideBy: overrideBy
                )
                let ledger = try options.ledger.open()
                let registration = ApplicantRegistration(
                    identifier: identifier,
                    kind: applicantKind,
                    name: name,
                    district: district,
                    region: region,
                    group: group,
                    attributes: attributes
                )
                // After a change, registering the earlier details again is a change too: the default
                // key names the registration it follows.
                let current = try? ledger.applicant(identifier.value).eventSeq
                return try ledger.registerApplicant(
                    registration,
                    context: options.context(defaultKey: Ledger.registrationKey(registration, id: id, after: current))
                )
            }
            report(
                event,
                what: LocalizedText(zh: "申请主体 \(id)", en: "applicant \(id)"),
                format: options.format,
                language: options.lang
            )
        }
    }

    struct Provider: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register a service provider and its region.",
            discussion:
                "Example:\n  voucher register provider --id 12310000007000001F \\\n    --name 复旦大学分析测试中心 --region shanghai"
        )
        @OptionGroup var options: RecordOptions
        @Option(help: "Credit code.") var id: String
        @Option(help: "The registered name.") var name: String
        @Option(help: "Region: shanghai, jiangsu, zhejiang, anhui, …") var region: String
        @Option(help: "Why a code failing its check is recorded anyway.") var overrideReason: String?
        @Option(help: "Who approved the override.") var overrideBy: String?

        func run() throws {
            let event = try guarded(options.lang) {
                // Who records is asked before the details are checked.
                let ledger = try options.ledger.open()
                let registration = ProviderRegistration(
                    identifier: try PartyIdentifier.registered(
                        id,
                        team: false,
                        overrideReason: overrideReason,
                        overrideBy: overrideBy
                    ),
                    name: name,
                    region: region
                )
                return try ledger.registerProvider(
                    registration,
                    context: options.context(defaultKey: Ledger.registrationKey(registration, id: id))
                )
            }
            report(
                event,
                what: LocalizedText(zh: "服务机构 \(id)", en: "provider \(id)"),
                format: options.format,
                language: options.lang
            )
        }
    }

    struct Product: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register a catalogued product of a provider.",
            discussion:
                "Example:\n  voucher register product --code P002 --provider 12310000007000001F \\\n"
                + "    --name 核磁共振测试 --category testing --list-price 5万"
        )
        @OptionGroup var options: RecordOptions
        @Option(help: "The product's code.") var code: String
        @Option(help: "The provider's credit code.") var provider: String
        @Option(help: "The product's name.") var name: String
        @Option(help: "Its category.") var category: String
        @Option(parsing: .unconditional, help: "Its list price.", transform: Money.argument) var listPrice: Money

        func run() throws {
            let event = try guarded(options.lang) {
                let ledger = try options.ledger.open()
                let registration = ProductRegistration(
                    code: code,
                    providerID: provider,
                    name: name,
                    category: category,
                    listPrice: listPrice
                )
                return try ledger.registerProduct(
                    registration,
                    context: options.context(defaultKey: Ledger.registrationKey(registration))
                )
            }
            report(
                event,
                what: LocalizedText(zh: "产品 \(code)", en: "product \(code)"),
                format: options.format,
                language: options.lang
            )
        }
    }
}
