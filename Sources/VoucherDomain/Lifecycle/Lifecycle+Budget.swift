// MARK: - The programme's fund: a year's appropriation and what grants may still commit

/// One funder's share of an appropriation (the city's 60%, the district's 40%).
public struct BudgetShare: Sendable, Hashable {
    public var name: String
    public var rate: Rate
    /// The share as it was typed (`市级=60%`), which a refusal quotes; nil when it was not parsed
    /// from text. Neither recorded nor compared: two shares are equal by name and rate.
    public var written: String?

    public init(name: String, rate: Rate, written: String? = nil) {
        self.name = name
        self.rate = rate
        self.written = written
    }

    public static func == (left: BudgetShare, right: BudgetShare) -> Bool {
        left.name == right.name && left.rate == right.rate
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(rate)
    }

    /// The share as a refusal quotes it: as typed, else its key and rate.
    var quoted: String { written ?? "\(name)=\(rate)" }

    /// A share as written: `city=60%`, or `市级：60%` (a colon, and the full-width forms a Chinese
    /// input method types, are read too). A name is a key in lower case, as a category or region
    /// is (`City` is `city`), and the two funders the reports name are also read in Chinese:
    /// 市级 (or 市) is `city`, 区级 (or 区) `district`.
    public static func parse(_ text: String) throws(LedgerError) -> BudgetShare {
        let parts = text.halfWidth.split(maxSplits: 1) { $0 == "=" || $0 == ":" }.map { String($0).trimmed }
        guard parts.count == 2, let rate = try? Rate.parse(parts[1]) else {
            throw .invalid(
                field: "share",
                value: text,
                reason: "write a funder's share as name=rate, e.g. city=60%",
                zh: "格式有误，请写作 名称=比例，如 市级=60%"
            )
        }
        let chinese = ["市级": "city", "市": "city", "区级": "district", "区": "district"]
        return BudgetShare(name: chinese[parts[0]] ?? parts[0].lowercased(), rate: rate, written: text.trimmed)
    }
}

/// A programme year's appropriation as recorded: the `budget` row and the payload its event hashes.
/// A later one for the same year revises it; the history keeps both.
public struct Appropriation: Sendable, Hashable {
    public var programme: ProgrammeID
    public var year: Int
    public var amount: Money
    public var shares: [BudgetShare]

    public init(programme: ProgrammeID, year: Int, amount: Money, shares: [BudgetShare] = []) {
        self.programme = programme
        self.year = year
        self.amount = amount
        self.shares = shares
    }

    /// The shares as the row and the payload keep them: `city=6000;district=4000` (basis points,
    /// in the order given); nil when there are none (the payload then leaves the key out).
    public var sharesText: String? {
        shares.isEmpty ? nil : shares.map { "\($0.name)=\($0.rate.basisPoints)" }.joined(separator: ";")
    }

    /// Reads ``sharesText``; nil for text it does not write.
    public static func shares(_ text: String?) -> [BudgetShare]? {
        guard let text else { return [] }
        var shares: [BudgetShare] = []
        for part in text.split(separator: ";") {
            let pieces = part.split(separator: "=")
            guard pieces.count == 2, let points = Int64(pieces[1]) else { return nil }
            shares.append(BudgetShare(name: String(pieces[0]), rate: Rate(basisPoints: points)))
        }
        return shares
    }

    public var payload: CanonicalJSON {
        var members: [String: CanonicalJSON] = [
            "programme": .string(programme.value), "year": .int(Int64(year)), "amount": .money(amount),
        ]
        if let sharesText { members["shares"] = .string(sharesText) }
        return .object(members)
    }

    /// How far the grants already made exceed this amount (`committed`, the year's live claims'
    /// current grants); nil when they fit. An appropriation below them is recorded (a cut is a
    /// fact to record), but no grant may then be added or raised until grants are lowered below
    /// it or it is revised: the one recording it is told.
    public func shortfall(committed: Money) -> Money? {
        committed > amount ? committed.remaining(after: amount) : nil
    }

    /// Each share's part of the amount, rounded down to the fen; the last takes what rounding
    /// left, so that the parts add up to the amount.
    public var shareAmounts: [(share: BudgetShare, amount: Money)] {
        var parts: [(BudgetShare, Money)] = []
        var left = amount
        for (index, share) in shares.enumerated() {
            let part =
                index == shares.count - 1
                ? left : ((try? share.rate.apply(to: amount, rounding: .downToFen)) ?? .zero)
            parts.append((share, part))
            left = left.remaining(after: part)
        }
        return parts
    }
}

/// The appropriation a grant is decided against, and what the year's other claims have committed.
public struct BudgetState: Sendable, Hashable {
    public var appropriation: Appropriation
    /// The event that recorded the appropriation in force.
    public var event: Int64
    /// The current grants of the year's other live claims.
    public var committedByOthers: Money
    /// The claim's own current grant: a decision may always lower it, even when a revision left
    /// the year over-committed.
    public var current: Money

    public init(appropriation: Appropriation, event: Int64, committedByOthers: Money, current: Money = .zero) {
        self.appropriation = appropriation
        self.event = event
        self.committedByOthers = committedByOthers
        self.current = current
    }

    /// What may still be granted to the claim: the appropriation less the others' grants.
    public var left: Money { appropriation.amount.remaining(after: committedByOthers) }
}

extension Lifecycle {
    /// An appropriation checked: a plausible year, an amount of zero or more, shares with names,
    /// each above 0%, named once, adding up to 100%.
    public static func appropriation(_ request: Appropriation) throws(LedgerError) -> EventDraft {
        guard (1900...9999).contains(request.year) else {
            throw .invalid(field: "year", value: "\(request.year)", reason: "is not a year", zh: "不是有效年份")
        }
        try checkAmount(request.amount, field: "amount")
        var named: [String: BudgetShare] = [:]
        var total: Int64 = 0
        for share in request.shares {
            let name = share.name
            guard ApplicantRegistration.isAttributeName(name) else {
                throw .invalid(
                    field: "share",
                    value: share.quoted,
                    reason: "is not a funder's name; write city or district (市级, 区级), or another funder in "
                        + "lower-case letters, digits and hyphens, e.g. province=20%",
                    zh: "不是有效的出资方名称；市级、区级可直接写（或 city、district），其他出资方请用小写字母、数字和连字符，如 province=20%"
                )
            }
            if let first = named[name] {
                // Quoted both as typed: `city=60%` and `市级=40%` name one funder.
                throw .invalid(
                    field: "share",
                    value: first.quoted + "; " + share.quoted,
                    reason: "both name \(name); give each funder's share once",
                    zh: "均指 \(name)；每个出资方的比例只写一次"
                )
            }
            named[name] = share
            guard share.rate.basisPoints > 0 else {
                throw .invalid(
                    field: "share",
                    value: share.quoted,
                    reason: "is 0%; leave the funder out",
                    zh: "为 0%；请删去该出资方"
                )
            }
            total += share.rate.basisPoints
        }
        if !request.shares.isEmpty && total != 10_000 {
            throw .invalid(
                field: "share",
                value: request.shares.map(\.quoted).joined(separator: "; "),
                reason: "the shares add up to \(Rate(basisPoints: total)), not 100%",
                zh: "各出资比例合计为 \(Rate(basisPoints: total))，而非 100%"
            )
        }
        return EventDraft(kind: .budget, programme: request.programme, payload: request.payload)
    }

    /// Refuses a grant that raises the claim's current grant beyond what the year's appropriation
    /// leaves, naming the appropriation. Lowering a grant is never refused.
    static func checkBudget(_ budget: BudgetState?, claim: String, granted: Money) throws(LedgerError) {
        guard let budget, granted > budget.current, granted > budget.left else { return }
        throw .overBudget(
            claim: claim,
            granted: granted,
            left: budget.left,
            appropriated: budget.appropriation.amount,
            event: budget.event
        )
    }
}
