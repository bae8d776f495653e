import PropertyBased
import Testing
import VoucherDomain

struct IdentifierTests {
    @Test(arguments: ["91350100M000100Y43", "91110000101623741K", "911101066976941872", "91110000101623741k"])
    func acceptsValidCreditCodes(_ code: String) throws {
        #expect(try UnifiedSocialCreditCode(code).value == code.uppercased())
    }

    @Test func namesTheExpectedCheckCharacter() {
        #expect(throws: USCCError.checkCharacterMismatch(code: "91310115MA1H8R7C6D", expected: "7", actual: "D")) {
            try UnifiedSocialCreditCode("91310115MA1H8R7C6D")
        }
        do {
            _ = try UnifiedSocialCreditCode("91310115MA1H8R7C6D")
        } catch {
            #expect(error.description.contains("check character should be 7, is D"))
        }
    }

    @Test func refusesWrongLengthAndForbiddenLetters() {
        #expect(throws: USCCError.wrongLength(code: "9135010", length: 7)) { try UnifiedSocialCreditCode("9135010") }
        #expect(throws: USCCError.forbiddenCharacter(code: "91350100M000100I43", character: "I", position: 16)) {
            try UnifiedSocialCreditCode("91350100M000100I43")
        }
        #expect(throws: USCCError.forbiddenCharacter(code: "9135010-M000100Y43", character: "-", position: 8)) {
            try UnifiedSocialCreditCode("9135010-M000100Y43")
        }
    }

    @Test func generatedCodesWithTheirCheckCharacterValidate() async {
        let characters = Gen.element(of: UnifiedSocialCreditCode.alphabet).compactMap { $0 }.array(of: 17)
        await propertyCheck(input: characters) { first17 in
            let body = String(first17)
            let check = try #require(UnifiedSocialCreditCode.checkCharacter(for: body))
            #expect(try UnifiedSocialCreditCode(body + String(check)).value == body + String(check))
            // Any other check character is refused, naming the right one.
            let wrong = UnifiedSocialCreditCode.alphabet.first { $0 != check } ?? "0"
            #expect(
                throws: USCCError.checkCharacterMismatch(code: body + String(wrong), expected: check, actual: wrong)
            ) {
                try UnifiedSocialCreditCode(body + String(wrong))
            }
        }
    }

    @Test func anOverrideIsExplicitRecordedAndOnlyForAFailingCheck() throws {
        let overridden = try PartyIdentifier.creditCode(
            "91310115MA1H8R7C6D",
            override: (reason: "as printed on the business licence", approvedBy: "wang.li")
        )
        #expect(
            overridden
                == .overriddenCreditCode(
                    code: "91310115MA1H8R7C6D",
                    reason: "as printed on the business licence",
                    approvedBy: "wang.li"
                )
        )
        // A valid code needs no override and is stored as verified.
        #expect(
            try PartyIdentifier.creditCode("91350100M000100Y43", override: (reason: "x", approvedBy: "y"))
                == .creditCode(try UnifiedSocialCreditCode("91350100M000100Y43"))
        )
        // A typing mistake is not a registry quirk: wrong length is never overridden; nor is an empty reason.
        #expect(throws: USCCError.self) {
            try PartyIdentifier.creditCode("9131011", override: (reason: "r", approvedBy: "a"))
        }
        #expect(throws: USCCError.self) {
            try PartyIdentifier.creditCode("91310115MA1H8R7C6D", override: (reason: " ", approvedBy: "a"))
        }
        #expect(throws: USCCError.self) { try PartyIdentifier.creditCode("91310115MA1H8R7C6D") }
    }

    @Test func teamNumbersAreTheProgrammesOwn() throws {
        #expect(try TeamRegistrationNumber("yp-t-2023-017").value == "YP-T-2023-017")
        for bad in ["", "7T", "T", "YP T 1", "团队001", String(repeating: "A", count: 33)] {
            #expect(throws: TeamNumberError.self) { try TeamRegistrationNumber(bad) }
        }
    }
}
