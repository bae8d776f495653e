import Foundation
import GRDB
import Testing
import VoucherDomain

@testable import VoucherStorage

/// Each record's fast insert binds its values in the order of its columns: a record inserted that
/// way and fetched back (through Codable, or the record's own `init(row:)`) is the same record.
/// Every field has a value of its own, so two fields swapped in `columnValues` (or in `init(row:)`)
/// read back different.
struct RecordTests {
    func roundTrip<R: LedgerRecord & FetchableRecord & Equatable>(_ record: R) throws {
        let database = try DatabaseQueue()
        try database.write { db in
            let columns = R.CodingKeys.allCases.map(\.rawValue).joined(separator: ", ")
            try db.execute(sql: "CREATE TABLE \(R.databaseTableName) (\(columns))")
            try record.insertRow(db)
            try record.insertRow(db, orIgnore: true)
            let read = try R.fetchAll(db, sql: "SELECT * FROM \(R.databaseTableName)")
            #expect(read == [record, record], "\(R.self)")
        }
    }

    @Test func everyRecordReadsBackWhatItsFastInsertWrote() throws {
        try roundTrip(
            EventRecord(
                seq: 1,
                kind: "use",
                businessDate: "2022-05-10",
                recordedAt: "t",
                actor: "a",
                idempotencyKey: "k",
                requestHash: "r",
                programmeID: "p",
                policyHash: "h",
                reverses: 7,
                payload: "{}",
                explanation: "e",
                prevHash: "0",
                hash: "1"
            )
        )
        try roundTrip(
            PostingRecord(
                eventSeq: 1,
                line: 2,
                accountID: "quota/p/2022/A",
                amount: -300,
                accountType: "quota",
                programmeID: "p",
                year: 2022,
                businessDate: "2022-05-10"
            )
        )
        try roundTrip(
            AccountRecord(id: "a", type: "quota", programmeID: "p", year: 2022, partyID: "A", balance: 5)
        )
        try roundTrip(
            ClaimRecord(
                eventSeq: 3,
                ref: "C",
                applicantID: "A",
                programmeID: "p",
                year: 2022,
                requested: 4,
                project: "P",
                paid: 5
            )
        )
        try roundTrip(
            DecisionRecord(
                eventSeq: 4,
                claimSeq: 3,
                level: "city",
                outcome: "granted",
                granted: 9,
                reviewer: "r",
                reason: "x",
                validUntil: "2022-12-31"
            )
        )
        try roundTrip(
            UseRecord(
                eventSeq: 5,
                ref: "U",
                claimSeq: 3,
                programmeID: "p",
                year: 2022,
                applicantID: "A",
                providerID: "L",
                productCode: "P1",
                category: "testing",
                providerRegion: "shanghai",
                project: "J",
                usedOn: "2022-05-10",
                serviceAmount: 100,
                eligibleAmount: 90,
                taxAmount: 6,
                rateBasisPoints: 5_000,
                amount: 45,
                redemptionDeadline: "2022-08-08",
                rounding: "half-up to fen"
            )
        )
        try roundTrip(FilingRecord(eventSeq: 6, ref: "R", providerID: "L"))
        try roundTrip(RedemptionItemRecord(filingSeq: 6, useSeq: 5, pastDeadline: true))
        try roundTrip(
            LateItemRecord(
                filingSeq: 6,
                useSeq: 5,
                programmeID: "sh-innovation-voucher",
                year: 2022,
                filedOn: "2022-09-01",
                daysLate: 24
            )
        )
        try roundTrip(
            SettlementRecord(
                eventSeq: 7,
                filingSeq: 6,
                useSeq: 5,
                outcome: "reduced",
                paid: 30,
                unpaid: 15,
                unpaidEffect: "returned",
                reason: "x"
            )
        )
        try roundTrip(PaymentRecord(eventSeq: 8, claimSeq: 3, amount: 11))
        try roundTrip(ProgrammeRecord(id: "p", kind: "voucher", nameZh: "券", nameEn: "v", eventSeq: 1))
        try roundTrip(PolicyFileRecord(eventSeq: 1, programmeID: "p", fileName: "f", yaml: "y", sha256: "s"))
        try roundTrip(
            PolicyVersionRecord(
                hash: "h",
                programmeID: "p",
                effectiveFrom: "2022-01-01",
                effectiveUntil: "2022-12-31",
                canonical: "c",
                eventSeq: 1
            )
        )
        try roundTrip(
            ApplicantRecord(
                eventSeq: 2,
                id: "A",
                kind: "enterprise",
                name: "甲",
                district: "杨浦区",
                region: "shanghai",
                groupID: "G",
                overrideReason: "o",
                overrideBy: "b",
                attributes: "jic-member;tech-sme"
            )
        )
        try roundTrip(
            ApplicantRecord(
                eventSeq: 5,
                id: "B",
                kind: "team",
                name: "丙",
                district: "",
                region: "shanghai",
                groupID: nil,
                overrideReason: nil,
                overrideBy: nil,
                attributes: nil
            )
        )
        try roundTrip(
            ProviderRecord(eventSeq: 3, id: "L", name: "乙", region: "jiangsu", overrideReason: "o", overrideBy: "b")
        )
        try roundTrip(
            ProviderRecord(eventSeq: 6, id: "M", name: "丁", region: "anhui", overrideReason: nil, overrideBy: nil)
        )
        try roundTrip(
            ProductRecord(eventSeq: 4, code: "P1", providerID: "L", name: "n", category: "testing", listPrice: 12)
        )
    }
}

/// A provider's default key names its region as the ledger records it (in lower case): the same
/// registration typed `Shanghai` or `shanghai` is one key, and a region already in lower case
/// keeps the key it always had.
struct RegistrationKeyTests {
    @Test func aProvidersKeyNamesItsRegionInLowerCase() {
        let identifier = PartyIdentifier.overriddenCreditCode(code: "X1", reason: "r", approvedBy: "b")
        func key(_ region: String) -> String {
            Ledger.registrationKey(ProviderRegistration(identifier: identifier, name: "中心", region: region), id: "X1")
        }
        #expect(key("Shanghai") == key("shanghai"))
        #expect(key("shanghai") == "provider:X1:" + Ledger.contentKey(["中心", "shanghai"]))
        #expect(key("jiangsu") != key("shanghai"))
    }
}

/// Today is Beijing's day: 23:30 UTC on 31 December is already 1 January there.
struct TodayTests {
    @Test func todayIsTheDayInBeijing() throws {
        let lateUTC = Date(timeIntervalSince1970: 1_672_529_400)  // 2022-12-31T23:30:00Z
        #expect(BusinessDate.today(at: lateUTC).iso == "2023-01-01")
        let midnight = Date(timeIntervalSince1970: 1_672_416_000)  // 2022-12-30T16:00:00Z, midnight in Beijing
        #expect(BusinessDate.today(at: midnight).iso == "2022-12-31")
        #expect(BusinessDate.today(at: midnight.addingTimeInterval(-1)).iso == "2022-12-30")
    }
}
