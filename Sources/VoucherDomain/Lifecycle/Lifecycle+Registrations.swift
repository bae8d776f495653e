// MARK: - Registrations and policy revisions

extension Lifecycle {
    /// An applicant's registration checked: a name, and the identifier its kind is registered with
    /// (an enterprise its credit code, a team its team number). The payload is what its event hashes.
    public static func registration(
        _ registration: ApplicantRegistration
    ) throws(LedgerError) -> (
        name: String, payload: CanonicalJSON
    ) {
        let name = try required(registration.name, field: "name")
        switch (registration.kind, registration.identifier) {
        case (.enterprise, .team), (.team, .creditCode), (.team, .overriddenCreditCode):
            throw .invalid(
                field: "id",
                value: registration.identifier.value,
                reason: registration.kind == .team
                    ? "a team is registered with its team number, not a credit code"
                    : "an enterprise is registered with its Unified Social Credit Code",
                zh: registration.kind == .team ? "团队以团队编号登记，不用信用代码" : "企业以统一社会信用代码登记"
            )
        default: break
        }
        var payload: [String: CanonicalJSON] = [
            "id": .string(registration.identifier.value), "kind": .string(registration.kind.rawValue),
            "name": .string(name), "district": .string(registration.district.trimmed),
            "region": .string(registration.region.trimmed), "group": .optional(registration.group?.trimmed.nilIfEmpty),
        ]
        payload["override"] = overridePayload(registration.identifier)
        if let attributes = try attributes(registration.attributes) { payload["attributes"] = .string(attributes) }
        return (name, .object(payload))
    }

    /// An applicant's attributes as its row and payload keep them: sorted, each once, joined by
    /// `;`; nil when there are none (the payload then leaves the key out, as before attributes were
    /// kept).
    public static func attributes(_ names: [String]) throws(LedgerError) -> String? {
        var set: Set<String> = []
        for name in names {
            let trimmed = name.trimmed
            if trimmed.isEmpty { continue }
            guard ApplicantRegistration.isAttributeName(trimmed) else {
                throw .invalid(
                    field: "attributes",
                    value: trimmed,
                    reason: "is not an attribute name; use lower-case letters, digits and hyphens, e.g. tech-sme",
                    zh: "不是有效的属性名；请用小写字母、数字和连字符，如 tech-sme"
                )
            }
            set.insert(trimmed)
        }
        return set.isEmpty ? nil : set.sorted().joined(separator: ";")
    }

    /// A provider's registration checked: a name, a region and a credit code. The region is kept in
    /// lower case, as an import keeps it, so that one region is one name in the reports.
    public static func registration(
        _ registration: ProviderRegistration
    ) throws(LedgerError) -> (
        name: String, region: String, payload: CanonicalJSON
    ) {
        let name = try required(registration.name, field: "name")
        let region = try required(registration.region, field: "region").lowercased()
        if case .team = registration.identifier {
            throw .invalid(
                field: "id",
                value: registration.identifier.value,
                reason: "a provider is registered with its Unified Social Credit Code",
                zh: "服务机构以统一社会信用代码登记"
            )
        }
        var payload: [String: CanonicalJSON] = [
            "id": .string(registration.identifier.value), "name": .string(name), "region": .string(region),
        ]
        payload["override"] = overridePayload(registration.identifier)
        return (name, region, .object(payload))
    }

    /// A product's registration checked: a code, a name, a category and a list price of zero or more.
    public static func registration(
        _ registration: ProductRegistration
    ) throws(LedgerError) -> (
        product: ProductRegistration, payload: CanonicalJSON
    ) {
        var checked = registration
        checked.code = try reference(registration.code, field: "code")
        checked.name = try required(registration.name, field: "name")
        checked.category = try required(registration.category, field: "category")
        try checkAmount(registration.listPrice, field: "list_price")
        let payload = CanonicalJSON.object([
            "code": .string(checked.code), "provider": .string(registration.providerID), "name": .string(checked.name),
            "category": .string(checked.category), "list_price": .money(registration.listPrice),
        ])
        return (checked, payload)
    }

    /// Whether two product codes are the same but for the case of their letters (A–Z against
    /// a–z; every other byte compared exactly, as SQLite's NOCASE does), and not the same.
    public static func differsOnlyInCase(_ code: String, _ other: String) -> Bool {
        let (bytes, others) = (Array(code.utf8), Array(other.utf8))
        guard bytes != others, bytes.count == others.count else { return false }
        func folded(_ byte: UInt8) -> UInt8 { (0x41...0x5A).contains(byte) ? byte | 0x20 : byte }
        return zip(bytes, others).allSatisfy { folded($0) == folded($1) }
    }

    /// A registered product code, the provider it is registered to and that provider's registered
    /// name (empty if none).
    public typealias RegisteredCode = (code: String, provider: String, providerName: String)

    /// A new product code may not differ from a registered one only in the case of its letters:
    /// a use or a catalogue line naming one would be read as the other, or refused as unknown,
    /// for a difference nobody sees on paper. `registered`: the codes that may, in the order they
    /// were first registered (storage reads those equal ignoring ASCII case); the first is named.
    /// `provider`: the new product's. A code registered before is registered again freely.
    public static func checkNewProductCode(
        _ code: String,
        provider: String,
        registered: [RegisteredCode]
    ) throws(LedgerError) {
        guard let existing = registered.first(where: { differsOnlyInCase(code, $0.code) }) else { return }
        let other = existing.code
        let (id, name) = (existing.provider, existing.providerName)
        let (en, zh) = name.isEmpty ? (id, id) : ("\(name) (\(id))", "\(name)（\(id)）")
        if existing.provider == provider {
            throw .invalid(
                field: "code",
                value: code,
                reason: "differs from this provider's product code \(other) only in the case of its letters: to change "
                    + "\(other)'s details, register it again under \(other); for another product, choose a code that "
                    + "differs in more than case",
                zh: "与该服务机构的产品编码 \(other) 仅字母大小写不同：如要修改 \(other) 的信息，请仍按 \(other) 登记；"
                    + "如为另一产品，请另起一个不止大小写不同的编码"
            )
        }
        throw .invalid(
            field: "code",
            value: code,
            reason:
                "differs from product code \(other), registered to provider \(en), only in the case of its letters: "
                + "choose a code that differs in more than case",
            zh: "与登记在服务机构 \(zh) 名下的产品编码 \(other) 仅字母大小写不同：请另起一个不止大小写不同的编码"
        )
    }

    /// The refusal of a code that names no product, naming the registered code most likely
    /// meant: the first of `registered` (read as for ``checkNewProductCode(_:provider:registered:)``)
    /// that differs from it only in case.
    public static func unknownProduct(_ code: String, registered: [RegisteredCode]) -> LedgerError {
        .unknownProduct(code, sameButCase: registered.first { differsOnlyInCase(code, $0.code) }?.code)
    }

    /// A product's code names one provider's product. Registered again (a new name, category or
    /// list price), it stays that provider's: under another provider, the uses recorded of it and
    /// their redemptions would be read as another provider's product. `current`: the provider the
    /// code is registered to, if it is, and that provider's registered name (empty if none).
    public static func checkProductProvider(
        code: String,
        registeredTo current: String?,
        named name: String = "",
        provider: String
    ) throws(LedgerError) {
        guard let current, current != provider else { return }
        let en = name.isEmpty ? current : "\(name) (\(current))"
        let zh = name.isEmpty ? current : "\(name)（\(current)）"
        throw .invalid(
            field: "provider_id",
            value: provider,
            reason: "product \(code) is registered to provider \(en); a product code names one provider's "
                + "product: register this provider's product under a code of its own",
            zh: "产品 \(code) 已登记在服务机构 \(zh) 名下；一个产品编码只对应一家服务机构的产品，请为该服务机构的产品另起编码"
        )
    }

    /// The audited override of a credit code that fails its check, as its event records it.
    public static func overridePayload(_ identifier: PartyIdentifier) -> CanonicalJSON {
        guard case .overriddenCreditCode(_, let reason, let approvedBy) = identifier else { return .null }
        return .object(["reason": .string(reason), "by": .string(approvedBy)])
    }

    /// The policy versions recorded events applied: on which business date, which version (by
    /// its content hash), and how many events.
    public struct AppliedVersion: Sendable, Hashable {
        public var date: BusinessDate
        public var versionHash: String
        public var events: Int

        public init(date: BusinessDate, versionHash: String, events: Int) {
            self.date = date
            self.versionHash = versionHash
            self.events = events
        }
    }

    /// Checks a revision of a programme's policy against what was recorded under it: its kind
    /// cannot change, and on the date of every recorded event the version in force must be the one
    /// that event applied. A revision may add versions after the last such date and change versions
    /// no event applied; anything else would change how recorded events are explained and settled.
    /// A programme's current policy file, installed again (under another key: a bundled file, or
    /// a file sent again on another day; its lines ended in CRLF, or its last line break added or
    /// dropped, as a browser or an editor does) changes nothing, and is refused rather than
    /// recorded twice. `current`: the programme's current file and its event, if any.
    public static func checkNewPolicyFile(
        _ yaml: String,
        of programme: ProgrammeID,
        current: (yaml: String, event: Int64)?
    ) throws(LedgerError) {
        func text(_ file: String) -> Substring {
            let lines = String(file.map { $0 == "\r\n" ? "\n" : $0 })
            return lines[..<(lines.lastIndex { !$0.isNewline }.map(lines.index(after:)) ?? lines.startIndex)]
        }
        guard let current, text(current.yaml) == text(yaml) else { return }
        throw .policyFileCurrent(programme: programme.value, event: current.event)
    }

    public static func checkRevision(
        _ programme: Programme,
        recordedKind: ProgrammeKind?,
        applied: [AppliedVersion],
        hash: (PolicyVersion) -> String
    ) throws(LedgerError) {
        if let recordedKind, recordedKind != programme.kind {
            throw .invalid(
                field: "kind",
                value: programme.kind.rawValue,
                reason: "\(programme.id.value) is a \(recordedKind.rawValue) programme; its kind cannot change",
                zh: "\(programme.id.value) 是\(LedgerError.kindZh(recordedKind))类项目，类型不可更改"
            )
        }
        for recorded in applied.sorted(by: { $0.date < $1.date }) {
            let inForce = programme.version(on: recorded.date).map(hash)
            if inForce != recorded.versionHash {
                throw .policyRevisionChangesRecordedEvents(
                    programme: programme.id.value,
                    date: recorded.date,
                    events: recorded.events
                )
            }
        }
    }
}
