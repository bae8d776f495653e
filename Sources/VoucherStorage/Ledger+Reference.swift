import Foundation
import GRDB
import VoucherDomain

/// A party as currently registered (its latest registration).
public struct RegisteredApplicant: Sendable, Hashable {
    public var id: String
    public var kind: ApplicantKind
    public var name: String
    public var district: String
    public var region: String
    public var group: String?
    /// What it is recognised as (schema v8), sorted.
    public var attributes: [String] = []
    public var eventSeq: Int64
    /// Why a credit code that fails its check was registered all the same, and who approved it.
    public var overrideReason: String? = nil
    public var overrideBy: String? = nil

    /// The applicant as the rules see it.
    public var rulesApplicant: Applicant {
        Applicant(id: id, kind: kind, group: group, district: district, attributes: Set(attributes))
    }
}

public struct RegisteredProvider: Sendable, Hashable {
    public var id: String
    public var name: String
    public var region: String
    public var eventSeq: Int64
    /// Why a credit code that fails its check was registered all the same, and who approved it.
    public var overrideReason: String? = nil
    public var overrideBy: String? = nil
}

public struct RegisteredProduct: Sendable, Hashable {
    public var code: String
    public var providerID: String
    public var name: String
    public var category: String
    public var listPrice: Money
    public var eventSeq: Int64
}

/// A product as a form offers it: with the name of its provider.
public struct CatalogueEntry: Sendable, Hashable {
    public var product: RegisteredProduct
    public var providerName: String
    /// The provider's suspensions and reinstatements, in the order recorded (usually none): what
    /// ``Lifecycle/suspension(on:among:)`` reads to tell whether it is suspended on a day.
    public var providerStatus: [ProviderStatusFact] = []
}

extension Ledger {
    // MARK: - Parties and products

    /// Registers an applicant, or records a change of its details (a new registration of the same
    /// id). Registering the same details again records nothing.
    @discardableResult
    public func registerApplicant(_ registration: ApplicantRegistration, context: EventContext) throws -> RecordedEvent
    {
        let (name, request) = try Lifecycle.registration(registration)
        let attributes = try Lifecycle.attributes(registration.attributes)
        return try transaction { db in
            // The same details again change nothing, whatever the key or the day.
            if let current = try db.fetchOne(
                Row.self,
                sql: "SELECT event_seq FROM applicant WHERE id = ? ORDER BY event_seq DESC LIMIT 1",
                arguments: [registration.identifier.value]
            ),
                try db.fetchOne(
                    String.self,
                    sql: "SELECT payload FROM event WHERE seq = ?",
                    arguments: [current["event_seq"]]
                )
                    == request.text
            {
                return try recordedEvent(db, seq: current["event_seq"], replayed: true)
            }
            if let earlier = try replay(db, context: context, kind: .applicant, request: request) { return earlier }
            try Lifecycle.checkNewOverride(registration.identifier)
            return try append(
                db,
                context: context,
                request: request,
                event: EventDraft(kind: .applicant, payload: request)
            ) { seq in
                let override = Self.overrideParts(registration.identifier)
                try ApplicantRecord(
                    eventSeq: seq,
                    id: registration.identifier.value,
                    kind: registration.kind.rawValue,
                    name: name,
                    district: registration.district.trimmed,
                    region: registration.region.trimmed,
                    groupID: registration.group?.trimmed.nilIfEmpty,
                    overrideReason: override?.reason,
                    overrideBy: override?.by,
                    attributes: attributes
                ).insertRow(db)
            }
        }
    }

    /// Registers a service provider, or records a change of its details.
    @discardableResult
    public func registerProvider(_ registration: ProviderRegistration, context: EventContext) throws -> RecordedEvent {
        let (name, region, request) = try Lifecycle.registration(registration)
        return try transaction { db in
            if let current = try db.fetchOne(
                Int64.self,
                sql: "SELECT event_seq FROM provider WHERE id = ? ORDER BY event_seq DESC LIMIT 1",
                arguments: [registration.identifier.value]
            ),
                try db.fetchOne(String.self, sql: "SELECT payload FROM event WHERE seq = ?", arguments: [current])
                    == request.text
            {
                return try recordedEvent(db, seq: current, replayed: true)
            }
            if let earlier = try replay(db, context: context, kind: .provider, request: request) { return earlier }
            try Lifecycle.checkNewOverride(registration.identifier)
            return try append(
                db,
                context: context,
                request: request,
                event: EventDraft(kind: .provider, payload: request)
            ) { seq in
                let override = Self.overrideParts(registration.identifier)
                try ProviderRecord(
                    eventSeq: seq,
                    id: registration.identifier.value,
                    name: name,
                    region: region,
                    overrideReason: override?.reason,
                    overrideBy: override?.by
                ).insertRow(db)
            }
        }
    }

    /// Registers a product of a registered provider, or records a change of its details.
    @discardableResult
    public func registerProduct(_ registration: ProductRegistration, context: EventContext) throws -> RecordedEvent {
        let (product, request) = try Lifecycle.registration(registration)
        let (code, name, category) = (product.code, product.name, product.category)
        return try transaction { db in
            _ = try provider(db, registration.providerID)
            let current = try Row.fetchOne(
                db,
                sql: "SELECT event_seq, provider_id FROM product WHERE code = ? ORDER BY event_seq DESC LIMIT 1",
                arguments: [code]
            )
            if let seq: Int64 = current?[0],
                try db.fetchOne(String.self, sql: "SELECT payload FROM event WHERE seq = ?", arguments: [seq])
                    == request.text
            {
                return try recordedEvent(db, seq: seq, replayed: true)
            }
            if let earlier = try replay(db, context: context, kind: .product, request: request) { return earlier }
            let owner: String? = current?[1]
            if owner == nil {
                try Lifecycle.checkNewProductCode(
                    code,
                    provider: registration.providerID,
                    registered: try productCodes(db, sameButCaseAs: code)
                )
            }
            try Lifecycle.checkProductProvider(
                code: code,
                registeredTo: owner,
                named: owner.flatMap { try? provider(db, $0).name } ?? "",
                provider: registration.providerID
            )
            return try append(
                db,
                context: context,
                request: request,
                event: EventDraft(kind: .product, payload: request)
            ) { seq in
                try ProductRecord(
                    eventSeq: seq,
                    code: code,
                    providerID: registration.providerID,
                    name: name,
                    category: category,
                    listPrice: registration.listPrice.fen
                ).insertRow(db)
            }
        }
    }

    func applicant(_ db: Database, _ id: String) throws -> RegisteredApplicant {
        try BatchMemo.recall(id, in: \.applicants) { try storedApplicant(db, id) }
    }

    private func storedApplicant(_ db: Database, _ id: String) throws -> RegisteredApplicant {
        guard
            let record = try ApplicantRecord.fetchOne(
                db.cachedStatement(sql: "SELECT * FROM applicant WHERE id = ? ORDER BY event_seq DESC LIMIT 1"),
                arguments: [id]
            ),
            let kind = ApplicantKind(rawValue: record.kind)
        else { throw LedgerError.unknownApplicant(id) }
        return RegisteredApplicant(
            id: record.id,
            kind: kind,
            name: record.name,
            district: record.district,
            region: record.region,
            group: record.groupID,
            attributes: record.attributes.map { $0.split(separator: ";").map(String.init) } ?? [],
            eventSeq: record.eventSeq,
            overrideReason: record.overrideReason,
            overrideBy: record.overrideBy
        )
    }

    func provider(_ db: Database, _ id: String) throws -> RegisteredProvider {
        try BatchMemo.recall(id, in: \.providers) { try storedProvider(db, id) }
    }

    private func storedProvider(_ db: Database, _ id: String) throws -> RegisteredProvider {
        guard
            let record = try ProviderRecord.fetchOne(
                db.cachedStatement(sql: "SELECT * FROM provider WHERE id = ? ORDER BY event_seq DESC LIMIT 1"),
                arguments: [id]
            )
        else { throw LedgerError.unknownProvider(id) }
        return RegisteredProvider(
            id: record.id,
            name: record.name,
            region: record.region,
            eventSeq: record.eventSeq,
            overrideReason: record.overrideReason,
            overrideBy: record.overrideBy
        )
    }

    func product(_ db: Database, _ code: String) throws -> RegisteredProduct {
        try BatchMemo.recall(code, in: \.products) { try storedProduct(db, code) }
    }

    private func storedProduct(_ db: Database, _ code: String) throws -> RegisteredProduct {
        guard
            let record = try ProductRecord.fetchOne(
                db.cachedStatement(sql: "SELECT * FROM product WHERE code = ? ORDER BY event_seq DESC LIMIT 1"),
                arguments: [code]
            )
        else { throw Lifecycle.unknownProduct(code, registered: try productCodes(db, sameButCaseAs: code)) }
        return RegisteredProduct(
            code: record.code,
            providerID: record.providerID,
            name: record.name,
            category: record.category,
            listPrice: Money(fen: record.listPrice),
            eventSeq: record.eventSeq
        )
    }

    /// The registered product codes equal to `code` but for the case of ASCII letters (SQLite's
    /// NOCASE), other than `code` itself, each with the provider it is registered to and that
    /// provider's name as last registered, in the order they were first registered: what the rules compare a new or an unknown code with.
    func productCodes(_ db: Database, sameButCaseAs code: String) throws -> [Lifecycle.RegisteredCode] {
        try Row.fetchAll(db.cachedStatement(sql: Self.productCodesSQL), arguments: [code, code]).map {
            ($0[0], $0[1], $0[2] ?? "")
        }
    }

    /// SQL: the codes of ``productCodes(_:sameButCaseAs:)`` (arguments: the code twice), found
    /// through the index of codes without case (migration v12); the provider of each code's
    /// rows (every row of a code names the same one: a code stays its provider's), and its name
    /// as last registered.
    static let productCodesSQL = """
        SELECT p.code, p.provider_id,
            (SELECT v.name FROM provider v WHERE v.id = p.provider_id ORDER BY v.event_seq DESC LIMIT 1)
        FROM product p WHERE p.code = ? COLLATE NOCASE AND p.code <> ?
        GROUP BY p.code ORDER BY min(p.event_seq)
        """

    /// The applicant as registered now.
    public func applicant(_ id: String) throws -> RegisteredApplicant { try read { db in try applicant(db, id) } }

    /// The provider as registered now.
    public func provider(_ id: String) throws -> RegisteredProvider { try read { db in try provider(db, id) } }

    /// The product as registered now.
    public func product(_ code: String) throws -> RegisteredProduct { try read { db in try product(db, code) } }

    /// The products as registered now, each with its provider's name as registered now and its
    /// suspensions and reinstatements, by provider name and then code, at most `limit` of them: what a form offers to
    /// choose from.
    public func catalogue(limit: Int) throws -> [CatalogueEntry] {
        try read { db in
            // Every provider's suspensions and reinstatements: a few rows, against the products'
            // thousands.
            var status: [String: [ProviderStatusFact]] = [:]
            for fact in try ProviderStatusRecord.fetchAll(db, sql: "SELECT * FROM provider_status ORDER BY event_seq")
                .compactMap(\.fact)
            {
                status[fact.providerID, default: []].append(fact)
            }
            return try Row.fetchAll(
                db,
                // Each code's latest row in one pass (SQLite gives the other columns of the row
                // where max() is found), then its provider's latest name.
                sql: """
                    WITH latest AS (
                        SELECT code, provider_id, name, category, list_price, max(event_seq) AS event_seq
                        FROM product GROUP BY code
                    )
                    SELECT l.code, l.provider_id, l.name, l.category, l.list_price, l.event_seq,
                        (SELECT v.name FROM provider v WHERE v.id = l.provider_id
                         ORDER BY v.event_seq DESC LIMIT 1) AS provider_name
                    FROM latest l
                    ORDER BY provider_name, l.provider_id, l.code
                    LIMIT ?
                    """,
                arguments: [limit]
            ).map { row in
                CatalogueEntry(
                    product: RegisteredProduct(
                        code: row["code"],
                        providerID: row["provider_id"],
                        name: row["name"],
                        category: row["category"],
                        listPrice: Money(fen: row["list_price"]),
                        eventSeq: row["event_seq"]
                    ),
                    providerName: (row["provider_name"] as String?) ?? row["provider_id"],
                    providerStatus: status[row["provider_id"]] ?? []
                )
            }
        }
    }

    /// The recorded event `seq`, as an operation returns it.
    func recordedEvent(_ db: Database, seq: Int64, replayed: Bool) throws -> RecordedEvent {
        guard
            let row = try db.fetchOne(
                Row.self,
                sql: "SELECT kind, hash, explanation FROM event WHERE seq = ?",
                arguments: [seq]
            ),
            let kind = EventKind(rawValue: row["kind"])
        else { throw LedgerError.unknownEvent(seq) }
        let explanation = try (row["explanation"] as String?).map(StoredExplanation.init(json:))
        return RecordedEvent(
            seq: seq,
            kind: kind,
            hash: row["hash"],
            replayed: replayed,
            amount: explanation?.amount,
            explanation: explanation
        )
    }

    static func overrideParts(_ identifier: PartyIdentifier) -> (reason: String, by: String)? {
        if case .overriddenCreditCode(_, let reason, let approvedBy) = identifier { return (reason, approvedBy) }
        return nil
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
