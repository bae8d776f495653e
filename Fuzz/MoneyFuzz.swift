// libFuzzer target: the money parser and formatter. Built by scripts/fuzz together with the
// sources of VoucherDomain, as one module (so there is no import). A crash is a finding.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMoney(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    for allowNegative in [false, true] {
        guard let money = try? Money.parse(text, allowNegative: allowNegative) else { continue }
        // Whatever parses must print and parse back to the same fen, in every format.
        for printed in [money.formatted(), money.decimalString(), money.formattedWan()] {
            guard let again = try? Money.parse(printed, allowNegative: true), again == money else {
                fatalError(
                    "\"\(text)\" parsed as \(money.fen) fen, printed as \"\(printed)\", which does not parse back"
                )
            }
        }
        if !allowNegative && money.isNegative { fatalError("\"\(text)\" parsed negative where that is refused") }
    }
    if let rate = try? Rate.parse(text) {
        guard let again = try? Rate.parse(rate.formatted()), again == rate else {
            fatalError("rate \"\(text)\" does not round-trip through \"\(rate.formatted())\"")
        }
    }
    _ = try? BusinessDate.parse(text)
    return 0
}
