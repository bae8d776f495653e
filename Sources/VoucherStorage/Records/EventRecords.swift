import GRDB

// The chain and the double entry: events, their postings, the accounts they move.

/// An event: one fact of the ledger, hash-chained to the one before. The `event` table.
struct EventRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord, LedgerRecord {
    static let databaseTableName = "event"

    var seq: Int64
    var kind: String
    var businessDate: String
    var recordedAt: String
    var actor: String
    var idempotencyKey: String
    var requestHash: String
    var programmeID: String?
    var policyHash: String?
    var reverses: Int64?
    var payload: String
    var explanation: String?
    var prevHash: String
    var hash: String

    enum CodingKeys: String, CodingKey, ColumnExpression, CaseIterable {
        case seq
        case kind
        case businessDate = "business_date"
        case recordedAt = "recorded_at"
        case actor
        case idempotencyKey = "idempotency_key"
        case requestHash = "request_hash"
        case programmeID = "programme_id"
        case policyHash = "policy_hash"
        case reverses
        case payload
        case explanation
        case prevHash = "prev_hash"
        case hash
    }

    typealias Columns = CodingKeys

    static let insertSQL = insertStatement(orIgnore: false)
    static let insertOrIgnoreSQL = insertStatement(orIgnore: true)

    var columnValues: StatementArguments {
        [
            seq, kind, businessDate, recordedAt, actor, idempotencyKey, requestHash, programmeID, policyHash, reverses,
            payload, explanation, prevHash, hash,
        ]
    }
}

/// One line of an event's double entry, with its account's type and year copied for reports. The `posting` table.
struct PostingRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord, LedgerRecord {
    static let databaseTableName = "posting"

    var eventSeq: Int64
    var line: Int64
    var accountID: String
    var amount: Int64
    var accountType: String
    var programmeID: String
    var year: Int
    var businessDate: String

    enum CodingKeys: String, CodingKey, ColumnExpression, CaseIterable {
        case eventSeq = "event_seq"
        case line
        case accountID = "account_id"
        case amount
        case accountType = "account_type"
        case programmeID = "programme_id"
        case year
        case businessDate = "business_date"
    }

    typealias Columns = CodingKeys

    static let insertSQL = insertStatement(orIgnore: false)
    static let insertOrIgnoreSQL = insertStatement(orIgnore: true)

    var columnValues: StatementArguments {
        [eventSeq, line, accountID, amount, accountType, programmeID, year, businessDate]
    }
}

/// An account and its balance, which the ledger keeps from the postings (KeptTotals). The `account` table.
struct AccountRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord, LedgerRecord {
    static let databaseTableName = "account"

    var id: String
    var type: String
    var programmeID: String
    var year: Int
    var partyID: String?
    var balance: Int64

    enum CodingKeys: String, CodingKey, ColumnExpression, CaseIterable {
        case id
        case type
        case programmeID = "programme_id"
        case year
        case partyID = "party_id"
        case balance
    }

    typealias Columns = CodingKeys

    static let insertSQL = insertStatement(orIgnore: false)
    static let insertOrIgnoreSQL = insertStatement(orIgnore: true)

    var columnValues: StatementArguments {
        [id, type, programmeID, year, partyID, balance]
    }
}
