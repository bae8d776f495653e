import Foundation
import Testing
import VoucherDomain

/// What a tired official (or a hostile one) might feed the `voucher` command: each is refused with
/// a message naming the row, field and reason, the process exits non-zero, and the ledger's digest
/// is unchanged afterwards.
@Suite(.serialized)
struct HostileInputTests {
    struct Case: Sendable, CustomStringConvertible {
        var name: String
        /// The command; `FILE` stands for the file below, written fresh for the case.
        var arguments: [String]
        var file: [UInt8]?
        var expected: String
        var status: Int32 = 1
        var description: String { name }
    }

    static let lab = CommandLineTests.code(1, prefix: "12310000")
    static let alpha = CommandLineTests.code(1)
    static let beta = CommandLineTests.code(2)

    static func text(_ lines: [String]) -> [UInt8] { Array(lines.joined(separator: "\n").utf8) + [10] }

    static func importing(_ kind: String, _ name: String, _ lines: [String], expect: String) -> Case {
        Case(name: name, arguments: ["import", kind, "FILE"], file: text(lines), expected: expect)
    }

    static let enterprisesHeader = "id,name,kind,district,region,group"
    static let usesHeader = "ref,applicant_id,provider_id,product_code,programme,service_amount,used_on,project"
    static let claimsHeader = "ref,applicant_id,programme,year,requested,decision,granted,decided_on"
    static let redemptionsHeader = "ref,use_ref,outcome,amount,paid_on,reason"
    static let productsHeader = "code,provider_id,name,category,list_price"
    static func use(_ fields: String) -> String { "U9,\(alpha),\(lab),NMR,sh-innovation-voucher,\(fields)" }

    static let cases: [Case] = [
        importing(
            "enterprises",
            "missing column",
            ["id,name,district,region,group", "\(beta),乙,杨浦区,shanghai,"],
            expect: "column kind: the column is missing"
        ),
        importing(
            "enterprises",
            "columns of another kind",
            [usesHeader, use("1万,2022-05-10,")],
            expect: "column id,name,kind,district,region,group: these columns are missing"
        ),
        importing(
            "enterprises",
            "credit code check character",
            [enterprisesHeader, "91310115MA1H8R7C6D,乙,enterprise,杨浦区,shanghai,"],
            expect: "line 2, column id: credit code \"91310115MA1H8R7C6D\": check character should be 7, is D"
        ),
        importing(
            "enterprises",
            "credit code length",
            [enterprisesHeader, "9131011,乙,enterprise,杨浦区,shanghai,"],
            expect: "has 7 characters; a Unified Social Credit Code has 18"
        ),
        importing(
            "enterprises",
            "credit code forbidden letter",
            [enterprisesHeader, "91310110I00000002M,乙,enterprise,杨浦区,shanghai,"],
            expect: "has \"I\" at position 9"
        ),
        importing(
            "enterprises",
            "unknown applicant kind",
            [enterprisesHeader, "\(beta),乙,company,杨浦区,shanghai,"],
            expect: "column kind (\"company\"): is not a kind"
        ),
        importing(
            "enterprises",
            "team number",
            [enterprisesHeader, "团队1,丁,team,杨浦区,shanghai,"],
            expect: "team number \"团队1\" is not valid"
        ),
        importing(
            "enterprises",
            "empty name",
            [enterprisesHeader, "\(beta), ,enterprise,杨浦区,shanghai,"],
            expect: "line 2, column name: is empty"
        ),
        importing(
            "providers",
            "empty region",
            ["id,name,region", "\(lab),实验室,"],
            expect: "line 2, column region: is empty"
        ),
        importing(
            "products",
            "unknown provider",
            [productsHeader, "X1,\(beta),x,testing,1万"],
            expect: "line 2, column provider_id: no provider"
        ),
        importing(
            "products",
            "negative price",
            [productsHeader, "X1,\(lab),x,testing,-1万"],
            expect: "\"-1万\" is negative"
        ),
        importing(
            "products",
            "three decimals",
            [productsHeader, "X1,\(lab),x,testing,12.345"],
            expect: "\"12.345\" has more than 2 decimals"
        ),
        importing(
            "products",
            "not a number",
            [productsHeader, "X1,\(lab),x,testing,abc"],
            expect: "has an unexpected character \"a\""
        ),
        importing(
            "products",
            "overflow",
            [productsHeader, "X1,\(lab),x,testing,99999999999999999999"],
            expect: "is too large for the ledger"
        ),
        importing(
            "claims",
            "unknown applicant",
            [claimsHeader, "C9,\(beta),sh-innovation-voucher,2022,1万,pending,,"],
            expect: "column applicant_id: no applicant"
        ),
        importing(
            "claims",
            "unknown programme",
            [claimsHeader, "C9,\(alpha),sh-voucher,2022,1万,pending,,"],
            expect: "column programme: no programme \"sh-voucher\""
        ),
        importing(
            "claims",
            "malformed programme id",
            [claimsHeader, "C9,\(alpha),SH Voucher,2022,1万,pending,,"],
            expect: "is not a programme id"
        ),
        importing(
            "claims",
            "two-digit year",
            [claimsHeader, "C9,\(alpha),sh-innovation-voucher,22,1万,pending,,"],
            expect: "column year (\"22\"): is not a year"
        ),
        importing(
            "claims",
            "grant over the cap",
            [claimsHeader, "C9,\(alpha),yrd-innovation-voucher,2022,40万,granted,40万,2022-03-01"],
            expect: "cannot grant 400,000.00, at most 200,000.00"
        ),
        importing(
            "claims",
            "unknown decision",
            [claimsHeader, "C9,\(alpha),sh-innovation-voucher,2022,1万,approved,1万,2022-03-01"],
            expect: "column decision (\"approved\"): is not a decision"
        ),
        importing(
            "claims",
            "decision without a date",
            [claimsHeader, "C9,\(alpha),sh-innovation-voucher,2022,1万,granted,1万,"],
            expect: "column decided_on: a decided claim needs the date"
        ),
        importing(
            "claims",
            "impossible date",
            [claimsHeader, "C9,\(alpha),sh-innovation-voucher,2022,1万,granted,1万,2022-02-29"],
            expect: "\"2022-02-29\" is not a day of the calendar"
        ),
        importing(
            "claims",
            "duplicate ref with different content",
            [
                claimsHeader, "C9,\(alpha),yrd-innovation-voucher,2022,1万,pending,,",
                "C9,\(alpha),yrd-innovation-voucher,2022,2万,pending,,",
            ],
            expect: "line 3, column ref (\"C9\"): the same ref is on line 2 with different content"
        ),
        importing(
            "claims",
            "ref already in the ledger",
            [claimsHeader, "C1,\(alpha),sh-innovation-voucher,2022,5万,granted,5万,2022-03-01"],
            expect: "line 2, column ref: claim C1 was imported before (event"
        ),
        importing(
            "uses",
            "unknown product",
            [usesHeader, "U9,\(alpha),\(lab),NOPE,sh-innovation-voucher,1万,2022-05-10,"],
            expect: "column product_code: no product \"NOPE\""
        ),
        importing(
            "uses",
            "unknown provider",
            [usesHeader, "U9,\(alpha),\(beta),NMR,sh-innovation-voucher,1万,2022-05-10,"],
            expect: "column provider_id: no provider"
        ),
        importing(
            "uses",
            "negative amount",
            [usesHeader, use("-1万,2022-05-10,")],
            expect: "column service_amount: \"-1万\" is negative"
        ),
        importing(
            "uses",
            "three decimals",
            [usesHeader, use("1.005,2022-05-10,")],
            expect: "\"1.005\" has more than 2 decimals"
        ),
        importing(
            "uses",
            "misplaced separator",
            [usesHeader, use("\"1,0000\",2022-05-10,")],
            expect: "misplaced thousands separator"
        ),
        importing(
            "uses",
            "impossible month",
            [usesHeader, use("1万,2022-13-01,")],
            expect: "column used_on: \"2022-13-01\" is not a day of the calendar"
        ),
        importing("uses", "not a date", [usesHeader, use("1万,yesterday,")], expect: "\"yesterday\" is not a date"),
        importing(
            "uses",
            "no quota",
            [usesHeader, "U9,\(alpha),\(lab),NMR,yrd-innovation-voucher,1万,2022-05-10,"],
            expect: "the applicant has no granted quota"
        ),
        importing(
            "uses",
            "quote left open",
            [usesHeader, use("\"1万,2022-05-10,")],
            expect: "a quoted field is not closed"
        ),
        importing(
            "uses",
            "stray quote",
            [usesHeader, use("1\"万,2022-05-10,")],
            expect: "a stray \" inside an unquoted field"
        ),
        importing(
            "uses",
            "too few fields",
            [usesHeader, "U9,\(alpha),\(lab),NMR,sh-innovation-voucher,1万,2022-05-10"],
            expect: "line 2: has 7 fields, the header has 8"
        ),
        importing(
            "redemptions",
            "unknown use",
            [redemptionsHeader, "R9,U404,paid,,2022-07-01,"],
            expect: "no use \"U404\""
        ),
        importing(
            "redemptions",
            "reduced without reason",
            [redemptionsHeader, "R9,U1,reduced,1万,2022-07-01,"],
            expect: "a reduced redemption needs the reason"
        ),
        importing(
            "redemptions",
            "more than was used",
            [redemptionsHeader, "R9,U1,paid,30万,2022-07-01,"],
            expect: "cannot redeem 300,000.00, more than the 100,000.00 used"
        ),
        importing(
            "redemptions",
            "unknown outcome",
            [redemptionsHeader, "R9,U1,ok,,2022-07-01,"],
            expect: "column outcome (\"ok\"): is not an outcome"
        ),
        Case(
            name: "bytes that are no text",
            arguments: ["import", "uses", "FILE"],
            file: [0x72, 0x65, 0x66, 0xFF, 0xFF, 0x0A],
            expected: "neither UTF-8 nor GB18030"
        ),
        Case(name: "empty file", arguments: ["import", "uses", "FILE"], file: [], expected: "the file is empty"),
        Case(
            name: "a 20 MB line",
            arguments: ["import", "enterprises", "FILE"],
            file: Array((enterprisesHeader + "\n\(beta),").utf8) + [UInt8](repeating: 0x41, count: 20_000_000)
                + Array(",enterprise,x,y,\n".utf8),
            expected: "line 2: a field is longer than 10000 characters"
        ),
        Case(
            name: "no such file",
            arguments: ["import", "uses", "/nonexistent/uses.csv"],
            expected: "cannot read /nonexistent/uses.csv: there is no such file",
            status: 74
        ),
        Case(
            name: "a folder given as the file",
            arguments: ["import", "uses", "/tmp"],
            expected: "cannot read /tmp: it is a folder",
            status: 74
        ),
        Case(
            name: "unknown import kind",
            arguments: ["import", "people", "x.csv"],
            expected: "'people' is not a kind of import",
            status: 64
        ),
        Case(
            name: "an amount argument with three decimals",
            arguments: claimArguments(ref: "C9", year: "2022", requested: "1.234", date: nil),
            expected: "'1.234' is invalid for '--requested <requested>': \"1.234\" has more than 2 decimals",
            status: 64
        ),
        Case(
            name: "an impossible date argument",
            arguments: claimArguments(ref: "C9", year: "2022", date: "2022-02-30"),
            expected: "'2022-02-30' is invalid for '--date <date>': \"2022-02-30\" is not a day of the calendar",
            status: 64
        ),
        Case(
            name: "grant and reject together",
            arguments: ["decide", "--claim", "C1", "--grant", "1万", "--reject", "x", "--reviewer", "r"],
            expected: "give either --grant AMOUNT or --reject REASON",
            status: 64
        ),
        Case(
            name: "reverse an unknown event",
            arguments: ["reverse", "--event", "99999", "--reason", "x"],
            expected: "no event 99999"
        ),
        Case(
            name: "reverse a registration",
            arguments: ["reverse", "--event", "5", "--reason", "x"],
            expected: "event 5 cannot be reversed"
        ),
        Case(
            name: "report of an unknown programme",
            arguments: ["report", "--programme", "nope", "--year", "2022"],
            expected: "no programme \"nope\""
        ),
        Case(
            name: "a digest that is not one",
            arguments: ["verify", "--digest", "deadbeef"],
            expected: "is not a digest"
        ),
        Case(
            name: "an injection in a name with a bad code",
            arguments: [
                "register", "applicant", "--id", "91310115MA1H8R7C6D", "--name", "'); DROP TABLE event; --", "--kind",
                "enterprise",
            ],
            expected: "check character should be 7, is D"
        ),
        Case(
            name: "a use at a provider that does not sell the product",
            arguments: [
                "use", "--ref", "U9", "--applicant", alpha, "--provider", lab, "--product", "NMR", "--programme",
                "yrd-innovation-voucher",
                "--service-amount", "1万", "--date", "2022-05-10",
            ],
            expected: "no granted quota"
        ),
        // Invisible characters: each would make a second reference that looks like the first.
        Case(
            name: "a use reference ending in a zero-width space",
            arguments: useArguments(ref: "U1\u{200B}"),
            expected: "ref \"U1\\u{200B}\": holds the invisible character U+200B at position 3"
        ),
        Case(
            name: "a use reference with a zero-width joiner",
            arguments: useArguments(ref: "U\u{200D}1"),
            expected: "U+200D at position 2"
        ),
        Case(
            name: "a use reference with an escape",
            arguments: useArguments(ref: "U1\u{1B}[2J"),
            expected: "ref \"U1\\u{1B}[2J\": holds the invisible character U+001B"
        ),
        importing(
            "uses",
            "a use reference in a file with a byte-order mark inside it",
            [usesHeader, "U1\u{FEFF},\(alpha),\(lab),NMR,sh-innovation-voucher,1万,2022-05-10,"],
            expect: "line 2, column ref: ref \"U1\\u{FEFF}\": holds the invisible character U+FEFF"
        ),
        importing(
            "claims",
            "a claim reference with a zero-width space in a file",
            [claimsHeader, "C\u{200B}2,\(alpha),sh-innovation-voucher,2023,1万,pending,,"],
            expect: "line 2, column ref"
        ),
        Case(
            name: "a product code with a zero-width space",
            arguments: [
                "register", "product", "--code", "NMR\u{200B}", "--provider", lab, "--name", "核磁", "--category",
                "testing", "--list-price", "1万",
            ],
            expected: "code \"NMR\\u{200B}\": holds the invisible character U+200B"
        ),
        // Amounts no programme comes near, which would overflow the ledger's sums.
        Case(
            name: "a claim of the largest 64-bit amount",
            arguments: claimArguments(ref: "C9", requested: "92233720368547758.07"),
            expected: "is more than the largest amount the ledger records, 100,000,000.00"
        ),
        Case(
            name: "a use of a trillion yuan",
            arguments: useArguments(ref: "U9", amount: "1000000000000"),
            expected: "service_amount \"1,000,000,000,000.00\": is more than the largest amount"
        ),
        // Dates that are typing mistakes.
        Case(
            name: "a use dated 9999-12-31",
            arguments: useArguments(ref: "U9", date: "9999-12-31"),
            expected: "date \"9999-12-31\": is outside the dates the ledger records, 1990-01-01 to 2199-12-31"
        ),
        Case(
            name: "a claim dated 1850",
            arguments: claimArguments(ref: "C9", date: "1850-01-05"),
            expected: "is outside the dates the ledger records"
        ),
        // Who records.
        Case(
            name: "an empty actor",
            arguments: claimArguments(ref: "C9") + ["--actor", ""],
            expected: "actor \"\": is empty; say who records with --actor NAME"
        ),
        Case(
            name: "an actor with a line break",
            arguments: claimArguments(ref: "C9") + ["--actor", "clerk\n✓ all verified"],
            expected: "actor \"clerk\\u{A}✓ all verified\": holds the invisible character U+000A"
        ),
        // Digests no ledger printed.
        Case(
            name: "a digest of minus five events",
            arguments: [
                "verify", "--digest", "voucher-ledger digest 1: -5 events, head " + String(repeating: "a", count: 64),
            ],
            expected: "is not a digest"
        ),
        Case(
            name: "a digest of no events",
            arguments: [
                "verify", "--digest", "voucher-ledger digest 1: 0 events, head " + String(repeating: "a", count: 64),
            ],
            expected: "is not a digest"
        ),
        Case(
            name: "a digest with an upper-case head",
            arguments: [
                "verify", "--digest", "voucher-ledger digest 1: 10 events, head " + String(repeating: "A", count: 64),
            ],
            expected: "is not a digest printed by `voucher digest`"
        ),
        Case(
            name: "a digest of another chain",
            arguments: [
                "verify", "--digest", "voucher-ledger digest 1: 10 events, head " + String(repeating: "a", count: 64),
            ],
            expected: "event 10: the chain was rewritten",
            status: 2
        ),
        Case(
            name: "a digest of more events than the ledger has",
            arguments: [
                "verify", "--digest", "voucher-ledger digest 1: 11 events, head " + String(repeating: "a", count: 64),
            ],
            expected: "the ledger is truncated: the digest covers 11 events, the ledger has 10",
            status: 2
        ),
        // Review.
        Case(
            name: "a city grant above what was requested",
            arguments: [
                "decide", "--claim", "C1", "--level", "city", "--grant", "20万", "--reviewer", "r2", "--date",
                "2022-03-02",
            ],
            expected: "claim C1: cannot grant 200,000.00, at most 100,000.00"
        ),
        Case(
            name: "a decision on a claim that does not exist",
            arguments: ["decide", "--claim", "C404", "--grant", "1万", "--reviewer", "r"],
            expected: "no claim \"C404\""
        ),
        Case(
            name: "a decision by nobody",
            arguments: ["decide", "--claim", "C1", "--level", "city", "--grant", "1万", "--reviewer", ""],
            expected: "reviewer \"\": is empty"
        ),
        // Uses.
        Case(
            name: "a use at a provider never registered",
            arguments: useArguments(ref: "U9").map { $0 == lab ? beta : $0 },
            expected: "no provider \"\(beta)\"; register the service provider first"
        ),
        Case(
            name: "a use by an applicant never registered",
            arguments: useArguments(ref: "U9").map { $0 == alpha ? beta : $0 },
            expected: "no applicant \"\(beta)\"; register the enterprise or team first"
        ),
        Case(
            name: "a negative service amount",
            arguments: useArguments(ref: "U9").map { $0 == "--service-amount" ? "--service-amount=-1" : $0 }
                .filter { $0 != "1万" },
            expected: "The value '-1' is invalid for '--service-amount <service-amount>': \"-1\" is negative",
            status: 64
        ),
        Case(
            name: "a negative service amount written after a space",
            arguments: useArguments(ref: "U9").map { $0 == "1万" ? "-1" : $0 },
            expected: "The value '-1' is invalid for '--service-amount <service-amount>': \"-1\" is negative",
            status: 64
        ),
        Case(
            name: "a service amount left out before the next option",
            arguments: useArguments(ref: "U9").filter { $0 != "1万" },
            expected: "is the next option, not an amount; write the amount first",
            status: 64
        ),
        Case(
            name: "an eligible amount above the service amount",
            arguments: useArguments(ref: "U9") + ["--eligible-amount", "2万"],
            expected: "eligible_amount 20,000.00 is more than service_amount 10,000.00"
        ),
        Case(
            name: "a use dated before any policy version",
            arguments: useArguments(ref: "U9", date: "2021-05-10"),
            expected: "no policy version is in force on 2021-05-10"
        ),
        Case(
            name: "a use reference again with another amount",
            arguments: useArguments(ref: "U1", amount: "2万"),
            expected: "idempotency key \"use:U1\" was recorded by event 10 with different content"
        ),
        // Claims.
        Case(
            name: "a project name with an escape",
            arguments: claimArguments(ref: "C9") + ["--project", "P\u{1B}[2J"],
            expected: "project \"P\\u{1B}[2J\": holds the invisible character U+001B"
        ),
        Case(
            name: "a claim for the year 1899",
            arguments: claimArguments(ref: "C9", year: "1899"),
            expected: "year \"1899\": is not a year"
        ),
        Case(
            name: "a claim on a programme that does not exist",
            arguments: claimArguments(ref: "C9", programme: "no-such"),
            expected: "no programme \"no-such\"; `voucher policy list` shows the programmes"
        ),
        Case(
            name: "a claim reference used again for another claim",
            arguments: claimArguments(ref: "C1", year: "2022", requested: "20万", date: "2022-03-01"),
            expected: "claim reference \"C1\" is already used by event 8; use a new reference"
        ),
        Case(
            name: "a payment on a voucher claim",
            arguments: ["pay", "--claim", "C1", "--amount", "1万", "--date", "2022-06-01"],
            expected: "a payment (vouchers are redeemed by providers) does not apply"
        ),
        Case(
            name: "quotas of a programme that does not exist expired",
            arguments: ["expire", "--programme", "no-such", "--date", "2023-01-01"],
            expected: "no programme \"no-such\""
        ),
        // Redemption.
        Case(
            name: "a filing of a use that does not exist",
            arguments: ["redeem", "file", "--ref", "R1", "--provider", lab, "--use", "U404", "--date", "2022-06-01"],
            expected: "no use \"U404\""
        ),
        Case(
            name: "a filing by a provider never registered",
            arguments: ["redeem", "file", "--ref", "R1", "--provider", beta, "--use", "U1", "--date", "2022-06-01"],
            expected: "no provider \"\(beta)\""
        ),
        Case(
            name: "a provider with an empty name",
            arguments: ["register", "provider", "--id", lab, "--name", "", "--region", "shanghai"],
            expected: "name \"\": is empty"
        ),
        Case(
            name: "a reversal without a reason",
            arguments: ["reverse", "--event", "10", "--reason", ""],
            expected: "reason \"\": is empty"
        ),
        // Policy files that explode or never end.
        Case(
            name: "a policy file with a YAML alias",
            arguments: ["policy", "add", "FILE"],
            file: Array("a: &x [1, 2]\nb: *x\n".utf8),
            expected: "uses a YAML anchor (&) or alias (*); write each value out instead"
        ),
        Case(
            name: "a policy file of more than 1 MiB",
            arguments: ["policy", "add", "FILE"],
            file: Array(("id: big\nkind: voucher\n# " + String(repeating: "x", count: 1_100_000) + "\n").utf8),
            expected: "a policy file is at most 1048576 bytes (1 MiB)"
        ),
        Case(
            name: "a policy list of 1,500 categories",
            arguments: ["policy", "add", "FILE"],
            file: Array(
                ("id: many\nkind: voucher\nname: {zh: 多, en: many}\nversions:\n  - effective_from: 2022-01-01\n"
                    + "    rate: 50%\n    eligibility:\n      product_categories:\n        value: ["
                    + (0..<1_500).map { "c\($0)" }.joined(separator: ", ")
                    + "]\n        source: assumed\n        clause: x\n").utf8
            ),
            expected: "is a list of 1500 items; a list holds at most 1000"
        ),
        // Files.
        Case(
            name: "a device given as the file to import",
            arguments: ["import", "uses", "/dev/null"],
            expected: "it is not a regular file (a device or a pipe); give the CSV file",
            status: 74
        ),
        importing(
            "uses",
            "a use dated 9999-12-31 in a file",
            [usesHeader, use("1万,9999-12-31,")],
            expect: "line 2, column used_on (\"9999-12-31\"): is outside the dates the ledger records"
        ),
        importing(
            "uses",
            "a use of a trillion yuan in a file",
            [usesHeader, use("1000000000000,2022-05-10,")],
            expect: "line 2, column service_amount: service_amount \"1,000,000,000,000.00\": is more than the largest"
        ),
        importing(
            "uses",
            "a project with an escape in a file",
            [usesHeader, use("1万,2022-05-10,P\u{1B}[2J")],
            expect: "line 2, column project: project \"P\\u{1B}[2J\": holds the invisible character U+001B"
        ),
    ]

    static func claimArguments(
        ref: String,
        programme: String = "sh-innovation-voucher",
        year: String = "2023",
        requested: String = "1万",
        date: String? = "2023-01-05"
    ) -> [String] {
        [
            "claim", "--ref", ref, "--applicant", alpha, "--programme", programme, "--year", year, "--requested",
            requested,
        ] + (date.map { ["--date", $0] } ?? [])
    }

    static func useArguments(ref: String, amount: String = "1万", date: String = "2022-05-10") -> [String] {
        [
            "use", "--ref", ref, "--applicant", alpha, "--provider", lab, "--product", "NMR", "--programme",
            "sh-innovation-voucher", "--service-amount", amount, "--date", date,
        ]
    }

    /// The shared ledger's folder, removed when the test process ends: a static fixture has no
    /// teardown, and each run left one behind.
    nonisolated(unsafe) private static var removedAtExit: URL?

    /// A ledger with an applicant, a provider, a product, a granted claim C1 and a use U1.
    static let ledger: URL = {
        let made = try? CommandLineTests.temporaryDirectory()
        let directory = made ?? FileManager.default.temporaryDirectory
        if let made {
            removedAtExit = made
            atexit {
                guard let directory = HostileInputTests.removedAtExit else { return }
                try? FileManager.default.removeItem(at: directory)
            }
        }
        let steps: [[String]] = [
            ["register", "applicant", "--id", alpha, "--name", "甲公司", "--kind", "enterprise", "--district", "杨浦区"],
            ["register", "provider", "--id", lab, "--name", "实验室", "--region", "shanghai"],
            [
                "register", "product", "--code", "NMR", "--provider", lab, "--name", "核磁", "--category", "testing",
                "--list-price", "1万",
            ],
            [
                "claim", "--ref", "C1", "--applicant", alpha, "--programme", "sh-innovation-voucher", "--year", "2022",
                "--requested", "10万", "--date", "2022-03-01", "--key", "import:claim:C1",
            ],
            ["decide", "--claim", "C1", "--grant", "10万", "--reviewer", "r", "--date", "2022-03-01"],
            [
                "use", "--ref", "U1", "--applicant", alpha, "--provider", lab, "--product", "NMR", "--programme",
                "sh-innovation-voucher", "--service-amount", "24万", "--date", "2022-05-10",
            ],
        ]
        for step in steps {
            _ = try? CommandLineTests.voucher(step + ["--db", "hostile.sqlite"], in: directory)
        }
        return directory
    }()

    @Test func thereAreAtLeastNinetyCases() {
        #expect(Self.cases.count >= 90)
    }

    @Test(arguments: cases)
    func isRefusedWithTheRowFieldAndReasonAndChangesNothing(_ hostile: Case) throws {
        let directory = Self.ledger
        let before = try CommandLineTests.voucher(["digest", "--db", "hostile.sqlite"], in: directory)
        #expect(before.stdout.contains("10 events"), "the fixture ledger: \(before.stdout) \(before.stderr)")
        var arguments = hostile.arguments
        if let bytes = hostile.file {
            let url = directory.appendingPathComponent("case.csv")
            try Data(bytes).write(to: url)
            arguments = arguments.map { $0 == "FILE" ? "case.csv" : $0 }
        }
        let result = try CommandLineTests.voucher(arguments + ["--db", "hostile.sqlite"], in: directory)
        #expect(result.status == hostile.status, "\(hostile.name): \(result.stderr)")
        #expect(result.stderr.contains(hostile.expected), "\(hostile.name): \(result.stderr)")
        // A refusal is one line and the closing "nothing was imported"; a usage error adds the usage and a help hint.
        // (In Chinese, the default, a refusal by the rules adds their Chinese words on a line of their own.)
        let allowed = hostile.status == 64 ? 4 : 2
        let lines = result.stderr.split(separator: "\n").filter { !$0.hasPrefix("  ") && !$0.hasPrefix("voucher: 拒绝：") }
        #expect(
            lines.count <= allowed,
            "\(hostile.name): the message should be short: \(result.stderr)"
        )
        // An import refused in Chinese (the default): each of its lines is followed by its Chinese words.
        if arguments.first == "import" && result.stderr.contains("nothing was imported") {
            let all = result.stderr.split(separator: "\n").map(String.init)
            for (index, line) in all.enumerated() where !line.hasPrefix("  ") {
                let next = index + 1 < all.count ? all[index + 1] : ""
                #expect(
                    next.hasPrefix("  ") && next.unicodeScalars.contains { (0x4E00...0x9FFF).contains($0.value) },
                    "\(hostile.name): no Chinese words under \(line)"
                )
                // Chinese words, not English prose in a Chinese frame: once what they quote (「…」,
                // `…`) is left out, no two English words in a row.
                let said = next.replacing(/「[^」]*」|`[^`]*`/, with: "")
                #expect(
                    said.firstMatch(of: /[a-z]{2,} [a-z]{2,}/) == nil,
                    "\(hostile.name): English words under \(line): \(next)"
                )
            }
        }
        let after = try CommandLineTests.voucher(["digest", "--db", "hostile.sqlite"], in: directory)
        #expect(after.stdout == before.stdout, "\(hostile.name) changed the ledger")
    }

    @Test func namesAreStoredAndShownExactlyNeverInterpreted() throws {
        let directory = try CommandLineTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let name = "'); DROP TABLE event; -- \"引号\" <b>&amp;</b>"
        let result = try CommandLineTests.voucher(
            [
                "register", "provider", "--id", Self.lab, "--name", name, "--region", "shanghai", "--db", "n.sqlite",
                "--format", "json",
            ],
            in: directory
        )
        #expect(result.status == 0, "\(result.stderr)")
        let sqlite = Process()
        sqlite.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        sqlite.arguments = ["sqlite3", directory.appendingPathComponent("n.sqlite").path, "SELECT name FROM provider"]
        let pipe = Pipe()
        sqlite.standardOutput = pipe
        try sqlite.run()
        let stored = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        sqlite.waitUntilExit()
        #expect(stored == name + "\n")
        #expect(try CommandLineTests.voucher(["verify", "--db", "n.sqlite"], in: directory).status == 0)
    }
}
