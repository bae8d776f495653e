import VoucherDomain

/// A chain head written down at one time, to check later that the ledger still extends it: a
/// rewritten or truncated chain no longer does.
///
/// Its text form is one line: `voucher-ledger digest 1: 1234 events, head 9f86d0818…`.
public struct LedgerDigest: Sendable, Hashable, CustomStringConvertible {
    public var events: Int64
    public var head: String

    public init(events: Int64, head: String) {
        self.events = events
        self.head = head
    }

    public init(_ head: ChainHead) {
        self.init(events: head.events, head: head.hash)
    }

    public var description: String { "voucher-ledger digest 1: \(events) events, head \(head)" }

    /// Reads the text form back; nil when it is not a digest.
    public init?(text: String) {
        let trimmed = text.trimmed
        let prefix = "voucher-ledger digest 1: "
        guard trimmed.hasPrefix(prefix) else { return nil }
        let parts = trimmed.dropFirst(prefix.count).split(separator: " ")
        // A ledger has at least one event: a digest of none, or of fewer, was not printed by a ledger.
        guard parts.count == 4, parts[1] == "events,", parts[2] == "head", let events = Int64(parts[0]), events >= 1,
            parts[0].allSatisfy({ $0.isASCII && $0.isNumber }),
            parts[3].count == 64, parts[3].allSatisfy({ $0.isHexDigit && !$0.isUppercase })
        else { return nil }
        self.init(events: events, head: String(parts[3]))
    }
}

/// How a ledger stands against a digest written down earlier.
public enum DigestComparison: Sendable, Hashable {
    /// The event the digest names is there with its hash: the ledger extends it.
    case extends(LedgerDigest)
    /// The ledger has fewer events than the digest covers.
    case truncated(digest: LedgerDigest, events: Int64)
    /// The event the digest names has another hash now, or (nil) is missing below the head.
    case rewritten(digest: LedgerDigest, hash: String?)

    /// The problem ``Ledger/verify(against:)`` reports; nil when the ledger extends the digest.
    public var problem: VerificationReport.Problem? {
        switch self {
        case .extends: nil
        case .truncated(let digest, let events):
            .init(
                event: nil,
                message: "the ledger is truncated: the digest covers \(digest.events) events, the ledger has \(events)",
                zh: "账本被截短：摘要记有 \(digest.events) 个事件，账本现只有 \(events) 个"
            )
        case .rewritten(let digest, let hash?):
            .init(
                event: digest.events,
                message: "the chain was rewritten: its hash is \(hash), the digest says \(digest.head)",
                zh: "账本被改写：其哈希现为 \(hash)，摘要记为 \(digest.head)"
            )
        case .rewritten(let digest, nil):
            .init(
                event: digest.events,
                message: "the chain was rewritten: the event the digest names is missing",
                zh: "账本被改写：摘要所指的事件已不存在"
            )
        }
    }
}

/// What verification found: all events verify, or the first that does not and why.
public struct VerificationReport: Sendable, Hashable {
    public struct Problem: Sendable, Hashable, CustomStringConvertible {
        /// The first event that does not match, when the problem is in an event.
        public var event: Int64?
        public var message: String
        /// The same in Chinese: `voucher verify` (Chinese unless `--lang en`) and the console's
        /// Chinese verify page show it.
        public var zh: String

        public var description: String { event.map { "event \($0): \(message)" } ?? message }

        /// The problem in `language`, with its event: `第 12 个事件：内容与其哈希不符……`.
        public func text(_ language: Language) -> String {
            guard language == .zh else { return description }
            return event.map { "第 \($0) 个事件：\(zh)" } ?? zh
        }
    }

    public var eventsChecked: Int64
    public var head: ChainHead
    /// The first problem, by event; problems with balances or a digest come after those of events.
    public var problem: Problem?

    public var isValid: Bool { problem == nil }

    /// Whether the fact rows' digests differed from the payloads' and the rows were compared one by
    /// one (on an intact ledger they never differ; the tests hold verification to that).
    var factsComparedRowByRow = false
}
