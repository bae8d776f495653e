import Foundation
import Testing
import VoucherDomain
import VoucherReports

/// `voucher dossier` and `voucher verify --dossier` through the binary, as an auditor uses them.
@Suite struct DossierCLITests {
    typealias CLI = CommandLineTests
    static let a = LedgerEdgeTests.a

    /// ControlsCLITests' ledger with two uses of A's quota (the first reversed) and A renamed to a
    /// name a page or a spreadsheet could take for markup or a formula; and its digest before them.
    static func ledger() throws -> (URL, (([String]) throws -> CommandLineTests.Result), earlyDigest: String) {
        let (directory, run) = try ControlsCLITests.ledger()
        let early = try run(["digest"]).stdout
        let first = try run(ControlsCLITests.use("U-1", on: "2022-03-01", invoice: "INV-1") + ["--format", "json"])
        #expect(first.status == 0, "\(first.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(first.stdout.utf8)) as? [String: Any]
        let seq = try #require(object?["event"] as? Int)
        for arguments in [
            ControlsCLITests.use("U-2", on: "2022-03-02"),
            ["reverse", "--event", String(seq), "--reason", "录入错误", "--date", "2022-03-03"],
            [
                "register", "applicant", "--id", a, "--name", "=HYPERLINK(\"x\")<script>alert(1)</script>", "--kind",
                "enterprise", "--district", "杨浦区", "--attribute", "jic-member", "--date", "2022-03-04",
            ],
        ] {
            let result = try run(arguments)
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
        }
        return (directory, run, early)
    }

    static func files(_ url: URL) throws -> [String: Data] { try Dossier.files(inArchiveAt: url) }

    /// A path that cannot take the archive is refused before anything is read, naming the path and
    /// what to do, not in the system's words; nothing is written.
    @Test func anOutPathThatCannotTakeTheArchiveIsRefusedInWords() throws {
        let (directory, run) = try ControlsCLITests.ledger()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data("x".utf8).write(to: directory.appendingPathComponent("plain.txt"))
        let cases: [(String, String)] = [
            (
                "missing/a.zip",
                "--out missing/a.zip: the folder missing does not exist; create it first (mkdir -p missing)"
            ),
            (".", "--out .: is a folder; give a file name in it, e.g. ./dossier.zip"),
            ("plain.txt/a.zip", "--out plain.txt/a.zip: plain.txt is not a folder"),
        ]
        for (out, expected) in cases {
            let refused = try run(["dossier", "--applicant", Self.a, "--out", out])
            #expect(refused.status == 74, "\(out): \(refused.stderr)")
            #expect(refused.stderr == "voucher: \(expected)\n", "\(refused.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("missing").path))
    }

    @Test func aDossierVerifiesAgainstTheLedgerAndADigestAndShowsWhatItHolds() throws {
        let (directory, run, earlyDigest) = try Self.ledger()
        defer { try? FileManager.default.removeItem(at: directory) }
        let digest = try run(["digest"]).stdout
        let made = try run(["dossier", "--applicant", Self.a, "--out", "a.zip"])
        #expect(made.status == 0, "\(made.stderr)")
        #expect(made.stdout.contains("2 uses"), "\(made.stdout)")
        let verified = try run(["verify", "--dossier", "a.zip", "--digest", digest, "--lang", "en"])
        #expect(verified.status == 0, "\(verified.stderr)")
        #expect(verified.stdout.contains("the dossier of applicant \(Self.a) verifies"), "\(verified.stdout)")
        #expect(verified.stdout.contains("the digest"), "\(verified.stdout)")

        let files = try Self.files(directory.appendingPathComponent("a.zip"))
        #expect(
            Set(files.keys) == [
                "dossier.html", "registrations.csv", "claims.csv", "decisions.csv", "uses.csv", "redemptions.csv",
                "payments.csv", "recoveries.csv", "expiries.csv", "reversals.csv", "events.jsonl", "manifest.json",
            ]
        )
        let reversals = String(decoding: try #require(files["reversals.csv"]), as: UTF8.self)
        #expect(reversals.contains(",use,录入错误"), "\(reversals)")
        let html = String(decoding: try #require(files["dossier.html"]), as: UTF8.self)
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && !html.contains("<script>"))
        #expect(html.contains("王丽"))  // the reviewer
        #expect(html.contains("已由事件"))  // U-1's reversal
        let registrations = String(decoding: try #require(files["registrations.csv"]), as: UTF8.self)
        #expect(registrations.contains("\"'=HYPERLINK(\"\"x\"\")"), "\(registrations)")
        let uses = String(decoding: try #require(files["uses.csv"]), as: UTF8.self)
        #expect(uses.contains("INV-1"))
        // U-1, reversed, and every use's explanation in the page's language.
        #expect(uses.contains("U-1,C-1,2022-03-01"), "\(uses)")
        #expect(
            uses.split(separator: "\r\n").contains {
                $0.contains(",U-1,") && $0.contains("INV-1") && $0.contains(",50%,")
            },
            "\(uses)"
        )
        #expect(uses.contains("补贴"), "\(uses)")

        // Still verifies after the ledger grew: the digest covers the dossier's events.
        #expect(try run(ControlsCLITests.use("U-3", on: "2022-03-05")).status == 0)
        let later = try run(["verify", "--dossier", "a.zip", "--digest", digest])
        #expect(later.status == 0, "\(later.stderr)")
        // In Chinese unless told otherwise: the ledger, the dossier, and how the digest stands.
        #expect(
            later.stdout.hasPrefix("全部 15 个事件核验通过；链头 ")
                && later.stdout.contains("申请主体 \(Self.a) 的档案核验通过：与本账本截至第 14 个事件所载逐字节一致")
                && later.stdout.contains("；此后账本又记录了 1 个事件；摘要（14 个事件）涵盖这些事件"),
            "\(later.stdout)"
        )
        // A digest taken before the dossier's head: its later events rest on this ledger alone.
        let early = try run(["verify", "--dossier", "a.zip", "--digest", earlyDigest, "--lang", "en"])
        #expect(early.status == 0, "\(early.stderr)")
        #expect(early.stdout.contains("vouched for by this ledger only"), "\(early.stdout)")
    }

    @Test func everyEventsHashRecomputesFromTheDossierAloneInPython() throws {
        let (directory, run, _) = try Self.ledger()
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(try run(["dossier", "--applicant", Self.a, "--lang", "en", "--out", "a.zip"]).status == 0)
        let files = try Self.files(directory.appendingPathComponent("a.zip"))
        try #require(files["events.jsonl"]).write(to: directory.appendingPathComponent("events.jsonl"))
        // docs/ledger.md's recipe, reading the dossier's lines instead of the ledger's rows.
        let script = """
            import hashlib, json, sys
            count = 0
            for line in open(sys.argv[1], encoding="utf-8"):
                e = json.loads(line)
                fields = [e[k] for k in ("seq", "kind", "business_date", "recorded_at", "actor", "idempotency_key",
                          "request_hash", "programme_id", "policy_hash", "reverses", "payload", "explanation")]
                encoded = json.dumps(["voucher-ledger/event/1", *fields, e["postings"], e["prev_hash"]],
                                     ensure_ascii=False, separators=(",", ":"))
                if hashlib.sha256(encoded.encode("utf-8")).hexdigest() != e["hash"]:
                    sys.exit("event %d does not verify" % e["seq"])
                count += 1
            print(count)
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, directory.appendingPathComponent("events.jsonl").path]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = Pipe()
        try process.run()
        let printed = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let lines = String(decoding: try #require(files["events.jsonl"]), as: UTF8.self).split(separator: "\n")
        #expect(Int(printed.trimmingCharacters(in: .whitespacesAndNewlines)) == lines.count && lines.count >= 7)
    }

    @Test func anEditedOrForeignDossierDoesNotVerifyAndSaysWhere() throws {
        let (directory, run, _) = try Self.ledger()
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(try run(["dossier", "--applicant", Self.a, "--out", "a.zip"]).status == 0)
        let files = try Self.files(directory.appendingPathComponent("a.zip"))
        let names = [
            "dossier.html", "registrations.csv", "claims.csv", "decisions.csv", "uses.csv", "redemptions.csv",
            "payments.csv", "recoveries.csv", "events.jsonl", "manifest.json",
        ]
        func write(
            _ name: String,
            first: [(name: String, bytes: Data)] = [],
            _ change: (inout [String: Data]) -> Void = { _ in }
        ) throws {
            var edited = files
            change(&edited)
            let ordered =
                first + names.compactMap { n in edited[n].map { (name: n, bytes: $0) } }
                + edited.keys.filter { !names.contains($0) }.map { (name: $0, bytes: edited[$0]!) }
            try Dossier.archive(ordered).write(to: directory.appendingPathComponent(name))
        }
        try write("amount.zip") { files in
            let text = String(decoding: files["claims.csv"]!, as: UTF8.self)
            files["claims.csv"] = Data(text.replacingOccurrences(of: "200000.00", with: "100000.00").utf8)
        }
        try write("missing.zip") { $0["decisions.csv"] = nil }
        try write("extra.zip") { $0["note.txt"] = Data("x".utf8) }
        try write("head.zip") { files in
            let text = String(decoding: files["manifest.json"]!, as: UTF8.self)
            files["manifest.json"] = Data(text.replacingOccurrences(of: "\"events\":", with: "\"events\":1").utf8)
        }
        try write("page.zip") { files in
            let text = String(decoding: files["dossier.html"]!, as: UTF8.self)
            files["dossier.html"] = Data(text.replacingOccurrences(of: "<h1>", with: "<h1 style=\"\">").utf8)
        }
        // A second entry of the same name after the real one: readers differ on which they show.
        try write("twice.zip", first: [(name: "claims.csv", bytes: Data("event,ref\r\n".utf8))])
        try Data("PK not really".utf8).write(to: directory.appendingPathComponent("junk.zip"))
        for (name, expected) in [
            ("amount.zip", "claims.csv line 2"), ("missing.zip", "it has no decisions.csv"),
            ("extra.zip", "note.txt"), ("head.zip", "this ledger has"), ("junk.zip", "not a ZIP archive"),
            ("page.zip", "another version of voucher"), ("twice.zip", "two files named claims.csv"),
        ] {
            let result = try run(["verify", "--dossier", name])
            #expect(result.status == 2, "\(name): \(result.stdout) \(result.stderr)")
            #expect(result.stderr.contains(expected), "\(name): \(result.stderr)")
            // Its Chinese on the line under it, with no English but names of files.
            let lines = result.stderr.split(separator: "\n").map(String.init)
            let english = try Regex("[a-z]{2,} [a-z]{2,}")
            #expect(
                lines.count == 2 && lines[1].hasPrefix("voucher: 档案 \(name) 核验未通过：")
                    && !lines[1].replacing(/"[^"]*"/, with: "").contains(english),
                "\(name): \(result.stderr)"
            )
            // In JSON, the dossier's problem in English and in Chinese, as the text gives them.
            let json = try run(["verify", "--dossier", name, "--format", "json"])
            let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
            let dossier = object?["dossier"] as? [String: Any]
            #expect(json.status == 2 && object?["valid"] as? Bool == false && dossier?["valid"] as? Bool == false)
            #expect((dossier?["problem"] as? String).map { result.stderr.contains($0) } == true, "\(json.stdout)")
            #expect(
                (dossier?["problem_zh"] as? String).map { lines.count == 2 && lines[1].hasSuffix("核验未通过：" + $0) }
                    == true,
                "\(name): \(json.stdout)"
            )
        }
        // The same commands on another ledger: the same content, other times and hashes.
        let (other, runOther, _) = try Self.ledger()
        defer { try? FileManager.default.removeItem(at: other) }
        // A dossier of one programme and year verifies too, and names its scope in its manifest.
        let narrow = try run([
            "dossier", "--applicant", Self.a, "--programme", "yrd-innovation-voucher", "--year", "2022", "--lang", "en",
            "--out", "n.zip",
        ])
        #expect(narrow.status == 0, "\(narrow.stderr)")
        let narrowed = try run(["verify", "--dossier", "n.zip"])
        #expect(narrowed.status == 0, "\(narrowed.stderr)")
        let manifest = String(
            decoding: try #require(try Self.files(directory.appendingPathComponent("n.zip"))["manifest.json"]),
            as: UTF8.self
        )
        #expect(manifest.contains("\"programme\":\"yrd-innovation-voucher\"") && manifest.contains("\"year\":2022"))
        let foreign = try runOther(["verify", "--dossier", directory.appendingPathComponent("a.zip").path])
        #expect(foreign.status == 2)
        #expect(foreign.stderr.contains("is not in this ledger's chain"), "\(foreign.stderr)")
        // A file that is not there, and an applicant that is not registered: nothing written.
        #expect(try run(["verify", "--dossier", "nowhere.zip"]).status == 74)
        let unknown = try run(["dossier", "--applicant", "91310110000000099X", "--out", "u.zip"])
        #expect(unknown.status == 1 && unknown.stderr.contains("no applicant"), "\(unknown.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("u.zip").path))
    }
}
