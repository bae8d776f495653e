import GRDB
import VoucherDomain

// MARK: - Providers' status and invoices (schema v8)

extension Ledger {
    /// Suspends a provider from a date (with the reason), or reinstates it. The rules
    /// (``Lifecycle/statusChange(_:among:)``) check it against the provider's recorded changes.
    @discardableResult
    public func changeProviderStatus(
        providerID: String,
        status: ProviderStatus,
        reason: String?,
        context: EventContext
    ) throws -> RecordedEvent {
        let request = ProviderStatusFact(
            providerID: try Lifecycle.reference(providerID, field: "id"),
            status: status,
            from: context.businessDate,
            reason: reason
        )
        return try transaction { db in
            if let earlier = try replay(db, context: context, kind: .providerStatus, request: request.payload) {
                return earlier
            }
            _ = try provider(db, request.providerID)
            let changes = try providerStatus(db, request.providerID)
            // The same change again (a retried command under a new key) records nothing.
            if let last = changes.last, last.status == request.status, last.from == request.from,
                last.reason == request.reason?.trimmed.nilIfEmpty,
                let seq = try db.fetchOne(
                    Int64.self,
                    sql: "SELECT MAX(event_seq) FROM provider_status WHERE provider_id = ?",
                    arguments: [request.providerID]
                )
            {
                return try recordedEvent(db, seq: seq, replayed: true)
            }
            let (fact, event) = try Lifecycle.statusChange(request, among: changes)
            return try append(db, context: context, request: request.payload, event: event) { seq in
                try ProviderStatusRecord(
                    eventSeq: seq,
                    providerID: fact.providerID,
                    status: fact.status.rawValue,
                    effectiveFrom: fact.from.iso,
                    reason: fact.reason
                ).insertRow(db)
            }
        }
    }

    /// A provider's suspensions and reinstatements, in the order recorded.
    func providerStatus(_ db: Database, _ providerID: String) throws -> [ProviderStatusFact] {
        try BatchMemo.recall(providerID, in: \.providerStatuses) {
            try ProviderStatusRecord.fetchAll(
                db.cachedStatement(sql: "SELECT * FROM provider_status WHERE provider_id = ? ORDER BY event_seq"),
                arguments: [providerID]
            ).compactMap(\.fact)
        }
    }

    /// The provider's suspensions and reinstatements, for `voucher provider status`.
    public func providerStatus(_ providerID: String) throws -> [ProviderStatusFact] {
        try read { db in
            _ = try provider(db, providerID)
            return try providerStatus(db, providerID)
        }
    }

    /// The live use, in any programme, that the provider's invoice funded.
    func fundedUse(_ db: Database, provider: String, invoice: String) throws -> FundedUse? {
        try db.fetchOne(
            Row.self,
            sql: """
                SELECT u.ref, u.programme_id FROM voucher_use u
                WHERE u.provider_id = ? AND u.invoice = ? AND \(Self.live("u")) LIMIT 1
                """,
            arguments: [provider, invoice]
        ).map { FundedUse(use: $0[0], programme: $0[1]) }
    }
}
