import Dispatch
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import VoucherDomain
import VoucherReports
import VoucherStorage

// MARK: - The routes that record or read one thing: a claim, a registration, a decision, a quote, a use, a filing, a settlement, a report

extension API {
    func claim(_ request: Request, _ user: User) async throws -> Response {
        var body = try await Self.body(request)
        let ref = try body.required("ref")
        let applicant = try Self.party("applicant", &body, own: user.applicant)
        try Self.checkParty(user, applicant: applicant)
        let claim = ClaimRequest(
            ref: ref,
            applicantID: applicant,
            programme: try ProgrammeID(try body.required("programme")),
            year: try body.int("year") ?? { throw APIFailure.invalid("year: required") }(),
            requested: try body.requiredMoney("requested"),
            project: try body.string("project"),
            paid: try body.money("paid")
        )
        let context = try Self.context(request, &body, user: user, defaultKey: "claim:\(ref.trimmed)")
        try body.checkAllRead()
        return recorded(try await worker.run { ledger in try ledger.claim(claim, context: context) })
    }

    /// A registration of an applicant, a provider or a product, with the command line's fields and
    /// default keys.
    func register(_ path: String, _ request: Request, _ user: User) async throws -> Response {
        var body = try await Self.body(request)
        switch path {
        case "/api/v1/applicants":
            let id = try body.required("id")
            let kindName = try body.required("kind")
            guard let kind = ApplicantKind(rawValue: kindName) else {
                throw APIFailure.invalid("kind \"\(kindName)\": enterprise or team")
            }
            let registration = ApplicantRegistration(
                identifier: try PartyIdentifier.registered(
                    id,
                    team: kind == .team,
                    overrideReason: try body.string("override_reason"),
                    overrideBy: try body.string("override_by")
                ),
                kind: kind,
                name: try body.required("name"),
                district: try body.string("district") ?? "",
                region: try body.string("region") ?? "",
                group: try body.string("group"),
                attributes: try body.strings("attributes")
            )
            let date = try body.date("date") ?? BusinessDate.today()
            let key = try Self.key(request, user: user)
            try body.checkAllRead()
            return recorded(try await recordApplicant(registration, id: id, date: date, key: key, user: user))
        case "/api/v1/providers":
            let id = try body.required("id")
            let registration = ProviderRegistration(
                identifier: try PartyIdentifier.registered(
                    id,
                    team: false,
                    overrideReason: try body.string("override_reason"),
                    overrideBy: try body.string("override_by")
                ),
                name: try body.required("name"),
                region: try body.required("region")
            )
            let context = try Self.context(
                request,
                &body,
                user: user,
                defaultKey: Ledger.registrationKey(registration, id: id)
            )
            try body.checkAllRead()
            return recorded(
                try await worker.run { ledger in try ledger.registerProvider(registration, context: context) }
            )
        default:
            let registration = ProductRegistration(
                code: try body.required("code"),
                providerID: try body.required("provider"),
                name: try body.required("name"),
                category: try body.required("category"),
                listPrice: try body.requiredMoney("list_price")
            )
            let context = try Self.context(request, &body, user: user, defaultKey: Ledger.registrationKey(registration))
            try body.checkAllRead()
            return recorded(
                try await worker.run { ledger in try ledger.registerProduct(registration, context: context) }
            )
        }
    }

    func decide(_ request: Request, _ context: APIContext, _ user: User) async throws -> Response {
        let ref = try Self.parameter("ref", context).trimmed
        var body = try await Self.body(request)
        let grant = try body.money("grant")
        let reject = try body.string("reject")
        let reason = try body.string("reason")
        let ownLevel: ReviewLevel = user.role == .cityReviewer ? .city : .district
        let level =
            try body.string("level").map { text throws(APIFailure) in
                guard let level = ReviewLevel(rawValue: text.trimmed) else { throw .invalid("level: district or city") }
                return level
            } ?? ownLevel
        guard level == ownLevel else {
            throw APIFailure.forbidden("the role \(user.role.rawValue) decides at the \(ownLevel.rawValue) level only")
        }
        guard (grant == nil) != (reject == nil) else { throw APIFailure.invalid("give either grant or reject") }
        guard reason == nil || grant != nil else {
            throw APIFailure.invalid("reason goes with grant; a rejection's reason is reject")
        }
        let outcome: DecisionRequest.Outcome = grant.map { .grant($0) } ?? .reject(reason: reject ?? "")
        let date = try body.date("date") ?? BusinessDate.today()
        let key = try Self.key(request, user: user)
        try body.checkAllRead()
        return recorded(
            try await recordDecision(
                ref: ref,
                level: level,
                outcome: outcome,
                note: reason,
                user: user,
                date: date,
                key: key
            )
        )
    }

    /// Records a reviewer's decision (with a grant's `note`, if any), as the user; the default key
    /// counts the claim's decisions so far, as the command line's does, in the same step as the
    /// decision. A claim that is not there is 404.
    func recordDecision(
        ref: String,
        level: ReviewLevel,
        outcome: DecisionRequest.Outcome,
        note: String? = nil,
        user: User,
        date: BusinessDate,
        key: String?
    ) async throws -> RecordedEvent {
        let name = user.name
        return try await notFound(ifUnknown: .unknownClaim(ref)) {
            try await worker.run { ledger in
                let before = try ledger.decisionsRecorded(onClaim: ref)
                let context = EventContext(
                    idempotencyKey: key ?? "decision:\(ref):\(level.rawValue):after-\(before)",
                    actor: name,
                    businessDate: date
                )
                return try ledger.decide(
                    DecisionRequest(claimRef: ref, level: level, outcome: outcome, reviewer: name, note: note),
                    context: context
                )
            }
        }
    }

    /// The purchase of a use or a quote, from the body (an enterprise's applicant and a provider's
    /// own provider by default).
    private static func purchase(_ body: inout APIBody, ref: String, user: User) throws -> UseRequest {
        let applicant = try party("applicant", &body, own: user.applicant)
        let provider = try party("provider", &body, own: user.provider)
        try checkParty(user, applicant: applicant, provider: provider)
        return UseRequest(
            ref: ref,
            applicantID: applicant,
            providerID: provider,
            productCode: try body.required("product"),
            programme: try ProgrammeID(try body.required("programme")),
            serviceAmount: try body.requiredMoney("service_amount"),
            project: try body.string("project"),
            eligibleAmount: try body.money("eligible_amount"),
            taxAmount: try body.money("tax_amount"),
            invoice: try body.string("invoice")
        )
    }

    func quote(_ request: Request, _ user: User) async throws -> Response {
        var body = try await Self.body(request)
        let purchase = try Self.purchase(&body, ref: "quote", user: user)
        let date = try body.date("date") ?? BusinessDate.today()
        try body.checkAllRead()
        let decision = try await worker.readShort { ledger in try ledger.quote(purchase, on: date, under: nil) }
        return Self.json(
            200,
            .object([
                "amount": .string(decision.amount.decimalString()), "binding": .optional(decision.binding?.rawValue),
                "ineligible": .optional(decision.ineligibility?.code),
                "explanation_zh": .array(decision.explanation(.zh).map { .string($0) }),
                "explanation_en": .array(decision.explanation(.en).map { .string($0) }),
            ])
        )
    }

    func use(_ request: Request, _ user: User) async throws -> Response {
        var body = try await Self.body(request)
        let ref = try body.required("ref")
        let purchase = try Self.purchase(&body, ref: ref, user: user)
        let context = try Self.context(request, &body, user: user, defaultKey: "use:\(ref.trimmed)")
        try body.checkAllRead()
        return recorded(try await worker.grouped { ledger in try ledger.use(purchase, context: context) })
    }

    /// A use, if the user may see it: an enterprise its own, a provider its own; else 404.
    func visibleUse(_ ref: String, _ user: User) async throws -> UseView {
        let ref = ref.trimmed
        let view = try await worker.readShort { ledger in try ledger.useView(ref: ref) }
        guard let view,
            user.role != .enterprise || view.applicant == user.applicant,
            user.role != .provider || view.use.provider == user.provider
        else { throw APIFailure(404, "no use \"\(ref)\"", refusal: .unknownUse(ref)) }
        return view
    }

    func showUse(_ ref: String, _ user: User) async throws -> Response {
        let view = try await visibleUse(ref, user)
        let use = view.use
        let explanation = Dossier.explanationLines(use.explanation, .zh)
        return Self.json(
            200,
            .object([
                "event": .int(use.seq), "ref": .string(use.ref), "claim": .string(use.claimRef),
                "applicant": .string(view.applicant), "programme": .string(view.programme),
                "year": .int(Int64(view.year)), "provider": .string(use.provider), "product": .string(use.product),
                "date": .string(use.usedOn), "service_amount": .string(use.serviceAmount.decimalString()),
                "amount": .string(use.amount.decimalString()), "invoice": .optional(use.invoice),
                "redemption_deadline": .optional(use.redemptionDeadline),
                "reversed_by": view.reversedBy.map { .int($0) } ?? .null,
                "explanation_zh": .array(explanation.map { .string($0) }),
                "explanation_en": .array(Dossier.explanationLines(use.explanation, .en).map { .string($0) }),
            ])
        )
    }

    func file(_ request: Request, _ user: User) async throws -> Response {
        var body = try await Self.body(request)
        let ref = try body.required("ref")
        let provider = try Self.party("provider", &body, own: user.provider)
        try Self.checkParty(user, provider: provider)
        let uses = try body.strings("uses")
        guard !uses.isEmpty else { throw APIFailure.invalid("uses: give the uses to redeem, e.g. [\"U-1\"]") }
        // A provider files its own uses: another's is not for it to see.
        for use in uses { _ = try await visibleUse(use, user) }
        let context = try Self.context(request, &body, user: user, defaultKey: "redemption:\(ref.trimmed)")
        try body.checkAllRead()
        let filing = RedemptionFilingRequest(ref: ref, providerID: provider, useRefs: uses)
        return recorded(try await worker.run { ledger in try ledger.fileRedemption(filing, context: context) })
    }

    func settle(_ request: Request, _ context: APIContext, _ user: User) async throws -> Response {
        let filing = try Self.parameter("ref", context).trimmed
        var body = try await Self.body(request)
        let use = try body.required("use").trimmed
        let outcomeName = try body.required("outcome").trimmed
        let outcome: SettlementRequest.Outcome
        switch outcomeName {
        case "paid":
            outcome = .paid
        case "reduced":
            outcome = .reduced(paid: try body.requiredMoney("amount"), reason: try body.required("reason"))
        case "rejected":
            outcome = .rejected(reason: try body.required("reason"))
        default:
            throw APIFailure.invalid(
                "outcome \"\(outcomeName)\": paid, reduced (with amount and reason) or rejected (with reason)"
            )
        }
        let eventContext = try Self.context(request, &body, user: user, defaultKey: "settlement:\(filing):\(use)")
        try body.checkAllRead()
        let settlement = SettlementRequest(filingRef: filing, useRef: use, outcome: outcome)
        return recorded(
            try await notFound(ifUnknown: .unknownRedemption(filing)) {
                try await worker.run { ledger in try ledger.settleRedemption(settlement, context: eventContext) }
            }
        )
    }

    func report(_ context: APIContext) async throws -> Response {
        let name = try Self.parameter("programme", context)
        guard let programme = try? ProgrammeID(name) else { throw APIFailure.notFound("no programme \"\(name)\"") }
        guard let year = Int(try Self.parameter("year", context)), (1900...9999).contains(year) else {
            throw APIFailure.notFound("no report for that year; give a year such as 2022")
        }
        let report: ReconciliationReport
        do {
            report = try await worker.read { ledger in
                try buildReport(ledger, programme: programme, period: .year(year))
            }
        } catch LedgerError.unknownProgramme(let id) {
            throw APIFailure.notFound("no programme \"\(id)\"")
        }
        return Response(
            status: .ok,
            headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: report.render(.json, language: .zh)))
        )
    }
}
