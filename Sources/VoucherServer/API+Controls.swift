import Foundation
import VoucherDomain
import VoucherStorage

// MARK: - Recording the controls: what the API's routes and the console's forms both record

extension API {
    /// An applicant's registration (or a change to it), under the caller's key or the command
    /// line's default (which names the registration it changes).
    func recordApplicant(
        _ registration: ApplicantRegistration,
        id: String,
        date: BusinessDate,
        key: String?,
        user: User
    ) async throws -> RecordedEvent {
        let name = user.name
        return try await worker.run { ledger in
            let current = try? ledger.applicant(registration.identifier.value).eventSeq
            let context = EventContext(
                idempotencyKey: key ?? Ledger.registrationKey(registration, id: id, after: current),
                actor: name,
                businessDate: date
            )
            return try ledger.registerApplicant(registration, context: context)
        }
    }

    /// A provider suspended or reinstated from a date; 404 for a provider the ledger does not know.
    func recordProviderStatus(
        provider: String,
        status: ProviderStatus,
        from: BusinessDate,
        reason: String?,
        key: String?,
        user: User
    ) async throws -> RecordedEvent {
        let name = user.name
        return try await notFound(ifUnknown: .unknownProvider(provider)) {
            try await worker.run { ledger in
                let before = try ledger.providerStatus(provider).count
                let context = EventContext(
                    idempotencyKey: key ?? Ledger.providerStatusKey(provider, status, from: from, before: before),
                    actor: name,
                    businessDate: from
                )
                return try ledger.changeProviderStatus(
                    providerID: provider,
                    status: status,
                    reason: reason,
                    context: context
                )
            }
        }
    }

    /// A programme year's appropriation (or its revision).
    func recordBudget(
        _ appropriation: Appropriation,
        date: BusinessDate,
        key: String?,
        user: User
    ) async throws -> RecordedEvent {
        let name = user.name
        return try await worker.run { ledger in
            let before = try ledger.appropriation(appropriation.programme, year: appropriation.year)?.event
            let context = EventContext(
                idempotencyKey: key ?? Ledger.appropriationKey(appropriation, on: date, before: before),
                actor: name,
                businessDate: date
            )
            return try ledger.setBudget(appropriation, context: context)
        }
    }

    /// What is left of a programme's quotas whose validity ended before the date, lapsed; nil when
    /// nothing was left to lapse.
    func recordExpiry(programme: ProgrammeID, context: EventContext) async throws -> RecordedEvent? {
        try await notFound(ifUnknown: .unknownProgramme(programme.value)) {
            try await worker.run { ledger in try ledger.expireQuotas(programme: programme, context: context) }
        }
    }

    /// Money owed back on a use (`received` false) or received back; 404 for an unknown use.
    func recordRecovery(_ fact: RecoveryFact, received: Bool, context: EventContext) async throws -> RecordedEvent {
        try await notFound(ifUnknown: .unknownUse(fact.useRef)) {
            try await worker.run { ledger in
                received
                    ? try ledger.receiveRecovery(fact, context: context)
                    : try ledger.recover(fact, context: context)
            }
        }
    }

    /// An event reversed, with the reason; 404 for an event that is not in the ledger.
    func recordReversal(event seq: Int64, reason: String, context: EventContext) async throws -> RecordedEvent {
        try await notFound(ifUnknown: .unknownEvent(seq)) {
            try await worker.run { ledger in try ledger.reverse(event: seq, reason: reason, context: context) }
        }
    }
}
