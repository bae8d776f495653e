import Foundation
import Testing
import VoucherDomain
import VoucherPolicies

/// An in-process random search over the policy-file loader (libFuzzer would need Yams's C library
/// built with the fuzzer's instrumentation, which scripts/fuzz does not do): mutations of real
/// policy files must load or be refused with a PolicyError, never crash, and whatever loads obeys
/// the rules of a programme.
struct PolicyFuzzTests {
    static let iterations = Int(ProcessInfo.processInfo.environment["POLICY_FUZZ_ITERATIONS"] ?? "") ?? 3_000

    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let fragments = [
        "value: ", "source: seed", "-5万元", "150%", "2024-02-30", "effective_until: 2021-01-01",
        "\n  - effective_from: 2022-06-01\n    rate: 40%",
        ": :", "[", "]", "{", "}", "\"", "'", "&anchor", "*anchor", "!!binary", "\t", "\n", "万", "1:0", "0%",
        "99999999999999999999",
        "per_use:", "caps: {per_use: 1万}", "rounding: half-even to yuan", "quota_validity: 0 months",
        "tax_base: exclusive 6%",
    ]

    @Test func mutatedPolicyFilesLoadOrAreRefusedNeverCrash() {
        var random = Generator(state: 2_023_021)
        let originals = BundledProgrammes.files.map { Array($0.yaml.utf8) }
        var loaded = 0
        var refused = 0
        for _ in 0..<Self.iterations {
            var bytes = originals[Int(random.next() % UInt64(originals.count))]
            for _ in 0..<(1 + random.next() % 4) {
                let position = bytes.isEmpty ? 0 : Int(random.next() % UInt64(bytes.count))
                switch random.next() % 5 {
                case 0:
                    let end = min(bytes.count, position + Int(random.next() % 40))
                    bytes.removeSubrange(position..<end)
                case 1:
                    let fragment = Self.fragments[Int(random.next() % UInt64(Self.fragments.count))]
                    bytes.insert(contentsOf: Array(fragment.utf8), at: position)
                case 2:
                    if position < bytes.count { bytes[position] = UInt8(truncatingIfNeeded: random.next()) }
                case 3:
                    let end = min(bytes.count, position + Int(random.next() % 60))
                    bytes.insert(contentsOf: bytes[position..<end], at: min(bytes.count, end + Int(random.next() % 20)))
                default:
                    if position < bytes.count, bytes[position] >= 0x30, bytes[position] <= 0x39 {
                        bytes[position] = 0x30 + UInt8(random.next() % 10)
                    }
                }
            }
            let text = String(decoding: bytes, as: UTF8.self)
            do {
                let programme = try PolicyFile.programme(yaml: text, file: "fuzz.yaml")
                loaded += 1
                for (earlier, later) in zip(programme.versions, programme.versions.dropFirst()) {
                    #expect(earlier.effectiveFrom < later.effectiveFrom)
                    if let until = earlier.effectiveUntil { #expect(until < later.effectiveFrom) }
                }
                if programme.kind == .voucher {
                    #expect((programme.versions.first?.rate?.value ?? .hundredPercent) <= .hundredPercent)
                }
            } catch {
                refused += 1
                #expect(error.file == "fuzz.yaml" && !error.reason.isEmpty)
            }
        }
        #expect(
            loaded > 0 && refused > 0,
            "the mutations must both keep and break files: \(loaded) loaded, \(refused) refused"
        )
    }
}
