/// Where a policy value comes from, so that an explanation can cite it and an official can judge it.
public struct Source: Sendable, Hashable, Codable, CustomStringConvertible {
    /// How much the value can be trusted.
    public enum Basis: String, Sendable, Hashable, Codable, CaseIterable {
        /// An official policy document (the normal case once an official has checked a value).
        case policy
        /// The seed document, 杨科两会〔2023〕21号.
        case seed
        /// A secondary source: reporting, another commission's page, an inference from published figures.
        case secondary
        /// Assumed by the project where no source was found; an official should confirm or correct it.
        case assumed
    }

    public var basis: Basis
    /// The clause, document or reasoning, e.g. `杨科两会〔2023〕21号 第六条: 给予50%补贴`.
    public var clause: String
    /// The clause in Chinese, where the policy file gives it apart (`clause_zh`): a reasoning
    /// written in English then reads in Chinese in a Chinese explanation.
    public var clauseZh: String?

    public init(_ basis: Basis, _ clause: String, zh: String? = nil) {
        self.basis = basis
        self.clause = clause
        self.clauseZh = zh
    }

    /// `seed: 杨科两会〔2023〕21号 第六条`.
    public var description: String { clause.isEmpty ? basis.rawValue : "\(basis.rawValue): \(clause)" }

    /// As a citation reads in `language`: in English ``description``; in Chinese the basis in
    /// Chinese and the clause's Chinese where it has one, `来源文件：杨科两会〔2023〕21号 第六条`.
    public func text(_ language: Language) -> String {
        guard language == .zh else { return description }
        let basis =
            switch self.basis {
            case .policy: "政策文件"
            case .seed: "来源文件"
            case .secondary: "间接来源"
            case .assumed: "假定（待核实）"
            }
        let clause = clauseZh ?? self.clause
        return clause.isEmpty ? basis : "\(basis)：\(clause)"
    }
}

/// A policy value with its source, which explanations cite.
public struct Sourced<Value: Sendable & Hashable>: Sendable, Hashable {
    public var value: Value
    public var source: Source?

    public init(_ value: Value, _ source: Source? = nil) {
        self.value = value
        self.source = source
    }
}
