import Foundation
import HTTPTypes
import Hummingbird
import VoucherDomain
import VoucherReports
import VoucherStorage

// MARK: - The controls' pages: money owed back, registrations, budgets (the events: Console+Events.swift)

extension Console {
    // MARK: Money owed back (finance)

    /// A use found by its reference, with what was paid on it and what is owed and received back;
    /// the forms to record money owed back and money received back. Each form carries its own key,
    /// so that sending it again records it once.
    func recoveriesPage(
        _ session: Session,
        use asked: String?,
        typed: [String: [String]]? = nil,
        flash: (String, String)?,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let words = Words(session.language)
        var data: [String: Any] = ["useRef": asked ?? ""]
        var flash = flash
        var status = status
        if let ref = asked?.trimmed, !ref.isEmpty {
            typealias Names = (applicant: String, provider: String, programme: String)
            let found = try await api.worker.read { ledger -> (UseView, RecoveryState, Names)? in
                guard let view = try ledger.useView(ref: ref), view.reversedBy == nil else { return nil }
                // The applicant, provider and programme by name, as registered now.
                let names = (
                    applicant: (try? ledger.applicant(view.applicant))?.name ?? "",
                    provider: (try? ledger.provider(view.use.provider))?.name ?? "",
                    programme: Self.names(of: try ledger.programmes(), session.language)[view.programme] ?? ""
                )
                return (view, try ledger.recoveryState(ofUse: ref), names)
            }
            if let (view, state, names) = found {
                // A refused form comes back as it was typed (its amount, reason and date).
                let action = typed.flatMap { Self.field("action", in: $0) }
                func typedValue(_ name: String, of form: String) -> String? {
                    action == form ? typed?[name]?.first : nil
                }
                data["found"] = [
                    "ref": view.use.ref, "refPath": Self.pathComponent(view.use.ref), "applicant": view.applicant,
                    "applicantName": names.applicant, "programme": view.programme,
                    "programmeName": names.programme, "year": String(view.year), "date": view.use.usedOn,
                    "provider": view.use.provider, "providerName": names.provider,
                    "amount": view.use.amount.formatted(),
                    "paid": state.paid.formatted(), "owed": state.owed.formatted(),
                    "received": state.received.formatted(), "outstanding": state.outstanding.formatted(),
                    "owable": state.owable.decimalString(),
                    "receivable": typedValue("amount", of: "receive") ?? state.outstanding.decimalString(),
                    "receiveDate": typedValue("date", of: "receive") ?? "",
                    "oweAmount": typedValue("amount", of: "owe") ?? "",
                    "oweReason": typedValue("reason", of: "owe") ?? "",
                    "oweDate": typedValue("date", of: "owe") ?? "",
                    "oweKey": Accounts.randomToken(""), "receiveKey": Accounts.randomToken(""),
                    // A form only when it may record something.
                    "mayOwe": state.owable > .zero, "mayReceive": state.outstanding > .zero,
                ]
            } else {
                flash = flash ?? (words.noLiveUse(ref), "bad")
                status = .notFound
            }
        }
        return render(
            "recoveries",
            title: words["recoveries"],
            session: session,
            data: data,
            flash: flash,
            status: status
        )
    }

    /// Records money owed back (`action` owe) or received back (`action` receive) on the path's use.
    func recordRecovery(
        _ session: Session,
        use: String,
        _ form: [String: [String]],
        on date: BusinessDate
    ) async throws -> Response {
        let words = Words(session.language)
        let received = Self.field("action", in: form) == "receive"
        // The form's own key: sending the same form again (a reload, a double click) records once.
        guard let key = Self.field("key", in: form), key.count == 64, key.allSatisfy(\.isHexDigit) else {
            throw APIFailure.invalid(words["csrf"])
        }
        let fact = RecoveryFact(
            useRef: use.trimmed,
            amount: try Self.money("amount", in: form, words),
            reason: received ? nil : Self.field("reason", in: form) ?? ""
        )
        let context = EventContext(
            idempotencyKey: "console:\(session.user.id):\(key)",
            actor: session.user.name,
            businessDate: date
        )
        let event = try await api.recordRecovery(fact, received: received, context: context)
        return try await recoveriesPage(session, use: fact.useRef, flash: (words.recorded(api.counted(event)), "ok"))
    }

    // MARK: Registrations (admin)

    /// The registration forms, each filled with `values` when given: a registration loaded to be
    /// changed, or a form sent and refused (then with why, and its status).
    func registryPage(
        _ session: Session,
        flash: (String, String)?,
        values: [String: [String: String]] = [:],
        status: HTTPResponse.Status = .ok
    ) -> Response {
        let words = Words(session.language)
        let kind = values["a"]?["kind"]
        var data: [String: Any] = [
            "kinds": ApplicantKind.allCases.map {
                ["value": $0.rawValue, "label": words[$0.rawValue], "selected": $0.rawValue == kind] as [String: Any]
            },
            "statuses": ProviderStatus.allCases.map {
                ["value": $0.rawValue, "label": words[$0.rawValue], "selected": $0.rawValue == values["s"]?["status"]]
                    as [String: Any]
            },
        ]
        for (form, fields) in values { data[form] = fields }
        // The regions and categories the policies and reports name, offered as the fields are typed
        // (a region is its key, `jiangsu`, not 江苏).
        data["regions"] = ReportWords.known(.region, session.language).map { ["key": $0.key, "label": $0.label] }
        data["categories"] = ReportWords.known(.category, session.language).map { ["key": $0.key, "label": $0.label] }
        return render("registry", title: words["registry"], session: session, data: data, flash: flash, status: status)
    }

    /// `GET /console/registry`, with `?applicant=ID` or `?provider=ID` to change a registration:
    /// its form filled with what is registered now, so that registering again keeps what is not changed.
    func registry(_ session: Session, _ request: Request) async throws -> Response {
        let words = Words(session.language)
        let applicant = Self.query("applicant", request)?.trimmed ?? ""
        let provider = Self.query("provider", request)?.trimmed ?? ""
        do {
            if !applicant.isEmpty {
                let found = try await api.worker.read { ledger in try ledger.applicant(applicant) }
                let values = [
                    "id": found.id, "kind": found.kind.rawValue, "name": found.name, "district": found.district,
                    "region": found.region, "group": found.group ?? "",
                    "attributes": found.attributes.joined(separator: ","),
                    "override_reason": found.overrideReason ?? "", "override_by": found.overrideBy ?? "",
                ]
                return registryPage(session, flash: (words["loaded"], "ok"), values: ["a": values])
            }
            if !provider.isEmpty {
                let found = try await api.worker.read { ledger in try ledger.provider(provider) }
                let values = [
                    "id": found.id, "name": found.name, "region": found.region,
                    "override_reason": found.overrideReason ?? "", "override_by": found.overrideBy ?? "",
                ]
                return registryPage(session, flash: (words["loaded"], "ok"), values: ["p": values])
            }
        } catch {
            guard let refusal = Self.refusal(error, to: session.user, in: session.language) else { throw error }
            let asked = applicant.isEmpty ? ["p": ["id": provider]] : ["a": ["id": applicant]]
            return registryPage(session, flash: (refusal.text, "bad"), values: asked, status: refusal.status)
        }
        return registryPage(session, flash: nil)
    }

    /// `POST /console/registry`: recorded, or refused with the form again as it was sent.
    func registered(_ session: Session, _ form: [String: [String]]) async throws -> Response {
        do {
            return try await register(session, form)
        } catch {
            guard let refusal = Self.refusal(error, to: session.user, in: session.language) else { throw error }
            let (key, names): (String, [String]) =
                switch Self.field("what", in: form) {
                case "applicant":
                    (
                        "a",
                        [
                            "id", "kind", "name", "district", "region", "group", "attributes", "date",
                            "override_reason", "override_by",
                        ]
                    )
                case "provider": ("p", ["id", "name", "region", "date", "override_reason", "override_by"])
                case "product": ("d", ["code", "provider", "name", "category", "list_price", "date"])
                default: ("s", ["provider", "status", "date", "reason"])
                }
            return registryPage(
                session,
                flash: (refusal.text, "bad"),
                values: [key: Self.sent(names, in: form)],
                status: refusal.status
            )
        }
    }

    /// Registers an applicant, a provider or a product, or changes a provider's status, as the
    /// form's `what` says; with the command line's default keys, so that a form sent again records once.
    func register(_ session: Session, _ form: [String: [String]]) async throws -> Response {
        let words = Words(session.language)
        let user = session.user
        func field(_ name: String) -> String? { Self.field(name, in: form) }
        // Each field named by its label on this page (the word "name" is a user's name elsewhere).
        let labels = [
            "id": "identifier", "name": field("what") == "product" ? "productName" : "partyName", "code": "code",
            "provider": "provider", "region": "region", "category": "category",
        ]
        func required(_ name: String) throws -> String {
            guard let value = field(name) else {
                throw APIFailure.invalid(words[labels[name] ?? name] + words.colon + words["required"])
            }
            return value
        }
        let date = try Self.date(in: form, words)
        let event: RecordedEvent
        switch field("what") {
        case "applicant":
            let id = try required("id")
            let kindName = field("kind") ?? ApplicantKind.enterprise.rawValue
            guard let kind = ApplicantKind(rawValue: kindName) else {
                throw APIFailure.invalid("\(words["kind"]) \"\(kindName)\": enterprise, team")
            }
            let registration = ApplicantRegistration(
                identifier: try PartyIdentifier.registered(
                    id,
                    team: kind == .team,
                    overrideReason: field("override_reason"),
                    overrideBy: field("override_by")
                ),
                kind: kind,
                name: try required("name"),
                district: field("district") ?? "",
                region: field("region") ?? "",
                group: field("group"),
                attributes: (field("attributes") ?? "").split(separator: ",").map { String($0).trimmed }.filter {
                    !$0.isEmpty
                }
            )
            event = try await api.recordApplicant(registration, id: id, date: date, key: nil, user: user)
        case "provider":
            let id = try required("id")
            let registration = ProviderRegistration(
                identifier: try PartyIdentifier.registered(
                    id,
                    team: false,
                    overrideReason: field("override_reason"),
                    overrideBy: field("override_by")
                ),
                name: try required("name"),
                region: try required("region")
            )
            let context = EventContext(
                idempotencyKey: Ledger.registrationKey(registration, id: id),
                actor: user.name,
                businessDate: date
            )
            event = try await api.worker.run { ledger in try ledger.registerProvider(registration, context: context) }
        case "product":
            let registration = ProductRegistration(
                code: try required("code"),
                providerID: try required("provider"),
                name: try required("name"),
                category: try required("category"),
                listPrice: try Self.money("list_price", in: form, words)
            )
            let context = EventContext(
                idempotencyKey: Ledger.registrationKey(registration),
                actor: user.name,
                businessDate: date
            )
            event = try await api.worker.run { ledger in try ledger.registerProduct(registration, context: context) }
        case "status":
            // As the API asks for `from`: a suspension's first day is not assumed.
            guard field("date") != nil else {
                throw APIFailure.invalid(words["fromDate"] + words.colon + words["required"])
            }
            guard let status = ProviderStatus(rawValue: field("status") ?? "") else {
                throw APIFailure.invalid(words["status"] + words.colon + words["required"])
            }
            event = try await api.recordProviderStatus(
                provider: try required("provider"),
                status: status,
                from: date,
                reason: field("reason"),
                key: nil,
                user: user
            )
        default:
            throw APIFailure.invalid(words["not-found"])
        }
        return registryPage(session, flash: (words.recorded(api.counted(event)), "ok"))
    }

    // MARK: Budgets and expiries (admin)

    /// A programme year's appropriation as recorded, the form to record or revise it, and the form
    /// to lapse what is left of quotas whose validity has ended.
    func budgetsPage(
        _ session: Session,
        _ request: Request?,
        form: [String: [String]]?,
        flash: (String, String)?
    )
        async throws -> Response
    {
        let words = Words(session.language)
        let programmes = try await api.worker.read { ledger in try ledger.programmes() }
        let asked = form.flatMap { Self.field("programme", in: $0) } ?? request.flatMap { Self.query("programme", $0) }
        let chosen = Self.programme(asked, among: programmes) ?? programmes.first
        let yearText = form.flatMap { Self.field("year", in: $0) } ?? request.flatMap { Self.query("year", $0) } ?? ""
        let year = Int(yearText).flatMap { (1900...9999).contains($0) ? $0 : nil } ?? BusinessDate.today().year
        var data: [String: Any] = [
            "programmes": Self.choices(programmes, chosen: chosen, session.language), "year": String(year),
            "programme": chosen?.id.value ?? "",
        ]
        // The form offers what was typed (a refusal keeps it), else the appropriation in force,
        // so that a revision changes only what it means to.
        var typed = (amount: form.flatMap { Self.field("amount", in: $0) }, shares: form?["shares"]?.first)
        if let id = chosen?.id,
            let (appropriation, seq, committed) = try await api.worker.read({ ledger in
                try ledger.appropriation(id, year: year).map {
                    ($0.appropriation, $0.event, try ledger.committed(id, year: year))
                }
            })
        {
            let over = appropriation.shortfall(committed: committed)
            var budget = [
                "amount": appropriation.amount.formatted(), "event": String(seq),
                "shares": appropriation.shares.map { "\(words.funder($0.name)) \($0.rate.formatted())" }
                    .joined(separator: " · "),
                "committed": committed.formatted(),
            ]
            // Either what is left to grant or by how much the grants exceed it (a section shows
            // for any value given, even an empty one).
            if let over {
                budget["over"] = over.formatted()
            } else {
                budget["left"] = appropriation.amount.remaining(after: committed).formatted()
            }
            data["budget"] = budget
            if typed.amount == nil && typed.shares == nil {
                typed = (
                    appropriation.amount.formatted(),
                    appropriation.shares.map { "\(words.funder($0.name))=\($0.rate.formatted())" }
                        .joined(separator: "\n")
                )
            }
        }
        data["typedAmount"] = typed.amount ?? ""
        data["typedShares"] = typed.shares ?? ""
        return render("budgets", title: words["budgets"], session: session, data: data, flash: flash)
    }

    /// Records a programme year's appropriation (`action` budget), or lapses what is left of the
    /// programme's quotas whose validity ended before the date (`action` expire).
    func changeBudget(_ session: Session, _ form: [String: [String]]) async throws -> Response {
        let words = Words(session.language)
        let date = try Self.date(in: form, words)
        let programme = try ProgrammeID(Self.field("programme", in: form) ?? "")
        let flash: (String, String)
        if Self.field("action", in: form) == "expire" {
            let context = EventContext(
                idempotencyKey: "expiry:\(programme.value):\(date.iso)",
                actor: session.user.name,
                businessDate: date
            )
            let event = try await api.recordExpiry(programme: programme, context: context)
            flash = event.map { (words.recorded(api.counted($0)), "ok") } ?? (words["nothingLapsed"], "ok")
        } else {
            guard let yearText = Self.field("year", in: form) else {
                throw APIFailure.invalid(words["year"] + words.colon + words["required"])
            }
            guard let year = Int(yearText), (1900...9999).contains(year) else {
                throw APIFailure.invalid(words.notAYear(yearText))
            }
            // One share a line, or several on a line separated as people write lists.
            let shares = (form["shares"]?.first ?? "").split { $0.isNewline || ",，;；、".contains($0) }
                .map { String($0).trimmed }
            let appropriation = Appropriation(
                programme: programme,
                year: year,
                amount: try Self.money("amount", in: form, words, label: words["appropriation"]),
                shares: try shares.filter { !$0.isEmpty }.map { text throws(LedgerError) in
                    try BudgetShare.parse(text)
                }
            )
            let event = try await api.recordBudget(appropriation, date: date, key: nil, user: session.user)
            let committed = try await api.worker.read { ledger in try ledger.committed(programme, year: year) }
            flash =
                appropriation.shortfall(committed: committed) == nil
                ? (words.recorded(api.counted(event)), "ok")
                : (words.recorded(api.counted(event)) + " " + words["overCommitted"], "bad")
        }
        return try await budgetsPage(session, nil, form: form, flash: flash)
    }

    // MARK: Form fields

    /// The form's date, else today.
    static func date(in form: [String: [String]], _ words: Words) throws -> BusinessDate {
        guard let text = field("date", in: form) else { return BusinessDate.today() }
        do {
            return try BusinessDate.parse(text)
        } catch {
            throw APIFailure.invalid(words["date"] + words.colon + error.text(words.language))
        }
    }

    /// A required amount, in any form the command line reads; `label` names the field in a
    /// refusal (the field's own word by default).
    static func money(
        _ name: String,
        in form: [String: [String]],
        _ words: Words,
        label: String? = nil
    ) throws -> Money {
        let label = label ?? words[name]
        guard let text = field(name, in: form) else {
            throw APIFailure.invalid(label + words.colon + words["required"])
        }
        do {
            return try Money.parse(text)
        } catch {
            throw APIFailure.invalid(label + words.colon + error.text(words.language))
        }
    }
}
