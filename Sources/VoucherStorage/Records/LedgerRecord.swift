import GRDB

/// A table's record whose insert is one prepared statement built once from its columns.
///
/// GRDB's Codable `insert` encodes a record through `Encoder` for every row, which an import of a
/// million uses (six rows each) felt: 30% of its time. `insertRow` binds `columnValues`, listed in
/// the order of `CodingKeys` (the columns, each written once); `RecordTests` round-trips every
/// record through it, so a value out of order fails a test.
protocol LedgerRecord: TableRecord {
    associatedtype CodingKeys: CodingKey, CaseIterable, RawRepresentable where CodingKeys.RawValue == String

    /// `INSERT INTO table (columns) VALUES (?, …)`.
    static var insertSQL: String { get }
    /// `INSERT OR IGNORE INTO …`.
    static var insertOrIgnoreSQL: String { get }
    /// The values of the columns, in the order of `CodingKeys`.
    var columnValues: StatementArguments { get }
}

extension LedgerRecord {
    /// The insert statement of the table's columns, in the order of `CodingKeys`.
    static func insertStatement(orIgnore: Bool) -> String {
        let columns = CodingKeys.allCases.map(\.rawValue)
        return "INSERT \(orIgnore ? "OR IGNORE " : "")INTO \(databaseTableName) (\(columns.joined(separator: ", "))) "
            + "VALUES (\(Array(repeating: "?", count: columns.count).joined(separator: ", ")))"
    }

    /// Inserts the row (or, with `orIgnore`, nothing when its key is taken).
    func insertRow(_ db: Database, orIgnore: Bool = false) throws {
        try db.cachedStatement(sql: orIgnore ? Self.insertOrIgnoreSQL : Self.insertSQL).execute(arguments: columnValues)
    }
}
