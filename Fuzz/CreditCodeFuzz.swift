// libFuzzer target: the credit-code validator and team numbers. Built by scripts/fuzz with the
// sources of VoucherDomain as one module. A crash is a finding.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCreditCode(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    if let code = try? UnifiedSocialCreditCode(text) {
        let characters = Array(code.value)
        guard characters.count == 18,
            UnifiedSocialCreditCode.checkCharacter(for: String(characters.prefix(17))) == characters[17]
        else { fatalError("\"\(text)\" was accepted with a wrong check character") }
    }
    if let overridden = try? PartyIdentifier.creditCode(text, override: (reason: "fuzz", approvedBy: "fuzz")) {
        guard overridden.value.count == 18 else {
            fatalError("an override accepted \"\(text)\", which is not 18 characters")
        }
    }
    _ = try? TeamRegistrationNumber(text)
    return 0
}
