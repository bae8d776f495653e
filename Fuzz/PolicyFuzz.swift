// libFuzzer target: the policy-file loader (YAML through Yams and libyaml, then the policy rules).
// Built by scripts/fuzz against the modules Yams, VoucherDomain and VoucherPolicies. A crash is a
// finding, and so is an input that takes more than the script's -timeout, or more memory than its
// -rss_limit_mb: the loader promises to refuse, quickly, anything it cannot read.

import VoucherDomain
import VoucherPolicies

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPolicy(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let programme = try? PolicyFile.programme(yaml: text, file: "fuzz.yaml") else { return 0 }
    // What loads, loads the same again, and each version's canonical form is one text.
    guard let again = try? PolicyFile.programme(yaml: text, file: "fuzz.yaml"), again == programme else {
        fatalError("a policy loaded once and not the same the second time")
    }
    for version in programme.versions {
        let canonical = version.canonical(programme: programme.id, kind: programme.kind)
        guard canonical.text == version.canonical(programme: programme.id, kind: programme.kind).text else {
            fatalError("a version's canonical text is not stable")
        }
    }
    return 0
}
