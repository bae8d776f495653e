import Foundation
import Testing

/// The report a person reads (issue 12, "Reports people can read"): names beside codes, the
/// categories and regions in the report's language, 万元 as officials write it.
struct ReadableReportTests {
    @Test func namesLabelsAndThePublishedSentenceOnTheDemo() throws {
        let directory = try CommandLineTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(try CommandLineTests.voucher(["demo"], in: directory).status == 0)
        let report = ["report", "--db", "demo.sqlite", "--programme", "yrd-innovation-voucher", "--year", "2022"]
        let json = try CommandLineTests.json(
            try CommandLineTests.voucher(report + ["--format", "json"], in: directory).stdout
        )
        let breakdowns = try #require(json["breakdowns"] as? [String: Any])
        let applicants = try #require(breakdowns["applicant"] as? [[String: Any]])
        // Every listed applicant and provider carries its registered name (the demo's say 演示).
        #expect(!applicants.isEmpty)
        #expect(applicants.allSatisfy { ($0["name"] as? String)?.contains("演示") == true })
        let providers = try #require(breakdowns["provider"] as? [[String: Any]])
        #expect(providers.allSatisfy { ($0["name"] as? String)?.contains("演示") == true })
        #expect((breakdowns["category"] as? [[String: Any]])?.allSatisfy { $0["name"] == nil } == true)

        let zh = try CommandLineTests.voucher(report, in: directory).stdout
        #expect(zh.contains("检测") && zh.contains("江苏") && zh.contains("上海"))
        let en = try CommandLineTests.voucher(report + ["--lang", "en"], in: directory).stdout
        #expect(en.contains("Jiangsu") && en.contains("testing"))
        // The seed's sentence: 441.3万元 used, 256.48万元 redeemed (two decimals at most).
        #expect(zh.contains("补贴金额441.3万元"))

        let csv = try CommandLineTests.voucher(report + ["--by", "region", "--lang", "zh"], in: directory).stdout
        #expect(csv.hasPrefix("region,name,uses,service_amount,used,redeemed\r\n"))
        #expect(csv.contains("\r\njiangsu,江苏,"))
    }
}
