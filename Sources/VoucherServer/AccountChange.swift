/// A change to an account (a user added, a token issued or revoked), as admins see it.
public struct AccountChange: Sendable, Hashable {
    public var seq: Int64
    public var at: String
    public var by: String
    public var user: String
    /// As stored: in English, the words of ``Kind/stored``.
    public var change: String

    /// What the change was, read back from its stored words; nil for words this version does not
    /// write (they are shown as they are).
    public var kind: Kind? { Kind(stored: change) }

    /// The changes an account records. Each is stored in its English words, which the rows
    /// written so far keep (the table is append-only), and read back from them.
    public enum Kind: Sendable, Hashable {
        /// A user added with a role, acting for an applicant or a provider (`("applicant", id)`).
        case added(Role, party: (kind: String, id: String)?)
        case tokenIssued
        case tokensRevoked
        case disabled
        case enabled
        case passwordSet

        public var stored: String {
            switch self {
            case .added(let role, let party):
                "added as \(role.rawValue)" + (party.map { " for \($0.kind) \($0.id)" } ?? "")
            case .tokenIssued: "API token issued"
            case .tokensRevoked: "API tokens revoked, sessions ended"
            case .disabled: "disabled: tokens revoked, sessions ended"
            case .enabled: "enabled"
            case .passwordSet: "password set, sessions ended"
            }
        }

        init?(stored: String) {
            let fixed: [Kind] = [.tokenIssued, .tokensRevoked, .disabled, .enabled, .passwordSet]
            if let kind = fixed.first(where: { $0.stored == stored }) {
                self = kind
                return
            }
            // The first version's words for a revocation, before it also ended sessions.
            if stored == "API tokens revoked" {
                self = .tokensRevoked
                return
            }
            guard stored.hasPrefix("added as ") else { return nil }
            let words = stored.dropFirst("added as ".count).split(separator: " ", maxSplits: 3)
            guard let role = words.first.flatMap({ Role(rawValue: String($0)) }) else { return nil }
            if words.count == 1 {
                self = .added(role, party: nil)
            } else if words.count == 4, words[1] == "for", words[2] == "applicant" || words[2] == "provider" {
                self = .added(role, party: (String(words[2]), String(words[3])))
            } else {
                return nil
            }
        }

        public static func == (lhs: Kind, rhs: Kind) -> Bool { lhs.stored == rhs.stored }
        public func hash(into hasher: inout Hasher) { hasher.combine(stored) }
    }
}
