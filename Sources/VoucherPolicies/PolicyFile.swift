import VoucherDomain
import Yams

/// Reads a programme from its policy file (YAML, documented in `docs/policies.md`).
///
/// Every key is known or the file is refused; every refusal names the file, the key path, the line
/// and the reason: `sh.yaml:12: versions[0].caps.per_use: "-5" is negative; a cap is zero or more`.
public enum PolicyFile {
    /// The programme a policy file describes.
    ///
    /// - Parameters:
    ///   - yaml: the file's text.
    ///   - file: the name to use in errors.
    public static func programme(yaml: String, file: String) throws(PolicyError) -> Programme {
        var reader = PolicyReader(file: file)
        do {
            return try reader.programme(yaml: yaml)
        } catch let error {
            var located = error
            located.file = file
            if located.line == nil { located.line = reader.line(forKey: located.key) }
            throw located
        }
    }
}

/// Walks the YAML tree, remembering the line of every key so that errors found later can cite it.
struct PolicyReader {
    let file: String
    /// The line of each key read, by its path.
    var lines: [String: Int] = [:]

    init(file: String) { self.file = file }

    func line(forKey key: String) -> Int? {
        var path = key
        while !path.isEmpty {
            if let line = lines[path] { return line }
            guard let cut = path.lastIndex(where: { $0 == "." || $0 == "[" }) else { break }
            path = String(path[..<cut])
        }
        return nil
    }

    /// The largest policy file read: the bundled ones are 2 to 4 KiB.
    static let largestFile = 1 << 20
    /// The most items a list may have (applicant kinds, categories, regions, versions).
    static let longestList = 1_000

    mutating func programme(yaml: String) throws(PolicyError) -> Programme {
        guard yaml.utf8.count <= Self.largestFile else {
            throw PolicyError(
                key: "(file)",
                reason: "is \(yaml.utf8.count) bytes; a policy file is at most \(Self.largestFile) bytes (1 MiB)",
                zh: "文件有 \(yaml.utf8.count) 字节；政策文件最多 \(Self.largestFile) 字节（1 MiB）"
            )
        }
        // Anchors and aliases let a few lines stand for millions of nodes, which composing the
        // document would build; a policy file needs neither, so they are refused from the parser's
        // events first, in one pass as long as the file.
        if let line = Self.firstAnchorOrAlias(in: yaml) {
            throw PolicyError(
                key: "(file)",
                reason: "uses a YAML anchor (&) or alias (*); write each value out instead",
                zh: "使用了 YAML 锚点（&）或别名（*）；请逐项写出每个值",
                line: line
            )
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw Self.notYAML(error)
        }
        guard let root else { throw PolicyError(key: "(file)", reason: "the file is empty", zh: "文件为空") }
        let top = try mapping(root, at: "", allowed: ["id", "kind", "name", "versions"])
        let id = try ProgrammeID(try text(try required(top, "id", at: ""), at: "id"))
        let kindText = try text(try required(top, "kind", at: ""), at: "kind")
        guard let kind = ProgrammeKind(rawValue: kindText) else {
            throw PolicyError(
                key: "kind",
                reason: "\"\(kindText)\" is not a kind; use voucher, matching or grant",
                zh: "「\(kindText)」不是项目类型；请用 voucher（创新券）、matching（配套资助）或 grant（资助）"
            )
        }
        let nameMap = try mapping(try required(top, "name", at: ""), at: "name", allowed: ["zh", "en"])
        let name = LocalizedText(
            zh: try text(try required(nameMap, "zh", at: "name"), at: "name.zh"),
            en: try text(try required(nameMap, "en", at: "name"), at: "name.en")
        )
        let versionNodes = try sequence(try required(top, "versions", at: ""), at: "versions")
        var versions: [PolicyVersion] = []
        for (index, node) in versionNodes.enumerated() {
            versions.append(try version(node, at: "versions[\(index)]"))
        }
        return try Programme(id: id, kind: kind, name: name, versions: versions)
    }

    /// YAML that does not parse, at the line the parser stopped, where it says.
    private static func notYAML(_ error: any Error) -> PolicyError {
        var refusal = PolicyError(key: "(file)", reason: "not valid YAML: \(error)", zh: "不是有效的 YAML")
        switch error as? YamlError {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let started = context.map { " (\($0.text) at line \($0.mark.line))" } ?? ""
            refusal.line = mark.line
            refusal.reason = "not valid YAML at column \(mark.column): \(problem)\(started)"
            refusal.zh =
                "不是有效的 YAML，在第 \(mark.column) 列（解析器：\(problem)"
                + (context.map { "；\($0.text)，始于第 \($0.mark.line) 行" } ?? "") + "）"
        default:
            refusal.zh = "不是有效的 YAML：\(error)"
        }
        return refusal
    }

    // MARK: - A version

    private mutating func version(_ node: Node, at path: String) throws(PolicyError) -> PolicyVersion {
        let map = try mapping(
            node,
            at: path,
            allowed: [
                "effective_from", "effective_until", "rate", "caps", "rounding", "quota_validity", "redemption",
                "eligibility", "tax_base", "note", "note_zh", "review",
            ]
        )
        var version = PolicyVersion(
            effectiveFrom: try date(try required(map, "effective_from", at: path), at: "\(path).effective_from")
        )
        if let until = map["effective_until"] {
            version.effectiveUntil = try date(until, at: "\(path).effective_until")
        }
        if let rate = map["rate"] {
            version.rate = try sourced(rate, at: "\(path).rate") { text, key throws(PolicyError) in
                do throws(RateParseError) { return try Rate.parse(text) } catch {
                    throw PolicyError(key: key, reason: "\(error)", zh: error.text(.zh))
                }
            }
        }
        if let note = map["note"] { version.note = try text(note, at: "\(path).note") }
        if let note = map["note_zh"] {
            guard version.note != nil else {
                throw PolicyError(
                    key: "\(path).note_zh",
                    reason: "gives the Chinese of a note: give the note too (note: …)",
                    zh: "note_zh 是说明的中文：请同时填写说明本身（note: …）"
                )
            }
            version.noteZh = try Self.notBlank(try text(note, at: "\(path).note_zh"), at: "\(path).note_zh")
        }
        if let caps = map["caps"] { version.caps = try self.caps(caps, at: "\(path).caps") }
        if let rounding = map["rounding"] {
            version.rounding = try sourced(rounding, at: "\(path).rounding", Self.rounding)
        }
        if let validity = map["quota_validity"] {
            version.quotaValidity = try sourced(validity, at: "\(path).quota_validity", Self.quotaValidity)
        }
        if let redemption = map["redemption"] {
            let rules = try mapping(redemption, at: "\(path).redemption", allowed: ["deadline_days", "unpaid"])
            if let days = rules["deadline_days"] {
                version.redemption.deadlineDays = try sourced(days, at: "\(path).redemption.deadline_days") {
                    text,
                    key throws(PolicyError) in
                    guard let days = Int(text) else {
                        throw PolicyError(
                            key: key,
                            reason: "\"\(text)\" is not a whole number of days",
                            zh: "「\(text)」不是整数天数"
                        )
                    }
                    return days
                }
            }
            if let unpaid = rules["unpaid"] {
                version.redemption.unpaidAmount = try sourced(unpaid, at: "\(path).redemption.unpaid") {
                    text,
                    key throws(PolicyError) in
                    guard let effect = UnpaidRedemptionEffect(rawValue: text) else {
                        throw PolicyError(
                            key: key,
                            reason: "\"\(text)\" is not an effect; use returned or forfeited",
                            zh: "「\(text)」不是处理方式；请用 returned（退回额度）或 forfeited（不退回）"
                        )
                    }
                    return effect
                }
            }
        }
        if let eligibility = map["eligibility"] {
            version.eligibility = try self.eligibility(eligibility, at: "\(path).eligibility")
        }
        if let taxBase = map["tax_base"] {
            version.taxBase = try sourced(taxBase, at: "\(path).tax_base", Self.taxBase)
        }
        if let review = map["review"] {
            let rules = try mapping(review, at: "\(path).review", allowed: ["required_levels"])
            if let levels = rules["required_levels"] {
                let key = "\(path).review.required_levels"
                let names = try sourcedList(levels, at: key)
                var list: [ReviewLevel] = []
                for name in names.value {
                    guard let level = ReviewLevel(rawValue: name) else {
                        throw PolicyError(
                            key: key,
                            reason: "\"\(name)\" is not a review level; use district or city",
                            zh: "「\(name)」不是审核级别；请用 district（区级）或 city（市级）"
                        )
                    }
                    list.append(level)
                }
                version.requiredReviewLevels = Sourced(list, names.source)
            }
        }
        return version
    }

    private mutating func caps(_ node: Node, at path: String) throws(PolicyError) -> PolicyVersion.Caps {
        let map = try mapping(
            node,
            at: path,
            allowed: ["per_applicant_per_year", "per_group_per_year", "per_use", "per_project", "budget_per_year"]
        )
        var caps = PolicyVersion.Caps()
        if let perApplicant = map["per_applicant_per_year"] {
            let kinds = try mapping(
                perApplicant,
                at: "\(path).per_applicant_per_year",
                allowed: Set(ApplicantKind.allCases.map(\.rawValue))
            )
            for kind in ApplicantKind.allCases {
                if let cap = kinds[kind.rawValue] {
                    caps.perApplicantPerYear[kind] = try money(
                        cap,
                        at: "\(path).per_applicant_per_year.\(kind.rawValue)"
                    )
                }
            }
        }
        if let cap = map["per_group_per_year"] {
            caps.perGroupPerYear = try money(cap, at: "\(path).per_group_per_year")
        }
        if let cap = map["per_use"] { caps.perUse = try money(cap, at: "\(path).per_use") }
        if let cap = map["per_project"] { caps.perProject = try money(cap, at: "\(path).per_project") }
        if let cap = map["budget_per_year"] { caps.budgetPerYear = try money(cap, at: "\(path).budget_per_year") }
        return caps
    }

    private mutating func eligibility(_ node: Node, at path: String) throws(PolicyError) -> PolicyVersion.Eligibility {
        let map = try mapping(
            node,
            at: path,
            allowed: [
                "applicant_kinds", "product_categories", "provider_regions", "applicant_districts",
                "applicant_attributes", "invoice_required",
            ]
        )
        var eligibility = PolicyVersion.Eligibility()
        if let kinds = map["applicant_kinds"] {
            let names = try sourcedList(kinds, at: "\(path).applicant_kinds")
            var set: Set<ApplicantKind> = []
            for name in names.value {
                guard let kind = ApplicantKind(rawValue: name) else {
                    throw PolicyError(
                        key: "\(path).applicant_kinds",
                        reason: "\"\(name)\" is not an applicant kind; use enterprise or team",
                        zh: "「\(name)」不是申请主体类型；请用 enterprise（企业）或 team（创业团队）"
                    )
                }
                set.insert(kind)
            }
            eligibility.applicantKinds = Sourced(set, names.source)
        }
        if let categories = map["product_categories"] {
            let list = try sourcedList(categories, at: "\(path).product_categories")
            eligibility.productCategories = Sourced(Set(list.value), list.source)
        }
        if let regions = map["provider_regions"] {
            let list = try sourcedList(regions, at: "\(path).provider_regions")
            eligibility.providerRegions = Sourced(Set(list.value), list.source)
        }
        if let districts = map["applicant_districts"] {
            let list = try sourcedList(districts, at: "\(path).applicant_districts")
            eligibility.applicantDistricts = Sourced(Set(list.value), list.source)
        }
        if let attributes = map["applicant_attributes"] {
            let list = try sourcedList(attributes, at: "\(path).applicant_attributes")
            for name in list.value where !ApplicantRegistration.isAttributeName(name) {
                throw PolicyError(
                    key: "\(path).applicant_attributes",
                    reason: "\"\(name)\" is not an attribute name; use lower-case letters, digits and hyphens, "
                        + "e.g. tech-sme",
                    zh: "「\(name)」不是属性名；请用小写字母、数字和连字符，如 tech-sme"
                )
            }
            eligibility.applicantAttributes = Sourced(Set(list.value), list.source)
        }
        if let required = map["invoice_required"] {
            eligibility.invoiceRequired = try sourced(required, at: "\(path).invoice_required") {
                text,
                key throws(PolicyError) in
                switch text {
                case "true": return true
                case "false": return false
                default:
                    throw PolicyError(
                        key: key,
                        reason: "\"\(text)\" is not true or false",
                        zh: "「\(text)」不是 true 或 false"
                    )
                }
            }
        }
        return eligibility
    }

    // MARK: - Values

    private static func rounding(_ text: String, key: String) throws(PolicyError) -> Rounding {
        // "down to fen", "half-up to yuan", "half-even to fen"
        let words = text.split(separator: " ")
        guard words.count == 3, words[1] == "to", let mode = Rounding.Mode(rawValue: String(words[0])),
            let unit = Rounding.Unit(rawValue: String(words[2]))
        else {
            throw PolicyError(
                key: key,
                reason: "\"\(text)\" is not a rounding; write e.g. \"down to fen\", \"half-up to yuan\", "
                    + "\"half-even to fen\"",
                zh: "「\(text)」不是取整方式；请写如 down to fen（舍去到分）、half-up to yuan（四舍五入到元）、"
                    + "half-even to fen（银行家舍入到分）"
            )
        }
        return Rounding(unit: unit, mode: mode)
    }

    private static func quotaValidity(_ text: String, key: String) throws(PolicyError) -> QuotaValidity {
        if text == "end of year" { return .endOfYear }
        let words = text.split(separator: " ")
        if words.count == 2, words[1] == "months" || words[1] == "month", let months = Int(words[0]) {
            return .months(months)
        }
        throw PolicyError(
            key: key,
            reason: "\"\(text)\" is not a validity; write \"end of year\" or e.g. \"12 months\"",
            zh: "「\(text)」不是有效期；请写 end of year（至年底）或如 12 months（12 个月）"
        )
    }

    private static func taxBase(_ text: String, key: String) throws(PolicyError) -> TaxBase {
        if text == "inclusive" { return .inclusive }
        let words = text.split(separator: " ")
        if words.count == 2, words[0] == "exclusive", let vat = try? Rate.parse(String(words[1])) {
            return .exclusive(vatRate: vat)
        }
        throw PolicyError(
            key: key,
            reason: "\"\(text)\" is not a tax base; write \"inclusive\" or e.g. \"exclusive 6%\"",
            zh: "「\(text)」不是计税基础；请写 inclusive（含税）或如 exclusive 6%（不含 6% 增值税）"
        )
    }

    private mutating func money(_ node: Node, at path: String) throws(PolicyError) -> Sourced<Money> {
        try sourced(node, at: path) { text, key throws(PolicyError) in
            do throws(MoneyParseError) {
                return try Money.parse(text, allowNegative: true)
            } catch {
                throw PolicyError(key: key, reason: "\(error)", zh: error.text(.zh))
            }
        }
    }

    /// A value written plainly (`rate: 50%`) or with its source
    /// (`rate: {value: 50%, source: seed, clause: "…"}`).
    private mutating func sourced<Value>(
        _ node: Node,
        at path: String,
        _ parse: (String, String) throws(PolicyError) -> Value
    ) throws(PolicyError) -> Sourced<Value> {
        if case .mapping = node {
            let (valueNode, source) = try sourcedParts(node, at: path)
            return Sourced(try parse(try text(valueNode, at: "\(path).value"), "\(path).value"), source)
        }
        return Sourced(try parse(try text(node, at: path), path))
    }

    private mutating func sourcedList(_ node: Node, at path: String) throws(PolicyError) -> Sourced<[String]> {
        var listNode = node
        var source: Source?
        if case .mapping = node { (listNode, source) = try sourcedParts(node, at: path) }
        var items: [String] = []
        for (index, item) in try sequence(listNode, at: path).enumerated() {
            items.append(try text(item, at: "\(path)[\(index)]"))
        }
        return Sourced(items, source)
    }

    private mutating func sourcedParts(_ node: Node, at path: String) throws(PolicyError) -> (Node, Source?) {
        let map = try mapping(node, at: path, allowed: ["value", "source", "clause", "clause_zh"])
        let value = try required(map, "value", at: path)
        guard let basisNode = map["source"] else {
            if map["clause"] != nil || map["clause_zh"] != nil {
                throw PolicyError(
                    key: "\(path).source",
                    reason: "a clause needs its source: policy, seed, secondary or assumed",
                    zh: "条款需注明来源：policy（政策文件）、seed（杨科两会〔2023〕21号）、secondary（二手资料）或 assumed（假设）"
                )
            }
            return (value, nil)
        }
        let basisText = try text(basisNode, at: "\(path).source")
        guard let basis = Source.Basis(rawValue: basisText) else {
            throw PolicyError(
                key: "\(path).source",
                reason: "\"\(basisText)\" is not a source; use policy, seed, secondary or assumed",
                zh: "「\(basisText)」不是来源；请用 policy、seed、secondary 或 assumed"
            )
        }
        let clause = try map["clause"].map { node throws(PolicyError) in try text(node, at: "\(path).clause") } ?? ""
        // The clause's Chinese, for a clause written in another language: with the clause it
        // translates.
        let zh = try map["clause_zh"].map { node throws(PolicyError) in
            try Self.notBlank(try text(node, at: "\(path).clause_zh"), at: "\(path).clause_zh")
        }
        if zh != nil, clause.isEmpty {
            throw PolicyError(
                key: "\(path).clause_zh",
                reason: "gives the Chinese of a clause: give the clause too (clause: …)",
                zh: "clause_zh 是条款的中文：请同时填写条款本身（clause: …）"
            )
        }
        return (value, Source(basis, clause, zh: zh))
    }

    /// A translation given is one: an empty one would show a citation or a note without words.
    private static func notBlank(_ text: String, at path: String) throws(PolicyError) -> String {
        guard text.trimmed.isEmpty else { return text }
        throw PolicyError(key: path, reason: "is empty; leave the key out instead", zh: "为空；不需要时请删去此项")
    }

    private mutating func date(_ node: Node, at path: String) throws(PolicyError) -> BusinessDate {
        let value = try text(node, at: path)
        do throws(DateParseError) {
            return try BusinessDate.parse(value)
        } catch {
            throw PolicyError(key: path, reason: "\(error)", zh: error.text(.zh))
        }
    }
}
