import Foundation
import Testing

/// The controls of issue 12 through the binary, as an officer works: refusals exit 1 with what to
/// fix and write nothing; the import names the line and the column.
@Suite struct ControlsCLITests {
    typealias CLI = CommandLineTests
    static let a = LedgerEdgeTests.a
    static let lab = "911101066976941872"

    /// LedgerEdgeTests' ledger (A and B in 杨浦区, recognised JIC members) with a 2022 YRD quota for A.
    static func ledger() throws -> (URL, (([String]) throws -> CommandLineTests.Result)) {
        let (directory, run) = try LedgerEdgeTests.ledger()
        for arguments in [
            [
                "claim", "--ref", "C-1", "--applicant", a, "--programme", "yrd-innovation-voucher", "--year", "2022",
                "--requested", "20万", "--date", "2022-02-01",
            ],
            ["decide", "--claim", "C-1", "--grant", "20万", "--reviewer", "王丽", "--date", "2022-02-02"],
        ] {
            let result = try run(arguments)
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
        }
        return (directory, run)
    }

    static func use(_ ref: String, on date: String, invoice: String? = nil) -> [String] {
        LedgerEdgeTests.use(ref, amount: "2万", on: date, programme: "yrd-innovation-voucher")
            + (invoice.map { ["--invoice", $0] } ?? [])
    }

    @Test func anApplicantOutsideTheDistrictOrWithoutTheAttributeIsRefused() throws {
        let (directory, run) = try Self.ledger()
        defer { try? FileManager.default.removeItem(at: directory) }
        let register = try run([
            "register", "applicant", "--id", "91340100MA2N0X7U34", "--name", "合肥某科技有限公司", "--kind", "enterprise",
            "--district", "合肥市", "--region", "anhui", "--attribute", "tech-sme", "--date", "2022-01-05",
        ])
        #expect(register.status == 0, "\(register.stderr)")
        let digest = try run(["digest"]).stdout
        let outside = try run([
            "claim", "--ref", "C-H", "--applicant", "91340100MA2N0X7U34", "--programme", "yrd-innovation-voucher",
            "--year", "2022", "--requested", "20万", "--date", "2022-03-01",
        ])
        #expect(outside.status == 1)
        #expect(outside.stderr.contains("registered in district 合肥市"), "\(outside.stderr)")
        #expect(outside.stderr.contains("eligibility.applicant_districts"), "\(outside.stderr)")
        let notMember = try run([
            "claim", "--ref", "G-H", "--applicant", "91340100MA2N0X7U34", "--programme", "jic-operating-support",
            "--year", "2023", "--requested", "50万", "--date", "2023-03-01",
        ])
        #expect(notMember.status == 1)
        #expect(notMember.stderr.contains("is not registered as jic-member"), "\(notMember.stderr)")
        #expect(notMember.stderr.contains("--attribute"), "\(notMember.stderr)")
        #expect(try run(["digest"]).stdout == digest)
        // An attribute granted, then withdrawn: each registration is recorded, and the claim refused again.
        for attributes in [["--attribute", "jic-member"], []] {
            let result = try run(
                [
                    "register", "applicant", "--id", "91340100MA2N0X7U34", "--name", "合肥某科技有限公司", "--kind",
                    "enterprise", "--district", "合肥市", "--region", "anhui", "--attribute", "tech-sme", "--date",
                    "2022-01-06",
                ] + attributes
            )
            #expect(result.status == 0 && !result.stdout.contains("已记录过"), "\(result.stdout) \(result.stderr)")
        }
        let withdrawn = try run([
            "claim", "--ref", "G-H", "--applicant", "91340100MA2N0X7U34", "--programme", "jic-operating-support",
            "--year", "2023", "--requested", "50万", "--date", "2023-03-01",
        ])
        #expect(withdrawn.stderr.contains("is not registered as jic-member"), "\(withdrawn.stderr)")
        let badName = try run([
            "register", "applicant", "--id", Self.a, "--name", "甲", "--kind", "enterprise", "--attribute", "Tech SME",
        ])
        #expect(badName.status == 1)
        #expect(badName.stderr.contains("attributes \"Tech SME\": is not an attribute name"), "\(badName.stderr)")
    }

    @Test func aSuspendedProviderIsRefusedUntilReinstatedAndItsStatusIsListed() throws {
        let (directory, run) = try Self.ledger()
        defer { try? FileManager.default.removeItem(at: directory) }
        let suspend = try run([
            "provider", "suspend", "--id", Self.lab, "--from", "2022-06-01", "--reason", "检测报告造假",
        ])
        #expect(suspend.status == 0, "\(suspend.stderr)")
        // A quote says what the use would be refused for; --db may come first, as everywhere.
        let quote = try CLI.voucher(
            ["--db", "l.sqlite", "quote"] + Array(Self.use("U-1", on: "2022-06-10").dropFirst(3)),
            in: directory
        )
        #expect(quote.status == 1)
        #expect(quote.stderr.contains("is suspended from 2022-06-01"), "\(quote.stderr)")
        let listed = try CLI.voucher(["--db", "l.sqlite", "provider", "status", "--id", Self.lab], in: directory)
        #expect(listed.stdout == "2022-06-01  暂停 · 检测报告造假\n", "\(listed.stdout) \(listed.stderr)")
        let refused = try run(Self.use("U-1", on: "2022-06-10"))
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("is suspended from 2022-06-01 (检测报告造假)"), "\(refused.stderr)")
        #expect(refused.stderr.contains("voucher provider reinstate"), "\(refused.stderr)")
        let again = try run(["provider", "suspend", "--id", Self.lab, "--from", "2022-06-05", "--reason", "复查"])
        #expect(again.status == 1)
        #expect(again.stderr.contains("already suspended"), "\(again.stderr)")
        // The same command again (a retry) replays; it is not refused as suspending twice.
        let retried = try run(["provider", "suspend", "--id", Self.lab, "--from", "2022-06-01", "--reason", "检测报告造假"])
        #expect(retried.status == 0, "\(retried.stderr)")
        #expect(retried.stdout.contains("已记录过"), "\(retried.stdout)")
        let reinstate = try run(["provider", "reinstate", "--id", Self.lab, "--from", "2022-07-01"])
        #expect(reinstate.status == 0, "\(reinstate.stderr)")
        let used = try run(Self.use("U-2", on: "2022-07-01"))
        #expect(used.status == 0, "\(used.stderr)")
        // Suspended again after the reinstatement, from the same day and for the same reason as a
        // suspension before it would be: a new event, not a replay.
        let later = try run(["provider", "suspend", "--id", Self.lab, "--from", "2022-07-01", "--reason", "检测报告造假"])
        #expect(later.status == 0, "\(later.stderr)")
        #expect(!later.stdout.contains("已记录过"), "\(later.stdout)")
        let status = try run(["provider", "status", "--id", Self.lab, "--lang", "en"])
        #expect(
            status.stdout
                == "2022-06-01  suspended · 检测报告造假\n2022-07-01  reinstated\n2022-07-01  suspended · 检测报告造假\n",
            "\(status.stdout)"
        )
        #expect(try run(Self.use("U-3", on: "2022-07-02")).status == 1)
        #expect(try run(["verify"]).status == 0)
    }

    @Test func aSecondUseOfAnInvoiceIsRefusedNamingTheFirst() throws {
        let (directory, run) = try Self.ledger()
        defer { try? FileManager.default.removeItem(at: directory) }
        let first = try run(Self.use("U-1", on: "2022-05-10", invoice: "04403190011"))
        #expect(first.status == 0, "\(first.stderr)")
        // The same command again records nothing new.
        let repeated = try run(Self.use("U-1", on: "2022-05-10", invoice: "04403190011"))
        #expect(repeated.status == 0, "\(repeated.stderr)")
        #expect(repeated.stdout.contains("已记录过"), "\(repeated.stdout)")
        let second = try run(Self.use("U-2", on: "2022-05-11", invoice: "04403190011"))
        #expect(second.status == 1)
        #expect(
            second.stderr.contains("invoice 04403190011 of provider \(Self.lab) already funded use U-1"),
            "\(second.stderr)"
        )
        #expect(try run(["verify"]).status == 0)
    }

    @Test func anImportOfUsesWithARepeatedInvoiceNamesTheLineAndColumnAndRecordsNothing() throws {
        let (directory, run) = try Self.ledger()
        defer { try? FileManager.default.removeItem(at: directory) }
        let header = "ref,applicant_id,provider_id,product_code,programme,service_amount,used_on,project,invoice"
        let rows = [
            "U-1,\(Self.a),\(Self.lab),P1,yrd-innovation-voucher,2万,2022-05-10,,INV-1",
            "U-2,\(Self.a),\(Self.lab),P1,yrd-innovation-voucher,2万,2022-05-11,,INV-2",
            "U-3,\(Self.a),\(Self.lab),P1,yrd-innovation-voucher,2万,2022-05-12,,INV-1",
        ]
        try ([header] + rows).joined(separator: "\n").write(
            to: directory.appendingPathComponent("uses.csv"),
            atomically: true,
            encoding: .utf8
        )
        let digest = try run(["digest"]).stdout
        let result = try run(["import", "uses", "uses.csv"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("line 4, column invoice"), "\(result.stderr)")
        #expect(result.stderr.contains("already funded use U-1"), "\(result.stderr)")
        #expect(try run(["digest"]).stdout == digest)

        let enterprises = """
            id,name,kind,district,region,group,attributes
            91310110005000001J,上海演示有限公司,enterprise,杨浦区,shanghai,,jic-member; tech-sme
            91310110005000002M,上海演示二有限公司,enterprise,杨浦区,shanghai,,Tech SME
            """
        try enterprises.write(
            to: directory.appendingPathComponent("enterprises.csv"),
            atomically: true,
            encoding: .utf8
        )
        let refused = try run(["import", "enterprises", "enterprises.csv"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("line 3, column attributes (\"Tech SME\")"), "\(refused.stderr)")
        #expect(try run(["digest"]).stdout == digest)
    }

    static let reviewedPolicy = """
        id: reviewed-voucher
        kind: voucher
        name: {zh: 两级审核券, en: Two-level voucher}
        versions:
          - effective_from: 2022-01-01
            rate: 50%
            review:
              required_levels: {value: [district, city], source: assumed, clause: 区级初审、市级复核}

        """

    @Test func aQuotaUnderTwoLevelReviewWaitsForADifferentCityReviewerWhoMayOnlyLowerIt() throws {
        let (directory, run) = try LedgerEdgeTests.ledger()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Self.reviewedPolicy.write(
            to: directory.appendingPathComponent("reviewed.yaml"),
            atomically: true,
            encoding: .utf8
        )
        let steps: [([String], Int32, String)] = [
            (["policy", "add", "reviewed.yaml", "--date", "2022-01-01"], 0, ""),
            (
                [
                    "claim", "--ref", "C-1", "--applicant", Self.a, "--programme", "reviewed-voucher", "--year", "2022",
                    "--requested", "10万", "--date", "2022-02-01",
                ], 0, ""
            ),
            (["decide", "--claim", "C-1", "--grant", "8万", "--reviewer", "王丽", "--date", "2022-02-02"], 0, ""),
            (
                LedgerEdgeTests.use("U-1", amount: "2万", on: "2022-03-01", programme: "reviewed-voucher"), 1,
                "claim C-1 awaits the city review"
            ),
            (
                [
                    "decide", "--claim", "C-1", "--level", "city", "--grant", "6万", "--reviewer", "王丽", "--date",
                    "2022-02-10",
                ],
                1, "王丽 decided it at district level"
            ),
            (
                [
                    "decide", "--claim", "C-1", "--level", "city", "--grant", "9万", "--reviewer", "李强", "--date",
                    "2022-02-10",
                ],
                1, "the city may lower the district's 80,000.00, not raise it"
            ),
            (
                [
                    "decide", "--claim", "C-1", "--level", "city", "--grant", "6万", "--reviewer", "李强", "--date",
                    "2022-02-10",
                ],
                0, ""
            ),
            (LedgerEdgeTests.use("U-1", amount: "2万", on: "2022-03-01", programme: "reviewed-voucher"), 0, ""),
        ]
        for (arguments, status, message) in steps {
            let result = try run(arguments)
            #expect(result.status == status, "\(arguments): \(result.stderr)")
            #expect(message.isEmpty || result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
        let reviewers = try run(["report", "--programme", "reviewed-voucher", "--year", "2022", "--by", "reviewer"])
        #expect(reviewers.status == 0, "\(reviewers.stderr)")
        #expect(
            reviewers.stdout
                == "reviewer,level,decisions,grants,granted,rejections,rejected_requested\r\n"
                + "李强,city,1,1,60000.00,0,0.00\r\n王丽,district,1,1,80000.00,0,0.00\r\n"
        )
        #expect(try run(["verify"]).status == 0)
    }

    @Test func aBudgetBoundsTheGrantsAndTheReportShowsIt() throws {
        let (directory, run) = try LedgerEdgeTests.ledger()
        defer { try? FileManager.default.removeItem(at: directory) }
        let noBudget = try run(["report", "--programme", "jic-operating-support", "--year", "2023", "--format", "json"])
        #expect(noBudget.stdout.contains(#""budget":null"#), "\(noBudget.stdout)")
        let steps: [([String], Int32, String)] = [
            (
                [
                    "budget", "set", "--programme", "jic-operating-support", "--year", "2023", "--amount", "60万",
                    "--share", "city=60%", "--share", "district=30%", "--date", "2023-01-10",
                ], 1, "the shares add up to 90%, not 100%"
            ),
            (
                [
                    "budget", "set", "--programme", "jic-operating-support", "--year", "2023", "--amount", "60万",
                    "--share", "city=60%", "--share", "district=40%", "--date", "2023-01-10",
                ], 0, ""
            ),
            (
                [
                    "claim", "--ref", "G-1", "--applicant", Self.a, "--programme", "jic-operating-support", "--year",
                    "2023", "--requested", "50万", "--date", "2023-03-01",
                ], 0, ""
            ),
            (["decide", "--claim", "G-1", "--grant", "50万", "--reviewer", "王丽", "--date", "2023-03-02"], 0, ""),
            (
                [
                    "claim", "--ref", "G-2", "--applicant", LedgerEdgeTests.b, "--programme", "jic-operating-support",
                    "--year", "2023", "--requested", "50万", "--date", "2023-03-01",
                ], 0, ""
            ),
            (
                ["decide", "--claim", "G-2", "--grant", "20万", "--reviewer", "王丽", "--date", "2023-03-02"], 1,
                "claim G-2: cannot grant 200,000.00; the year's budget (600,000.00, event"
            ),
            (["decide", "--claim", "G-2", "--grant", "10万", "--reviewer", "王丽", "--date", "2023-03-02"], 0, ""),
        ]
        for (arguments, status, message) in steps {
            let result = try run(arguments)
            #expect(result.status == status, "\(arguments): \(result.stderr)")
            #expect(message.isEmpty || result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
        // Revised to 80万, then back to 60万 on the same day: two revisions; the same command again replays.
        let set = ["budget", "set", "--programme", "jic-operating-support", "--year", "2023", "--date", "2023-01-10"]
        for (amount, replayed) in [("80万", false), ("60万", false), ("60万", true)] {
            let result = try run(set + ["--amount", amount, "--share", "city=60%", "--share", "district=40%"])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains("已记录过") == replayed, "\(amount): \(result.stdout)")
            #expect(!result.stderr.contains("note:"), "\(result.stderr)")
        }
        let json = try run(["report", "--programme", "jic-operating-support", "--year", "2023", "--format", "json"])
        #expect(
            json.stdout.contains(
                #""budget":{"appropriated":"600000.00","committed":"600000.00","event":"#
            ),
            "\(json.stdout)"
        )
        #expect(json.stdout.contains(#""left":"0.00","paid":"0.00","recorded_on":"2023-01-10","#), "\(json.stdout)")
        #expect(
            json.stdout.contains(
                #""shares":[{"amount":"360000.00","name":"city","rate":"60%"},{"amount":"240000.00","name":"district","rate":"40%"}]"#
            ),
            "\(json.stdout)"
        )
        let text = try run(["report", "--programme", "jic-operating-support", "--year", "2023", "--lang", "en"])
        #expect(text.stdout.contains("Budget"), "\(text.stdout)")
        #expect(text.stdout.contains("of which city 60%"), "\(text.stdout)")
        // A cut below what is granted is recorded, and the one recording it is told what it means.
        let cut = try run(set + ["--amount", "50万"])
        #expect(cut.status == 0, "\(cut.stderr)")
        #expect(cut.stderr.contains("注意：拨款 500,000.00 低于该年度已核定的 600,000.00，差额 100,000.00"), "\(cut.stderr)")
        let again = try run(set + ["--amount", "50万", "--lang", "en"])
        #expect(
            again.stderr.contains(
                "note: the appropriation 500,000.00 is below the 600,000.00 the year's grants already commit, by 100,000.00"
            ),
            "\(again.stderr)"
        )
        #expect(try run(["verify"]).status == 0)
    }

    @Test func aPaidSettlementIsRecoveredNotReversed() throws {
        let (directory, run) = try Self.ledger()
        defer { try? FileManager.default.removeItem(at: directory) }
        for arguments in [
            Self.use("U-1", on: "2022-05-10"),
            ["redeem", "file", "--ref", "R-1", "--provider", Self.lab, "--use", "U-1", "--date", "2022-06-01"],
        ] {
            let result = try run(arguments)
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
        }
        let paid = try run([
            "redeem", "pay", "--claim", "R-1", "--use", "U-1", "--date", "2022-06-10", "--format", "json",
        ])
        let settlement = try #require(
            paid.stdout.split(separator: ",").first { $0.contains(#""event":"#) }?.split(separator: ":").last.map(
                String.init
            )
        )
        let reversal = try run(["reverse", "--event", settlement, "--reason", "重复申报", "--date", "2022-07-01"])
        #expect(reversal.status == 1)
        #expect(reversal.stderr.contains("voucher recover --use"), "\(reversal.stderr)")
        let steps: [([String], Int32, String)] = [
            (
                ["recover", "--use", "U-1", "--amount", "1.5万", "--reason", "重复申报", "--date", "2022-07-01"], 1,
                "at most 10,000.00"
            ),
            (["recover", "--use", "U-1", "--amount", "6000", "--reason", "重复申报", "--date", "2022-07-01"], 0, ""),
            (
                ["recover", "receive", "--use", "U-1", "--amount", "7000", "--date", "2022-08-01"], 1,
                "6,000.00 is owed back"
            ),
            (["recover", "receive", "--use", "U-1", "--amount", "2000", "--date", "2022-08-01"], 0, ""),
        ]
        for (arguments, status, message) in steps {
            let result = try run(arguments)
            #expect(result.status == status, "\(arguments): \(result.stderr)")
            #expect(message.isEmpty || result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
        let json = try run(["report", "--programme", "yrd-innovation-voucher", "--year", "2022", "--format", "json"])
        #expect(json.stdout.contains(#""recovered":"2000.00","recovery_outstanding":"4000.00""#), "\(json.stdout)")
        #expect(json.stdout.contains(#""redeemed":"10000.00""#), "\(json.stdout)")
        #expect(json.stdout.contains(#""open_recoveries":[{"applicant":""#), "\(json.stdout)")
        #expect(try run(["verify"]).status == 0)
    }

    /// The same decision again replays; after a reversal, deciding again (even the same) records
    /// a new decision without a --key.
    @Test func aDecisionIsRetriedSafelyAndDecidedAgainAfterAReversal() throws {
        let (directory, run) = try LedgerEdgeTests.ledger()
        defer { try? FileManager.default.removeItem(at: directory) }
        let claim = try run([
            "claim", "--ref", "C-1", "--applicant", Self.a, "--programme", "yrd-innovation-voucher", "--year", "2022",
            "--requested", "20万", "--date", "2022-02-01",
        ])
        #expect(claim.status == 0, "\(claim.stderr)")
        let decide = ["decide", "--claim", "C-1", "--grant", "20万", "--reviewer", "王丽", "--date", "2022-02-02"]
        let first = try run(decide + ["--format", "json"])
        #expect(first.status == 0, "\(first.stderr)")
        let again = try run(decide)
        #expect(again.status == 0 && again.stdout.contains("已记录过"), "\(again.stdout) \(again.stderr)")
        // A Chinese line names what it recorded in Chinese; an English one in English.
        #expect(again.stdout.contains("未重复记录 · 申领 C-1 的审核"), "\(again.stdout)")
        #expect(try run(decide + ["--lang", "en"]).stdout.contains("nothing new written · decision on C-1"))
        let seq = try #require(
            first.stdout.split(separator: ",").first { $0.contains(#""event":"#) }?.split(separator: ":").last.map(
                String.init
            )
        )
        #expect(try run(["reverse", "--event", seq, "--reason", "录错", "--date", "2022-02-03"]).status == 0)
        let decidedAgain = try run(decide.dropLast(2) + ["--date", "2022-02-04"])
        #expect(decidedAgain.status == 0, "\(decidedAgain.stderr)")
        #expect(!decidedAgain.stdout.contains("已记录过"), "\(decidedAgain.stdout)")
        #expect(try run(["verify"]).status == 0)
    }
}
