import CustomDump
import PropertyBased
import Testing
import VoucherDomain

struct MoneyTests {
    // Every amount in the seed, in the forms officials write it, and the fen it means.
    static let seedAmounts: [(text: String, fen: Int64)] = [
        ("689000", 68_900_000), ("689,000.00", 68_900_000), ("¥689,000", 68_900_000), ("68.9万", 68_900_000),
        ("68.9万元", 68_900_000), ("29万元", 29_000_000), ("290,000", 29_000_000), ("2360万元", 2_360_000_000),
        ("23,600,000.00", 2_360_000_000), ("441.3万元", 441_300_000), ("4,413,000", 441_300_000),
        ("256.48万元", 256_480_000), ("2,564,800.00", 256_480_000), ("50万元", 50_000_000),
        ("100万元", 100_000_000), ("0.05", 5), ("￥1,000元", 100_000), (" 12.5 ", 1_250), ("CNY 7", 700),
        ("0.000001万元", 1), ("1,234,567.89", 123_456_789), (".5", 50),
    ]

    @Test(arguments: seedAmounts)
    func parsesWhatOfficialsWrite(_ example: (text: String, fen: Int64)) throws {
        #expect(try Money.parse(example.text) == Money(fen: example.fen))
    }

    @Test func formatsTheSeedsFiguresExactlyAsPublished() throws {
        let published = ["68.9万元", "29万元", "2360万元", "441.3万元", "256.48万元", "50万元", "100万元"]
        for text in published {
            #expect(try Money.parse(text).formattedWan() == text)
        }
        expectNoDifference(try Money.parse("68.9万元").formatted(), "689,000.00")
        expectNoDifference(try Money.parse("2360万元").formatted(), "23,600,000.00")
        expectNoDifference(Money(fen: 5).formatted(), "0.05")
        expectNoDifference(Money(fen: -123_456).formatted(), "-1,234.56")
        expectNoDifference(Money(fen: 0).formatted(), "0.00")
        expectNoDifference(Money(fen: 99_999).formatted(), "999.99")
        expectNoDifference(Money(fen: 100_000).formatted(), "1,000.00")
        expectNoDifference(Money(fen: .max).formatted(), "92,233,720,368,547,758.07")
        expectNoDifference(Money(fen: .min).formatted(), "-92,233,720,368,547,758.08")
        expectNoDifference(Money(fen: 68_900_000).decimalString(), "689000.00")
        expectNoDifference(Money(fen: 1).formattedWan(), "0.000001万元")
        expectNoDifference(Money(fen: 0).formattedWan(), "0万元")
    }

    static let refusals: [(text: String, reason: String)] = [
        ("", "empty"), ("   ", "empty"), ("1.234", "more than 2 decimals"), ("68.9123456万元", "more than 6 decimals"),
        ("-5", "negative"), ("−5.00", "negative"), ("¥-5", "negative"), ("12a", "unexpected character \"a\""),
        ("1,2345", "misplaced thousands separator"), ("12,34.00", "misplaced thousands separator"),
        ("1.2.3", "unexpected character \".\""), ("¥", "no digits"), ("万元", "no digits"),
        ("99999999999999999999", "too large"), ("1e5", "unexpected character \"e\""), ("五万", "unexpected character"),
        ("1,000.00.5", "unexpected character"), ("$5", "unexpected character \"$\""),
    ]

    /// An unexpected character is named with its place in the text as typed, counted from its
    /// first character, whatever was written before or after the number.
    @Test(arguments: [
        ("3x0万元", "x", 2), ("30万元元", "万", 3), (" ¥ 12a元", "a", 6), ("-¥1,00b", "b", 7), ("5万元元", "万", 2),
    ])
    func anUnexpectedCharacterIsNamedWhereItIs(_ text: String, _ character: Character, _ position: Int) {
        #expect(throws: MoneyParseError.unexpectedCharacter(text: text, character: character, position: position)) {
            try Money.parse(text, allowNegative: true)
        }
    }

    @Test(arguments: refusals)
    func refusesWithTheTextAndTheReason(_ refusal: (text: String, reason: String)) {
        do {
            let money = try Money.parse(refusal.text)
            Issue.record("\"\(refusal.text)\" was read as \(money)")
        } catch {
            #expect(error.description.contains(refusal.reason), "\(error)")
            if !refusal.text.trimmingCharacters(in: .whitespaces).isEmpty {
                #expect(error.description.contains("\"\(refusal.text)\""), "\(error)")
            }
        }
    }

    @Test func negativeAmountsAreReadWhereAllowed() throws {
        #expect(try Money.parse("-1,234.56", allowNegative: true) == Money(fen: -123_456))
        #expect(try Money.parse("¥-5", allowNegative: true) == Money(fen: -500))
    }

    @Test func arithmeticThatWouldOverflowThrowsInsteadOfWrapping() throws {
        let largest = Money(fen: .max)
        #expect(throws: MoneyError.self) { try largest.adding(Money(fen: 1)) }
        #expect(throws: MoneyError.self) { try Money(fen: .min).subtracting(Money(fen: 1)) }
        let doubled = #expect(throws: MoneyError.self) { try largest.multiplied(by: 2) }
        // A refusal in Chinese says the same, with the operation's figures.
        #expect(
            doubled.map { LedgerError.money($0).text(.zh) }
                == "金额过大：92,233,720,368,547,758.07 × 2 超出账本可记录的范围（±92,233,720,368,547,758.07）"
        )
        #expect(throws: MoneyError.self) { try Money.sum([largest, largest]) }
        #expect(throws: MoneyError.self) { try Money.yuan(.max / 10) }
        #expect(try Money.parse("92,233,720,368,547,758.07") == largest)
        #expect(throws: MoneyParseError.outOfRange(text: "92,233,720,368,547,758.08")) {
            try Money.parse("92,233,720,368,547,758.08")
        }
        #expect(try Money(fen: 1).adding(Money(fen: 2)) == Money(fen: 3))
    }

    @Test func formattingAndParsingRoundTrip() async {
        await propertyCheck(input: Gen.int64(in: 0...9_000_000_000_000_000)) { fen throws in
            let money = Money(fen: fen)
            #expect(try Money.parse(money.formatted()) == money)
            #expect(try Money.parse(money.decimalString()) == money)
            #expect(try Money.parse(money.formattedWan()) == money)
        }
    }
}

struct PublishedWanTests {
    @Test(arguments: [
        ("27773712.34", "2777.37万元"), ("27773750.00", "2777.38万元"), ("4413000.00", "441.3万元"),
        ("2564800.00", "256.48万元"), ("0.01", "0万元"), ("49.99", "0万元"), ("50.00", "0.01万元"),
        ("-27773750.00", "-2777.38万元"), ("23600000.00", "2360万元"),
    ])
    func aSentenceWritesAtMostTwoDecimalsOfWan(yuan: String, expected: String) throws {
        #expect(try Money.parse(yuan, allowNegative: true).formattedWan(decimals: 2) == expected)
    }
}
