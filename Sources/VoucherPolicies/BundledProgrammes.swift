import VoucherDomain

/// The four programmes of the seed, carried in the binary's code so that it needs no files beside it.
///
/// Their policy files are `Sources/VoucherPolicies/Bundled/*.yaml`; each value there says whether it
/// comes from the seed, a secondary source, or is assumed.
public enum BundledProgrammes {
    /// The policy files, by file name, as embedded at build time.
    public static let files: [(name: String, yaml: String)] = [
        ("sh-innovation-voucher.yaml", PackageResources.sh_innovation_voucher_yaml),
        ("yrd-innovation-voucher.yaml", PackageResources.yrd_innovation_voucher_yaml),
        ("jic-operating-support.yaml", PackageResources.jic_operating_support_yaml),
        ("jic-overseas-matching.yaml", PackageResources.jic_overseas_matching_yaml),
    ].map { ($0.0, String(decoding: $0.1, as: UTF8.self)) }

    /// The programmes, read from the embedded files.
    ///
    /// The files are part of the build and a test loads each one, so a failure here is a defect
    /// in the shipped files, not in anyone's input.
    public static func all() throws(PolicyError) -> [Programme] {
        var programmes: [Programme] = []
        for file in files {
            programmes.append(try PolicyFile.programme(yaml: file.yaml, file: file.name))
        }
        return programmes
    }
}
