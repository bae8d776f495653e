import SnapshotTesting
import Testing
import VoucherDomain
import VoucherReports

/// Every format of the report in both languages, held to golden files in __Snapshots__ (recorded
/// once, then compared: a change to the output shows as a difference to review and commit).
struct ReportGoldenTests {
    static func money(_ text: String) -> Money { (try? Money.parse(text)) ?? .zero }
    static func date(_ text: String) -> BusinessDate { (try? BusinessDate.parse(text)) ?? .latest }

    /// The seed's Shanghai voucher year, with a reversal, an override and a late filing whose
    /// texts carry what each format must escape.
    static func shanghai2022() throws -> ReconciliationReport {
        var figures = ReconciliationFigures(
            programme: try ProgrammeID("sh-innovation-voucher"),
            kind: .voucher,
            period: .year(2022),
            chainHead: ChainHead(events: 1_049, hash: String(repeating: "ab", count: 32))
        )
        figures.applicants = 5
        figures.enterprisesServed = 5
        figures.uses = 7
        figures.providers = 3
        figures.products = 4
        figures.claimed = money("29万")
        figures.serviceAmount = money("68.9万")
        figures.used = money("29万")
        figures.redeemed = money("27万")
        figures.awaitingRedemption = money("1.5万")
        figures.forfeited = money("0.5万")
        figures.recoveryOwed = money("5万")
        figures.recovered = money("2万")
        figures.identities = ReconciliationIdentity.check(figures)
        let row = { (key: String, uses: Int, service: String, used: String, redeemed: String) in
            BreakdownRow(
                key: key,
                uses: uses,
                serviceAmount: money(service),
                used: money(used),
                redeemed: money(redeemed)
            )
        }
        return ReconciliationReport(
            programme: figures.programme,
            name: LocalizedText(zh: "上海科技创新券", en: "Shanghai S&T innovation voucher"),
            figures: figures,
            breakdowns: [
                .provider: [row("12310000007000001F", 5, "50万", "20万", "19万"), row("lab|<b>", 2, "18.9万", "9万", "8万")],
                .category: [
                    row("testing", 6, "60万", "25万", "23万"), row("design, \"new\"", 1, "8.9万", "4万", "4万"),
                    row("=HYPERLINK(\"http://x\",\"y\")", 1, "0", "0", "0"), row("a\r\nb", 1, "0", "0", "0"),
                    row("-1+1", 1, "0", "0", "0"),
                ],
                .month: [row("2022-05", 4, "40万", "17万", "17万"), row("2022-06", 3, "28.9万", "12万", "10万")],
                .applicant: [row("91350100M000100Y43", 2, "30万", "10万", "10万")],
            ],
            breakdownKeys: [.applicant: 5],
            exceptions: {
                // The parties the lines name, by their registered names (one of them needs escaping).
                var exceptions = ReportExceptions(
                    reversals: [
                        ReportExceptions.Reversal(
                            event: 42,
                            date: date("2022-06-02"),
                            reversedEvent: 40,
                            reversedKind: "use",
                            reason: "录入重复 <script>alert(1)</script> | a\u{1B}[2J\n✓ forged line",
                            actor: "王丽",
                            amount: Money(fen: 5_000_000)
                        )
                    ],
                    overrides: [
                        ReportExceptions.Override(
                            party: "91310115MA1H8R7C6D",
                            name: "丙 & 丁",
                            reason: "营业执照原件",
                            approvedBy: "李强"
                        )
                    ],
                    lateRedemptions: [
                        ReportExceptions.LateRedemption(
                            filing: "R-7",
                            use: "U-9",
                            provider: "12310000007000001F",
                            deadline: date("2022-08-30"),
                            filedOn: date("2022-09-15")
                        )
                    ],
                    suspendedFilings: [
                        ReportExceptions.SuspendedFiling(
                            filing: "R-8",
                            provider: "12310000007000001F",
                            filedOn: date("2022-10-08"),
                            suspendedFrom: date("2022-10-01"),
                            reason: "=报告造假 <b>|</b>\u{1B}[2J\n✓ forged"
                        )
                    ],
                    openRecoveries: [
                        ReportExceptions.OpenRecovery(
                            use: "U-<7>|",
                            applicant: "91350100M000100Y43",
                            since: date("2022-11-01"),
                            owed: money("5万"),
                            received: money("2万")
                        )
                    ],
                    // More reversals and late filings than are listed: the report says how many more.
                    counts: ReportExceptions.Counts(
                        reversals: 3,
                        overrides: 1,
                        lateRedemptions: 25,
                        suspendedFilings: 1,
                        openRecoveries: 1
                    )
                )
                exceptions.names = ["12310000007000001F": "上海<测试>中心 | A&B", "91350100M000100Y43": "甲科技有限公司"]
                return exceptions
            }(),
            // Names carry what each format must escape too; the second provider has none.
            partyNames: [
                .applicant: ["91350100M000100Y43": "福州示例科技有限公司"],
                .provider: ["12310000007000001F": "上海检验检测研究院 <i>&</i> | [x](y)"],
            ],
            budget: BudgetFigures(
                appropriation: Appropriation(
                    programme: try ProgrammeID("sh-innovation-voucher"),
                    year: 2022,
                    amount: money("30万"),
                    shares: [
                        BudgetShare(name: "city", rate: .percent(60)),
                        BudgetShare(name: "district", rate: .percent(40)),
                    ]
                ),
                event: 3,
                recordedOn: date("2022-01-10"),
                committed: money("29万"),
                used: money("29万"),
                paid: money("27万")
            )
        )
    }

    @Test(arguments: ReconciliationReport.Format.allCases, [Language.zh, .en])
    func everyFormatInEachLanguageMatchesItsGoldenFile(format: ReconciliationReport.Format, language: Language) throws {
        let report = try Self.shanghai2022()
        assertSnapshot(
            of: report.render(format, language: language),
            as: .lines,
            named: "\(format.rawValue)-\(language.rawValue)"
        )
    }

    /// On a page of the console, a list cut short says so without naming a command line.
    @Test(arguments: [Language.zh, .en])
    func theConsolesReportNamesNoCommand(language: Language) throws {
        let report = try Self.shanghai2022()
        #expect(report.htmlBody(language).contains("voucher report --by"))
        let console = report.htmlBody(language, commandHints: false)
        #expect(!console.contains("voucher report"), "\(console)")
        #expect(console.contains(language == .zh ? "另有 4 个未列出" : "4 more are not listed"))
        #expect(console.contains(language == .zh ? "另有 2 笔未列出" : "2 more are not listed"))
    }

    @Test(arguments: [Language.zh, .en])
    func aBreakdownAsCSVMatchesItsGoldenFile(language: Language) throws {
        let report = try Self.shanghai2022()
        assertSnapshot(
            of: ReconciliationReport.breakdownCSV(
                report.breakdowns[.provider] ?? [],
                by: .provider,
                language: language,
                names: report.partyNames[.provider] ?? [:]
            ),
            as: .lines,
            named: "provider-\(language.rawValue)"
        )
    }

    /// Keys that start like a formula are shown, not run; a key holding CR LF stays in its cell.
    @Test func aBreakdownCSVNeutralisesFormulasAndKeepsLineBreaksInTheirCell() throws {
        let report = try Self.shanghai2022()
        let csv = ReconciliationReport.breakdownCSV(report.breakdowns[.category] ?? [], by: .category, language: .en)
        // Each twice: the key, then its label (a category the list does not know is its own label).
        #expect(
            csv.contains(
                "\r\n\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",1,"
            )
        )
        #expect(csv.contains("\r\n'-1+1,'-1+1,1,"))
        #expect(csv.contains("\r\n\"a\r\nb\",\"a\r\nb\",1,"))
        #expect(!csv.contains("\r\n=") && !csv.contains("\r\n-1"))
        assertSnapshot(of: csv, as: .lines, named: "category-en")
    }

    /// Every exception, one a row, each field escaped as the breakdowns' are.
    @Test func exceptionsAsCSVListEachOneInItsCells() throws {
        let csv = try Self.shanghai2022().exceptions.csv()
        let rows = csv.components(separatedBy: "\r\n")
        #expect(rows.count == 7)  // the header, five exceptions and the empty string after the last CR LF
        #expect(rows[0] == "kind,date,event,reference,party,amount,days_late,detail,by")
        #expect(rows[1].hasPrefix("reversal,2022-06-02,42,#40 (use),,50000.00,,\"录入重复 <script>"))
        #expect(rows[1].hasSuffix("forged line\",王丽"))
        #expect(rows[2] == "override,,,,91310115MA1H8R7C6D,,,丙 & 丁 — 营业执照原件,李强")
        #expect(rows[3] == "late-redemption,2022-09-15,,R-7/U-9,12310000007000001F,,16,deadline 2022-08-30,")
        #expect(
            rows.contains(
                "open-recovery,2022-11-01,,U-<7>|,91350100M000100Y43,30000.00,,\"owed 50000.00, received 20000.00\","
            )
        )
        // The reason's line break stays inside its quoted cell.
        #expect(
            csv.contains(
                "suspended-provider-filing,2022-10-08,,R-8,12310000007000001F,,,"
                    + "\"suspended from 2022-10-01: =报告造假 <b>|</b>\u{1B}[2J\n✓ forged\","
            )
        )
    }

    /// Text a person reads shows control characters instead of obeying them: no forged line.
    @Test(arguments: [ReconciliationReport.Format.text, .markdown, .html])
    func noTextFormatObeysAControlCharacterOrForgesALine(format: ReconciliationReport.Format) throws {
        let output = try Self.shanghai2022().render(format, language: .en)
        #expect(!output.unicodeScalars.contains("\u{1B}"))
        let lines = output.split(separator: "\n").map { $0.drop { $0 == " " } }
        #expect(!lines.contains { $0.hasPrefix("✓ forged") })
        if format != .text { #expect(!output.contains("<script>")) }
    }
}

/// The sentence writes 万元 as officials do, two decimals at most; the table keeps every fen.
struct PublishedSentenceTests {
    @Test func theSentenceRoundsToTwoDecimalsOfWanAndTheTableKeepsTheFen() throws {
        var report = try ReportGoldenTests.shanghai2022()
        report.figures.used = ReportGoldenTests.money("27773712.34")
        #expect(report.openingSentence(.zh).contains("补贴金额2777.37万元"))
        #expect(report.openingSentence(.en).contains("subsidy 2777.37万元 (27,773,712.34)"))
        #expect(report.render(.text, language: .zh).contains("27,773,712.34"))
        #expect(report.render(.text, language: .zh).contains("2777.371234"))
    }
}

/// A grant or a matching programme is paid, not used and redeemed: its report says granted, paid
/// and left to pay, and the voucher's rows that cannot apply to it stay out unless they show a fault.
struct GrantReportTests {
    static func matching2023(kind: ProgrammeKind = .matching) throws -> ReconciliationReport {
        var figures = ReconciliationFigures(
            programme: try ProgrammeID("jic-overseas-matching"),
            kind: kind,
            period: .year(2023),
            chainHead: ChainHead(events: 60, hash: String(repeating: "cd", count: 32))
        )
        // Two applicants granted, one of them paid once so far.
        figures.applicants = 2
        figures.enterprisesServed = 1
        figures.uses = 1
        figures.claimed = ReportGoldenTests.money("160万")
        figures.serviceAmount = ReportGoldenTests.money("120万")
        figures.used = ReportGoldenTests.money("60万")
        figures.redeemed = ReportGoldenTests.money("60万")
        figures.available = ReportGoldenTests.money("100万")
        figures.identities = ReconciliationIdentity.check(figures)
        return ReconciliationReport(
            programme: figures.programme,
            name: LocalizedText(zh: "企业联合创新中心海外合作配套支持", en: "Joint innovation centre overseas cooperation matching"),
            figures: figures,
            breakdowns: [:],
            exceptions: ReportExceptions()
        )
    }

    @Test(arguments: [Language.zh, .en])
    func aMatchingReportMatchesItsGoldenFile(language: Language) throws {
        assertSnapshot(
            of: try Self.matching2023().render(.text, language: language),
            as: .lines,
            named: language.rawValue
        )
    }

    @Test func aGrantHasNoRateCheckAndItsSentenceCountsEveryApplicantGranted() throws {
        var report = try Self.matching2023(kind: .grant)
        // What a grant's project paid is shown when a claim stated it, else left out.
        #expect(report.render(.text, language: .zh).contains(/项目实际支出 +1,200,000\.00 +120万元/))
        report.figures.serviceAmount = .zero
        let text = report.render(.text, language: .zh)
        #expect(text.contains("共资助企业2家，核定160万元，已拨付60万元。"))
        #expect(!text.contains("项目实际支出"))
        #expect(!text.contains("超过"))
        for voucherWord in ["服务机构", "用券", "兑付金额", "过期", "核减不退回", "可用余额"] {
            #expect(!text.contains(voucherWord), "\(voucherWord)")
        }
        #expect(report.openingSentence(.en).contains("supported 2 enterprises: granted 160万元"))
        let csv = report.render(.csv, language: .en).components(separatedBy: "\r\n")
        #expect(csv.contains("granted,1600000.00"))
        #expect(csv.contains("left to pay,1000000.00"))
        #expect(csv.contains("granted = paid + left to pay,0.00"))
        #expect(!csv.contains { $0.hasPrefix("used = ") })
    }

    /// What cannot happen to a grant, shown if it did: an expired amount, or payments used that
    /// were not redeemed, with the identity that then fails.
    @Test func aFaultInAGrantsFiguresIsListed() throws {
        var report = try Self.matching2023(kind: .grant)
        report.figures.expired = ReportGoldenTests.money("1万")
        report.figures.used = ReportGoldenTests.money("61万")
        report.figures.identities = ReconciliationIdentity.check(report.figures)
        let text = report.render(.text, language: .zh)
        #expect(text.contains("过期"))
        #expect(text.contains("用券金额（补贴）"))
        // The identity is named by every term it adds, once those are not the grant's two.
        #expect(text.contains("✗ 申领 = 用券 + 过期 + 可用：差额"))
        #expect(text.contains("✗ 用券 = 兑付 + 待兑付 + 核减不退回：差额"))
        #expect(!text.contains("核定 = 已拨付 + 待拨付"))
        // A grant's own identity, failing: granted is not what was paid and is left to pay.
        var off = try Self.matching2023(kind: .grant)
        off.figures.available = ReportGoldenTests.money("90万")
        off.figures.identities = ReconciliationIdentity.check(off.figures)
        #expect(off.render(.text, language: .zh).contains("✗ 核定 = 已拨付 + 待拨付：差额 100,000.00"))
        // Only what is not zero: nothing was forfeited.
        #expect(!text.split(separator: "\n").contains { $0.hasPrefix("核减不退回") })
    }
}
