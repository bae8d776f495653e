import ArgumentParser
import Foundation
import VoucherDomain
import VoucherImport
import VoucherPolicies
import VoucherReports
import VoucherServer
import VoucherStorage

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import a CSV file or Excel workbook: enterprises, providers, products, claims, uses or redemptions.",
        discussion: """
            A file imports all or nothing: if any row is bad, nothing is written and every
            bad row is reported with its line, column and reason. Importing the same file
            twice records it once. UTF-8 (with or without BOM), UTF-16 and GB18030/GBK
            files with CRLF or LF are all read; so is an .xlsx workbook's first sheet,
            with the same columns (errors name its sheet and row). The columns of each
            kind are in the README.

            Examples:
              voucher import enterprises 企业名单.csv
              voucher import uses uses-2022.csv --dry-run
              voucher import claims 申领-2022.xlsx
            """
    )

    @OptionGroup var ledger: LedgerOptions
    @Argument(help: "enterprises, providers, products, claims, uses or redemptions.") var kind: String
    @Argument(help: "The CSV file, or an .xlsx workbook.") var file: String
    @Flag(help: "Check the file and report what it would record, writing nothing.") var dryRun = false
    @Option(help: "Output: text or json.") var format: OutputFormat = .text
    @Option(help: "Language of refusals: zh (each issue in Chinese too, under its line) or en.") var lang: Language =
        .zh

    func validate() throws {
        if ImportKind(rawValue: kind) == nil {
            throw ValidationError(
                "'\(kind)' is not a kind of import; use one of \(ImportKind.allCases.map(\.rawValue).joined(separator: ", "))"
            )
        }
    }

    func run() throws {
        guard let importKind = ImportKind(rawValue: kind) else { throw Exit.internalError }
        let summary = try guarded(lang) {
            if let unreadable = ImportSource.ReadError.check(file) { throw unreadable }
            let ledger = try ledger.open()
            let showProgress = isatty(STDERR_FILENO) == 1
            return try Importer(ledger: ledger, actor: self.ledger.actorName).run(
                importKind,
                source: .file(file),
                file: file,
                dryRun: dryRun,
                progress: showProgress
                    ? { done, total in
                        if done % 1_000 == 0 || done == total {
                            FileHandle.standardError.write(Data("\r\(file): \(done)/\(total) rows".utf8))
                            if done == total { FileHandle.standardError.write(Data("\n".utf8)) }
                        }
                    } : nil
            )
        }
        switch format {
        case .json:
            var object: [String: CanonicalJSON] = [:]
            object["kind"] = .string(summary.kind.rawValue)
            object["rows"] = .int(Int64(summary.rows))
            object["recorded"] = .int(Int64(summary.recorded))
            object["already_recorded"] = .int(Int64(summary.alreadyRecorded))
            object["encoding"] = .string(summary.encoding.rawValue)
            object["dry_run"] = .bool(summary.dryRun)
            object["ignored_columns"] = .array(summary.ignoredColumns.map { .string($0) })
            print(CanonicalJSON.object(object).text)
        case .text:
            let verb = summary.dryRun ? "would record" : "recorded"
            var line =
                "\(file): \(summary.rows) rows (\(summary.encoding.rawValue)); \(verb) \(summary.recorded) events, "
                + "\(summary.alreadyRecorded) already in the ledger"
            if !summary.ignoredColumns.isEmpty {
                line += "; ignored columns: \(summary.ignoredColumns.joined(separator: ", "))"
            }
            if summary.dryRun { line += "; nothing was written (dry run)" }
            print(line)
        }
    }
}

struct Policy: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, show or add programmes' policies (docs/policies.md).",
        subcommands: [List.self, Show.self, Add.self]
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the programmes.",
            discussion: "Example:\n  voucher policy list"
        )
        @OptionGroup var ledger: LedgerOptions
        @Option(help: "text or json.") var format: OutputFormat = .text

        func run() throws {
            let programmes = try guarded { try ledger.openForReading().programmes() }
            switch format {
            case .json:
                print(programmesJSON(programmes).text)
            case .text:
                for programme in programmes {
                    let from = programme.versions.map(\.effectiveFrom.iso).joined(separator: ", ")
                    print(
                        "\(programme.id)  \(programme.kind.rawValue)  \(programme.name.zh) / \(programme.name.en)  versions from \(from)"
                    )
                }
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a programme's policy file as installed.",
            discussion: "Example:\n  voucher policy show sh-innovation-voucher"
        )
        @OptionGroup var ledger: LedgerOptions
        @Argument(help: "The programme id.") var programme: String

        func run() throws {
            let yaml = try guarded { () -> String in
                guard let yaml = try ledger.openForReading().policyFile(try ProgrammeID(programme)) else {
                    throw LedgerError.unknownProgramme(programme)
                }
                return yaml
            }
            print(yaml, terminator: yaml.hasSuffix("\n") ? "" : "\n")
        }
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Install a policy file: a new programme, or a revision that adds versions.",
            discussion: """
                A version that events already used cannot change; add a version from the date
                the change applies instead.

                Example:
                  voucher policy add my-voucher.yaml
                """
        )
        @OptionGroup var options: RecordOptions
        @Argument(help: "The YAML policy file.") var file: String

        func run() throws {
            let event = try guarded(options.lang) {
                let yaml = try String(contentsOf: URL(fileURLWithPath: file), encoding: .utf8)
                return try options.ledger.open().installProgramme(
                    yaml: yaml,
                    file: URL(fileURLWithPath: file).lastPathComponent,
                    context: options.context(defaultKey: Ledger.policyKey(yaml))
                )
            }
            report(
                event,
                what: LocalizedText(zh: "政策文件 \(file)", en: "policy \(file)"),
                format: options.format,
                language: options.lang
            )
        }
    }
}

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Recompute the hash chain, every posting and balance; optionally check against a digest and a dossier.",
        discussion: """
            Exits 0 when every event verifies, 2 when one does not (naming the first).
            With --dossier, the archive `voucher dossier` wrote is made again from the
            ledger at the event it names as its head, and compared file by file: exit 2
            when any file differs. In Chinese unless --lang en; a problem is told in
            English, then in Chinese under it.

            Examples:
              voucher verify
              voucher verify --lang en
              voucher verify --digest "$(cat digest-2022.txt)"
              voucher verify --dossier dossier-001.zip --digest digest-2022.txt
            """
    )

    @OptionGroup var ledger: LedgerOptions
    @Option(help: "A digest printed earlier by `voucher digest` (or a file holding it).") var digest: String?
    @Option(help: ArgumentHelp("An archive written by `voucher dossier`.", valueName: "file")) var dossier: String?
    @Option(help: "text or json.") var format: OutputFormat = .text
    @Option(help: "zh or en: the text's language (a problem is told in English, then in Chinese under it).")
    var lang: Language = .zh

    /// What checking a dossier found: nil when it is the ledger's, else why not.
    struct DossierCheck {
        var head: ChainHead?
        var events = 0
        var applicant = ""
        var problem: LocalizedText?
    }

    /// A problem's English line, and in Chinese its Chinese line under it.
    func problemLines(_ en: String, _ zh: String) -> String {
        "voucher: \(en)" + (lang == .zh ? "\nvoucher: \(zh)" : "")
    }

    func run() throws {
        var expected: LedgerDigest?
        // Looked for before the ledger is verified, so that a missing file is told at once.
        let archive = dossier.map { URL(fileURLWithPath: $0) }
        if let archive, !FileManager.default.isReadableFile(atPath: archive.path) {
            printError(
                problemLines(
                    "cannot read the dossier \(archive.path): there is no such file, or it is not readable",
                    "无法读取档案 \(archive.path)：文件不存在或不可读"
                )
            )
            throw Exit.ioError
        }
        let (report, check) = try guarded(lang) { () -> (VerificationReport, DossierCheck?) in
            if let digest {
                let text =
                    FileManager.default.fileExists(atPath: digest)
                    ? try String(contentsOf: URL(fileURLWithPath: digest), encoding: .utf8) : digest
                guard let parsed = LedgerDigest(text: text) else {
                    throw LedgerError.invalid(
                        field: "digest",
                        value: digest,
                        reason: "is not a digest printed by `voucher digest`",
                        zh: "不是 `voucher digest` 打印的摘要"
                    )
                }
                expected = parsed
            }
            let opened = try ledger.openForReading()
            let report = try opened.verify(against: expected)
            guard let archive else { return (report, nil) }
            guard report.isValid else {
                let problem = LocalizedText(
                    zh: "未核验：用于对照的账本本身核验未通过",
                    en: "not checked: the ledger it would be checked against does not verify"
                )
                return (report, DossierCheck(problem: problem))
            }
            return (report, try Self.check(archive, against: opened))
        }
        switch format {
        case .json:
            var members: [String: CanonicalJSON] = [
                "valid": .bool(report.isValid && check?.problem == nil), "events": .int(report.eventsChecked),
                "head": .string(report.head.hash),
                "problem_event": report.problem?.event.map { .int($0) } ?? .null,
                "problem": .optional(report.problem?.message),
                "problem_zh": .optional(report.problem?.zh),
            ]
            if let check {
                members["dossier"] = .object([
                    "valid": .bool(check.problem == nil), "problem": .optional(check.problem?.en),
                    "problem_zh": .optional(check.problem?.zh),
                    "applicant": .string(check.applicant), "events": .int(Int64(check.events)),
                    "head_event": check.head.map { .int($0.events) } ?? .null,
                    "head": .optional(check.head?.hash),
                ])
            }
            print(CanonicalJSON.object(members).text)
        case .text:
            if let problem = report.problem {
                printError(problemLines("the ledger does not verify: \(problem)", "账本核验未通过：\(problem.text(.zh))"))
            } else {
                print(
                    lang == .zh
                        ? "全部 \(report.eventsChecked) 个事件核验通过；链头 \(report.head.hash)"
                        : "all \(report.eventsChecked) events verify; chain head \(report.head.hash)"
                )
            }
            if let check {
                if let problem = check.problem {
                    printError(
                        problemLines(
                            "the dossier \(dossier ?? "") does not verify: \(problem.en)",
                            "档案 \(dossier ?? "") 核验未通过：\(problem.zh)"
                        )
                    )
                } else if let head = check.head {
                    print(Self.dossierVerifies(check, head: head, report: report, digest: expected).text(lang))
                }
            }
        }
        if !report.isValid || check?.problem != nil { throw Exit.verificationFailed }
    }

    /// What a dossier that verifies is: which applicant's, up to which event, and how the ledger
    /// and a digest given stand beside it.
    static func dossierVerifies(
        _ check: DossierCheck,
        head: ChainHead,
        report: VerificationReport,
        digest expected: LedgerDigest?
    ) -> LocalizedText {
        var en =
            "the dossier of applicant \(check.applicant.visible) verifies: it is, byte for byte, what this ledger "
            + "holds up to event \(head.events) (\(check.events) events)"
        var zh = "申请主体 \(check.applicant.visible) 的档案核验通过：与本账本截至第 \(head.events) 个事件所载逐字节一致（\(check.events) 个事件）"
        if head.events < report.eventsChecked {
            en += "; the ledger has \(report.eventsChecked - head.events) events since"
            zh += "；此后账本又记录了 \(report.eventsChecked - head.events) 个事件"
        }
        if let expected {
            if head.events <= expected.events {
                en += "; the digest (\(expected.events) events) covers them"
                zh += "；摘要（\(expected.events) 个事件）涵盖这些事件"
            } else {
                en += "; events after the digest's \(expected.events) are vouched for by this ledger only"
                zh += "；摘要所记第 \(expected.events) 个事件之后的事件仅由本账本担保"
            }
        } else {
            en += "; give --digest to check the ledger against a digest kept elsewhere"
            zh += "；如需对照另处保存的摘要核验账本，请加 --digest"
        }
        return LocalizedText(zh: zh, en: en)
    }

    /// Makes the dossier again from the ledger, at the head and for the scope its manifest names,
    /// and compares the archive with it, byte for byte.
    static func check(_ archive: URL, against ledger: Ledger) throws -> DossierCheck {
        var check = DossierCheck()
        let manifest: Dossier.Manifest
        do {
            manifest = try Dossier.manifest(inArchiveAt: archive)
        } catch {
            check.problem = error.localized
            return check
        }
        check.applicant = manifest.scope.applicant
        check.head = manifest.head
        let head = try ledger.chainHead()
        guard manifest.head.events <= head.events else {
            check.problem = LocalizedText(
                zh: "其链头为第 \(manifest.head.events) 个事件，而本账本只有 \(head.events) 个事件："
                    + "它应是由另一个账本或本账本较新的副本生成的",
                en: "its head is event \(manifest.head.events); this ledger has \(head.events) events: it was made "
                    + "from another ledger, or from a later copy of this one"
            )
            return check
        }
        let again: Dossier
        do {
            again = try ledger.dossier(manifest.scope, head: manifest.head.events)
        } catch let error as LedgerError {
            check.problem = LocalizedText(
                zh: "账本无法重新生成该档案：\(error.text(.zh))",
                en: "the ledger cannot make it again: \(error)"
            )
            return check
        }
        check.events = again.events.count
        guard again.head == manifest.head else {
            check.problem = LocalizedText(
                zh: "其链头（第 \(manifest.head.events) 个事件，哈希 \(manifest.head.hash)）不在本账本的哈希链中"
                    + "（本账本第 \(again.head.events) 个事件的哈希为 \(again.head.hash)）",
                en: "its head, event \(manifest.head.events) with hash \(manifest.head.hash), is not in this ledger's "
                    + "chain (its event \(again.head.events) has hash \(again.head.hash))"
            )
            return check
        }
        check.problem = Dossier.difference(archiveAt: archive, expected: again.files(manifest.language))
        return check
    }
}

struct Digest: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the chain head as a digest to keep where the ledger's keepers cannot change it.",
        discussion: "Example:\n  voucher digest > digest-2022.txt"
    )

    @OptionGroup var ledger: LedgerOptions

    func run() throws {
        print(try guarded { try ledger.openForReading().digest() }.description)
    }
}

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export the ledger's postings as a plain-text accounting journal (hledger/ledger format).",
        discussion: """
            Every event that moved money becomes one transaction; accounts are
            TYPE:PROGRAMME:YEAR[:PARTY].

            Example:
              voucher export --format ledger > vouchers.journal \\
                && hledger -f vouchers.journal balance
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case ledger
    }

    @OptionGroup var ledger: LedgerOptions
    @Option(help: "ledger: a plain-text accounting journal.") var format: Format = .ledger

    func run() throws {
        try guarded {
            let output = FileHandle.standardOutput
            var buffer = Data()
            try ledger.openForReading().exportJournal { transaction in
                buffer.append(contentsOf: transaction.utf8)
                if buffer.count > 1 << 20 {
                    output.write(buffer)
                    buffer.removeAll(keepingCapacity: true)
                }
            }
            output.write(buffer)
        }
    }
}
