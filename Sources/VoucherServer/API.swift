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
    /// The client's IP address, when the request came over a socket (not in `.router` tests).
    public var clientAddress: String?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        clientAddress = source.channel.remoteAddress?.ipAddress
    }

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

    /// `readers`: read-only connections to the same ledger file, for what only reads;
    /// `shortReaders`: more of them, for quotes and a use looked up.
    public init(
        ledger: Ledger,
        readers: [Ledger] = [],
        shortReaders: [Ledger] = [],
        accounts: Accounts,
        logger: Logger = Logger(label: "voucher-ledger"),
        metrics: ServiceMetrics = ServiceMetrics()
    ) {
        worker = LedgerWorker(ledger: ledger, metrics: metrics)
        worker.addReaders(readers)
        worker.addShortReaders(shortReaders)
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
    /// `secureCookies`: the console's cookies are marked Secure (the service is behind HTTPS).
    /// `queuePage`: how many items a page of a console's work queue lists.
    public func router(
        loginThrottle: Duration = .seconds(1),
        secureCookies: Bool = false,
        queuePage: Int = 200
    ) throws -> Router<APIContext> {
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
        let console = try Console(
            api: self,
            throttle: LoginThrottle(step: loginThrottle),
            secureCookies: secureCookies,
            queuePage: queuePage
        )
        console.register(on: router)
        for route in Self.routes {
            let method = HTTPRequest.Method(rawValue: route.method) ?? .get
            router.on(RouterPath(route.path), method: method) { request, context in
                await answer(route, request, context)
            }
        }
        // Added after every route, this middleware wraps only the router's answer to a request no
        // route takes (a path no route has, or a method its path does not take).
        router.middlewares.add(NoRoute(console: console))
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
    /// The refusal as `user` may read it, in `language` (the API answers in English; the console
    /// in the page's language). `inForms`: for the console, whose users send forms, not
    /// idempotency keys: a form sent again with other content is told so in the form's terms.
    static func message(
        _ error: LedgerError,
        to user: User?,
        in language: Language = .en,
        inForms: Bool = false
    ) -> String {
        // A policy file installed before, sent again with another file name or date: the file is
        // the same, so it is not installed again.
        if case .idempotencyConflict(let key, let event) = error, key.hasPrefix("programme:") {
            return language == .zh
                ? "这个政策文件已由事件 \(event) 安装（当时的文件名或日期不同）；同一文件只安装一次，修订政策请修改文件内容"
                : "this policy file was installed by event \(event) (with another file name or date); a file is "
                    + "installed once: to revise the policy, change the file"
        }
        // A form sent again with other content: in the form's terms, not the key's; to an
        // enterprise or a provider without the event's number (the reference may be another's).
        if language == .zh || inForms, case .idempotencyConflict(let key, let event) = error {
            let party = user?.role == .enterprise || user?.role == .provider
            return Self.conflict(key, event: party ? nil : event, in: language)
        }
        guard let user, user.role == .enterprise || user.role == .provider else { return error.text(language) }
        let zh = language == .zh
        switch error {
        // The reason for a suspension is the commission's (it may name an inquiry): the provider
        // suspended reads it, an enterprise is told where to turn; neither is shown a command.
        case .providerSuspended(let provider, let from, let reason, let date):
            let own = user.role == .provider && user.provider == provider
            let why = own && !reason.isEmpty
            return zh
                ? "服务机构 \(provider) 自 \(from.iso) 起暂停\(why ? "（\(reason)）" : "")，\(date.iso) 不能承接创新券；"
                    + (own ? "如有疑问，请联系项目办公室" : "请选择其他服务机构，或咨询项目办公室")
                : "provider \(provider) is suspended from \(from)\(why ? " (\(reason))" : ""), so it takes no voucher "
                    + "on \(date); "
                    + (own ? "ask the programme office" : "choose another provider, or ask the programme office")
        case .invoiceFunded(let invoice, let provider, _, _):
            return zh
                ? "服务机构 \(provider) 的发票 \(invoice) 已用于其他用券；同一张发票在各项目中只能使用一次。如有疑问，请联系项目办公室"
                : "invoice \(invoice) of provider \(provider) has already funded a use; "
                    + "an invoice is funded once, in any programme. Ask the programme office if this is wrong"
        case .referenceTaken(let kind, let ref, _):
            return zh
                ? "编号「\(ref)」已被使用；请使用新编号"
                : "\(kind) reference \"\(ref)\" is already used; use a new reference"
        // (In Chinese, or on the console's pages, said above in the form's terms.)
        case .idempotencyConflict(let key, _):
            return
                "the idempotency key \"\(key)\" was used for other content; use a new key, or send exactly the same content"
        case .resubmittedAfterReversal(let kind, let ref, _, _):
            return zh
                ? "「\(ref)」已记录并已冲销；如需再次记录，请使用新编号"
                : "\(kind) \"\(ref)\" was recorded and reversed; to record it again, use a new reference"
        // An enterprise does not change its own registration, nor the catalogue: the office does.
        case .applicantNotEligible(let reason, _) where user.role == .enterprise:
            return zh
                ? reason.zh + "；如情况有变（如已迁入或已获认定），请联系项目办公室更新登记"
                : reason.en + "; if this has changed (you have moved, or been recognised), ask the programme office "
                    + "to update your registration"
        case .unknownProvider(let id) where user.role == .enterprise && LedgerError.mistypedCode(id) == nil:
            return zh
                ? "没有服务机构「\(id)」；请核对服务机构的统一社会信用代码，或咨询项目办公室"
                : "no provider \"\(id)\"; check the provider's credit code, or ask the programme office"
        case .unknownProduct(let code, nil) where user.role == .enterprise:
            return zh
                ? "没有服务产品「\(code)」；请向服务机构核对产品编码，或咨询项目办公室"
                : "no product \"\(code)\"; check the product's code with the provider, or ask the programme office"
        // An enterprise does not decide its claims: it waits for the decision.
        // It is named as the forms name it, not by its id.
        case .claimExists(_, let programme, let year, let ref, let name) where user.role == .enterprise:
            return zh
                ? "您在 \(year) 年度的\(name?.zh ?? " \(programme) ")已有有效申领 \(ref)（待审核或已核定）；同一项目每年只能有一笔"
                : "you already have claim \(ref) for the \(name?.en ?? programme) in \(year) (awaiting review or granted); "
                    + "a programme takes one claim a year"
        default:
            return error.text(language)
        }
    }

    /// A reference used before with other content, in Chinese, in the terms of the console's
    /// forms: their keys are `claim:REF`, `redemption:REF` and `settlement:REF:USE`.
    /// `event`: the event that holds the key, named when the reader may see it.
    static func conflict(_ key: String, event: Int64?, in language: Language) -> String {
        let parts = key.split(separator: ":", maxSplits: 2).map(String.init)
        let zh = language == .zh
        let zhEvent = event.map { "（事件 \($0)）" } ?? ""
        let enEvent = event.map { " (event \($0))" } ?? ""
        switch (parts.first, parts.count) {
        case ("claim", 2):
            return zh
                ? "申领编号「\(parts[1])」已用于内容不同的另一笔申领\(zhEvent)；请换用新编号"
                : "claim reference \"\(parts[1])\" is already used by a claim with other content\(enEvent); "
                    + "use a new reference"
        case ("redemption", 2):
            return zh
                ? "兑付申请编号「\(parts[1])」已用于内容不同的另一笔申请\(zhEvent)；请换用新编号"
                : "filing reference \"\(parts[1])\" is already used by a filing with other content\(enEvent); "
                    + "use a new reference"
        case ("settlement", 3):
            return zh
                ? "兑付申请 \(parts[1]) 中的用券 \(parts[2]) 已结算\(zhEvent)，不能再以其他方式结算"
                : "use \(parts[2]) of filing \(parts[1]) is already settled\(enEvent); it cannot be settled another way"
        case ("reversal", 2):
            return zh
                ? "事件 \(parts[1]) 已冲销\(zhEvent)，不能再以其他理由或日期冲销"
                : "event \(parts[1]) is already reversed\(enEvent); it cannot be reversed again with another reason or date"
        case ("console", _):
            // A form's own key (money owed or received back): the same form sent again, changed.
            return zh
                ? "此表单已提交过\(zhEvent)，内容与此不同；请刷新页面后重新填写"
                : "this form was already sent\(enEvent) with other content; reload the page and fill it in again"
        default:
            return zh
                ? "该表单的内容与已记录的\(event.map { "事件 \($0) " } ?? "内容")不同；如需另行记录，请使用新编号"
                : "this form's content differs from what was recorded\(enEvent); to record another, use a new "
                    + "reference"
        }
    }

    static func status(of error: LedgerError) -> Int {
        switch error {
        case .idempotencyConflict, .referenceTaken, .resubmittedAfterReversal, .policyFileCurrent: 409
        case .internalInconsistency: 500
        default: 422
        }
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
