import GRDB

// Programmes, their policies, and the parties and products the lifecycle names.

/// A programme, as first installed. The `programme` table.
struct ProgrammeRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord, LedgerRecord {
    static let databaseTableName = "programme"

    var id: String
    var kind: String
    var nameZh: String
    var nameEn: String
    var eventSeq: Int64

    enum CodingKeys: String, CodingKey, ColumnExpression, CaseIterable {
        case id
        case kind
        case nameZh = "name_zh"
        case nameEn = "name_en"
        case eventSeq = "event_seq"
    }

    typealias Columns = CodingKeys

    static let insertSQL = insertStatement(orIgnore: false)
    static let insertOrIgnoreSQL = insertStatement(orIgnore: true)

    var columnValues: StatementArguments {
        [id, kind, nameZh, nameEn, eventSeq]
    }
}

/// A policy file as installed, and the hash its event recorded. The `policy_file` table.
struct PolicyFileRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord, LedgerRecord {
    static let databaseTableName = "policy_file"

    var eventSeq: Int64
    var programmeID: String
    var fileName: String
    var yaml: String
    var sha256: String

    enum CodingKeys: String, CodingKey, ColumnExpression, CaseIterable {
        case eventSeq = "event_seq"
        case programmeID = "programme_id"
        case fileName = "file_name"
        case yaml
        case sha256
    }

    typealias Columns = CodingKeys

    static let insertSQL = insertStatement(orIgnore: false)
    static let insertOrIgnoreSQL = insertStatement(orIgnore: true)

    var columnValues: StatementArguments {
        [eventSeq, programmeID, fileName, yaml, sha256]
    }
}

/// A policy version by the hash of its canonical text. The `policy_version` table.
struct PolicyVersionRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord, LedgerRecord {
    static let databaseTableName = "policy_version"

    var hash: String
    var programmeID: String
    var effectiveFrom: String
    var effectiveUntil: String?
    var canonical: String
    var eventSeq: Int64

    enum CodingKeys: String, CodingKey, ColumnExpression, CaseIterable {
        case hash
        case programmeID = "programme_id"
        case effectiveFrom = "effective_from"
        case effectiveUntil = "effective_until"
        case canonical
        case eventSeq = "event_seq"
    }

    typealias Columns = CodingKeys

    static let insertSQL = insertStatement(orIgnore: false)
    static let insertOrIgnoreSQL = insertStatement(orIgnore: true)

    var columnValues: StatementArguments {
        [hash, programmeID, effectiveFrom, effectiveUntil, canonical, eventSeq]
    }
}

/// A registration of an applicant (its latest is current). The `applicant` table.
struct ApplicantRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord, LedgerRecord {
    static let databaseTableName = "applicant"

    var eventSeq: Int64
    var id: String
    var kind: String
    var name: String
    var district: String
    var region: String
    var groupID: String?
    var overrideReason: String?
    var overrideBy: String?
    /// Sorted, `;` between (schema v8); nil when none.
    var attributes: String?

    enum CodingKeys: String, CodingKey, ColumnExpression, CaseIterable {
        case eventSeq = "event_seq"
        case id
        case kind
        case name
        case district
        case region
        case groupID = "group_id"
        case overrideReason = "override_reason"
        case overrideBy = "override_by"
        case attributes
    }

    typealias Columns = CodingKeys

    static let insertSQL = insertStatement(orIgnore: false)
    static let insertOrIgnoreSQL = insertStatement(orIgnore: true)

    var columnValues: StatementArguments {
        [eventSeq, id, kind, name, district, region, groupID, overrideReason, overrideBy, attributes]
    }
}

/// A registration of a service provider (its latest is current). The `provider` table.
struct ProviderRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord, LedgerRecord {
    static let databaseTableName = "provider"

    var eventSeq: Int64
    var id: String
    var name: String
    var region: String
    var overrideReason: String?
    var overrideBy: String?

    enum CodingKeys: String, CodingKey, ColumnExpression, CaseIterable {
        case eventSeq = "event_seq"
        case id
        case name
        case region
        case overrideReason = "override_reason"
        case overrideBy = "override_by"
    }

    typealias Columns = CodingKeys

    static let insertSQL = insertStatement(orIgnore: false)
    static let insertOrIgnoreSQL = insertStatement(orIgnore: true)

    var columnValues: StatementArguments {
        [eventSeq, id, name, region, overrideReason, overrideBy]
    }
}

/// A registration of a product (its latest is current). The `product` table.
struct ProductRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord, LedgerRecord {
    static let databaseTableName = "product"

    var eventSeq: Int64
    var code: String
    var providerID: String
    var name: String
    var category: String
    var listPrice: Int64

    enum CodingKeys: String, CodingKey, ColumnExpression, CaseIterable {
        case eventSeq = "event_seq"
        case code
        case providerID = "provider_id"
        case name
        case category
        case listPrice = "list_price"
    }

    typealias Columns = CodingKeys

    static let insertSQL = insertStatement(orIgnore: false)
    static let insertOrIgnoreSQL = insertStatement(orIgnore: true)

    var columnValues: StatementArguments {
        [eventSeq, code, providerID, name, category, listPrice]
    }
}

extension ApplicantRecord {
    /// Read by column, not through `Decodable`: every quote and use reads its applicant, and
    /// GRDB's decoder was about a tenth of a quote (docs/performance.md, "Quotes, third pass").
    init(row: Row) throws {
        eventSeq = try row.decode(forColumn: Columns.eventSeq.rawValue)
        id = try row.decode(forColumn: Columns.id.rawValue)
        kind = try row.decode(forColumn: Columns.kind.rawValue)
        name = try row.decode(forColumn: Columns.name.rawValue)
        district = try row.decode(forColumn: Columns.district.rawValue)
        region = try row.decode(forColumn: Columns.region.rawValue)
        groupID = try row.decode(forColumn: Columns.groupID.rawValue)
        overrideReason = try row.decode(forColumn: Columns.overrideReason.rawValue)
        overrideBy = try row.decode(forColumn: Columns.overrideBy.rawValue)
        attributes = try row.decode(forColumn: Columns.attributes.rawValue)
    }
}

extension ProviderRecord {
    /// Read by column, as ``ApplicantRecord/init(row:)``.
    init(row: Row) throws {
        eventSeq = try row.decode(forColumn: Columns.eventSeq.rawValue)
        id = try row.decode(forColumn: Columns.id.rawValue)
        name = try row.decode(forColumn: Columns.name.rawValue)
        region = try row.decode(forColumn: Columns.region.rawValue)
        overrideReason = try row.decode(forColumn: Columns.overrideReason.rawValue)
        overrideBy = try row.decode(forColumn: Columns.overrideBy.rawValue)
    }
}

extension ProductRecord {
    /// Read by column, as ``ApplicantRecord/init(row:)``.
    init(row: Row) throws {
        eventSeq = try row.decode(forColumn: Columns.eventSeq.rawValue)
        code = try row.decode(forColumn: Columns.code.rawValue)
        providerID = try row.decode(forColumn: Columns.providerID.rawValue)
        name = try row.decode(forColumn: Columns.name.rawValue)
        category = try row.decode(forColumn: Columns.category.rawValue)
        listPrice = try row.decode(forColumn: Columns.listPrice.rawValue)
    }
}
