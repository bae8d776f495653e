import Foundation
import HTTPTypes
import Hummingbird
import VoucherDomain
import VoucherStorage

// MARK: - The console's pages by method and path: what each form records and which page answers

extension Console {
    /// The answer to a signed-in user's request for a page, or to a form of it (its CSRF token
    /// checked): the path's template, its handler.
    func page(
        _ method: String,
        _ path: String,
        _ request: Request,
        _ context: APIContext,
        _ session: Session,
        _ form: [String: [String]]
    ) async throws -> Response {
        let words = Words(session.language)
        let user = session.user
        func field(_ name: String) -> String? { Self.field(name, in: form) }
        func date() throws -> BusinessDate { try Self.date(in: form, words) }
        func money(_ name: String) throws -> Money { try Self.money(name, in: form, words) }
        switch (method, path) {
        case ("POST", "/console/logout"):
            if let cookie = request.cookies[Self.sessionCookie]?.value {
                let accounts = api.accounts
                try await api.accountsWork { try accounts.endSession(cookie) }
            }
            // The sign-in page that follows is in the language of the session that ended.
            let login = "/console/login" + (session.language == .en ? "?lang=en" : "")
            var response = Response(status: .seeOther, headers: [.location: login])
            response.setCookie(
                Cookie(
                    name: Self.sessionCookie,
                    value: "",
                    maxAge: 0,
                    path: "/",
                    secure: secureCookies,
                    httpOnly: true,
                    sameSite: .strict
                )
            )
            return response
        case ("POST", "/console/language"):
            // The user's pages change language; the page the switch was pressed on is shown again.
            let language: Language = field("lang") == "en" ? .en : .zh
            if let cookie = request.cookies[Self.sessionCookie]?.value {
                let accounts = api.accounts
                try await api.accountsWork { try accounts.setLanguage(language, session: cookie) }
            }
            return Response(status: .seeOther, headers: [.location: Self.pageShownBefore(request, back: field("back"))])
        case ("GET", "/console"):
            return render("home", title: words["home"], session: session, data: ["links": links(session)])
        case ("GET", "/console/uses"):
            let before = Self.seq(Self.query("before", request))
            return user.role == .enterprise
                ? try await enterprisePage(session) : try await providerPage(session, before: before, flash: nil)
        case ("POST", "/console/apply"):
            return try await applied(session, form)
        case ("GET", "/console/quote"):
            return try await quotePage(session, form: [:], result: nil)
        case ("POST", "/console/quote"):
            return try await quoted(session, form)
        case ("POST", "/console/redemptions"):
            let uses = form["uses[]"] ?? []
            guard let ref = field("ref"), !uses.isEmpty else {
                throw APIFailure.invalid(words["chooseUses"])
            }
            for use in uses { _ = try await api.visibleUse(use, user) }
            let filing = RedemptionFilingRequest(ref: ref, providerID: user.provider ?? "", useRefs: uses)
            let context = EventContext(idempotencyKey: "redemption:\(ref)", actor: user.name, businessDate: try date())
            let (event, late) = try await api.worker.run { ledger in
                let event = try ledger.fileRedemption(filing, context: context)
                return (event, try ledger.lateItems(ofFiling: event.seq))
            }
            let what = words.filed(ref, uses: Set(uses).count, late: late)
            return try await providerPage(
                session,
                before: Self.seq(field("page")),
                flash: (words.recorded(api.counted(event), what: what), "ok")
            )
        case ("GET", "/console/claims"):
            return try await claimsPage(session, after: Self.query("after", request), flash: nil)
        case ("POST", "/console/claims/{ref}/decide"):
            let ref = try API.parameter("ref", context)
            // A decision is the button pressed, never a default: Enter in a field of the form
            // submits nothing (its default button is disabled), and a form without one is refused.
            let outcome: DecisionRequest.Outcome
            // Each button has its reason beside it; one typed beside the other is refused, not
            // recorded with a decision it was not written for.
            switch field("outcome") {
            case "grant" where field("reason") != nil: throw APIFailure.invalid(words["reasonBesideGrant"])
            case "reject" where field("note") != nil: throw APIFailure.invalid(words["noteBesideReject"])
            case "grant": outcome = .grant(try money("grant"))
            case "reject": outcome = .reject(reason: field("reason") ?? "")
            default: throw APIFailure.invalid(words["chooseOutcome"])
            }
            let level: ReviewLevel = user.role == .cityReviewer ? .city : .district
            let event = try await api.recordDecision(
                ref: ref,
                level: level,
                outcome: outcome,
                note: outcome.reason == nil ? field("note") : nil,
                user: user,
                date: try date(),
                key: nil
            )
            return try await claimsPage(
                session,
                after: field("page"),
                flash: (
                    words.recorded(
                        api.counted(event),
                        what: words.decided(ref, outcome, level: level),
                        amount: outcome.granted > .zero
                    ), "ok"
                )
            )
        case ("GET", "/console/settlements"):
            return try await settlementsPage(
                session,
                after: Self.settlementKey(Self.query("after", request)),
                flash: nil
            )
        case ("POST", "/console/redemptions/{ref}/settle"):
            let filing = try API.parameter("ref", context)
            let use = field("use") ?? ""
            let outcome: SettlementRequest.Outcome
            switch field("outcome") {
            case "reduced":
                outcome = .reduced(
                    paid: try Self.money("amount", in: form, words, label: words["amountIfReduced"]),
                    reason: field("reason") ?? ""
                )
            case "rejected": outcome = .rejected(reason: field("reason") ?? "")
            // An amount after reduction with "paid in full" is a mistake one way or the other.
            case "paid" where field("amount") != nil: throw APIFailure.invalid(words["amountWithPaid"])
            case "paid" where field("reason") != nil: throw APIFailure.invalid(words["reasonWithPaid"])
            case "paid": outcome = .paid
            default: throw APIFailure.invalid(words["chooseSettlement"])
            }
            let settlement = SettlementRequest(filingRef: filing, useRef: use, outcome: outcome)
            let context = EventContext(
                idempotencyKey: "settlement:\(filing):\(use)",
                actor: user.name,
                businessDate: try date()
            )
            let event = try await api.worker.run { ledger in try ledger.settleRedemption(settlement, context: context) }
            return try await settlementsPage(
                session,
                after: Self.settlementKey(field("page")),
                flash: (
                    words.recorded(api.counted(event), what: words.settled(filing, use: use, field("outcome") ?? "")),
                    "ok"
                )
            )
        case ("GET", "/console/payments"):
            return try await paymentsPage(session, after: Self.seq(Self.query("after", request)), flash: nil)
        case ("POST", "/console/claims/{ref}/pay"):
            let claim = try API.parameter("ref", context)
            // The form's own key: sending the same form again (a reload, a double click) pays once.
            guard let key = field("key"), key.count == 64, key.allSatisfy(\.isHexDigit) else {
                throw APIFailure.invalid(words["csrf"])
            }
            let payment = PaymentRequest(claimRef: claim, amount: try money("amount"))
            let context = EventContext(
                idempotencyKey: "console:\(user.id):\(key)",
                actor: user.name,
                businessDate: try date()
            )
            let event = try await api.notFound(ifUnknown: .unknownClaim(claim.trimmed)) {
                try await api.worker.run { ledger in try ledger.pay(payment, context: context) }
            }
            return try await paymentsPage(
                session,
                after: Self.seq(field("page")),
                flash: (words.recorded(api.counted(event), what: words.paidClaim(claim)), "ok")
            )
        case ("GET", "/console/report"):
            return try await reportPage(session, request)
        case ("GET", "/console/whatif"), ("POST", "/console/whatif"):
            return try await whatIfPage(session, request, form: method == "POST" ? form : nil)
        case ("GET", "/console/verify"):
            return try await verifyPage(session, request)
        case ("GET", "/console/policies"):
            return try await policiesPage(session, Self.query("programme", request), flash: nil)
        case ("POST", "/console/policies"):
            return try await installPolicy(session, form, on: try date())
        case ("GET", "/console/recoveries"):
            return try await recoveriesPage(session, use: Self.query("use", request), flash: nil)
        case ("POST", "/console/uses/{ref}/recoveries"):
            return try await recordRecovery(session, use: try API.parameter("ref", context), form, on: try date())
        case ("GET", "/console/events"):
            return try await eventsPage(session, before: Self.seq(Self.query("before", request)), flash: nil)
        case ("POST", "/console/events/{seq}/reverse"):
            return try await reverseEvent(session, seq: try API.parameter("seq", context), form)
        case ("GET", "/console/registry"):
            return try await registry(session, request)
        case ("POST", "/console/registry"):
            return try await registered(session, form)
        case ("GET", "/console/budgets"):
            return try await budgetsPage(session, request, form: nil, flash: nil)
        case ("POST", "/console/budgets"):
            return try await changeBudget(session, form)
        case ("GET", "/console/users"):
            return try await usersPage(session, flash: nil)
        case ("POST", "/console/users"):
            return try await changeUser(session, form)
        default:
            break
        }
        return message(404, session, "not-found")
    }
}
