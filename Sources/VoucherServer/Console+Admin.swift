import Foundation
import HTTPTypes
import Hummingbird
import VoucherDomain
import VoucherPolicies
import VoucherStorage

// MARK: - The admin's pages: users and policy files

extension Console {
    /// Installs a policy file pasted into the form as the programme's next, recorded by the admin.
    func installPolicy(_ session: Session, _ form: [String: [String]], on date: BusinessDate) async throws -> Response {
        let words = Words(session.language)
        let user = session.user
        // A browser sends a text area's lines ending in CRLF: the file is kept as it was shown.
        guard let yaml = form["yaml"]?.first?.replacingOccurrences(of: "\r\n", with: "\n"), !yaml.trimmed.isEmpty
        else {
            throw APIFailure.invalid(words["policyMissing"])
        }
        let file = Self.field("file", in: form) ?? "policy.yaml"
        let context = EventContext(
            idempotencyKey: Ledger.policyKey(yaml),
            actor: user.name,
            businessDate: date
        )
        let event = try await api.worker.run { ledger in
            try ledger.installProgramme(yaml: yaml, file: file, context: context)
        }
        let installed = try? PolicyFile.programme(yaml: yaml, file: file).id.value
        return try await policiesPage(session, installed, flash: (words.recorded(api.counted(event)), "ok"))
    }

    /// Adds a user, disables or enables one, or sets a password, as the form's `action` says.
    func changeUser(_ session: Session, _ form: [String: [String]]) async throws -> Response {
        let words = Words(session.language)
        let user = session.user
        let accounts = api.accounts
        let name = Self.field("name", in: form) ?? ""
        let done: String
        do {
            switch Self.field("action", in: form) {
            case "add":
                guard let role = Self.field("role", in: form).flatMap(Role.init(rawValue:)) else {
                    throw APIFailure.invalid(words["role"] + words.colon + words["required"])
                }
                let party = Self.field("party", in: form)
                // Only an enterprise's or a provider's user acts for a party: a code given for
                // another role would be dropped without a word.
                if party != nil, role != .enterprise, role != .provider {
                    throw AccountError(
                        "a \(role.rawValue) user acts for no applicant or provider; leave the party empty",
                        zh: "\(words.role(role))用户不代表任何申请主体或服务机构；请将所属主体留空"
                    )
                }
                // An enterprise's or a provider's user acts for a party the ledger knows.
                if let party, role == .enterprise || role == .provider {
                    _ = try await api.worker.read { ledger in
                        role == .enterprise ? try ledger.applicant(party).id : try ledger.provider(party).id
                    }
                }
                // No password: a user of the API only (a token), who cannot sign in here.
                let password = form["password"]?.first.flatMap { $0.isEmpty ? nil : $0 }
                try await api.passwordCheck {
                    _ = try accounts.addUser(
                        name: name,
                        role: role,
                        applicant: role == .enterprise ? party : nil,
                        provider: role == .provider ? party : nil,
                        password: password,
                        by: user.name
                    )
                }
                done = words.userAdded(name)
            case "disable":
                try await api.accountsWork { try accounts.disable(name, by: user.name) }
                done = words.userDisabled(name)
            case "enable":
                try await api.accountsWork { try accounts.enable(name, by: user.name) }
                done = words.userEnabled(name)
            case "password":
                let password = form["password"]?.first ?? ""
                try await api.passwordCheck { try accounts.setPassword(of: name, to: password, by: user.name) }
                done = words.passwordSet(name)
            default:
                throw APIFailure.invalid(words["not-found"])
            }
        } catch let error as AccountError {
            return try await usersPage(
                session,
                typed: form,
                flash: (error.text(session.language), "bad"),
                status: .unprocessableContent
            )
        }
        return try await usersPage(session, flash: (done, "ok"))
    }

    /// The users, each with the forms to set a password and to disable or enable them; a form to
    /// add one (after a refused one, with the name, role and party it was sent with; never the
    /// password); and every change to the accounts.
    func usersPage(
        _ session: Session,
        typed: [String: [String]]? = nil,
        flash: (String, String)?,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let words = Words(session.language)
        let adding = typed.flatMap { Self.field("action", in: $0) } == "add" ? typed ?? [:] : [:]
        let accounts = api.accounts
        let (users, changes) = try await api.accountsWork { (try accounts.users(), try accounts.changes()) }
        return render(
            "users",
            title: words["users"],
            session: session,
            data: [
                "users": users.map {
                    [
                        "name": $0.name, "role": words.role($0.role), "party": $0.applicant ?? $0.provider ?? "",
                        "disabled": $0.disabled, "isSelf": $0.id == session.user.id, "hasPassword": $0.hasPassword,
                    ] as [String: Any]
                },
                "roles": Role.allCases.map {
                    [
                        "value": $0.rawValue, "label": words.role($0),
                        "selected": Self.field("role", in: adding) == $0.rawValue,
                    ] as [String: Any]
                },
                "newName": adding["name"]?.first ?? "", "newParty": adding["party"]?.first ?? "",
                "changes": changes.map {
                    [
                        "seq": String($0.seq), "at": Self.beijingTime($0.at), "by": $0.by, "user": $0.user,
                        "change": words.accountChange($0),
                    ]
                },
            ],
            flash: flash,
            status: status
        )
    }

    /// The programmes installed, each version with its dates, rate and note; one programme's
    /// policy file in force, in a text area to change and install as its next file; with `typed`,
    /// a refused form's file, file name and date as they were sent.
    func policiesPage(
        _ session: Session,
        _ asked: String?,
        typed: [String: [String]]? = nil,
        flash: (String, String)?
    ) async throws -> Response {
        let words = Words(session.language)
        let programmes = try await api.worker.read { ledger in try ledger.programmes() }
        let chosen = Self.programme(asked, among: programmes) ?? programmes.first
        var yaml = typed?["yaml"]?.first?.replacingOccurrences(of: "\r\n", with: "\n") ?? ""
        if typed == nil, let id = chosen?.id {
            yaml = try await api.worker.read { ledger in try ledger.policyFile(id) } ?? ""
        }
        // A refused form's blank file name stays its own programme's, never the programme chosen
        // for want of one.
        let ownName = (typed == nil ? chosen?.id.value : Self.policyID(in: yaml)).map { "\($0).yaml" }
        let file = typed.flatMap { Self.field("file", in: $0) } ?? ownName ?? "policy.yaml"
        return render(
            "policies",
            title: words["policies"],
            session: session,
            data: [
                "programmes": zip(programmes, Self.choices(programmes, chosen: chosen, session.language)).map {
                    programme,
                    choice in
                    choice.merging([
                        "kind": session.language == .zh ? LedgerError.kindZh(programme.kind) : programme.kind.rawValue,
                        "versions": programme.versions.map { version in
                            [
                                "from": version.effectiveFrom.iso, "until": version.effectiveUntil?.iso ?? "",
                                "rate": version.rate.map { "\($0.value)" } ?? "",
                                "note": version.note(session.language) ?? "",
                            ]
                        },
                    ]) { $1 }
                },
                "yaml": yaml, "file": file, "date": typed.flatMap { Self.field("date", in: $0) } ?? "",
            ],
            flash: flash
        )
    }
}

extension Console {
    /// The programme id a policy file's text names on its `id:` line, to choose its programme on
    /// a page that shows the file again; nil when there is none.
    static func policyID(in yaml: String) -> String? {
        for line in yaml.split(whereSeparator: \.isNewline) where line.hasPrefix("id:") {
            // The value, without a comment after it or the quotes around it.
            var value = line.dropFirst(3).split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0]
                .trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let first = value.first, first == value.last, first == "\"" || first == "'" {
                value = String(value.dropFirst().dropLast())
            }
            return value.isEmpty ? nil : value
        }
        return nil
    }

    /// A time kept in UTC (`2026-12-01T18:45:08Z`) as Beijing's clock shows it, `2026-12-02 02:45:08`;
    /// the text as it is when it is not such a time.
    static func beijingTime(_ iso: String) -> String {
        let parser = ISO8601DateFormatter()
        guard let date = parser.date(from: iso) else { return iso }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = BusinessDate.beijing
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: date)
    }
}
