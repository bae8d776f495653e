import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import VoucherDomain
import VoucherReports

@testable import VoucherServer
@testable import VoucherStorage

/// The web console in-process: each role's pages and forms, CSRF on every form, the work queues'
/// pages, and escaping of what the ledger holds. Signing in is tested in ConsoleSignInTests.swift,
/// the admin's users and policy files in ConsoleAdminTests.swift (extensions of this suite).
@Suite struct ConsoleTests {
    typealias World = ServerTests.World

    struct Page: Sendable {
        var status: Int
        var body: String
        var headers: HTTPFields
    }

    static func get(_ client: some TestClientProtocol, _ uri: String, cookies: String = "") async throws -> Page {
        var headers: HTTPFields = [:]
        if !cookies.isEmpty { headers[.cookie] = cookies }
        return try await client.execute(uri: uri, method: .get, headers: headers) {
            Page(status: Int($0.status.code), body: String(buffer: $0.body), headers: $0.headers)
        }
    }

    static func post(
        _ client: some TestClientProtocol,
        _ uri: String,
        cookies: String,
        form: [(String, String)],
        referer: String? = nil
    ) async throws -> Page {
        var headers: HTTPFields = [:]
        headers[.cookie] = cookies
        if let referer { headers[.referer] = referer }
        headers[.contentType] = "application/x-www-form-urlencoded"
        let allowed = CharacterSet.alphanumerics
        let body = form.map {
            "\($0.0.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")="
                + ($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")
        }.joined(separator: "&")
        return try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body)) {
            Page(status: Int($0.status.code), body: String(buffer: $0.body), headers: $0.headers)
        }
    }

    static func cookie(_ page: Page, _ name: String) -> String? {
        page.headers[values: .setCookie].first { $0.hasPrefix(name + "=") }.map {
            String($0.prefix { $0 != ";" })
        }
    }

    static func csrf(_ html: String) -> String? {
        guard let range = html.range(of: #"name="csrf" value=""#) else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }

    /// Signs in as the role's user; returns the session cookie and the session's CSRF token.
    static func signIn(
        _ client: some TestClientProtocol,
        _ role: Role,
        language: String = "en"
    ) async throws -> (cookie: String, csrf: String) {
        let login = try await get(client, "/console/login")
        let loginCookie = try #require(cookie(login, Console.loginCookie))
        let token = try #require(csrf(login.body))
        let signedIn = try await post(
            client,
            "/console/login",
            cookies: loginCookie,
            form: [
                ("csrf", token), ("name", "user-\(role.rawValue)"), ("password", World.password), ("lang", language),
            ]
        )
        #expect(signedIn.status == 303, "\(signedIn.body)")
        let session = try #require(cookie(signedIn, Console.sessionCookie))
        let home = try await get(client, "/console", cookies: session)
        return (session, try #require(csrf(home.body)))
    }

    /// The what-if page starts from the programme's own policy file; the auditor changes its
    /// rate and sees the year replayed under it beside what happened, and nothing is written.
    @Test func theWhatIfPageReplaysTheYearUnderTheChangedPolicy() async throws {
        let world = try World()
        let head = try world.ledger.chainHead()
        let own = try #require(try world.ledger.policyFile(try ProgrammeID("sh-innovation-voucher")))
        try await world.app.test(.router) { client in
            let (cookie, csrf) = try await Self.signIn(client, .auditor)
            let blank = try await Self.get(client, "/console/whatif?programme=sh-innovation-voucher", cookies: cookie)
            #expect(blank.status == 200 && blank.body.contains("<h1>What if</h1>"))
            // The policy file is shown escaped in the text area, as the file says.
            let firstLine = try #require(own.split(separator: "\n").first.map(String.init))
            #expect(blank.body.contains(WhatIfReport.escapeHTML(firstLine)), "\(blank.body.prefix(2000))")
            let reform = own.replacingOccurrences(of: "50%", with: "40%")
            let answer = try await Self.post(
                client,
                "/console/whatif",
                cookies: cookie,
                form: [("csrf", csrf), ("programme", "sh-innovation-voucher"), ("year", "2022"), ("policy", reform)]
            )
            #expect(answer.status == 200, "\(answer.body.prefix(500))")
            // Two uses of 20,000: 20,000 used at 50%, 16,000 at 40%.
            #expect(answer.body.contains("20,000.00") && answer.body.contains("16,000.00"), "\(answer.body)")
            #expect(answer.body.contains("<svg") && !answer.body.contains("<h1>What if</h1>"))
            let broken = try await Self.post(
                client,
                "/console/whatif",
                cookies: cookie,
                form: [("csrf", csrf), ("programme", "sh-innovation-voucher"), ("year", "2022"), ("policy", "rate: [")]
            )
            #expect(broken.status == 422, "\(broken.body.prefix(500))")
            // The page comes back with the policy as edited, to correct it.
            #expect(broken.body.contains(">rate: [</textarea>"), "\(broken.body)")
            // A year that is not one comes back as typed, with why.
            let badYear = try await Self.post(
                client,
                "/console/whatif",
                cookies: cookie,
                form: [("csrf", csrf), ("programme", "sh-innovation-voucher"), ("year", "22"), ("policy", reform)]
            )
            #expect(badYear.status == 422 && badYear.body.contains(#"name="year" value="22""#), "\(badYear.body)")
            #expect(badYear.body.contains("is not a year"))
            // No year given: the latest with claims, as the field offers it.
            let shLatest = try #require(try world.ledger.claimYears(try ProgrammeID("sh-innovation-voucher")).max())
            let noYear = try await Self.post(
                client,
                "/console/whatif",
                cookies: cookie,
                form: [("csrf", csrf), ("programme", "sh-innovation-voucher"), ("year", " "), ("policy", reform)]
            )
            #expect(
                noYear.status == 200 && noYear.body.contains(#"name="year" value="\#(shLatest)""#),
                "\(noYear.body.prefix(800))"
            )
            #expect(noYear.body.contains("<svg"))
            // Opened without a programme, as the report: a voucher programme and its latest year with claims.
            let voucher = try #require(try world.ledger.programmes().first { $0.kind == .voucher })
            let latest = try #require(try world.ledger.claimYears(voucher.id).max())
            let unasked = try await Self.get(client, "/console/whatif", cookies: cookie)
            #expect(
                unasked.body.contains(#"<option value="\#(voucher.id.value)" selected>"#),
                "\(unasked.body.prefix(1500))"
            )
            #expect(unasked.body.contains(#"name="year" value="\#(latest)""#))
            // Another programme's file is replayed on this one's records, and the page says so.
            let yrd = try #require(try world.ledger.policyFile(try ProgrammeID("yrd-innovation-voucher")))
            let other = try await Self.post(
                client,
                "/console/whatif",
                cookies: cookie,
                form: [("csrf", csrf), ("programme", "sh-innovation-voucher"), ("year", "2022"), ("policy", yrd)]
            )
            #expect(
                other.body.contains("the changed policy&#39;s id is yrd-innovation-voucher, not sh-innovation-voucher"),
                "\(other.status) \(other.body.prefix(1500))"
            )
            let unknown = try await Self.post(
                client,
                "/console/whatif",
                cookies: cookie,
                form: [("csrf", csrf), ("programme", "no-such"), ("year", "2022"), ("policy", reform)]
            )
            #expect(unknown.status == 404, "\(unknown.status)")
            let forged = try await Self.post(
                client,
                "/console/whatif",
                cookies: cookie,
                form: [("csrf", "x"), ("programme", "sh-innovation-voucher"), ("year", "2022"), ("policy", reform)]
            )
            #expect(forged.status == 403)
            // On a Chinese page the policy's refusal reads in Chinese, with its line and key.
            let (chinese, chineseCSRF) = try await Self.signIn(client, .auditor, language: "zh")
            let over = try await Self.post(
                client,
                "/console/whatif",
                cookies: chinese,
                form: [
                    ("csrf", chineseCSRF), ("programme", "sh-innovation-voucher"), ("year", "2022"),
                    ("policy", own.replacingOccurrences(of: "50%", with: "150%")),
                ]
            )
            #expect(over.status == 422, "\(over.body.prefix(500))")
            #expect(over.body.contains("150% 超过 100%；创新券的补贴不能超过服务金额"), "\(over.body.prefix(1500))")
            #expect(over.body.contains("行，versions[0].rate：") && !over.body.contains("is over 100%"))
        }
        #expect(try world.ledger.chainHead() == head)
    }

    /// A signed-in user switches the language from any page's header and comes back to that page;
    /// the switch never leads to another site or to a page the console does not show to GET.
    @Test func theLanguageIsSwitchedFromThePageAndBackToIt() async throws {
        let world = try World()
        try await world.app.test(.router) { client in
            let (cookie, csrf) = try await Self.signIn(client, .auditor)
            let english = try await Self.get(client, "/console/verify", cookies: cookie)
            #expect(english.body.contains("action=\"/console/language\"") && english.body.contains(">中文</button>"))
            let switched = try await Self.post(
                client,
                "/console/language",
                cookies: cookie,
                form: [("csrf", csrf), ("lang", "zh")],
                referer: "http://127.0.0.1:8080/console/report?programme=sh-innovation-voucher&year=2022"
            )
            #expect(switched.status == 303)
            #expect(switched.headers[.location] == "/console/report?programme=sh-innovation-voucher&year=2022")
            let chinese = try await Self.get(client, "/console/verify", cookies: cookie)
            #expect(chinese.body.contains("<html lang=\"zh-CN\">") && chinese.body.contains(">English</button>"))
            for (referer, location) in [
                ("https://elsewhere.example/console/verify", "/console/verify"),
                ("https://elsewhere.example/steal", "/console"), ("http://127.0.0.1:8080/console/login", "/console"),
                ("http://127.0.0.1:8080/console/claims/C-1/decide", "/console/claims"),
                ("http://127.0.0.1:8080/console/uses/U%2F1/recoveries", "/console/recoveries?use=U/1"),
                ("http://127.0.0.1:8080/console/uses/A&B=1/recoveries", "/console/recoveries?use=A%26B%3D1"),
                ("http://127.0.0.1:8080/console/claims/C-1/decide/more", "/console"), ("not a url %", "/console"),
            ] {
                let back = try await Self.post(
                    client,
                    "/console/language",
                    cookies: cookie,
                    form: [("csrf", csrf), ("lang", "en")],
                    referer: referer
                )
                #expect(back.headers[.location] == location, "\(referer)")
            }
            let forged = try await Self.post(
                client,
                "/console/language",
                cookies: cookie,
                form: [("csrf", "x"), ("lang", "zh")]
            )
            #expect(forged.status == 403)
            let after = try await Self.get(client, "/console/verify", cookies: cookie)
            #expect(after.body.contains("<html lang=\"en\">"))
        }
    }

    /// A work queue longer than a page ends with a link to the next page, which begins after the
    /// last claim shown and links back to the first. Here a page is one claim: the city's queue
    /// holds the district's two grants.
    @Test func aQueueLongerThanAPageLinksToTheNextPage() async throws {
        let world = try World()
        let paged = Application(
            router: try API(ledger: world.ledger, accounts: world.accounts).router(
                loginThrottle: .milliseconds(50),
                queuePage: 1
            )
        )
        let seqs = try world.ledger.pendingClaims(level: .city).map(\.seq)
        #expect(seqs.count == 2)
        // And one claim for the district.
        try world.ledger.claim(
            ClaimRequest(
                ref: "C-Z",
                applicantID: ServerTests.a,
                programme: try ProgrammeID("sh-innovation-voucher"),
                year: 2023,
                requested: try Money.parse("1万")
            ),
            context: EventContext(
                idempotencyKey: "c-z",
                actor: "setup",
                businessDate: try BusinessDate.parse("2023-03-01")
            )
        )
        // Neither awaits the city (the Shanghai voucher's grant is in force after the district's):
        // a page's key is the claim's event number alone.
        let next = "\(seqs[0])"
        try await paged.test(.router) { client in
            let (city, _) = try await Self.signIn(client, .cityReviewer)
            let first = try await Self.get(client, "/console/claims", cookies: city)
            #expect(first.status == 200 && first.body.contains("C-A") && !first.body.contains("C-B"))
            // The claims the city must decide first come first: a first page without one says none
            // is waiting.
            #expect(first.body.contains("<p>No claim awaits the city&#39;s review before it may be used.</p>"))
            #expect(first.body.contains("<a href=\"/console/claims?after=\(next)\">Next page</a>"), "\(first.body)")
            #expect(!first.body.contains("Back to the first page"))
            let second = try await Self.get(client, "/console/claims?after=\(next)", cookies: city)
            #expect(second.body.contains("C-B") && !second.body.contains("C-A"), "\(second.body)")
            #expect(second.body.contains("<a href=\"/console/claims\">Back to the first page</a>"))
            #expect(!second.body.contains("Next page"))
            // A form of the second page carries its place: the answer is that page again.
            #expect(second.body.contains("<input type=\"hidden\" name=\"page\" value=\"\(next)\">"))
            let csrf = try #require(Self.csrf(second.body))
            // A refused form comes back as typed on its row (here its date is ahead), on its page,
            // and the refusal links to the row.
            let ahead = BusinessDate.today().adding(days: 2).iso
            let refused = try await Self.post(
                client,
                "/console/claims/C-B/decide",
                cookies: city,
                form: [
                    ("csrf", csrf), ("page", next), ("outcome", "grant"), ("grant", "12,345.67"),
                    ("note", "复核<核减>"), ("date", ahead),
                ]
            )
            #expect(refused.status == 422 && refused.body.contains("is after today"), "\(refused.body)")
            #expect(refused.body.contains("value=\"12,345.67\"") && refused.body.contains("value=\"复核&lt;核减&gt;\""))
            #expect(refused.body.contains("value=\"\(ahead)\"") && !refused.body.contains("C-A</td>"))
            #expect(refused.body.contains("<a href=\"#typed\">Go to the row as typed</a>"))
            #expect(refused.body.contains("<tr id=\"typed\" class=\"typed\"><td class=\"r\">C-B</td>"))
            #expect(try world.ledger.pendingClaims(level: .city).count == 2)
            // The reason beside Reject is not recorded with a grant: refused, saying where it goes.
            let misplaced = try await Self.post(
                client,
                "/console/claims/C-B/decide",
                cookies: city,
                form: [
                    ("csrf", csrf), ("page", next), ("outcome", "grant"), ("grant", "9万"), ("reason", "材料不全"),
                    ("date", "2022-05-03"),
                ]
            )
            #expect(misplaced.status == 422 && misplaced.body.contains("goes with a rejection only"))
            #expect(try world.ledger.pendingClaims(level: .city).count == 2)
            // Why a grant is what it is is recorded with it.
            let decided = try await Self.post(
                client,
                "/console/claims/C-B/decide",
                cookies: city,
                form: [
                    ("csrf", csrf), ("page", next), ("outcome", "grant"), ("grant", "9万"),
                    ("note", " 复核<核减> "), ("date", "2022-05-03"),
                ]
            )
            #expect(decided.status == 200 && decided.body.contains("Recorded: event"), "\(decided.body)")
            let recorded = try world.ledger.rawRead { db in
                try String.fetchOne(
                    db,
                    sql: "SELECT outcome || ' ' || granted || ' ' || reason FROM decision "
                        + "ORDER BY event_seq DESC LIMIT 1"
                )
            }
            #expect(recorded == "granted 9000000 复核<核减>")
            #expect(!decided.body.contains("C-A</td>") && decided.body.contains("Back to the first page"))
            // The confirmation names what was done: the row has left the queue.
            #expect(decided.body.contains("· claim C-B granted (city)"), "\(decided.body)")
            // The language switch on the answer comes back to the page it shows (the form's address
            // does not say which); it is held to what a referer is: a console page, or a form's page.
            let back = "<input type=\"hidden\" name=\"back\" value=\"/console/claims?after=\(next)\">"
            #expect(decided.body.contains(back), "\(decided.body)")
            for (back, location) in [
                ("/console/claims?after=\(next)", "/console/claims?after=\(next)"),
                ("/console/claims/C-B/decide", "/console/claims"), ("https://example.com/console/claims", "/console"),
                ("/console/users", "/console/users"),
            ] {
                let switched = try await Self.post(
                    client,
                    "/console/language",
                    cookies: city,
                    form: [("csrf", csrf), ("lang", "en"), ("back", back)]
                )
                #expect(switched.status == 303 && switched.headers[.location] == location, "\(back)")
            }
            // A rejection's confirmation names no amount (it grants none).
            let (district, districtCSRF) = try await Self.signIn(client, .districtReviewer)
            let rejected = try await Self.post(
                client,
                "/console/claims/C-Z/decide",
                cookies: district,
                form: [("csrf", districtCSRF), ("outcome", "reject"), ("reason", "材料不全"), ("date", "2023-03-02")]
            )
            #expect(rejected.status == 200, "\(rejected.body)")
            let confirmation = #"Recorded: event \d+ · claim C-Z rejected \(district\)"#
            #expect(rejected.body.range(of: confirmation, options: .regularExpression) != nil)
            // The provider's one use fills its page exactly: no next page follows.
            let (provider, providerCSRF) = try await Self.signIn(client, .provider)
            let uses = try await Self.get(client, "/console/uses", cookies: provider)
            #expect(uses.body.contains("U-A") && !uses.body.contains("Next page"), "\(uses.body)")
            // A refused filing keeps its ticked uses, its reference and its date.
            let filing = try await Self.post(
                client,
                "/console/redemptions",
                cookies: provider,
                form: [("csrf", providerCSRF), ("uses[]", "U-A"), ("ref", "R-9"), ("date", ahead)]
            )
            #expect(filing.status == 422 && filing.body.contains("is after today"), "\(filing.body)")
            #expect(filing.body.contains("value=\"U-A\" aria-label=\"File U-A\" checked>"), "\(filing.body)")
            #expect(filing.body.contains("name=\"ref\" required value=\"R-9\""))
        }
    }

    /// An auditor pastes a digest kept earlier, as the page's form sends it (spaces as `+`): the
    /// page says whether the ledger still extends it, was truncated or was rewritten.
    @Test func theVerifyPageComparesADigestKeptEarlier() async throws {
        let world = try World()
        try await world.app.test(.router) { client in
            let (cookie, _) = try await Self.signIn(client, .auditor)
            let page = try await Self.get(client, "/console/verify", cookies: cookie)
            let line = try #require(
                page.body.firstMatch(of: /voucher-ledger digest 1: (\d+) events, head ([0-9a-f]{64})/)
            )
            let (events, head) = (try #require(Int(line.output.1)), String(line.output.2))
            func compare(_ text: String) async throws -> String {
                let query = text.replacingOccurrences(of: " ", with: "+").addingPercentEncoding(
                    withAllowedCharacters: .alphanumerics.union(["+", ".", "-"])
                )
                let answer = try await Self.get(client, "/console/verify?digest=\(query ?? "")", cookies: cookie)
                #expect(answer.status == 200)
                return answer.body
            }
            let kept = try await compare(String(line.output.0))
            #expect(
                kept.contains(
                    "The ledger extends this digest: its first \(events) events are unchanged, and 0 have been recorded since."
                )
            )
            let earlier = try await compare(
                "voucher-ledger digest 1: \(events) events, head \(String(repeating: "0", count: 64))"
            )
            #expect(earlier.contains("The ledger was rewritten: event \(events) now has the hash \(head);"))
            // The chain is consistent in itself, but the page does not call the ledger good.
            #expect(
                earlier.contains("The ledger&#39;s own chain is consistent, but it does not extend the digest given")
            )
            #expect(!earlier.contains("Every event verifies."))
            #expect(kept.contains("Every event verifies."))
            let longer = try await compare("voucher-ledger digest 1: \(events + 5) events, head \(head)")
            #expect(
                longer.contains(
                    "The ledger was truncated: the digest covers \(events + 5) events; the ledger has \(events)."
                )
            )
            let wrong = try await compare("<b>digest</b>")
            #expect(wrong.contains("That is not a ledger digest"))
            #expect(wrong.contains("value=\"&lt;b&gt;digest&lt;/b&gt;\""))
            #expect(!page.body.contains("The ledger extends") && !page.body.contains("voucher verify"))

            // A chain changed below the digest's event without its hashes: the event still has the
            // digest's hash, but the page does not call the ledger unchanged.
            try await world.ledger.writer.writeWithoutTransaction { db in
                for name in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'trigger'") {
                    try db.execute(sql: "DROP TRIGGER \(name)")
                }
                try db.execute(sql: "UPDATE event SET actor = 'someone else' WHERE seq = 2")
            }
            let forged = try await compare(String(line.output.0))
            #expect(forged.contains("The ledger does not verify"))
            #expect(forged.contains("Event \(events) has the hash the digest names, but the ledger does not verify"))
            #expect(forged.contains("class=\"flash bad\" role=\"status\""))
            #expect(!forged.contains("The ledger extends"))
            // On a Chinese page, the problem in Chinese too.
            let (chinese, _) = try await Self.signIn(client, .auditor, language: "zh")
            let zhPage = try await Self.get(client, "/console/verify", cookies: chinese)
            #expect(zhPage.body.contains("第 2 个事件：内容与其哈希不符（某个字段、事件内容或分录被改动）"), "\(zhPage.body)")
            // The API answers 409 with the event, and the problem in English and in Chinese.
            let api = try await ServerTests.call(client, .get, "/api/v1/verify", token: world.tokens[.auditor])
            #expect(api.status == 409)
            #expect(api.body.contains("\"problem_event\":2"), "\(api.body)")
            #expect(api.body.contains("\"problem_zh\":\"内容与其哈希不符（某个字段、事件内容或分录被改动）\""), "\(api.body)")
        }
    }

    /// A form's reference used before with other content reads in the form's terms on the
    /// console's pages, in both languages; the API (in English) names its idempotency key.
    @Test func aReferenceUsedBeforeReadsInTheFormsTerms() {
        #expect(API.conflict("claim:E-1", event: 7, in: .zh) == "申领编号「E-1」已用于内容不同的另一笔申领（事件 7）；请换用新编号")
        #expect(API.conflict("settlement:R-1:U-2", event: 9, in: .zh).hasPrefix("兑付申请 R-1 中的用券 U-2 已结算（事件 9）"))
        #expect(API.conflict("console:3:abc", event: 4, in: .zh).contains("事件 4"))
        let error = LedgerError.idempotencyConflict(key: "redemption:R-9", firstEvent: 5)
        #expect(API.message(error, to: nil, in: .zh).hasPrefix("兑付申请编号「R-9」"))
        #expect(API.message(error, to: nil, in: .en) == error.description)
        #expect(
            API.message(error, to: nil, in: .en, inForms: true)
                == "filing reference \"R-9\" is already used by a filing with other content (event 5); use a new reference"
        )
        let settled = LedgerError.idempotencyConflict(key: "settlement:R-1:U-2", firstEvent: 9)
        #expect(
            API.message(settled, to: nil, in: .en, inForms: true)
                == "use U-2 of filing R-1 is already settled (event 9); it cannot be settled another way"
        )
        #expect(!API.message(settled, to: nil, in: .en, inForms: true).contains("idempotency"))
        // An enterprise is told to wait for its claim's decision, not to decide it.
        let exists = LedgerError.claimExists(applicant: "a", programme: "p", year: 2023, ref: "C-1")
        let enterprise = User(id: 1, name: "e", role: .enterprise, applicant: "a")
        #expect(API.message(exists, to: enterprise, in: .zh) == "您在 2023 年度的 p 已有有效申领 C-1（待审核或已核定）；同一项目每年只能有一笔")
        #expect(API.message(exists, to: nil, in: .zh).contains("请先审核或冲销该申领"))
        // Nor to change its own registration or the catalogue: it is told to ask the office.
        let attribute = LedgerError.applicantNotEligible(
            reason: LocalizedText(zh: "a 未登记为 jic-member", en: "a is not registered as jic-member"),
            remedy: LocalizedText(zh: "如已获认定，请更新其登记的属性", en: "update it (voucher register applicant)")
        )
        #expect(API.message(attribute, to: enterprise, in: .zh) == "a 未登记为 jic-member；如情况有变（如已迁入或已获认定），请联系项目办公室更新登记")
        #expect(!API.message(attribute, to: enterprise, in: .en).contains("voucher register"))
        #expect(
            API.message(attribute, to: nil, in: .en)
                == "a is not registered as jic-member; update it (voucher register applicant)"
        )
        #expect(API.message(.unknownProduct("p9"), to: enterprise, in: .zh) == "没有服务产品「p9」；请向服务机构核对产品编码，或咨询项目办公室")
        #expect(API.message(.unknownProvider("X"), to: enterprise, in: .en).contains("ask the programme office"))
        #expect(API.message(.unknownProduct("p9"), to: nil, in: .en).contains("register the product first"))
        // A mistyped credit code is still said to be one.
        #expect(
            API.message(.unknownProvider("91310110005000001K"), to: enterprise, in: .en).contains("check character")
        )
        // A reference another party used is said without the number of its event.
        let taken = LedgerError.idempotencyConflict(key: "claim:X", firstEvent: 5)
        for language in [Language.zh, .en] {
            let text = API.message(taken, to: enterprise, in: language, inForms: true)
            #expect(!text.contains("5") && text.contains("X"), "\(text)")
        }
        #expect(API.message(taken, to: nil, in: .en, inForms: true).contains("(event 5)"))
        // A reversal sent again with another reason, and a form of money owed back sent again changed.
        #expect(
            API.conflict("reversal:7", event: 9, in: .en)
                == "event 7 is already reversed (event 9); it cannot be reversed again with another reason or date"
        )
        #expect(API.conflict("console:3:abc", event: 4, in: .en).contains("reload the page"))
        // By its name where the rules gave it, as the forms name it.
        let named = LedgerError.claimExists(
            applicant: "a",
            programme: "p",
            year: 2023,
            ref: "C-1",
            programmeName: LocalizedText(zh: "上海科技创新券", en: "Shanghai S&T innovation voucher")
        )
        let namedZh = API.message(named, to: enterprise, in: .zh)
        #expect(namedZh.hasPrefix("您在 2023 年度的上海科技创新券已有有效申领 C-1"), "\(namedZh)")
        let namedEn = API.message(named, to: enterprise, in: .en)
        #expect(namedEn.hasPrefix("you already have claim C-1 for the Shanghai S&T"), "\(namedEn)")
        // A suspension's reason is the commission's: the provider reads it, an enterprise does not;
        // neither is shown a command.
        let day = BusinessDate.today()
        let suspended = LedgerError.providerSuspended(provider: "P", from: day, reason: "调查中", date: day)
        let provider = User(id: 2, name: "p", role: .provider, provider: "P")
        #expect(API.message(suspended, to: enterprise, in: .zh).hasSuffix("请选择其他服务机构，或咨询项目办公室"))
        #expect(!API.message(suspended, to: enterprise, in: .zh).contains("调查中"))
        #expect(!API.message(suspended, to: enterprise, in: .en).contains("voucher provider"))
        #expect(API.message(suspended, to: provider, in: .zh).contains("（调查中）"))
        #expect(API.message(suspended, to: nil, in: .en).contains("(调查中)"))
        // The provider's own words name no command; another provider reads an enterprise's; an
        // empty reason leaves no empty brackets.
        for language in [Language.zh, .en] {
            #expect(!API.message(suspended, to: provider, in: language).contains("voucher provider"))
        }
        let another = User(id: 3, name: "q", role: .provider, provider: "Q")
        #expect(API.message(suspended, to: another, in: .zh) == API.message(suspended, to: enterprise, in: .zh))
        let unexplained = LedgerError.providerSuspended(provider: "P", from: day, reason: "", date: day)
        #expect(API.message(unexplained, to: provider, in: .zh).contains("起暂停，"))
        #expect(API.message(unexplained, to: provider, in: .en).contains("is suspended from \(day), so"))
    }

    /// Opened without a programme or year, the report shows a voucher's latest year with claims.
    @Test func theReportOpensOnAVouchersLatestYear() async throws {
        let world = try World()
        let voucher = try #require(try world.ledger.programmes().first { $0.kind == .voucher })
        let latest = try #require(try world.ledger.claimYears(voucher.id).max())
        try await world.app.test(.router) { client in
            let (auditor, _) = try await Self.signIn(client, .auditor)
            let page = try await Self.get(client, "/console/report", cookies: auditor)
            #expect(page.status == 200)
            #expect(page.body.contains(#"<option value="\#(voucher.id.value)" selected>"#), "\(page.body.prefix(1500))")
            #expect(page.body.contains(#"name="year" value="\#(latest)""#))
            // A programme or year that is not one is refused, not replaced by another without a word.
            let unknown = try await Self.get(client, "/console/report?programme=no-such", cookies: auditor)
            #expect(unknown.status == 404 && unknown.body.contains("there is no programme &quot;no-such&quot;"))
            let notAYear = try await Self.get(client, "/console/report?year=abc", cookies: auditor)
            #expect(notAYear.status == 422 && notAYear.body.contains("year &quot;abc&quot; is not a year"))
            // The form comes back with what was asked, to correct it; no report beside it.
            #expect(page.body.contains(#"<p class="lead">"#))
            #expect(
                notAYear.body.contains(#"name="year" value="abc""#) && !notAYear.body.contains(#"<p class="lead">"#)
            )
            #expect(unknown.body.contains(#"name="year""#) && !unknown.body.contains(#"<p class="lead">"#))
            // Nothing was being recorded: the page does not say "Not recorded".
            #expect(!notAYear.body.contains("Not recorded"))
            let (chinese, _) = try await Self.signIn(client, .auditor, language: "zh")
            let zh = try await Self.get(client, "/console/report?year=20x2", cookies: chinese)
            #expect(zh.status == 422 && zh.body.contains("年度「20x2」不是年份；请写 1900 至 9999 之间的四位数字，如 2022"), "\(zh.body)")
        }
    }

    /// The policies page names each programme's kind in the page's language.
    @Test func thePoliciesPageNamesKindsInTheReadersLanguage() async throws {
        let world = try World()
        try await world.app.test(.router) { client in
            let (chinese, _) = try await Self.signIn(client, .admin, language: "zh")
            let zh = try await Self.get(client, "/console/policies", cookies: chinese).body
            #expect(zh.contains("</small></td><td>创新券</td>") && zh.contains("</small></td><td>资助</td>"), "\(zh)")
            #expect(!zh.contains("</small></td><td>voucher</td>"))
            let (english, _) = try await Self.signIn(client, .admin)
            let en = try await Self.get(client, "/console/policies", cookies: english).body
            #expect(en.contains("</small></td><td>voucher</td>"))
        }
    }

    /// A remedy names its commands between backticks, as a terminal shows them; a page sets them
    /// as code, and escapes the rest.
    @Test func aRemedysCommandsAreSetAsCode() {
        #expect(
            Console.htmlMarkingCommands("run `voucher recover --use <U>` & then `voucher recover receive`")
                == "run <code>voucher recover --use &lt;U&gt;</code> &amp; then <code>voucher recover receive</code>"
        )
        #expect(Console.htmlMarkingCommands("a ` alone <b>") == "a ` alone &lt;b&gt;")
        #expect(Console.htmlMarkingCommands("none") == "none")
    }

    /// Times kept in UTC read as Beijing's clock shows them.
    @Test func aTimeInUTCIsShownInBeijingTime() {
        #expect(Console.beijingTime("2026-12-01T18:45:08Z") == "2026-12-02 02:45:08")
        #expect(Console.beijingTime("not a time") == "not a time")
    }

    /// An enterprise reads each decision on its claims: a grant with its amount, a rejection with
    /// its reason (not the word for a refused redemption).
    @Test func anEnterpriseReadsItsDecisions() async throws {
        let world = try World()
        func context(_ key: String) throws -> EventContext {
            EventContext(idempotencyKey: key, actor: "setup", businessDate: try BusinessDate.parse("2024-01-05"))
        }
        try world.ledger.claim(
            ClaimRequest(
                ref: "C-R",
                applicantID: ServerTests.a,
                programme: try ProgrammeID("sh-innovation-voucher"),
                year: 2024,
                requested: try Money.parse("1万")
            ),
            context: try context("c-r")
        )
        try world.ledger.decide(
            DecisionRequest(claimRef: "C-R", outcome: .reject(reason: "材料<不全>"), reviewer: "r"),
            context: try context("d-r")
        )
        // A district grant of a programme whose rules await the city says it is not usable yet.
        try ServerTests.installReviewedVoucher(world.ledger, context: try context("p"))
        try world.ledger.claim(
            ClaimRequest(
                ref: "C-T",
                applicantID: ServerTests.a,
                programme: try ProgrammeID("reviewed-voucher"),
                year: 2024,
                requested: try Money.parse("2万")
            ),
            context: try context("c-t")
        )
        try world.ledger.decide(
            DecisionRequest(claimRef: "C-T", outcome: .grant(try Money.parse("2万")), reviewer: "r", note: "按<目录>核定"),
            context: try context("d-t")
        )
        try await world.app.test(.router) { client in
            let (english, _) = try await Self.signIn(client, .enterprise)
            let page = try await Self.get(client, "/console/uses", cookies: english)
            #expect(page.body.contains("district rejected (材料&lt;不全&gt;)"), "\(page.body)")
            #expect(
                page.body.contains(
                    "district granted 20,000.00 (按&lt;目录&gt;核定); awaiting the city&#39;s review; usable once it grants"
                ),
                "\(page.body)"
            )
            let (chinese, _) = try await Self.signIn(client, .enterprise, language: "zh")
            let zh = try await Self.get(client, "/console/uses", cookies: chinese)
            #expect(zh.body.contains("区级 不予批准（材料&lt;不全&gt;）"), "\(zh.body)")
            #expect(!zh.body.contains("不予兑付"))
            // Chinese punctuation on a Chinese page.
            #expect(zh.body.contains("区级 核定 20,000.00（按&lt;目录&gt;核定）；待市级审核，市级核定后方可使用"), "\(zh.body)")
            #expect(zh.body.contains("（\(ServerTests.a)）</h1>"), "\(zh.body)")
            // The city's queue: the grant that awaits it first; those in force on the district's
            // grant folded below.
            let (city, _) = try await Self.signIn(client, .cityReviewer)
            let queue = try await Self.get(client, "/console/claims", cookies: city).body
            let fold = try #require(queue.range(of: "<details><summary>"), "\(queue)")
            let awaited = try #require(queue.range(of: "usable once the city grants it"))
            #expect(
                awaited.lowerBound < fold.lowerBound
                    && queue.range(of: ">C-T<")?.lowerBound ?? fold.upperBound < fold.lowerBound
            )
            #expect(queue[fold.upperBound...].contains("in force; the city may review it"))
            #expect(!queue[..<fold.lowerBound].contains("in force; the city may review it"))
        }
    }

    @Test func eachRoleSeesItsPagesAndNoOthers() async throws {
        let world = try World()
        try await world.app.test(.router) { client in
            for role in Role.allCases {
                let (cookie, _) = try await Self.signIn(client, role)
                for page in Console.pages where page.method == "GET" && !page.roles.isEmpty {
                    let answer = try await Self.get(client, page.path, cookies: cookie)
                    let expected = page.roles.contains(role) ? 200 : 403
                    #expect(answer.status == expected, "\(role.rawValue) \(page.path): \(answer.status)")
                }
            }
            // Not signed in: every page but the login sends there.
            let anonymous = try await Self.get(client, "/console/claims")
            #expect(anonymous.status == 303 && anonymous.headers[.location] == "/console/login")
        }
    }

    /// An address that only takes a form, opened by itself, sends the browser to the page of its
    /// form; every such address has one.
    @Test func aFormsAddressOpenedByItselfGoesToItsPage() async throws {
        let gets = Set(Console.pages.filter { $0.method == "GET" }.map(\.path))
        let formOnly = Set(Console.pages.filter { $0.method == "POST" && !gets.contains($0.path) }.map(\.path))
        #expect(Set(Console.formHomes.map(\.path)) == formOnly.subtracting(["/console/login"]))
        let world = try World()
        try await world.app.test(.router) { client in
            let (cookie, _) = try await Self.signIn(client, .finance)
            for (path, home) in Console.formHomes {
                let address = path.replacingOccurrences(of: "{ref}", with: "U-A").replacingOccurrences(
                    of: "{seq}",
                    with: "1"
                )
                let answer = try await Self.get(client, address, cookies: cookie)
                #expect(answer.status == 303, "GET \(address): \(answer.status)")
                #expect(
                    answer.headers[.location] == home.replacingOccurrences(of: "{ref}", with: "U-A"),
                    "GET \(address)"
                )
            }
            // A reference in Chinese, with a space, `&` or `%`, arrives as it was named.
            let named = try await Self.get(client, "/console/uses/%E4%B8%AD%20a%26b%25/recoveries", cookies: cookie)
            #expect(named.headers[.location] == "/console/recoveries?use=%E4%B8%AD%20a%26b%25", "\(named.headers)")
            // An address that is no page: a page that says so, not an empty answer.
            let nowhere = try await Self.get(client, "/console/no/such/page", cookies: cookie)
            #expect(nowhere.status == 404 && nowhere.body.contains("<main>"), "\(nowhere.body)")
            // Without a session, in the language the address or the browser asks for; else Chinese.
            for (accept, query, english) in [
                ("en-US,en;q=0.9,zh-CN;q=0.8", "", true), ("zh-CN,zh;q=0.9,en;q=0.8", "", false),
                ("fr-FR,en;q=0.5,zh;q=0.7", "", false), ("de,en-GB;q=0.3", "", true), ("", "", false),
                ("en-US", "?lang=zh", false), ("", "?lang=en", true), ("en;q=0,zh;q=0.1", "", false),
            ] {
                var headers: HTTPFields = [:]
                if !accept.isEmpty { headers[.acceptLanguage] = accept }
                let page = try await client.execute(
                    uri: "/console/no/such/page" + query,
                    method: .get,
                    headers: headers
                ) {
                    Page(status: Int($0.status.code), body: String(buffer: $0.body), headers: $0.headers)
                }
                #expect(page.status == 404, "\(accept)")
                #expect(
                    page.body.contains(english ? "There is no such page." : "没有这个页面。")
                        && page.body.contains(english ? "<html lang=\"en\"" : "<html lang=\"zh-CN\""),
                    "\(accept) \(query): \(page.body.prefix(300))"
                )
                // Its way back is the sign-in page, in the same language.
                let back = english ? "/console/login?lang=en" : "/console"
                #expect(page.body.contains("<a href=\"\(back)\">"), "\(accept) \(query): \(page.body)")
                let signIn = try await client.execute(uri: "/console/login" + query, method: .get, headers: headers) {
                    Page(status: Int($0.status.code), body: String(buffer: $0.body), headers: $0.headers)
                }
                #expect(
                    signIn.status == 200
                        && signIn.body.contains(
                            english ? "<option value=\"en\" selected>" : "<option value=\"zh\" selected>"
                        ),
                    "\(accept) \(query): \(signIn.body)"
                )
            }
            // Followed, the recoveries address shows the use it named.
            let page = try await Self.get(client, "/console/recoveries?use=U-A", cookies: cookie)
            #expect(page.status == 200 && page.body.contains("U-A"), "\(page.status)")
        }
    }

    @Test func eachFormRefusesTheRolesItIsNotForAndRecordsNothing() async throws {
        let world = try World()
        let head = try world.ledger.chainHead()
        try await world.app.test(.router) { client in
            for role in Role.allCases {
                let (cookie, csrf) = try await Self.signIn(client, role)
                for page in Console.pages where page.method == "POST" && !page.roles.isEmpty {
                    guard !page.roles.contains(role) else { continue }
                    let path = page.path.replacingOccurrences(of: "{ref}", with: "U-A")
                        .replacingOccurrences(of: "{seq}", with: "1")
                    let answer = try await Self.post(
                        client,
                        path,
                        cookies: cookie,
                        form: [("csrf", csrf), ("amount", "1"), ("reason", "x"), ("what", "provider")]
                    )
                    #expect(answer.status == 403, "\(role.rawValue) POST \(path): \(answer.status)")
                }
            }
        }
        #expect(try world.ledger.chainHead() == head)
    }

    /// The Shanghai voucher's cell in a table of an English page.
    static let shanghaiVoucher = "<td>Shanghai S&amp;T innovation voucher<br><small>sh-innovation-voucher</small></td>"

    @Test func theWorkflowThroughTheFormsRecordsEachStepAsItsUser() async throws {
        let world = try World()
        try world.ledger.claim(
            ClaimRequest(
                ref: "C-A23",
                applicantID: ServerTests.a,
                programme: try ProgrammeID("sh-innovation-voucher"),
                year: 2023,
                requested: try Money.parse("6万")
            ),
            context: EventContext(
                idempotencyKey: "c-a23",
                actor: "setup",
                businessDate: try BusinessDate.parse("2023-01-10")
            )
        )
        try await world.app.test(.router) { client in
            // The enterprise sees its own claims and uses, and no other's.
            let (enterprise, _) = try await Self.signIn(client, .enterprise)
            let mine = try await Self.get(client, "/console/uses", cookies: enterprise)
            #expect(mine.body.contains("C-A23") && mine.body.contains("U-A") && !mine.body.contains("U-B"))
            // A programme is shown by its name in the page's language (escaped), its id under it.
            #expect(mine.body.contains("<tr>" + Self.shanghaiVoucher), "the quotas: \(mine.body)")
            #expect(mine.body.contains("<td class=\"r\">C-A23</td>" + Self.shanghaiVoucher), "the claims: \(mine.body)")
            // Each use's provider and product by name, with the id and code under them.
            #expect(
                mine.body.contains(
                    "<td>测试中心 P1<br><small>\(ServerTests.lab)</small></td><td>检测<br><small>P1</small></td>"
                )
            )
            // The district reviewer's queue holds the claim; a form without its token records nothing.
            let (reviewer, csrf) = try await Self.signIn(client, .districtReviewer)
            let queue = try await Self.get(client, "/console/claims", cookies: reviewer)
            #expect(queue.body.contains("C-A23") && !queue.body.contains(">C-B<"))
            #expect(queue.body.contains(Self.shanghaiVoucher), "\(queue.body)")
            let head = try world.ledger.chainHead()
            let forged = try await Self.post(
                client,
                "/console/claims/C-A23/decide",
                cookies: reviewer,
                form: [("csrf", "0"), ("outcome", "grant"), ("grant", "6万"), ("date", "2023-01-20")]
            )
            #expect(forged.status == 403)
            #expect(try world.ledger.chainHead() == head)
            // Enter in a field submits nothing (the form's first button is disabled), and a form
            // without the button pressed decides nothing: a reason typed is never a full grant.
            #expect(queue.body.contains(#"decide"><button type="submit" disabled hidden"#), "\(queue.body)")
            let unpressed = try await Self.post(
                client,
                "/console/claims/C-A23/decide",
                cookies: reviewer,
                form: [("csrf", csrf), ("grant", "6万"), ("reason", "材料不全"), ("date", "2023-01-20")]
            )
            #expect(unpressed.status == 422 && unpressed.body.contains("Press Grant or Reject"), "\(unpressed.body)")
            #expect(try world.ledger.chainHead() == head)
            let decided = try await Self.post(
                client,
                "/console/claims/C-A23/decide",
                cookies: reviewer,
                form: [("csrf", csrf), ("outcome", "grant"), ("grant", "6万"), ("date", "2023-01-20")]
            )
            #expect(decided.status == 200 && decided.body.contains("Recorded: event"), "\(decided.body)")
            #expect(!decided.body.contains("C-A23</td>"))
            // A rule's refusal is shown in its words, and nothing is recorded.
            let tooMuch = try await Self.post(
                client,
                "/console/claims/C-A/decide",
                cookies: reviewer,
                form: [("csrf", csrf), ("outcome", "grant"), ("grant", "60万"), ("date", "2022-05-03")]
            )
            #expect(tooMuch.status == 422, "\(tooMuch.status)")
            #expect(tooMuch.body.contains("claim C-A: already decided at district level (event "), "\(tooMuch.body)")
            // On a Chinese page, the rule's refusal is in Chinese.
            let (chinese, chineseCSRF) = try await Self.signIn(client, .districtReviewer, language: "zh")
            let tooMuchZh = try await Self.post(
                client,
                "/console/claims/C-A/decide",
                cookies: chinese,
                form: [("csrf", chineseCSRF), ("outcome", "grant"), ("grant", "60万"), ("date", "2022-05-03")]
            )
            #expect(tooMuchZh.status == 422)
            #expect(tooMuchZh.body.contains("申领 C-A：已由区级审核（事件 "), "\(tooMuchZh.body)")
            // The refusal is shown on the queue's page, whose forms are there to try again.
            #expect(tooMuchZh.body.contains(#"<p class="flash bad" role="alert">申领 C-A："#), "\(tooMuchZh.body)")
            #expect(!tooMuchZh.body.contains("返回首页"), "\(tooMuchZh.body)")
            // A claim that is not there: "not found", in Chinese too.
            let unknownZh = try await Self.post(
                client,
                "/console/claims/NOPE/decide",
                cookies: chinese,
                form: [("csrf", chineseCSRF), ("outcome", "grant"), ("grant", "1万"), ("date", "2022-05-03")]
            )
            #expect(unknownZh.status == 404 && unknownZh.body.contains("没有申领「NOPE」"), "\(unknownZh.body)")
            // The events page says in Chinese why an event may not be reversed.
            let (adminZh, _) = try await Self.signIn(client, .admin, language: "zh")
            let eventsZh = try await Self.get(client, "/console/events", cookies: adminZh)
            #expect(eventsZh.body.contains("不能冲销") && !eventsZh.body.contains("cannot be reversed"), "\(eventsZh.body)")
            #expect(!tooMuchZh.body.contains("already decided"))
            // The provider files its use; finance pays it.
            let (provider, providerCSRF) = try await Self.signIn(client, .provider)
            let before = try await Self.get(client, "/console/uses", cookies: provider)
            #expect(before.body.contains("File the selected uses") && !before.body.contains("none is waiting"))
            let filed = try await Self.post(
                client,
                "/console/redemptions",
                cookies: provider,
                form: [("csrf", providerCSRF), ("uses[]", "U-A"), ("ref", "R-9"), ("date", "2022-06-01")]
            )
            #expect(filed.status == 200 && filed.body.contains("Recorded: event"), "\(filed.body)")
            #expect(filed.body.contains("· redemption claim R-9 (1 use)</p>"), "\(filed.body)")
            // The filing form is offered while a use may be filed, and not once none may: the uses
            // left are filed, and the page then says none is waiting.
            let left = filed.body.components(separatedBy: "name=\"uses[]\" value=\"").dropFirst()
                .map { String($0.prefix { $0 != "\"" }) }
            if !left.isEmpty {
                #expect(filed.body.contains("File the selected uses") && !filed.body.contains("none is waiting"))
                let rest = try await Self.post(
                    client,
                    "/console/redemptions",
                    cookies: provider,
                    form: [("csrf", providerCSRF), ("ref", "R-10"), ("date", "2022-06-02")]
                        + left.map { ("uses[]", $0) }
                )
                #expect(rest.status == 200 && rest.body.contains("Recorded: event"), "\(rest.body)")
            }
            let none = try await Self.get(client, "/console/uses", cookies: provider)
            #expect(!none.body.contains("name=\"uses[]\"") && !none.body.contains("File the selected uses"))
            #expect(none.body.contains("Every use is filed or reversed: none is waiting to be filed."))
            // The provider's page names it, and each use's applicant, with the ids.
            #expect(filed.body.contains(": 测试中心 P1 (\(ServerTests.lab))</h1>"), "\(filed.body)")
            #expect(filed.body.contains("<td>甲科技有限公司<br><small>\(ServerTests.a)</small></td>"))
            let (finance, financeCSRF) = try await Self.signIn(client, .finance)
            let toSettle = try await Self.get(client, "/console/settlements", cookies: finance)
            #expect(toSettle.body.contains("R-9"))
            // Who filed it and whose use it is, by name, each with its id under it.
            #expect(toSettle.body.contains("<td>测试中心 P1<br><small>\(ServerTests.lab)</small></td>"), "\(toSettle.body)")
            #expect(toSettle.body.contains("<td>甲科技有限公司<br><small>\(ServerTests.a)</small></td>"))
            // "Paid in full" with an amount after reduction is refused, not paid in full.
            let headBefore = try world.ledger.chainHead()
            let ambiguous = try await Self.post(
                client,
                "/console/redemptions/R-9/settle",
                cookies: finance,
                form: [
                    ("csrf", financeCSRF), ("use", "U-A"), ("outcome", "paid"), ("amount", "100"),
                    ("date", "2022-06-10"),
                ]
            )
            #expect(ambiguous.status == 422 && ambiguous.body.contains("choose Reduced"), "\(ambiguous.body)")
            let withReason = try await Self.post(
                client,
                "/console/redemptions/R-9/settle",
                cookies: finance,
                form: [
                    ("csrf", financeCSRF), ("use", "U-A"), ("outcome", "paid"), ("reason", "发票金额不符"),
                    ("date", "2022-06-10"),
                ]
            )
            #expect(withReason.status == 422 && withReason.body.contains("A reason is given"), "\(withReason.body)")
            #expect(try world.ledger.chainHead() == headBefore)
            let paid = try await Self.post(
                client,
                "/console/redemptions/R-9/settle",
                cookies: finance,
                form: [
                    ("csrf", financeCSRF), ("use", "U-A"), ("outcome", "reduced"), ("amount", "8000"),
                    ("reason", "发票<b>不符</b>"), ("date", "2022-06-10"),
                ]
            )
            #expect(paid.status == 200 && paid.body.contains("8,000.00"), "\(paid.body)")
            // The provider sees what the reduction paid, and why.
            let followed = try await Self.get(client, "/console/uses", cookies: provider)
            #expect(
                followed.body.contains("<td>Reduced · paid 8,000.00 · 发票&lt;b&gt;不符&lt;/b&gt;</td>"),
                "\(followed.body)"
            )
        }
        let actors = try world.ledger.rawRead { db in
            try String.fetchAll(
                db,
                sql:
                    "SELECT actor FROM event WHERE kind IN ('decision', 'redemption-filed', 'redemption-settled') AND actor <> 'setup' ORDER BY seq"
            )
        }
        #expect(actors == ["user-district-reviewer", "user-provider", "user-finance"])
        #expect(try world.ledger.verify(against: nil).isValid)
    }

    /// A provider's user whose provider the registry does not know: the heading shows its id alone.
    @Test func aProviderWithNoRegisteredNameIsShownByItsId() async throws {
        let world = try World()
        let unknown = "91110000MA00000000"
        try world.accounts.addUser(
            name: "p-unknown",
            role: .provider,
            provider: unknown,
            password: World.password,
            by: "test"
        )
        try await world.app.test(.router) { client in
            let signedIn = try await Self.signIn(client, name: "p-unknown", password: World.password)
            let session = try #require(Self.cookie(signedIn, Console.sessionCookie))
            let page = try await Self.get(client, "/console/uses", cookies: session)
            #expect(page.status == 200 && page.body.contains(": \(unknown)</h1>"), "\(page.body)")
            // And a registered provider's heading names it (ServerTests.lab is "测试中心 P1").
            let (provider, _) = try await Self.signIn(client, .provider)
            let own = try await Self.get(client, "/console/uses", cookies: provider)
            #expect(own.body.contains(": 测试中心 P1 (\(ServerTests.lab))</h1>"), "\(own.body)")
        }
    }

    @Test func financePaysAGrantFromTheFormOnceHoweverOftenItIsSent() async throws {
        let world = try World()
        var count = 0
        func context(_ date: String) throws -> EventContext {
            count += 1
            return EventContext(idempotencyKey: "g\(count)", actor: "setup", businessDate: try BusinessDate.parse(date))
        }
        // A's recognition by the joint innovation centre, its grant request and the grant.
        try world.ledger.registerApplicant(
            ApplicantRegistration(
                identifier: .creditCode(try UnifiedSocialCreditCode(ServerTests.a)),
                kind: .enterprise,
                name: "甲科技有限公司",
                district: "杨浦区",
                region: "shanghai",
                attributes: ["jic-member"]
            ),
            context: try context("2023-01-05")
        )
        try world.ledger.claim(
            ClaimRequest(
                ref: "G-1",
                applicantID: ServerTests.a,
                programme: try ProgrammeID("jic-operating-support"),
                year: 2023,
                requested: try Money.parse("50万")
            ),
            context: try context("2023-02-01")
        )
        try world.ledger.decide(
            DecisionRequest(claimRef: "G-1", outcome: .grant(try Money.parse("40万")), reviewer: "setup"),
            context: try context("2023-02-10")
        )
        try await world.app.test(.router) { client in
            let (finance, csrf) = try await Self.signIn(client, .finance)
            let page = try await Self.get(client, "/console/payments", cookies: finance)
            #expect(page.body.contains("G-1") && page.body.contains("400,000.00"), "\(page.body.prefix(400))")
            #expect(
                page.body.contains(
                    "<td>Joint innovation centre operating support<br><small>jic-operating-support</small></td>"
                ),
                "\(page.body)"
            )
            let key = try #require(
                page.body.range(of: #"name="key" value=""#).map {
                    String(page.body[$0.upperBound...].prefix { $0 != "\"" })
                }
            )
            let form = [("csrf", csrf), ("key", key), ("amount", "10万"), ("date", "2023-03-01")]
            let first = try await Self.post(client, "/console/claims/G-1/pay", cookies: finance, form: form)
            #expect(first.status == 200 && first.body.contains("Recorded: event"), "\(first.body.prefix(400))")
            let again = try await Self.post(client, "/console/claims/G-1/pay", cookies: finance, form: form)
            #expect(again.status == 200 && again.body.contains("Already recorded"), "\(again.body.prefix(400))")
            let after = try await Self.get(client, "/console/payments", cookies: finance)
            #expect(after.body.contains("100,000.00") && after.body.contains("300000.00"))
        }
        let paid = try world.ledger.rawRead { db in try Int64.fetchOne(db, sql: "SELECT SUM(amount) FROM payment") }
        #expect(paid == 10_000_000)
    }

    @Test func whatTheLedgerHoldsIsEscapedWhereverAPageShowsIt() async throws {
        let world = try World()
        // A name with a quote that a combining mark follows: one Swift character, still a quote to
        // a browser.
        let hostile = "甲\"\u{301} onmouseover=alert(1) <script>alert(2)</script>"
        try world.ledger.registerApplicant(
            ApplicantRegistration(
                identifier: .creditCode(try UnifiedSocialCreditCode(ServerTests.a)),
                kind: .enterprise,
                name: hostile,
                district: "杨浦区",
                region: "shanghai"
            ),
            context: EventContext(
                idempotencyKey: "rename",
                actor: "setup",
                businessDate: try BusinessDate.parse("2022-06-01")
            )
        )
        try await world.app.test(.router) { client in
            let (enterprise, _) = try await Self.signIn(client, .enterprise)
            let page = try await Self.get(client, "/console/uses", cookies: enterprise)
            #expect(!page.body.contains("<script>") && page.body.contains("&lt;script&gt;"))
            #expect(!page.body.unicodeScalars.contains { $0 == "\u{301}" } || page.body.contains("&quot;\u{301}"))
            #expect(page.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true)
        }
    }
}
