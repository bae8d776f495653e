import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import VoucherDomain
import VoucherReports
import VoucherStorage
import Yams

@testable import VoucherServer

/// The API in-process (Hummingbird's router test framework): every route against every role, the
/// parties' own references, tokens, idempotency, and the OpenAPI document against the routes.
@Suite struct ServerTests {
    static let a = "91350100M000100Y43"
    static let b = "91110000101623741K"
    static let lab = "911101066976941872"
    static let other = "12310000007000001F"

    /// Installs `reviewed-voucher`, a programme whose district grants await the city's review.
    static func installReviewedVoucher(_ ledger: Ledger, context: EventContext) throws {
        try ledger.installProgramme(
            yaml: """
                id: reviewed-voucher
                kind: voucher
                name: {zh: 两级审核券, en: Two-level voucher}
                versions:
                  - effective_from: 2022-01-01
                    rate: 50%
                    review:
                      required_levels: {value: [district, city], source: assumed, clause: 区级初审、市级复核}
                """,
            file: "reviewed.yaml",
            context: context
        )
    }

    /// A ledger with two enterprises, two providers with a product each, A's and B's 2022
    /// Shanghai quotas and one use each (A's with the lab, B's with the other provider); and a
    /// user of every role, with a token each.
    struct World {
        static let password = "correct horse battery"
        let ledger: Ledger
        let accounts: Accounts
        let tokens: [Role: String]
        let app: Application<RouterResponder<APIContext>>

        init() throws {
            ledger = try Ledger.inMemory()
            var count = 0
            func context(_ date: String) throws -> EventContext {
                count += 1
                return EventContext(
                    idempotencyKey: "k\(count)",
                    actor: "setup",
                    businessDate: try BusinessDate.parse(date)
                )
            }
            for (id, name) in [(a, "甲科技有限公司"), (b, "乙材料有限公司")] {
                try ledger.registerApplicant(
                    ApplicantRegistration(
                        identifier: .creditCode(try UnifiedSocialCreditCode(id)),
                        kind: .enterprise,
                        name: name,
                        district: "杨浦区",
                        region: "shanghai"
                    ),
                    context: try context("2022-01-05")
                )
            }
            for (id, product) in [(lab, "P1"), (other, "P2")] {
                try ledger.registerProvider(
                    ProviderRegistration(
                        identifier: .creditCode(try UnifiedSocialCreditCode(id)),
                        name: "测试中心 \(product)",
                        region: "shanghai"
                    ),
                    context: try context("2022-01-05")
                )
                try ledger.registerProduct(
                    ProductRegistration(
                        code: product,
                        providerID: id,
                        name: "检测",
                        category: "testing",
                        listPrice: try Money.parse("5万")
                    ),
                    context: try context("2022-01-05")
                )
            }
            let shanghai = try ProgrammeID("sh-innovation-voucher")
            for (applicant, claim, use, provider, product) in [
                (a, "C-A", "U-A", lab, "P1"), (b, "C-B", "U-B", other, "P2"),
            ] {
                try ledger.claim(
                    ClaimRequest(
                        ref: claim,
                        applicantID: applicant,
                        programme: shanghai,
                        year: 2022,
                        requested: try Money.parse("10万")
                    ),
                    context: try context("2022-03-01")
                )
                try ledger.decide(
                    DecisionRequest(claimRef: claim, outcome: .grant(try Money.parse("10万")), reviewer: "setup"),
                    context: try context("2022-03-02")
                )
                try ledger.use(
                    UseRequest(
                        ref: use,
                        applicantID: applicant,
                        providerID: provider,
                        productCode: product,
                        programme: shanghai,
                        serviceAmount: try Money.parse("2万")
                    ),
                    context: try context("2022-04-01")
                )
            }
            accounts = try Accounts.open(at: ":memory:", bcryptCost: 4)
            var tokens: [Role: String] = [:]
            for role in Role.allCases {
                let name = "user-\(role.rawValue)"
                try accounts.addUser(
                    name: name,
                    role: role,
                    applicant: role == .enterprise ? a : nil,
                    provider: role == .provider ? lab : nil,
                    password: World.password,
                    by: "test"
                )
                tokens[role] = try accounts.issueToken(for: name, by: "test")
            }
            self.tokens = tokens
            app = Application(
                router: try API(ledger: ledger, accounts: accounts).router(loginThrottle: .milliseconds(50))
            )
        }
    }

    struct Answer: Sendable {
        var status: Int
        var body: String
        var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]) ?? [:]
        }
    }

    static func call(
        _ client: some TestClientProtocol,
        _ method: HTTPRequest.Method,
        _ uri: String,
        token: String?,
        body: String? = nil,
        key: String? = nil
    ) async throws -> Answer {
        var headers: HTTPFields = [:]
        if let token { headers[.authorization] = "Bearer \(token)" }
        if let key { headers[API.idempotencyKey] = key }
        headers[.contentType] = "application/json"
        return try await client.execute(
            uri: uri,
            method: method,
            headers: headers,
            body: body.map { ByteBuffer(string: $0) }
        ) { response in
            Answer(status: Int(response.status.code), body: String(buffer: response.body))
        }
    }

    /// A concrete request of each route (its references the world's own).
    static func uri(_ route: API.Route) -> String {
        route.path.replacingOccurrences(of: "{ref}", with: route.path.contains("claims") ? "C-A" : "U-A")
            .replacingOccurrences(of: "/redemptions/U-A", with: "/redemptions/R-1")
            .replacingOccurrences(of: "{programme}", with: "sh-innovation-voucher")
            .replacingOccurrences(of: "{year}", with: "2022")
            .replacingOccurrences(of: "{seq}", with: "1")
            .replacingOccurrences(of: "{id}", with: a)
    }

    @Test func everyRouteAgainstEveryRoleIsAllowedOrForbiddenAsDocumented() async throws {
        let world = try World()
        try await world.app.test(.router) { client in
            for route in API.routes {
                let method = HTTPRequest.Method(rawValue: route.method)!
                let uri = Self.uri(route)
                let anonymous = try await Self.call(client, method, uri, token: nil, body: "{}")
                #expect(
                    anonymous.status == (route.roles.isEmpty ? 200 : 401),
                    "\(route.method) \(route.path) without a token: \(anonymous.status)"
                )
                let forged = try await Self.call(client, method, uri, token: "vl_" + String(repeating: "0", count: 64))
                #expect(route.roles.isEmpty || forged.status == 401, "\(route.path) with a forged token")
                for role in Role.allCases {
                    let answer = try await Self.call(client, method, uri, token: world.tokens[role], body: "{}")
                    if route.roles.isEmpty || route.roles.contains(role) {
                        #expect(
                            ![401, 403, 500].contains(answer.status),
                            "\(role.rawValue) \(route.method) \(route.path): \(answer.status) \(answer.body)"
                        )
                    } else {
                        #expect(
                            answer.status == 403,
                            "\(role.rawValue) \(route.method) \(route.path): \(answer.status) \(answer.body)"
                        )
                        #expect(answer.json["error"] as? String != nil)
                    }
                }
            }
        }
    }

    @Test func eachPartySeesAndActsForItsOwnOnly() async throws {
        let world = try World()
        let head = try world.ledger.chainHead()
        let enterprise = world.tokens[.enterprise]
        let provider = world.tokens[.provider]
        try await world.app.test(.router) { client in
            // An enterprise sees its own use, not another's (404, as for one that does not exist).
            let answer1 = try await Self.call(client, .get, "/api/v1/uses/U-A", token: enterprise)
            #expect(answer1.status == 200)
            let others = try await Self.call(client, .get, "/api/v1/uses/U-B", token: enterprise)
            let missing = try await Self.call(client, .get, "/api/v1/uses/U-NONE", token: enterprise)
            #expect(others.status == 404 && missing.status == 404)
            #expect(others.body.replacingOccurrences(of: "U-B", with: "U-NONE") == missing.body)
            // A provider sees the uses with it, and files only those.
            let answer2 = try await Self.call(client, .get, "/api/v1/uses/U-A", token: provider)
            #expect(answer2.status == 200)
            let answer3 = try await Self.call(client, .get, "/api/v1/uses/U-B", token: provider)
            #expect(answer3.status == 404)
            let foreign = try await Self.call(
                client,
                .post,
                "/api/v1/redemptions",
                token: provider,
                body: #"{"ref": "R-X", "uses": ["U-B"], "date": "2022-05-01"}"#
            )
            #expect(foreign.status == 404, "\(foreign.body)")
            let asAnother = try await Self.call(
                client,
                .post,
                "/api/v1/redemptions",
                token: provider,
                body: #"{"ref": "R-X", "provider": "\#(Self.other)", "uses": ["U-A"], "date": "2022-05-01"}"#
            )
            #expect(asAnother.status == 403, "\(asAnother.body)")
            // An enterprise claims and uses for its own applicant only.
            let claimForB = try await Self.call(
                client,
                .post,
                "/api/v1/claims",
                token: enterprise,
                body:
                    #"{"ref": "C-X", "applicant": "\#(Self.b)", "programme": "sh-innovation-voucher", "year": 2023, "requested": "10万"}"#
            )
            #expect(claimForB.status == 403, "\(claimForB.body)")
            let quoteForB = try await Self.call(
                client,
                .post,
                "/api/v1/quotes",
                token: enterprise,
                body:
                    #"{"applicant": "\#(Self.b)", "provider": "\#(Self.lab)", "product": "P1", "programme": "sh-innovation-voucher", "service_amount": "1万", "date": "2022-05-01"}"#
            )
            #expect(quoteForB.status == 403, "\(quoteForB.body)")
            // A city reviewer does not decide at the district's level; a claim that is not there is 404.
            let cityAsDistrict = try await Self.call(
                client,
                .post,
                "/api/v1/claims/C-A/decisions",
                token: world.tokens[.cityReviewer],
                body: #"{"level": "district", "grant": "1万"}"#
            )
            #expect(cityAsDistrict.status == 403, "\(cityAsDistrict.body)")
            let noClaim = try await Self.call(
                client,
                .post,
                "/api/v1/claims/C-NONE/decisions",
                token: world.tokens[.districtReviewer],
                body: #"{"grant": "1万"}"#
            )
            #expect(noClaim.status == 404, "\(noClaim.body)")
            // The auditor reads and verifies, and writes nothing.
            let auditor = world.tokens[.auditor]
            let answer4 = try await Self.call(client, .get, "/api/v1/verify", token: auditor)
            #expect(answer4.status == 200)
            let write = try await Self.call(
                client,
                .post,
                "/api/v1/uses",
                token: auditor,
                body:
                    #"{"ref": "U-X", "applicant": "\#(Self.a)", "provider": "\#(Self.lab)", "product": "P1", "programme": "sh-innovation-voucher", "service_amount": "1万"}"#
            )
            #expect(write.status == 403)
        }
        // Nothing above was recorded.
        #expect(try world.ledger.chainHead() == head)
    }

    @Test func theWorkflowRecordsEachEventByTheSignedInUserOnceUnderItsKey() async throws {
        let world = try World()
        let tokens = world.tokens
        try await world.app.test(.router) { client in
            let use =
                #"{"ref": "U-A2", "provider": "\#(Self.lab)", "product": "P1", "programme": "sh-innovation-voucher", "service_amount": "4万", "date": "2022-05-02"}"#
            let first = try await Self.call(client, .post, "/api/v1/uses", token: tokens[.enterprise], body: use)
            #expect(first.status == 201, "\(first.body)")
            #expect(first.json["amount"] as? String == "20000.00")
            let again = try await Self.call(client, .post, "/api/v1/uses", token: tokens[.enterprise], body: use)
            #expect(again.status == 200 && again.json["replayed"] as? Bool == true)
            #expect(again.json["event"] as? Int == first.json["event"] as? Int)
            let changed = try await Self.call(
                client,
                .post,
                "/api/v1/uses",
                token: tokens[.enterprise],
                body: use.replacingOccurrences(of: "4万", with: "5万")
            )
            #expect(changed.status == 409, "\(changed.body)")
            // A rule's refusal: more than the quota left, in the rule's words.
            let tooMuch = try await Self.call(
                client,
                .post,
                "/api/v1/claims/C-A/decisions",
                token: tokens[.districtReviewer],
                body: #"{"grant": "40万", "date": "2022-05-03"}"#
            )
            #expect(tooMuch.status == 422, "\(tooMuch.body)")
            // The provider files, finance pays.
            let filed = try await Self.call(
                client,
                .post,
                "/api/v1/redemptions",
                token: tokens[.provider],
                body: #"{"ref": "R-1", "uses": ["U-A", "U-A2"], "date": "2022-06-01"}"#
            )
            #expect(filed.status == 201, "\(filed.body)")
            let paid = try await Self.call(
                client,
                .post,
                "/api/v1/redemptions/R-1/settlements",
                token: tokens[.finance],
                body: #"{"use": "U-A2", "outcome": "paid", "date": "2022-06-10"}"#
            )
            #expect(paid.status == 201 && paid.json["amount"] as? String == "20000.00", "\(paid.body)")
            let unknownField = try await Self.call(
                client,
                .post,
                "/api/v1/redemptions/R-1/settlements",
                token: tokens[.finance],
                body: #"{"use": "U-A", "outcome": "paid", "amonut": "1"}"#
            )
            #expect(unknownField.status == 422 && unknownField.body.contains("amonut"), "\(unknownField.body)")
            let report = try await Self.call(
                client,
                .get,
                "/api/v1/reports/sh-innovation-voucher/2022",
                token: tokens[.auditor]
            )
            #expect(report.status == 200 && report.json["uses"] as? Int == 3, "\(report.body.prefix(300))")
            let answer5 = try await Self.call(client, .get, "/api/v1/reports/nope/2022", token: tokens[.auditor])
            #expect(answer5.status == 404)
            // A path no route matches is counted too, by the route that answers it: a page saying
            // so; under /api/v1, a JSON refusal saying where the routes are.
            let nowhere = try await Self.call(client, .get, "/no/such/page", token: nil)
            #expect(nowhere.status == 404 && nowhere.body.contains("<main>"), "\(nowhere.body)")
            // Whatever the path's shape: no route at all, the start of one, a route's path with a
            // method it does not take, another version, a path below the metrics.
            for path in ["/api/v1/nope", "/api/v1/claims/C-1", "/api/v1/me", "/api/v2/claims", "/api/x"] {
                let noRoute = try await Self.call(client, .post, path, token: tokens[.auditor], body: "{}")
                #expect(
                    noRoute.status == 404
                        && noRoute.json["error"] as? String == "no route POST \(path); /api/v1/openapi.yaml lists them",
                    "\(path): \(noRoute.body)"
                )
            }
            let belowMetrics = try await Self.call(client, .get, "/metrics/x", token: nil)
            #expect(belowMetrics.status == 404 && belowMetrics.body.contains("<main>"), "\(belowMetrics.body)")
            // The metrics count the requests by route and status, and the events by kind.
            let metrics = try await Self.call(client, .get, "/metrics", token: nil)
            #expect(
                metrics.body.contains(#"voucher_http_requests_total{method="GET",route="NotFound",status="404"} 2"#)
                    && metrics.body.contains(
                        #"voucher_http_requests_total{method="POST",route="NotFound",status="404"} 5"#
                    ),
                "\(metrics.body.prefix(3000))"
            )
            #expect(metrics.status == 200)
            #expect(
                metrics.body.contains(
                    #"voucher_http_requests_total{method="POST",route="/api/v1/uses",status="201"} 1"#
                ),
                "\(metrics.body.prefix(2000))"
            )
            #expect(metrics.body.contains(#"voucher_ledger_events_recorded_total{kind="use"} 1"#))
            #expect(metrics.body.contains(#"voucher_ledger_events_replayed_total{kind="use"} 1"#))
            #expect(metrics.body.contains("voucher_http_request_duration_seconds_bucket"))
            #expect(!metrics.body.contains("U-A2"))
        }
        // Each event's actor is the user who sent it.
        let actors = try world.ledger.rawRead { db in
            try String.fetchAll(
                db,
                sql:
                    "SELECT actor FROM event WHERE kind IN ('use', 'redemption-filed', 'redemption-settled') ORDER BY seq"
            )
        }
        #expect(actors.suffix(3) == ["user-enterprise", "user-provider", "user-finance"])
        #expect(try world.ledger.verify(against: nil).isValid)
    }

    @Test func malformedLargeOrOddRequestsAreAnsweredPlainly() async throws {
        let world = try World()
        let head = try world.ledger.chainHead()
        try await world.app.test(.router) { client in
            let finance = world.tokens[.finance]
            let malformed = try await Self.call(client, .post, "/api/v1/quotes", token: finance, body: "{not json")
            #expect(malformed.status == 422 && malformed.body.contains("not a JSON object"), "\(malformed.body)")
            let huge = try await Self.call(
                client,
                .post,
                "/api/v1/quotes",
                token: finance,
                body: "{\"product\": \"" + String(repeating: "x", count: (1 << 20) + 10) + "\"}"
            )
            #expect(huge.status == 413, "\(huge.status) \(huge.body.prefix(200))")
            // An admin acts for no party: it names the applicant.
            let noApplicant = try await Self.call(
                client,
                .post,
                "/api/v1/uses",
                token: world.tokens[.admin],
                body:
                    #"{"ref": "U-Z", "provider": "\#(Self.lab)", "product": "P1", "programme": "sh-innovation-voucher", "service_amount": "1万"}"#
            )
            #expect(
                noApplicant.status == 422 && noApplicant.body.contains("applicant: required"),
                "\(noApplicant.body)"
            )
            // The scheme's name in any case; a reference percent-encoded in the path.
            var headers: HTTPFields = [:]
            headers[.authorization] = "bearer \(world.tokens[.auditor] ?? "")"
            let lower = try await client.execute(uri: "/api/v1/uses/U%2DA", method: .get, headers: headers) {
                Int($0.status.code)
            }
            #expect(lower == 200)
        }
        #expect(try world.ledger.chainHead() == head)
    }

    @Test func anIdempotencyKeyIsTheSendersOwnAndRecordsOnce() async throws {
        let world = try World()
        try await world.app.test(.router) { client in
            let claim =
                #"{"ref": "C-A23", "programme": "sh-innovation-voucher", "year": 2023, "requested": "5万", "date": "2023-01-10"}"#
            let first = try await Self.call(
                client,
                .post,
                "/api/v1/claims",
                token: world.tokens[.enterprise],
                body: claim,
                key: "k-1"
            )
            #expect(first.status == 201, "\(first.body)")
            let retried = try await Self.call(
                client,
                .post,
                "/api/v1/claims",
                token: world.tokens[.enterprise],
                body: claim,
                key: "k-1"
            )
            #expect(retried.status == 200 && retried.json["event"] as? Int == first.json["event"] as? Int)
            // The admin's k-1 is not the enterprise's: its claim for B is recorded, not a conflict.
            let other = try await Self.call(
                client,
                .post,
                "/api/v1/claims",
                token: world.tokens[.admin],
                body: claim.replacingOccurrences(of: "C-A23", with: "C-B23").replacingOccurrences(
                    of: "\"programme\"",
                    with: "\"applicant\": \"\(Self.b)\", \"programme\""
                ),
                key: "k-1"
            )
            #expect(other.status == 201, "\(other.body)")
            // The same key with other content: 409, without another party's event number.
            let changed = try await Self.call(
                client,
                .post,
                "/api/v1/claims",
                token: world.tokens[.enterprise],
                body: claim.replacingOccurrences(of: "5万", with: "6万"),
                key: "k-1"
            )
            #expect(changed.status == 409 && !changed.body.contains("event"), "\(changed.body)")
            // A rejection's reason is `reject`: `reason` beside it is refused, and nothing recorded.
            let both = try await Self.call(
                client,
                .post,
                "/api/v1/claims/C-A23/decisions",
                token: world.tokens[.districtReviewer],
                body: #"{"reject": "材料不全", "reason": "x", "date": "2023-01-20"}"#
            )
            #expect(both.status == 422 && both.body.contains("reason goes with grant"), "\(both.body)")
            // A decision is the signed-in reviewer's: the reviewer and the actor are the user. A
            // grant's reason is recorded with it.
            let decided = try await Self.call(
                client,
                .post,
                "/api/v1/claims/C-A23/decisions",
                token: world.tokens[.districtReviewer],
                body: #"{"grant": "5万", "reason": "按目录核定", "date": "2023-01-20"}"#
            )
            #expect(decided.status == 201, "\(decided.body)")
            #expect(
                (decided.json["explanation_en"] as? [String])?.last
                    == "granted 50,000.00 by user-district-reviewer (district)"
            )
        }
        let actor = try world.ledger.rawRead { db in
            try String.fetchOne(db, sql: "SELECT actor FROM event WHERE kind = 'decision' ORDER BY seq DESC LIMIT 1")
        }
        #expect(actor == "user-district-reviewer")
        let reasons = try world.ledger.rawRead { db in
            try String.fetchAll(db, sql: "SELECT outcome || ':' || reason FROM decision WHERE reason IS NOT NULL")
        }
        #expect(reasons == ["granted:按目录核定"])
    }

    @Test func financeRecoversAndTheAuditorTakesADossier() async throws {
        let world = try World()
        try await world.app.test(.router) { client in
            let finance = world.tokens[.finance]
            let filed = try await Self.call(
                client,
                .post,
                "/api/v1/redemptions",
                token: world.tokens[.provider],
                body: #"{"ref": "R-1", "uses": ["U-A"], "date": "2022-06-01"}"#
            )
            #expect(filed.status == 201)
            let paid = try await Self.call(
                client,
                .post,
                "/api/v1/redemptions/R-1/settlements",
                token: finance,
                body: #"{"use": "U-A", "outcome": "paid", "date": "2022-06-10"}"#
            )
            #expect(paid.status == 201)
            let keyless = try await Self.call(
                client,
                .post,
                "/api/v1/uses/U-A/recoveries",
                token: finance,
                body: #"{"amount": "2,000", "reason": "x"}"#
            )
            #expect(keyless.status == 422 && keyless.body.contains("Idempotency-Key"), "\(keyless.body)")
            let owed = try await Self.call(
                client,
                .post,
                "/api/v1/uses/U-A/recoveries",
                token: finance,
                body: #"{"amount": "2,000", "reason": "重复申报", "date": "2022-07-01"}"#,
                key: "recovery-1"
            )
            #expect(owed.status == 201 && owed.json["kind"] as? String == "recovery", "\(owed.body)")
            let received = try await Self.call(
                client,
                .post,
                "/api/v1/uses/U-A/receipts",
                token: finance,
                body: #"{"amount": "2,000", "date": "2022-07-05"}"#,
                key: "receipt-1"
            )
            #expect(received.status == 201 && received.json["kind"] as? String == "recovery-received")
            let noUse = try await Self.call(
                client,
                .post,
                "/api/v1/uses/U-NONE/receipts",
                token: finance,
                body: #"{"amount": "1"}"#,
                key: "r-2"
            )
            #expect(noUse.status == 404, "\(noUse.body)")
            // A mistaken receipt reversed by the office, with the reason.
            let event = try #require(received.json["event"] as? Int)
            let reversed = try await Self.call(
                client,
                .post,
                "/api/v1/events/\(event)/reversals",
                token: world.tokens[.admin],
                body: #"{"reason": "录入错误", "date": "2022-07-06"}"#
            )
            #expect(reversed.status == 201 && reversed.json["kind"] as? String == "reversal", "\(reversed.body)")
            // The auditor's dossier of A holds the recovery and the reversal.
            var headers: HTTPFields = [:]
            headers[.authorization] = "Bearer \(world.tokens[.auditor] ?? "")"
            let zip = try await client.execute(
                uri: "/api/v1/applicants/\(Self.a)/dossier",
                method: .get,
                headers: headers
            ) {
                ($0.status.code, $0.headers[.contentType], Data(buffer: $0.body))
            }
            #expect(zip.0 == 200 && zip.1 == "application/zip")
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("dossier-\(UUID().uuidString).zip")
            defer { try? FileManager.default.removeItem(at: url) }
            try zip.2.write(to: url)
            let files = try Dossier.files(inArchiveAt: url)
            let recoveries = String(decoding: try #require(files["recoveries.csv"]), as: UTF8.self)
            #expect(recoveries.contains("重复申报") && recoveries.contains("received"), "\(recoveries)")
            let reversals = String(decoding: try #require(files["reversals.csv"]), as: UTF8.self)
            #expect(reversals.contains("录入错误"))
        }
    }

    @Test func usesSentTogetherAreCommittedTogetherEachWithItsOwnAnswer() async throws {
        let world = try World()
        let before = try world.ledger.chainHead().events
        try await world.app.test(.router) { client in
            let token = world.tokens[.admin]
            // 40 uses of A's quota at once: 30 good ones (1,000 each), 5 of a product the provider
            // does not sell, 5 repeating another's reference with other content (whichever comes
            // second of the two is refused).
            let answers = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
                for index in 0..<40 {
                    group.addTask {
                        let product = index % 8 == 7 ? "P2" : "P1"
                        let ref = index % 8 == 6 ? "U-G\(index - 1)" : "U-G\(index)"
                        let amount = "2,000"
                        let body =
                            #"{"ref": "\#(ref)", "applicant": "\#(Self.a)", "provider": "\#(Self.lab)", "product": "\#(product)", "programme": "sh-innovation-voucher", "service_amount": "\#(amount)", "date": "2022-05-0\#(index % 8 == 6 ? 2 : 1)"}"#
                        let answer = try await Self.call(client, .post, "/api/v1/uses", token: token, body: body)
                        return (index, answer.status)
                    }
                }
                var all: [Int: Int] = [:]
                for try await (index, status) in group { all[index] = status }
                return all
            }
            for (index, status) in answers {
                switch index % 8 {
                case 7: #expect(status == 422, "use \(index): \(status)")
                case 5, 6: #expect([201, 409].contains(status), "use \(index): \(status)")
                default: #expect(status == 201, "use \(index): \(status)")
                }
            }
            for pair in stride(from: 5, to: 40, by: 8) {
                #expect(Set([answers[pair], answers[pair + 1]]) == [201, 409], "uses \(pair), \(pair + 1)")
            }
            // Some commit held more than one use: fewer commits than uses.
            let metrics = try await Self.call(client, .get, "/metrics", token: nil)
            let commits = metrics.body.split(separator: "\n").first {
                $0.hasPrefix("voucher_ledger_group_commit_uses_count")
            }
            let count = commits.flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0
            #expect(count >= 1 && count < 40, "\(commits ?? "no group commits")")
            // Each of those commits timed, and the wait of its longest-waiting use, once a group.
            for name in ["voucher_ledger_group_commit_duration_seconds", "voucher_ledger_group_wait_seconds"] {
                let timed = metrics.body.split(separator: "\n").first { $0.hasPrefix("\(name)_count") }
                #expect(timed.flatMap { Int($0.split(separator: " ").last ?? "") } == count, "\(name): \(metrics.body)")
            }
        }
        // The 30 good uses and nothing else, and the ledger verifies (its kept totals included).
        #expect(try world.ledger.chainHead().events == before + 30)
        #expect(try world.ledger.verify(against: nil).isValid)
    }

    @Test func anAdminRegistersPartiesAndProductsAsTheCommandLineDoes() async throws {
        let world = try World()
        let admin = world.tokens[.admin]
        try await world.app.test(.router) { client in
            let applicant =
                #"{"id": "91310110MA1G8PJN4G", "name": "乙联合创新有限公司", "kind": "enterprise", "district": "杨浦区", "region": "shanghai", "attributes": ["jic-member"], "date": "2022-02-01"}"#
            let first = try await Self.call(client, .post, "/api/v1/applicants", token: admin, body: applicant)
            #expect(first.status == 201, "\(first.body)")
            let again = try await Self.call(client, .post, "/api/v1/applicants", token: admin, body: applicant)
            #expect(again.status == 200 && again.json["event"] as? Int == first.json["event"] as? Int)
            let badCode = try await Self.call(
                client,
                .post,
                "/api/v1/applicants",
                token: admin,
                body: #"{"id": "91310110MA1G8PJN4X", "name": "丙", "kind": "enterprise"}"#
            )
            #expect(badCode.status == 422 && badCode.body.contains("id"), "\(badCode.body)")
            let provider = try await Self.call(
                client,
                .post,
                "/api/v1/providers",
                token: admin,
                body: #"{"id": "91320000007000031H", "name": "苏州检测院", "region": "jiangsu"}"#
            )
            #expect(provider.status == 201, "\(provider.body)")
            let product = try await Self.call(
                client,
                .post,
                "/api/v1/products",
                token: admin,
                body:
                    #"{"code": "SZ-1", "provider": "91320000007000031H", "name": "电磁兼容检测", "category": "testing", "list_price": "8万"}"#
            )
            #expect(product.status == 201, "\(product.body)")
            let reviewer = try await Self.call(
                client,
                .post,
                "/api/v1/products",
                token: world.tokens[.districtReviewer],
                body: "{}"
            )
            #expect(reviewer.status == 403)
        }
        #expect(try world.ledger.applicant("91310110MA1G8PJN4G").attributes == ["jic-member"])
    }

    @Test func aWhatIfReplaysTheYearUnderAReformWritingNothing() async throws {
        let world = try World()
        let head = try world.ledger.chainHead()
        let own = try #require(try world.ledger.policyFile(try ProgrammeID("sh-innovation-voucher")))
        let reform = own.replacingOccurrences(of: "50%", with: "40%")
        #expect(reform != own)
        try await world.app.test(.router) { client in
            let body = String(
                decoding: try JSONSerialization.data(
                    withJSONObject: ["programme": "sh-innovation-voucher", "year": 2022, "policies": [reform]]
                        as [String: Any]
                ),
                as: UTF8.self
            )
            let answer = try await Self.call(client, .post, "/api/v1/whatif", token: world.tokens[.auditor], body: body)
            #expect(answer.status == 200, "\(answer.body.prefix(300))")
            // Two uses of 20,000: 10,000 each at 50%, 8,000 at 40%.
            let baseline = answer.json["baseline"] as? [String: Any]
            let reformed = (answer.json["reform"] as? [String: Any])?["figures"] as? [String: Any]
            #expect(baseline?["used"] as? String == "20000.00", "\(answer.body.prefix(400))")
            #expect(reformed?["used"] as? String == "16000.00", "\(answer.body.prefix(400))")
            let noYear = try await Self.call(
                client,
                .post,
                "/api/v1/whatif",
                token: world.tokens[.auditor],
                body: body.replacingOccurrences(of: "2022", with: "2019")
            )
            #expect(noYear.status == 422 && noYear.body.contains("no claim for 2019"), "\(noYear.body)")
            let enterprise = try await Self.call(
                client,
                .post,
                "/api/v1/whatif",
                token: world.tokens[.enterprise],
                body: body
            )
            #expect(enterprise.status == 403)
        }
        #expect(try world.ledger.chainHead() == head)
    }

    @Test func aRevokedTokenNoLongerSignsIn() async throws {
        let world = try World()
        try world.accounts.revokeTokens(of: "user-auditor", by: "admin")
        try await world.app.test(.router) { client in
            let answer6 = try await Self.call(client, .get, "/api/v1/me", token: world.tokens[.auditor])
            #expect(answer6.status == 401)
            let answer7 = try await Self.call(client, .get, "/api/v1/me", token: world.tokens[.finance])
            #expect(answer7.status == 200)
        }
        let changes = try world.accounts.changes().map(\.change)
        #expect(changes.last == "API tokens revoked, sessions ended" && changes.contains("API token issued"))
    }

    @Test func theOpenAPIDocumentListsExactlyTheRoutes() throws {
        let document = try #require(try Yams.load(yaml: OpenAPI.document) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: Any])
        var documented: Set<String> = []
        for (path, value) in paths {
            for method in (value as? [String: Any] ?? [:]).keys { documented.insert("\(method.uppercased()) \(path)") }
        }
        #expect(documented == Set(API.routes.map { "\($0.method) \($0.path)" }))
    }

    @Test func accountsRefuseWhatWouldBeAmbiguousOrWeak() throws {
        let accounts = try Accounts.open(at: ":memory:")
        #expect(throws: AccountError.self) { try accounts.addUser(name: "e", role: .enterprise, by: "t") }
        #expect(throws: AccountError.self) {
            try accounts.addUser(name: "r", role: .districtReviewer, applicant: Self.a, by: "t")
        }
        #expect(throws: AccountError.self) {
            try accounts.addUser(name: "p", role: .finance, password: "short", by: "t")
        }
        try accounts.addUser(name: "Wang", role: .finance, password: "a long enough secret", by: "t")
        #expect(throws: AccountError.self) { try accounts.addUser(name: "wang", role: .auditor, by: "t") }
        #expect(try accounts.user(named: "Wang", password: "a long enough secret")?.role == .finance)
        #expect(try accounts.user(named: "Wang", password: "a long enough secreT") == nil)
        #expect(try accounts.user(named: "Nobody", password: "a long enough secret") == nil)
    }
}
