/// The 18-character Unified Social Credit Code (统一社会信用代码, GB 32100-2015) of an enterprise or
/// provider, with its check character verified.
///
/// ```swift
/// try UnifiedSocialCreditCode("91350100M000100Y43")   // valid
/// try UnifiedSocialCreditCode("91310115MA1H8R7C6D")   // throws: check character should be 7, is D
/// ```
public struct UnifiedSocialCreditCode: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The code, upper-case.
    public let value: String

    /// The characters a code may contain; a character's value is its index (no I, O, S, V, Z).
    public static let alphabet: [Character] = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")
    static let weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

    /// A code whose check character is correct; otherwise ``USCCError`` says what is wrong.
    public init(_ text: String) throws(USCCError) {
        let code = text.trimmingSpaces().uppercased()
        let characters = Array(code)
        guard characters.count == 18 else { throw .wrongLength(code: code, length: characters.count) }
        for (index, character) in characters.enumerated() where !Self.alphabet.contains(character) {
            throw .forbiddenCharacter(code: code, character: character, position: index + 1)
        }
        guard let expected = Self.checkCharacter(for: String(characters.prefix(17))) else {
            throw .wrongLength(code: code, length: characters.count)
        }
        if characters[17] != expected {
            throw .checkCharacterMismatch(code: code, expected: expected, actual: characters[17])
        }
        value = code
    }

    /// The check character for the first 17 characters of a code, or nil when they are not 17
    /// characters of the alphabet. Use it to make valid codes (test data, demo data).
    public static func checkCharacter(for first17: String) -> Character? {
        let characters = Array(first17)
        guard characters.count == 17 else { return nil }
        var sum = 0
        for (character, weight) in zip(characters, weights) {
            guard let value = alphabet.firstIndex(of: character) else { return nil }
            sum += value * weight
        }
        return alphabet[(31 - sum % 31) % 31]
    }

    public var description: String { value }
}

/// Why a text is not a valid Unified Social Credit Code.
public enum USCCError: Error, Sendable, Equatable, CustomStringConvertible {
    case wrongLength(code: String, length: Int)
    case forbiddenCharacter(code: String, character: Character, position: Int)
    case checkCharacterMismatch(code: String, expected: Character, actual: Character)

    public var description: String {
        switch self {
        case .wrongLength(let code, let length):
            "credit code \"\(code)\" has \(length) characters; a Unified Social Credit Code has 18"
        case .forbiddenCharacter(let code, let character, let position):
            "credit code \"\(code)\" has \"\(character)\" at position \(position); "
                + "codes use only digits and ABCDEFGHJKLMNPQRTUWXY (no I, O, S, V, Z)"
        case .checkCharacterMismatch(let code, let expected, let actual):
            "credit code \"\(code)\": check character should be \(expected), is \(actual); "
                + "check the code, or record an override with a reason if the registry really issued it"
        }
    }

    /// The code as it was checked.
    public var code: String {
        switch self {
        case .wrongLength(let code, _), .forbiddenCharacter(let code, _, _), .checkCharacterMismatch(let code, _, _):
            code
        }
    }

    /// The same in Chinese, for the console's Chinese pages.
    public var zh: String {
        switch self {
        case .wrongLength(_, let length):
            "有 \(length) 个字符；统一社会信用代码为 18 位"
        case .forbiddenCharacter(_, let character, let position):
            "第 \(position) 位为「\(character)」；代码只用数字和 ABCDEFGHJKLMNPQRTUWXY（无 I、O、S、V、Z）"
        case .checkCharacterMismatch(_, let expected, let actual):
            "校验码应为 \(expected)，实为 \(actual)；请核对代码，如登记机关确实核发此代码，请写明理由人工核准"
        }
    }
}

/// A start-up team's registration number with the programme (teams have no credit code):
/// 3 to 32 characters of ASCII letters, digits and `-`, starting with a letter, e.g. `YP-T-2023-017`.
public struct TeamRegistrationNumber: Sendable, Hashable, Codable, CustomStringConvertible {
    public let value: String

    public init(_ text: String) throws(TeamNumberError) {
        let number = text.trimmingSpaces().uppercased()
        guard (3...32).contains(number.count), let first = number.first, first.isASCII, first.isLetter,
            number.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") })
        else {
            throw .malformed(text: text)
        }
        value = number
    }

    public var description: String { value }
}

/// Why a text is not a team registration number.
public enum TeamNumberError: Error, Sendable, Equatable, CustomStringConvertible {
    case malformed(text: String)

    public var description: String {
        switch self {
        case .malformed(let text):
            "team number \"\(text)\" is not valid; use 3 to 32 letters, digits and -, starting with a letter, "
                + "e.g. YP-T-2023-017"
        }
    }

    /// The same in Chinese.
    public var zh: String { "不是有效的团队编号；请用 3 至 32 个字母、数字或 -，以字母开头，如 YP-T-2023-017" }
}

/// Who a party is, as the ledger records it: a verified credit code, a credit code recorded
/// despite a failing check (with the reason and who allowed it), or a team's registration number.
public enum PartyIdentifier: Sendable, Hashable, Codable, CustomStringConvertible {
    case creditCode(UnifiedSocialCreditCode)
    /// A real code that fails the check; kept as written, with an audited reason.
    case overriddenCreditCode(code: String, reason: String, approvedBy: String)
    case team(TeamRegistrationNumber)

    /// The identifier as text: the key parties are found by.
    public var value: String {
        switch self {
        case .creditCode(let code): code.value
        case .overriddenCreditCode(let code, _, _): code
        case .team(let number): number.value
        }
    }

    public var description: String { value }

    /// A credit code, verified; or an override when `override` gives a reason and approver.
    ///
    /// An override is refused for a code that would pass the check (nothing to override) and for
    /// text that is not even 18 characters of the alphabet (a typing mistake, not a registry quirk).
    public static func creditCode(
        _ text: String,
        override: (reason: String, approvedBy: String)? = nil
    ) throws(USCCError) -> PartyIdentifier {
        do {
            return .creditCode(try UnifiedSocialCreditCode(text))
        } catch {
            guard let override, case .checkCharacterMismatch(let code, _, _) = error,
                !override.reason.trimmingSpaces().isEmpty, !override.approvedBy.trimmingSpaces().isEmpty
            else { throw error }
            return .overriddenCreditCode(code: code, reason: override.reason, approvedBy: override.approvedBy)
        }
    }

    /// A party's identifier as a registration gives it: a team number (`team`), or a credit code
    /// (overridden when a reason and an approver are given); a refusal names the field `id`.
    public static func registered(
        _ id: String,
        team: Bool,
        overrideReason: String? = nil,
        overrideBy: String? = nil
    ) throws(LedgerError) -> PartyIdentifier {
        do {
            if team { return .team(try TeamRegistrationNumber(id)) }
            let reason = overrideReason?.trimmingSpaces() ?? ""
            let approver = overrideBy?.trimmingSpaces() ?? ""
            // An override names both why and who approved it: one without the other is refused
            // for what it lacks, not for the check character.
            if reason.isEmpty != approver.isEmpty {
                throw LedgerError.invalid(
                    field: reason.isEmpty ? "override_reason" : "override_by",
                    value: "",
                    reason: reason.isEmpty
                        ? "is empty; an override of the credit code check names its reason as well as who approved it"
                        : "is empty; an override of the credit code check names who approved it as well as its reason",
                    zh: reason.isEmpty ? "为空：人工核准信用代码须同时写明理由与核准人" : "为空：人工核准信用代码须同时写明核准人与理由"
                )
            }
            let override = overrideReason.flatMap { reason in overrideBy.map { (reason: reason, approvedBy: $0) } }
            return try PartyIdentifier.creditCode(id, override: override)
        } catch let error as LedgerError {
            throw error
        } catch let error as USCCError {
            throw .invalid(field: "id", value: id, reason: error.description, zh: error.zh)
        } catch let error as TeamNumberError {
            throw .invalid(field: "id", value: id, reason: error.description, zh: error.zh)
        } catch {
            throw .invalid(field: "id", value: id, reason: "\(error)")
        }
    }
}
