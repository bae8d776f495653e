// MARK: - Controls around a use: the provider's status and the invoice funded once

/// Whether a provider may take vouchers from a date on.
public enum ProviderStatus: String, Sendable, Hashable, CaseIterable {
    case suspended
    case reinstated
}

/// A suspension or reinstatement of a provider, from a date: the `provider_status` row and the
/// payload its event hashes.
public struct ProviderStatusFact: Sendable, Hashable {
    public var providerID: String
    public var status: ProviderStatus
    /// The first day it applies.
    public var from: BusinessDate
    /// Why: required for a suspension.
    public var reason: String?

    public init(providerID: String, status: ProviderStatus, from: BusinessDate, reason: String?) {
        self.providerID = providerID
        self.status = status
        self.from = from
        self.reason = reason
    }

    public var payload: CanonicalJSON {
        .object([
            "provider": .string(providerID), "status": .string(status.rawValue), "from": .string(from.iso),
            "reason": .optional(reason),
        ])
    }
}

/// The review level a grant still awaits before it is used or paid, and the rule that requires it.
public struct AwaitedReview: Sendable, Hashable {
    public var level: ReviewLevel
    public var rule: LocalizedText

    public init(level: ReviewLevel, rule: LocalizedText) {
        self.level = level
        self.rule = rule
    }
}

/// Days in a row, from the first to the last; an open end (`through` nil) runs on to every later day.
public struct DayRun: Sendable, Hashable {
    public var from: BusinessDate
    public var through: BusinessDate?

    public init(from: BusinessDate, through: BusinessDate?) {
        self.from = from
        self.through = through
    }

    public func contains(_ day: BusinessDate) -> Bool {
        from <= day && through.map { day <= $0 } != false
    }
}

/// A use recorded earlier, by its reference and programme.
public struct FundedUse: Sendable, Hashable {
    public var use: String
    public var programme: String

    public init(use: String, programme: String) {
        self.use = use
        self.programme = programme
    }
}

extension Lifecycle {
    /// The status a provider's recorded changes (in the order recorded) give it on `date`: the
    /// change with the latest first day on or before the date (of two on the same day, the later
    /// recorded). Returns the suspension in force, or nil.
    public static func suspension(on date: BusinessDate, among changes: [ProviderStatusFact]) -> ProviderStatusFact? {
        var inForce: ProviderStatusFact?
        for change in changes where change.from <= date {
            if let current = inForce, current.from > change.from { continue }
            inForce = change
        }
        return inForce?.status == .suspended ? inForce : nil
    }

    /// The first suspension to come into force after `date`, as the changes recorded so far give
    /// it (a reinstatement recorded for a later day may end it), or nil when none is ahead.
    public static func suspension(after date: BusinessDate, among changes: [ProviderStatusFact]) -> ProviderStatusFact?
    {
        let days = Set(changes.lazy.filter { $0.from > date && $0.status == .suspended }.map(\.from))
        for day in days.sorted() {
            if let ahead = suspension(on: day, among: changes) { return ahead }
        }
        return nil
    }

    /// Checks a suspension or reinstatement against the provider's recorded changes: a suspension
    /// gives its reason and is not made while one is already in force on its first day; a
    /// reinstatement ends a suspension in force on its first day.
    public static func statusChange(
        _ change: ProviderStatusFact,
        among changes: [ProviderStatusFact]
    ) throws(LedgerError) -> (fact: ProviderStatusFact, event: EventDraft) {
        var checked = change
        checked.reason = try reasonOnOneLine(change.reason)
        let inForce = suspension(on: change.from, among: changes)
        switch change.status {
        case .suspended:
            guard checked.reason != nil else {
                throw .invalid(
                    field: "reason",
                    value: "",
                    reason: "a suspension says why; give --reason",
                    zh: "为空：暂停须说明理由"
                )
            }
            if let inForce {
                throw .invalid(
                    field: "from",
                    value: change.from.iso,
                    reason: "provider \(change.providerID) is already suspended on that day (from \(inForce.from.iso): "
                        + "\(inForce.reason ?? "")); reinstate it first",
                    zh: "服务机构 \(change.providerID) 当日已处于暂停状态（自 \(inForce.from.iso) 起："
                        + "\(inForce.reason ?? "")）；请先恢复"
                )
            }
        case .reinstated:
            if inForce == nil {
                throw .invalid(
                    field: "from",
                    value: change.from.iso,
                    reason: "provider \(change.providerID) is not suspended on that day; nothing to reinstate",
                    zh: "服务机构 \(change.providerID) 当日未被暂停，无需恢复"
                )
            }
        }
        return (checked, EventDraft(kind: .providerStatus, payload: checked.payload))
    }

    /// An invoice number as a use records it and compares it: full-width letters and digits as
    /// their ASCII forms, letters in upper case, spaces removed, so that `inv 1`, `INV1` and `ＩＮＶ１`
    /// are one invoice; no control or invisible character; nil when empty.
    public static func invoiceNumber(_ text: String?) throws(LedgerError) -> String? {
        guard let text = text?.trimmed, !text.isEmpty else { return nil }
        _ = try reference(text, field: "invoice")
        var scalars = String.UnicodeScalarView()
        for scalar in text.halfWidth.unicodeScalars where !scalar.properties.isWhitespace { scalars.append(scalar) }
        let checked = String(scalars).uppercased()
        guard checked.utf8.count <= 64 else {
            throw .invalid(
                field: "invoice",
                value: checked,
                reason: "is longer than 64 bytes; is it an invoice number?",
                zh: "超过 64 字节；请确认是否为发票号码"
            )
        }
        return checked
    }

    /// The review level a claim decided up to `decided` still awaits on `date`, by the policy's
    /// `review.required_levels`, with the rule's source; nil when its grant may be used or paid.
    public static func awaitedReview(
        of programme: Programme,
        on date: BusinessDate,
        decided: ReviewLevel
    ) -> AwaitedReview? {
        guard let required = programme.version(on: date)?.requiredReviewLevels, let last = required.value.last,
            decided < last
        else { return nil }
        let levels = required.value.map(\.rawValue).joined(separator: ", ")
        return AwaitedReview(
            level: last,
            rule: LocalizedText(
                zh: "review.required_levels [\(levels)]\(required.source.map { " [\($0.text(.zh))]" } ?? "")",
                en: "review.required_levels [\(levels)]\(required.source.map { " [\($0)]" } ?? "")"
            )
        )
    }

    /// Whether a claim of `programme` decided up to `decided` may await another review on some
    /// day: whether any of its versions requires a level after it
    /// (``awaitedReview(of:on:decided:)`` reads the version in force on the day).
    public static func mayAwaitReview(of programme: Programme, decided: ReviewLevel) -> Bool {
        !daysAwaitingReview(of: programme, decided: decided).isEmpty
    }

    /// The days on which a claim of `programme` decided up to `decided` awaits another review:
    /// ``awaitedReview(of:on:decided:)`` names a level on a day exactly when one of these runs
    /// holds it. Each run is the days one version that requires a later level is in force: from
    /// its first day to the day before a later version's first day, or to its own last day. The
    /// city's queue finds the claims it must decide first by their grants' dates in these runs,
    /// without reading every claim.
    public static func daysAwaitingReview(of programme: Programme, decided: ReviewLevel) -> [DayRun] {
        programme.versions.indices.compactMap { index in
            let version = programme.versions[index]
            guard version.requiredReviewLevels?.value.last.map({ decided < $0 }) == true else { return nil }
            // ``Programme/version(on:)`` takes the last version begun by the day, while in force.
            let ends =
                programme.versions[(index + 1)...].map { $0.effectiveFrom.adding(days: -1) }
                + [version.effectiveUntil].compactMap { $0 }
            let through = ends.min()
            if let through, through < version.effectiveFrom { return nil }
            return DayRun(from: version.effectiveFrom, through: through)
        }
    }

    /// The controls a use passes before its amount is decided: its quota has been granted at every
    /// review level the policy requires; the provider is not suspended on the use's date; the invoice, when the policy requires one, is given; and it funded no other
    /// live use (of this provider, in any programme).
    ///
    /// `quoting: true` (a quote before the purchase, which has no invoice yet) leaves out the
    /// invoice the policy requires, not the invoice funded before.
    public static func checkControls(
        _ request: UseRequest,
        state: UseState,
        on date: BusinessDate,
        quoting: Bool = false
    ) throws(LedgerError) {
        // The review the grant's version required, on the day it was granted.
        if let quota = state.quota,
            let awaited = awaitedReview(of: state.programme, on: quota.quota.grantedOn, decided: quota.level)
        {
            throw .awaitingReview(claim: quota.claimRef, level: awaited.level, rule: awaited.rule, operation: "used")
        }
        if let suspension = state.providerSuspension {
            throw .providerSuspended(
                provider: state.provider.id,
                from: suspension.from,
                reason: suspension.reason ?? "",
                date: date
            )
        }
        if !quoting, request.invoice == nil,
            let required = state.programme.version(on: date)?.eligibility.invoiceRequired,
            required.value
        {
            throw .invalid(
                field: "invoice",
                value: "",
                reason: "\(state.programme.id.value) requires each use's invoice number "
                    + "(eligibility.invoice_required)\(required.source.map { " [\($0)]" } ?? ""); give --invoice",
                zh: "为空：\(state.programme.id.value) 要求每笔用券注明发票号码"
                    + "（eligibility.invoice_required）\(required.source.map { " [\($0.text(.zh))]" } ?? "")"
            )
        }
        if let invoice = request.invoice, let first = state.invoiceFunded {
            throw .invoiceFunded(
                invoice: invoice,
                provider: state.provider.id,
                use: first.use,
                programme: first.programme
            )
        }
    }
}
