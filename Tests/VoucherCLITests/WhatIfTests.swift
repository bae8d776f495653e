import Foundation
import Testing

/// `voucher whatif` on the demo ledger, worked by hand. The demo's Shanghai 2022 year: five
/// enterprises, quotas of 100,000 / 60,000 / 50,000 / 40,000 / 40,000, seven uses, each paid in
/// full:
///
/// | use | applicant | service | at 50% | recorded |
/// | --- | --- | ---: | ---: | ---: |
/// | U01 | 001 | 150,000 | 75,000 | 75,000 |
/// | U02 | 001 | 100,000 | 50,000 | 25,000 (quota left) |
/// | U03 | 002 | 120,000 | 60,000 | 60,000 |
/// | U04 | 003 | 80,000 | 40,000 | 40,000 |
/// | U05 | 003 | 39,000 | 19,500 | 10,000 (quota left) |
/// | U06 | 004 | 100,000 | 50,000 | 40,000 (quota left) |
/// | U07 | 005 | 100,000 | 50,000 | 40,000 (quota left) |
struct WhatIfTests {
    static func voucher(
        _ arguments: [String],
        _ directory: URL,
        _ environment: [String: String]
    ) throws
        -> CommandLineTests.Result
    {
        try CommandLineTests.voucher(arguments, in: directory, environment: environment)
    }

    /// A directory with the demo ledger and the Shanghai voucher's policy as installed.
    static func demo() throws -> URL {
        let directory = try CommandLineTests.temporaryDirectory()
        #expect(try voucher(["demo"], directory, [:]).status == 0)
        let policy = try voucher(["policy", "show", "sh-innovation-voucher", "--db", "demo.sqlite"], directory, [:])
        try policy.stdout.write(to: directory.appendingPathComponent("own.yaml"), atomically: true, encoding: .utf8)
        return directory
    }

    /// The own policy with one text replaced.
    static func reform(_ directory: URL, name: String, replacing old: String, with new: String) throws {
        let own = try String(contentsOf: directory.appendingPathComponent("own.yaml"), encoding: .utf8)
        #expect(own.contains(old))
        try own.replacingOccurrences(of: old, with: new)
            .write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }

    static func whatif(_ directory: URL, _ arguments: [String]) throws -> [String: Any] {
        let result = try voucher(
            [
                "whatif", "--db", "demo.sqlite", "--programme", "sh-innovation-voucher", "--year", "2022", "--format",
                "json",
            ]
                + arguments,
            directory,
            [:]
        )
        #expect(result.status == 0, "\(result.stderr)")
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
    }

    @Test func aRateOf40PercentOnShanghai2022() throws {
        let directory = try Self.demo()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Self.reform(directory, name: "rate-40.yaml", replacing: "value: 50%", with: "value: 40%")
        let json = try Self.whatif(directory, ["--policy", "rate-40.yaml"])
        let reform = try #require(json["reform"] as? [String: Any])
        let figures = try #require(reform["figures"] as? [String: Any])
        let baseline = try #require(json["baseline"] as? [String: Any])
        // At 40%: U01 60,000, U02 40,000 (the 40,000 left), U03 48,000, U04 32,000, U05 15,600
        // (18,000 left), U06 40,000, U07 40,000 = 275,600, all redeemed; 14,400 stays available.
        #expect(baseline["used"] as? String == "290000.00")
        #expect(figures["used"] as? String == "275600.00")
        #expect(figures["redeemed"] as? String == "275600.00")
        #expect(figures["available"] as? String == "14400.00")
        #expect(figures["claimed"] as? String == "290000.00")
        #expect(figures["uses"] as? Int == 7)
        let difference = try #require(reform["difference"] as? [String: Any])
        #expect(difference["used"] as? String == "-14400.00")
        // 002 loses 12,000 (60,000 → 48,000), 003 loses 2,400 (50,000 → 47,600); 001, 004 and 005
        // are bound by their quotas either way.
        let compared = try #require(reform["applicants_compared"] as? [String: Int])
        #expect(compared == ["gain": 0, "lose": 2, "same": 3])
        let applicants = try #require(reform["applicants"] as? [[String: Any]])
        #expect(applicants.first?["key"] as? String == "91310110005000002M")
        #expect(applicants.first?["difference"] as? String == "-12000.00")
        #expect(applicants.dropFirst().first?["difference"] as? String == "-2400.00")
        #expect((reform["changed_events"] as? [Any])?.isEmpty == true)
        #expect(reform["uses_with_other_amount"] as? Int == 5)
        // The text's table of differences lists the two whose amount changes, not the three whose
        // amount stays; its heading names the reform with a Chinese colon.
        let text = try Self.voucher(
            [
                "whatif", "--db", "demo.sqlite", "--programme", "sh-innovation-voucher", "--year", "2022", "--policy",
                "rate-40.yaml",
            ],
            directory,
            [:]
        )
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("调整后政策：rate-40.yaml"), "\(text.stdout)")
        let differences = try #require(text.stdout.components(separatedBy: "差额最大的企业").last)
        #expect(differences.contains("91310110005000002M") && differences.contains("91310110005000003Q"))
        for unchanged in ["91310110005000001J", "91310110005000004U", "91310110005000005Y"] {
            #expect(!differences.contains(unchanged), "\(differences)")
        }
    }

    @Test func anAnnualCapOf50000OnShanghai2022() throws {
        let directory = try Self.demo()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Self.reform(directory, name: "cap-5wan.yaml", replacing: "value: 30万元", with: "value: 5万元")
        let json = try Self.whatif(directory, ["--policy", "cap-5wan.yaml"])
        let reform = try #require(json["reform"] as? [String: Any])
        let figures = try #require(reform["figures"] as? [String: Any])
        // Grants: 100,000 → 50,000 and 60,000 → 50,000; 50,000 + 50,000 + 50,000 + 40,000 + 40,000
        // = 230,000 claimed. Uses: U01 50,000 (the quota), U02 nothing left (drops out, with its
        // redemption), U03 50,000, U04 40,000, U05 10,000, U06 40,000, U07 40,000 = 230,000.
        #expect(figures["claimed"] as? String == "230000.00")
        #expect(figures["used"] as? String == "230000.00")
        #expect(figures["redeemed"] as? String == "230000.00")
        #expect(figures["available"] as? String == "0.00")
        #expect(figures["uses"] as? Int == 6)
        #expect(figures["service_amount"] as? String == "589000.00")
        let changed = try #require(reform["changed_events"] as? [[String: Any]])
        #expect(changed.map { $0["what"] as? String } == ["grant-capped", "grant-capped", "use-pays-nothing"])
        #expect(changed.map { $0["ref"] as? String } == ["SH22-C01", "SH22-C02", "SH22-U02"])
        #expect(changed.map { $0["reform"] as? String } == ["50000.00", "50000.00", "0.00"])
        #expect(changed.first?["reason"] as? String == "applicant-cap-left")
        // In the Chinese text each change reads in Chinese: the kind, the term that bound, the rule.
        let text = try Self.voucher(
            [
                "whatif", "--db", "demo.sqlite", "--programme", "sh-innovation-voucher", "--year", "2022", "--policy",
                "cap-5wan.yaml",
            ],
            directory,
            [:]
        )
        let changes = try #require(text.stdout.components(separatedBy: "结果改变的事件").last)
        #expect(changes.contains("审核 SH22-C01") && changes.contains("核定额度受调整后政策的上限约束（年度剩余上限）："))
        #expect(changes.contains("用券 SH22-U02") && changes.contains("按调整后政策该次用券不予补贴：25,000.00 → 0.00 — 无可补贴金额"))
        #expect(
            !changes.contains("applicant-cap-left") && !changes.contains(" decision ") && !changes.contains("quota")
        )
    }

    /// Under its own policy the replay reproduces the report of every programme year of the demo,
    /// changes nothing, and leaves the ledger's file as it was.
    @Test func theOwnPolicyReproducesTheDemoAndNothingIsWritten() throws {
        let directory = try Self.demo()
        defer { try? FileManager.default.removeItem(at: directory) }
        let ledger = directory.appendingPathComponent("demo.sqlite")
        let before = try Data(contentsOf: ledger)
        for programme in ["sh-innovation-voucher", "yrd-innovation-voucher"] {
            let policy = try Self.voucher(["policy", "show", programme, "--db", "demo.sqlite"], directory, [:])
            try policy.stdout.write(
                to: directory.appendingPathComponent("\(programme).yaml"),
                atomically: true,
                encoding: .utf8
            )
            let result = try Self.voucher(
                [
                    "whatif", "--db", "demo.sqlite", "--programme", programme, "--year", "2022", "--policy",
                    "\(programme).yaml", "--format", "json",
                ],
                directory,
                [:]
            )
            #expect(result.status == 0, "\(result.stderr)")
            let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
            let report = try Self.voucher(
                ["report", "--db", "demo.sqlite", "--programme", programme, "--year", "2022", "--format", "json"],
                directory,
                [:]
            )
            let published = try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any] ?? [:]
            let reform = try #require(json["reform"] as? [String: Any])
            let figures = try #require(reform["figures"] as? [String: Any])
            for key in [
                "claimed", "service_amount", "used", "redeemed", "awaiting_redemption", "expired", "forfeited",
                "available",
            ] {
                #expect(figures[key] as? String == published[key] as? String, "\(programme) \(key)")
            }
            for key in ["applicants", "enterprises_served", "uses", "providers", "products"] {
                #expect(figures[key] as? Int == published[key] as? Int, "\(programme) \(key)")
            }
            #expect((reform["changed_events"] as? [Any])?.isEmpty == true)
        }
        #expect(try Data(contentsOf: ledger) == before)
    }

    @Test func refusalsSayWhatToFix() throws {
        let directory = try Self.demo()
        defer { try? FileManager.default.removeItem(at: directory) }
        let base = ["whatif", "--db", "demo.sqlite", "--programme", "sh-innovation-voucher", "--year", "2022"]
        let missing = try Self.voucher(base + ["--policy", "nowhere.yaml"], directory, [:])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("nowhere.yaml") && missing.stderr.contains("cannot be read"))
        let grant = try Self.voucher(
            ["policy", "show", "jic-operating-support", "--db", "demo.sqlite"],
            directory,
            [:]
        )
        try grant.stdout.write(to: directory.appendingPathComponent("grant.yaml"), atomically: true, encoding: .utf8)
        let otherKind = try Self.voucher(base + ["--policy", "grant.yaml"], directory, [:])
        #expect(otherKind.status == 1)
        #expect(otherKind.stderr.contains("is a grant programme; sh-innovation-voucher is a voucher programme"))
        try Self.reform(
            directory,
            name: "later.yaml",
            replacing: "effective_from: 2022-01-01",
            with: "effective_from: 2023-01-01"
        )
        let later = try Self.voucher(base + ["--policy", "later.yaml"], directory, [:])
        #expect(later.status == 1)
        #expect(later.stderr.contains("has no version in force in 2022"))
        // A year with no claim, a programme id mistyped, a policy saved in GBK: refused, exit 1.
        let wrongYear = try Self.voucher(
            ["whatif", "--db", "demo.sqlite", "--programme", "sh-innovation-voucher", "--year", "2030"]
                + ["--policy", "later.yaml"],
            directory,
            [:]
        )
        #expect(wrongYear.status == 1)
        #expect(wrongYear.stderr.contains("has no claim for 2030; its years: 2022"))
        let wrongID = try Self.voucher(
            ["whatif", "--db", "demo.sqlite", "--programme", "SH_voucher", "--year", "2022", "--policy", "later.yaml"],
            directory,
            [:]
        )
        #expect(wrongID.status == 1)
        #expect(wrongID.stderr.contains("is not a programme id"))
        #expect(
            wrongID.stderr.contains("\nvoucher: 拒绝：「SH_voucher」不是项目编号；请用小写字母、数字和 -，如 sh-innovation-voucher\n"),
            "\(wrongID.stderr)"
        )
        try Data([0xB2, 0xE2, 0xCA, 0xD4, 0x3A]).write(to: directory.appendingPathComponent("gbk.yaml"))
        let gbk = try Self.voucher(base + ["--policy", "gbk.yaml"], directory, [:])
        #expect(gbk.status == 1)
        #expect(gbk.stderr.contains("is not UTF-8 text"))
        #expect(gbk.stderr.contains("voucher: 拒绝：政策文件「gbk.yaml」：不是 UTF-8 文本；请另存为 UTF-8"), "\(gbk.stderr)")
        let none = try Self.voucher(base, directory, [:])
        #expect(none.status != 0)
        #expect(none.stderr.contains("--policy"))
    }

    /// `quote --policy` quotes under a reform without installing it: the demo's first YRD
    /// enterprise has 147,788.00 of its quota left, so 10,000.00 of testing gets 50% (5,000.00)
    /// under the installed policy and 40% (4,000.00) under the reform.
    @Test func aQuoteUnderAReformInstallsNothing() throws {
        let directory = try Self.demo()
        defer { try? FileManager.default.removeItem(at: directory) }
        let policy = try Self.voucher(
            ["policy", "show", "yrd-innovation-voucher", "--db", "demo.sqlite"],
            directory,
            [:]
        )
        try policy.stdout.replacingOccurrences(of: "value: 50%", with: "value: 40%")
            .write(to: directory.appendingPathComponent("yrd-40.yaml"), atomically: true, encoding: .utf8)
        let ledger = directory.appendingPathComponent("demo.sqlite")
        let before = try Data(contentsOf: ledger)
        let quote = [
            "quote", "--db", "demo.sqlite", "--applicant", "91310110005000001J", "--provider", "12310000007000001F",
            "--product", "P002", "--programme", "yrd-innovation-voucher", "--service-amount", "10000", "--date",
            "2022-06-01", "--format", "json",
        ]
        func amount(_ arguments: [String]) throws -> String? {
            let result = try Self.voucher(arguments, directory, [:])
            #expect(result.status == 0, "\(result.stderr)")
            let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
            return json?["amount"] as? String
        }
        #expect(try amount(quote) == "5000.00")
        #expect(try amount(quote + ["--policy", "yrd-40.yaml"]) == "4000.00")
        #expect(try amount(quote) == "5000.00")
        #expect(try Data(contentsOf: ledger) == before)
    }

    /// Every format escapes what it shows: a policy file named like markup stays text.
    @Test func formatsEscapeAndListEveryApplicant() throws {
        let directory = try Self.demo()
        defer { try? FileManager.default.removeItem(at: directory) }
        let name = "<b>&'x'.yaml"
        try Self.reform(directory, name: name, replacing: "value: 50%", with: "value: 40%")
        let base = [
            "whatif", "--db", "demo.sqlite", "--programme", "sh-innovation-voucher", "--year", "2022", "--policy", name,
        ]
        let html = try Self.voucher(base + ["--format", "html", "--lang", "en"], directory, [:]).stdout
        #expect(html.contains("&lt;b&gt;&amp;&#39;x&#39;.yaml"))
        #expect(!html.contains("<b>"))
        #expect(html.contains("<svg"))
        let csv = try Self.voucher(base + ["--by", "applicant"], directory, [:]).stdout
        let lines = csv.split(separator: "\n")
        #expect(lines.first == "reform,key,name,baseline_used,reform_used,difference")
        #expect(lines.count == 6)
        #expect(lines.dropFirst().first?.contains("91310110005000002M") == true)
        // A negative amount is a number, not text guarded against formulas.
        #expect(lines.dropFirst().first?.hasSuffix(",60000.00,48000.00,-12000.00") == true)
        let figures = try Self.voucher(base + ["--format", "csv"], directory, [:]).stdout
        #expect(figures.contains("\nused,290000.00,275600.00,-14400.00\n"))
        // A link in Markdown is text, its brackets escaped.
        try Self.reform(directory, name: "[a](b).yaml", replacing: "value: 50%", with: "value: 40%")
        let linked = try Self.voucher(
            ["whatif", "--db", "demo.sqlite", "--programme", "sh-innovation-voucher", "--year", "2022"]
                + ["--policy", "[a](b).yaml", "--format", "markdown"],
            directory,
            [:]
        ).stdout
        #expect(linked.contains("\\[a\\](b).yaml"))
        #expect(!linked.contains(" [a](b)"))
        let markdown = try Self.voucher(base + ["--format", "markdown"], directory, [:]).stdout
        #expect(markdown.contains("| 用券金额（补贴） | 290,000.00 | 275,600.00 | -14,400.00 |"))
    }
}
