import ArgumentParser
import Foundation
import VoucherDomain
import VoucherStorage

/// Options of every command that records an event.
struct RecordOptions: ParsableArguments {
    @OptionGroup var ledger: LedgerOptions

    @Option(
        help: ArgumentHelp("The business date, YYYY-MM-DD (default: today).", valueName: "date"),
        transform: BusinessDate.argument
    )
    var date: BusinessDate?

    @Option(
        help: ArgumentHelp(
            "The idempotency key: repeating a command with the same key records it once (default: from the reference).",
            valueName: "key"
        )
    )
    var key: String?

    @Option(help: "Output: text for people, json for scripts.")
    var format: OutputFormat = .text

    @Option(help: "Language of explanations: zh or en.")
    var lang: Language = .zh

    func context(defaultKey: String) throws -> EventContext {
        EventContext(idempotencyKey: key ?? defaultKey, actor: try ledger.actorName, businessDate: date ?? today())
    }
}

struct Claim: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Record a claim: a voucher quota, a matching claim or a grant request.",
        discussion: """
            Examples:
              voucher claim --ref C-2022-001 --applicant 91350100M000100Y43 \\
                --programme sh-innovation-voucher --year 2022 --requested 30万 \\
                --date 2022-03-01
              voucher claim --ref M-1 --applicant 91350100M000100Y43 \\
                --programme jic-overseas-matching --year 2023 --requested 120万 \\
                --project P-1 --paid 120万
            """
    )

    @OptionGroup var options: RecordOptions
    @Option(help: "The claim's reference, unique in the ledger.") var ref: String
    @Option(help: "The applicant's credit code or team number.") var applicant: String
    @Option(help: "The programme id (voucher policy list).") var programme: String
    @Option(help: "The programme year claimed for.") var year: Int
    @Option(parsing: .unconditional, help: "The amount requested, e.g. 30万 or 300,000.00.", transform: Money.argument)
    var requested: Money
    @Option(help: "Matching: the project the fees were paid for.") var project: String?
    @Option(parsing: .unconditional, help: "Matching: the amount actually paid.", transform: Money.argument) var paid:
        Money?

    func run() throws {
        let event = try guarded(options.lang) {
            let ledger = try options.ledger.open()
            return try ledger.claim(
                ClaimRequest(
                    ref: ref,
                    applicantID: applicant,
                    programme: try ProgrammeID(programme),
                    year: year,
                    requested: requested,
                    project: project,
                    paid: paid
                ),
                context: options.context(defaultKey: "claim:\(ref)")
            )
        }
        report(
            event,
            what: LocalizedText(zh: "申领 \(ref)", en: "claim \(ref)"),
            format: options.format,
            language: options.lang
        )
    }
}

struct Decide: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Record a review decision on a claim: grant an amount (with a reason, if you give one), or reject with a reason.",
        discussion: """
            The engine checks a grant against every cap and says which one binds if it is
            too high. The district decides first; a city review may follow and replaces
            the amount.

            Examples:
              voucher decide --claim C-2022-001 --grant 30万 --reviewer 王丽 \\
                --date 2022-03-15
              voucher decide --claim C-2022-001 --level city --grant 20万 \\
                --reason "部分服务不在目录内" --reviewer 张强 --date 2022-03-20
              voucher decide --claim C-2022-002 --reject "材料不全" --reviewer 王丽 \\
                --date 2022-03-15
            """
    )

    @OptionGroup var options: RecordOptions
    @Option(help: "The claim's reference.") var claim: String
    @Option(parsing: .unconditional, help: "The amount granted.", transform: Money.argument) var grant: Money?
    @Option(help: "Reject, with this reason.") var reject: String?
    @Option(help: "With --grant: why the grant is what it is, e.g. why it is below the request.") var reason: String?
    @Option(help: "Which review: district or city.") var level: ReviewLevel = .district
    @Option(help: "Who decided.") var reviewer: String

    func validate() throws {
        if (grant == nil) == (reject == nil) { throw ValidationError("give either --grant AMOUNT or --reject REASON") }
        if reason != nil && grant == nil {
            throw ValidationError("--reason goes with --grant; a rejection's reason is --reject REASON")
        }
    }

    func run() throws {
        let outcome: DecisionRequest.Outcome = grant.map { .grant($0) } ?? .reject(reason: reject ?? "")
        let event = try guarded(options.lang) {
            let ledger = try options.ledger.open()
            // The default key counts the claim's decisions so far: deciding again after a reversal
            // is a new event; the same command again replays (the ledger sees its latest decision
            // is this one).
            let before = try ledger.decisionsRecorded(onClaim: claim.trimmingCharacters(in: .whitespaces))
            return try ledger.decide(
                DecisionRequest(claimRef: claim, level: level, outcome: outcome, reviewer: reviewer, note: reason),
                context: options.context(defaultKey: "decision:\(claim):\(level.rawValue):after-\(before)")
            )
        }
        report(
            event,
            what: LocalizedText(zh: "申领 \(claim) 的审核", en: "decision on \(claim)"),
            format: options.format,
            language: options.lang
        )
    }
}

/// The purchase a use or a quote describes.
struct PurchaseOptions: ParsableArguments {
    @Option(help: "The applicant's credit code or team number.") var applicant: String
    @Option(help: "The provider's credit code.") var provider: String
    @Option(help: "The product's code.") var product: String
    @Option(help: "The voucher programme.") var programme: String
    @Option(parsing: .unconditional, help: "What the service cost, e.g. 24万 or 240,000.00.", transform: Money.argument)
    var serviceAmount: Money
    @Option(help: "The project, when the programme caps per project.") var project: String?
    @Option(
        parsing: .unconditional,
        help: "The part of the service amount that is eligible, if not all of it.",
        transform: Money.argument
    )
    var eligibleAmount: Money?
    @Option(
        parsing: .unconditional,
        help: "The VAT on the invoice, for tax-exclusive programmes.",
        transform: Money.argument
    ) var taxAmount: Money?
    @Option(help: "The provider's invoice number (发票号码); an invoice is funded once, in any programme.")
    var invoice: String?

    func request(ref: String) throws -> UseRequest {
        UseRequest(
            ref: ref,
            applicantID: applicant,
            providerID: provider,
            productCode: product,
            programme: try ProgrammeID(programme),
            serviceAmount: serviceAmount,
            project: project,
            eligibleAmount: eligibleAmount,
            taxAmount: taxAmount,
            invoice: invoice
        )
    }
}

struct Quote: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compute what a purchase would get, with the explanation, recording nothing.",
        discussion: """
            Example:
              voucher quote --applicant 91350100M000100Y43 --provider 12310000007000001F \\
                --product P002 --programme sh-innovation-voucher --service-amount 24万 \\
                --date 2022-05-10

            Under a reform that is not installed (a policy file of the same kind of
            programme):
              voucher quote --policy rate-40.yaml --applicant 91350100M000100Y43 \\
                --provider 12310000007000001F --product P002 \\
                --programme sh-innovation-voucher --service-amount 24万 \\
                --date 2022-05-10
            """
    )

    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var purchase: PurchaseOptions
    @Option(help: "The date of the purchase (default: today).", transform: BusinessDate.argument) var date:
        BusinessDate?
    @Option(help: "A reform's policy file to quote under instead of the installed policy; installs nothing.")
    var policy: String?
    @Option(help: "Output: text or json.") var format: OutputFormat = .text
    @Option(help: "Language: zh or en.") var lang: Language = .zh

    func run() throws {
        let decision = try guarded(lang) {
            let ledger = try ledger.openForReading()
            let request = try purchase.request(ref: "quote")
            let reform = try policy.map { try loadReform($0, of: try ledger.programme(request.programme)) }
            return try ledger.quote(request, on: date ?? today(), under: reform)
        }
        switch format {
        case .json:
            print(
                CanonicalJSON.object([
                    "amount": .string(decision.amount.decimalString()),
                    "binding": .optional(decision.binding?.rawValue),
                    "ineligible": .optional(decision.ineligibility?.code),
                    "explanation_zh": .array(decision.explanation(.zh).map { .string($0) }),
                    "explanation_en": .array(decision.explanation(.en).map { .string($0) }),
                ]).text
            )
        case .text:
            for line in decision.explanation(lang) { print(line) }
        }
    }
}

struct Use: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Record a voucher use; the engine computes the voucher amount and stores its explanation.",
        discussion: """
            A use that would pay nothing, or is not eligible, is refused with the
            explanation; so is a use with a provider suspended on its date, and a second
            use of one provider's invoice (--invoice), in any programme.

            Example:
              voucher use --ref U-2022-001 --applicant 91350100M000100Y43 \\
                --provider 12310000007000001F --product P002 \\
                --programme sh-innovation-voucher --service-amount 24万 \\
                --date 2022-05-10
            """
    )

    @OptionGroup var options: RecordOptions
    @OptionGroup var purchase: PurchaseOptions
    @Option(help: "The use's reference, unique in the ledger.") var ref: String

    func run() throws {
        let event = try guarded(options.lang) {
            try options.ledger.open().use(
                try purchase.request(ref: ref),
                context: options.context(defaultKey: "use:\(ref)")
            )
        }
        report(
            event,
            what: LocalizedText(zh: "用券 \(ref)", en: "use \(ref)"),
            format: options.format,
            language: options.lang
        )
    }
}

struct Pay: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Pay (part of) a granted matching claim or grant to the applicant.",
        discussion: """
            Example:
              voucher pay --claim M-1 --amount 60万 --date 2023-06-01
            """
    )

    @OptionGroup var options: RecordOptions
    @Option(help: "The claim's reference.") var claim: String
    @Option(parsing: .unconditional, help: "The amount paid.", transform: Money.argument) var amount: Money

    func run() throws {
        let event = try guarded(options.lang) {
            try options.ledger.open().pay(
                PaymentRequest(claimRef: claim, amount: amount),
                context: options.context(
                    defaultKey: "payment:\(claim):\(amount.decimalString()):\((options.date ?? today()).iso)"
                )
            )
        }
        report(
            event,
            what: LocalizedText(zh: "申领 \(claim) 的拨付", en: "payment on \(claim)"),
            format: options.format,
            language: options.lang
        )
    }
}

struct Expire: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Lapse what is left of the programme's quotas whose validity ended before the date.",
        discussion: """
            Example:
              voucher expire --programme yrd-innovation-voucher --date 2023-01-01
            """
    )

    @OptionGroup var options: RecordOptions
    @Option(help: "The voucher programme.") var programme: String

    func run() throws {
        let date = options.date ?? today()
        let event = try guarded(options.lang) {
            try options.ledger.open().expireQuotas(
                programme: try ProgrammeID(programme),
                context: options.context(defaultKey: "expiry:\(programme):\(date.iso)")
            )
        }
        guard let event else {
            print(options.lang == .zh ? "没有需要过期处理的额度" : "no quota to lapse")
            return
        }
        report(
            event,
            what: LocalizedText(zh: "\(programme) 过期额度失效", en: "expiry of \(programme)"),
            format: options.format,
            language: options.lang
        )
    }
}

struct Reverse: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Cancel an event by a new event that references it, with a reason (at most once).",
        discussion: """
            Example:
              voucher reverse --event 42 --reason "录入重复"
            """
    )

    @OptionGroup var options: RecordOptions
    @Option(help: "The sequence number of the event to reverse.") var event: Int64
    @Option(help: "Why.") var reason: String

    func run() throws {
        let recorded = try guarded(options.lang) {
            try options.ledger.open().reverse(
                event: event,
                reason: reason,
                context: options.context(defaultKey: "reversal:\(event)")
            )
        }
        report(
            recorded,
            what: LocalizedText(zh: "冲销事件 \(event)", en: "reversal of event \(event)"),
            format: options.format,
            language: options.lang
        )
    }
}

struct Redeem: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Redemption (兑付): a provider files its uses, each is then paid, reduced or rejected.",
        subcommands: [File.self, PayUse.self, Reduce.self, RejectUse.self]
    )

    struct File: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "file",
            abstract: "Record a provider's claim for redemption of one or more uses.",
            discussion: """
                Example:
                  voucher redeem file --ref R-2022-07 --provider 12310000007000001F \\
                    --use U-1 --use U-2 --date 2022-07-01
                """
        )

        @OptionGroup var options: RecordOptions
        @Option(help: "The redemption claim's reference.") var ref: String
        @Option(help: "The provider's credit code.") var provider: String
        @Option(name: .customLong("use"), help: "A use to redeem (repeat for more).") var uses: [String]

        func run() throws {
            let event = try guarded(options.lang) {
                try options.ledger.open().fileRedemption(
                    RedemptionFilingRequest(ref: ref, providerID: provider, useRefs: uses),
                    context: options.context(defaultKey: "redemption:\(ref)")
                )
            }
            report(
                event,
                what: LocalizedText(zh: "兑付申请 \(ref)", en: "redemption claim \(ref)"),
                format: options.format,
                language: options.lang
            )
        }
    }

    struct PayUse: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pay",
            abstract: "Pay a filed use in full.",
            discussion: "Example:\n  voucher redeem pay --claim R-2022-07 --use U-1 --date 2022-07-15"
        )
        @OptionGroup var options: RecordOptions
        @Option(help: "The redemption claim's reference.") var claim: String
        @Option(help: "The use.") var use: String

        func run() throws { try settle(options, claim, use, .paid) }
    }

    struct Reduce: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pay a filed use in part, with the reason; the rest is returned or forfeited as the policy says.",
            discussion:
                "Example:\n  voucher redeem reduce --claim R-2022-07 --use U-2 --amount 15万 \\\n    --reason 发票金额不符"
        )
        @OptionGroup var options: RecordOptions
        @Option(help: "The redemption claim's reference.") var claim: String
        @Option(help: "The use.") var use: String
        @Option(parsing: .unconditional, help: "The amount paid.", transform: Money.argument) var amount: Money
        @Option(help: "Why it is reduced.") var reason: String

        func run() throws { try settle(options, claim, use, .reduced(paid: amount, reason: reason)) }
    }

    struct RejectUse: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reject",
            abstract: "Refuse to pay a filed use, with the reason.",
            discussion: "Example:\n  voucher redeem reject --claim R-2022-07 --use U-3 --reason 合同与发票不一致"
        )
        @OptionGroup var options: RecordOptions
        @Option(help: "The redemption claim's reference.") var claim: String
        @Option(help: "The use.") var use: String
        @Option(help: "Why it is rejected.") var reason: String

        func run() throws { try settle(options, claim, use, .rejected(reason: reason)) }
    }
}

private func settle(
    _ options: RecordOptions,
    _ claim: String,
    _ use: String,
    _ outcome: SettlementRequest.Outcome
) throws {
    let event = try guarded(options.lang) {
        try options.ledger.open().settleRedemption(
            SettlementRequest(filingRef: claim, useRef: use, outcome: outcome),
            context: options.context(defaultKey: "settlement:\(claim):\(use)")
        )
    }
    report(
        event,
        what: LocalizedText(zh: "用券 \(use) 的兑付结算", en: "settlement of \(use)"),
        format: options.format,
        language: options.lang
    )
}
