import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import VoucherDomain
import VoucherReports

@testable import VoucherServer
@testable import VoucherStorage

/// The admin's console pages: users and their accounts' record, and policy files.
extension ConsoleTests {
    /// A refused policy file's programme is read from its `id:` line as YAML writes it.
    @Test(arguments: [
        ("id: sh-x\nkind: voucher", "sh-x"), ("id: \"sh-x\" # the city's", "sh-x"), ("name: a\nid: 'sh-x'", "sh-x"),
        ("  id: nested", nil), ("id:", nil), ("kind: voucher", nil),
    ])
    func aPolicysProgrammeIsReadFromItsIdLine(_ yaml: String, _ id: String?) {
        #expect(Console.policyID(in: yaml) == id)
    }

    /// Signs in with a name and password; returns the answer (303 and a session, or 401).
    static func signIn(
        _ client: some TestClientProtocol,
        name: String,
        password: String
    ) async throws -> Page {
        let login = try await get(client, "/console/login")
        let loginCookie = try #require(cookie(login, Console.loginCookie))
        let token = try #require(csrf(login.body))
        return try await post(
            client,
            "/console/login",
            cookies: loginCookie,
            form: [("csrf", token), ("name", name), ("password", password), ("lang", "en")]
        )
    }

    /// An admin adds a user, sets their password (ending their session), disables them (their
    /// sign-in and API token refused) and enables them again; cannot disable themselves; each
    /// change is in the accounts' record. Another role may not post the form.
    @Test func anAdminManagesUsersFromTheConsole() async throws {
        let world = try World()
        try await world.app.test(.router) { client in
            let (admin, csrf) = try await Self.signIn(client, .admin)
            func act(_ fields: [(String, String)]) async throws -> Page {
                try await Self.post(client, "/console/users", cookies: admin, form: [("csrf", csrf)] + fields)
            }
            let added = try await act([
                ("action", "add"), ("name", "李审计"), ("role", "auditor"), ("password", "a long enough one"),
            ])
            #expect(added.status == 200 && added.body.contains("added 李审计"), "\(added.body.prefix(600))")
            let first = try await Self.signIn(client, name: "李审计", password: "a long enough one")
            #expect(first.status == 303)
            let session = try #require(Self.cookie(first, Console.sessionCookie))
            #expect(try await Self.get(client, "/console/verify", cookies: session).status == 200)

            let short = try await act([("action", "password"), ("name", "李审计"), ("password", "short")])
            #expect(short.status == 422 && short.body.contains("at least 12"), "\(short.body.prefix(600))")
            // On a Chinese page, in Chinese.
            let (adminZh, csrfZh) = try await Self.signIn(client, .admin, language: "zh")
            let again = try await Self.post(
                client,
                "/console/users",
                cookies: adminZh,
                form: [("csrf", csrfZh), ("action", "add"), ("name", "李审计"), ("role", "auditor")]
            )
            #expect(again.status == 422 && again.body.contains("用户 李审计 已存在，请换用其他用户名"), "\(again.body)")
            let reset = try await act([("action", "password"), ("name", "李审计"), ("password", "another long one")])
            #expect(reset.status == 200)
            #expect(try await Self.get(client, "/console/verify", cookies: session).status == 303)
            #expect(try await Self.signIn(client, name: "李审计", password: "a long enough one").status == 401)
            #expect(try await Self.signIn(client, name: "李审计", password: "another long one").status == 303)

            let token = try world.accounts.issueToken(for: "李审计", by: "test")
            #expect(try world.accounts.user(forToken: token)?.name == "李审计")
            let disabled = try await act([("action", "disable"), ("name", "李审计")])
            #expect(disabled.status == 200 && disabled.body.contains("disabled 李审计"), "\(disabled.body.prefix(600))")
            #expect(try await Self.signIn(client, name: "李审计", password: "another long one").status == 401)
            #expect(try world.accounts.user(forToken: token) == nil)
            let enabled = try await act([("action", "enable"), ("name", "李审计")])
            #expect(enabled.status == 200)
            #expect(try await Self.signIn(client, name: "李审计", password: "another long one").status == 303)
            // Old tokens stay revoked.
            #expect(try world.accounts.user(forToken: token) == nil)

            // A disabled user is issued no token.
            _ = try await act([("action", "disable"), ("name", "李审计")])
            #expect(throws: AccountError.self) { try world.accounts.issueToken(for: "李审计", by: "test") }
            // A password checked before a disable (or a password set) starts no session after it.
            let checked = try #require(try world.accounts.user(named: "user-finance", password: World.password))
            try world.accounts.setPassword(of: "user-finance", to: "a brand new password", by: "test")
            #expect(throws: AccountError.self) { try world.accounts.startSession(for: checked, language: .en) }
            // A user of the API only: no password, so no sign-in here.
            let tokenOnly = try await act([("action", "add"), ("name", "接口"), ("role", "finance"), ("password", "")])
            #expect(tokenOnly.status == 200, "\(tokenOnly.body.prefix(400))")
            // The list says so: it is active, but not for signing in here; the others have passwords.
            #expect(tokenOnly.body.contains("<td>接口</td><td>finance</td><td></td><td>active (API token only"))
            #expect(tokenOnly.body.components(separatedBy: "API token only").count == 2)
            // The account log names roles as the pages do.
            #expect(tokenOnly.body.contains("added as district reviewer"), "\(tokenOnly.body)")
            #expect(!tokenOnly.body.contains("added as district-reviewer"))

            let yourself = try await act([("action", "disable"), ("name", "user-admin")])
            #expect(yourself.status == 422 && yourself.body.contains("cannot disable yourself"))
            let unknownParty = try await act([
                ("action", "add"), ("name", "乙企业"), ("role", "enterprise"), ("party", "91310000NOSUCHONE1"),
                ("password", "a long enough one"),
            ])
            #expect(unknownParty.status == 404 || unknownParty.status == 422, "\(unknownParty.status)")
            // An auditor acts for no party: a code given is refused, not dropped.
            let auditorForAParty = try await act([
                ("action", "add"), ("name", "审计乙"), ("role", "auditor"), ("party", ServerTests.a),
                ("password", "a long enough one"),
            ])
            #expect(
                auditorForAParty.status == 422 && auditorForAParty.body.contains("acts for no applicant or provider")
            )
            #expect(try world.accounts.users().contains { $0.name == "审计乙" } == false)
            // The form comes back with the name, role and party it was sent with; not the password.
            #expect(auditorForAParty.body.contains(#"id="new-name" name="name" value="审计乙""#))
            #expect(auditorForAParty.body.contains(#"<option value="auditor" selected>"#))
            #expect(auditorForAParty.body.components(separatedBy: " selected>").count == 2)
            #expect(auditorForAParty.body.contains(#"id="new-party" name="party" value="\#(ServerTests.a)""#))
            #expect(!auditorForAParty.body.contains("a long enough one"))
            // Refused on the users page itself, with why, not on a page with only a link home.
            #expect(unknownParty.body.contains("91310000NOSUCHONE1") && unknownParty.body.contains("Add a user"))

            let recorded = try world.accounts.changes()
            let changes = recorded.filter { $0.user == "李审计" }.map(\.change)
            #expect(changes.count == 6, "\(changes)")
            #expect(changes.contains("disabled: tokens revoked, sessions ended") && changes.contains("enabled"))
            // Each change is read back from its stored words, and a Chinese page shows it in Chinese.
            #expect(recorded.allSatisfy { $0.kind?.stored == $0.change }, "\(recorded.map(\.change))")
            let chinese = recorded.map { Words(.zh).accountChange($0) }
            #expect(zip(recorded, chinese).allSatisfy { $0.change != $1 }, "\(chinese)")
            #expect(chinese.contains("停用：令牌已撤销，会话已结束") && chinese.contains("添加，角色：审计"))
            #expect(chinese.contains { $0.hasPrefix("添加，角色：企业，代表申请主体 ") }, "\(chinese)")

            let (auditor, auditorCSRF) = try await Self.signIn(client, .auditor)
            let refused = try await Self.post(
                client,
                "/console/users",
                cookies: auditor,
                form: [("csrf", auditorCSRF), ("action", "disable"), ("name", "user-admin")]
            )
            #expect(refused.status == 403)
        }
    }

    /// The admin sees each programme's versions and its policy file; a file with a later version
    /// appended is installed as an event recorded by the admin; sent again, it records nothing;
    /// a file that does not parse is refused with the reason.
    @Test func anAdminInstallsAPolicyFileFromTheConsole() async throws {
        let world = try World()
        let own = try #require(try world.ledger.policyFile(try ProgrammeID("sh-innovation-voucher")))
        try await world.app.test(.router) { client in
            let (admin, csrf) = try await Self.signIn(client, .admin)
            let page = try await Self.get(client, "/console/policies?programme=sh-innovation-voucher", cookies: admin)
            #expect(page.status == 200)
            #expect(page.body.contains("2022-01-01") && page.body.contains("sh-innovation-voucher.yaml"))
            // Its date picker offers no day after today.
            #expect(page.body.contains("type=\"date\" max=\"\(BusinessDate.today().iso)\""))
            let firstLine = try #require(own.split(separator: "\n").first.map(String.init))
            #expect(page.body.contains(WhatIfReport.escapeHTML(firstLine)))
            // The file in force, sent back unchanged (the page shows it): nothing is installed again.
            let head = try world.ledger.chainHead()
            let unchanged = try await Self.post(
                client,
                "/console/policies",
                cookies: admin,
                form: [("csrf", csrf), ("yaml", own), ("file", "sh-innovation-voucher.yaml"), ("date", "2026-06-01")]
            )
            #expect(unchanged.status == 409, "\(unchanged.body.prefix(800))")
            #expect(unchanged.body.contains("this file is already the policy file of sh-innovation-voucher in force"))
            #expect(try world.ledger.chainHead() == head)
            let revised = own + "  - effective_from: 2030-01-01\n    rate: 40%\n    rounding: down to fen\n"
            let form = [("csrf", csrf), ("yaml", revised), ("file", "sh-2030.yaml"), ("date", "2026-06-01")]
            let installed = try await Self.post(client, "/console/policies", cookies: admin, form: form)
            #expect(
                installed.status == 200 && installed.body.contains("Recorded: event"),
                "\(installed.body.prefix(800))"
            )
            #expect(installed.body.contains("2030-01-01"))
            let again = try await Self.post(client, "/console/policies", cookies: admin, form: form)
            #expect(again.body.contains("Already recorded"), "\(again.body.prefix(800))")
            // As a browser sends a text area: its lines ending in CRLF. The same file, recorded once.
            let crlf = form.map { $0.0 == "yaml" ? ($0.0, $0.1.replacingOccurrences(of: "\n", with: "\r\n")) : $0 }
            let sentByABrowser = try await Self.post(client, "/console/policies", cookies: admin, form: crlf)
            #expect(sentByABrowser.body.contains("Already recorded"), "\(sentByABrowser.body.prefix(800))")
            // The same file on another day is the same file: said so, not as a key used twice.
            let otherDay = form.map { $0.0 == "date" ? ($0.0, "2026-06-05") : $0 }
            let sameFile = try await Self.post(client, "/console/policies", cookies: admin, form: otherDay)
            #expect(
                sameFile.status == 409 && sameFile.body.contains("this file is already the policy file of "),
                "\(sameFile.body.prefix(800))"
            )
            #expect(!sameFile.body.contains("idempotency"), "\(sameFile.body.prefix(800))")
            // A date after today is refused, as a date and not as anything else.
            let tomorrow = BusinessDate.today().adding(days: 2).iso
            let ahead = form.map {
                $0.0 == "date" ? ($0.0, tomorrow) : $0.0 == "yaml" ? ($0.0, $0.1 + "# ahead\n") : $0
            }
            let future = try await Self.post(client, "/console/policies", cookies: admin, form: ahead)
            #expect(future.status == 422 && future.body.contains("is after today"), "\(future.body.prefix(800))")
            let broken = try await Self.post(
                client,
                "/console/policies",
                cookies: admin,
                form: [("csrf", csrf), ("yaml", "id: [")]
            )
            #expect(broken.status == 422, "\(broken.status) \(broken.body.prefix(400))")
            // A refused file comes back as it was typed, under its own programme (not the first
            // programme's file in force), with its name and date, to correct it.
            let over = own.replacingOccurrences(of: "50%", with: "150%")
            let refused = try await Self.post(
                client,
                "/console/policies",
                cookies: admin,
                form: [("csrf", csrf), ("yaml", over), ("file", "sh-bad.yaml"), ("date", "2026-06-02")]
            )
            #expect(refused.status == 422 && refused.body.contains("is over 100%"), "\(refused.body.prefix(800))")
            #expect(refused.body.contains(WhatIfReport.escapeHTML(over)), "\(refused.body)")
            #expect(refused.body.contains("<option value=\"sh-innovation-voucher\" selected>"))
            #expect(refused.body.contains("value=\"sh-bad.yaml\"") && refused.body.contains("value=\"2026-06-02\""))
        }
        #expect(try world.ledger.programme(try ProgrammeID("sh-innovation-voucher")).versions.count == 2)
        let actor = try world.ledger.rawRead { db in
            try String.fetchOne(db, sql: "SELECT actor FROM event WHERE kind = 'programme' ORDER BY seq DESC LIMIT 1")
        }
        #expect(actor == "user-admin")
    }
}
