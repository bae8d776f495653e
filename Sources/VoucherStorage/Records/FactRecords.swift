import GRDB
import VoucherDomain

// The lifecycle's fact rows: each holds what its event's payload hashed (verification compares).

/// A claim (申领). The `claim` table.
struct ClaimRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord, LedgerRecord {
    static let databaseTableName = "claim"

    var eventSeq: Int64
    var ref: String
    var applicantID: String
    var programmeID: String
    var year: Int
    var requested: Int64
    var project: String?
    var paid: Int64?

    enum CodingKeys: String, CodingKey, ColumnExpression, CaseIterable {
        case eventSeq = "event_seq"
        case ref
        case applicantID = "applicant_id"
        case programmeID = "programme_id"
        case year
        case requested
        case project
        case paid
    }

    typealias Columns = CodingKeys

    static let insertSQL = insertStatement(orIgnore: false)
    static let insertOrIgnoreSQL = insertStatement(orIgnore: true)

    var columnValues: StatementArguments {
        [eventSeq, ref, applicantID, programmeID, year, requested, project, paid]
    }
}

/// A review decision on a claim. The `decision` table.
struct DecisionRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord, LedgerRecord {
    static let databaseTableName = "decision"

    var eventSeq: Int64
    var claimSeq: Int64
    var level: String
    var outcome: String
    var granted: Int64
    var reviewer: String
    var reason: String?
    var validUntil: String?

    enum CodingKeys: String, CodingKey, ColumnExpression, CaseIterable {
        case eventSeq = "event_seq"
        case claimSeq = "claim_seq"
        case level
        case outcome
        case granted
        case reviewer
        case reason
        case validUntil = "valid_until"
    }

    typealias Columns = CodingKeys

    static let insertSQL = insertStatement(orIgnore: false)
    static let insertOrIgnoreSQL = insertStatement(orIgnore: true)

    var columnValues: StatementArguments {
        [eventSeq, claimSeq, level, outcome, granted, reviewer, reason, validUntil]
    }
}

/// A use of a voucher (用券). The `voucher_use` table.
struct UseRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord, LedgerRecord {
    static let databaseTableName = "voucher_use"

    var eventSeq: Int64
    var ref: String
    var claimSeq: Int64
    var programmeID: String
    var year: Int
    var applicantID: String
    var providerID: String
    var productCode: String
    var category: String
    var providerRegion: String
    var project: String?
    var usedOn: String
    var serviceAmount: Int64
    var eligibleAmount: Int64?
    var taxAmount: Int64?
    var rateBasisPoints: Int64
    var amount: Int64
    var redemptionDeadline: String?
    var rounding: String?
    /// Schema v8.
    var invoice: String? = nil

    enum CodingKeys: String, CodingKey, ColumnExpression, CaseIterable {
        case eventSeq = "event_seq"
        case ref
        case claimSeq = "claim_seq"
        case programmeID = "programme_id"
        case year
        case applicantID = "applicant_id"
        case providerID = "provider_id"
        case productCode = "product_code"
        case category
        case providerRegion = "provider_region"
        case project
        case usedOn = "used_on"
        case serviceAmount = "service_amount"
        case eligibleAmount = "eligible_amount"
        case taxAmount = "tax_amount"
        case rateBasisPoints = "rate_basis_points"
        case amount
        case redemptionDeadline = "redemption_deadline"
        case rounding
        case invoice
    }

    typealias Columns = CodingKeys

    static let insertSQL = insertStatement(orIgnore: false)
    static let insertOrIgnoreSQL = insertStatement(orIgnore: true)

    var columnValues: StatementArguments {
        [
            eventSeq, ref, claimSeq, programmeID, year, applicantID, providerID, productCode, category, providerRegion,
            project, usedOn, serviceAmount, eligibleAmount, taxAmount, rateBasisPoints, amount, redemptionDeadline,
            rounding, invoice,
        ]
    }
}

extension UseRecord {
    /// Read by column, as ``ApplicantRecord/init(row:)``: a settlement and a filing read the
    /// rows of their uses, and GRDB's decoder was about a sixth of an import of redemptions.
    init(row: Row) throws {
        eventSeq = try row.decode(forColumn: Columns.eventSeq.rawValue)
        ref = try row.decode(forColumn: Columns.ref.rawValue)
        claimSeq = try row.decode(forColumn: Columns.claimSeq.rawValue)
        programmeID = try row.decode(forColumn: Columns.programmeID.rawValue)
        year = try row.decode(forColumn: Columns.year.rawValue)
        applicantID = try row.decode(forColumn: Columns.applicantID.rawValue)
        providerID = try row.decode(forColumn: Columns.providerID.rawValue)
        productCode = try row.decode(forColumn: Columns.productCode.rawValue)
        category = try row.decode(forColumn: Columns.category.rawValue)
        providerRegion = try row.decode(forColumn: Columns.providerRegion.rawValue)
        project = try row.decode(forColumn: Columns.project.rawValue)
        usedOn = try row.decode(forColumn: Columns.usedOn.rawValue)
        serviceAmount = try row.decode(forColumn: Columns.serviceAmount.rawValue)
        eligibleAmount = try row.decode(forColumn: Columns.eligibleAmount.rawValue)
        taxAmount = try row.decode(forColumn: Columns.taxAmount.rawValue)
        rateBasisPoints = try row.decode(forColumn: Columns.rateBasisPoints.rawValue)
        amount = try row.decode(forColumn: Columns.amount.rawValue)
        redemptionDeadline = try row.decode(forColumn: Columns.redemptionDeadline.rawValue)
        rounding = try row.decode(forColumn: Columns.rounding.rawValue)
        invoice = try row.decode(forColumn: Columns.invoice.rawValue)
    }
}

/// A provider's claim for redemption (兑付申请). The `redemption_filing` table.
struct FilingRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord, LedgerRecord {
    static let databaseTableName = "redemption_filing"

    var eventSeq: Int64
    var ref: String
    var providerID: String

    enum CodingKeys: String, CodingKey, ColumnExpression, CaseIterable {
        case eventSeq = "event_seq"
        case ref
        case providerID = "provider_id"
    }

    typealias Columns = CodingKeys

    static let insertSQL = insertStatement(orIgnore: false)
    static let insertOrIgnoreSQL = insertStatement(orIgnore: true)

    var columnValues: StatementArguments {
        [eventSeq, ref, providerID]
    }
}

/// One use of a filing. The `redemption_item` table.
struct RedemptionItemRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord, LedgerRecord {
    static let databaseTableName = "redemption_item"

    var filingSeq: Int64
    var useSeq: Int64
    var pastDeadline: Bool

    enum CodingKeys: String, CodingKey, ColumnExpression, CaseIterable {
        case filingSeq = "filing_seq"
        case useSeq = "use_seq"
        case pastDeadline = "past_deadline"
    }

    typealias Columns = CodingKeys

    static let insertSQL = insertStatement(orIgnore: false)
    static let insertOrIgnoreSQL = insertStatement(orIgnore: true)

    var columnValues: StatementArguments {
        [filingSeq, useSeq, pastDeadline]
    }
}

/// A use filed past its deadline, with its programme year, the day it was filed and how many days
/// late (schema v9). The `late_item` table, recomputed from the item, its use and its filing.
struct LateItemRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord, LedgerRecord {
    static let databaseTableName = "late_item"

    var filingSeq: Int64
    var useSeq: Int64
    var programmeID: String
    var year: Int64
    var filedOn: String
    var daysLate: Int64

    enum CodingKeys: String, CodingKey, ColumnExpression, CaseIterable {
        case filingSeq = "filing_seq"
        case useSeq = "use_seq"
        case programmeID = "programme_id"
        case year
        case filedOn = "filed_on"
        case daysLate = "days_late"
    }

    typealias Columns = CodingKeys

    static let insertSQL = insertStatement(orIgnore: false)
    static let insertOrIgnoreSQL = insertStatement(orIgnore: true)

    var columnValues: StatementArguments {
        [filingSeq, useSeq, programmeID, year, filedOn, daysLate]
    }
}

/// How a filed use was settled. The `settlement` table.
struct SettlementRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord, LedgerRecord {
    static let databaseTableName = "settlement"

    var eventSeq: Int64
    var filingSeq: Int64
    var useSeq: Int64
    var outcome: String
    var paid: Int64
    var unpaid: Int64
    var unpaidEffect: String
    var reason: String?

    enum CodingKeys: String, CodingKey, ColumnExpression, CaseIterable {
        case eventSeq = "event_seq"
        case filingSeq = "filing_seq"
        case useSeq = "use_seq"
        case outcome
        case paid
        case unpaid
        case unpaidEffect = "unpaid_effect"
        case reason
    }

    typealias Columns = CodingKeys

    static let insertSQL = insertStatement(orIgnore: false)
    static let insertOrIgnoreSQL = insertStatement(orIgnore: true)

    var columnValues: StatementArguments {
        [eventSeq, filingSeq, useSeq, outcome, paid, unpaid, unpaidEffect, reason]
    }
}

/// A payment on a matching claim or grant. The `payment` table.
struct PaymentRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord, LedgerRecord {
    static let databaseTableName = "payment"

    var eventSeq: Int64
    var claimSeq: Int64
    var amount: Int64

    enum CodingKeys: String, CodingKey, ColumnExpression, CaseIterable {
        case eventSeq = "event_seq"
        case claimSeq = "claim_seq"
        case amount
    }

    typealias Columns = CodingKeys

    static let insertSQL = insertStatement(orIgnore: false)
    static let insertOrIgnoreSQL = insertStatement(orIgnore: true)

    var columnValues: StatementArguments {
        [eventSeq, claimSeq, amount]
    }
}

/// A provider suspended or reinstated from a date (schema v8). The `provider_status` table.
struct ProviderStatusRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord, LedgerRecord {
    static let databaseTableName = "provider_status"

    var eventSeq: Int64
    var providerID: String
    var status: String
    var effectiveFrom: String
    var reason: String?

    enum CodingKeys: String, CodingKey, ColumnExpression, CaseIterable {
        case eventSeq = "event_seq"
        case providerID = "provider_id"
        case status
        case effectiveFrom = "effective_from"
        case reason
    }

    typealias Columns = CodingKeys

    static let insertSQL = insertStatement(orIgnore: false)
    static let insertOrIgnoreSQL = insertStatement(orIgnore: true)

    var columnValues: StatementArguments {
        [eventSeq, providerID, status, effectiveFrom, reason]
    }

    /// The change as the rules see it; nil for a row the schema's checks would not have let in.
    var fact: ProviderStatusFact? {
        guard let status = ProviderStatus(rawValue: status), let from = try? BusinessDate.parse(effectiveFrom) else {
            return nil
        }
        return ProviderStatusFact(providerID: providerID, status: status, from: from, reason: reason)
    }
}

/// A programme year's appropriation (schema v8). The `budget` table.
struct BudgetRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord, LedgerRecord {
    static let databaseTableName = "budget"

    var eventSeq: Int64
    var programmeID: String
    var year: Int
    var amount: Int64
    var shares: String?

    enum CodingKeys: String, CodingKey, ColumnExpression, CaseIterable {
        case eventSeq = "event_seq"
        case programmeID = "programme_id"
        case year
        case amount
        case shares
    }

    typealias Columns = CodingKeys

    static let insertSQL = insertStatement(orIgnore: false)
    static let insertOrIgnoreSQL = insertStatement(orIgnore: true)

    var columnValues: StatementArguments {
        [eventSeq, programmeID, year, amount, shares]
    }

    /// The appropriation as the rules see it; nil for a row the schema's checks would not have let in.
    var appropriation: Appropriation? {
        guard let programme = try? ProgrammeID(programmeID), let shares = Appropriation.shares(shares) else {
            return nil
        }
        return Appropriation(programme: programme, year: year, amount: Money(fen: amount), shares: shares)
    }
}

/// An amount owed back on a paid use (schema v8). The `recovery` table.
struct RecoveryRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord, LedgerRecord {
    static let databaseTableName = "recovery"

    var eventSeq: Int64
    var useSeq: Int64
    var amount: Int64
    var reason: String

    enum CodingKeys: String, CodingKey, ColumnExpression, CaseIterable {
        case eventSeq = "event_seq"
        case useSeq = "use_seq"
        case amount
        case reason
    }

    typealias Columns = CodingKeys

    static let insertSQL = insertStatement(orIgnore: false)
    static let insertOrIgnoreSQL = insertStatement(orIgnore: true)

    var columnValues: StatementArguments { [eventSeq, useSeq, amount, reason] }
}

/// Money received back on a use (schema v8). The `recovery_receipt` table.
struct RecoveryReceiptRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord, LedgerRecord {
    static let databaseTableName = "recovery_receipt"

    var eventSeq: Int64
    var useSeq: Int64
    var amount: Int64

    enum CodingKeys: String, CodingKey, ColumnExpression, CaseIterable {
        case eventSeq = "event_seq"
        case useSeq = "use_seq"
        case amount
    }

    typealias Columns = CodingKeys

    static let insertSQL = insertStatement(orIgnore: false)
    static let insertOrIgnoreSQL = insertStatement(orIgnore: true)

    var columnValues: StatementArguments { [eventSeq, useSeq, amount] }
}
