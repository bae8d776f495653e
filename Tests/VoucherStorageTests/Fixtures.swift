import Foundation
import VoucherDomain
import VoucherStorage

/// A valid credit code for test party number `n`, with its check character computed.
func creditCode(_ n: Int, prefix: String = "91310110") -> String {
    let digits = String(n)
    let body = prefix + String(repeating: "0", count: 9 - digits.count) + digits
    return body + String(UnifiedSocialCreditCode.checkCharacter(for: body) ?? "0")
}

func day(_ text: String) -> BusinessDate {
    guard let date = try? BusinessDate.parse(text) else { preconditionFailure("bad test date \(text)") }
    return date
}

func yuan(_ text: String) -> Money {
    guard let money = try? Money.parse(text) else { preconditionFailure("bad test amount \(text)") }
    return money
}

let shanghai = ProgrammeID.known("sh-innovation-voucher")
let delta = ProgrammeID.known("yrd-innovation-voucher")
let operating = ProgrammeID.known("jic-operating-support")
let overseas = ProgrammeID.known("jic-overseas-matching")

extension ProgrammeID {
    static func known(_ id: String) -> ProgrammeID {
        guard let programme = try? ProgrammeID(id) else { preconditionFailure("bad programme id \(id)") }
        return programme
    }
}

/// A ledger (in memory unless given a path) with two enterprises in one group, a third enterprise, a team, two providers
/// (Shanghai, Jiangsu) and three products, and helpers that make contexts with fresh keys.
final class LedgerFixture {
    let ledger: Ledger
    private var counter = 0
    let alpha = creditCode(1)
    let beta = creditCode(2)
    let gamma = creditCode(3)
    let team = "YP-T-2022-001"
    let lab = creditCode(11, prefix: "12310000")
    let suzhou = creditCode(12, prefix: "91320500")

    /// Installs `reviewed-voucher`, a programme whose district grants await the city's review in
    /// 2022, and no longer from 2023 (its second version drops the rule).
    func installReviewedVoucher() throws {
        try ledger.installProgramme(
            yaml: """
                id: reviewed-voucher
                kind: voucher
                name: {zh: 两级审核券, en: Two-level voucher}
                versions:
                  - effective_from: 2022-01-01
                    rate: 50%
                    review:
                      required_levels: {value: [district, city], source: assumed, clause: 区级初审、市级复核}
                  - effective_from: 2023-01-01
                    rate: 50%
                """,
            file: "reviewed.yaml",
            context: next("2022-01-01")
        )
    }

    /// In memory, or in a file at `path` (where verification reads on two connections at once).
    init(path: String? = nil) throws {
        ledger = try path.map { try Ledger.open(at: $0, actor: "test") } ?? Ledger.inMemory()
        try ledger.registerApplicant(
            ApplicantRegistration(
                identifier: .creditCode(try UnifiedSocialCreditCode(alpha)),
                kind: .enterprise,
                name: "甲科技有限公司",
                district: "杨浦区",
                region: "shanghai",
                group: "G-1",
                attributes: ["jic-member"]
            ),
            context: next("2022-01-05")
        )
        try ledger.registerApplicant(
            ApplicantRegistration(
                identifier: .creditCode(try UnifiedSocialCreditCode(beta)),
                kind: .enterprise,
                name: "乙材料有限公司",
                district: "杨浦区",
                region: "shanghai",
                group: "G-1",
                attributes: ["jic-member"]
            ),
            context: next("2022-01-05")
        )
        try ledger.registerApplicant(
            ApplicantRegistration(
                identifier: .creditCode(try UnifiedSocialCreditCode(gamma)),
                kind: .enterprise,
                name: "丙软件有限公司",
                district: "杨浦区",
                region: "shanghai",
                attributes: ["jic-member"]
            ),
            context: next("2022-01-05")
        )
        try ledger.registerApplicant(
            ApplicantRegistration(
                identifier: .team(try TeamRegistrationNumber(team)),
                kind: .team,
                name: "丁创业团队",
                district: "杨浦区",
                region: "shanghai"
            ),
            context: next("2022-01-05")
        )
        try ledger.registerProvider(
            ProviderRegistration(
                identifier: .creditCode(try UnifiedSocialCreditCode(lab)),
                name: "复旦大学分析测试中心",
                region: "shanghai"
            ),
            context: next("2022-01-05")
        )
        try ledger.registerProvider(
            ProviderRegistration(
                identifier: .creditCode(try UnifiedSocialCreditCode(suzhou)),
                name: "苏州检测院",
                region: "jiangsu"
            ),
            context: next("2022-01-05")
        )
        try ledger.registerProduct(
            ProductRegistration(
                code: "LAB-NMR",
                providerID: lab,
                name: "核磁共振测试",
                category: "testing",
                listPrice: yuan("5万")
            ),
            context: next("2022-01-05")
        )
        try ledger.registerProduct(
            ProductRegistration(
                code: "LAB-SEM",
                providerID: lab,
                name: "扫描电镜",
                category: "testing",
                listPrice: yuan("2万")
            ),
            context: next("2022-01-05")
        )
        try ledger.registerProduct(
            ProductRegistration(
                code: "SZ-EMC",
                providerID: suzhou,
                name: "电磁兼容检测",
                category: "testing",
                listPrice: yuan("8万")
            ),
            context: next("2022-01-05")
        )
    }

    /// A context with a new idempotency key.
    func next(_ date: String, actor: String = "clerk") -> EventContext {
        counter += 1
        return EventContext(
            idempotencyKey: "test-\(counter)",
            actor: actor,
            businessDate: day(date),
            recordedAt: "2026-11-26T00:00:00Z"
        )
    }

    /// A claim of joint innovation centre operating support for 2023, granted and paid in full.
    func paidOperatingGrant(_ ref: String, applicant: String, amount: String) throws {
        try ledger.claim(
            ClaimRequest(ref: ref, applicantID: applicant, programme: operating, year: 2023, requested: yuan(amount)),
            context: next("2023-03-01")
        )
        try ledger.decide(
            DecisionRequest(claimRef: ref, outcome: .grant(yuan(amount)), reviewer: "r"),
            context: next("2023-03-02")
        )
        try ledger.pay(PaymentRequest(claimRef: ref, amount: yuan(amount)), context: next("2023-04-01"))
    }

    /// A granted voucher quota: claim and district decision.
    @discardableResult
    func grantQuota(
        _ ref: String,
        applicant: String,
        programme: ProgrammeID = shanghai,
        year: Int = 2022,
        amount: String,
        on date: String = "2022-03-01"
    ) throws -> RecordedEvent {
        try ledger.claim(
            ClaimRequest(ref: ref, applicantID: applicant, programme: programme, year: year, requested: yuan(amount)),
            context: next(date)
        )
        return try ledger.decide(
            DecisionRequest(claimRef: ref, outcome: .grant(yuan(amount)), reviewer: "reviewer"),
            context: next(date)
        )
    }

    func use(
        _ ref: String,
        applicant: String,
        provider: String? = nil,
        product: String = "LAB-NMR",
        programme: ProgrammeID = shanghai,
        amount: String,
        on date: String = "2022-05-10",
        project: String? = nil,
        invoice: String? = nil
    ) throws -> RecordedEvent {
        try ledger.use(
            UseRequest(
                ref: ref,
                applicantID: applicant,
                providerID: provider ?? lab,
                productCode: product,
                programme: programme,
                serviceAmount: yuan(amount),
                project: project,
                invoice: invoice
            ),
            context: next(date)
        )
    }
}
