import Foundation
import Testing
import VoucherDomain
import VoucherPolicies

struct PolicyFileTests {
    static let bundledDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources/VoucherPolicies/Bundled")

    @Test func theFourSeedProgrammesAreBundled() throws {
        let programmes = try BundledProgrammes.all()
        #expect(
            programmes.map(\.id.value).sorted() == [
                "jic-operating-support", "jic-overseas-matching", "sh-innovation-voucher", "yrd-innovation-voucher",
            ]
        )
        #expect(programmes.map(\.kind) == [.voucher, .voucher, .grant, .matching])
    }

    @Test func theEmbeddedCopiesEqualTheFilesInTheRepository() throws {
        for file in BundledProgrammes.files {
            let onDisk = try String(
                contentsOf: Self.bundledDirectory.appendingPathComponent(file.name),
                encoding: .utf8
            )
            #expect(file.yaml == onDisk, "\(file.name) differs from its embedded copy")
        }
    }

    @Test func bundledValuesMatchTheSeedAndSayWhereTheyComeFrom() throws {
        let programmes = Dictionary(uniqueKeysWithValues: try BundledProgrammes.all().map { ($0.id.value, $0) })
        let shanghai = try #require(programmes["sh-innovation-voucher"]?.versions.first)
        #expect(shanghai.rate?.value == .percent(50))
        #expect(shanghai.rate?.source?.basis == .seed)
        #expect(shanghai.caps.perApplicantPerYear[.enterprise]?.value == (try Money.parse("30万元")))
        #expect(shanghai.caps.perApplicantPerYear[.team]?.value == (try Money.parse("10万元")))
        #expect(shanghai.caps.perApplicantPerYear[.team]?.source?.basis == .secondary)
        let delta = try #require(programmes["yrd-innovation-voucher"]?.versions.first)
        #expect(delta.caps.perApplicantPerYear[.enterprise]?.value == (try Money.parse("20万元")))
        #expect(delta.eligibility.providerRegions?.value == ["shanghai", "jiangsu", "zhejiang", "anhui"])
        #expect(delta.eligibility.applicantDistricts?.value == ["杨浦区"])
        #expect(delta.eligibility.applicantDistricts?.source?.basis == .secondary)
        let operating = try #require(programmes["jic-operating-support"]?.versions.first)
        #expect(operating.caps.perApplicantPerYear[.enterprise]?.value == (try Money.parse("50万元")))
        #expect(operating.rate == nil)
        #expect(operating.eligibility.applicantAttributes?.value == ["jic-member"])
        let matching = try #require(programmes["jic-overseas-matching"]?.versions.first)
        #expect(matching.rate?.value == .hundredPercent)
        #expect(matching.caps.perProject?.value == (try Money.parse("100万元")))
    }

    @Test func everyBundledValueIsMarkedWithItsSource() throws {
        // Every `value:` in a bundled file sits in a mapping with `source:` beside it.
        for file in BundledProgrammes.files {
            let lines = file.yaml.split(separator: "\n", omittingEmptySubsequences: false)
            for (index, line) in lines.enumerated() where line.trimmingCharacters(in: .whitespaces).hasPrefix("value:")
            {
                let next = index + 1 < lines.count ? lines[index + 1].trimmingCharacters(in: .whitespaces) : ""
                #expect(next.hasPrefix("source:"), "\(file.name):\(index + 1) has a value without a source")
            }
        }
    }

    /// A clause or a note written in English has its Chinese on the next line (`clause_zh`,
    /// `note_zh`), so that a Chinese explanation or page never cites it in English.
    @Test func everyBundledClauseAndNoteInEnglishHasItsChinese() throws {
        let english = try Regex("[A-Za-z]{2,}[ ,;]+[A-Za-z]{2,}")
        for file in BundledProgrammes.files {
            let lines = file.yaml.split(separator: "\n", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            for (index, line) in lines.enumerated() {
                for key in ["clause", "note"] where line.hasPrefix("\(key): ") && line.contains(english) {
                    let next = index + 1 < lines.count ? lines[index + 1] : ""
                    #expect(next.hasPrefix("\(key)_zh: "), "\(file.name):\(index + 1) has no \(key)_zh after it")
                    #expect(!next.contains(english), "\(file.name):\(index + 2) is not in Chinese: \(next)")
                }
            }
        }
    }

    /// `clause_zh` and `note_zh`: cited in Chinese, in the version's content only when given.
    @Test func aClauseAndANoteHaveTheirChineseApart() throws {
        let yaml = Self.valid.replacingOccurrences(
            of: "rate: 50%",
            with: """
                note: as the city's voucher
                    note_zh: 同市级创新券
                    rate: {value: 50%, source: assumed, clause: as for the Shanghai voucher, clause_zh: 按上海科技创新券}
                """
        )
        let version = try #require(try PolicyFile.programme(yaml: yaml, file: "zh.yaml").versions.first)
        let source = try #require(version.rate?.source)
        #expect(source.text(.zh) == "假定（待核实）：按上海科技创新券")
        #expect(source.text(.en) == "assumed: as for the Shanghai voucher")
        #expect(version.note(.zh) == "同市级创新券" && version.note(.en) == "as the city's voucher")
        let canonical = version.canonical(programme: try ProgrammeID("test-voucher"), kind: .voucher).text
        #expect(canonical.contains("\"clause_zh\":\"按上海科技创新券\"") && canonical.contains("\"note_zh\":\"同市级创新券\""))
        // Without them, the content is what it was before they existed: no key for them, and the
        // Chinese page cites the clause and shows the note as written. (A bundled file without
        // its `_zh` lines: every value has a source and a clause, and the version a note.)
        let bundled = try #require(BundledProgrammes.files.first { $0.name == "yrd-innovation-voucher.yaml" })
        let stripped = bundled.yaml.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { line in
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                return !trimmed.hasPrefix("clause_zh: ") && !trimmed.hasPrefix("note_zh: ")
            }
            .joined(separator: "\n")
        let plain = try #require(try PolicyFile.programme(yaml: stripped, file: "plain.yaml").versions.first)
        let plainCanonical = plain.canonical(programme: try ProgrammeID("yrd-innovation-voucher"), kind: .voucher).text
        #expect(!plainCanonical.contains("_zh") && plainCanonical.contains("\"clause\""), "\(plainCanonical)")
        #expect(plain.note(.zh) == plain.note && plain.note != nil)
        let rate = try #require(plain.rate?.source)
        #expect(rate.text(.zh) == "假定（待核实）：\(rate.clause)" && !rate.clause.isEmpty)
    }

    static func policiesDoc() throws -> String {
        let root = bundledDirectory.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return try String(contentsOf: root.appendingPathComponent("docs/policies.md"), encoding: .utf8)
    }

    /// The YAML blocks of docs/policies.md, in order.
    static func documentedYAMLBlocks() throws -> [String] {
        try policiesDoc().components(separatedBy: "```yaml\n").dropFirst().map { $0.components(separatedBy: "```")[0] }
    }

    @Test func theCompleteExampleInTheDocsLoads() throws {
        let example = try #require(try Self.documentedYAMLBlocks().first)
        let programme = try PolicyFile.programme(yaml: example, file: "docs/policies.md")
        #expect(programme.versions.count == 2)
        let first = programme.versions[0]
        #expect(first.effectiveUntil == (try BusinessDate.parse("2023-12-31")))
        #expect(first.rate?.source == Source(.policy, "某区科技创新券管理办法 第八条"))
        #expect(first.caps.perGroupPerYear?.value == (try Money.parse("50万")))
        #expect(first.caps.budgetPerYear?.value == (try Money.parse("2000万")))
        #expect(first.quotaValidity?.value == .endOfYear)
        #expect(first.redemption.deadlineDays?.value == 90)
        #expect(first.redemption.unpaidAmount.value == .returned)
        #expect(first.eligibility.providerRegions?.value.count == 4)
        #expect(first.eligibility.applicantDistricts?.value == ["杨浦区"])
        #expect(first.eligibility.applicantAttributes?.value == ["tech-sme"])
        #expect(first.eligibility.invoiceRequired?.value == true)
        #expect(first.requiredReviewLevels?.value == [.district, .city])
        #expect(first.taxBase.value == .inclusive)
        #expect(programme.versions[1].rate?.value == .percent(40))
    }

    // MARK: - Refusals name the file, the key and the reason

    static let valid = """
        id: test-voucher
        kind: voucher
        name: {zh: 测试券, en: Test voucher}
        versions:
          - effective_from: 2024-01-01
            rate: 50%
            caps:
              per_use: 5万元
        """

    @Test func aMinimalPolicyLoads() throws {
        let programme = try PolicyFile.programme(yaml: Self.valid, file: "test.yaml")
        #expect(programme.versions.first?.caps.perUse?.value == (try Money.parse("50,000.00")))
        #expect(programme.versions.first?.rounding.value == .downToFen)
    }

    struct BadFile: Sendable, CustomStringConvertible {
        var name: String
        var yaml: String
        var key: String
        var reason: String
        var line: Int?
        var description: String { name }
    }

    /// Anchors nested `depth` deep, each level ten aliases of the one below, the deepest used as a
    /// mapping key: some 10^depth nodes from a few lines.
    static func aliasBomb(depth: Int) -> String {
        var lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
        for level in 1...depth {
            lines.append(
                "a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ") + "]"
            )
        }
        lines.append("? *a\(depth)")
        lines.append(": boom")
        return lines.joined(separator: "\n") + "\n"
    }

    static let badFiles: [BadFile] = [
        BadFile(
            name: "aliases nested sixteen deep",
            yaml: aliasBomb(depth: 16),
            key: "(file)",
            reason: "uses a YAML anchor (&) or alias (*)",
            line: 1
        ),
        BadFile(
            name: "an anchor in a version",
            yaml: valid.replacingOccurrences(of: "per_use:", with: "per_use: &cap"),
            key: "(file)",
            reason: "uses a YAML anchor (&) or alias (*)"
        ),
        BadFile(
            name: "a list of two thousand categories",
            yaml: valid.replacingOccurrences(
                of: "  - effective_from",
                with: "  - eligibility:\n      product_categories: ["
                    + (0..<2_000).map { "c\($0)" }.joined(separator: ", ") + "]\n    effective_from"
            ),
            key: "versions[0].eligibility.product_categories",
            reason: "is a list of 2000 items; a list holds at most 1000"
        ),
        BadFile(
            name: "a file of two megabytes",
            yaml: valid + "# " + String(repeating: "x", count: 2 << 20) + "\n",
            key: "(file)",
            reason: "a policy file is at most 1048576 bytes"
        ),
        BadFile(
            name: "unknown key",
            yaml: valid.replacingOccurrences(of: "per_use:", with: "per_usage:"),
            key: "versions[0].caps.per_usage",
            reason: "unknown key",
            line: 8
        ),
        BadFile(
            name: "negative cap",
            yaml: valid.replacingOccurrences(of: "5万元", with: "-5万元"),
            key: "versions[0].caps.per_use",
            reason: "is negative",
            line: 8
        ),
        BadFile(
            name: "voucher rate over 100%",
            yaml: valid.replacingOccurrences(of: "50%", with: "150%"),
            key: "versions[0].rate",
            reason: "over 100%",
            line: 6
        ),
        BadFile(
            name: "rate with three decimals",
            yaml: valid.replacingOccurrences(of: "50%", with: "50.125%"),
            key: "versions[0].rate",
            reason: "more than two decimals",
            line: nil
        ),
        BadFile(
            name: "dates out of order",
            yaml: valid.replacingOccurrences(of: "rate: 50%", with: "effective_until: 2023-12-31\n    rate: 50%"),
            key: "versions[0].effective_until",
            reason: "out of order",
            line: 6
        ),
        BadFile(
            name: "overlapping versions",
            yaml: valid.replacingOccurrences(of: "rate: 50%", with: "effective_until: 2024-12-31\n    rate: 50%")
                + "\n  - effective_from: 2024-06-01\n    rate: 40%\n",
            key: "versions[0].effective_until",
            reason: "versions overlap",
            line: 6
        ),
        BadFile(
            name: "versions not in date order",
            yaml: valid + "\n  - effective_from: 2023-06-01\n    rate: 40%\n",
            key: "versions[1].effective_from",
            reason: "not after",
            line: 9
        ),
        BadFile(
            name: "impossible date",
            yaml: valid.replacingOccurrences(of: "2024-01-01", with: "2024-02-30"),
            key: "versions[0].effective_from",
            reason: "not a day of the calendar",
            line: 5
        ),
        BadFile(
            name: "unknown kind",
            yaml: valid.replacingOccurrences(of: "kind: voucher", with: "kind: coupon"),
            key: "kind",
            reason: "not a kind",
            line: 2
        ),
        BadFile(
            name: "voucher without a rate",
            yaml: valid.replacingOccurrences(of: "    rate: 50%\n", with: ""),
            key: "versions[0].rate",
            reason: "needs a rate",
            line: 5
        ),
        BadFile(
            name: "grant with a rate",
            yaml: valid.replacingOccurrences(of: "kind: voucher", with: "kind: grant"),
            key: "versions[0].rate",
            reason: "takes no rate",
            line: 6
        ),
        BadFile(
            name: "unknown source",
            yaml: valid.replacingOccurrences(of: "rate: 50%", with: "rate: {value: 50%, source: rumour}"),
            key: "versions[0].rate.source",
            reason: "not a source",
            line: 6
        ),
        BadFile(
            name: "missing versions",
            yaml: "id: x\nkind: grant\nname: {zh: 甲, en: A}\n",
            key: "versions",
            reason: "required",
            line: nil
        ),
        BadFile(
            name: "bad rounding",
            yaml: valid + "\n    rounding: up to fen\n",
            key: "versions[0].rounding",
            reason: "not a rounding",
            line: 9
        ),
        BadFile(name: "not YAML", yaml: "id: [unclosed", key: "(file)", reason: "not valid YAML at column", line: 2),
        BadFile(
            name: "review levels that do not start with the district",
            yaml: valid + "\n    review:\n      required_levels: [city]\n",
            key: "versions[0].review.required_levels",
            reason: "list the levels in the order they decide, from district",
            line: nil
        ),
        BadFile(
            name: "an unknown review level",
            yaml: valid + "\n    review:\n      required_levels: [district, province]\n",
            key: "versions[0].review.required_levels",
            reason: "\"province\" is not a review level; use district or city",
            line: nil
        ),
        BadFile(
            name: "an attribute name with a space",
            yaml: valid + "\n    eligibility:\n      applicant_attributes: [Tech SME]\n",
            key: "versions[0].eligibility.applicant_attributes",
            reason: "\"Tech SME\" is not an attribute name",
            line: nil
        ),
        BadFile(
            name: "a clause's Chinese without the clause",
            yaml: valid.replacingOccurrences(
                of: "rate: 50%",
                with: "rate: {value: 50%, source: assumed, clause_zh: 按上海科技创新券}"
            ),
            key: "versions[0].rate.clause_zh",
            reason: "gives the Chinese of a clause: give the clause too"
        ),
        BadFile(
            name: "an empty Chinese of a clause",
            yaml: valid.replacingOccurrences(
                of: "rate: 50%",
                with: "rate: {value: 50%, source: assumed, clause: as for Shanghai, clause_zh: \" \"}"
            ),
            key: "versions[0].rate.clause_zh",
            reason: "is empty; leave the key out instead"
        ),
        BadFile(
            name: "a note's Chinese without the note",
            yaml: valid.replacingOccurrences(of: "rate: 50%", with: "note_zh: 同市级创新券\n    rate: 50%"),
            key: "versions[0].note_zh",
            reason: "gives the Chinese of a note: give the note too"
        ),
        BadFile(
            name: "a clause's Chinese without a source",
            yaml: valid.replacingOccurrences(of: "rate: 50%", with: "rate: {value: 50%, clause_zh: 按上海科技创新券}"),
            key: "versions[0].rate.source",
            reason: "a clause needs its source"
        ),
        BadFile(
            name: "invoice_required neither true nor false",
            yaml: valid + "\n    eligibility:\n      invoice_required: yes please\n",
            key: "versions[0].eligibility.invoice_required",
            reason: "\"yes please\" is not true or false",
            line: nil
        ),
    ]

    @Test func theRefusalsShownInTheDocsAreTheRealMessages() throws {
        let doc = try Self.policiesDoc()
        let block =
            doc.components(separatedBy: "## Refusals").last?.components(separatedBy: "```").dropFirst().first ?? ""
        var messages: Set<String> = []
        for bad in Self.badFiles {
            do { _ = try PolicyFile.programme(yaml: bad.yaml, file: "bad.yaml") } catch {
                messages.insert(error.description)
            }
        }
        let shown = block.split(separator: "\n").map(String.init).filter { !$0.isEmpty }
        #expect(shown.count >= 5)
        for line in shown {
            #expect(messages.contains(line), "docs/policies.md shows a message the loader does not give: \(line)")
        }
    }

    @Test(arguments: badFiles)
    func aBadFileIsRefusedWithFileKeyAndReason(_ bad: BadFile) {
        do {
            _ = try PolicyFile.programme(yaml: bad.yaml, file: "bad.yaml")
            Issue.record("\(bad.name) was accepted")
        } catch {
            #expect(error.file == "bad.yaml")
            #expect(error.key == bad.key, "\(error)")
            #expect(error.reason.contains(bad.reason), "\(error)")
            if let line = bad.line { #expect(error.line == line, "\(error)") }
            #expect(error.description.hasPrefix("bad.yaml"))
            // On a Chinese page the refusal reads in Chinese, with the same place.
            let zh = error.text(.zh)
            #expect(error.zh != nil, "\(bad.name) has no Chinese reason: \(error)")
            #expect(zh.hasPrefix("「bad.yaml」") && zh.contains(error.zh ?? "?"), "\(zh)")
            if let line = error.line { #expect(zh.contains("第 \(line) 行"), "\(zh)") }
            if error.key != "(file)" { #expect(zh.contains(error.key), "\(zh)") }
        }
    }
}
