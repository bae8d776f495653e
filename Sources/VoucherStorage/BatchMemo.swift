import GRDB
import VoucherDomain

/// What the operations of one batch may read from memory instead of the database, so that a file of
/// a million uses does not look the same parties, products and quotas up a million times: the
/// reference data a use reads and the chain's head. Only this batch's connection writes while it
/// holds the write lock, and ``Ledger/transaction(keepsMemo:_:)`` forgets it all around any
/// operation but a use, and after any operation that fails.
final class BatchMemo {
    var programmes: [String: ProgrammeCache.Entry] = [:]
    var applicants: [String: RegisteredApplicant] = [:]
    var providers: [String: RegisteredProvider] = [:]
    var products: [String: RegisteredProduct] = [:]
    /// A provider's suspensions and reinstatements, in the order recorded.
    var providerStatuses: [String: [ProviderStatusFact]] = [:]
    /// An applicant's claims with a current grant in a programme, keyed by both.
    var grantedQuotas: [QuotaKey: [StoredQuota]] = [:]
    /// The last event's sequence number and hash.
    var head: (seq: Int64, hash: String)?

    struct QuotaKey: Hashable {
        var applicant: String
        var programme: String
    }

    /// Entries each table holds at most: a million uses name a quarter of a million applicants,
    /// and remembering all of them took the import's memory from 128 MB to 334 MB.
    static let limit = 32_768

    /// Inside a batch, or a read of a ledger opened for reading (``ReadMemo``), the value its
    /// memo's `table` holds for `key`, or else `load()`'s, remembered; elsewhere, `load()`'s.
    static func recall<Key: Hashable, Value>(
        _ key: Key,
        in table: ReferenceWritableKeyPath<BatchMemo, [Key: Value]>,
        loading load: () throws -> Value
    ) rethrows -> Value {
        guard let memo = Ledger.batch?.memo ?? Ledger.remembered?.memo else { return try load() }
        if let known = memo[keyPath: table][key] { return known }
        let value = try load()
        remember(value, for: key, in: &memo[keyPath: table])
        return value
    }

    /// Remembers `value`, first forgetting the whole table when it is full.
    static func remember<Key: Hashable, Value>(_ value: Value, for key: Key, in table: inout [Key: Value]) {
        if table.count >= limit { table.removeAll(keepingCapacity: true) }
        table[key] = value
    }

    func forget() {
        programmes.removeAll()
        applicants.removeAll()
        providers.removeAll()
        products.removeAll()
        providerStatuses.removeAll()
        grantedQuotas.removeAll()
        head = nil
    }
}

/// What the reads of a ledger opened for reading (the service's quotes) remember of the same
/// reference data, from one read to the next while the chain's head stays where it was. The
/// ledger only appends, and every change to what a memo holds (a registration, a suspension, a
/// decision, a policy file) is an event: a read whose snapshot has another head forgets it all
/// first. Only the reads of the ledger's one connection use it, and they run one at a time.
final class ReadMemo: @unchecked Sendable {
    let memo = BatchMemo()
    private var head: (seq: Int64, hash: String)?

    /// Begins the read's snapshot by reading its head, and forgets everything if that moved.
    func renew(_ db: Database) throws {
        let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT seq, hash FROM event ORDER BY seq DESC LIMIT 1"))
        let now: (seq: Int64, hash: String)? = row.map { ($0[0], $0[1]) }
        if now?.seq != head?.seq || now?.hash != head?.hash {
            memo.forget()
            head = now
        }
    }
}
