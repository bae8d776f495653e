import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Mustache
import VoucherDomain
import VoucherReports
import VoucherStorage

/// Escapes for HTML scalar by scalar: swift-mustache's own escaping compares whole characters, so a
/// quote followed by a combining mark (one character) would pass it unescaped.
struct ScalarHTML: MustacheContentType {
    func escapeText(_ text: String) -> String { WhatIfReport.escapeHTML(text) }
}

/// The web console: server-rendered pages that work without JavaScript, in Chinese and English,
/// printable. A person signs in with a password; the session is a cookie (HttpOnly,
/// SameSite=Strict) and every form carries its CSRF token. Each page shows only what is the user's.
struct Console: Sendable {
    let api: API
    let library: MustacheLibrary
    let throttle: LoginThrottle
    /// Cookies marked Secure (sent over HTTPS only): the service is behind a TLS proxy.
    let secureCookies: Bool
    /// How many items a page of a work queue lists (the claims, settlements, payments and a
    /// provider's uses); a link leads to the next page.
    let queuePage: Int

    // swift-format-ignore: NeverForceUnwrap
    // A valid field name, spelled out.
    static let contentTypeOptions = HTTPField.Name("X-Content-Type-Options")!

    static let sessionCookie = "vl_session"
    static let loginCookie = "vl_login"

    init(
        api: API,
        throttle: LoginThrottle = LoginThrottle(),
        secureCookies: Bool = false,
        queuePage: Int = 200
    ) throws {
        self.api = api
        self.throttle = throttle
        self.secureCookies = secureCookies
        self.queuePage = max(1, queuePage)
        MustacheContentTypes.register(ScalarHTML(), named: "SAFE-HTML")
        var library = MustacheLibrary()
        for (name, bytes) in Self.templates {
            try library.register(String(decoding: bytes, as: UTF8.self), named: name)
        }
        self.library = library
    }

    static let templates: [(String, [UInt8])] = [
        ("layout", PackageResources.layout_mustache), ("login", PackageResources.login_mustache),
        ("home", PackageResources.home_mustache), ("enterprise", PackageResources.enterprise_mustache),
        ("quote", PackageResources.quote_mustache), ("provider", PackageResources.provider_mustache),
        ("claims", PackageResources.claims_mustache), ("claimRow", PackageResources.claimRow_mustache),
        ("settlements", PackageResources.settlements_mustache),
        ("report", PackageResources.report_mustache), ("verify", PackageResources.verify_mustache),
        ("whatif", PackageResources.whatif_mustache), ("policies", PackageResources.policies_mustache),
        ("users", PackageResources.users_mustache), ("message", PackageResources.message_mustache),
        ("payments", PackageResources.payments_mustache), ("recoveries", PackageResources.recoveries_mustache),
        ("events", PackageResources.events_mustache), ("registry", PackageResources.registry_mustache),
        ("budgets", PackageResources.budgets_mustache),
    ]

    /// A signed-in user's session.
    struct Session {
        var user: User
        var csrf: String
        var language: Language
    }

    /// The console's pages: (method, path, roles; empty: signed in or not).
    static let pages: [(method: String, path: String, roles: Set<Role>)] = [
        ("GET", "/console/login", []), ("POST", "/console/login", []), ("POST", "/console/logout", Set(Role.allCases)),
        ("POST", "/console/language", Set(Role.allCases)),
        ("GET", "/console", Set(Role.allCases)), ("GET", "/console/uses", [.enterprise, .provider]),
        ("GET", "/console/quote", [.enterprise]), ("POST", "/console/quote", [.enterprise]),
        ("POST", "/console/apply", [.enterprise]),
        ("POST", "/console/redemptions", [.provider]), ("GET", "/console/claims", API.reviewers),
        ("POST", "/console/claims/{ref}/decide", API.reviewers), ("GET", "/console/settlements", [.finance]),
        ("POST", "/console/redemptions/{ref}/settle", [.finance]), ("GET", "/console/payments", [.finance]),
        ("POST", "/console/claims/{ref}/pay", [.finance]), ("GET", "/console/report", API.readers),
        ("GET", "/console/verify", [.auditor, .admin]), ("GET", "/console/users", [.admin]),
        ("GET", "/console/whatif", API.readers), ("POST", "/console/whatif", API.readers),
        ("POST", "/console/users", [.admin]), ("GET", "/console/policies", [.admin]),
        ("POST", "/console/policies", [.admin]), ("GET", "/console/recoveries", [.finance]),
        ("POST", "/console/uses/{ref}/recoveries", [.finance]), ("GET", "/console/events", [.auditor, .admin]),
        ("POST", "/console/events/{seq}/reverse", [.admin]), ("GET", "/console/registry", [.admin]),
        ("POST", "/console/registry", [.admin]), ("GET", "/console/budgets", [.admin]),
        ("POST", "/console/budgets", [.admin]),
    ]

    /// Where the form behind each address that only takes a form lives. Opened by itself (the
    /// address bar after a refused form, a bookmark, a reload that drops the form), the address
    /// sends the browser there rather than answer with an empty "not found"; `{ref}` and `{seq}`
    /// are the address's own.
    static let formHomes: [(path: String, home: String)] = [
        ("/console/logout", "/console"), ("/console/language", "/console"), ("/console/apply", "/console"),
        ("/console/redemptions", "/console/uses"),
        ("/console/claims/{ref}/decide", "/console/claims"),
        ("/console/redemptions/{ref}/settle", "/console/settlements"),
        ("/console/claims/{ref}/pay", "/console/payments"),
        ("/console/uses/{ref}/recoveries", "/console/recoveries?use={ref}"),
        ("/console/events/{seq}/reverse", "/console/events"),
    ]

    func register(on router: Router<APIContext>) {
        router.get("/") { _, _ in Response(status: .seeOther, headers: [.location: "/console"]) }
        for page in Self.pages {
            let method = HTTPRequest.Method(rawValue: page.method) ?? .get
            router.on(RouterPath(page.path), method: method) { request, context in
                await answer(page.method, page.path, page.roles, request, context)
            }
        }
        // An address under /console that is no page: a page saying so, in the user's language
        // (without a session, the one the address or the browser asks for).
        router.get("/console/**") { request, _ in
            let session = try? await self.session(request)
            return self.message(404, session, "not-found", language: Self.askedLanguage(request))
        }
        for (path, home) in Self.formHomes {
            router.get(RouterPath(path)) { _, context in
                let location = Self.home(home, ref: try? API.parameter("ref", context))
                return Response(status: .seeOther, headers: [.location: location])
            }
        }
    }

    // MARK: Answering

    private func answer(
        _ method: String,
        _ path: String,
        _ roles: Set<Role>,
        _ request: Request,
        _ context: APIContext
    ) async -> Response {
        var session: Session?
        do {
            if roles.isEmpty {
                let address = LoginThrottle.address(
                    peer: context.clientAddress,
                    forwardedFor: Self.forwardedFor.flatMap { request.headers[$0] }
                )
                return try await signIn(method, request, from: address)
            }
            session = try await self.session(request)
            guard let session else {
                return Response(status: .seeOther, headers: [.location: "/console/login"])
            }
            guard roles.contains(session.user.role) else {
                return message(403, session, "not-yours")
            }
            var form: [String: [String]] = [:]
            if method == "POST" {
                form = try await Self.form(request)
                guard let token = form["csrf"]?.first, Self.same(token, session.csrf) else {
                    return message(403, session, "csrf")
                }
            }
            do {
                return try await page(method, path, request, context, session, form)
            } catch {
                // A form refused by a rule: its page again, with why, rather than a page with only
                // a link home.
                guard method == "POST", let refusal = Self.refusal(error, to: session.user, in: session.language),
                    var again = try await refusedPage(
                        path,
                        session,
                        form,
                        // The form's reference: a claim's, a filing's, a use's; an event's number.
                        ref: (try? API.parameter("ref", context)) ?? (try? API.parameter("seq", context)),
                        flash: (refusal.text, "bad")
                    )
                else { throw error }
                again.status = refusal.status
                return again
            }
        } catch let failure as APIFailure {
            return message(
                failure.status,
                session,
                text: failure.text(to: session?.user, in: session?.language ?? .zh),
                reading: method == "GET"
            )
        } catch let error as LedgerError {
            return message(
                API.status(of: error),
                session,
                text: API.message(error, to: session?.user, in: session?.language ?? .zh, inForms: true),
                reading: method == "GET"
            )
        } catch let error as PolicyError {
            return message(422, session, text: error.text(session?.language ?? .zh), reading: method == "GET")
        } catch let error as AccountError {
            return message(422, session, text: error.text(session?.language ?? .zh), reading: method == "GET")
        } catch let error as any HTTPResponseError {
            return message(
                Int(error.status.code),
                session,
                text: error.status.reasonPhrase,
                reading: method == "GET"
            )
        } catch {
            api.logger.error("console request failed", metadata: ["path": "\(path)", "error": "\(error)"])
            return message(500, session, text: Words(session?.language ?? .zh)["failed"])
        }
    }

    /// The page of a form that a rule refused, showing `flash`; nil for a form whose handler shows
    /// its own refusals (a quote, an application, a registration, a user).
    private func refusedPage(
        _ path: String,
        _ session: Session,
        _ form: [String: [String]],
        ref: String?,
        flash: (String, String)
    ) async throws -> Response? {
        switch path {
        case "/console/uses/{ref}/recoveries": try await recoveriesPage(session, use: ref, typed: form, flash: flash)
        // A work queue's page is shown again where the form was (its `page`).
        // The row's form keeps what was typed in it.
        case "/console/claims/{ref}/decide":
            try await claimsPage(
                session,
                after: form["page"]?.first,
                typed: TypedForm(ref: ref, form: form),
                flash: flash
            )
        case "/console/redemptions":
            try await providerPage(
                session,
                before: Self.seq(form["page"]?.first),
                typed: TypedForm(ref: nil, form: form),
                flash: flash
            )
        case "/console/redemptions/{ref}/settle":
            try await settlementsPage(
                session,
                after: Self.settlementKey(form["page"]?.first),
                typed: TypedForm(ref: ref, form: form),
                flash: flash
            )
        case "/console/claims/{ref}/pay":
            try await paymentsPage(
                session,
                after: Self.seq(form["page"]?.first),
                typed: TypedForm(ref: ref, form: form),
                flash: flash
            )
        case "/console/events/{seq}/reverse":
            try await eventsPage(
                session,
                before: Self.seq(form["page"]?.first),
                typed: TypedForm(ref: ref, form: form),
                flash: flash
            )
        case "/console/budgets": try await budgetsPage(session, nil, form: form, flash: flash)
        case "/console/policies":
            // The file comes back as typed, with its programme chosen, to correct it.
            try await policiesPage(session, Self.policyID(in: form["yaml"]?.first ?? ""), typed: form, flash: flash)
        // A user's form shows its own refusals; a party the ledger does not know is the ledger's.
        case "/console/users": try await usersPage(session, typed: form, flash: flash)
        default: nil
        }
    }

    func session(_ request: Request) async throws -> Session? {
        guard let cookie = request.cookies[Self.sessionCookie]?.value else { return nil }
        let accounts = api.accounts
        return try await api.accountsWork { try accounts.session(cookie) }.map {
            Session(user: $0.user, csrf: $0.csrf, language: $0.language)
        }
    }

    /// A form field's first value, trimmed; nil when it is missing or empty.
    static func field(_ name: String, in form: [String: [String]]) -> String? {
        guard let value = form[name]?.first?.trimmed, !value.isEmpty else { return nil }
        return value
    }

    /// The header a proxy on this machine names the client in.
    static let forwardedFor = HTTPField.Name("X-Forwarded-For")

    /// Compares two tokens in time that does not depend on where they differ.
    static func same(_ a: String, _ b: String) -> Bool {
        let left = Array(a.utf8)
        let right = Array(b.utf8)
        guard left.count == right.count else { return false }
        return zip(left, right).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// A form's fields (application/x-www-form-urlencoded), each name with its values in order.
    static func form(_ request: Request) async throws -> [String: [String]] {
        var request = request
        let buffer = try await request.collectBody(upTo: API.maxBody)
        return fields(String(buffer: buffer))
    }

    /// The fields of a form's encoding (`a=1&b=x+y`): `+` is a space, as a browser sends it.
    static func fields(_ encoded: String) -> [String: [String]] {
        var fields: [String: [String]] = [:]
        for pair in encoded.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String {
                // A malformed escape (`50%`) is kept as it was typed.
                String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(text)
            }
            fields[decode(parts[0]), default: []].append(parts.count > 1 ? decode(parts[1]) : "")
        }
        return fields
    }

    /// A field of the address's query, as a form sent with GET encodes it (Hummingbird's
    /// `queryParameters` leaves a `+` as it is: a digest pasted with its spaces came back with
    /// a `+` for each).
    static func query(_ name: String, _ request: Request) -> String? {
        fields(request.uri.query ?? "")[name]?.first
    }

    /// The language a request asks for when no session says: `?lang=`, else the first of Chinese
    /// and English in the browser's `Accept-Language` by its weights (`en-US,en;q=0.9,zh;q=0.8`
    /// is English), else Chinese.
    static func askedLanguage(_ request: Request) -> Language {
        if let lang = query("lang", request) { return lang == "en" ? .en : .zh }
        let ranges = (request.headers[.acceptLanguage] ?? "").split(separator: ",").enumerated().map {
            (offset, range) in
            let parts = range.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            let weight = parts.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            return (tag: parts.first ?? "", weight: weight, offset: offset)
        }
        let ordered = ranges.filter { $0.weight > 0 }.sorted { ($1.weight, $0.offset) < ($0.weight, $1.offset) }
        for range in ordered {
            if range.tag == "zh" || range.tag.hasPrefix("zh-") { return .zh }
            if range.tag == "en" || range.tag.hasPrefix("en-") { return .en }
        }
        return .zh
    }

    // MARK: Pages

    func signIn(_ method: String, _ request: Request, from address: String?) async throws -> Response {
        if method == "GET" {
            let language = Self.askedLanguage(request)
            let token = Accounts.randomToken("")
            var response = render(
                "login",
                title: Words(language)["signIn"],
                session: nil,
                language: language,
                data: ["csrf": token, "zh": language == .zh]
            )
            response.setCookie(
                Cookie(
                    name: Self.loginCookie,
                    value: token,
                    path: "/console",
                    secure: secureCookies,
                    httpOnly: true,
                    sameSite: .strict
                )
            )
            return response
        }
        let form = try await Self.form(request)
        let language: Language = form["lang"]?.first == "en" ? .en : .zh
        let words = Words(language)
        guard let token = form["csrf"]?.first, !token.isEmpty, let cookie = request.cookies[Self.loginCookie]?.value,
            Self.same(token, cookie)
        else {
            return message(403, nil, "csrf", language: language)
        }
        let name = form["name"]?.first?.trimmed ?? ""
        let password = form["password"]?.first ?? ""
        // A name is at most 64 characters: a longer one is no user's, and is not remembered.
        guard name.unicodeScalars.count <= 64, password.utf8.count <= 1024 else {
            return message(422, nil, text: words["wrongPassword"], language: language)
        }
        // Repeated failures for a name, or from an address, are answered more and more slowly.
        try await Task.sleep(for: await throttle.attempt(name, from: address))
        let accounts = api.accounts
        let checked: User?
        do {
            checked = try await api.passwordCheck { try accounts.user(named: name, password: password) }
        } catch {
            await throttle.failed(from: address)
            throw error
        }
        guard let user = checked else {
            await throttle.failed(from: address)
            var response = render(
                "login",
                title: words["signIn"],
                session: nil,
                language: language,
                data: ["csrf": token, "zh": language == .zh, "name": name],
                flash: (words["wrongPassword"], "bad")
            )
            response.status = .unauthorized
            return response
        }
        await throttle.succeeded(name, from: address)
        let session = try await api.accountsWork { try accounts.startSession(for: user, language: language) }
        var response = Response(status: .seeOther, headers: [.location: "/console"])
        response.setCookie(
            Cookie(
                name: Self.sessionCookie,
                value: session,
                maxAge: Int(Accounts.sessionLifetime),
                path: "/",
                secure: secureCookies,
                httpOnly: true,
                sameSite: .strict
            )
        )
        return response
    }

    // MARK: Rendering

    /// A reference as one path segment.
    static func pathComponent(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~")))
            ?? text
    }

    func render(
        _ template: String,
        title: String,
        session: Session?,
        language: Language? = nil,
        data: [String: Any],
        flash: (String, String)? = nil,
        status: HTTPResponse.Status = .ok
    ) -> Response {
        let language = session?.language ?? language ?? .zh
        let words = Words(language)
        var data = data
        data["t"] = words.table
        data["csrf"] = data["csrf"] ?? session?.csrf ?? ""
        // A date picker offers no day after today: the ledger refuses a business date ahead.
        data["today"] = BusinessDate.today().iso
        let body = library.render(data, withTemplate: template) ?? ""
        var page: [String: Any] = [
            "t": words.table, "title": title, "body": body, "htmlLang": language == .zh ? "zh-CN" : "en",
        ]
        if let session {
            page["user"] = [
                "name": session.user.name, "roleName": words.role(session.user.role), "csrf": session.csrf,
                // The switch to the other language names it in itself.
                "otherLang": language == .zh ? "en" : "zh", "otherLangName": language == .zh ? "English" : "中文",
            ]
        }
        // A refusal is announced at once by a screen reader (alert); a confirmation politely (status).
        // The page a work queue's form answer is: the language switch comes back to it.
        page["here"] = data["here"]
        if let flash {
            page["flash"] = [
                "text": flash.0, "kind": flash.1, "role": flash.1 == "bad" ? "alert" : "status",
                // A refused form of a queue's row links to that row (`id="typed"`), kept as typed.
                "typedRow": flash.1 == "bad" && data["typedRow"] as? Bool == true,
            ]
        }
        return Response(
            status: status,
            headers: [
                .contentType: "text/html; charset=utf-8",
                // Nothing of the console runs script or is framed by another site.
                .contentSecurityPolicy:
                    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
                .cacheControl: "no-store",
            ],
            body: .init(byteBuffer: ByteBuffer(string: library.render(page, withTemplate: "layout") ?? ""))
        )
    }

    func message(
        _ status: Int,
        _ session: Session?,
        _ key: String? = nil,
        text: String? = nil,
        language: Language? = nil,
        reading: Bool = false
    ) -> Response {
        let words = Words(session?.language ?? language ?? .zh)
        // A page asked for with what it cannot read (a report's year "abc") records nothing: its
        // heading does not say "not recorded".
        let heading = words[reading && status == 422 ? "status422read" : "status\(status)"]
        // Without a session, the way back is the sign-in page, in the language this one is in.
        let back = session == nil ? "/console/login?lang=" + (language == .en ? "en" : "zh") : "/console"
        return render(
            "message",
            title: heading,
            session: session,
            language: language,
            data: ["heading": heading, "text": text ?? key.map { words[$0] } ?? "", "back": back],
            status: HTTPResponse.Status(code: status)
        )
    }
}
