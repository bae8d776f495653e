import ArgumentParser
import Foundation
import VoucherDomain
import VoucherImport
import VoucherServer
import VoucherStorage

/// Options every command that opens the ledger takes.
struct LedgerOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "The ledger file (created with the bundled programmes on first use).",
            discussion: "Default: $VOUCHER_DB, else vouchers.sqlite in the current folder.",
            valueName: "path"
        )
    )
    var db: String?

    @Option(
        name: .long,
        help: ArgumentHelp("Who records the events (default: $VOUCHER_ACTOR, else the user).", valueName: "name")
    )
    var actor: String?

    var path: String { Self.path(db) }
    /// `--db`, else `$VOUCHER_DB`, else vouchers.sqlite.
    static func path(_ db: String?) -> String {
        db ?? ProcessInfo.processInfo.environment["VOUCHER_DB"] ?? "vouchers.sqlite"
    }
    /// Who records: `--actor`, else `VOUCHER_ACTOR` or the user; refused when none is known, so
    /// that no event is ever signed by a stand-in.
    var actorName: String {
        get throws {
            guard let name = actor ?? Ledger.defaultActor() else {
                throw LedgerError.invalid(
                    field: "actor",
                    value: "",
                    reason: "nobody is named as recording this: give --actor NAME, or set VOUCHER_ACTOR "
                        + "(neither it nor USER nor LOGNAME is set)",
                    zh: "未指明：请用 --actor 姓名写明由谁记录，或设置 VOUCHER_ACTOR（VOUCHER_ACTOR、USER 和 LOGNAME 均未设置）"
                )
            }
            return name
        }
    }

    func open() throws -> Ledger {
        let path = path
        let existed = FileManager.default.fileExists(atPath: path)
        let ledger = try guarded { try Ledger.open(at: path, actor: actorName) }
        if !existed { CreatedLedger.shared = CreatedLedger(path: path, head: try? ledger.chainHead()) }
        return ledger
    }

    /// The ledger for a command that only reads: an existing ledger file, opened read-only (so an
    /// auditor's read-only copy works, and a mistyped path creates nothing).
    func openForReading() throws -> Ledger {
        try guarded { try Ledger.openForReading(at: path) }
    }
}

/// How a command prints data: for people, or JSON for scripts.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text
    case json
}

extension Language: ExpressibleByArgument {}
extension ReviewLevel: ExpressibleByArgument {}
extension BreakdownDimension: ExpressibleByArgument {}

extension Money {
    /// An option's amount, or why it is not one (the parser then says it beside the value).
    /// Amount options take the next argument whatever it starts with, so that `--requested -5万`
    /// is refused as negative rather than as a missing value; an option's name there means the
    /// amount was left out.
    static func argument(_ text: String) throws -> Money {
        // "--date", or a short option such as "-h"; "-5万" is an amount, refused as negative.
        if text.hasPrefix("--") || (text.first == "-" && text.dropFirst().first?.isLetter == true) {
            throw OptionInsteadOfAmount(text: text)
        }
        return try Money.parse(text)
    }

    struct OptionInsteadOfAmount: Error, CustomStringConvertible {
        var text: String
        var description: String { "\(text) is the next option, not an amount; write the amount first, e.g. 30万" }
    }
}

extension BusinessDate {
    /// An option's date, or why it is not one.
    static func argument(_ text: String) throws -> BusinessDate { try BusinessDate.parse(text) }
}

extension Money: ExpressibleByArgument {
    public init?(argument: String) {
        guard let money = try? Money.parse(argument) else { return nil }
        self = money
    }
}

extension BusinessDate: ExpressibleByArgument {
    public init?(argument: String) {
        guard let date = try? BusinessDate.parse(argument) else { return nil }
        self = date
    }
}

/// The exit codes, documented in the README.
enum Exit {
    /// The ledger or an import refused the input; nothing was written.
    static let refused = ExitCode(1)
    /// The ledger does not verify, or does not extend the digest given.
    static let verificationFailed = ExitCode(2)
    /// `voucher migrate --check`: the ledger has migrations to run.
    static let migrationsPending = ExitCode(3)
    /// A file could not be read or the ledger could not be opened.
    static let ioError = ExitCode(74)
    /// A defect in this program: please report it.
    static let internalError = ExitCode(70)
}

extension String {
    /// As a shell reads it back: unchanged when it holds only characters a shell leaves alone,
    /// else in single quotes (a quote inside written as `'\''`), so that a command shown can be
    /// pasted as it is.
    var shellQuoted: String {
        let plain = !isEmpty && allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_./=:,+@%".contains($0)) }
        return plain ? self : "'" + replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

/// Prints to standard error, each line with its control characters shown (`\u{1B}`), so that
/// what a file or an argument held can neither move the terminal's cursor nor forge a line.
func printError(_ message: String) {
    let lines = message.split(separator: "\n", omittingEmptySubsequences: false).map { String($0).visible }
    FileHandle.standardError.write(Data((lines.joined(separator: "\n") + "\n").utf8))
}

/// The language of the command being run, for its refusals: set by the outermost ``guarded(_:_:)``
/// given one, so that a refusal caught by an inner one (opening the ledger) is worded alike.
enum RefusalLanguage {
    @TaskLocal static var current: Language = .en
}

/// Runs `body`, turning the errors this program knows into a message on stderr and an exit code.
/// `language`: the command's (`--lang`; else that of a `guarded` this one runs inside); in
/// Chinese, a refusal of the ledger's rules or of a policy file, a file to import that cannot be
/// read, and each issue of an import, is followed by its Chinese words on a line of its own (the
/// English line stays first, for scripts that read it).
func guarded<T>(_ language: Language? = nil, _ body: () throws -> T) throws -> T {
    let language = language ?? RefusalLanguage.current
    do {
        return try RefusalLanguage.$current.withValue(language) { try body() }
    } catch let error as LedgerError {
        if case .internalInconsistency = error {
            printError("voucher: \(error)")
            throw Exit.internalError
        }
        printError("voucher: refused: \(error)" + (language == .zh ? "\nvoucher: 拒绝：\(error.text(.zh))" : ""))
        throw Exit.refused
    } catch let error as LedgerFile.NotALedger {
        printError("voucher: \(error)")
        throw Exit.ioError
    } catch let error as LedgerStorageError {
        printError("voucher: \(error)")
        throw Exit.ioError
    } catch let error as ImportRejected {
        printError(error.text(language))
        throw Exit.refused
    } catch let error as ImportSource.ReadError {
        printError("voucher: \(error)" + (language == .zh ? "\nvoucher: \(error.zhDescription)" : ""))
        throw Exit.ioError
    } catch let error as PolicyError {
        // A programme id or policy file that is not one: the input's fault, refused.
        printError("voucher: refused: \(error)" + (language == .zh ? "\nvoucher: 拒绝：\(error.text(.zh))" : ""))
        throw Exit.refused
    } catch let error as AccountError {
        printError("voucher: refused: \(error)" + (language == .zh ? "\nvoucher: 拒绝：\(error.zh)" : ""))
        throw Exit.refused
    } catch let error as CocoaError {
        // Name the file: the system's sentence alone ("The file doesn't exist.") does not.
        let path = error.filePath ?? error.url?.path
        printError("voucher: " + (path.map { "\($0): " } ?? "") + error.localizedDescription)
        throw Exit.ioError
    } catch let error as ExitCode {
        throw error
    } catch let error as ValidationError {
        throw error
    } catch {
        printError("voucher: \(error)")
        throw Exit.ioError
    }
}

/// Today's date in Beijing, the default business date of a command.
func today() -> BusinessDate { BusinessDate.today() }

/// Prints what an operation recorded, for people or as JSON.
/// `what` in the output's language: a Chinese line names what it recorded in Chinese.
func report(_ event: RecordedEvent, what: LocalizedText, format: OutputFormat, language: Language) {
    report(event, what: what.text(language), format: format, language: language)
}

func report(_ event: RecordedEvent, what: String, format: OutputFormat, language: Language) {
    switch format {
    case .json:
        print(event.json.text)
    case .text:
        let state =
            event.replayed
            ? (language == .zh
                ? "已记录过（事件 \(event.seq)），未重复记录" : "already recorded as event \(event.seq); nothing new written")
            : (language == .zh ? "已记录：事件 \(event.seq)" : "recorded event \(event.seq)")
        print("\(state) · \(what)")
        for line in event.explanation?.lines(language) ?? [] { print("  " + line.visible) }
    }
}

/// Moves `--db PATH` (or `--db=PATH`) given before the subcommand to after it, so that the global
/// option is accepted in either place: `voucher --db x.sqlite report …` = `voucher report --db x.sqlite …`.
func normalizeGlobalOptions(_ arguments: [String]) -> [String] {
    var leading: [String] = []
    var rest = arguments[...]
    while let first = rest.first, first.hasPrefix("--db") || first.hasPrefix("--actor") {
        if first == "--db" || first == "--actor" {
            leading.append(contentsOf: rest.prefix(2))
            rest = rest.dropFirst(2)
        } else if first.hasPrefix("--db=") || first.hasPrefix("--actor=") {
            leading.append(first)
            rest = rest.dropFirst()
        } else {
            break
        }
    }
    guard !leading.isEmpty else { return arguments }
    // Insert after the subcommand path (the leading words that are not options).
    var path: [String] = []
    while let word = rest.first, !word.hasPrefix("-") {
        path.append(word)
        rest = rest.dropFirst()
        if !["policy", "register", "redeem", "provider", "budget", "recover", "user"].contains(word) { break }
    }
    return path + leading + rest
}

/// The ledger file this run created (a recording command on a path where there was none), with
/// its chain head then. When the command is refused with nothing recorded, stderr says the file
/// is new, so that a mistyped `--db` is seen. It is not removed: another process may have opened
/// the new ledger meanwhile, and removing it could lose what that one recorded.
struct CreatedLedger {
    let path: String
    let head: ChainHead?

    nonisolated(unsafe) static var shared: CreatedLedger?

    /// After a failed command: says that the ledger it created holds nothing of it.
    static func noteAfterFailure() {
        guard let created = shared, let head = created.head,
            (try? Ledger.openForReading(at: created.path).chainHead()) == head
        else { return }
        printError(
            "voucher: \(created.path) did not exist and was created as a new, empty ledger; nothing was recorded in "
                + "it. If the path was mistyped, remove \(created.path)"
        )
    }
}

/// Refuses a path that cannot take a new file, in words that name it and what to do: a folder
/// that does not exist, a folder where the file should be, a folder that may not be written to.
/// Asked before the work that makes the file, so that a mistyped path fails at once.
func checkWritable(_ path: String, option: String) throws {
    // The folder as the path gives it, so that the message speaks of what was typed.
    let folder =
        switch path.lastIndex(of: "/") {
        case nil: "."
        case path.startIndex?: "/"
        case let slash?: String(path[..<slash])
        }
    var isFolder: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
        try refuseFile(
            path,
            option,
            "is a folder; give a file name in it, e.g. \(path.hasSuffix("/") ? path : path + "/")dossier.zip"
        )
    }
    guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) else {
        try refuseFile(
            path,
            option,
            "the folder \(folder) does not exist; create it first (mkdir -p \(folder.shellQuoted))"
        )
    }
    guard isFolder.boolValue else { try refuseFile(path, option, "\(folder) is not a folder") }
    guard access(folder, W_OK) == 0 else {
        try refuseFile(path, option, "the folder \(folder) may not be written to; give a path in another folder")
    }
}

/// Writes `data` to the file at `path`, replacing it whole (never half), after ``checkWritable(_:option:)``.
func writeFile(_ data: Data, to path: String, option: String) throws {
    try checkWritable(path, option: option)
    do {
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    } catch let error as CocoaError {
        try refuseFile(path, option, "could not be written (\(error.localizedDescription))")
    }
}

private func refuseFile(_ path: String, _ option: String, _ reason: String) throws -> Never {
    printError("voucher: \(option) \(path): \(reason)")
    throw Exit.ioError
}
