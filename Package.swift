// swift-tools-version: 6.2
import PackageDescription

/// Our own targets: Swift 6 language mode, every warning an error.
let strict: [SwiftSetting] = [.treatAllWarnings(as: .error)]

/// The programmes the binary carries in its code (Sources/VoucherPolicies/Bundled/NAME.yaml).
enum BundledProgrammeFiles {
    static let names = [
        "sh-innovation-voucher", "yrd-innovation-voucher", "jic-operating-support", "jic-overseas-matching",
    ]
}

/// The web console's templates (Sources/VoucherServer/Console/NAME.mustache).
enum ConsoleTemplates {
    static let names = [
        "layout", "login", "home", "enterprise", "quote", "provider", "claims", "claimRow", "settlements", "report",
        "verify",
        "users", "message", "payments", "whatif", "policies", "recoveries", "events", "registry", "budgets",
    ]
}

let package = Package(
    name: "voucher-ledger",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "voucher", targets: ["VoucherCLI"]),
        .library(name: "VoucherDomain", targets: ["VoucherDomain"]),
        .library(name: "VoucherPolicies", targets: ["VoucherPolicies"]),
        .library(name: "VoucherStorage", targets: ["VoucherStorage"]),
        .library(name: "VoucherImport", targets: ["VoucherImport"]),
        .library(name: "VoucherReports", targets: ["VoucherReports"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.0.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.0"),
        .package(url: "https://github.com/pointfreeco/swift-custom-dump.git", from: "1.7.0"),
        // CustomDump reports a difference through IssueReporting; its test support, linked into a
        // test target, makes that difference fail the Swift Testing test (without it, only a line
        // is printed and the test passes).
        .package(url: "https://github.com/pointfreeco/xctest-dynamic-overlay.git", from: "1.13.0"),
        .package(url: "https://github.com/pointfreeco/swift-snapshot-testing.git", from: "1.17.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
        // The service (VoucherServer): HTTP, bcrypt for passwords, structured logs.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        // Pure: money, identifiers, dates, policies, the subsidy engine. No database, files or terminal.
        .target(name: "VoucherDomain", swiftSettings: strict),
        // Policy files (YAML) to domain policies, and the programmes the binary carries in its code.
        .target(
            name: "VoucherPolicies",
            dependencies: ["VoucherDomain", .product(name: "Yams", package: "Yams")],
            resources: BundledProgrammeFiles.names.map { .embedInCode("Bundled/\($0).yaml") },
            swiftSettings: strict
        ),
        // The ledger in SQLite: the only module that imports GRDB. Carries its migrations in its code.
        .target(
            name: "VoucherStorage",
            dependencies: [
                "VoucherDomain", "VoucherPolicies",
                .product(name: "GRDB", package: "GRDB.swift"),
                // The SQLite C API, for verification's read loop over every event.
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            resources: (1...12).map { .embedInCode("Migrations/v\($0).sql") },
            swiftSettings: strict
        ),
        // CSV files as offices send them (UTF-8, GB18030, BOM, CRLF), and Excel workbooks' first sheet, into
        // the ledger, all or nothing.
        .target(
            name: "VoucherImport",
            dependencies: [
                "VoucherDomain", "VoucherStorage", .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            swiftSettings: strict
        ),
        // Reports: text, Markdown, CSV, JSON, HTML and Excel workbooks, in Chinese and English.
        .target(
            name: "VoucherReports",
            dependencies: ["VoucherDomain", .product(name: "ZIPFoundation", package: "ZIPFoundation")],
            swiftSettings: strict
        ),
        // The `voucher` command: thin commands that parse, call, print. Carries the demo's CSV files.
        // The HTTP API (and, later, the console) over one ledger: accounts, roles, the same rules.
        .target(
            name: "VoucherServer",
            dependencies: [
                "VoucherDomain", "VoucherPolicies", "VoucherStorage", "VoucherReports",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            resources: [.embedInCode("openapi.yaml")]
                + ConsoleTemplates.names.map { .embedInCode("Console/\($0).mustache") },
            swiftSettings: strict
        ),
        .executableTarget(
            name: "VoucherCLI",
            dependencies: [
                "VoucherDomain", "VoucherPolicies", "VoucherStorage", "VoucherImport", "VoucherReports",
                "VoucherServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: ["enterprises", "providers", "products", "claims", "uses", "redemptions"].map {
                .embedInCode("Demo/\($0).csv")
            },
            swiftSettings: strict
        ),
        // Quote latency for scripts/bench: its own executable, so that the product carries no benchmark.
        .executableTarget(
            name: "VoucherBench",
            dependencies: [
                "VoucherDomain", "VoucherStorage",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "VoucherDomainTests",
            dependencies: [
                "VoucherDomain",
                .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "CustomDump", package: "swift-custom-dump"),
                .product(name: "IssueReportingTestSupport", package: "xctest-dynamic-overlay"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "VoucherPoliciesTests",
            dependencies: [
                "VoucherDomain", "VoucherPolicies",
                .product(name: "Yams", package: "Yams"),
                .product(name: "CustomDump", package: "swift-custom-dump"),
                .product(name: "IssueReportingTestSupport", package: "xctest-dynamic-overlay"),
            ],
            exclude: ["Scenarios"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "VoucherStorageTests",
            dependencies: [
                "VoucherDomain", "VoucherPolicies", "VoucherStorage",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "CustomDump", package: "swift-custom-dump"),
                .product(name: "IssueReportingTestSupport", package: "xctest-dynamic-overlay"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "VoucherImportTests",
            dependencies: [
                "VoucherDomain", "VoucherStorage", "VoucherImport", "VoucherReports",
                .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "CustomDump", package: "swift-custom-dump"),
                .product(name: "IssueReportingTestSupport", package: "xctest-dynamic-overlay"),
            ],
            swiftSettings: strict
        ),
        // The report's formats, held to golden files.
        .testTarget(
            name: "VoucherReportsTests",
            dependencies: [
                "VoucherDomain", "VoucherReports",
                .product(name: "SnapshotTesting", package: "swift-snapshot-testing"),
            ],
            exclude: ["__Snapshots__"],
            swiftSettings: strict
        ),
        // End-to-end tests of the built `voucher` binary (the dependency makes `swift test` build it).
        .testTarget(
            name: "VoucherServerTests",
            dependencies: [
                "VoucherServer", "VoucherDomain", "VoucherStorage", "VoucherReports",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "VoucherCLITests",
            dependencies: ["VoucherCLI", "VoucherDomain", "VoucherReports"],
            swiftSettings: strict
        ),
    ],
    swiftLanguageModes: [.v6]
)
