import Foundation
import Testing
import VoucherDomain
import VoucherPolicies
import Yams

/// Declarative scenarios in `Scenarios/*.yaml`: inputs → expected amount and binding term (or
/// ineligibility), in the spirit of OpenFisca's YAML tests. The format is in `docs/policies.md`.
struct ScenarioTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "Scenarios"
    )

    static let files: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".yaml") }.sorted()
    }()

    @Test func thereAreAtLeastThirtyScenarios() {
        #expect(Self.files.count >= 30, "found \(Self.files.count) scenario files in \(Self.directory.path)")
    }

    @Test func theScenarioExampleInTheDocsHolds() throws {
        let example = try #require(try PolicyFileTests.documentedYAMLBlocks().last)
        let scenario = try Scenario(yaml: example, file: "docs/policies.md")
        let decision = try SubsidyEngine.decide(
            programme: scenario.programme,
            on: scenario.date,
            applicant: scenario.applicant,
            basis: scenario.basis,
            usage: scenario.usage
        )
        #expect(decision.amount == scenario.expectedAmount)
        #expect(decision.binding?.rawValue == scenario.expectedBinding)
    }

    @Test(arguments: files)
    func scenario(_ file: String) throws {
        let yaml = try String(contentsOf: Self.directory.appendingPathComponent(file), encoding: .utf8)
        let scenario = try Scenario(yaml: yaml, file: file)
        let decision = try SubsidyEngine.decide(
            programme: scenario.programme,
            on: scenario.date,
            applicant: scenario.applicant,
            basis: scenario.basis,
            usage: scenario.usage
        )
        let explanation = decision.explanation(.en).joined(separator: "\n")
        #expect(decision.amount == scenario.expectedAmount, "\(file): \(scenario.description)\n\(explanation)")
        #expect(decision.binding?.rawValue == scenario.expectedBinding, "\(file)\n\(explanation)")
        #expect(decision.ineligibility?.code == scenario.expectedIneligibility, "\(file)\n\(explanation)")
        if let summary = scenario.expectedSummaryEnglish {
            #expect(decision.summary(.en) == summary, "\(file)")
        }
        if let summary = scenario.expectedSummaryChinese {
            #expect(decision.summary(.zh) == summary, "\(file)")
        }
        // On a bundled programme, a Chinese explanation reads in Chinese: its citations too.
        if try BundledProgrammes.all().contains(scenario.programme) {
            let chinese = decision.explanation(.zh).joined(separator: "\n")
            #expect(!chinese.contains(try Regex("[A-Za-z]{2,}[ ,;]+[A-Za-z]{2,}")), "\(file)\n\(chinese)")
        }
    }
}

/// One scenario file, read strictly: an unknown key is an error, so a typo cannot pass silently.
struct Scenario {
    var description: String
    var programme: Programme
    var date: BusinessDate
    var applicant: Applicant
    var basis: SubsidyBasis
    var usage: UsageSoFar
    var expectedAmount: Money
    var expectedBinding: String?
    var expectedIneligibility: String?
    var expectedSummaryEnglish: String?
    var expectedSummaryChinese: String?

    struct Invalid: Error, CustomStringConvertible {
        var description: String
    }

    init(yaml: String, file: String) throws {
        guard let root = try Yams.compose(yaml: yaml) else { throw Invalid(description: "\(file): empty") }
        let top = try Self.map(
            root,
            ["description", "programme", "policy", "date", "applicant", "basis", "so_far", "expect"],
            file
        )
        description = try Self.string(top["description"], "description", file)
        if let policy = top["policy"] {
            programme = try PolicyFile.programme(yaml: try Self.string(policy, "policy", file), file: "\(file) policy")
        } else {
            let id = try Self.string(top["programme"], "programme", file)
            guard let bundled = try BundledProgrammes.all().first(where: { $0.id.value == id }) else {
                throw Invalid(description: "\(file): no bundled programme \(id)")
            }
            programme = bundled
        }
        date = try BusinessDate.parse(try Self.string(top["date"], "date", file))

        let applicantMap = try Self.map(top["applicant"], ["kind", "group", "id"], file)
        guard let kind = ApplicantKind(rawValue: try Self.string(applicantMap["kind"], "applicant.kind", file)) else {
            throw Invalid(description: "\(file): applicant.kind")
        }
        applicant = Applicant(
            id: applicantMap["id"]?.string ?? "A1",
            kind: kind,
            group: applicantMap["group"]?.string
        )

        let basisMap = try Self.map(top["basis"], ["purchase", "quota_claim", "matching", "grant"], file)
        guard basisMap.count == 1 else { throw Invalid(description: "\(file): basis needs exactly one kind") }
        if let purchase = basisMap["purchase"] {
            let fields = try Self.map(
                purchase,
                ["service_amount", "eligible_amount", "tax_amount", "category", "provider_region", "project"],
                file
            )
            basis = .purchase(
                try Purchase(
                    serviceAmount: try Self.money(fields["service_amount"], "service_amount", file),
                    eligibleAmount: try fields["eligible_amount"].map { try Self.money($0, "eligible_amount", file) },
                    taxAmount: try fields["tax_amount"].map { try Self.money($0, "tax_amount", file) },
                    productCategory: try Self.string(fields["category"], "category", file),
                    providerRegion: try Self.string(fields["provider_region"], "provider_region", file),
                    project: fields["project"]?.string
                )
            )
        } else if let requested = basisMap["quota_claim"] {
            basis = .quotaClaim(requested: try Self.money(requested, "quota_claim", file))
        } else if let matching = basisMap["matching"] {
            let fields = try Self.map(matching, ["paid", "project"], file)
            basis = .matching(
                paid: try Self.money(fields["paid"], "paid", file),
                project: try Self.string(fields["project"], "project", file)
            )
        } else {
            basis = .grant(requested: try Self.money(basisMap["grant"], "grant", file))
        }

        usage = UsageSoFar()
        if let soFar = top["so_far"] {
            let fields = try Self.map(
                soFar,
                ["quota", "applicant_this_year", "group_this_year", "project_to_date", "budget_this_year"],
                file
            )
            if let quota = fields["quota"] {
                let quotaFields = try Self.map(quota, ["granted", "granted_on", "valid_until", "left"], file)
                usage.quota = Quota(
                    granted: try Self.money(quotaFields["granted"], "quota.granted", file),
                    grantedOn: try BusinessDate.parse(
                        try Self.string(quotaFields["granted_on"], "quota.granted_on", file)
                    ),
                    validUntil: try BusinessDate.parse(
                        try Self.string(quotaFields["valid_until"], "quota.valid_until", file)
                    ),
                    left: try Self.money(quotaFields["left"], "quota.left", file)
                )
            }
            usage.applicantThisYear =
                try fields["applicant_this_year"].map { try Self.money($0, "applicant_this_year", file) } ?? .zero
            usage.groupThisYear =
                try fields["group_this_year"].map { try Self.money($0, "group_this_year", file) } ?? .zero
            usage.projectToDate =
                try fields["project_to_date"].map { try Self.money($0, "project_to_date", file) } ?? .zero
            usage.budgetThisYear =
                try fields["budget_this_year"].map { try Self.money($0, "budget_this_year", file) } ?? .zero
        }

        let expect = try Self.map(top["expect"], ["amount", "binding", "ineligible", "summary_en", "summary_zh"], file)
        expectedAmount = try Self.money(expect["amount"], "expect.amount", file)
        expectedBinding = expect["binding"]?.string
        expectedIneligibility = expect["ineligible"]?.string
        expectedSummaryEnglish = expect["summary_en"]?.string
        expectedSummaryChinese = expect["summary_zh"]?.string
        guard (expectedBinding == nil) != (expectedIneligibility == nil) else {
            throw Invalid(description: "\(file): expect needs exactly one of binding and ineligible")
        }
    }

    private static func map(_ node: Node?, _ allowed: Set<String>, _ file: String) throws -> [String: Node] {
        guard case .mapping(let mapping)? = node else { throw Invalid(description: "\(file): expected a mapping") }
        var result: [String: Node] = [:]
        for (key, value) in mapping {
            let name = key.string ?? ""
            guard allowed.contains(name) else {
                throw Invalid(description: "\(file): unknown key \(name); expected one of \(allowed.sorted())")
            }
            result[name] = value
        }
        return result
    }

    private static func string(_ node: Node?, _ key: String, _ file: String) throws -> String {
        guard let text = node?.string else { throw Invalid(description: "\(file): \(key) is missing") }
        return text
    }

    private static func money(_ node: Node?, _ key: String, _ file: String) throws -> Money {
        try Money.parse(try string(node, key, file))
    }
}
