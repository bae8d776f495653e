import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Mustache
import VoucherDomain
import VoucherPolicies
import VoucherReports
import VoucherStorage

// MARK: - The console's pages, each from what the ledger holds for the signed-in user

extension Console {
    func links(_ session: Session) -> [[String: String]] {
        let words = Words(session.language)
        var links: [[String: String]] = []
        func add(_ href: String, _ key: String) { links.append(["href": href, "label": words[key]]) }
        switch session.user.role {
        case .enterprise:
            add("/console/uses", "myVouchers")
            add("/console/quote", "askQuote")
        case .provider: add("/console/uses", "myUses")
        case .districtReviewer, .cityReviewer:
            add("/console/claims", "queue")
            add("/console/report", "report")
            add("/console/whatif", "whatIf")
        case .finance:
            add("/console/settlements", "toSettle")
            add("/console/payments", "toPay")
            add("/console/recoveries", "recoveries")
            add("/console/report", "report")
            add("/console/whatif", "whatIf")
        case .auditor:
            add("/console/report", "report")
            add("/console/whatif", "whatIf")
            add("/console/verify", "verify")
            add("/console/events", "events")
        case .admin:
            add("/console/report", "report")
            add("/console/whatif", "whatIf")
            add("/console/verify", "verify")
            add("/console/events", "events")
            add("/console/registry", "registry")
            add("/console/budgets", "budgets")
            add("/console/users", "users")
            add("/console/policies", "policies")
        }
        return links
    }

    /// `sent`: the claim form as it was sent, shown again beside its refusal.
    func enterprisePage(
        _ session: Session,
        flash: (String, String)? = nil,
        sent: [String: String] = [:],
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let words = Words(session.language)
        let applicant = session.user.applicant ?? ""
        let (dossier, quotas, programmes, providers, products) = try await api.worker.read { ledger in
            let dossier = try ledger.dossier(Dossier.Scope(applicant: applicant))
            // The names of the providers and products of its uses, as registered now.
            var providers: [String: String] = [:]
            var products: [String: String] = [:]
            for use in dossier.uses {
                if providers[use.provider] == nil {
                    providers[use.provider] = (try? ledger.provider(use.provider))?.name
                }
                if products[use.product] == nil { products[use.product] = (try? ledger.product(use.product))?.name }
            }
            return (dossier, try ledger.quotas(ofApplicant: applicant), try ledger.programmes(), providers, products)
        }
        let names = Self.names(of: programmes, session.language)
        let reversed = dossier.reversedBy
        func state(_ seq: Int64) -> String { reversed[seq].map { words.reversed($0) } ?? "" }
        let today = BusinessDate.today()
        let dates = Dictionary(
            dossier.events.map { ($0.seq, $0.businessDate) },
            uniquingKeysWith: { first, _ in first }
        )
        let claims: [[String: Any]] = dossier.claims.map { claim in
            let live = dossier.decisions.filter { $0.claimRef == claim.ref && reversed[$0.seq] == nil }
            // A grant: its amount, and why when the reviewer said; a rejection: why.
            var decisions = live.map { decision in
                (decision.outcome == "rejected"
                    ? "\(words[decision.level]) \(words["decisionRejected"])"
                    : "\(words[decision.level]) \(words["decisionGranted"]) \(decision.granted.formatted())")
                    + (decision.reason.map { words.inParentheses($0) } ?? "")
            }
            // The district's grant of a programme whose rules, on the day of the grant (as the rule
            // that holds its use asks), await the city: not usable yet.
            if let last = live.last, last.level == "district", last.outcome != "rejected",
                let programme = programmes.first(where: { $0.id.value == claim.programme }),
                let granted = dates[last.seq].flatMap({ try? BusinessDate.parse($0) }),
                Lifecycle.awaitedReview(of: programme, on: granted, decided: .district) != nil
            {
                decisions.append(words["awaitingCity"])
            }
            // A grant or matching claim is paid to the enterprise: what was paid and what is left.
            if let last = live.last, last.outcome != "rejected", last.granted > .zero,
                programmes.first(where: { $0.id.value == claim.programme })?.kind != .voucher,
                let paid = try? Money.sum(
                    dossier.payments.filter { $0.claimRef == claim.ref && reversed[$0.seq] == nil }.map(\.amount)
                )
            {
                decisions.append(words.paidAndLeft(paid: paid, left: last.granted.remaining(after: paid)))
            }
            return [
                "ref": claim.ref, "programme": claim.programme, "programmeName": names[claim.programme] ?? "",
                "year": String(claim.year), "requested": claim.requested.formatted(),
                // A claim no one has decided yet says so, rather than leaving the column empty.
                "decisions": decisions.isEmpty && reversed[claim.seq] == nil
                    ? words["awaitingReview"] : decisions.joined(separator: words.language == .zh ? "；" : "; "),
                "state": state(claim.seq),
            ]
        }
        let uses: [[String: Any]] = dossier.uses.map { use in
            [
                "ref": use.ref, "date": use.usedOn, "provider": use.provider,
                "providerName": providers[use.provider] ?? "", "product": use.product,
                "productName": products[use.product] ?? "",
                "service": use.serviceAmount.formatted(), "amount": use.amount.formatted(), "state": state(use.seq),
                "explanation": Dossier.explanationLines(use.explanation, session.language).joined(separator: "\n"),
            ]
        }
        let quotaRows: [[String: Any]] = quotas.map { year in
            let granted = try? Money.sum(year.claims.map(\.quota.granted))
            let ended = year.claims.allSatisfy { $0.quota.validUntil < today } && year.left > .zero
            return [
                "programme": year.programme.value, "programmeName": names[year.programme.value] ?? "",
                "year": String(year.year), "claims": year.claims.map(\.claimRef).joined(separator: ", "),
                "granted": granted?.formatted() ?? "", "left": year.left.formatted(),
                "validity": year.claims.map {
                    "\($0.quota.validFrom.iso)\(words.language == .zh ? " 至 " : " – ")\($0.quota.validUntil.iso)"
                }
                .joined(separator: "\n"),
                "ended": ended,
            ]
        }
        return render(
            "enterprise",
            title: words["myVouchers"],
            session: session,
            data: [
                "applicant": applicant, "applicantName": dossier.registrations.last?.name ?? "",
                "claims": claims, "hasClaims": !claims.isEmpty, "uses": uses, "hasUses": !uses.isEmpty,
                "quotas": quotaRows, "hasQuotas": !quotaRows.isEmpty,
                "programmes": Self.choices(
                    programmes,
                    // What was sent, else a voucher: what an enterprise claims most.
                    chosen: programmes.first { $0.id.value == sent["programme"] }
                        ?? programmes.first { $0.kind == .voucher },
                    session.language
                ),
                "thisYear": sent["year"] ?? String(today.year), "sent": sent,
            ],
            flash: flash,
            status: status
        )
    }

    /// Records the signed-in enterprise's claim from the form, as `POST /api/v1/claims` does: for
    /// its own applicant, under the command line's default key (the form sent again records once).
    func apply(_ session: Session, _ form: [String: [String]]) async throws -> Response {
        let words = Words(session.language)
        func required(_ name: String) throws -> String {
            guard let value = Self.field(name, in: form) else {
                throw APIFailure.invalid(words[name] + words.colon + words["required"])
            }
            return value
        }
        let ref = try required("ref")
        let yearText = try required("year")
        guard let year = Int(yearText), (1900...9999).contains(year) else {
            throw APIFailure.invalid(words.notAYear(yearText))
        }
        let claim = ClaimRequest(
            ref: ref,
            applicantID: session.user.applicant ?? "",
            programme: try ProgrammeID(try required("programme")),
            year: year,
            requested: try Self.money("requested", in: form, words),
            project: Self.field("project", in: form),
            paid: try Self.field("paid", in: form).map { _ in
                try Self.money("paid", in: form, words, label: words["paidFees"])
            }
        )
        let context = EventContext(
            idempotencyKey: "claim:\(ref)",
            actor: session.user.name,
            businessDate: try Self.date(in: form, words)
        )
        let event = try await api.worker.run { ledger in try ledger.claim(claim, context: context) }
        let what = session.language == .zh ? "申领 \(ref)" : "claim \(ref)"
        return try await enterprisePage(session, flash: (words.recorded(api.counted(event), what: what), "ok"))
    }

    /// `POST /console/apply`: the claim recorded, or, refused, the same page again with why and
    /// the form as it was sent.
    func applied(_ session: Session, _ form: [String: [String]]) async throws -> Response {
        do {
            return try await apply(session, form)
        } catch {
            guard let refusal = Self.refusal(error, to: session.user, in: session.language) else { throw error }
            return try await enterprisePage(
                session,
                flash: (refusal.text, "bad"),
                sent: Self.sent(["ref", "programme", "year", "requested", "project", "paid", "date"], in: form),
                status: refusal.status
            )
        }
    }

    /// `POST /console/quote`: the engine's answer beside what was asked, or, refused, the form
    /// again as it was sent, with why.
    func quoted(_ session: Session, _ form: [String: [String]]) async throws -> Response {
        let words = Words(session.language)
        var values = Self.sent(["programme", "provider", "product", "service_amount", "date"], in: form)
        do {
            let purchase = UseRequest(
                ref: "quote",
                applicantID: session.user.applicant ?? "",
                providerID: Self.field("provider", in: form) ?? "",
                productCode: Self.field("product", in: form) ?? "",
                programme: try ProgrammeID(Self.field("programme", in: form) ?? ""),
                serviceAmount: try Self.money("service_amount", in: form, words)
            )
            let on = try Self.date(in: form, words)
            // No date given: the quote is today's, and says so.
            values["date"] = on.iso
            let (decision, provider) = try await api.worker.read { [purchase] ledger in
                var purchase = purchase
                // No provider given: the product's own, as registered (a product code names one).
                if purchase.providerID.isEmpty, !purchase.productCode.isEmpty {
                    purchase.providerID = try ledger.product(purchase.productCode).providerID
                }
                return (try ledger.quote(purchase, on: on, under: nil), purchase.providerID)
            }
            // The provider quoted with is said beside the answer; the field stays as typed, so that
            // another product chosen next is quoted with its own provider.
            return try await quotePage(
                session,
                form: values,
                result: [
                    "amount": decision.amount.formatted(), "lines": decision.explanation(session.language),
                    "provider": provider,
                ]
            )
        } catch {
            guard let refusal = Self.refusal(error, to: session.user, in: session.language) else { throw error }
            return try await quotePage(
                session,
                form: values,
                result: nil,
                flash: (refusal.text, "bad"),
                status: refusal.status
            )
        }
    }

    /// The fields of a form as it was sent (an absent one empty), to show it again.
    static func sent(_ names: [String], in form: [String: [String]]) -> [String: String] {
        names.reduce(into: [String: String]()) { $0[$1] = field($1, in: form) ?? "" }
    }

    /// A refusal's words for this user and its status, as the page of a refusal shows them; nil
    /// for an error that is not a refusal (a failure, shown as one).
    static func refusal(
        _ error: any Error,
        to user: User,
        in language: Language
    ) -> (text: String, status: HTTPResponse.Status)? {
        switch error {
        case let failure as APIFailure:
            (failure.text(to: user, in: language), HTTPResponse.Status(code: failure.status))
        case let refused as LedgerError where API.status(of: refused) < 500:
            (
                API.message(refused, to: user, in: language, inForms: true),
                HTTPResponse.Status(code: API.status(of: refused))
            )
        case let policy as PolicyError: (policy.text(language), .unprocessableContent)
        default: nil
        }
    }

    /// The most products the quote form offers to choose from (any code may still be typed).
    static let catalogueOffered = 2_000

    func quotePage(
        _ session: Session,
        form: [String: String],
        result: [String: Any]?,
        flash: (String, String)? = nil,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let words = Words(session.language)
        let (programmes, catalogue) = try await api.worker.read { ledger in
            (try ledger.programmes(), try ledger.catalogue(limit: Self.catalogueOffered))
        }
        // The registered providers and products, offered as the fields are typed in (a browser
        // matches what is typed against a code or its name); the fields take any code all the same.
        // A provider suspended on the form's date (today, when it has none) is marked, so that its
        // products are not chosen unawares: a quote or a use of that day would be refused. One whose
        // suspension is recorded to begin later is marked with its first day, since a use after it
        // would be refused.
        let day = form["date"].flatMap { try? BusinessDate.parse($0.trimmed) } ?? BusinessDate.today()
        func marked(_ entry: CatalogueEntry) -> String {
            if let now = Lifecycle.suspension(on: day, among: entry.providerStatus) {
                return " · " + words.suspendedFrom(now.from)
            }
            return Lifecycle.suspension(after: day, among: entry.providerStatus).map {
                " · " + words.suspendedAhead(from: $0.from)
            } ?? ""
        }
        var providers: [[String: String]] = []
        for entry in catalogue where providers.last?["id"] != entry.product.providerID {
            providers.append(["id": entry.product.providerID, "name": entry.providerName + marked(entry)])
        }
        var data: [String: Any] = [
            "programmes": programmes.filter { $0.kind == .voucher }.map { programme in
                [
                    "id": programme.id.value, "name": programme.name.text(session.language),
                    "selected": programme.id.value == form["programme"],
                ] as [String: Any]
            },
            "form": form,
            "providers": providers,
            "products": catalogue.map { entry in
                [
                    "code": entry.product.code,
                    "label": "\(entry.product.name) · \(entry.providerName) · \(entry.product.listPrice.formatted())"
                        + marked(entry),
                ]
            },
        ]
        if var result {
            // What was asked, beside the answer: a printed page hides the form's fields.
            result["programmeName"] =
                programmes.first { $0.id.value == form["programme"] }?.name.text(session.language) ?? ""
            data["result"] = result
        }
        return render("quote", title: words["askQuote"], session: session, data: data, flash: flash, status: status)
    }

    func providerPage(
        _ session: Session,
        before: Int64? = nil,
        typed: TypedForm? = nil,
        flash: (String, String)?
    ) async throws -> Response {
        let words = Words(session.language)
        let provider = session.user.provider ?? ""
        let limit = queuePage + 1
        let (read, name) = try await api.worker.read { ledger in
            (
                try ledger.providerUses(provider, before: before, limit: limit),
                (try? ledger.provider(provider))?.name ?? ""
            )
        }
        var uses = read
        let pager = pager(&uses, path: "/console/uses", parameter: "before", firstPage: before == nil) {
            String($0.seq)
        }
        let rows: [[String: Any]] = uses.map { use in
            [
                "ref": use.ref, "applicant": use.applicant, "applicantName": use.applicantName, "date": use.usedOn,
                "amount": use.amount.formatted(),
                "filing": use.reversed ? words["reversedShort"] : use.filing ?? "",
                // A reduction says what it paid and why; a rejection why.
                "settlement": use.settlement.map { outcome in
                    var text = words[outcome]
                    if outcome == "reduced", let paid = use.paid {
                        text += " · \(words["paidAmount"]) \(paid.formatted())"
                    }
                    if outcome != "paid", let reason = use.reason, !reason.isEmpty { text += " · \(reason)" }
                    return text
                } ?? "",
                "fileable": !use.reversed && use.filing == nil,
                // A refused filing's uses stay ticked.
                "checked": typed?.form["uses[]"]?.contains(use.ref) == true,
            ]
        }
        var data: [String: Any] = [
            "provider": provider, "uses": rows, "hasUses": !rows.isEmpty, "page": before.map(String.init) ?? "",
            "here": "/console/uses" + (before.map { "?before=\($0)" } ?? ""),
            // The filing form only when a use may be filed.
            "fileable": rows.contains { $0["fileable"] as? Bool == true },
        ]
        // No name (a provider the registry does not know): the heading shows the id alone.
        if !name.isEmpty { data["providerName"] = name }
        data.merge(Self.pagerData(pager)) { $1 }
        if let typed {
            data["refTyped"] = Self.field("ref", in: typed.form) ?? ""
            data["dateTyped"] = Self.field("date", in: typed.form) ?? ""
        }
        return render("provider", title: words["myUses"], session: session, data: data, flash: flash)
    }

    func claimsPage(
        _ session: Session,
        after page: String? = nil,
        typed: TypedForm? = nil,
        flash: (String, String)?
    ) async throws -> Response {
        let words = Words(session.language)
        let level: ReviewLevel = session.user.role == .cityReviewer ? .city : .district
        let after = Self.claimKey(page, level: level)
        let today = BusinessDate.today()
        // Each claim with the engine's explanation of what may be granted on it.
        let limit = queuePage + 1
        let (read, advice, programmes) = try await api.worker.read { ledger in
            let claims = try ledger.pendingClaims(level: level, after: after, limit: limit)
            return (
                claims, try ledger.grantAdvice(claims: claims.map(\.ref), level: level, on: today),
                try ledger.programmes()
            )
        }
        var claims = read
        let pager = pager(&claims, path: "/console/claims", parameter: "after", firstPage: after == nil) {
            Self.claimKey($0.key, level: level)
        }
        let names = Self.names(of: programmes, session.language)
        let rows: [[String: Any]] = claims.map { claim in
            var row: [String: Any] = [
                "ref": claim.ref, "refPath": Self.pathComponent(claim.ref), "applicant": claim.applicant,
                "applicantName": claim.applicantName, "programme": claim.programme,
                "programmeName": names[claim.programme] ?? "", "year": String(claim.year),
                "requested": claim.requested.formatted(), "districtGrant": claim.districtGrant?.formatted() ?? "",
                // For the city: whether its review is awaited, or the district's grant already in force.
                "cityNote": level == .city ? words[claim.cityRequired ? "cityRequired" : "cityOptional"] : "",
                "suggested": (claim.districtGrant ?? claim.requested).decimalString(),
            ]
            // The city's review of a grant already in force is listed apart, folded.
            if level == .city, !claim.cityRequired { row["optional"] = true }
            switch advice[claim.ref] {
            case .success(let advised):
                var lines = advised.lines(session.language)
                // A voucher claim of a year already over: the form is dated on its year's last day.
                if advised.on != today {
                    lines.insert(words.advisedOn(advised.on.iso), at: 0)
                    row["date"] = advised.on.iso
                }
                row["limit"] = advised.limit.formatted()
                row["suggested"] = min(claim.districtGrant ?? claim.requested, advised.limit).decimalString()
                row["advice"] = lines.joined(separator: "\n")
            case .failure(let refusal): row["advice"] = refusal.text(session.language)
            case nil: break
            }
            let again = typed?.row(
                claim.ref,
                [("grant", "suggested"), ("note", "noteTyped"), ("reason", "reasonTyped"), ("date", "date")]
            )
            return row.merging(again ?? [:]) { $1 }
        }
        let optional = rows.filter { $0["optional"] != nil }
        return render(
            "claims",
            title: words["queue"],
            session: session,
            data: [
                "claims": rows.filter { $0["optional"] == nil }, "hasClaims": rows.contains { $0["optional"] == nil },
                "optional": optional, "hasOptional": !optional.isEmpty, "optionalCount": String(optional.count),
                "requiredCount": String(rows.count - optional.count),
                "levelName": words[level.rawValue], "page": after.map { Self.claimKey($0, level: level) } ?? "",
                "here": "/console/claims" + (after.map { "?after=" + Self.claimKey($0, level: level) } ?? ""),
                // The claims the city must decide first are listed first: a page after the first
                // with none of them says where they are, not that there are none.
                "later": after != nil,
                // The folded list opens when it is all the page holds or the form refused was one of
                // its rows, and the refusal links to that row; the district's grant is a column at
                // the city's level only.
                "openOptional": optional.contains { $0["typed"] != nil } || !rows.contains { $0["optional"] == nil },
                "typedRow": rows.contains { $0["typed"] != nil },
                "city": level == .city,
            ].merging(Self.pagerData(pager)) { $1 },
            flash: flash
        )
    }
}
