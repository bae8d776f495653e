import ArgumentParser
import Dispatch
import Foundation
import Logging
import VoucherDomain
import VoucherServer
import VoucherStorage

/// The options naming the accounts file of a ledger's service.
struct AccountsOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The service's accounts file (default: beside the ledger, vouchers.accounts.sqlite).",
            valueName: "path"
        )
    )
    var accounts: String?

    func open(besideLedger ledger: String) throws -> Accounts {
        try guarded { try Accounts.open(at: accounts ?? Accounts.path(besideLedger: ledger)) }
    }
}

/// The language `voucher user` speaks: what it did, and its refusals' Chinese under their line.
struct UserLanguageOption: ParsableArguments {
    @Option(help: "zh or en: what it says, and its refusals in Chinese too (zh).") var lang: Language = .zh

    var words: AccountWords { AccountWords(lang) }
}

/// `voucher serve`: the HTTP API over one ledger.
struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the ledger over HTTP: the JSON API under /api/v1, for the users `voucher user` adds.",
        discussion: """
            One server process owns the ledger file. Every event is recorded by the
            signed-in user. It stops, finishing what it answers, on SIGTERM or Ctrl-C. The
            API is described at /api/v1/openapi.yaml.

            Examples:
              voucher serve --listen 127.0.0.1:8080
              voucher serve --listen 127.0.0.1:8080 \\
                --secure-cookies     # behind an HTTPS proxy
              voucher user add --name admin --role admin
              curl -H "Authorization: Bearer $(voucher user token --name admin)" \\
                http://127.0.0.1:8080/api/v1/verify
            """
    )

    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var accounts: AccountsOptions
    @Option(help: ArgumentHelp("Where to listen, HOST:PORT.", valueName: "address")) var listen = "127.0.0.1:8080"
    @Flag(
        help: """
            Mark the console's cookies Secure, so that browsers send them over HTTPS only: give it when \
            a TLS proxy serves the console (the service itself speaks plain HTTP, for loopback).
            """
    )
    var secureCookies = false

    func validate() throws {
        guard Self.address(listen) != nil else {
            throw ValidationError("--listen \(listen): give HOST:PORT, e.g. 127.0.0.1:8080")
        }
    }

    static func address(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (1...65_535).contains(port), colon != text.startIndex
        else { return nil }
        return (String(text[..<colon]), port)
    }

    func run() throws {
        // A new ledger's bundled programmes are recorded by the actor named, else by the service.
        let actor = (try? ledger.actorName) ?? "voucher serve"
        let opened = try guarded { try Ledger.open(at: ledger.path, actor: actor) }
        let store = try accounts.open(besideLedger: ledger.path)
        guard let (host, port) = Self.address(listen) else { throw ExitCode.validationFailure }
        var logger = Logger(label: "voucher-ledger")
        logger.logLevel = .info
        // Two connections that only read: reports and pages run beside the writes. Two more for
        // quotes and a use looked up, which read the file through memory mapping.
        // They share what they learn of the file (how far the settlements' queue holds nothing).
        let readers = try guarded {
            try (0..<2).map { _ in try Ledger.openForReading(at: ledger.path).sharingWhatItLearns(with: opened) }
        }
        let shortReaders = try guarded {
            try (0..<2).map { _ in try Ledger.openForReading(at: ledger.path, mappedBytes: 256 << 20) }
        }
        let application = try VoucherService.application(
            ledger: opened,
            readers: readers,
            shortReaders: shortReaders,
            accounts: store,
            host: host,
            port: port,
            secureCookies: secureCookies,
            logger: logger
        )
        print(
            "serving \(ledger.path) on http://\(host):\(port)/: the console at /console, the API at /api/v1 "
                + "(/api/v1/openapi.yaml); Ctrl-C stops"
        )
        let done = DispatchSemaphore(value: 0)
        let failure = FailureBox()
        Task {
            do {
                try await application.runService()
            } catch {
                failure.set(error)
            }
            done.signal()
        }
        done.wait()
        if let error = failure.get() {
            // NIO's IOError, named by its words: the CLI does not link NIO itself.
            if "\(error)".contains("Address already in use") {
                printError(
                    "voucher: \(listen) is in use: another program listens there, or an outgoing connection "
                        + "was given that port. Start on another port (--listen \(host):PORT), outside the "
                        + "ports the system gives outgoing connections (on Linux, by default 32768 and up: "
                        + "/proc/sys/net/ipv4/ip_local_port_range)."
                )
            } else {
                printError("voucher: the service stopped: \(error)")
            }
            throw Exit.ioError
        }
    }
}

/// An error handed from the service's task to the command.
private final class FailureBox: @unchecked Sendable {
    private let lock = NSLock()
    private var error: (any Error)?
    func set(_ error: any Error) { lock.withLock { self.error = error } }
    func get() -> (any Error)? { lock.withLock { error } }
}

extension Role: ExpressibleByArgument {}

/// `voucher user`: the service's accounts.
struct UserCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Add the service's users, issue their API tokens, list them and every change to them.",
        discussion: """
            Roles: enterprise (--applicant), provider (--provider), district-reviewer,
            city-reviewer, finance, auditor (reads and verifies, writes nothing), admin.
            Passwords are kept as bcrypt hashes and tokens as SHA-256 hashes; a token is
            printed once.

            Examples:
              voucher user add --name 王丽 --role district-reviewer
              printf '%s\\n' "$PASSWORD" | voucher user add --name 甲企业 \\
                --role enterprise --applicant 91350100M000100Y43 --password-stdin
              voucher user token --name 王丽
              voucher user disable --name 王丽
              printf '%s\\n' "$PASSWORD" | voucher user password --name 王丽 \\
                --password-stdin
              voucher user list
            """,
        subcommands: [Add.self, Token.self, Revoke.self, Disable.self, Enable.self, Password.self, List.self]
    )

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a user.",
            discussion: "Example:\n  voucher user add --name 王丽 --role district-reviewer"
        )
        @OptionGroup var ledger: LedgerOptions
        @OptionGroup var accounts: AccountsOptions
        @OptionGroup var language: UserLanguageOption
        @Option(help: "The user's name: the actor of every event they record.") var name: String
        @Option(help: "enterprise, provider, district-reviewer, city-reviewer, finance, auditor or admin.")
        var role: Role
        @Option(help: "An enterprise user's applicant (credit code).") var applicant: String?
        @Option(help: "A provider user's provider (credit code).") var provider: String?
        @Flag(help: "Read the password (at least 12 characters) from the first line of standard input.")
        var passwordStdin = false

        func run() throws {
            let password = passwordStdin ? readLine(strippingNewline: true) ?? "" : nil
            let actor = try guarded(language.lang) { try ledger.actorName }
            let opened = try guarded(language.lang) { try ledger.openForReading() }
            // The party must be registered in the ledger.
            _ = try guarded(language.lang) {
                if let applicant { _ = try opened.applicant(applicant.trimmed) }
                if let provider { _ = try opened.provider(provider.trimmed) }
            }
            let user = try guarded(language.lang) {
                try accounts.open(besideLedger: ledger.path).addUser(
                    name: name,
                    role: role,
                    applicant: applicant,
                    provider: provider,
                    password: password,
                    by: actor
                )
            }
            print(language.words.added(user))
        }
    }

    struct Token: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue an API token for a user; it is printed once, and only its hash is kept.",
            discussion: "Example:\n  voucher user token --name 王丽 > token.txt"
        )
        @OptionGroup var ledger: LedgerOptions
        @OptionGroup var accounts: AccountsOptions
        @OptionGroup var language: UserLanguageOption
        @Option(help: "The user.") var name: String

        func run() throws {
            let actor = try guarded(language.lang) { try ledger.actorName }
            print(
                try guarded(language.lang) {
                    try accounts.open(besideLedger: ledger.path).issueToken(for: name, by: actor)
                }
            )
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke every API token of a user.",
            discussion: "Example:\n  voucher user revoke --name 王丽"
        )
        @OptionGroup var ledger: LedgerOptions
        @OptionGroup var accounts: AccountsOptions
        @OptionGroup var language: UserLanguageOption
        @Option(help: "The user.") var name: String

        func run() throws {
            let actor = try guarded(language.lang) { try ledger.actorName }
            try guarded(language.lang) {
                try accounts.open(besideLedger: ledger.path).revokeTokens(of: name, by: actor)
            }
            print(language.words.tokensRevoked(name))
        }
    }

    struct Disable: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Disable a user: their tokens are revoked, their sessions ended, and they sign in no more.",
            discussion: "Example:\n  voucher user disable --name 王丽"
        )
        @OptionGroup var ledger: LedgerOptions
        @OptionGroup var accounts: AccountsOptions
        @OptionGroup var language: UserLanguageOption
        @Option(help: "The user.") var name: String

        func run() throws {
            let actor = try guarded(language.lang) { try ledger.actorName }
            try guarded(language.lang) { try accounts.open(besideLedger: ledger.path).disable(name, by: actor) }
            print(language.words.disabled(name))
        }
    }

    struct Enable: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Enable a disabled user again (their old tokens stay revoked).",
            discussion: "Example:\n  voucher user enable --name 王丽"
        )
        @OptionGroup var ledger: LedgerOptions
        @OptionGroup var accounts: AccountsOptions
        @OptionGroup var language: UserLanguageOption
        @Option(help: "The user.") var name: String

        func run() throws {
            let actor = try guarded(language.lang) { try ledger.actorName }
            try guarded(language.lang) { try accounts.open(besideLedger: ledger.path).enable(name, by: actor) }
            print(language.words.enabled(name))
        }
    }

    struct Password: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set a user's password (at least 12 characters) and end their sessions.",
            discussion:
                "Example:\n  printf '%s\\n' \"$PASSWORD\" | voucher user password --name 王丽 \\\n    --password-stdin"
        )
        @OptionGroup var ledger: LedgerOptions
        @OptionGroup var accounts: AccountsOptions
        @OptionGroup var language: UserLanguageOption
        @Option(help: "The user.") var name: String
        @Flag(help: "Read the password from the first line of standard input (required).") var passwordStdin = false

        func validate() throws {
            guard passwordStdin else {
                throw ValidationError("give the password on standard input with --password-stdin, not as an argument")
            }
        }

        func run() throws {
            let password = readLine(strippingNewline: true) ?? ""
            let actor = try guarded(language.lang) { try ledger.actorName }
            try guarded(language.lang) {
                try accounts.open(besideLedger: ledger.path).setPassword(of: name, to: password, by: actor)
            }
            print(language.words.passwordSet(name))
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the users and every change to their accounts.",
            discussion: "Example:\n  voucher user list"
        )
        @OptionGroup var ledger: LedgerOptions
        @OptionGroup var accounts: AccountsOptions
        @OptionGroup var language: UserLanguageOption

        func run() throws {
            let store = try guarded(language.lang) { try accounts.open(besideLedger: ledger.path) }
            let (users, changes) = try guarded(language.lang) { (try store.users(), try store.changes()) }
            let words = language.words
            for user in users { print(words.line(user)) }
            if !changes.isEmpty { print("\n" + words.changes) }
            for change in changes { print(words.line(change)) }
        }
    }
}
