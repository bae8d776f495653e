import Foundation
import Testing

/// The console's main flows in a real browser: Debian's Chromium, driven by Python Playwright
/// (`.ci/run` installs both), against `voucher serve` on a prepared ledger; then the server is
/// stopped with SIGTERM, and the ledger holds each step, recorded by its user, and verifies.
@Suite struct BrowserTests {
    typealias CLI = CommandLineTests
    static let password = "correct horse battery"
    static let applicant = "91350100M000100Y43"
    static let provider = "911101066976941872"

    /// A Python with Playwright, and Chromium, if this machine has them.
    static let python: String? =
        FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium")
        ? XLSXCLITests.python(importing: "playwright.sync_api") : nil

    /// CI sets it: there, a missing browser fails the test instead of skipping it.
    static let required = ProcessInfo.processInfo.environment["VOUCHER_REQUIRE_BROWSER"] == "1"

    @Test(.enabled(if: python != nil || required, "needs Chromium and Python Playwright: bash .ci/run installs them"))
    func theMainFlowsWorkInABrowser() throws {
        let python = try #require(Self.python, "VOUCHER_REQUIRE_BROWSER is set, and Chromium or Playwright is missing")
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let run = { (arguments: [String]) in
            try CLI.voucher(arguments + ["--db", "l.sqlite"], in: directory, environment: ["VOUCHER_ACTOR": "setup"])
        }
        for arguments in [
            [
                "register", "applicant", "--id", Self.applicant, "--name", "甲科技有限公司", "--kind", "enterprise",
                "--district", "杨浦区", "--date", "2022-01-05",
            ],
            [
                "register", "provider", "--id", Self.provider, "--name", "测试中心", "--region", "shanghai", "--date",
                "2022-01-05",
            ],
            [
                "register", "product", "--code", "P1", "--provider", Self.provider, "--name", "检测", "--category",
                "testing", "--list-price", "5万", "--date", "2022-01-05",
            ],
            [
                "claim", "--ref", "C-1", "--applicant", Self.applicant, "--programme", "sh-innovation-voucher",
                "--year",
                "2022", "--requested", "10万", "--date", "2022-02-01",
            ],
            ["decide", "--claim", "C-1", "--grant", "10万", "--reviewer", "setup", "--date", "2022-02-02"],
            [
                "use", "--ref", "U-1", "--applicant", Self.applicant, "--provider", Self.provider, "--product", "P1",
                "--programme", "sh-innovation-voucher", "--service-amount", "2万", "--date", "2022-03-01",
            ],
            [
                "claim", "--ref", "C-2", "--applicant", Self.applicant, "--programme", "sh-innovation-voucher",
                "--year",
                "2023", "--requested", "10万", "--date", "2023-02-01",
            ],
        ] {
            let result = try run(arguments)
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
        }
        for (name, role, party) in [
            ("甲企业", "enterprise", ["--applicant", Self.applicant]),
            ("测试中心", "provider", ["--provider", Self.provider]),
            ("王丽", "district-reviewer", []), ("张强", "city-reviewer", []), ("财务", "finance", []), ("审计", "auditor", []),
            ("管理员", "admin", []),
        ] {
            let command =
                ([CLI.binary.path, "user", "add", "--db", "l.sqlite", "--name", name, "--role", role] + party)
                .map { "'\($0)'" }.joined(separator: " ")
            let added = try XLSXCLITests.run(
                "/bin/sh",
                ["-c", "printf '%s\\n' '\(Self.password)' | VOUCHER_ACTOR=setup \(command) --password-stdin"],
                in: directory
            )
            #expect(added.status == 0, "\(name): \(added.stderr)")
        }
        // Below Linux's ephemeral ports (32768 up), which another connection may hold.
        let port = Int.random(in: 20_000..<32_768)
        let server = Process()
        server.executableURL = CLI.binary
        server.arguments = ["serve", "--db", "l.sqlite", "--listen", "127.0.0.1:\(port)"]
        server.currentDirectoryURL = directory
        server.standardOutput = FileHandle.nullDevice
        let logFile = directory.appendingPathComponent("serve.log")
        #expect(FileManager.default.createFile(atPath: logFile.path, contents: nil))
        server.standardError = try FileHandle(forWritingTo: logFile)
        try server.run()
        defer { if server.isRunning { server.terminate() } }
        // Screenshots go to VOUCHER_SCREENSHOTS when it is set (docs/console/ keeps one run's).
        let shots =
            ProcessInfo.processInfo.environment["VOUCHER_SCREENSHOTS"] ?? directory.appendingPathComponent("shots").path
        let flows = CLI.root.appendingPathComponent("Tests/Browser/console_flows.py").path
        let browser = try XLSXCLITests.run(
            python,
            [flows, "http://127.0.0.1:\(port)", shots, Self.password, Self.provider]
        )
        #expect(browser.status == 0, "\(browser.stdout)\n\(browser.stderr)")
        #expect(browser.stdout.contains("15 screenshots"), "\(browser.stdout)")
        // SIGTERM: the server finishes and exits cleanly.
        server.terminate()
        server.waitUntilExit()
        #expect(server.terminationReason == .exit && server.terminationStatus == 0)
        let logged = try String(contentsOf: logFile, encoding: .utf8)
        #expect(logged.contains("path=/console/claims"), "\(logged.prefix(500))")
        #expect(!logged.contains(Self.password) && !logged.contains("vs_") && !logged.contains("vl_"))
        // Each step is in the ledger, recorded by the user who took it; the ledger verifies.
        let actors = try XLSXCLITests.run(
            "/usr/bin/env",
            [
                "sqlite3", "l.sqlite",
                "SELECT kind || ':' || actor FROM event WHERE actor <> 'setup' AND kind NOT IN ('programme') ORDER BY seq",
            ],
            in: directory
        )
        #expect(
            actors.stdout.split(separator: "\n") == [
                "claim:甲企业", "redemption-filed:测试中心", "decision:王丽", "decision:张强", "redemption-settled:财务",
                "recovery:财务", "provider:管理员", "budget:管理员",
            ],
            "\(actors.stdout) \(actors.stderr)"
        )
        #expect(try run(["verify"]).status == 0)
    }
}
