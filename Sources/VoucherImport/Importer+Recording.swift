import Foundation
import VoucherDomain
import VoucherStorage

extension Importer {
    // MARK: - Recording

    func context(_ key: String, _ date: BusinessDate) -> EventContext {
        EventContext(idempotencyKey: key, actor: actor, businessDate: date)
    }

    /// Each redemption ref's uses in file order, its filing date (the earliest of its rows' dates,
    /// each row's `filed_on`, else its `paid_on`), and the column that date was read from.
    typealias Filings = [String: (useRefs: [String], filedOn: BusinessDate, column: String)]

    func record(_ located: LocatedRow, filings: Filings) throws -> [RecordedEvent] {
        switch located.row {
        case .applicant(let registration):
            let key =
                "import:applicant:"
                + Ledger.contentKey(
                    [
                        registration.identifier.value, registration.kind.rawValue, registration.name,
                        registration.district,
                        registration.region, registration.group ?? "",
                    ]
                        + (registration.attributes.isEmpty
                            ? [] : [registration.attributes.sorted().joined(separator: ";")])
                )
            return [try ledger.registerApplicant(registration, context: context(key, BusinessDate.today()))]
        case .provider(let registration):
            let key =
                "import:provider:"
                + Ledger.contentKey([registration.identifier.value, registration.name, registration.region])
            return [try ledger.registerProvider(registration, context: context(key, BusinessDate.today()))]
        case .product(let registration):
            let key =
                "import:product:"
                + Ledger.contentKey([
                    registration.code, registration.providerID, registration.name, registration.category,
                    registration.listPrice.decimalString(),
                ])
            return [try ledger.registerProduct(registration, context: context(key, BusinessDate.today()))]
        case .claim(let claim, let claimedOn, let decision):
            var events = [try ledger.claim(claim, context: context("import:claim:\(claim.ref)", claimedOn))]
            if let (request, decidedOn) = decision {
                events.append(try ledger.decide(request, context: context("import:decision:\(claim.ref)", decidedOn)))
            }
            return events
        case .use(let use, let usedOn):
            return [try ledger.use(use, context: context("import:use:\(use.ref)", usedOn))]
        case .redemption(let ref, let useRef, let outcome, let stated, let paidOn, _):
            guard let use = try ledger.recordedUse(ref: useRef) else { throw LedgerError.unknownUse(useRef) }
            if let stated, stated != use.amount {
                throw stated > use.amount
                    ? LedgerError.settlementOverUse(use: useRef, used: use.amount, paid: stated)
                    : LedgerError.invalid(
                        field: "amount",
                        value: stated.formatted(),
                        reason: "outcome paid pays the whole \(use.amount) used; write outcome reduced to pay less",
                        zh: "outcome 为 paid 即全额兑付用券金额 \(use.amount)；如需少付，请将 outcome 写为 reduced（核减兑付）并写明理由"
                    )
            }
            var events: [RecordedEvent] = []
            if let filing = filings[ref], filing.useRefs.first == useRef {
                events.append(
                    try ledger.fileRedemption(
                        RedemptionFilingRequest(ref: ref, providerID: use.providerID, useRefs: filing.useRefs),
                        context: context("import:redemption:\(ref)", filing.filedOn)
                    )
                )
            }
            events.append(
                try ledger.settleRedemption(
                    SettlementRequest(filingRef: ref, useRef: useRef, outcome: outcome),
                    context: context("import:settlement:\(ref):\(useRef)", paidOn)
                )
            )
            return events
        }
    }

    // MARK: - Ledger refusals as import issues

    /// The column that holds what a rule found ineligible, in a file of this kind.
    static func column(of why: Ineligibility, kind: ImportKind) -> String {
        let date = kind == .claims ? "decided_on" : "used_on"
        return switch why {
        case .noPolicyInForce, .quotaNotYetValid, .quotaExpired: date
        case .wrongProgrammeKind: "programme"
        case .applicantKind, .noQuota: "applicant_id"
        case .productCategory: "product_code"
        case .providerRegion: "provider_id"
        }
    }

    /// The refusal as an issue of the row, naming the column to correct: `header` is the file's,
    /// so that a date taken from another column (a filing dated by its first `paid_on`) names that.
    /// `filingColumn`: for a redemption row, the column its filing's date was read from.
    static func issue(for error: LedgerError, line: Int, kind: ImportKind, filingColumn: String?) -> ImportIssue {
        let column: String? =
            switch error {
            case .unknownApplicant, .applicantNotEligible: "applicant_id"
            case .providerSuspended: "provider_id"
            case .invoiceFunded: "invoice"
            case .unknownProvider: "provider_id"
            case .unknownProduct, .productOfAnotherProvider: "product_code"
            case .unknownProgramme, .wrongProgrammeKind: "programme"
            case .unknownClaim, .referenceTaken, .idempotencyConflict, .claimExists: "ref"
            case .unknownUse, .redemption: "use_ref"
            case .grantOverLimit, .decisionOrder: "granted"
            case .notEligible(_, let why?): column(of: why, kind: kind)
            case .notEligible, .nothingToPay: "service_amount"
            case .settlementOverUse: "amount"
            // The date of an event the row records: a claim's (claimed_on, else decided_on, else
            // 1 January of its year), a use's, a filing's or a settlement's.
            case .invalid("date", _, _, _):
                switch kind {
                case .claims: "claimed_on"
                case .uses: "used_on"
                case .redemptions: filingColumn ?? "paid_on"
                default: nil
                }
            case .invalid(let field, _, _, _): field
            case .datedBefore(let record, _, _, _):
                switch record {
                case .decision: "decided_on"
                case .redemptionFiled: filingColumn ?? "filed_on"
                case .redemptionSettled: "paid_on"
                default: nil
                }
            default: nil
            }
        // A row imported before under the same reference with other content: say so in the file's
        // terms (the key is the import's own, `import:KIND:REF`, which no file shows).
        if case .idempotencyConflict(let key, let event) = error, key.hasPrefix("import:") {
            let parts = key.split(separator: ":", maxSplits: 2).map(String.init)
            // Registrations are keyed by their content, not by a reference: not these.
            if parts.count == 3, ["claim", "decision", "use", "redemption", "settlement"].contains(parts[1]) {
                return ImportIssue(
                    line: line,
                    column: column,
                    reason: "\(parts[1]) \(parts[2]) was imported before (event \(event)) with other content; "
                        + "a recorded row is corrected by reversing its event (`voucher reverse --event \(event)`) "
                        + "and importing it under a new reference, not by importing it again",
                    zh: "\(LedgerError.recordZh(parts[1])) \(parts[2]) 此前已导入（事件 \(event)），内容与此不同；"
                        + "已记录的行须冲销其事件（`voucher reverse --event \(event)`）后以新编号导入，不能再次导入来更正"
                )
            }
        }
        return ImportIssue(line: line, column: column, reason: error.description, zh: error.text(.zh))
    }
}
