import Dispatch
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import VoucherDomain
import VoucherReports
import VoucherStorage

// MARK: - What each route does

extension API {
    // MARK: Handlers

    func handle(_ route: Route, _ request: Request, _ context: APIContext, user: User?) async throws -> Response {
        switch (route.method, route.path) {
        case ("GET", "/api/v1/openapi.yaml"):
            return Response(
                status: .ok,
                headers: [.contentType: "application/yaml; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: OpenAPI.document))
            )
        case ("GET", "/api/v1/me"):
            guard let user else { break }
            return Self.json(
                200,
                .object([
                    "name": .string(user.name), "role": .string(user.role.rawValue),
                    "applicant": .optional(user.applicant), "provider": .optional(user.provider),
                ])
            )
        case ("POST", "/api/v1/claims"):
            guard let user else { break }
            return try await claim(request, user)
        case ("GET", "/api/v1/programmes"):
            return Self.json(200, programmesJSON(try await worker.read { ledger in try ledger.programmes() }))
        case ("GET", "/api/v1/programmes/{programme}/policy"):
            let name = try Self.parameter("programme", context)
            guard let programme = try? ProgrammeID(name),
                let yaml = try await worker.read({ ledger in try ledger.policyFile(programme) })
            else { throw APIFailure.notFound("no programme \"\(name)\"") }
            return Response(
                status: .ok,
                headers: [.contentType: "application/yaml; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: yaml))
            )
        case ("POST", "/api/v1/programmes"):
            guard let user else { break }
            var body = try await Self.body(request)
            let yaml = try body.required("yaml")
            let file = try body.string("file") ?? "policy.yaml"
            let eventContext = try Self.context(request, &body, user: user, defaultKey: Ledger.policyKey(yaml))
            try body.checkAllRead()
            return recorded(
                try await worker.run { ledger in
                    try ledger.installProgramme(yaml: yaml, file: file, context: eventContext)
                }
            )
        case ("POST", "/api/v1/whatif"):
            var body = try await Self.body(request)
            let programme = try ProgrammeID(try body.required("programme"))
            guard let year = try body.int("year") else { throw APIFailure.invalid("year: required") }
            let policies = try body.strings("policies")
            guard !policies.isEmpty else {
                throw APIFailure.invalid("policies: give at least one reform's policy file (its YAML text)")
            }
            let language: Language = try body.string("lang") == "en" ? .en : .zh
            try body.checkAllRead()
            let report = try await worker.read { ledger in
                let own = try ledger.programme(programme)
                let reforms = try policies.enumerated().map { index, yaml in
                    let name = "reform-\(index + 1)"
                    return (name: name, programme: try reformProgramme(yaml: yaml, file: name, of: own))
                }
                return try buildWhatIf(ledger, programme: programme, year: year, reforms: reforms, everyName: false)
            }
            return Response(
                status: .ok,
                headers: [.contentType: "application/json; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: report.render(.json, language: language)))
            )
        case ("POST", "/api/v1/providers/{id}/status"):
            guard let user else { break }
            let provider = try Self.parameter("id", context).trimmed
            var body = try await Self.body(request)
            let statusName = try body.required("status").trimmed
            guard let status = ProviderStatus(rawValue: statusName) else {
                throw APIFailure.invalid("status \"\(statusName)\": suspended or reinstated")
            }
            guard let from = try body.date("from") else { throw APIFailure.invalid("from: required (YYYY-MM-DD)") }
            let reason = try body.string("reason")
            let key = try Self.key(request, user: user)
            try body.checkAllRead()
            return recorded(
                try await recordProviderStatus(
                    provider: provider,
                    status: status,
                    from: from,
                    reason: reason,
                    key: key,
                    user: user
                )
            )
        case ("POST", "/api/v1/budgets"):
            guard let user else { break }
            var body = try await Self.body(request)
            let appropriation = Appropriation(
                programme: try ProgrammeID(try body.required("programme")),
                year: try body.int("year") ?? { throw APIFailure.invalid("year: required") }(),
                amount: try body.requiredMoney("amount"),
                shares: try body.strings("shares").map { text throws(LedgerError) in try BudgetShare.parse(text) }
            )
            let date = try body.date("date") ?? BusinessDate.today()
            let key = try Self.key(request, user: user)
            try body.checkAllRead()
            return recorded(try await recordBudget(appropriation, date: date, key: key, user: user))
        case ("POST", "/api/v1/applicants"), ("POST", "/api/v1/providers"), ("POST", "/api/v1/products"):
            guard let user else { break }
            return try await register(route.path, request, user)
        case ("POST", "/api/v1/claims/{ref}/decisions"):
            guard let user else { break }
            return try await decide(request, context, user)
        case ("POST", "/api/v1/quotes"):
            guard let user else { break }
            return try await quote(request, user)
        case ("POST", "/api/v1/uses"):
            guard let user else { break }
            return try await use(request, user)
        case ("GET", "/api/v1/uses/{ref}"):
            guard let user else { break }
            return try await showUse(try Self.parameter("ref", context), user)
        case ("POST", "/api/v1/redemptions"):
            guard let user else { break }
            return try await file(request, user)
        case ("POST", "/api/v1/redemptions/{ref}/settlements"):
            guard let user else { break }
            return try await settle(request, context, user)
        case ("GET", "/api/v1/reports/{programme}/{year}"):
            return try await report(context)
        case ("POST", "/api/v1/claims/{ref}/payments"):
            guard let user else { break }
            let claim = try Self.parameter("ref", context).trimmed
            var body = try await Self.body(request)
            try Self.requireKey(request, for: "a payment")
            let payment = PaymentRequest(claimRef: claim, amount: try body.requiredMoney("amount"))
            let date = try body.date("date") ?? BusinessDate.today()
            let eventContext = try Self.context(
                request,
                &body,
                user: user,
                defaultKey: "payment:\(claim):\(payment.amount.decimalString()):\(date.iso)"
            )
            try body.checkAllRead()
            return recorded(
                try await notFound(ifUnknown: .unknownClaim(claim)) {
                    try await worker.run { ledger in try ledger.pay(payment, context: eventContext) }
                }
            )
        case ("POST", "/api/v1/uses/{ref}/recoveries"), ("POST", "/api/v1/uses/{ref}/receipts"):
            guard let user else { break }
            let use = try Self.parameter("ref", context).trimmed
            let receipt = route.path.hasSuffix("receipts")
            try Self.requireKey(request, for: receipt ? "money received back" : "money owed back")
            var body = try await Self.body(request)
            let fact = RecoveryFact(
                useRef: use,
                amount: try body.requiredMoney("amount"),
                reason: receipt ? nil : try body.required("reason")
            )
            let date = try body.date("date") ?? BusinessDate.today()
            let eventContext = try Self.context(
                request,
                &body,
                user: user,
                defaultKey:
                    "\(receipt ? "recovery-received" : "recovery"):\(use):\(fact.amount.decimalString()):\(date.iso)"
            )
            try body.checkAllRead()
            return recorded(try await recordRecovery(fact, received: receipt, context: eventContext))
        case ("POST", "/api/v1/programmes/{programme}/expiries"):
            guard let user else { break }
            let name = try Self.parameter("programme", context)
            guard let programme = try? ProgrammeID(name) else { throw APIFailure.notFound("no programme \"\(name)\"") }
            var body = try await Self.body(request)
            let date = try body.date("date") ?? BusinessDate.today()
            let eventContext = try Self.context(
                request,
                &body,
                user: user,
                defaultKey: "expiry:\(programme.value):\(date.iso)"
            )
            try body.checkAllRead()
            guard let event = try await recordExpiry(programme: programme, context: eventContext) else {
                return Self.json(200, .object(["event": .null, "lapsed": .bool(false)]))
            }
            return recorded(event)
        case ("POST", "/api/v1/events/{seq}/reversals"):
            guard let user else { break }
            guard let seq = Int64(try Self.parameter("seq", context)), seq >= 1 else {
                throw APIFailure.notFound("no such event")
            }
            var body = try await Self.body(request)
            let reason = try body.required("reason")
            let eventContext = try Self.context(request, &body, user: user, defaultKey: "reversal:\(seq)")
            try body.checkAllRead()
            return recorded(try await recordReversal(event: seq, reason: reason, context: eventContext))
        case ("GET", "/api/v1/applicants/{id}/dossier"):
            let applicant = try Self.parameter("id", context).trimmed
            let language: Language = request.uri.queryParameters.get("lang") == "en" ? .en : .zh
            let dossier = try await notFound(ifUnknown: .unknownApplicant(applicant)) {
                try await worker.read { ledger in try ledger.dossier(Dossier.Scope(applicant: applicant)) }
            }
            return Response(
                status: .ok,
                headers: [
                    .contentType: "application/zip",
                    .contentDisposition: "attachment; filename=\"dossier-\(dossier.head.events).zip\"",
                ],
                body: .init(byteBuffer: ByteBuffer(bytes: try Dossier.archive(dossier.files(language))))
            )
        case ("GET", "/api/v1/verify"):
            let report = try await worker.read { ledger in try ledger.verify(against: nil) }
            return Self.json(
                report.isValid ? 200 : 409,
                .object([
                    "valid": .bool(report.isValid), "events": .int(report.eventsChecked),
                    "head": .string(report.head.hash), "problem_event": report.problem?.event.map { .int($0) } ?? .null,
                    "problem": .optional(report.problem?.message),
                    "problem_zh": .optional(report.problem?.zh),
                ])
            )
        default:
            break
        }
        throw APIFailure(500, "no handler for \(route.method) \(route.path)")
    }

    /// A path parameter, percent-decoded (references may hold Chinese characters or spaces).
    static func parameter(_ name: String, _ context: APIContext) throws -> String {
        guard let raw = context.parameters.get(name), let decoded = raw.removingPercentEncoding else {
            throw APIFailure.notFound("no such \(name)")
        }
        return decoded
    }

    static func body(_ request: Request) async throws -> APIBody {
        var request = request
        let buffer = try await request.collectBody(upTo: maxBody)
        return try APIBody(Data(buffer.readableBytesView))
    }

    /// The event context of a request: the signed-in user records, on the body's date (default
    /// today), under the `Idempotency-Key` header's key, else the command line's default key.
    static func context(
        _ request: Request,
        _ body: inout APIBody,
        user: User,
        defaultKey: String
    ) throws
        -> EventContext
    {
        let date = try body.date("date") ?? BusinessDate.today()
        return EventContext(
            idempotencyKey: try Self.key(request, user: user) ?? defaultKey,
            actor: user.name,
            businessDate: date
        )
    }

    /// Money paid or owed that carries no reference of its own needs the client's key: a retry
    /// after midnight would otherwise get a new default key (it names the day) and pay twice.
    static func requireKey(_ request: Request, for what: String) throws(APIFailure) {
        guard request.headers[idempotencyKey]?.trimmed.isEmpty == false else {
            throw .invalid(
                "Idempotency-Key: required for \(what); send the same key when you retry, so that it is recorded once"
            )
        }
    }

    /// The applicant or provider a request names, else the user's own; required of users who act
    /// for no party.
    static func party(_ key: String, _ body: inout APIBody, own: String?) throws(APIFailure) -> String {
        if let named = try body.string(key), !named.trimmed.isEmpty { return named }
        guard let own else { throw .invalid("\(key): required") }
        return own
    }

    /// An enterprise acts for its own applicant, a provider's user for its own provider.
    static func checkParty(_ user: User, applicant: String? = nil, provider: String? = nil) throws(APIFailure) {
        if user.role == .enterprise, let applicant, applicant.trimmed != user.applicant {
            throw .forbidden("an enterprise user acts for its own applicant (\(user.applicant ?? "")) only")
        }
        if user.role == .provider, let provider, provider.trimmed != user.provider {
            throw .forbidden("a provider's user acts for its own provider (\(user.provider ?? "")) only")
        }
    }

    /// The path's reference not found is a 404, not a refusal of the body.
    func notFound<T>(ifUnknown unknown: LedgerError, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as LedgerError where error == unknown {
            throw APIFailure(404, error.description, refusal: error)
        }
    }

    /// Counts a recorded (or replayed) event in the metrics, and returns it.
    func counted(_ event: RecordedEvent) -> RecordedEvent {
        metrics.recorded(event)
        return event
    }

    func recorded(_ event: RecordedEvent) -> Response {
        metrics.recorded(event)
        return Self.json(event.replayed ? 200 : 201, event.json)
    }
}
