/// A programme's identifier: lower-case letters, digits and `-`, e.g. `sh-innovation-voucher`.
public struct ProgrammeID: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let value: String

    public init(_ text: String) throws(PolicyError) {
        // Bytes, not Characters: the id is ASCII, and this runs for every settlement a replay makes.
        let bytes = text.utf8
        guard let first = bytes.first, bytes.count <= 64, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first),
            bytes.allSatisfy({
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                    || $0 == UInt8(ascii: "-")
            })
        else {
            throw PolicyError(
                key: "id",
                reason: "\"\(text)\" is not a programme id; use lower-case letters, digits and -, "
                    + "e.g. sh-innovation-voucher",
                zh: "「\(text)」不是项目编号；请用小写字母、数字和 -，如 sh-innovation-voucher"
            )
        }
        value = text
    }

    public static func < (lhs: ProgrammeID, rhs: ProgrammeID) -> Bool { lhs.value < rhs.value }
    public var description: String { value }
}

/// How a programme's support is computed (domain.md, "Programmes").
public enum ProgrammeKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// An annual quota is claimed; each purchase pays `rate × eligible amount` from it, within caps.
    case voucher
    /// Reimburses `rate × amount actually paid`, within a per-project cap.
    case matching
    /// A decided amount, within a per-applicant cap.
    case grant
}

/// Who applies: an enterprise with a credit code, or a start-up team without one.
public enum ApplicantKind: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case enterprise
    case team

    public static func < (lhs: ApplicantKind, rhs: ApplicantKind) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Text in the two languages the product speaks.
public struct LocalizedText: Sendable, Hashable, Codable {
    public var zh: String
    public var en: String

    public init(zh: String, en: String) {
        self.zh = zh
        self.en = en
    }

    public func text(_ language: Language) -> String { language == .zh ? zh : en }
}

/// A language of the product's output.
public enum Language: String, Sendable, Hashable, Codable, CaseIterable {
    case zh
    case en
}

/// A programme and its policy versions, each in force over a span of dates.
///
/// Build one with ``init(id:kind:name:versions:)``, which refuses versions that overlap, run
/// backwards or carry impossible values.
public struct Programme: Sendable, Hashable, Identifiable {
    public let id: ProgrammeID
    public let kind: ProgrammeKind
    public let name: LocalizedText
    /// In order of their dates, never overlapping.
    public let versions: [PolicyVersion]

    public init(
        id: ProgrammeID,
        kind: ProgrammeKind,
        name: LocalizedText,
        versions: [PolicyVersion]
    )
        throws(PolicyError)
    {
        guard !versions.isEmpty else {
            throw PolicyError(key: "versions", reason: "a programme needs at least one version", zh: "项目至少需要一个版本")
        }
        for (index, version) in versions.enumerated() {
            try version.validate(for: kind, key: "versions[\(index)]")
            if index > 0 {
                let previous = versions[index - 1]
                guard previous.effectiveFrom < version.effectiveFrom else {
                    throw PolicyError(
                        key: "versions[\(index)].effective_from",
                        reason:
                            "\(version.effectiveFrom) is not after the previous version's \(previous.effectiveFrom); "
                            + "list versions in date order",
                        zh: "\(version.effectiveFrom) 不晚于上一版本的 \(previous.effectiveFrom)；请按日期顺序列出版本"
                    )
                }
                if let until = previous.effectiveUntil, until >= version.effectiveFrom {
                    throw PolicyError(
                        key: "versions[\(index - 1)].effective_until",
                        reason: "versions overlap: \(until) is on or after the next version's start, "
                            + "\(version.effectiveFrom)",
                        zh: "版本重叠：\(until) 不早于下一版本的生效日 \(version.effectiveFrom)"
                    )
                }
            }
        }
        self.id = id
        self.kind = kind
        self.name = name
        self.versions = versions
    }

    /// The version in force on `date`: the latest that has started and not ended.
    public func version(on date: BusinessDate) -> PolicyVersion? {
        guard let version = versions.last(where: { $0.effectiveFrom <= date }) else { return nil }
        if let until = version.effectiveUntil, until < date { return nil }
        return version
    }
}

/// Why a policy is refused: the key that is wrong and the reason. A loader adds the file.
public struct PolicyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Where in the policy, as a path: `versions[1].caps.per_use`.
    public var key: String
    public var reason: String
    /// The file, when the policy came from one.
    public var file: String?
    /// The line in that file, when known.
    public var line: Int?
    /// The reason in Chinese, for the console's Chinese pages (else the English is shown).
    public var zh: String?

    public init(key: String, reason: String, zh: String? = nil, file: String? = nil, line: Int? = nil) {
        self.key = key
        self.reason = reason
        self.zh = zh
        self.file = file
        self.line = line
    }

    public var description: String {
        var place = file ?? "policy"
        if let line { place += ":\(line)" }
        return "\(place): \(key): \(reason)"
    }

    /// The description in `language`: in Chinese, where the file is, its line and key, and why.
    public func text(_ language: Language) -> String {
        guard language == .zh else { return description }
        var place = file.map { "「\($0)」" } ?? ""
        if let line { place += "第 \(line) 行" }
        // A programme id read on its own (an option, a form's field) is no key of a file.
        if key != "(file)" && !(key == "id" && file == nil && line == nil) {
            place += place.isEmpty ? key : "，\(key)"
        }
        return (place.isEmpty ? "" : place + "：") + (zh ?? reason)
    }
}
