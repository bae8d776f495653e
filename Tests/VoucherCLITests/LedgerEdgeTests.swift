import Foundation
import Testing
import VoucherDomain

/// Through the binary: an older ledger, and the edges where the ledger once disagreed with its rules.
struct LedgerEdgeTests {
    typealias CLI = CommandLineTests

    /// A folder with a new ledger holding enterprises A and B, a provider and a product.
    static func ledger() throws -> (URL, (([String]) throws -> CommandLineTests.Result)) {
        let directory = try CLI.temporaryDirectory()
        let run = { (arguments: [String]) in
            try CLI.voucher(arguments + ["--db", "l.sqlite"], in: directory, environment: ["VOUCHER_ACTOR": "test"])
        }
        let setup = [
            [
                "register", "applicant", "--id", "91350100M000100Y43", "--name", "甲", "--kind", "enterprise",
                "--district", "杨浦区", "--attribute", "jic-member",
            ],
            [
                "register", "applicant", "--id", "91110000101623741K", "--name", "乙", "--kind", "enterprise",
                "--district", "杨浦区", "--attribute", "jic-member",
            ],
            ["register", "provider", "--id", "911101066976941872", "--name", "测试中心", "--region", "shanghai"],
            [
                "register", "product", "--code", "P1", "--provider", "911101066976941872", "--name", "检测",
                "--category", "testing", "--list-price", "5万",
            ],
        ]
        for arguments in setup {
            let result = try run(arguments + ["--date", "2022-01-05"])
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
        }
        return (directory, run)
    }

    static let a = "91350100M000100Y43"
    static let b = "91110000101623741K"

    static func use(
        _ ref: String,
        amount: String,
        on date: String,
        programme: String = "sh-innovation-voucher"
    )
        -> [String]
    {
        [
            "use", "--ref", ref, "--applicant", a, "--provider", "911101066976941872", "--product", "P1",
            "--programme", programme, "--service-amount", amount, "--date", date,
        ]
    }

    // MARK: - A ledger written by an earlier version

    /// Tests/Fixtures/legacy-reasons was written by a version that took a rejection's, a
    /// settlement's and a reversal's reason with a line break, a tab, a direction override or an
    /// escape in it. This version refuses such a reason when it is new, and answers the same
    /// commands again with the events recorded then, writing nothing.
    @Test func aRetryOfAReasonAnEarlierVersionTookAnswersWithItsEvent() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let fixture = CLI.root.appendingPathComponent("Tests/Fixtures/legacy-reasons")
        try FileManager.default.copyItem(
            at: fixture.appendingPathComponent("legacy-reasons.sqlite"),
            to: directory.appendingPathComponent("l.sqlite")
        )
        let run = { (arguments: [String]) in try CLI.voucher(arguments + ["--db", "l.sqlite"], in: directory) }
        let kept = String(
            decoding: try Data(contentsOf: fixture.appendingPathComponent("legacy-reasons.digest")),
            as: UTF8.self
        )
        // U-1's rejection was reversed: its retry is looked up and told so, not refused for its tab.
        let reversed = try run([
            "redeem", "reject", "--claim", "R-1", "--use", "U-1", "--reason", "发票\t不符", "--date", "2022-03-20",
        ])
        #expect(reversed.status != 0)
        #expect(reversed.stderr.contains("was recorded as event 15 and reversed by event 17"), "\(reversed.stderr)")
        let retries: [[String]] = [
            ["decide", "--claim", "C-1", "--reject", "材料不全\n请补充营业执照", "--reviewer", "王丽", "--date", "2022-02-10"],
            [
                "redeem", "reduce", "--claim", "R-1", "--use", "U-2", "--amount", "1万", "--reason", "金额\u{202E}不符",
                "--date", "2022-03-20",
            ],
            ["reverse", "--event", "15", "--reason", "录入重复\u{1B}[2J", "--date", "2022-03-21"],
        ]
        for retry in retries {
            let result = try run(retry)
            #expect(result.status == 0, "\(retry): \(result.stderr)")
        }
        #expect(try run(["digest"]).stdout == kept)
        // A new reason with a line break is refused, naming where, and nothing is written.
        let fresh = try run([
            "decide", "--claim", "C-1", "--level", "city", "--reject", "再审\n不予", "--reviewer", "李强", "--date",
            "2022-02-20",
        ])
        #expect(fresh.status != 0)
        #expect(fresh.stderr.contains("holds the control character U+000A at position 3"), "\(fresh.stderr)")
        #expect(try run(["digest"]).stdout == kept)
        #expect(try run(["verify"]).status == 0)
    }

    /// Tests/Fixtures/ledger-v3 was written by the `voucher` of schema version 3, with its digest and
    /// reports: this version opens it, verifies it against that digest, reports the same figures,
    /// and appends to it.
    @Test func aLedgerWrittenBySchemaVersion3VerifiesReportsTheSameAndAppends() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let fixture = CLI.root.appendingPathComponent("Tests/Fixtures/ledger-v3")
        try FileManager.default.copyItem(
            at: fixture.appendingPathComponent("ledger-v3.sqlite"),
            to: directory.appendingPathComponent("l.sqlite")
        )
        let run = { (arguments: [String]) in try CLI.voucher(arguments + ["--db", "l.sqlite"], in: directory) }
        let verify = try run(["verify"])
        #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")
        let digest = try run(["verify", "--digest", fixture.appendingPathComponent("ledger-v3.digest").path])
        #expect(digest.status == 0, "\(digest.stdout) \(digest.stderr)")
        let figures = [
            "applicants", "enterprises_served", "uses", "providers", "products", "claimed", "service_amount", "used",
            "redeemed", "awaiting_redemption", "expired", "forfeited", "available", "identities", "breakdowns",
            "exceptions", "chain_head", "events",
        ]
        for (programme, year) in [
            ("sh-innovation-voucher", 2022), ("yrd-innovation-voucher", 2022), ("jic-overseas-matching", 2023),
            ("jic-operating-support", 2023),
        ] {
            let report = try run(["report", "--programme", programme, "--year", "\(year)", "--format", "json"])
            #expect(report.status == 0, "\(report.stderr)")
            let now = try CLI.json(report.stdout)
            let then = try CLI.json(
                String(
                    decoding: try Data(contentsOf: fixture.appendingPathComponent("\(programme)-\(year).json")),
                    as: UTF8.self
                )
            )
            for key in figures {
                // The exceptions gained fields (counts, amounts, days late) and an order by significance
                // since, the breakdowns' rows a name: what the old report said must still be said.
                let grew = key == "exceptions" || key == "breakdowns"
                let current = grew ? try Self.restricted(now[key], to: then[key]) : now[key]
                let earlier = grew ? try Self.restricted(then[key], to: then[key]) : then[key]
                #expect(try Self.canonical(current) == Self.canonical(earlier), "\(programme) \(year): \(key)")
            }
        }
        let claim = try run([
            "claim", "--ref", "C-2023", "--applicant", Self.a, "--programme", "sh-innovation-voucher", "--year", "2023",
            "--requested", "10万", "--date", "2023-02-01",
        ])
        #expect(claim.status == 0, "\(claim.stderr)")
        let decide = try run([
            "decide", "--claim", "C-2023", "--grant", "10万", "--reviewer", "王丽", "--date", "2023-02-02",
        ])
        #expect(decide.status == 0, "\(decide.stderr)")
        let use = try run([
            "use", "--ref", "U-2023", "--applicant", Self.a, "--provider", "911101066976941872", "--product", "P1",
            "--programme", "sh-innovation-voucher", "--service-amount", "2万", "--date", "2023-03-01",
        ])
        #expect(use.status == 0, "\(use.stderr)")
        let after = try run(["verify", "--digest", fixture.appendingPathComponent("ledger-v3.digest").path])
        #expect(after.status == 0, "\(after.stdout) \(after.stderr)")
        #expect(after.stdout.contains("全部 36 个事件核验通过"), "\(after.stdout)")
    }

    /// A JSON value as text with its keys sorted, for comparing values read from two documents.
    /// `value` with only the keys `shape` has (objects), its lists' items in a canonical order.
    static func restricted(_ value: Any?, to shape: Any?) throws -> Any? {
        if let object = value as? [String: Any], let shape = shape as? [String: Any] {
            var kept: [String: Any] = [:]
            for (key, inner) in shape { kept[key] = try restricted(object[key], to: inner) ?? NSNull() }
            return kept
        }
        if let items = value as? [Any], let shape = shape as? [Any] {
            return try items.map { try restricted($0, to: shape.first) }.sorted {
                ((try? canonical($0)) ?? "") < ((try? canonical($1)) ?? "")
            }
        }
        return value
    }

    static func canonical(_ value: Any?) throws -> String {
        guard let value else { return "missing" }
        let data = try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed])
        return String(decoding: data, as: UTF8.self)
    }

    // MARK: - The defects, as a user met them

    @Test func aPolicyThatRoundsHalfUpQuotesAndRecordsTheSameAmount() throws {
        let (directory, run) = try Self.ledger()
        defer { try? FileManager.default.removeItem(at: directory) }
        let policy = """
            id: half-up-voucher
            kind: voucher
            name: {zh: 测试券, en: Test voucher}
            versions:
              - effective_from: 2022-01-01
                rate: 50%
                rounding: half-up to fen

            """
        try policy.write(to: directory.appendingPathComponent("p.yaml"), atomically: true, encoding: .utf8)
        #expect(try run(["policy", "add", "p.yaml", "--date", "2022-01-01"]).status == 0)
        for arguments in [
            [
                "claim", "--ref", "C-1", "--applicant", Self.a, "--programme", "half-up-voucher", "--year", "2022",
                "--requested", "10万", "--date", "2022-02-01",
            ],
            ["decide", "--claim", "C-1", "--grant", "10万", "--reviewer", "王丽", "--date", "2022-02-02"],
        ] {
            #expect(try run(arguments).status == 0)
        }
        var quote = Self.use("Q", amount: "70,000.01", on: "2022-05-10", programme: "half-up-voucher")
        quote.replaceSubrange(0...2, with: ["quote"])
        let quoted = try run(quote + ["--format", "json"])
        #expect(quoted.status == 0, "\(quoted.stderr)")
        #expect(quoted.stdout.contains("\"35000.01\""))
        let used = try run(
            Self.use("U-1", amount: "70,000.01", on: "2022-05-10", programme: "half-up-voucher") + ["--format", "json"]
        )
        #expect(used.status == 0, "\(used.stderr)")
        #expect(used.stdout.contains("\"amount\":\"35000.01\""))
        #expect(try run(["verify"]).status == 0)
    }

    @Test func aQuotaIsUsableWithinItsProgrammeYearOnly() throws {
        let (directory, run) = try Self.ledger()
        defer { try? FileManager.default.removeItem(at: directory) }
        // A 2023 quota granted on 2022-12-28.
        for arguments in [
            [
                "claim", "--ref", "C-2023", "--applicant", Self.a, "--programme", "sh-innovation-voucher", "--year",
                "2023", "--requested", "10万", "--date", "2022-12-20",
            ],
            ["decide", "--claim", "C-2023", "--grant", "10万", "--reviewer", "王丽", "--date", "2022-12-28"],
        ] {
            let result = try run(arguments)
            #expect(result.status == 0, "\(result.stderr)")
        }
        let tooEarly = try run(Self.use("U-1", amount: "2万", on: "2022-12-30"))
        #expect(tooEarly.status == 1)
        #expect(tooEarly.stderr.contains("2023-01-01"), "\(tooEarly.stderr)")
        let inYear = try run(Self.use("U-2", amount: "2万", on: "2023-01-05"))
        #expect(inYear.status == 0, "\(inYear.stderr)")
        // Expiry on 1 January 2023 does not lapse a quota of 2023.
        #expect(try run(["expire", "--programme", "sh-innovation-voucher", "--date", "2023-01-01"]).status == 0)
        let afterExpiry = try run(Self.use("U-3", amount: "2万", on: "2023-02-01"))
        #expect(afterExpiry.status == 0, "\(afterExpiry.stderr)")
        // A 2022 quota decided after 2022 ended is refused, with the reason.
        #expect(
            try run([
                "claim", "--ref", "C-2022", "--applicant", Self.b, "--programme", "sh-innovation-voucher", "--year",
                "2022", "--requested", "10万", "--date", "2022-12-01",
            ]).status == 0
        )
        let late = try run([
            "decide", "--claim", "C-2022", "--grant", "10万", "--reviewer", "王丽", "--date", "2023-01-05",
        ])
        #expect(late.status == 1)
        #expect(late.stderr.contains("after the programme year ended"), "\(late.stderr)")
    }

    /// With no --actor, VOUCHER_ACTOR, USER or LOGNAME, nobody is recorded in the actor's place.
    @Test func withNobodyToRecordACommandIsRefusedAndWritesNothing() throws {
        let (directory, run) = try Self.ledger()
        defer { try? FileManager.default.removeItem(at: directory) }
        let before = try run(["digest"])
        let nobody = ["VOUCHER_ACTOR": "", "USER": "", "LOGNAME": ""]
        let result = try CLI.voucher(
            [
                "register", "provider", "--id", "12310000000000001F", "--name", "实验室", "--region", "shanghai",
                "--db", "l.sqlite",
            ],
            in: directory,
            environment: nobody
        )
        #expect(result.status == 1)
        #expect(result.stderr.contains("nobody is named as recording this: give --actor NAME, or set VOUCHER_ACTOR"))
        #expect(try run(["digest"]).stdout == before.stdout)
        // A command with --lang (Chinese by default) says it in Chinese too, though the refusal
        // comes from opening the ledger, before the command's own work.
        let pay = try CLI.voucher(
            ["pay", "--claim", "C-1", "--amount", "1万", "--db", "l.sqlite"],
            in: directory,
            environment: nobody
        )
        #expect(pay.status == 1)
        let lines = pay.stderr.split(separator: "\n")
        #expect(
            lines.count == 2
                && lines[1] == "voucher: 拒绝：记录人未指明：请用 --actor 姓名写明由谁记录，"
                    + "或设置 VOUCHER_ACTOR（VOUCHER_ACTOR、USER 和 LOGNAME 均未设置）",
            "\(pay.stderr)"
        )
        // Reading needs nobody; --actor names them.
        #expect(try CLI.voucher(["verify", "--db", "l.sqlite"], in: directory, environment: nobody).status == 0)
        let named = try CLI.voucher(
            [
                "register", "provider", "--id", "123100000000000014", "--name", "实验室", "--region", "shanghai",
                "--db", "l.sqlite", "--actor", "wang.li",
            ],
            in: directory,
            environment: nobody
        )
        #expect(named.status == 0, "\(named.stderr)")
    }

    @Test func aReversedUseRunAgainIsRefusedWithExit1() throws {
        let (directory, run) = try Self.ledger()
        defer { try? FileManager.default.removeItem(at: directory) }
        for arguments in [
            [
                "claim", "--ref", "C-1", "--applicant", Self.a, "--programme", "sh-innovation-voucher", "--year",
                "2022",
                "--requested", "30万", "--date", "2022-02-01",
            ],
            ["decide", "--claim", "C-1", "--grant", "30万", "--reviewer", "王丽", "--date", "2022-02-02"],
        ] {
            #expect(try run(arguments).status == 0)
        }
        let use = try run(Self.use("U-1", amount: "10万", on: "2022-05-10") + ["--format", "json"])
        let event = try #require(try CLI.json(use.stdout)["event"] as? Int)
        let reversal = try run(["reverse", "--event", "\(event)", "--reason", "重复", "--date", "2022-05-11"])
        #expect(reversal.status == 0)
        let again = try run(Self.use("U-1", amount: "10万", on: "2022-05-10"))
        #expect(again.status == 1)
        #expect(again.stderr.contains("U-1"))
        #expect(again.stderr.contains("event \(event)"))
        #expect(again.stderr.contains("reversed by event \(event + 1)"), "\(again.stderr)")
        #expect(!again.stdout.contains("already recorded"))
    }

    @Test func aMatchingGrantNeverExceedsTheAmountRequested() throws {
        let (directory, run) = try Self.ledger()
        defer { try? FileManager.default.removeItem(at: directory) }
        let claim = try run([
            "claim", "--ref", "M-1", "--applicant", Self.a, "--programme", "jic-overseas-matching", "--year", "2023",
            "--requested", "30万", "--project", "OV-1", "--paid", "60万", "--date", "2023-03-01",
        ])
        #expect(claim.status == 0, "\(claim.stderr)")
        let over = try run(["decide", "--claim", "M-1", "--grant", "60万", "--reviewer", "王丽", "--date", "2023-03-02"])
        #expect(over.status == 1)
        #expect(over.stderr.contains("at most 300,000.00"), "\(over.stderr)")
    }

    @Test func aProjectIsItsApplicantsOwn() throws {
        let (directory, run) = try Self.ledger()
        defer { try? FileManager.default.removeItem(at: directory) }
        for (ref, applicant) in [("M-A", Self.a), ("M-B", Self.b)] {
            let claim = try run([
                "claim", "--ref", ref, "--applicant", applicant, "--programme", "jic-overseas-matching", "--year",
                "2023", "--requested", "100万", "--project", "OV-1", "--paid", "100万", "--date", "2023-03-01",
            ])
            #expect(claim.status == 0, "\(claim.stderr)")
            let decided = try run([
                "decide", "--claim", ref, "--grant", "100万", "--reviewer", "王丽", "--date", "2023-03-02",
            ])
            #expect(decided.status == 0, "\(ref): \(decided.stderr)")
        }
    }

    @Test func aRevisionThatWouldChangeHowRecordedUsesSettleIsRefused() throws {
        let (directory, run) = try Self.ledger()
        defer { try? FileManager.default.removeItem(at: directory) }
        for arguments in [
            [
                "claim", "--ref", "C-1", "--applicant", Self.a, "--programme", "yrd-innovation-voucher", "--year",
                "2022", "--requested", "20万", "--date", "2022-02-01",
            ],
            ["decide", "--claim", "C-1", "--grant", "20万", "--reviewer", "王丽", "--date", "2022-02-02"],
            Self.use("U-1", amount: "4万", on: "2022-03-10", programme: "yrd-innovation-voucher"),
        ] {
            let result = try run(arguments)
            #expect(result.status == 0, "\(result.stderr)")
        }
        let bundled = CLI.root.appendingPathComponent("Sources/VoucherPolicies/Bundled/yrd-innovation-voucher.yaml")
        let yaml =
            try String(contentsOf: bundled, encoding: .utf8)
                + """
                  - effective_from: 2022-02-01
                    rate: 50%
                    redemption:
                      unpaid: returned

                """
        try yaml.write(to: directory.appendingPathComponent("yrd.yaml"), atomically: true, encoding: .utf8)
        let revision = try run(["policy", "add", "yrd.yaml", "--date", "2022-04-01"])
        #expect(revision.status == 1)
        // The claim of 2022-02-01 is the first event the new version would have changed.
        #expect(revision.stderr.contains("in force on 2022-02-01"), "\(revision.stderr)")
        #expect(!revision.stderr.contains("SQLite"))
    }

    @Test func aFileThatIsNotALedgerIsAnIOErrorInPlainWords() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data(repeating: 0x41, count: 4096).write(to: directory.appendingPathComponent("l.sqlite"))
        let result = try CLI.voucher(
            ["report", "--programme", "sh-innovation-voucher", "--year", "2022", "--db", "l.sqlite"],
            in: directory
        )
        #expect(result.status == 74)
        #expect(result.stderr.contains("l.sqlite is not a database; nothing was changed"), "\(result.stderr)")
        #expect(!result.stderr.contains("SQLite error"))
    }
}

/// What the ledger prints is escaped for where it lands: a terminal never obeys a control
/// character from the ledger, a spreadsheet never runs a formula from it, a Markdown page never
/// renders its HTML.
struct OutputEscapingTests {
    typealias CLI = CommandLineTests

    @Test func textFromTheLedgerIsShownNotObeyedInEveryOutput() throws {
        let (directory, run) = try LedgerEdgeTests.ledger()
        defer { try? FileManager.default.removeItem(at: directory) }
        let steps: [[String]] = [
            [
                "register", "product", "--code", "P2", "--provider", "911101066976941872", "--name", "公式",
                "--category", "=HYPERLINK(\"http://x\",\"y\")", "--list-price", "1万", "--date", "2022-01-05",
            ],
            [
                "register", "product", "--code", "P3", "--provider", "911101066976941872", "--name", "换行",
                "--category", "a\r\nb<script>", "--list-price", "1万", "--date", "2022-01-05",
            ],
            [
                "claim", "--ref", "C-1", "--applicant", LedgerEdgeTests.a, "--programme", "sh-innovation-voucher",
                "--year", "2022", "--requested", "30万", "--date", "2022-02-01",
            ],
            ["decide", "--claim", "C-1", "--grant", "30万", "--reviewer", "王丽", "--date", "2022-02-02"],
        ]
        for step in steps {
            let result = try run(step)
            #expect(result.status == 0, "\(step): \(result.stderr)")
        }
        for (ref, product) in [("U-1", "P2"), ("U-2", "P3")] {
            var use = LedgerEdgeTests.use(ref, amount: "2万", on: "2022-05-10")
            if let index = use.firstIndex(of: "P1") { use[index] = product }
            #expect(try run(use).status == 0)
        }
        let extra = try run(LedgerEdgeTests.use("U-3", amount: "2万", on: "2022-05-11") + ["--format", "json"])
        let event = try #require(try CLI.json(extra.stdout)["event"] as? Int)
        // A reason is written on one line: a control character in it is refused, naming where,
        // and nothing is recorded (a ledger an earlier version wrote may hold one: the reports'
        // golden files show it escaped).
        let forged = try run([
            "reverse", "--event", "\(event)", "--reason", "录入重复\u{1B}[2J\n✓ all figures verified", "--date",
            "2022-05-12",
        ])
        #expect(forged.status != 0)
        #expect(forged.stderr.contains("holds the control character U+001B at position 5"), "\(forged.stderr)")
        let reversal = try run([
            "reverse", "--event", "\(event)", "--reason", "录入重复, <script>x</script> | =1+1", "--date", "2022-05-12",
        ])
        #expect(reversal.status == 0, "\(reversal.stderr)")
        let text = try run(["report", "--programme", "sh-innovation-voucher", "--year", "2022", "--lang", "en"])
        #expect(text.status == 0)
        #expect(text.stdout.contains("录入重复, <script>x</script> | =1+1"))
        let markdown = try run([
            "report", "--programme", "sh-innovation-voucher", "--year", "2022", "--format", "markdown",
        ])
        #expect(!markdown.stdout.contains("<script>"))
        #expect(!markdown.stdout.unicodeScalars.contains("\r"))
        let csv = try run(["report", "--programme", "sh-innovation-voucher", "--year", "2022", "--by", "category"])
        #expect(csv.stdout.contains("\"'=HYPERLINK("))
        #expect(csv.stdout.contains("\"a\r\nb<script>\""))
        #expect(!csv.stdout.contains("\r\n=HYPERLINK"))
        // Every exception as CSV: the reversal's reason stays in its one quoted cell.
        let exceptions = try run([
            "report", "--programme", "sh-innovation-voucher", "--year", "2022", "--by", "exception",
        ])
        #expect(exceptions.status == 0, "\(exceptions.stderr)")
        let rows = exceptions.stdout.components(separatedBy: "\r\n")
        #expect(rows.first == "kind,date,event,reference,party,amount,days_late,detail,by")
        #expect(
            rows.contains {
                $0.hasPrefix("reversal,2022-05-12,") && $0.contains("\"录入重复, <script>x</script> | =1+1\"")
            }
        )
    }
}

/// Files that are not what they seem: each is refused, and nothing is created or changed.
struct LedgerFileTests {
    typealias CLI = CommandLineTests

    static let readCommands: [[String]] = [
        ["verify"], ["digest"], ["report", "--programme", "sh-innovation-voucher", "--year", "2022"],
        ["export", "--format", "ledger"], ["policy", "list"],
    ]

    @Test func aCommandThatOnlyReadsRefusesAMissingFileAndCreatesNothing() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for command in Self.readCommands {
            let result = try CLI.voucher(command + ["--db", "typo.sqlite"], in: directory)
            #expect(result.status == 74, "\(command): \(result.stderr)")
            #expect(result.stderr.contains("typo.sqlite does not exist"), "\(command): \(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("typo.sqlite").path))
        }
    }

    @Test func commandsThatOnlyReadLeaveTheLedgerFileAsItWas() throws {
        let (directory, run) = try LedgerEdgeTests.ledger()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("l.sqlite")
        #expect(try run(["verify"]).status == 0)  // checkpoints the WAL: the file holds everything
        let before = try Data(contentsOf: file)
        for command in Self.readCommands {
            let result = try run(command)
            #expect(result.status == 0, "\(command): \(result.stderr)")
        }
        #expect(try Data(contentsOf: file) == before)
    }

    @Test func anotherProgramsDatabaseIsRefusedAndLeftAsItWas() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let other = directory.appendingPathComponent("other.db")
        let sqlite = Process()
        sqlite.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        sqlite.arguments = ["sqlite3", other.path, "CREATE TABLE event (x); INSERT INTO event VALUES (1);"]
        try sqlite.run()
        sqlite.waitUntilExit()
        let before = try Data(contentsOf: other)
        for command in Self.readCommands + [["expire", "--programme", "sh-innovation-voucher", "--date", "2023-01-01"]]
        {
            let result = try CLI.voucher(command + ["--db", "other.db"], in: directory)
            #expect(result.status == 74, "\(command): \(result.stderr)")
            #expect(result.stderr.contains("is a database of another program"), "\(command): \(result.stderr)")
        }
        #expect(try Data(contentsOf: other) == before)
    }

    @Test func aLinkADeviceAndAFolderAreRefused() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createSymbolicLink(
            atPath: directory.appendingPathComponent("link.sqlite").path,
            withDestinationPath: directory.appendingPathComponent("target.sqlite").path
        )
        try FileManager.default.createDirectory(
            at: directory.appendingPathComponent("folder"),
            withIntermediateDirectories: true
        )
        for (db, reason) in [
            ("link.sqlite", "is a link"), ("/dev/null", "is not a regular file"), ("folder", "is a folder"),
        ] {
            for command in [["verify"], ["expire", "--programme", "sh-innovation-voucher", "--date", "2023-01-01"]] {
                let result = try CLI.voucher(command + ["--db", db], in: directory)
                #expect(result.status == 74, "\(db) \(command): \(result.stderr)")
                #expect(result.stderr.contains(reason), "\(db) \(command): \(result.stderr)")
            }
        }
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("target.sqlite").path))
    }

    @Test func theDemoWritesOnlyANewFileOrItsOwn() throws {
        let (directory, run) = try LedgerEdgeTests.ledger()
        defer { try? FileManager.default.removeItem(at: directory) }
        let head = try run(["digest"]).stdout
        let demo = try CLI.voucher(["demo", "--db", "l.sqlite"], in: directory)
        #expect(demo.status == 1)
        #expect(demo.stderr.contains("the demo did not record"), "\(demo.stderr)")
        #expect(try run(["digest"]).stdout == head)
        for _ in 1...2 {
            #expect(try CLI.voucher(["demo", "--db", "demo.sqlite"], in: directory).status == 0)
        }
    }

    @Test func aDeviceOrAFileWithANULIsNotImported() throws {
        let (directory, run) = try LedgerEdgeTests.ledger()
        defer { try? FileManager.default.removeItem(at: directory) }
        let zero = try run(["import", "uses", "/dev/zero"])
        #expect(zero.status == 74)
        #expect(zero.stderr.contains("is not a regular file"), "\(zero.stderr)")
        try Data("ref,applicant_id\nU1\u{0},x\n".utf8).write(to: directory.appendingPathComponent("nul.csv"))
        let nul = try run(["import", "uses", "nul.csv"])
        #expect(nul.status == 1)
        #expect(nul.stderr.contains("holds a NUL byte at byte 19"), "\(nul.stderr)")
    }
}
