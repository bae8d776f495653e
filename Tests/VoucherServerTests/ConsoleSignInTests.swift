import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import VoucherServer

/// Signing in and staying signed in: the form's origin and CSRF, the cookie's attributes,
/// sessions ended by a revocation, and guesses slowed down by name and by address.
extension ConsoleTests {
    @Test func signingInChecksTheFormsOriginAndSetsAStrictHttpOnlyCookie() async throws {
        let world = try World()
        try await world.app.test(.router) { client in
            let login = try await Self.get(client, "/console/login")
            #expect(login.status == 200 && login.body.contains(#"type="password""#))
            let loginCookie = try #require(Self.cookie(login, Console.loginCookie))
            let token = try #require(Self.csrf(login.body))
            // A form from elsewhere carries no matching token.
            let forged = try await Self.post(
                client,
                "/console/login",
                cookies: "",
                form: [("csrf", token), ("name", "user-admin"), ("password", World.password)]
            )
            #expect(forged.status == 403 && Self.cookie(forged, Console.sessionCookie) == nil)
            let wrong = try await Self.post(
                client,
                "/console/login",
                cookies: loginCookie,
                form: [("csrf", token), ("name", "user-admin"), ("password", "not the password")]
            )
            #expect(wrong.status == 401 && Self.cookie(wrong, Console.sessionCookie) == nil)
            let right = try await Self.post(
                client,
                "/console/login",
                cookies: loginCookie,
                form: [("csrf", token), ("name", "user-admin"), ("password", World.password)]
            )
            #expect(right.status == 303 && right.headers[.location] == "/console")
            let setCookie = try #require(right.headers[values: .setCookie].first { $0.hasPrefix("vl_session=") })
            #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict"), "\(setCookie)")
            // A forged session is not signed in.
            let forgedSession = try await Self.get(
                client,
                "/console",
                cookies: "vl_session=vs_" + String(repeating: "1", count: 64)
            )
            #expect(forgedSession.status == 303 && forgedSession.headers[.location] == "/console/login")
        }
    }

    /// Behind an HTTPS proxy (`voucher serve --secure-cookies`) the sign-in and session cookies
    /// are marked Secure; by default (plain HTTP on loopback) they are not.
    /// Signing out ends the session and leads to the sign-in page in the session's language.
    @Test func signingOutLeadsToTheSignInPageInTheSessionsLanguage() async throws {
        let world = try World()
        try await world.app.test(.router) { client in
            for (language, location) in [("en", "/console/login?lang=en"), ("zh", "/console/login")] {
                let (cookie, csrf) = try await ConsoleTests.signIn(client, .auditor, language: language)
                let out = try await ConsoleTests.post(
                    client,
                    "/console/logout",
                    cookies: cookie,
                    form: [("csrf", csrf)]
                )
                #expect(out.status == 303 && out.headers[.location] == location, "\(language): \(out.headers)")
                let after = try await ConsoleTests.get(client, "/console", cookies: cookie)
                #expect(after.status == 303 && after.headers[.location] == "/console/login", "\(after.status)")
            }
            let english = try await ConsoleTests.get(client, "/console/login?lang=en")
            #expect(english.body.contains("Sign in"))
        }
    }

    @Test func cookiesAreSecureWhenTheServiceIsBehindHTTPS() async throws {
        let world = try World()
        let secure = Application(
            router: try API(ledger: world.ledger, accounts: world.accounts).router(secureCookies: true)
        )
        for (app, expected) in [(world.app, false), (secure, true)]
            as [(Application<RouterResponder<APIContext>>, Bool)]
        {
            try await app.test(.router) { client in
                let login = try await Self.get(client, "/console/login")
                let loginCookie = try #require(login.headers[values: .setCookie].first)
                #expect(loginCookie.contains("; Secure") == expected, "\(loginCookie)")
                let token = try #require(Self.csrf(login.body))
                let signedIn = try await Self.post(
                    client,
                    "/console/login",
                    cookies: try #require(Self.cookie(login, Console.loginCookie)),
                    form: [("csrf", token), ("name", "user-admin"), ("password", World.password)]
                )
                let session = try #require(signedIn.headers[values: .setCookie].first { $0.hasPrefix("vl_session=") })
                #expect(session.contains("; Secure") == expected, "\(session)")
            }
        }
    }

    @Test func revokingAUserEndsTheirSessions() async throws {
        let world = try World()
        try await world.app.test(.router) { client in
            let (cookie, _) = try await Self.signIn(client, .auditor)
            #expect(try await Self.get(client, "/console/verify", cookies: cookie).status == 200)
            try world.accounts.revokeTokens(of: "user-auditor", by: "admin")
            let after = try await Self.get(client, "/console/verify", cookies: cookie)
            #expect(after.status == 303 && after.headers[.location] == "/console/login")
        }
    }

    @Test func repeatedFailuresAreSlowedDown() async throws {
        let world = try World()
        try await world.app.test(.router) { client in
            let login = try await Self.get(client, "/console/login")
            let loginCookie = try #require(Self.cookie(login, Console.loginCookie))
            let token = try #require(Self.csrf(login.body))
            var times: [Duration] = []
            for _ in 0..<5 {
                let start = ContinuousClock.now
                let answer = try await Self.post(
                    client,
                    "/console/login",
                    cookies: loginCookie,
                    form: [("csrf", token), ("name", "user-finance"), ("password", "guess")]
                )
                #expect(answer.status == 401)
                times.append(ContinuousClock.now - start)
            }
            // The world's step is 50 ms: the fourth waits one step, the fifth two.
            #expect(times[3] >= .milliseconds(50) && times[4] >= .milliseconds(100), "\(times)")
        }
    }

    /// One password guessed across many names from one address: from the tenth attempt that did
    /// not succeed each waits a step more, whatever the name; another address does not wait, and
    /// a success takes one attempt off the address's count.
    @Test func guessesFromOneAddressAcrossNamesAreSlowedDown() async {
        let throttle = LoginThrottle(step: .milliseconds(10))
        var waits: [Duration] = []
        for index in 0..<12 { waits.append(await throttle.attempt("name-\(index)", from: "192.0.2.7")) }
        #expect(waits.prefix(9).allSatisfy { $0 == .zero }, "\(waits)")
        #expect(waits[9] == .milliseconds(10) && waits[10] == .milliseconds(20) && waits[11] == .milliseconds(30))
        #expect(await throttle.attempt("name-0", from: "198.51.100.1") == .zero)
        await throttle.succeeded("name-12", from: "192.0.2.7")
        #expect(await throttle.attempt("name-13", from: "192.0.2.7") == .milliseconds(30))
        // Without an address (the in-process tests), only the name counts.
        #expect(await throttle.attempt("name-14") == .zero)

        // Signing in to an account one holds after each guess does not make room for more.
        let other = LoginThrottle(step: .milliseconds(10))
        for index in 0..<9 {
            _ = await other.attempt("guess-\(index)", from: "203.0.113.5")
            await other.failed(from: "203.0.113.5")
            _ = await other.attempt("mine", from: "203.0.113.5")
            await other.succeeded("mine", from: "203.0.113.5")
        }
        #expect(await other.attempt("guess-9", from: "203.0.113.5") == .milliseconds(10))
    }

    /// Behind a proxy on this machine the client is the last X-Forwarded-For address; from
    /// elsewhere the header is not believed; an IPv6 client is counted by its /64.
    @Test func theThrottleCountsTheClientNotTheProxy() {
        #expect(LoginThrottle.address(peer: "127.0.0.1", forwardedFor: "10.1.1.1, 198.51.100.9") == "198.51.100.9")
        #expect(LoginThrottle.address(peer: "192.0.2.1", forwardedFor: "198.51.100.9") == "192.0.2.1")
        #expect(LoginThrottle.address(peer: "127.0.0.1", forwardedFor: nil) == "127.0.0.1")
        let one = LoginThrottle.address(peer: "2001:db8:1:2::1", forwardedFor: nil)
        #expect(one == LoginThrottle.address(peer: "2001:db8:1:2:ffff::9", forwardedFor: nil))
        #expect(one != LoginThrottle.address(peer: "2001:db8:1:3::1", forwardedFor: nil))
    }
}
