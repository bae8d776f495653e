// libFuzzer target: the digest parser (`voucher verify --digest FILE` reads what a person kept).
// Built by scripts/fuzz with LedgerDigest.swift against the module VoucherDomain. A crash is a
// finding.

import VoucherDomain

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDigest(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let digest = LedgerDigest(text: text) else { return 0 }
    // What parses names at least one event and a lower-case SHA-256, and prints back to itself.
    guard digest.events >= 1, digest.head.utf8.count == 64,
        digest.head.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) })
    else { fatalError("\"\(text)\" parsed as \(digest.events) events, head \(digest.head)") }
    guard LedgerDigest(text: digest.description) == digest else {
        fatalError("\"\(text)\" parsed, but its printed form \"\(digest.description)\" does not parse back")
    }
    return 0
}
