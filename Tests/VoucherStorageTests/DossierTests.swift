import Foundation
import Testing
import VoucherDomain

@testable import VoucherStorage

/// An applicant's dossier (`voucher dossier`): what it gathers, that its events are the chain's,
/// and that it is made again identically at the same head however the ledger has grown since.
@Suite struct DossierTests {
    static func richLedger() throws -> (Ledger, URL) {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("dossier-\(UUID().uuidString).sqlite")
        try ColumnCoverageTests.richLedger(at: url.path)
        return (try Ledger.open(at: url.path, actor: "test"), url)
    }

    @Test func itGathersTheApplicantsWholeHistoryAndNothingOfAnothers() throws {
        let (ledger, url) = try Self.richLedger()
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: url.path + suffix) } }
        let fixture = try LedgerFixture()
        let dossier = try ledger.dossier(Dossier.Scope(applicant: fixture.alpha))
        #expect(dossier.head == (try ledger.chainHead()))
        #expect(dossier.claims.map(\.ref) == ["C-1"])
        #expect(Set(dossier.uses.map(\.ref)) == ["U-1", "U-2", "U-3"])
        #expect(dossier.decisions.allSatisfy { $0.claimRef == "C-1" })
        let kinds = Set(dossier.events.map(\.kind))
        for kind in [
            "applicant", "claim", "decision", "use", "redemption-filed", "redemption-settled", "expiry", "reversal",
            "recovery", "recovery-received",
        ] {
            #expect(kinds.contains(kind), "no \(kind) event in the dossier")
        }
        // The mistaken use U-3 and its reversal.
        let u3 = try #require(dossier.uses.first { $0.ref == "U-3" })
        let reversal = try #require(dossier.reversedBy[u3.seq])
        #expect(dossier.events.contains { $0.seq == reversal && $0.reverses == u3.seq })
        // U-2 was filed past its deadline and rejected.
        let late = try #require(dossier.redemptions.first { $0.useRef == "U-2" })
        #expect(late.pastDeadline && late.settlements.map(\.outcome) == ["rejected"])
        #expect(dossier.recoveries.map(\.received) == [false, true])
        // No event of beta's claims, uses or filings: R-3 covers beta's uses only.
        #expect(!dossier.redemptions.contains { $0.filingRef == "R-3" })
        #expect(dossier.events.map(\.seq) == dossier.events.map(\.seq).sorted())
        // Every event is the chain's: its stored fields give its hash.
        for event in dossier.events {
            let fields = EventFields(
                seq: event.seq,
                kind: event.kind,
                businessDate: event.businessDate,
                recordedAt: event.recordedAt,
                actor: event.actor,
                idempotencyKey: event.idempotencyKey,
                requestHash: event.requestHash,
                programme: event.programme,
                policyHash: event.policyHash,
                reverses: event.reverses,
                payload: event.payload,
                explanation: event.explanation,
                postings: event.postings.map { ($0.line, $0.account, $0.amount.fen) },
                prevHash: event.prevHash
            )
            #expect(fields.hash == event.hash, "event \(event.seq)")
        }
    }

    @Test func aProgrammeAndYearNarrowIt() throws {
        let (ledger, url) = try Self.richLedger()
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: url.path + suffix) } }
        let fixture = try LedgerFixture()
        let all = try ledger.dossier(Dossier.Scope(applicant: fixture.beta))
        let test = LifecycleEdgeTests.testProgramme.value
        let narrowed = try ledger.dossier(Dossier.Scope(applicant: fixture.beta, programme: test, year: 2022))
        #expect(narrowed.claims.map(\.ref) == ["C-T"])
        #expect(Set(narrowed.uses.map(\.ref)) == ["U-T", "U-T2"])
        #expect(narrowed.redemptions.map(\.filingRef) == ["R-3", "R-3"])
        // Alpha's Shanghai claim is outside the test programme: only its registrations are left.
        let alphaInTest = try ledger.dossier(Dossier.Scope(applicant: fixture.alpha, programme: test))
        #expect(alphaInTest.claims.isEmpty && alphaInTest.uses.isEmpty && alphaInTest.recoveries.isEmpty)
        #expect(alphaInTest.events.map(\.kind) == alphaInTest.registrations.map { _ in "applicant" })
        let otherYear = try ledger.dossier(Dossier.Scope(applicant: fixture.beta, programme: test, year: 2023))
        #expect(otherYear.claims.isEmpty && otherYear.uses.isEmpty)
        // Registrations are the applicant's whatever the scope.
        #expect(otherYear.registrations == all.registrations && !all.registrations.isEmpty)
        #expect(throws: LedgerError.unknownApplicant("91310110000000099X")) {
            try ledger.dossier(Dossier.Scope(applicant: "91310110000000099X"))
        }
        #expect(throws: LedgerError.unknownProgramme("nope")) {
            try ledger.dossier(Dossier.Scope(applicant: fixture.beta, programme: "nope"))
        }
    }

    @Test func aDossierMadeAgainAtItsHeadIsTheSameAfterTheLedgerGrew() throws {
        let fixture = try LedgerFixture()
        try fixture.grantQuota("C-1", applicant: fixture.alpha, amount: "30万")
        _ = try fixture.use("U-1", applicant: fixture.alpha, amount: "10万")
        let first = try fixture.ledger.dossier(Dossier.Scope(applicant: fixture.alpha))
        _ = try fixture.use("U-2", applicant: fixture.alpha, amount: "4万", on: "2022-05-20")
        let again = try fixture.ledger.dossier(Dossier.Scope(applicant: fixture.alpha), head: first.head.events)
        #expect(again == first)
        let now = try fixture.ledger.dossier(Dossier.Scope(applicant: fixture.alpha))
        #expect(now.uses.map(\.ref) == ["U-1", "U-2"] && now.head.events > first.head.events)
        // A head the ledger does not have is refused.
        #expect(throws: LedgerError.unknownEvent(now.head.events + 1)) {
            try fixture.ledger.dossier(Dossier.Scope(applicant: fixture.alpha), head: now.head.events + 1)
        }
    }

    @Test func whatAFilingOrAnExpiryHoldsOfOtherApplicantsIsWithheld() throws {
        let fixture = try LedgerFixture()
        try fixture.grantQuota("C-A", applicant: fixture.alpha, amount: "30万")
        try fixture.grantQuota("C-B", applicant: fixture.beta, amount: "30万")
        _ = try fixture.use("U-A", applicant: fixture.alpha, amount: "2万")
        _ = try fixture.use("U-B", applicant: fixture.beta, amount: "2万")
        try fixture.ledger.fileRedemption(
            RedemptionFilingRequest(ref: "R-AB", providerID: fixture.lab, useRefs: ["U-A", "U-B"]),
            context: fixture.next("2022-06-01")
        )
        _ = try fixture.ledger.expireQuotas(programme: shanghai, context: fixture.next("2023-01-05"))
        let dossier = try fixture.ledger.dossier(Dossier.Scope(applicant: fixture.alpha))
        let withheld = dossier.events.filter(\.withheld)
        #expect(withheld.map(\.kind) == ["redemption-filed", "expiry"])
        for event in withheld {
            #expect(event.payload.isEmpty && event.explanation == nil)
            #expect(event.postings.allSatisfy { $0.account.hasSuffix(fixture.alpha) }, "\(event.postings)")
        }
        // The expiry's line of alpha's quota is kept: what lapsed of it.
        #expect(withheld.last?.postings.map(\.amount) == [Money(fen: -yuan("29万").fen)])
        // Nothing of beta's anywhere in the dossier.
        #expect(!dossier.events.contains { "\($0)".contains(fixture.beta) || "\($0)".contains("U-B") })
        #expect(dossier.redemptions.map(\.useRef) == ["U-A"])
        // Beta's own filing shows it whole only when it covers beta alone: here it does not either.
        let beta = try fixture.ledger.dossier(Dossier.Scope(applicant: fixture.beta))
        #expect(beta.events.filter(\.withheld).map(\.kind) == ["redemption-filed", "expiry"])
    }
}
