import Foundation
import Testing
import VoucherDomain

/// End-to-end: the built `voucher` binary, run as a person or a script would run it.
struct CommandLineTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The binary SwiftPM built beside the test bundle.
    static var binary: URL {
        let candidates = [
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("voucher"),
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(
                "voucher"
            ),
            root.appendingPathComponent(".build/debug/voucher"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[2]
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `voucher` with `arguments` in `directory`.
    static func voucher(_ arguments: [String], in directory: URL, environment: [String: String] = [:]) throws -> Result
    {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = directory
        var env = ProcessInfo.processInfo.environment
        env["VOUCHER_DB"] = nil
        // Someone records: a machine (CI's) may have no USER set, and then a command refuses.
        if ["VOUCHER_ACTOR", "USER", "LOGNAME"].allSatisfy({ env[$0]?.isEmpty ?? true }) {
            env["VOUCHER_ACTOR"] = "tester"
        }
        env.merge(environment) { $1 }
        process.environment = env
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus,
            stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self)
        )
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("voucher-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    // MARK: - The demo

    @Test func theDemoPrintsExactlyTheSeedsFiguresComputedByTheEngine() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try Self.voucher(["demo", "--format", "json"], in: directory)
        #expect(result.status == 0, "\(result.stderr)")
        let reports = try result.stdout.split(separator: "\n").map { try Self.json(String($0)) }
        #expect(reports.count == 2)
        let shanghai = reports[0]
        #expect(shanghai["programme"] as? String == "sh-innovation-voucher")
        #expect(shanghai["enterprises_served"] as? Int == 5)
        #expect(shanghai["uses"] as? Int == 7)
        #expect(shanghai["service_amount"] as? String == "689000.00")
        #expect(shanghai["used"] as? String == "290000.00")
        let delta = reports[1]
        #expect(delta["programme"] as? String == "yrd-innovation-voucher")
        #expect(delta["enterprises_served"] as? Int == 118)
        #expect(delta["applicants"] as? Int == 118)
        #expect(delta["claimed"] as? String == "23600000.00")
        #expect(delta["providers"] as? Int == 54)
        #expect(delta["products"] as? Int == 205)
        #expect(delta["used"] as? String == "4413000.00")
        #expect(delta["redeemed"] as? String == "2564800.00")
        for report in reports {
            let identities = try #require(report["identities"] as? [[String: Any]])
            #expect(identities.count == 2 && identities.allSatisfy { $0["holds"] as? Bool == true })
            #expect((report["chain_head"] as? String)?.count == 64)
        }
        // The Chinese report opens with the officials' sentence.
        let text = try Self.voucher(["demo"], in: directory)
        #expect(text.stdout.contains("2022年，区内企业共5家7次使用上海科技创新券，服务金额68.9万元，补贴金额29万元"))
        #expect(text.stdout.contains("累计服务企业118家，申领2360万元，服务机构54家，产品205个，用券金额441.3万元，兑付金额256.48万元。"))
        // The second run found everything already recorded.
        #expect(text.stderr.contains("uses.csv: 237 rows, 0 events recorded, 237 already in demo.sqlite"))
        #expect(try Self.voucher(["verify", "--db", "demo.sqlite"], in: directory).status == 0)
        // As HTML, the two reports are one self-contained page: no link or script to fetch.
        let html = try Self.voucher(["demo", "--format", "html"], in: directory).stdout
        #expect(html.components(separatedBy: "<!DOCTYPE html>").count == 2)
        #expect(html.components(separatedBy: "<section>").count == 3)
        // Two charts a report: where the money went, and used and redeemed by month.
        #expect(html.components(separatedBy: "<svg").count == 5)
        #expect(!html.contains("<script") && !html.contains("<link") && !html.contains("src="))
    }

    @Test func theReportListsTheLargestApplicantsAndByApplicantListsEveryOne() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(try Self.voucher(["demo"], in: directory).status == 0)
        let arguments = [
            "report", "--programme", "yrd-innovation-voucher", "--through", "2022-12-31", "--db", "demo.sqlite",
        ]
        let all = try Self.voucher(arguments + ["--by", "applicant"], in: directory)
        #expect(all.status == 0, "\(all.stderr)")
        let lines = all.stdout.split(separator: "\r\n").dropFirst().map { $0.split(separator: ",") }
        #expect(lines.count == 118)
        let json = try Self.json(try Self.voucher(arguments + ["--format", "json"], in: directory).stdout)
        let listed = try #require((json["breakdowns"] as? [String: Any])?["applicant"] as? [[String: Any]])
        #expect((json["breakdown_keys"] as? [String: Any])?["applicant"] as? Int == 118)
        // The 20 largest by amount used, largest first: the same as sorting every applicant's row.
        // key, name, uses, service_amount, used, redeemed (the demo's names hold no comma).
        let largest = lines.map { (key: String($0[0]), used: Double(String($0[4])) ?? -1) }
            .sorted { ($0.used, $1.key) > ($1.used, $0.key) }.prefix(20).map(\.key)
        #expect(listed.compactMap { $0["key"] as? String } == Array(largest))
        let text = try Self.voucher(arguments + ["--lang", "en"], in: directory).stdout
        #expect(text.contains("The 20 largest by amount used; 98 more are not listed: voucher report --by applicant"))
        // Every other breakdown lists every key.
        #expect((json["breakdowns"] as? [String: Any])?["provider"] as? [Any] != nil)
        #expect(((json["breakdowns"] as? [String: Any])?["provider"] as? [Any])?.count == 54)
    }

    @Test func theCommittedDemoFilesAreExactlyTheGeneratorsOutput() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", Self.root.appendingPathComponent("scripts/make-demo-data.py").path, directory.path,
        ]
        process.standardOutput = Pipe()
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        for name in ["enterprises", "providers", "products", "claims", "uses", "redemptions"] {
            let generated = try Data(contentsOf: directory.appendingPathComponent("\(name).csv"))
            let committed = try Data(
                contentsOf: Self.root.appendingPathComponent("Sources/VoucherCLI/Demo/\(name).csv")
            )
            #expect(generated == committed, "\(name).csv differs from scripts/make-demo-data.py's output")
        }
    }

    // MARK: - Import through the binary

    static func code(_ n: Int, prefix: String = "91310110") -> String {
        let digits = String(n)
        let body = prefix + String(repeating: "0", count: 9 - digits.count) + digits
        return body + String(UnifiedSocialCreditCode.checkCharacter(for: body) ?? "0")
    }

    func write(_ text: String, _ name: String, in directory: URL) throws {
        try Data(text.utf8).write(to: directory.appendingPathComponent(name))
    }

    @Test func importsAreAllOrNothingIdempotentAndTheReportAddsUp() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let lab = Self.code(1, prefix: "12310000")
        try write(
            "id,name,kind,district,region,group\n\(Self.code(1)),甲公司,enterprise,杨浦区,shanghai,\n\(Self.code(2)),乙公司,enterprise,杨浦区,shanghai,\n",
            "e.csv",
            in: directory
        )
        try write("id,name,region\n\(lab),实验室,shanghai\n", "p.csv", in: directory)
        try write("code,provider_id,name,category,list_price\nNMR,\(lab),核磁,testing,1万\n", "pr.csv", in: directory)
        try write(
            "ref,applicant_id,programme,year,requested,decision,granted,decided_on\n"
                + "C1,\(Self.code(1)),sh-innovation-voucher,2022,30万,granted,30万,2022-03-01\n"
                + "C2,\(Self.code(2)),sh-innovation-voucher,2022,5万,granted,5万,2022-03-01\n",
            "c.csv",
            in: directory
        )
        for (kind, file) in [
            ("enterprises", "e.csv"), ("providers", "p.csv"), ("products", "pr.csv"), ("claims", "c.csv"),
        ] {
            let result = try Self.voucher(["import", kind, file, "--db", "l.sqlite"], in: directory)
            #expect(result.status == 0, "\(kind): \(result.stderr)")
        }
        let digestBefore = try Self.voucher(["--db", "l.sqlite", "digest"], in: directory).stdout

        // One bad row among good ones: nothing is written, every bad row is named, exit 1.
        try write(
            "ref,applicant_id,provider_id,product_code,programme,service_amount,used_on,project\n"
                + "U1,\(Self.code(1)),\(lab),NMR,sh-innovation-voucher,24万,2022-05-10,\n"
                + "U2,\(Self.code(2)),\(lab),NMR,sh-innovation-voucher,-3万,2022-05-11,\n"
                + "U3,\(Self.code(2)),\(lab),NOPE,sh-innovation-voucher,3万,2022-13-01,\n",
            "bad.csv",
            in: directory
        )
        let bad = try Self.voucher(["import", "uses", "bad.csv", "--db", "l.sqlite"], in: directory)
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("bad.csv: line 3, column service_amount: \"-3万\" is negative"))
        #expect(bad.stderr.contains("bad.csv: line 4, column used_on: \"2022-13-01\" is not a day of the calendar"))
        #expect(bad.stderr.contains("nothing was imported"))
        #expect(try Self.voucher(["digest", "--db", "l.sqlite"], in: directory).stdout == digestBefore)
        // A row the rules refuse: in Chinese (the default) their words follow, indented; in English not.
        try write(
            "ref,applicant_id,provider_id,product_code,programme,service_amount,used_on,project\n"
                + "U1,\(Self.code(1)),\(lab),nmr,sh-innovation-voucher,24万,2022-05-10,\n",
            "cased.csv",
            in: directory
        )
        let cased = try Self.voucher(["import", "uses", "cased.csv", "--db", "l.sqlite"], in: directory)
        #expect(cased.status == 1)
        #expect(
            cased.stderr.contains(
                "cased.csv: line 2, column product_code: no product \"nmr\"; the catalogue has \"NMR\", which differs only "
                    + "in the case of its letters: write the code as it was registered\n  没有服务产品「nmr」；"
            ),
            "\(cased.stderr)"
        )
        let english = try Self.voucher(
            ["import", "uses", "cased.csv", "--lang", "en", "--db", "l.sqlite"],
            in: directory
        )
        #expect(english.status == 1 && !english.stderr.contains("没有"), "\(english.stderr)")
        #expect(try Self.voucher(["digest", "--db", "l.sqlite"], in: directory).stdout == digestBefore)

        let good =
            "ref,applicant_id,provider_id,product_code,programme,service_amount,used_on,project\r\n"
            + "U1,\(Self.code(1)),\(lab),NMR,sh-innovation-voucher,24万,2022-05-10,\r\n"
            + "U2,\(Self.code(2)),\(lab),NMR,sh-innovation-voucher,30万,2022-05-11,\r\n"
        try Data([0xEF, 0xBB, 0xBF] + Array(good.utf8)).write(to: directory.appendingPathComponent("u.csv"))
        let first = try Self.voucher(
            ["import", "uses", "u.csv", "--db", "l.sqlite", "--format", "json"],
            in: directory
        )
        #expect(try Self.json(first.stdout)["recorded"] as? Int == 2)
        let second = try Self.voucher(
            ["import", "uses", "u.csv", "--db", "l.sqlite", "--format", "json"],
            in: directory
        )
        #expect(try Self.json(second.stdout)["recorded"] as? Int == 0)
        #expect(try Self.json(second.stdout)["already_recorded"] as? Int == 2)

        let report = try Self.json(
            try Self.voucher(
                [
                    "report", "--programme", "sh-innovation-voucher", "--year", "2022", "--format", "json", "--db",
                    "l.sqlite",
                ],
                in: directory
            )
            .stdout
        )
        #expect(report["uses"] as? Int == 2)
        #expect(report["service_amount"] as? String == "540000.00")
        // 50% of 24万 = 12万; C2's quota of 5万 binds the second.
        #expect(report["used"] as? String == "170000.00")
        #expect(report["claimed"] as? String == "350000.00")
        #expect(report["available"] as? String == "180000.00")
        #expect(report["from"] as? String == "2022-01-01" && report["to"] as? String == "2022-12-31")
    }

    // MARK: - Commands, errors and help

    /// A recording command on a path with no ledger (a mistyped `--db`) that is refused says that
    /// it created a new, empty ledger there (it does not remove it: another process may be using it).
    @Test func aRefusedCommandSaysItsNewLedgerIsEmpty() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let refused = try Self.voucher(
            [
                "use", "--db", "mistyped.sqlite", "--ref", "U-1", "--applicant", "91310110005000001J", "--provider",
                "12310000007000001F", "--product", "P1", "--programme", "sh-innovation-voucher", "--service-amount",
                "1万", "--date", "2022-05-10",
            ],
            in: directory
        )
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("no applicant"), "\(refused.stderr)")
        #expect(
            refused.stderr.contains("mistyped.sqlite did not exist and was created as a new, empty ledger"),
            "\(refused.stderr)"
        )
        let recorded = try Self.voucher(
            [
                "register", "provider", "--db", "new.sqlite", "--id", "12310000007000001F", "--name", "测试中心",
                "--region", "shanghai",
            ],
            in: directory
        )
        #expect(recorded.status == 0, "\(recorded.stderr)")
        #expect(!recorded.stderr.contains("did not exist"))
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("new.sqlite").path))
    }

    /// Registrations, budgets, recoveries, policy files and an import's missing file are refused
    /// in the command's language too: Chinese by default, on a line after the English one; with
    /// --lang en, the English alone.
    @Test func registrationsAndPoliciesAreRefusedInChineseToo() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let applicant = [
            "register", "applicant", "--db", "l.sqlite", "--id", Self.code(1), "--name", "甲", "--kind", "partnership",
        ]
        let zh = try Self.voucher(applicant, in: directory)
        #expect(zh.status == 1)
        #expect(
            zh.stderr.split(separator: "\n") == [
                "voucher: refused: kind \"partnership\": use enterprise or team",
                "voucher: 拒绝：类型「partnership」：不是申请主体类型；请用 enterprise（企业）或 team（团队）",
            ],
            "\(zh.stderr)"
        )
        let en = try Self.voucher(applicant + ["--lang", "en"], in: directory)
        #expect(en.status == 1 && en.stderr.split(separator: "\n").count == 1, "\(en.stderr)")
        try "id: my-voucher\nkind: voucher\n".write(
            to: directory.appendingPathComponent("p.yaml"),
            atomically: false,
            encoding: .utf8
        )
        let policy = try Self.voucher(["policy", "add", "p.yaml", "--db", "l.sqlite"], in: directory)
        #expect(policy.status == 1)
        let lines = policy.stderr.split(separator: "\n")
        // (The third line says the ledger it named was new, and is still empty.)
        #expect(lines.count == 3 && lines[1].hasPrefix("voucher: 拒绝：政策文件「p.yaml」"), "\(policy.stderr)")
        // A file to import that is not there.
        let missing = try Self.voucher(["import", "uses", "nowhere.csv", "--db", "l.sqlite"], in: directory)
        #expect(missing.status == 74)
        #expect(
            missing.stderr.split(separator: "\n") == [
                "voucher: cannot read nowhere.csv: there is no such file", "voucher: 无法读取 nowhere.csv：没有这个文件",
            ],
            "\(missing.stderr)"
        )
    }

    @Test func aUseShowsItsExplanationAndTheGlobalOptionWorksBeforeOrAfter() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let lab = Self.code(1, prefix: "12310000")
        let steps: [[String]] = [
            [
                "register", "applicant", "--id", Self.code(1), "--name", "甲公司", "--kind", "enterprise", "--db",
                "x.sqlite",
            ],
            ["--db", "x.sqlite", "register", "provider", "--id", lab, "--name", "实验室", "--region", "shanghai"],
            [
                "register", "product", "--db=x.sqlite", "--code", "NMR", "--provider", lab, "--name", "核磁",
                "--category", "testing", "--list-price", "1万",
            ],
            [
                "--db=x.sqlite", "claim", "--ref", "C1", "--applicant", Self.code(1), "--programme",
                "sh-innovation-voucher", "--year", "2022", "--requested", "10万", "--date", "2022-03-01",
            ],
            [
                "decide", "--claim", "C1", "--grant", "10万", "--reviewer", "王丽", "--date", "2022-03-02", "--db",
                "x.sqlite",
            ],
        ]
        for step in steps {
            let result = try Self.voucher(step, in: directory)
            #expect(result.status == 0, "\(step): \(result.stderr)")
        }
        let use = try Self.voucher(
            [
                "use", "--ref", "U1", "--applicant", Self.code(1), "--provider", lab, "--product", "NMR", "--programme",
                "sh-innovation-voucher",
                "--service-amount", "24万", "--date", "2022-05-10", "--db", "x.sqlite",
            ],
            in: directory
        )
        #expect(use.status == 0, "\(use.stderr)")
        #expect(use.stdout.contains("剩余额度 100,000.00"))
        #expect(use.stdout.contains("← 约束"))
        #expect(use.stdout.contains("补贴 100,000.00"))
        // The same command again records nothing.
        let again = try Self.voucher(
            [
                "use", "--ref", "U1", "--applicant", Self.code(1), "--provider", lab, "--product", "NMR", "--programme",
                "sh-innovation-voucher",
                "--service-amount", "24万", "--date", "2022-05-10", "--db", "x.sqlite", "--lang", "en",
            ],
            in: directory
        )
        #expect(again.stdout.hasPrefix("already recorded as event"))
        // The quota is spent: the next use is refused, with the reason, exit 1.
        let refused = try Self.voucher(
            [
                "use", "--ref", "U2", "--applicant", Self.code(1), "--provider", lab, "--product", "NMR", "--programme",
                "sh-innovation-voucher",
                "--service-amount", "1万", "--date", "2022-05-11", "--db", "x.sqlite",
            ],
            in: directory
        )
        #expect(refused.status == 1)
        #expect(refused.stderr.hasPrefix("voucher: refused: nothing to pay"))
        // In the command's language (Chinese unless --lang en), the refusal's Chinese words follow
        // on their own line; in English there is the one line.
        let lines = refused.stderr.split(separator: "\n")
        #expect(lines.count == 2 && lines[1].hasPrefix("voucher: 拒绝：") && lines[1].contains("剩余额度"), "\(lines)")
        // A product code in the wrong case is told the code registered.
        let cased = try Self.voucher(
            [
                "use", "--ref", "U2", "--applicant", Self.code(1), "--provider", lab, "--product", "nmr", "--programme",
                "sh-innovation-voucher",
                "--service-amount", "1万", "--date", "2022-05-11", "--db", "x.sqlite", "--lang", "en",
            ],
            in: directory
        )
        #expect(cased.status == 1)
        #expect(
            cased.stderr
                == "voucher: refused: no product \"nmr\"; the catalogue has \"NMR\", which differs only in the case of "
                + "its letters: write the code as it was registered\n",
            "\(cased.stderr)"
        )
        #expect(try Self.voucher(["verify", "--db", "x.sqlite"], in: directory).status == 0)
        let missing = try Self.voucher(
            ["report", "--programme", "sh-innovation-voucher", "--db", "x.sqlite"],
            in: directory
        )
        #expect(missing.status == 64)
        #expect(missing.stderr.contains("give either --year YYYY or --through YYYY-MM-DD"))
    }

    @Test func verificationFailureExitsTwoAndNamesTheEvent() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let create = ["expire", "--programme", "sh-innovation-voucher", "--date", "2023-01-01", "--db", "v.sqlite"]
        #expect(try Self.voucher(create, in: directory).status == 0)
        let digest = try Self.voucher(["digest", "--db", "v.sqlite"], in: directory).stdout
        #expect(digest.hasPrefix("voucher-ledger digest 1: 4 events, head "))
        let sqlite = Process()
        sqlite.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        sqlite.arguments = [
            "sqlite3", directory.appendingPathComponent("v.sqlite").path,
            "DROP TRIGGER event_no_update; UPDATE event SET actor = 'mallory' WHERE seq = 2;",
        ]
        try sqlite.run()
        sqlite.waitUntilExit()
        let result = try Self.voucher(["verify", "--db", "v.sqlite", "--digest", digest], in: directory)
        #expect(result.status == 2)
        #expect(result.stderr.contains("event 2:"))
        // The same in Chinese under it (the command's default), and only the English with --lang en.
        #expect(
            result.stderr.hasSuffix(
                "\nvoucher: 账本核验未通过：第 2 个事件：内容与其哈希不符（某个字段、事件内容或分录被改动）\n"
            ),
            "\(result.stderr)"
        )
        let english = try Self.voucher(["verify", "--db", "v.sqlite", "--lang", "en"], in: directory)
        #expect(english.status == 2 && !english.stderr.contains("账本") && english.stderr.contains("event 2:"))
        // The JSON names the event, and gives the problem in English and in Chinese.
        let json = try Self.voucher(["verify", "--db", "v.sqlite", "--format", "json"], in: directory)
        #expect(json.status == 2)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(object?["valid"] as? Bool == false)
        #expect(object?["problem_event"] as? Int == 2)
        #expect((object?["problem"] as? String)?.hasPrefix("its content does not match its hash") == true)
        #expect(object?["problem_zh"] as? String == "内容与其哈希不符（某个字段、事件内容或分录被改动）")
    }

    static let commands: [[String]] = [
        ["demo"], ["import"], ["report"], ["register", "applicant"], ["register", "provider"], ["register", "product"],
        ["claim"],
        ["decide"], ["quote"], ["use"], ["redeem", "file"], ["redeem", "pay"], ["redeem", "reduce"],
        ["redeem", "reject"], ["pay"],
        ["expire"], ["reverse"], ["policy", "list"], ["policy", "show"], ["policy", "add"], ["verify"], ["digest"],
        ["whatif"], ["provider", "suspend"], ["provider", "reinstate"], ["provider", "status"], ["budget", "set"],
        ["recover", "owe"], ["recover", "receive"], ["dossier"],
        ["serve"], ["user", "add"], ["user", "token"], ["user", "revoke"], ["user", "disable"], ["user", "enable"],
        ["user", "password"], ["user", "list"],
    ]

    #if os(Linux)
    /// `voucher serve` on an address another socket holds stops at once and says what to do (the
    /// restart of scripts/load's kill test met this when a client's connection held the port).
    /// Linux only: the socket's type and `/usr/bin/timeout` are Glibc's and coreutils'.
    @Test func servingOnAPortInUseSaysWhatToDo() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(try Self.voucher(["demo", "--db", "l.sqlite"], in: directory).status == 0)
        // A listener on a port the kernel picks.
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, length) == 0 && getsockname(listener, $0, &length) == 0
            }
        }
        #expect(bound && listen(listener, 1) == 0)
        let address127 = "127.0.0.1:\(UInt16(bigEndian: address.sin_port))"
        // Bounded: were the port taken after all, the server would run until stopped.
        let served = try XLSXCLITests.run(
            "/usr/bin/timeout",
            ["30", Self.binary.path, "serve", "--db", "l.sqlite", "--listen", address127],
            in: directory
        )
        #expect(served.status == 74, "\(served.status): \(served.stderr)")
        #expect(served.stderr.contains("\(address127) is in use"), "\(served.stderr)")
        #expect(served.stderr.contains("--listen 127.0.0.1:PORT"), "\(served.stderr)")
    }
    #endif

    /// `voucher user disable|enable|password`: each change listed; a second disable, or a password
    /// given other than on standard input, refused with what to do. In Chinese by default, as the
    /// other commands: what it did in Chinese, each refusal's Chinese under its English line.
    @Test func usersAreDisabledEnabledAndGivenPasswords() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let admin = ["VOUCHER_ACTOR": "admin"]
        func run(_ arguments: [String], _ language: String = "en") throws -> Result {
            try Self.voucher(arguments + ["--db", "l.sqlite", "--lang", language], in: directory, environment: admin)
        }
        #expect(try run(["demo"]).status == 0)
        let added = try Self.voucher(
            ["user", "add", "--name", "admin", "--role", "admin", "--db", "l.sqlite"],
            in: directory,
            environment: admin
        )
        #expect(added.status == 0 && added.stdout == "已添加用户 admin（管理员）\n", "\(added.stdout)")
        let auditor = try run(["user", "add", "--name", "王丽", "--role", "auditor"])
        #expect(auditor.status == 0 && auditor.stdout == "added user 王丽 (auditor)\n", "\(auditor.stdout)")
        let disabled = try run(["user", "disable", "--name", "王丽"])
        #expect(disabled.status == 0 && disabled.stdout.contains("disabled 王丽"), "\(disabled.stderr)")
        #expect(try run(["user", "list"]).stdout.contains("王丽  auditor  (disabled)"))
        #expect(try run(["user", "list"], "zh").stdout.contains("王丽  审计  （已停用）"))
        let again = try run(["user", "disable", "--name", "王丽"])
        #expect(again.status != 0 && again.stderr.contains("disabled already"), "\(again.stderr)")
        #expect(!again.stderr.contains("拒绝"), "\(again.stderr)")
        let yourself = try run(["user", "disable", "--name", "admin"], "zh")
        #expect(
            yourself.status != 0
                && yourself.stderr == "voucher: refused: you cannot disable yourself; another admin can\n"
                    + "voucher: 拒绝：不能停用自己的账户，请由其他管理员操作\n",
            "\(yourself.stderr)"
        )
        let enabled = try run(["user", "enable", "--name", "王丽"], "zh")
        #expect(enabled.status == 0 && enabled.stdout == "已启用 王丽\n", "\(enabled.stdout)")
        #expect(!(try run(["user", "list"]).stdout.contains("(disabled)")))
        let noStdin = try run(["user", "password", "--name", "王丽"])
        #expect(noStdin.status != 0 && noStdin.stderr.contains("--password-stdin"), "\(noStdin.stderr)")
        let list = try run(["user", "list"]).stdout
        #expect(list.contains("王丽 disabled: tokens revoked, sessions ended") && list.contains("王丽 enabled"), "\(list)")
        let chinese = try run(["user", "list"], "zh").stdout
        #expect(
            chinese.contains("账户变更（北京时间）：") && chinese.contains("操作人 admin：王丽 停用：令牌已撤销，会话已结束")
                && chinese.contains("操作人 admin：王丽 添加，角色：审计"),
            "\(chinese)"
        )
        // The times in Chinese are Beijing's, as the console shows them; in English, UTC as kept.
        let times = { (text: String) in
            text.split(separator: "\n").filter { $0.contains("王丽") && $0.contains("admin") }
                .map { $0.split(separator: " ", omittingEmptySubsequences: true) }
        }
        let english = try #require(times(list).first)
        let beijing = try #require(times(chinese).first)
        #expect(english[1].hasSuffix("Z") && english[0] == beijing[0])
        let utc = try #require(ISO8601DateFormatter().date(from: String(english[1])))
        let clock = DateFormatter()
        clock.locale = Locale(identifier: "en_US_POSIX")
        clock.timeZone = TimeZone(secondsFromGMT: 8 * 3600)
        clock.dateFormat = "yyyy-MM-dd HH:mm:ss"
        #expect(clock.string(from: utc) == "\(beijing[1]) \(beijing[2])", "\(english) \(beijing)")
        let unknown = try run(["user", "token", "--name", "nobody"], "zh")
        #expect(unknown.status != 0 && unknown.stderr.hasSuffix("voucher: 拒绝：没有用户 nobody\n"), "\(unknown.stderr)")
        // A name echoed in a refusal cannot break its line: the second line is still its Chinese.
        let forged = try run(["user", "revoke", "--name", "x\nvoucher: 拒绝：forged"], "zh")
        #expect(
            forged.stderr == "voucher: refused: no user named x\\u{A}voucher: 拒绝：forged\n"
                + "voucher: 拒绝：没有用户 x\\u{A}voucher: 拒绝：forged\n",
            "\(forged.stderr)"
        )
        let revoked = try run(["user", "revoke", "--name", "王丽"], "zh")
        #expect(revoked.stdout == "已撤销 王丽 的全部 API 令牌，其会话已结束\n", "\(revoked.stdout)")
        let provider = try run(
            ["user", "add", "--name", "检测院", "--role", "provider", "--provider", "12310000007000001F"],
            "zh"
        )
        #expect(provider.stdout == "已添加用户 检测院（服务机构）\n", "\(provider.stdout) \(provider.stderr)")
        #expect(try run(["user", "list"], "zh").stdout.contains("检测院  服务机构 代表服务机构 12310000007000001F"))
    }

    @Test(arguments: commands)
    func everyCommandsHelpHasAnExample(_ command: [String]) throws {
        let result = try Self.voucher(["help"] + command, in: FileManager.default.temporaryDirectory)
        #expect(result.status == 0)
        #expect(result.stdout.contains("Example"), "voucher \(command.joined(separator: " ")) --help has no example")
        #expect(result.stdout.contains("voucher \(command.joined(separator: " "))"))
        // Its text and examples fit an 80-column terminal as written (the help's own wrapping
        // would break an example mid-command): seen on a wide one, no line of it is wider.
        let wide = try Self.voucher(
            ["help"] + command,
            in: FileManager.default.temporaryDirectory,
            environment: ["COLUMNS": "300"]
        )
        let discussion = wide.stdout.components(separatedBy: "\n").dropFirst().prefix { !$0.hasPrefix("USAGE:") }
        func columns(_ line: String) -> Int {
            line.unicodeScalars.reduce(0) { $0 + ((0x2E80...0xFFEF).contains($1.value) ? 2 : 1) }
        }
        let long = discussion.filter { columns($0) > 80 }
        #expect(long.isEmpty, "\(long)")
    }
}
