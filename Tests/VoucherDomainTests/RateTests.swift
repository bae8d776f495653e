import PropertyBased
import Testing
import VoucherDomain

struct RateTests {
    @Test func readsPercentagesAndRatios() throws {
        #expect(try Rate.parse("50%") == .percent(50))
        #expect(try Rate.parse("62.5%") == Rate(basisPoints: 6_250))
        #expect(try Rate.parse("100%") == .hundredPercent)
        #expect(try Rate.parse("0.05%") == Rate(basisPoints: 5))
        #expect(try Rate.parse("1:1") == .hundredPercent)
        #expect(try Rate.parse("1:2") == .percent(50))
        #expect(try Rate.parse("62.5%").formatted() == "62.5%")
        #expect(try Rate.parse("7.05%").formatted() == "7.05%")
    }

    @Test(arguments: ["50", "0.5", "50.125%", "abc%", "%", "1:3", "1:0", "-5%", "5.%"])
    func refusesWhatIsNotAnExactRate(_ text: String) {
        #expect(throws: RateParseError.self) { try Rate.parse(text) }
    }

    struct RoundingCase: Sendable, CustomStringConvertible {
        var rate: String
        var base: String
        var unit: Rounding.Unit
        var mode: Rounding.Mode
        var expected: String
        var description: String { "\(rate) × \(base) \(mode.rawValue) to \(unit.rawValue) = \(expected)" }
    }

    // The edges of each mode and unit: exact halves (0.005, 0.015, 0.025), one fen, large amounts.
    static let table: [RoundingCase] = [
        // 50% × 0.01 = 0.005
        .init(rate: "50%", base: "0.01", unit: .fen, mode: .down, expected: "0.00"),
        .init(rate: "50%", base: "0.01", unit: .fen, mode: .halfUp, expected: "0.01"),
        .init(rate: "50%", base: "0.01", unit: .fen, mode: .halfEven, expected: "0.00"),
        // 50% × 0.03 = 0.015
        .init(rate: "50%", base: "0.03", unit: .fen, mode: .down, expected: "0.01"),
        .init(rate: "50%", base: "0.03", unit: .fen, mode: .halfUp, expected: "0.02"),
        .init(rate: "50%", base: "0.03", unit: .fen, mode: .halfEven, expected: "0.02"),
        // 50% × 0.05 = 0.025
        .init(rate: "50%", base: "0.05", unit: .fen, mode: .down, expected: "0.02"),
        .init(rate: "50%", base: "0.05", unit: .fen, mode: .halfUp, expected: "0.03"),
        .init(rate: "50%", base: "0.05", unit: .fen, mode: .halfEven, expected: "0.02"),
        // Just under and over a half: 62.5% × 0.01 = 0.00625, 33.33% × 0.01 = 0.003333
        .init(rate: "62.5%", base: "0.01", unit: .fen, mode: .halfUp, expected: "0.01"),
        .init(rate: "62.5%", base: "0.01", unit: .fen, mode: .halfEven, expected: "0.01"),
        .init(rate: "33.33%", base: "0.01", unit: .fen, mode: .halfUp, expected: "0.00"),
        // One fen at 100% stays one fen in every mode.
        .init(rate: "100%", base: "0.01", unit: .fen, mode: .down, expected: "0.01"),
        .init(rate: "100%", base: "0.01", unit: .fen, mode: .halfEven, expected: "0.01"),
        // To the yuan: 50% × 1.00 = 0.50, × 3.00 = 1.50, × 5.00 = 2.50, × 2.98 = 1.49
        .init(rate: "50%", base: "1.00", unit: .yuan, mode: .down, expected: "0.00"),
        .init(rate: "50%", base: "1.00", unit: .yuan, mode: .halfUp, expected: "1.00"),
        .init(rate: "50%", base: "1.00", unit: .yuan, mode: .halfEven, expected: "0.00"),
        .init(rate: "50%", base: "3.00", unit: .yuan, mode: .halfEven, expected: "2.00"),
        .init(rate: "50%", base: "5.00", unit: .yuan, mode: .halfEven, expected: "2.00"),
        .init(rate: "50%", base: "5.00", unit: .yuan, mode: .halfUp, expected: "3.00"),
        .init(rate: "50%", base: "2.98", unit: .yuan, mode: .halfUp, expected: "1.00"),
        .init(rate: "50%", base: "2.98", unit: .yuan, mode: .down, expected: "1.00"),
        .init(rate: "50%", base: "1.98", unit: .yuan, mode: .down, expected: "0.00"),
        // Large amounts stay exact: 50% × 92,233,720,368,547,758.07 (the largest amount).
        .init(
            rate: "50%",
            base: "92,233,720,368,547,758.07",
            unit: .fen,
            mode: .down,
            expected: "46,116,860,184,273,879.03"
        ),
        .init(
            rate: "50%",
            base: "92,233,720,368,547,758.07",
            unit: .fen,
            mode: .halfUp,
            expected: "46,116,860,184,273,879.04"
        ),
        .init(
            rate: "50%",
            base: "92,233,720,368,547,758.07",
            unit: .fen,
            mode: .halfEven,
            expected: "46,116,860,184,273,879.04"
        ),
        .init(rate: "62.5%", base: "68.9万元", unit: .fen, mode: .down, expected: "430,625.00"),
        .init(rate: "50%", base: "68.9万元", unit: .yuan, mode: .down, expected: "344,500.00"),
    ]

    @Test(arguments: table)
    func roundsExactlyAsThePolicySays(_ row: RoundingCase) throws {
        let result = try Rate.parse(row.rate).apply(
            to: try Money.parse(row.base),
            rounding: Rounding(unit: row.unit, mode: row.mode)
        )
        #expect(result == (try Money.parse(row.expected)))
    }

    @Test func rateTimesAmountNeverExceedsTheExactProductWhenRoundingDown() async {
        await propertyCheck(input: Gen.int64(in: 0...1_000_000_000_000), Gen.int64(in: 1...10_000)) {
            fen,
            basisPoints in
            let result = try Rate(basisPoints: basisPoints).apply(to: Money(fen: fen), rounding: .downToFen)
            // result × 10000 ≤ fen × bp < (result + 1) × 10000, checked in 128 bits.
            let exact = Int128(fen) * Int128(basisPoints)
            #expect(Int128(result.fen) * 10_000 <= exact)
            #expect((Int128(result.fen) + 1) * 10_000 > exact)
        }
    }

    @Test func aRoundingReadsBackFromItsTextAndNothingElseReads() {
        let all = Rounding.Mode.allCases.flatMap { mode in Rounding.Unit.allCases.map { Rounding(unit: $0, mode: mode) }
        }
        #expect(all.count == 6)
        for rounding in all {
            #expect(Rounding(canonicalText: rounding.canonicalText) == rounding)
        }
        #expect(Rounding(canonicalText: "half-up to fen") == Rounding(unit: .fen, mode: .halfUp))
        for text in ["", "down", "down to", "to fen", "down  to fen", "Down to fen", "down to fen ", "up to fen"] {
            #expect(Rounding(canonicalText: text) == nil, "\(text)")
        }
    }
}
