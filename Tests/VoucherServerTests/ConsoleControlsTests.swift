import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import VoucherDomain
import VoucherStorage

@testable import VoucherServer

/// The console's pages for the controls: money owed back (finance), the events and their reversal
/// (admin; the auditor reads), registrations and budgets (admin). Each form records as its user,
/// once however often it is sent, and a refusal records nothing.
@Suite struct ConsoleControlsTests {
    typealias World = ServerTests.World

    static func keys(_ html: String) -> [String] {
        var keys: [String] = []
        var rest = Substring(html)
        while let range = rest.range(of: #"name="key" value=""#) {
            rest = rest[range.upperBound...]
            keys.append(String(rest.prefix { $0 != "\"" }))
        }
        return keys
    }

    static func context(_ key: String, _ date: String) throws -> EventContext {
        EventContext(idempotencyKey: key, actor: "setup", businessDate: try BusinessDate.parse(date))
    }

    static func sum(_ world: World, _ table: String) throws -> Int64? {
        try world.ledger.rawRead { db in try Int64.fetchOne(db, sql: "SELECT SUM(amount) FROM \(table)") }
    }

    @Test func financeRecordsMoneyOwedBackAndReceivedOnAPaidUse() async throws {
        let world = try World()
        try world.ledger.fileRedemption(
            RedemptionFilingRequest(ref: "R-1", providerID: ServerTests.lab, useRefs: ["U-A"]),
            context: try Self.context("file", "2022-06-01")
        )
        try world.ledger.settleRedemption(
            SettlementRequest(filingRef: "R-1", useRef: "U-A", outcome: .paid),
            context: try Self.context("settle", "2022-06-10")
        )
        try await world.app.test(.router) { client in
            let (finance, csrf) = try await ConsoleTests.signIn(client, .finance)
            let page = try await ConsoleTests.get(client, "/console/recoveries?use=U-A", cookies: finance)
            #expect(page.status == 200 && page.body.contains("10,000.00"), "\(page.body.prefix(600))")
            // Whose use, under which programme, at which provider: by name, with the ids.
            for cell in [
                "<td>甲科技有限公司<br><small>\(ServerTests.a)</small></td>",
                "<td>Shanghai S&amp;T innovation voucher · 2022<br><small>sh-innovation-voucher</small></td>",
                "<td>测试中心 P1<br><small>\(ServerTests.lab)</small></td>",
            ] {
                #expect(page.body.contains(cell), "\(cell)")
            }
            // Nothing is owed back yet: the form to receive money back waits until something is.
            let keys = Self.keys(page.body)
            #expect(keys.count == 1 && page.body.contains("Nothing owed back on this use is outstanding."))
            let owe = [
                ("csrf", csrf), ("key", keys[0]), ("action", "owe"), ("amount", "3000"), ("reason", "发票作废"),
                ("date", "2022-07-01"),
            ]
            let first = try await ConsoleTests.post(client, "/console/uses/U-A/recoveries", cookies: finance, form: owe)
            #expect(first.status == 200 && first.body.contains("Recorded: event"), "\(first.body.prefix(600))")
            #expect(first.body.contains("3,000.00") && first.body.contains("7000.00"))
            // The same form sent again records nothing new.
            let again = try await ConsoleTests.post(client, "/console/uses/U-A/recoveries", cookies: finance, form: owe)
            #expect(again.body.contains("Already recorded"), "\(again.body.prefix(600))")
            // More than can be owed back is refused in the rule's words, and nothing is recorded.
            let head = try world.ledger.chainHead()
            let fresh = Self.keys(again.body)
            #expect(fresh.count == 2 && fresh[0] != fresh[1])
            let tooMuch = try await ConsoleTests.post(
                client,
                "/console/uses/U-A/recoveries",
                cookies: finance,
                form: [
                    ("csrf", csrf), ("key", fresh[0]), ("action", "owe"), ("amount", "8000"), ("reason", "x"),
                    ("date", "2022-07-02"),
                ]
            )
            #expect(tooMuch.status == 422 && tooMuch.body.contains("at most 7,000.00"), "\(tooMuch.body.prefix(600))")
            // Refused, the use's page comes back with its forms, not a page with a link home.
            #expect(tooMuch.body.contains(#"action="/console/uses/U-A/recoveries""#), "\(tooMuch.body)")
            #expect(try world.ledger.chainHead() == head)
            // ... with what was typed in the refused form, and the other form as it was.
            #expect(tooMuch.body.contains(#"id="owe-amount" name="amount" value="8000""#), "\(tooMuch.body)")
            #expect(tooMuch.body.contains(#"id="owe-reason" name="reason" value="x""#))
            #expect(tooMuch.body.contains(#"id="owe-date" name="date" type="date" value="2022-07-02""#))
            #expect(tooMuch.body.contains(#"id="receive-date" name="date" type="date" value="""#))
            let receivedTooMuch = try await ConsoleTests.post(
                client,
                "/console/uses/U-A/recoveries",
                cookies: finance,
                form: [
                    ("csrf", csrf), ("key", fresh[1]), ("action", "receive"), ("amount", "99999"),
                    ("date", "2022-07-14"),
                ]
            )
            #expect(receivedTooMuch.status == 422, "\(receivedTooMuch.body.prefix(600))")
            #expect(receivedTooMuch.body.contains(#"id="receive-amount" name="amount" value="99999""#))
            #expect(receivedTooMuch.body.contains(#"id="receive-date" name="date" type="date" value="2022-07-14""#))
            #expect(receivedTooMuch.body.contains(#"id="owe-amount" name="amount" value="""#))
            #expect(try world.ledger.chainHead() == head)
            let received = try await ConsoleTests.post(
                client,
                "/console/uses/U-A/recoveries",
                cookies: finance,
                form: [
                    ("csrf", csrf), ("key", fresh[1]), ("action", "receive"), ("amount", "1000"),
                    ("date", "2022-07-15"),
                ]
            )
            #expect(received.status == 200 && received.body.contains("2,000.00"), "\(received.body.prefix(600))")
            // A use not paid offers no form to owe money back.
            let unpaid = try await ConsoleTests.get(client, "/console/recoveries?use=U-B", cookies: finance)
            #expect(unpaid.status == 200 && Self.keys(unpaid.body).isEmpty, "\(unpaid.body.prefix(1500))")
            #expect(unpaid.body.contains("Nothing paid on this use is left that could be owed back."))
            // A use that was never recorded is not found; a form without its token records nothing.
            let missing = try await ConsoleTests.get(client, "/console/recoveries?use=U-Z", cookies: finance)
            #expect(missing.status == 404 && missing.body.contains("No live use has the reference U-Z"))
            let forged = try await ConsoleTests.post(
                client,
                "/console/uses/U-A/recoveries",
                cookies: finance,
                form: [
                    ("csrf", "0"), ("key", fresh[1]), ("action", "receive"), ("amount", "1"), ("date", "2022-07-16"),
                ]
            )
            #expect(forged.status == 403)
            // No other role records money owed back.
            let (admin, adminCSRF) = try await ConsoleTests.signIn(client, .admin)
            let notAdmin = try await ConsoleTests.post(
                client,
                "/console/uses/U-A/recoveries",
                cookies: admin,
                form: [("csrf", adminCSRF), ("key", fresh[1]), ("action", "receive"), ("amount", "1")]
            )
            #expect(notAdmin.status == 403)
        }
        #expect(try Self.sum(world, "recovery") == 300_000)
        #expect(try Self.sum(world, "recovery_receipt") == 100_000)
        let actors = try world.ledger.rawRead { db in
            try String.fetchAll(db, sql: "SELECT actor FROM event WHERE kind IN ('recovery', 'recovery-received')")
        }
        #expect(actors == ["user-finance", "user-finance"])
    }

    @Test func anAdminReversesAnEventFromTheListAndTheAuditorOnlyReadsIt() async throws {
        let world = try World()
        let use = try #require(try world.ledger.useView(ref: "U-B")).use.seq
        try await world.app.test(.router) { client in
            let (auditor, auditorCSRF) = try await ConsoleTests.signIn(client, .auditor)
            let read = try await ConsoleTests.get(client, "/console/events", cookies: auditor)
            #expect(read.status == 200 && read.body.contains("U-B") && !read.body.contains("/reverse\""))
            // The auditor is not told of forms it does not have.
            #expect(read.body.contains("latest first") && !read.body.contains("have a form"))
            // An older page links back to the latest; the latest does not.
            #expect(!read.body.contains(">Latest events</a>"))
            let older = try await ConsoleTests.get(client, "/console/events?before=3", cookies: auditor)
            #expect(older.body.contains("<a href=\"/console/events\">Latest events</a>"), "\(older.body)")
            let refused = try await ConsoleTests.post(
                client,
                "/console/events/\(use)/reverse",
                cookies: auditor,
                form: [("csrf", auditorCSRF), ("reason", "x")]
            )
            #expect(refused.status == 403)
            let (admin, csrf) = try await ConsoleTests.signIn(client, .admin)
            let list = try await ConsoleTests.get(client, "/console/events", cookies: admin)
            // A use may be reversed; a policy file (event 1) may not, and has no form.
            #expect(list.body.contains("action=\"/console/events/\(use)/reverse\""))
            #expect(!list.body.contains("action=\"/console/events/1/reverse\""))
            // A claim with decisions and a use is not offered for reversal; the rules say why.
            let claim = try #require(
                try world.ledger.rawRead { db in
                    try Int64.fetchOne(db, sql: "SELECT event_seq FROM claim WHERE ref = 'C-A'")
                }
            )
            #expect(!list.body.contains("action=\"/console/events/\(claim)/reverse\""))
            #expect(list.body.contains("Cannot be reversed: ") && list.body.contains("have a form"))
            // A decision says its level and outcome beside its kind.
            #expect(list.body.contains(#"<td class="k">decision (district granted)</td>"#), "\(list.body.prefix(3000))")
            // What to do instead is one note below the table, however many rows it applies to.
            let dependents = list.body.components(separatedBy: "depends on it <sup><a href=\"#remedy-2\">2</a></sup>")
            #expect(dependents.count > 2, "\(list.body.prefix(3000))")
            #expect(list.body.components(separatedBy: "reverse the event that depends on it first").count == 2)
            #expect(list.body.contains("<li id=\"remedy-2\">reverse the event that depends on it first;"))
            let head = try world.ledger.chainHead()
            let policy = try await ConsoleTests.post(
                client,
                "/console/events/1/reverse",
                cookies: admin,
                form: [("csrf", csrf), ("reason", "试一试"), ("date", "2022-08-01")]
            )
            #expect(policy.status == 422, "\(policy.body.prefix(600))")
            #expect(try world.ledger.chainHead() == head)
            // Refused (a date ahead), the row keeps what was typed in it, escaped.
            let ahead = try await ConsoleTests.post(
                client,
                "/console/events/\(use)/reverse",
                cookies: admin,
                form: [("csrf", csrf), ("reason", "重复<录入>"), ("date", "2099-01-01")]
            )
            #expect(ahead.status == 422, "\(ahead.body.prefix(600))")
            #expect(
                ahead.body.contains(#"name="reason" value="重复&lt;录入&gt;""#)
                    && ahead.body.contains(#"name="date" type="date" value="2099-01-01""#),
                "\(ahead.body)"
            )
            #expect(ahead.body.components(separatedBy: "重复&lt;录入&gt;").count == 2)
            #expect(ahead.body.contains(#"<tr id="typed" class="typed"><td class="n">\#(use)</td>"#), "\(ahead.body)")
            #expect(try world.ledger.chainHead() == head)
            let reversed = try await ConsoleTests.post(
                client,
                "/console/events/\(use)/reverse",
                cookies: admin,
                form: [("csrf", csrf), ("reason", "重复录入"), ("date", "2022-08-01")]
            )
            #expect(reversed.status == 200 && reversed.body.contains("Recorded: event"), "\(reversed.body.prefix(600))")
            let by = try #require(try world.ledger.useView(ref: "U-B")?.reversedBy)
            #expect(
                reversed.body.contains("reversed by event \(by)") && reversed.body.contains("reverses event \(use)")
            )
            #expect(!reversed.body.contains("action=\"/console/events/\(use)/reverse\""))
            let twice = try await ConsoleTests.post(
                client,
                "/console/events/\(use)/reverse",
                cookies: admin,
                form: [("csrf", csrf), ("reason", "重复录入"), ("date", "2022-08-01")]
            )
            #expect(twice.status == 200 && twice.body.contains("Already recorded"), "\(twice.body.prefix(600))")
        }
        let actor = try world.ledger.rawRead { db in
            try String.fetchOne(db, sql: "SELECT actor FROM event WHERE kind = 'reversal'")
        }
        #expect(actor == "user-admin")
    }

    /// A claim dated ahead, as a ledger written before that was refused may hold, is offered for
    /// reversal on its own date (the only date the rules take for it), and so reversed.
    @Test func anEventDatedAheadIsReversedOnItsOwnDate() async throws {
        let world = try World()
        let claim = try world.ledger.claim(
            ClaimRequest(
                ref: "C-2030",
                applicantID: ServerTests.a,
                programme: try ProgrammeID("sh-innovation-voucher"),
                year: 2030,
                requested: try Money.parse("1万")
            ),
            context: EventContext(
                idempotencyKey: "old-ahead",
                actor: "setup",
                businessDate: try BusinessDate.parse("2030-03-01"),
                recordedAt: "2199-12-31T00:00:00Z"
            )
        )
        try await world.app.test(.router) { client in
            let (admin, csrf) = try await ConsoleTests.signIn(client, .admin)
            let list = try await ConsoleTests.get(client, "/console/events", cookies: admin)
            #expect(
                list.body.contains(
                    "type=\"date\" max=\"2030-03-01\" min=\"2030-03-01\" value=\"2030-03-01\" aria-label=\"Date \(claim.seq)\""
                ),
                "\(list.body.prefix(3000))"
            )
            let today = try await ConsoleTests.post(
                client,
                "/console/events/\(claim.seq)/reverse",
                cookies: admin,
                form: [("csrf", csrf), ("reason", "日期录错")]
            )
            #expect(today.status == 422 && today.body.contains("a reversal of it is dated 2030-03-01"), "\(today.body)")
            let reversed = try await ConsoleTests.post(
                client,
                "/console/events/\(claim.seq)/reverse",
                cookies: admin,
                form: [("csrf", csrf), ("reason", "日期录错"), ("date", "2030-03-01")]
            )
            #expect(reversed.status == 200 && reversed.body.contains("Recorded: event"), "\(reversed.body.prefix(600))")
        }
        #expect(try world.ledger.pendingClaims(level: .district).isEmpty)
        #expect(try world.ledger.verify().isValid)
    }

    /// A use filed by a provider that a suspension recorded later, dated back, covers on its
    /// filing's day: finance is told so on the row before settling it.
    @Test func financeIsToldOfAProviderSuspendedWhenItFiled() async throws {
        let world = try World()
        @Sendable func context(_ key: String, _ date: String) throws -> EventContext {
            EventContext(idempotencyKey: key, actor: "setup", businessDate: try BusinessDate.parse(date))
        }
        try world.ledger.fileRedemption(
            RedemptionFilingRequest(ref: "R-A", providerID: ServerTests.lab, useRefs: ["U-A"]),
            context: try context("file", "2022-05-01")
        )
        try await world.app.test(.router) { client in
            let (finance, _) = try await ConsoleTests.signIn(client, .finance)
            let before = try await ConsoleTests.get(client, "/console/settlements", cookies: finance)
            #expect(before.body.contains("U-A") && !before.body.contains("suspended when it filed"))
            try world.ledger.changeProviderStatus(
                providerID: ServerTests.lab,
                status: .suspended,
                reason: "报告<造假>",
                context: try context("suspend", "2022-04-15")
            )
            let after = try await ConsoleTests.get(client, "/console/settlements", cookies: finance)
            #expect(
                after.body.contains("⚠ the provider was suspended when it filed (from 2022-04-15: 报告&lt;造假&gt;)"),
                "\(after.body)"
            )
        }
    }

    /// A refused settlement comes back as typed on its own row (of two of one filing) only: the
    /// outcome chosen, the amount and reason, the date.
    @Test func aRefusedSettlementKeepsWhatWasTypedOnItsRow() async throws {
        let world = try World()
        @Sendable func context(_ key: String, _ date: String) throws -> EventContext {
            EventContext(idempotencyKey: key, actor: "setup", businessDate: try BusinessDate.parse(date))
        }
        try world.ledger.use(
            UseRequest(
                ref: "U-A2",
                applicantID: ServerTests.a,
                providerID: ServerTests.lab,
                productCode: "P1",
                programme: try ProgrammeID("sh-innovation-voucher"),
                serviceAmount: try Money.parse("1万")
            ),
            context: try context("use", "2022-04-02")
        )
        try world.ledger.fileRedemption(
            RedemptionFilingRequest(ref: "R-A", providerID: ServerTests.lab, useRefs: ["U-A", "U-A2"]),
            context: try context("file", "2022-05-01")
        )
        try await world.app.test(.router) { client in
            let (finance, csrf) = try await ConsoleTests.signIn(client, .finance)
            let ahead = BusinessDate.today().adding(days: 2).iso
            let refused = try await ConsoleTests.post(
                client,
                "/console/redemptions/R-A/settle",
                cookies: finance,
                form: [
                    ("csrf", csrf), ("page", ""), ("use", "U-A2"), ("outcome", "reduced"), ("amount", "3,000.00"),
                    ("reason", "部分<不符>"), ("date", ahead),
                ]
            )
            #expect(refused.status == 422 && refused.body.contains("is after today"), "\(refused.body)")
            let rows = refused.body.components(separatedBy: "<tr")
            let typed = try #require(rows.first { $0.contains("<td class=\"r\">U-A2</td>") })
            let other = try #require(rows.first { $0.contains("<td class=\"r\">U-A</td>") })
            #expect(typed.hasPrefix(" id=\"typed\" class=\"typed\">") && other.hasPrefix(">"))
            #expect(typed.contains("<option value=\"reduced\" selected>") && typed.contains("value=\"3,000.00\""))
            #expect(typed.contains("value=\"部分&lt;不符&gt;\"") && typed.contains("value=\"\(ahead)\""))
            #expect(!other.contains(" selected>") && !other.contains("3,000.00") && !other.contains(ahead))
            #expect(typed.contains("<input type=\"hidden\" name=\"page\" value=\"\">"))
        }
    }

    /// The city's queue lists the claims it must decide first before all the others, on the
    /// first page however many older claims wait: here a page is one claim, and the newest claim
    /// (of a programme whose grant awaits the city) comes before C-A and C-B.
    @Test func theCitysRequiredClaimsComeFirstAcrossPages() async throws {
        let world = try World()
        try ServerTests.installReviewedVoucher(world.ledger, context: try Self.context("p", "2022-01-01"))
        try world.ledger.claim(
            ClaimRequest(
                ref: "C-T",
                applicantID: ServerTests.b,
                programme: try ProgrammeID("reviewed-voucher"),
                year: 2022,
                requested: try Money.parse("2万")
            ),
            context: try Self.context("c-t", "2022-05-01")
        )
        try world.ledger.decide(
            DecisionRequest(claimRef: "C-T", outcome: .grant(try Money.parse("2万")), reviewer: "d"),
            context: try Self.context("d-t", "2022-05-02")
        )
        let queue = try world.ledger.pendingClaims(level: .city)
        #expect(queue.map(\.ref) == ["C-T", "C-A", "C-B"])
        let paged = Application(
            router: try API(ledger: world.ledger, accounts: world.accounts).router(
                loginThrottle: .milliseconds(50),
                queuePage: 1
            )
        )
        try await paged.test(.router) { client in
            let (city, _) = try await ConsoleTests.signIn(client, .cityReviewer)
            var path = "/console/claims"
            var shown: [String] = []
            var links: [String] = []
            var pages: [String] = []
            while shown.count < 4 {
                let page = try await ConsoleTests.get(client, path, cookies: city)
                #expect(page.status == 200, "\(page.body)")
                pages.append(page.body)
                shown += queue.map(\.ref).filter { page.body.contains("<td class=\"r\">\($0)</td>") }
                guard let range = page.body.range(of: "<a href=\"/console/claims?after=") else { break }
                let link = page.body[range.upperBound...].prefix { $0 != "\"" }
                links.append(String(link))
                path = "/console/claims?after=" + link
            }
            #expect(shown == ["C-T", "C-A", "C-B"])
            // Within the first part, the key says so: a page begins in the part of the claim it follows.
            #expect(links == ["awaited-\(queue[0].seq)", "\(queue[1].seq)"])
            // A later page with none of them says where they are.
            #expect(pages.count == 3 && !pages[0].contains("listed first in the queue"))
            #expect(pages[0].contains("<h2>Claims usable once the city grants them (1)</h2>"))
            #expect(!pages[1].contains("Claims usable once the city grants them"))
            let said = "(such claims are listed first in the queue: see the first page)"
            #expect(pages.dropFirst().allSatisfy { $0.contains(said) })
        }
    }

    /// A provider filing a use past its deadline (90 days after the use) is told so at once: it is
    /// recorded as a late filing, which finance sees and the report lists.
    @Test func aFilingPastTheDeadlineSaysSoInItsConfirmation() async throws {
        let world = try World()
        try await world.app.test(.router) { client in
            let (provider, csrf) = try await ConsoleTests.signIn(client, .provider)
            let filed = try await ConsoleTests.post(
                client,
                "/console/redemptions",
                cookies: provider,
                form: [("csrf", csrf), ("uses[]", "U-A"), ("ref", "R-L"), ("date", "2022-12-01")]
            )
            #expect(filed.status == 200, "\(filed.body)")
            #expect(filed.body.contains("redemption claim R-L (1 use; 1 filed past its deadline, recorded as late)"))
        }
        #expect(Words(.zh).filed("R-L", uses: 3, late: 2) == "兑付申请 R-L（3 笔用券，其中 2 笔已过兑付申报期限，记为逾期申报）")
        let en = Words(.en).filed("R-L", uses: 3, late: 2)
        #expect(en.hasSuffix("(3 uses; 2 filed past their deadline, recorded as late)"), "\(en)")
    }

    @Test func anAdminRegistersPartiesAndRecordsABudgetFromTheForms() async throws {
        let world = try World()
        let body = "91310110MA1G000"
        let code = try #require(UnifiedSocialCreditCode.checkCharacter(for: body + "01")).description
        let provider = body + "01" + code
        let applicant =
            body + "02" + (try #require(UnifiedSocialCreditCode.checkCharacter(for: body + "02"))).description
        let wrong = body + "01" + (code == "9" ? "8" : "9")
        try await world.app.test(.router) { client in
            let (admin, csrf) = try await ConsoleTests.signIn(client, .admin)
            func post(_ path: String, _ form: [(String, String)]) async throws -> ConsoleTests.Page {
                try await ConsoleTests.post(client, path, cookies: admin, form: [("csrf", csrf)] + form)
            }
            let registration = [
                ("what", "provider"), ("id", provider), ("name", "新检测中心"), ("region", "shanghai"),
                ("date", "2023-01-02"),
            ]
            let first = try await post("/console/registry", registration)
            #expect(first.status == 200 && first.body.contains("Recorded: event"), "\(first.body.prefix(600))")
            let again = try await post("/console/registry", registration)
            #expect(again.body.contains("Already recorded"), "\(again.body.prefix(600))")
            let product = try await post(
                "/console/registry",
                [
                    ("what", "product"), ("code", "P9"), ("provider", provider), ("name", "检测"),
                    ("category", "testing"), ("list_price", "2万"), ("date", "2023-01-02"),
                ]
            )
            #expect(product.status == 200, "\(product.body.prefix(600))")
            let suspended = try await post(
                "/console/registry",
                [
                    ("what", "status"), ("provider", provider), ("status", "suspended"), ("date", "2023-02-01"),
                    ("reason", "抽查不合格"),
                ]
            )
            #expect(suspended.status == 200, "\(suspended.body.prefix(600))")
            let enterprise = try await post(
                "/console/registry",
                [
                    ("what", "applicant"), ("id", applicant), ("kind", "enterprise"), ("name", "丙智能有限公司"),
                    ("district", "杨浦区"), ("region", "shanghai"), ("attributes", "jic-member, high-tech"),
                ]
            )
            #expect(enterprise.status == 200, "\(enterprise.body.prefix(600))")
            // To change a registration, the form is loaded with what is registered now, so that
            // registering again keeps the district and the attributes.
            let loaded = try await ConsoleTests.get(client, "/console/registry?applicant=\(applicant)", cookies: admin)
            #expect(loaded.status == 200, "\(loaded.body.prefix(600))")
            for value in [
                "id=\"a-id\" name=\"id\" size=\"22\" required value=\"\(applicant)\"", "value=\"丙智能有限公司\"",
                "value=\"杨浦区\"", "value=\"high-tech,jic-member\"", "<option value=\"enterprise\" selected>",
            ] {
                #expect(loaded.body.contains(value), "\(value)")
            }
            let unknown = try await ConsoleTests.get(client, "/console/registry?provider=NOBODY", cookies: admin)
            #expect(unknown.status == 422 && unknown.body.contains("value=\"NOBODY\""), "\(unknown.status)")
            // A code whose check character is wrong is refused, and nothing is recorded; the form
            // comes back as it was sent.
            let head = try world.ledger.chainHead()
            let bad = try await post(
                "/console/registry",
                [("what", "provider"), ("id", wrong), ("name", "x<b>"), ("region", "shanghai")]
            )
            #expect(bad.status == 422, "\(bad.status)")
            #expect(bad.body.contains("value=\"\(wrong)\"") && bad.body.contains("value=\"x&lt;b&gt;\""), "\(bad.body)")
            #expect(try world.ledger.chainHead() == head)
            // With the reason and who approved it, such a code is registered, and both are kept.
            let approved = try await post(
                "/console/registry",
                [
                    ("what", "provider"), ("id", wrong), ("name", "旧代码中心"), ("region", "shanghai"),
                    ("override_reason", "营业执照为旧版"), ("override_by", "李主任"),
                ]
            )
            #expect(approved.status == 200 && approved.body.contains("Recorded: event"), "\(approved.body.prefix(600))")
            // Loaded to be changed, it keeps why its code was let through and who approved it.
            let reloaded = try await ConsoleTests.get(client, "/console/registry?provider=\(wrong)", cookies: admin)
            #expect(reloaded.body.contains("value=\"营业执照为旧版\"") && reloaded.body.contains("value=\"李主任\""))

            let none = try await ConsoleTests.get(
                client,
                "/console/budgets?programme=yrd-innovation-voucher&year=2022",
                cookies: admin
            )
            #expect(none.status == 200 && none.body.contains("No budget is recorded"), "\(none.body.prefix(600))")
            let budget = try await post(
                "/console/budgets",
                [
                    ("action", "budget"), ("programme", "yrd-innovation-voucher"), ("year", "2022"),
                    ("amount", "3000万"), ("shares", "city=60%\r\ndistrict=40%"), ("date", "2022-01-10"),
                ]
            )
            #expect(budget.status == 200 && budget.body.contains("30,000,000.00"), "\(budget.body.prefix(900))")
            #expect(budget.body.contains("Left to grant") && !budget.body.contains("Grants exceed it by"))
            // Below what is granted: recorded, and the page says by how much and what it means.
            let granted = try world.ledger.committed(try ProgrammeID("sh-innovation-voucher"), year: 2022)
            #expect(granted > .zero)
            let cut = try await post(
                "/console/budgets",
                [("action", "budget"), ("programme", "sh-innovation-voucher"), ("year", "2022"), ("amount", "0.01")]
            )
            #expect(cut.status == 200 && cut.body.contains("no grant can be made or raised"), "\(cut.body.prefix(900))")
            #expect(
                cut.body.contains(
                    "<tr class=\"bad\"><th>Grants exceed it by</th><td class=\"n\">"
                        + granted.remaining(after: Money(fen: 1)).formatted()
                ),
                "\(cut.body)"
            )
            let early = try await post(
                "/console/budgets",
                [("action", "expire"), ("programme", "sh-innovation-voucher"), ("date", "2022-01-01")]
            )
            #expect(early.status == 200 && early.body.contains("nothing was recorded"), "\(early.body.prefix(600))")
            let lapsed = try await post(
                "/console/budgets",
                [("action", "expire"), ("programme", "sh-innovation-voucher"), ("date", "2023-06-01")]
            )
            #expect(lapsed.status == 200 && lapsed.body.contains("Recorded: event"), "\(lapsed.body.prefix(600))")
            let sentAgain = try await post(
                "/console/budgets",
                [
                    ("action", "budget"), ("programme", "yrd-innovation-voucher"), ("year", "2022"),
                    ("amount", "3000万"), ("shares", "city=60%\r\ndistrict=40%"), ("date", "2022-01-10"),
                ]
            )
            #expect(sentAgain.body.contains("Already recorded"), "\(sentAgain.body.prefix(600))")
            // The form offers the appropriation in force to revise; shares on one line, by their
            // Chinese names, are read as their keys.
            let shown = try await ConsoleTests.get(
                client,
                "/console/budgets?programme=yrd-innovation-voucher&year=2022",
                cookies: admin
            )
            #expect(
                shown.body.contains(
                    "name=\"shares\" rows=\"3\" cols=\"30\" placeholder=\"city=60%\ndistrict=40%\">city=60%\ndistrict=40%</textarea>"
                )
            )
            let oneLine = try await post(
                "/console/budgets",
                [
                    ("action", "budget"), ("programme", "yrd-innovation-voucher"), ("year", "2022"),
                    ("amount", "3000万"), ("shares", "市级=70%、区级=30%"), ("date", "2022-01-11"),
                ]
            )
            #expect(oneLine.body.contains("city 70% · district 30%"), "\(oneLine.body.prefix(900))")
            // Refused, the shares are quoted as they were typed, full-width forms and all.
            let short = try await post(
                "/console/budgets",
                [
                    ("action", "budget"), ("programme", "yrd-innovation-voucher"), ("year", "2022"),
                    ("amount", "3000万"), ("shares", "市级=60%\r\n区级＝30％"), ("date", "2022-01-12"),
                ]
            )
            #expect(
                short.status == 422
                    && short.body.contains("share &quot;市级=60%; 区级＝30％&quot;: the shares add up to 90%, not 100%"),
                "\(short.body)"
            )
            #expect(Words(.zh).funder("city") == "市级" && Words(.zh).funder("fund-a") == "fund-a")
            // The events show the appropriation's amount and the status change's provider.
            let events = try await ConsoleTests.get(client, "/console/events", cookies: admin)
            #expect(events.body.contains("30,000,000.00") && events.body.contains(provider))
            // A suspension needs its first day, and a kind of applicant the rules know.
            let undated = try await post(
                "/console/registry",
                [("what", "status"), ("provider", provider), ("status", "reinstated")]
            )
            #expect(undated.status == 422)
            let oddKind = try await post(
                "/console/registry",
                [("what", "applicant"), ("id", applicant), ("kind", "charity"), ("name", "丁")]
            )
            #expect(oddKind.status == 422 && oddKind.body.contains("charity"))
            // A field left empty is named by its label on the page, and an amount's fault in words.
            let nameless = try await post(
                "/console/registry",
                [("what", "provider"), ("id", provider), ("region", "x")]
            )
            #expect(nameless.status == 422 && nameless.body.contains("Name: required"), "\(nameless.body)")
            let (adminZh, csrfZh) = try await ConsoleTests.signIn(client, .admin, language: "zh")
            let namelessZh = try await ConsoleTests.post(
                client,
                "/console/registry",
                cookies: adminZh,
                form: [("csrf", csrfZh), ("what", "provider"), ("id", provider), ("region", "x")]
            )
            #expect(namelessZh.body.contains("名称：必填") && !namelessZh.body.contains("用户名"), "\(namelessZh.body)")
            // The region is chosen among the keys the policies name, each shown in Chinese.
            #expect(
                namelessZh.body.contains(#"list="regions""#)
                    && namelessZh.body.contains(#"<option value="jiangsu">江苏</option>"#)
            )
            let badAmount = try await post(
                "/console/budgets",
                [("action", "budget"), ("programme", "sh-innovation-voucher"), ("year", "2022"), ("amount", "3x万")]
            )
            #expect(
                badAmount.status == 422 && badAmount.body.contains("Appropriation: &quot;3x万&quot; has"),
                "\(badAmount.body)"
            )
        }
        #expect(try world.ledger.provider(provider).name == "新检测中心")
        let override = try world.ledger.rawRead { db in
            try String.fetchOne(
                db,
                sql: "SELECT override_reason || ' / ' || override_by FROM provider WHERE id = ?",
                arguments: [wrong]
            )
        }
        #expect(override == "营业执照为旧版 / 李主任")
        #expect(try world.ledger.providerStatus(provider).count == 1)
        #expect(try world.ledger.applicant(applicant).attributes == ["high-tech", "jic-member"])
        let appropriation = try #require(
            try world.ledger.appropriation(try ProgrammeID("yrd-innovation-voucher"), year: 2022)
        ).appropriation
        #expect(appropriation.amount == (try Money.parse("3000万")) && appropriation.shares.count == 2)
    }

    @Test func anEnterpriseSeesItsQuotaAndWhatIsLeftOfIt() async throws {
        let world = try World()
        try await world.app.test(.router) { client in
            let (enterprise, _) = try await ConsoleTests.signIn(client, .enterprise)
            let page = try await ConsoleTests.get(client, "/console/uses", cookies: enterprise)
            // Granted 100,000.00 on C-A; U-A used 10,000.00 of it. B's quota is not shown.
            let row = try #require(page.body.range(of: "<td>C-A</td>").map { page.body[$0.lowerBound...].prefix(300) })
            #expect(row.contains("100,000.00") && row.contains("90,000.00") && row.contains("2022-12-31"), "\(row)")
            #expect(!page.body.contains(">C-B</td>"))
            // Its validity ended with 2022; until the expiry is recorded, the page says so.
            #expect(row.contains("validity ended"), "\(row)")
            // Once the year's quotas lapse, nothing is left.
            try world.ledger.expireQuotas(
                programme: try ProgrammeID("sh-innovation-voucher"),
                context: try Self.context("lapse", "2023-01-05")
            )
            let after = try await ConsoleTests.get(client, "/console/uses", cookies: enterprise)
            let lapsed = try #require(
                after.body.range(of: "<td>C-A</td>").map { after.body[$0.lowerBound...].prefix(300) }
            )
            #expect(lapsed.contains("<td class=\"n\">0.00</td>") && !lapsed.contains("validity ended"), "\(lapsed)")
            // The events page gives the expiry the amount that lapsed, every quota's together
            // (summed here by SQLite from the recorded payload).
            let (auditor, _) = try await ConsoleTests.signIn(client, .auditor)
            let events = try await ConsoleTests.get(client, "/console/events", cookies: auditor)
            let seq = try #require(
                try world.ledger.rawRead { db in
                    try Int64.fetchOne(db, sql: "SELECT seq FROM event WHERE kind = 'expiry'")
                }
            )
            let fen = try #require(
                try world.ledger.rawRead { db in
                    try Int64.fetchOne(
                        db,
                        sql: """
                            SELECT SUM(json_extract(l.value, '$.amount'))
                            FROM event e, json_each(e.payload, '$.lapsed') l WHERE e.kind = 'expiry'
                            """
                    )
                }
            )
            #expect(fen > 0)
            let expiry = try #require(
                events.body.range(of: "<td class=\"n\">\(seq)</td>").map { events.body[$0.lowerBound...].prefix(400) }
            )
            #expect(expiry.contains("<td class=\"n\">\(Money(fen: fen).formatted())</td>"), "\(expiry)")
        }
    }

    @Test func aReviewerSeesWhatMayBeGrantedAndWhy() async throws {
        let world = try World()
        let shanghai = try ProgrammeID("sh-innovation-voucher")
        try world.ledger.setBudget(
            Appropriation(programme: shanghai, year: 2023, amount: try Money.parse("5万")),
            context: try Self.context("budget", "2023-01-02")
        )
        try world.ledger.claim(
            ClaimRequest(
                ref: "C-A23",
                applicantID: ServerTests.a,
                programme: shanghai,
                year: 2023,
                requested: try Money.parse("6万")
            ),
            context: try Self.context("claim", "2023-01-10")
        )
        try await world.app.test(.router) { client in
            let (reviewer, csrf) = try await ConsoleTests.signIn(client, .districtReviewer)
            let queue = try await ConsoleTests.get(client, "/console/claims", cookies: reviewer)
            #expect(queue.body.contains("the budget leaves 50,000.00"), "\(queue.body)")
            #expect(queue.body.contains("the most that may be granted: 50,000.00"))
            // The form starts from what may be granted.
            #expect(queue.body.contains(#"name="grant" value="50000.00""#))
            // 2023 is over: the advice, and the form's date, are its last day, when a grant may
            // still be dated; the form as it comes is recorded.
            #expect(queue.body.contains("as of 2023-12-31") && queue.body.contains(#"value="2023-12-31""#))
            let decided = try await ConsoleTests.post(
                client,
                "/console/claims/C-A23/decide",
                cookies: reviewer,
                form: [("csrf", csrf), ("grant", "50000.00"), ("outcome", "grant"), ("date", "2023-12-31")]
            )
            #expect(decided.status == 200 && decided.body.contains("Recorded: event"), "\(decided.body.prefix(600))")
        }
    }

    /// A matching claim and a grant request reach the district's queue with the engine's limit,
    /// and leave it once decided: finance then finds the grant to pay.
    @Test func matchingAndGrantClaimsAreReviewedLikeVouchers() async throws {
        let world = try World()
        // The joint innovation centre's programmes take its members.
        try world.ledger.registerApplicant(
            ApplicantRegistration(
                identifier: .creditCode(try UnifiedSocialCreditCode(ServerTests.a)),
                kind: .enterprise,
                name: "甲科技有限公司",
                district: "杨浦区",
                region: "shanghai",
                group: nil,
                attributes: ["jic-member"]
            ),
            context: try Self.context("member", "2023-01-05")
        )
        try world.ledger.claim(
            ClaimRequest(
                ref: "M-1",
                applicantID: ServerTests.a,
                programme: try ProgrammeID("jic-overseas-matching"),
                year: 2023,
                requested: try Money.parse("150万"),
                project: "P-1",
                paid: try Money.parse("150万")
            ),
            context: try Self.context("claim-m", "2023-03-01")
        )
        try world.ledger.claim(
            ClaimRequest(
                ref: "G-1",
                applicantID: ServerTests.a,
                programme: try ProgrammeID("jic-operating-support"),
                year: 2023,
                requested: try Money.parse("30万")
            ),
            context: try Self.context("claim-g", "2023-03-01")
        )
        try await world.app.test(.router) { client in
            let (reviewer, csrf) = try await ConsoleTests.signIn(client, .districtReviewer)
            let queue = try await ConsoleTests.get(client, "/console/claims", cookies: reviewer)
            #expect(queue.body.contains("M-1") && queue.body.contains("G-1"), "\(queue.body)")
            // Matching is 1:1 up to 100万 a project: the engine's limit, not the 150万 asked.
            #expect(queue.body.contains("1,000,000.00"), "\(queue.body)")
            let decided = try await ConsoleTests.post(
                client,
                "/console/claims/M-1/decide",
                cookies: reviewer,
                form: [("csrf", csrf), ("grant", "100万"), ("outcome", "grant"), ("date", "2023-03-20")]
            )
            #expect(decided.status == 200 && decided.body.contains("Recorded: event"), "\(decided.body.prefix(600))")
            let after = try await ConsoleTests.get(client, "/console/claims", cookies: reviewer)
            #expect(!after.body.contains("M-1") && after.body.contains("G-1"))
            let (finance, _) = try await ConsoleTests.signIn(client, .finance)
            let payments = try await ConsoleTests.get(client, "/console/payments", cookies: finance)
            #expect(payments.body.contains("M-1"), "\(payments.body)")
            // Nothing granted is a rejection, with a reason: a grant of 0 is refused.
            let nothing = try await ConsoleTests.post(
                client,
                "/console/claims/G-1/decide",
                cookies: reviewer,
                form: [("csrf", csrf), ("grant", "0"), ("outcome", "grant"), ("date", "2023-03-20")]
            )
            #expect(nothing.status == 422 && nothing.body.contains("grants nothing"), "\(nothing.body.prefix(600))")
            // The enterprise reads what its grant has been paid and what is left to pay.
            try world.ledger.pay(
                PaymentRequest(claimRef: "M-1", amount: try Money.parse("40万")),
                context: try Self.context("pay-m", "2023-04-01")
            )
            let (enterprise, _) = try await ConsoleTests.signIn(client, .enterprise)
            let own = try await ConsoleTests.get(client, "/console/uses", cookies: enterprise)
            #expect(
                own.body.contains("district granted 1,000,000.00; paid 400,000.00, left to pay 600,000.00"),
                "\(own.body)"
            )
        }
    }

    /// A quote's page keeps what was asked, the programme too, and says it beside the answer (a
    /// printed page hides the form's fields).
    @Test func aQuoteKeepsWhatWasAskedAndSaysItBesideTheAnswer() async throws {
        let world = try World()
        try await world.app.test(.router) { client in
            let (enterprise, csrf) = try await ConsoleTests.signIn(client, .enterprise)
            let quoted = try await ConsoleTests.post(
                client,
                "/console/quote",
                cookies: enterprise,
                form: [
                    ("csrf", csrf), ("programme", "yrd-innovation-voucher"), ("provider", ServerTests.lab),
                    ("product", "P1"), ("service_amount", "2万"), ("date", "2022-05-10"),
                ]
            )
            #expect(quoted.status == 200, "\(quoted.body.prefix(600))")
            #expect(quoted.body.contains(#"<option value="yrd-innovation-voucher" selected>"#), "\(quoted.body)")
            #expect(quoted.body.contains(#"<p class="asked">"#) && quoted.body.contains("P1 · 2万 · 2022-05-10"))
            // A refused quote: the form again as it was sent, with why.
            let refused = try await ConsoleTests.post(
                client,
                "/console/quote",
                cookies: enterprise,
                form: [
                    ("csrf", csrf), ("programme", "yrd-innovation-voucher"), ("provider", ServerTests.lab),
                    ("product", "NOPE"), ("service_amount", "2万"), ("date", "2022-05-10"),
                ]
            )
            #expect(refused.status == 422 && refused.body.contains(#"class="flash bad""#), "\(refused.body)")
            #expect(refused.body.contains("NOPE") && refused.body.contains(#"value="2万""#))
            #expect(refused.body.contains(#"<option value="yrd-innovation-voucher" selected>"#))
            // Without a date the quote is today's, and the line of what was asked says which day.
            let undated = try await ConsoleTests.post(
                client,
                "/console/quote",
                cookies: enterprise,
                form: [
                    ("csrf", csrf), ("programme", "yrd-innovation-voucher"), ("provider", ServerTests.lab),
                    ("product", "P1"), ("service_amount", "2万"),
                ]
            )
            #expect(undated.body.contains("P1 · 2万 · \(BusinessDate.today().iso)"), "\(undated.body)")
            // The form offers the registered products (with their provider and list price) and
            // providers to choose from, escaped; a quote without a provider takes the product's.
            try world.ledger.registerProduct(
                ProductRegistration(
                    code: "P9",
                    providerID: ServerTests.lab,
                    name: "<i>核磁</i> & 共振",
                    category: "testing",
                    listPrice: try Money.parse("8万")
                ),
                context: try Self.context("p9", "2022-01-06")
            )
            let form = try await ConsoleTests.get(client, "/console/quote", cookies: enterprise)
            #expect(form.body.contains(#"<option value="P1">检测 · 测试中心 P1 · 50,000.00</option>"#), "\(form.body)")
            #expect(form.body.contains("&lt;i&gt;核磁&lt;/i&gt; &amp; 共振 · 测试中心 P1 · 80,000.00"), "\(form.body)")
            #expect(form.body.contains(#"<option value="\#(ServerTests.other)">测试中心 P2</option>"#))
            #expect(form.body.components(separatedBy: #"<option value="\#(ServerTests.lab)">"#).count == 2)
            let byProduct = try await ConsoleTests.post(
                client,
                "/console/quote",
                cookies: enterprise,
                form: [
                    ("csrf", csrf), ("programme", "yrd-innovation-voucher"), ("provider", ""), ("product", "P2"),
                    ("service_amount", "2万"), ("date", "2022-05-10"),
                ]
            )
            #expect(byProduct.status == 200, "\(byProduct.body.prefix(600))")
            #expect(byProduct.body.contains("\(ServerTests.other) · P2 · 2万 · 2022-05-10"), "\(byProduct.body)")
            // The field stays as typed: another product chosen next is quoted with its own provider.
            #expect(byProduct.body.contains(#"id="provider" name="provider" size="24" value="""#))
            // A product registered again is offered once, as registered last.
            try world.ledger.registerProduct(
                ProductRegistration(
                    code: "P9",
                    providerID: ServerTests.lab,
                    name: "核磁共振",
                    category: "testing",
                    listPrice: try Money.parse("9万")
                ),
                context: try Self.context("p9-again", "2022-01-07")
            )
            let again = try await ConsoleTests.get(client, "/console/quote", cookies: enterprise)
            #expect(again.body.contains(#"<option value="P9">核磁共振 · 测试中心 P1 · 90,000.00</option>"#))
            #expect(!again.body.contains("80,000.00") && again.body.components(separatedBy: #"value="P9""#).count == 2)
            // A provider suspended today is marked, with its products; one reinstated is not.
            try world.ledger.changeProviderStatus(
                providerID: ServerTests.other,
                status: .suspended,
                reason: "under review",
                context: try Self.context("suspend-p2", "2022-06-01")
            )
            let suspended = try await ConsoleTests.get(client, "/console/quote", cookies: enterprise)
            #expect(
                suspended.body.contains(
                    #"<option value="\#(ServerTests.other)">测试中心 P2 · suspended from 2022-06-01</option>"#
                ),
                "\(suspended.body)"
            )
            #expect(
                suspended.body.contains(
                    #"<option value="P2">检测 · 测试中心 P2 · 50,000.00 · suspended from 2022-06-01</option>"#
                )
            )
            #expect(suspended.body.components(separatedBy: "suspended from").count == 3)
            let (chinese, chineseCSRF) = try await ConsoleTests.signIn(client, .enterprise, language: "zh")
            let zhForm = try await ConsoleTests.get(client, "/console/quote", cookies: chinese)
            #expect(zhForm.body.contains("测试中心 P2 · 已暂停（自 2022-06-01 起）</option>"), "\(zhForm.body)")
            let zhBefore = try await ConsoleTests.post(
                client,
                "/console/quote",
                cookies: chinese,
                form: [
                    ("csrf", chineseCSRF), ("programme", "yrd-innovation-voucher"),
                    ("provider", ""), ("product", "P2"), ("service_amount", "2万"), ("date", "2022-05-31"),
                ]
            )
            #expect(zhBefore.body.contains("测试中心 P2 · 将自 2022-06-01 起暂停</option>"), "\(zhBefore.body)")
            // The mark is of the form's date: a quote dated before the suspension is marked
            // with the day it begins; one dated within it is refused, and marked as suspended.
            let before = try await ConsoleTests.post(
                client,
                "/console/quote",
                cookies: enterprise,
                form: [
                    ("csrf", csrf), ("programme", "yrd-innovation-voucher"), ("provider", ""), ("product", "P2"),
                    ("service_amount", "2万"), ("date", "2022-05-31"),
                ]
            )
            #expect(before.status == 200, "\(before.body)")
            #expect(
                before.body.contains("测试中心 P2 · to be suspended from 2022-06-01</option>")
                    && !before.body.contains("· suspended from"),
                "\(before.body)"
            )
            let within = try await ConsoleTests.post(
                client,
                "/console/quote",
                cookies: enterprise,
                form: [
                    ("csrf", csrf), ("programme", "yrd-innovation-voucher"), ("provider", ""), ("product", "P2"),
                    ("service_amount", "2万"), ("date", "2022-06-15"),
                ]
            )
            #expect(within.status == 422 && within.body.contains("测试中心 P2 · suspended from 2022-06-01</option>"))
            try world.ledger.changeProviderStatus(
                providerID: ServerTests.other,
                status: .reinstated,
                reason: nil,
                context: try Self.context("reinstate-p2", "2022-06-02")
            )
            let reinstated = try await ConsoleTests.get(client, "/console/quote", cookies: enterprise)
            #expect(reinstated.status == 200 && !reinstated.body.contains("suspended from"), "\(reinstated.body)")
            #expect(reinstated.body.contains(#"<option value="\#(ServerTests.other)">测试中心 P2</option>"#))
            // The form to apply offers a voucher first, not whichever programme sorts first.
            let home = try await ConsoleTests.get(client, "/console/uses", cookies: enterprise)
            let select = try #require(
                home.body.range(of: #"<select id="c-programme""#).map { home.body[$0.lowerBound...] }
            )
            let chosen = try #require(select.range(of: " selected>").map { select[..<$0.lowerBound] })
            #expect(chosen.hasSuffix("innovation-voucher\""), "\(chosen.suffix(80))")
        }
    }

    @Test func anEnterpriseAppliesForItsOwnApplicantOnce() async throws {
        let world = try World()
        try await world.app.test(.router) { client in
            let (enterprise, csrf) = try await ConsoleTests.signIn(client, .enterprise)
            let page = try await ConsoleTests.get(client, "/console/uses", cookies: enterprise)
            #expect(page.body.contains(#"action="/console/apply""#))
            // An applicant named in the form is not taken: an enterprise applies for its own.
            let form = [
                ("csrf", csrf), ("ref", "C-N"), ("programme", "sh-innovation-voucher"), ("year", "2023"),
                ("requested", "5万"), ("date", "2023-01-10"), ("applicant", ServerTests.b),
            ]
            let first = try await ConsoleTests.post(client, "/console/apply", cookies: enterprise, form: form)
            #expect(first.status == 200 && first.body.contains("Recorded: event"), "\(first.body.prefix(600))")
            #expect(
                first.body.contains(" · claim C-N<"),
                "\(first.body.prefix(1500))"
            )
            #expect(first.body.contains("<td class=\"r\">C-N</td>"))
            // No one has decided it yet, and the page says so.
            #expect(first.body.contains("<td>awaiting review</td>"), "\(first.body)")
            let again = try await ConsoleTests.post(client, "/console/apply", cookies: enterprise, form: form)
            #expect(again.body.contains("Already recorded"), "\(again.body.prefix(600))")
            // A bad amount is refused, and nothing is recorded.
            let head = try world.ledger.chainHead()
            let bad = try await ConsoleTests.post(
                client,
                "/console/apply",
                cookies: enterprise,
                form: [
                    ("csrf", csrf), ("ref", "C-X"), ("programme", "sh-innovation-voucher"), ("year", "2024"),
                    ("requested", "五块"),
                ]
            )
            #expect(bad.status == 422 && bad.body.contains("五块"), "\(bad.body.prefix(600))")
            // The same page again, with why, and the form as it was sent.
            #expect(
                bad.body.contains(#"class="flash bad""#)
                    && bad.body.contains(#"id="c-ref" name="ref" size="12" required value="C-X""#)
            )
            #expect(bad.body.contains(#"id="c-year" name="year" value="2024""#), "\(bad.body)")
            #expect(try world.ledger.chainHead() == head)
            let (reviewer, _) = try await ConsoleTests.signIn(client, .districtReviewer)
            let queue = try await ConsoleTests.get(client, "/console/claims", cookies: reviewer)
            #expect(queue.body.contains("C-N"))
        }
        let recorded = try world.ledger.rawRead { db in
            try String.fetchOne(
                db,
                sql:
                    "SELECT c.applicant_id || ' ' || e.idempotency_key FROM claim c JOIN event e ON e.seq = c.event_seq WHERE c.ref = 'C-N'"
            )
        }
        // For its own applicant, under the key `POST /api/v1/claims` and `voucher claim` use.
        #expect(recorded == "\(ServerTests.a) claim:C-N")
    }

    @Test func anEventsSubjectAndAmountAreReadFromItsRequest() {
        #expect(Console.subject(of: #"{"applicant":"9131","ref":"C-1"}"#) == "C-1")
        #expect(Console.subject(of: #"{"claim":"C-1","granted":100}"#) == "C-1")
        // With the reason the record gives (a reversal's, a rejection's).
        #expect(Console.subject(of: #"{"kind":"use","reason":"录入错误","reverses":7}"#) == "7 · 录入错误")
        #expect(Console.subject(of: #"{"claim":"C-1","outcome":"rejected","reason":"材料不全"}"#) == "C-1 · 材料不全")
        #expect(Console.subject(of: "not json") == "")
        #expect(Console.amount(in: #"{"amount":200000,"use":"U-1"}"#) == Money(fen: 200_000))
        #expect(Console.amount(in: #"{"claim":"C-1"}"#) == nil)
    }
}
