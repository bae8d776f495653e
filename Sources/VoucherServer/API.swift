import Dispatch
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import VoucherDomain
import VoucherReports
import VoucherStorage

/// A request's context: who sent it, once the bearer token is checked.
public struct APIContext: RequestContext {
    public var coreContext: CoreRequestContextStorage

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }

}

/// Runs the ledger's synchronous work on a queue of its own, so that a request waiting for SQLite
/// never holds one of the few threads Swift's concurrency runs every request on.
///
/// Uses are committed in groups: the uses that arrive while a transaction is being written wait
/// for the next, which records them all and commits once (one fsync for many). Each is answered
/// only after the commit that holds it; a use the rules refuse gets its refusal and takes nothing
/// from the others. Should an operation fail half-written, nothing of its group is kept and each
/// use of the group is recorded again on its own.
final class LedgerWorker: @unchecked Sendable {
    let ledger: Ledger
    private let queue = DispatchQueue(label: "voucher-ledger.ledger")
    /// Uses waiting for the next group; read and changed on `queue` only.
    private var waiting: [Job] = []
    /// The most uses one transaction records: 256, or `VOUCHER_LARGEST_GROUP` (scripts/load sets 1
    /// to measure one commit per use beside it).
    static let largestGroup = max(1, Int(ProcessInfo.processInfo.environment["VOUCHER_LARGEST_GROUP"] ?? "") ?? 256)

    final class Job: @unchecked Sendable {
        let body: (Ledger) throws -> RecordedEvent
        let done: (Result<RecordedEvent, any Error>) -> Void
        var result: Result<RecordedEvent, any Error>?

        init(
            body: @escaping (Ledger) throws -> RecordedEvent,
            done: @escaping (Result<RecordedEvent, any Error>) -> Void
        ) {
            self.body = body
            self.done = done
        }
    }

    let metrics: ServiceMetrics

    init(ledger: Ledger, metrics: ServiceMetrics) {
        self.ledger = ledger
        self.metrics = metrics
    }

    func run<T: Sendable>(_ body: @escaping @Sendable (Ledger) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { [ledger] in continuation.resume(with: Result { try body(ledger) }) }
        }
    }

    /// Connections that only read (read-only, each with a queue of its own): quotes, reports,
    /// verification and pages run there, beside the writes, and never hold them up. A ledger in
    /// memory has none, and reads on the writer's queue.
    private var readers: [(ledger: Ledger, queue: DispatchQueue)] = []
    private let nextReader = NSLock()
    private var readerIndex = 0

    func addReaders(_ ledgers: [Ledger]) {
        readers = ledgers.enumerated().map { ($1, DispatchQueue(label: "voucher-ledger.reader-\($0)")) }
    }

    /// Runs a read on the next reader (the writer's queue when there is none). What it reads was
    /// committed before it began: an answer given after a commit is seen by every read after it.
    func read<T: Sendable>(_ body: @escaping @Sendable (Ledger) throws -> T) async throws -> T {
        guard !readers.isEmpty else { return try await run(body) }
        let reader = nextReader.withLock {
            readerIndex = (readerIndex + 1) % readers.count
            return readers[readerIndex]
        }
        return try await withCheckedThrowingContinuation { continuation in
            reader.queue.async { continuation.resume(with: Result { try body(reader.ledger) }) }
        }
    }

    /// Records a use in the next group commit.
    func grouped(_ body: @escaping @Sendable (Ledger) throws -> RecordedEvent) async throws -> RecordedEvent {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                self.waiting.append(Job(body: body) { continuation.resume(with: $0) })
                // The first to wait schedules the group; later ones join it until it runs.
                if self.waiting.count == 1 { self.queue.async { self.commitGroup() } }
            }
        }
    }

    private func commitGroup() {
        let group = Array(waiting.prefix(Self.largestGroup))
        waiting.removeFirst(group.count)
        if !waiting.isEmpty { queue.async { self.commitGroup() } }
        do {
            try ledger.batch {
                for job in group { job.result = Result { try job.body(ledger) } }
            }
        } catch is BatchAbandoned {
            // An operation failed half-written, and nothing of the group was kept: each on its
            // own, in order.
            for job in group { job.result = Result { try job.body(ledger) } }
        } catch {
            // The commit itself failed (the disk, a lock held too long): nothing was kept, and
            // every use of the group is answered with why.
            for job in group { job.result = .failure(error) }
        }
        metrics.committedGroup(of: group.count)
        for job in group {
            job.done(job.result ?? .failure(LedgerError.internalInconsistency("a grouped use had no result")))
        }
    }
}

/// How many are inside: entered while fewer than a bound are, left when done.
final class Occupancy: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    func enter(below bound: Int) -> Bool {
        lock.withLock {
            guard count < bound else { return false }
            count += 1
            return true
        }
    }

    func leave() { lock.withLock { count -= 1 } }
}

/// The JSON API under `/api/v1`: every route, who may use it, and what it does. The rules are the
/// ledger's; this layer reads the request, checks the role and the party, and answers.
public struct API: Sendable {
    /// A route as openapi.yaml lists it.
    public struct Route: Sendable, Hashable {
        public var method: String
        public var path: String
        /// Who may use it; empty: anyone, signed in or not.
        public var roles: Set<Role>
    }

    let worker: LedgerWorker
    let accounts: Accounts
    /// Tokens are checked on a queue of their own: a long report never delays signing in.
    private let accountsQueue = DispatchQueue(label: "voucher-ledger.accounts", attributes: .concurrent)
    private let passwordQueue = DispatchQueue(label: "voucher-ledger.passwords")
    private let passwordsWaiting = Occupancy()
    let logger: Logger
    let metrics: ServiceMetrics

    /// `readers`: read-only connections to the same ledger file, for what only reads.
    public init(
        ledger: Ledger,
        readers: [Ledger] = [],
        accounts: Accounts,
        logger: Logger = Logger(label: "voucher-ledger"),
        metrics: ServiceMetrics = ServiceMetrics()
    ) {
        worker = LedgerWorker(ledger: ledger, metrics: metrics)
        worker.addReaders(readers)
        self.accounts = accounts
        self.logger = logger
        self.metrics = metrics
    }

    // swift-format-ignore: NeverForceUnwrap
    // A valid field name, spelled out.
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!

    /// The request's `Idempotency-Key`, when it has one that is not blank, kept apart from every
    /// other user's keys (`api:USER:KEY`).
    static func key(_ request: Request, user: User) throws(APIFailure) -> String? {
        guard let key = request.headers[idempotencyKey]?.trimmed, !key.isEmpty else { return nil }
        guard key.unicodeScalars.count <= 200 else { throw .invalid("Idempotency-Key: at most 200 characters") }
        return "api:\(user.id):\(key)"
    }

    /// No request of the API carries more than this (a larger one is answered 413).
    static let maxBody = 1 << 20

    static let reviewers: Set<Role> = [.districtReviewer, .cityReviewer]
    static let readers: Set<Role> = [.districtReviewer, .cityReviewer, .finance, .auditor, .admin]

    /// Every route, in the order openapi.yaml lists them.
    public static let routes: [Route] = [
        Route(method: "GET", path: "/api/v1/openapi.yaml", roles: []),
        Route(method: "GET", path: "/api/v1/me", roles: Set(Role.allCases)),
        Route(method: "GET", path: "/api/v1/programmes", roles: Set(Role.allCases)),
        Route(method: "GET", path: "/api/v1/programmes/{programme}/policy", roles: Set(Role.allCases)),
        Route(method: "POST", path: "/api/v1/programmes", roles: [.admin]),
        Route(method: "POST", path: "/api/v1/applicants", roles: [.admin]),
        Route(method: "POST", path: "/api/v1/providers", roles: [.admin]),
        Route(method: "POST", path: "/api/v1/products", roles: [.admin]),
        Route(method: "POST", path: "/api/v1/providers/{id}/status", roles: [.admin]),
        Route(method: "POST", path: "/api/v1/budgets", roles: [.admin]),
        Route(method: "POST", path: "/api/v1/claims", roles: [.enterprise, .admin]),
        Route(method: "POST", path: "/api/v1/claims/{ref}/decisions", roles: reviewers),
        // Not providers: a quote shows the applicant's quota left.
        Route(method: "POST", path: "/api/v1/quotes", roles: Set(Role.allCases).subtracting([.provider])),
        Route(method: "POST", path: "/api/v1/uses", roles: [.enterprise, .admin]),
        Route(method: "GET", path: "/api/v1/uses/{ref}", roles: readers.union([.enterprise, .provider])),
        Route(method: "POST", path: "/api/v1/redemptions", roles: [.provider]),
        Route(method: "POST", path: "/api/v1/redemptions/{ref}/settlements", roles: [.finance]),
        Route(method: "POST", path: "/api/v1/claims/{ref}/payments", roles: [.finance]),
        Route(method: "POST", path: "/api/v1/uses/{ref}/recoveries", roles: [.finance]),
        Route(method: "POST", path: "/api/v1/uses/{ref}/receipts", roles: [.finance]),
        Route(method: "POST", path: "/api/v1/programmes/{programme}/expiries", roles: [.admin]),
        Route(method: "POST", path: "/api/v1/events/{seq}/reversals", roles: [.admin]),
        Route(method: "GET", path: "/api/v1/applicants/{id}/dossier", roles: [.auditor, .admin]),
        Route(method: "GET", path: "/api/v1/reports/{programme}/{year}", roles: readers),
        Route(method: "POST", path: "/api/v1/whatif", roles: readers),
        Route(method: "GET", path: "/api/v1/verify", roles: [.auditor, .admin]),
    ]

    /// The router of every route and the console's pages, each request logged (``RequestLog``).
    public func router(loginThrottle: Duration = .seconds(1)) throws -> Router<APIContext> {
        let router = Router(context: APIContext.self)
        // Middleware applies to the routes added after it.
        router.middlewares.add(RequestLog(logger: logger, metrics: metrics))
        let metrics = metrics
        router.get("/metrics") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: metrics.text()))
            )
        }
        try Console(api: self, throttle: LoginThrottle(step: loginThrottle)).register(on: router)
        for route in Self.routes {
            let method = HTTPRequest.Method(rawValue: route.method) ?? .get
            router.on(RouterPath(route.path), method: method) { request, context in
                await answer(route, request, context)
            }
        }
        return router
    }

    private func answer(_ route: Route, _ request: Request, _ context: APIContext) async -> Response {
        var user: User?
        do {
            if route.roles.isEmpty { return try await handle(route, request, context, user: nil) }
            user = try await authenticate(request)
            guard let user else {
                return Self.json(
                    401,
                    Self.failure(
                        401,
                        "sign in: send Authorization: Bearer TOKEN (voucher user token --name NAME issues one)"
                    ),
                    headers: [.wwwAuthenticate: "Bearer"]
                )
            }
            guard route.roles.contains(user.role) else {
                throw APIFailure.forbidden("the role \(user.role.rawValue) may not \(route.method) \(route.path)")
            }
            return try await handle(route, request, context, user: user)
        } catch let failure as APIFailure {
            return Self.json(failure.status, Self.failure(failure.status, failure.message))
        } catch let error as LedgerError {
            let status = Self.status(of: error)
            if status == 500 { logger.error("ledger inconsistency", metadata: ["error": "\(error)"]) }
            return Self.json(status, Self.failure(status, Self.message(error, to: user)))
        } catch let error as any HTTPResponseError {
            // A body larger than the API takes (413), and the like.
            let status = Int(error.status.code)
            return Self.json(status, Self.failure(status, "the request was refused: \(error.status.reasonPhrase)"))
        } catch let error as PolicyError {
            return Self.json(422, Self.failure(422, "\(error)"))
        } catch {
            logger.error("request failed", metadata: ["path": "\(route.path)", "error": "\(error)"])
            return Self.json(500, Self.failure(500, "the service failed; the ledger is unchanged"))
        }
    }

    func authenticate(_ request: Request) async throws -> User? {
        // The scheme's name is case-insensitive (RFC 9110).
        guard let header = request.headers[.authorization], header.count > 7,
            header.prefix(7).lowercased() == "bearer "
        else { return nil }
        let token = String(header.dropFirst(7)).trimmed
        let accounts = accounts
        return try await accountsWork { try accounts.user(forToken: token) }
    }

    /// Checks passwords one at a time on a queue of their own (bcrypt takes a quarter of a second
    /// on purpose): sign-ins cannot take both cores from everything else. When more than 16 wait,
    /// the newest is turned away (503) instead of queued.
    func passwordCheck<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        guard passwordsWaiting.enter(below: 16) else {
            throw APIFailure(503, "too many sign-ins at once; try again in a moment")
        }
        return try await withCheckedThrowingContinuation { continuation in
            passwordQueue.async { [passwordsWaiting] in
                let result = Result { try body() }
                passwordsWaiting.leave()
                continuation.resume(with: result)
            }
        }
    }

    /// Runs work on the accounts file off Swift's concurrency threads.
    func accountsWork<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            accountsQueue.async { continuation.resume(with: Result { try body() }) }
        }
    }

    /// A refusal's words for this user: an enterprise or a provider is not told about events and
    /// uses that are not theirs (another's use of an invoice, the number of another's event).
    static func message(_ error: LedgerError, to user: User?) -> String {
        guard let user, user.role == .enterprise || user.role == .provider else { return error.description }
        switch error {
        case .invoiceFunded(let invoice, let provider, _, _):
            return "invoice \(invoice) of provider \(provider) has already funded a use; "
                + "an invoice is funded once, in any programme. Ask the programme office if this is wrong"
        case .referenceTaken(let kind, let ref, _):
            return "\(kind) reference \"\(ref)\" is already used; use a new reference"
        case .idempotencyConflict(let key, _):
            return
                "the idempotency key \"\(key)\" was used for other content; use a new key, or send exactly the same content"
        case .resubmittedAfterReversal(let kind, let ref, _, _):
            return "\(kind) \"\(ref)\" was recorded and reversed; to record it again, use a new reference"
        default:
            return error.description
        }
    }

    static func status(of error: LedgerError) -> Int {
        switch error {
        case .idempotencyConflict, .referenceTaken, .resubmittedAfterReversal: 409
        case .internalInconsistency: 500
        default: 422
        }
    }

    // MARK: Handlers

    private func handle(_ route: Route, _ request: Request, _ context: APIContext, user: User?) async throws -> Response
    {
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
            let name = user.name
            return recorded(
                try await notFound(ifUnknown: .unknownProvider(provider)) {
                    try await worker.run { ledger in
                        let before = try ledger.providerStatus(provider).count
                        let context = EventContext(
                            idempotencyKey: key
                                ?? Ledger.providerStatusKey(provider, status, from: from, before: before),
                            actor: name,
                            businessDate: from
                        )
                        return try ledger.changeProviderStatus(
                            providerID: provider,
                            status: status,
                            reason: reason,
                            context: context
                        )
                    }
                }
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
            let name = user.name
            return recorded(
                try await worker.run { ledger in
                    let before = try ledger.appropriation(appropriation.programme, year: appropriation.year)?.event
                    let context = EventContext(
                        idempotencyKey: key ?? Ledger.appropriationKey(appropriation, on: date, before: before),
                        actor: name,
                        businessDate: date
                    )
                    return try ledger.setBudget(appropriation, context: context)
                }
            )
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
            return recorded(
                try await notFound(ifUnknown: .unknownUse(use)) {
                    try await worker.run { ledger in
                        receipt
                            ? try ledger.receiveRecovery(fact, context: eventContext)
                            : try ledger.recover(fact, context: eventContext)
                    }
                }
            )
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
            let event = try await notFound(ifUnknown: .unknownProgramme(programme.value)) {
                try await worker.run { ledger in try ledger.expireQuotas(programme: programme, context: eventContext) }
            }
            guard let event else { return Self.json(200, .object(["event": .null, "lapsed": .bool(false)])) }
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
            return recorded(
                try await notFound(ifUnknown: .unknownEvent(seq)) {
                    try await worker.run { ledger in
                        try ledger.reverse(event: seq, reason: reason, context: eventContext)
                    }
                }
            )
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
            throw APIFailure.notFound(error.description)
        }
    }

    /// Counts a recorded (or replayed) event in the metrics, and returns it.
    func counted(_ event: RecordedEvent) -> RecordedEvent {
        metrics.recorded(event)
        return event
    }

    private func recorded(_ event: RecordedEvent) -> Response {
        metrics.recorded(event)
        return Self.json(event.replayed ? 200 : 201, event.json)
    }

    private func claim(_ request: Request, _ user: User) async throws -> Response {
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
    private func register(_ path: String, _ request: Request, _ user: User) async throws -> Response {
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
            let name = user.name
            return recorded(
                try await worker.run { ledger in
                    let current = try? ledger.applicant(registration.identifier.value).eventSeq
                    let context = EventContext(
                        idempotencyKey: key ?? Ledger.registrationKey(registration, id: id, after: current),
                        actor: name,
                        businessDate: date
                    )
                    return try ledger.registerApplicant(registration, context: context)
                }
            )
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

    private func decide(_ request: Request, _ context: APIContext, _ user: User) async throws -> Response {
        let ref = try Self.parameter("ref", context).trimmed
        var body = try await Self.body(request)
        let grant = try body.money("grant")
        let reject = try body.string("reject")
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
        let outcome: DecisionRequest.Outcome = grant.map { .grant($0) } ?? .reject(reason: reject ?? "")
        let date = try body.date("date") ?? BusinessDate.today()
        let key = try Self.key(request, user: user)
        try body.checkAllRead()
        return recorded(
            try await recordDecision(ref: ref, level: level, outcome: outcome, user: user, date: date, key: key)
        )
    }

    /// Records a reviewer's decision, as the user; the default key counts the claim's decisions so
    /// far, as the command line's does, in the same step as the decision. A claim that is not there
    /// is 404.
    func recordDecision(
        ref: String,
        level: ReviewLevel,
        outcome: DecisionRequest.Outcome,
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
                    DecisionRequest(claimRef: ref, level: level, outcome: outcome, reviewer: name),
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

    private func quote(_ request: Request, _ user: User) async throws -> Response {
        var body = try await Self.body(request)
        let purchase = try Self.purchase(&body, ref: "quote", user: user)
        let date = try body.date("date") ?? BusinessDate.today()
        try body.checkAllRead()
        let decision = try await worker.read { ledger in try ledger.quote(purchase, on: date, under: nil) }
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

    private func use(_ request: Request, _ user: User) async throws -> Response {
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
        let view = try await worker.read { ledger in try ledger.useView(ref: ref) }
        guard let view,
            user.role != .enterprise || view.applicant == user.applicant,
            user.role != .provider || view.use.provider == user.provider
        else { throw APIFailure.notFound("no use \"\(ref)\"") }
        return view
    }

    private func showUse(_ ref: String, _ user: User) async throws -> Response {
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

    private func file(_ request: Request, _ user: User) async throws -> Response {
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

    private func settle(_ request: Request, _ context: APIContext, _ user: User) async throws -> Response {
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

    private func report(_ context: APIContext) async throws -> Response {
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

    // MARK: Answers

    static func failure(_ status: Int, _ message: String) -> CanonicalJSON {
        .object(["status": .int(Int64(status)), "error": .string(message)])
    }

    static func json(_ status: Int, _ value: CanonicalJSON, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        return Response(
            status: HTTPResponse.Status(code: status),
            headers: fields,
            body: .init(byteBuffer: ByteBuffer(string: value.text + "\n"))
        )
    }
}
