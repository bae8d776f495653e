import Testing
import VoucherDomain

/// Money paid on a use and owed back (追回), without a database.
struct RecoveryTests {
    static let money = LifecycleTests.money

    static func state(paid: String, owed: String = "0", received: String = "0") throws -> RecoveryState {
        RecoveryState(
            programme: try ProgrammeID("sh-innovation-voucher"),
            paid: money(paid),
            owed: money(owed),
            received: money(received)
        )
    }

    @Test func whatIsOwedBackIsAtMostWhatWasPaidAndSaysWhy() throws {
        let event = try Lifecycle.recovery(
            RecoveryFact(useRef: "U-1", amount: Self.money("3万"), reason: " 重复申报 "),
            state: try Self.state(paid: "10万", owed: "7万")
        )
        #expect(event.kind == .recovery)
        #expect(event.postings.isEmpty)
        #expect(event.payload.text == #"{"amount":3000000,"reason":"重复申报","use":"U-1"}"#)
        let over = #expect(throws: LedgerError.self) {
            try Lifecycle.recovery(
                RecoveryFact(useRef: "U-1", amount: Self.money("3.01万"), reason: "重复申报"),
                state: try Self.state(paid: "10万", owed: "7万")
            )
        }
        #expect(
            over?.description
                == "use U-1: at most 30,000.00 can be owed back: 100,000.00 was paid and 70,000.00 is owed back already"
        )
        #expect(throws: LedgerError.self) {
            try Lifecycle.recovery(
                RecoveryFact(useRef: "U-1", amount: Self.money("1万"), reason: " "),
                state: try Self.state(paid: "10万")
            )
        }
        // Its reason is on one line, as every reason given is.
        let forged = #expect(throws: LedgerError.self) {
            try Lifecycle.recovery(
                RecoveryFact(useRef: "U-1", amount: Self.money("1万"), reason: "重复\n✓ 已追回"),
                state: try Self.state(paid: "10万")
            )
        }
        #expect(
            forged?.description.contains("holds the control character U+000A at position 3") == true,
            "\(String(describing: forged))"
        )
        let unpaid = #expect(throws: LedgerError.self) {
            try Lifecycle.recovery(
                RecoveryFact(useRef: "U-1", amount: Self.money("1万"), reason: "x"),
                state: try Self.state(paid: "0")
            )
        }
        #expect(unpaid?.description.contains("nothing was paid on it") == true)
    }

    @Test func whatIsReceivedBackIsAtMostWhatIsOwedAndNotYetReceived() throws {
        let state = try Self.state(paid: "10万", owed: "5万", received: "2万")
        let receipt = try Lifecycle.recoveryReceipt(RecoveryFact(useRef: "U-1", amount: Self.money("3万")), state: state)
        #expect(receipt.kind == .recoveryReceived)
        #expect(receipt.payload.text == #"{"amount":3000000,"use":"U-1"}"#)
        let over = #expect(throws: LedgerError.self) {
            try Lifecycle.recoveryReceipt(RecoveryFact(useRef: "U-1", amount: Self.money("3.01万")), state: state)
        }
        #expect(
            over?.description.hasPrefix(
                "use U-1: cannot receive 30,100.00: 30,000.00 is owed back and not yet received"
            )
                == true
        )
        #expect(over?.text(.zh).hasPrefix("用券 U-1：追回 30,100.00 超过待追回的 30,000.00") == true)
    }

    @Test func aPaidSettlementIsNotReversedButOneThatPaidNothingIs() throws {
        let programme = try ProgrammeID("sh-innovation-voucher")
        let awaiting = LedgerAccount(.awaiting, programme: programme, year: 2022, party: "P")
        let paid = LedgerAccount(.paid, programme: programme, year: 2022, party: "P")
        let quota = LedgerAccount(.quota, programme: programme, year: 2022, party: "A")
        func settlement(_ postings: [Posting]) -> ReversalTarget {
            ReversalTarget(
                seq: 9,
                kind: .redemptionSettled,
                programme: programme,
                reversedBy: nil,
                dependent: nil,
                postings: postings
            )
        }
        let refusal = #expect(throws: LedgerError.self) {
            try Lifecycle.reverse(settlement(Posting.transfer(Self.money("2万"), from: awaiting, to: paid)), reason: "x")
        }
        #expect(
            refusal?.description.contains("it paid the provider 20,000.00; record what is owed back instead") == true
        )
        let rejected = try Lifecycle.reverse(
            settlement(Posting.transfer(Self.money("2万"), from: awaiting, to: quota)),
            reason: "核减有误"
        )
        #expect(rejected.postings.count == 2)
    }
}
