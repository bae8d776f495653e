import Crypto
import Foundation
import GRDB
import Glibc
import HummingbirdBcrypt
import VoucherDomain

/// What a user may do: each sees and does only what is theirs (docs/service.md).
public enum Role: String, Sendable, Hashable, CaseIterable, Codable {
    /// An enterprise: its own applicant's claims, quotas, quotes and uses.
    case enterprise
    /// A service provider: files redemptions for its own uses.
    case provider
    case districtReviewer = "district-reviewer"
    case cityReviewer = "city-reviewer"
    /// Settles redemptions and pays.
    case finance
    /// Reads everything and verifies; writes nothing.
    case auditor
    /// Users and policies.
    case admin
}

/// A person who signs in: the actor of every event they record.
public struct User: Sendable, Hashable {
    public var id: Int64
    public var name: String
    public var role: Role
    /// The applicant an enterprise acts for.
    public var applicant: String?
    /// The provider a provider's user acts for.
    public var provider: String?
    /// Disabled by an admin: signs in with neither password nor token until enabled again.
    public var disabled = false
    /// Has a password to sign in to the console with (else a user of the API only, by token).
    public var hasPassword = true
    /// The password hash a sign-in checked: a session starts only while it is still the user's.
    var checkedPasswordHash: String?
}

/// Why an account operation was refused.
public struct AccountError: Error, Sendable, CustomStringConvertible, Equatable {
    public var description: String
    /// The same in Chinese: every refusal has it, for the console's Chinese pages and for
    /// `voucher user` (under the English line).
    public var zh: String

    init(_ description: String, zh: String) {
        self.description = description
        self.zh = zh
    }

    /// The refusal in `language`.
    public func text(_ language: Language) -> String { language == .zh ? zh : description }
}

/// The accounts of the service, in their own SQLite file beside the ledger: they are not money,
/// and the ledger holds only what is hashed. Passwords are kept as bcrypt hashes, API tokens as
/// SHA-256 hashes (a token is 32 random bytes: a slow hash adds nothing), and every change to an
/// account is appended to `account_change`.
public struct Accounts: Sendable {
    let queue: DatabaseQueue
    /// bcrypt's cost for new passwords: 12 (about a quarter of a second here); tests use less.
    var bcryptCost: UInt8 = 12

    /// The accounts file beside a ledger: `vouchers.sqlite` → `vouchers.accounts.sqlite`.
    public static func path(besideLedger ledger: String) -> String {
        (ledger.hasSuffix(".sqlite") ? String(ledger.dropLast(".sqlite".count)) : ledger) + ".accounts.sqlite"
    }

    /// Opens (creating if need be) the accounts file at `path`; `":memory:"` for tests. A new file
    /// is created readable and writable by its owner only, and a link is never followed.
    public static func open(at path: String, bcryptCost: UInt8 = 12) throws -> Accounts {
        do {
            var accounts = try opening(at: path)
            accounts.bcryptCost = bcryptCost
            return accounts
        } catch let error as DatabaseError {
            let reason = error.message ?? "\(error.resultCode)"
            throw AccountError(
                "the accounts file \(path) could not be opened: \(reason)",
                zh: "无法打开账户文件 \(path)（SQLite：\(reason)）"
            )
        }
    }

    private static func opening(at path: String) throws -> Accounts {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        let queue: DatabaseQueue
        if path == ":memory:" {
            queue = try DatabaseQueue(configuration: configuration)
        } else {
            let descriptor = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600)
            if descriptor >= 0 {
                close(descriptor)
            } else if errno != EEXIST {
                throw AccountError(
                    "cannot create the accounts file \(path); check that the folder exists and is writable",
                    zh: "无法创建账户文件 \(path)；请检查其所在文件夹是否存在且可写"
                )
            }
            configuration.journalMode = .wal
            queue = try DatabaseQueue(path: path, configuration: configuration)
            // A change acknowledged (a token revoked) is on the disk.
            try queue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        }
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE user (
                        id INTEGER PRIMARY KEY,
                        name TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(name) BETWEEN 1 AND 64),
                        role TEXT NOT NULL,
                        applicant_id TEXT,
                        provider_id TEXT,
                        password_hash TEXT,
                        created_at TEXT NOT NULL
                    ) STRICT;
                    CREATE TABLE token (
                        id INTEGER PRIMARY KEY,
                        user_id INTEGER NOT NULL REFERENCES user(id),
                        sha256 TEXT NOT NULL UNIQUE,
                        created_at TEXT NOT NULL,
                        revoked_at TEXT
                    ) STRICT;
                    CREATE TABLE account_change (
                        seq INTEGER PRIMARY KEY,
                        at TEXT NOT NULL,
                        by TEXT NOT NULL,
                        user TEXT NOT NULL,
                        change TEXT NOT NULL
                    ) STRICT;
                    CREATE TRIGGER account_change_no_update BEFORE UPDATE ON account_change
                    BEGIN SELECT RAISE(ABORT, 'account changes are append-only'); END;
                    CREATE TRIGGER account_change_no_delete BEFORE DELETE ON account_change
                    BEGIN SELECT RAISE(ABORT, 'account changes are append-only'); END;
                    """
            )
        }
        // Version 2: the console's sessions, each kept as the SHA-256 of its cookie, with its CSRF token.
        migrator.registerMigration("v2") { db in
            try db.execute(
                sql: """
                    CREATE TABLE session (
                        sha256 TEXT PRIMARY KEY,
                        user_id INTEGER NOT NULL REFERENCES user(id),
                        csrf TEXT NOT NULL,
                        language TEXT NOT NULL,
                        expires_at REAL NOT NULL
                    ) STRICT;
                    """
            )
        }
        // Version 3: a user an admin disabled (when), who signs in no more until enabled again.
        migrator.registerMigration("v3") { db in
            try db.execute(sql: "ALTER TABLE user ADD COLUMN disabled_at TEXT")
        }
        try migrator.migrate(queue)
        return Accounts(queue: queue)
    }

    static func now() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date())
    }

    /// Adds a user. An enterprise names its applicant, a provider's user its provider; no other
    /// role names either. A password, when given, must have at least 12 characters.
    @discardableResult
    public func addUser(
        name: String,
        role: Role,
        applicant: String? = nil,
        provider: String? = nil,
        password: String? = nil,
        by actor: String
    ) throws -> User {
        // The name is the actor of the user's events: the ledger refuses hidden characters there.
        let name = name.trimmed.precomposedStringWithCanonicalMapping
        guard !name.isEmpty, name.unicodeScalars.count <= 64, Lifecycle.invisibleCharacter(in: name) == nil else {
            throw AccountError(
                "name \"\(name.visible)\": give 1 to 64 characters, none of them hidden or control characters",
                zh: "用户名「\(name.visible)」：请用 1 至 64 个字符，不含不可见字符或控制字符"
            )
        }
        switch role {
        case .enterprise:
            guard applicant?.trimmed.isEmpty == false, provider == nil else {
                throw AccountError(
                    "an enterprise user acts for one applicant: give --applicant ID (and no --provider)",
                    zh: "企业用户须对应一个申请主体：请填写申请主体编号（不填服务机构）"
                )
            }
        case .provider:
            guard provider?.trimmed.isEmpty == false, applicant == nil else {
                throw AccountError(
                    "a provider's user acts for one provider: give --provider ID (and no --applicant)",
                    zh: "服务机构用户须对应一个服务机构：请填写服务机构编号（不填申请主体）"
                )
            }
        default:
            guard applicant == nil, provider == nil else {
                throw AccountError(
                    "only enterprise and provider users act for an applicant or a provider",
                    zh: "只有企业用户和服务机构用户对应申请主体或服务机构"
                )
            }
        }
        if let password, password.count < 12 {
            throw AccountError(
                "the password has \(password.count) characters; give at least 12",
                zh: "密码只有 \(password.count) 个字符，至少需要 12 个"
            )
        }
        let hash = password.map { Bcrypt.hash($0, cost: bcryptCost) }
        return try queue.write { db in
            if try String.fetchOne(db, sql: "SELECT name FROM user WHERE name = ?", arguments: [name]) != nil {
                throw AccountError(
                    "a user named \(name.visible) exists; choose another name",
                    zh: "用户 \(name.visible) 已存在，请换用其他用户名"
                )
            }
            let at = Self.now()
            try db.execute(
                sql: """
                    INSERT INTO user (name, role, applicant_id, provider_id, password_hash, created_at)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [name, role.rawValue, applicant?.trimmed, provider?.trimmed, hash, at]
            )
            let id = db.lastInsertedRowID
            let party = applicant.map { ("applicant", $0.trimmed) } ?? provider.map { ("provider", $0.trimmed) }
            try Self.record(db, at: at, by: actor, user: name, change: .added(role, party: party))
            return User(id: id, name: name, role: role, applicant: applicant?.trimmed, provider: provider?.trimmed)
        }
    }

    static func record(_ db: Database, at: String, by: String, user: String, change: AccountChange.Kind) throws {
        try db.execute(
            sql: "INSERT INTO account_change (at, by, user, change) VALUES (?, ?, ?, ?)",
            arguments: [at, by, user, change.stored]
        )
    }

    /// Issues a new API token for a user and returns it: it is shown once; only its hash is kept.
    public func issueToken(for name: String, by actor: String) throws -> String {
        let token = Self.randomToken("vl_")
        try queue.write { db in
            guard let user = try Self.user(db, named: name) else {
                throw AccountError("no user named \(name.visible)", zh: "没有用户 \(name.visible)")
            }
            guard !user.disabled else {
                throw AccountError(
                    "\(user.name.visible) is disabled: enable them first (voucher user enable)",
                    zh: "用户 \(user.name.visible) 已停用，请先启用"
                )
            }
            let at = Self.now()
            try db.execute(
                sql: "INSERT INTO token (user_id, sha256, created_at) VALUES (?, ?, ?)",
                arguments: [user.id, Self.sha256(token), at]
            )
            try Self.record(db, at: at, by: actor, user: user.name, change: .tokenIssued)
        }
        return token
    }

    /// Revokes every token of a user, and ends their console sessions.
    public func revokeTokens(of name: String, by actor: String) throws {
        try queue.write { db in
            guard let user = try Self.user(db, named: name) else {
                throw AccountError("no user named \(name.visible)", zh: "没有用户 \(name.visible)")
            }
            let at = Self.now()
            try db.execute(
                sql: "UPDATE token SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
                arguments: [at, user.id]
            )
            try db.execute(sql: "DELETE FROM session WHERE user_id = ?", arguments: [user.id])
            try Self.record(db, at: at, by: actor, user: user.name, change: .tokensRevoked)
        }
    }

    /// 32 random bytes as hex, after `prefix`.
    static func randomToken(_ prefix: String) -> String {
        var generator = SystemRandomNumberGenerator()
        return prefix
            + (0..<32).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max, using: &generator)) }
            .joined()
    }

    /// SHA-256 as lower-case hex. Every API request hashes its token: the digits are written
    /// directly (Foundation's `String(format:)` for each byte took 7% of a server answering quotes).
    static func sha256(_ text: String) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        hex.reserveCapacity(64)
        for byte in SHA256.hash(data: Array(text.utf8)) {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: hex, as: UTF8.self)
    }

    /// One SELECT, read outside a transaction (a single statement reads one snapshot) and from
    /// a cached statement. A `read` would mark the connection query-only and back, which makes
    /// SQLite prepare every cached statement again; at every request that is most of its cost.
    func lookUp(_ sql: String, _ arguments: StatementArguments) throws -> Row? {
        try queue.unsafeRead { db in try Row.fetchOne(db.cachedStatement(sql: sql), arguments: arguments) }
    }

    /// The user a bearer token belongs to; nil when it is unknown or revoked.
    public func user(forToken token: String) throws -> User? {
        guard token.hasPrefix("vl_"), token.count == 67 else { return nil }
        guard
            let row = try lookUp(
                """
                SELECT u.id, u.name, u.role, u.applicant_id, u.provider_id FROM token t
                JOIN user u ON u.id = t.user_id WHERE t.sha256 = ? AND t.revoked_at IS NULL AND u.disabled_at IS NULL
                """,
                [Self.sha256(token)]
            )
        else { return nil }
        return Self.user(row)
    }

    /// The user whose name and password these are; nil otherwise (the same time either way).
    public func user(named name: String, password: String) throws -> User? {
        let found = try queue.read { db -> (User, String?)? in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT id, name, role, applicant_id, provider_id, password_hash, disabled_at FROM user WHERE name = ?
                        """,
                    arguments: [name.trimmed]
                ), let user = Self.user(row)
            else { return nil }
            return (user, row["password_hash"])
        }
        // A hash is always compared, so that an unknown name takes as long as a wrong password.
        let hash = found?.1 ?? Self.decoyHash
        let matches = Bcrypt.verify(password, hash: hash)
        guard let (found, stored) = found, stored != nil, matches, !found.disabled else { return nil }
        var user = found
        user.checkedPasswordHash = stored
        return user
    }

    private static let decoyHash = Bcrypt.hash("not a password of anyone's", cost: 12)

    static func user(_ db: Database, named name: String) throws -> User? {
        try Row.fetchOne(
            db,
            sql: "SELECT id, name, role, applicant_id, provider_id, disabled_at FROM user WHERE name = ?",
            arguments: [name.trimmed]
        ).flatMap(user)
    }

    static func user(_ row: Row) -> User? {
        guard let role = Role(rawValue: row["role"]) else { return nil }
        return User(
            id: row["id"],
            name: row["name"],
            role: role,
            applicant: row["applicant_id"],
            provider: row["provider_id"],
            disabled: row.hasColumn("disabled_at") && (row["disabled_at"] as String?) != nil
        )
    }

    public func users() throws -> [User] {
        try queue.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT id, name, role, applicant_id, provider_id, disabled_at, password_hash IS NOT NULL AS has_password
                    FROM user ORDER BY id
                    """
            )
            .compactMap { row in
                var user = Self.user(row)
                user?.hasPassword = row["has_password"]
                return user
            }
        }
    }

    /// Disables a user: their tokens are revoked and their sessions ended, and they sign in no
    /// more (by password or token) until enabled again. An admin cannot disable themselves, so
    /// that some admin is always left to enable the others.
    public func disable(_ name: String, by actor: String) throws {
        try queue.write { db in
            guard let user = try Self.user(db, named: name) else {
                throw AccountError("no user named \(name.visible)", zh: "没有用户 \(name.visible)")
            }
            guard user.name.caseInsensitiveCompare(actor.trimmed) != .orderedSame else {
                throw AccountError("you cannot disable yourself; another admin can", zh: "不能停用自己的账户，请由其他管理员操作")
            }
            guard !user.disabled else {
                throw AccountError("\(user.name.visible) is disabled already", zh: "用户 \(user.name.visible) 已处于停用状态")
            }
            let at = Self.now()
            try db.execute(sql: "UPDATE user SET disabled_at = ? WHERE id = ?", arguments: [at, user.id])
            try db.execute(
                sql: "UPDATE token SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
                arguments: [at, user.id]
            )
            try db.execute(sql: "DELETE FROM session WHERE user_id = ?", arguments: [user.id])
            try Self.record(db, at: at, by: actor, user: user.name, change: .disabled)
        }
    }

    /// Enables a disabled user again: they sign in with their password (their old tokens stay
    /// revoked; an admin issues a new one).
    public func enable(_ name: String, by actor: String) throws {
        try queue.write { db in
            guard let user = try Self.user(db, named: name) else {
                throw AccountError("no user named \(name.visible)", zh: "没有用户 \(name.visible)")
            }
            guard user.disabled else {
                throw AccountError("\(user.name.visible) is not disabled", zh: "用户 \(user.name.visible) 未被停用")
            }
            try db.execute(sql: "UPDATE user SET disabled_at = NULL WHERE id = ?", arguments: [user.id])
            try Self.record(db, at: Self.now(), by: actor, user: user.name, change: .enabled)
        }
    }

    /// Sets a user's password (at least 12 characters) and ends their sessions.
    public func setPassword(of name: String, to password: String, by actor: String) throws {
        guard password.count >= 12 else {
            throw AccountError(
                "the password has \(password.count) characters; give at least 12",
                zh: "密码只有 \(password.count) 个字符，至少需要 12 个"
            )
        }
        let hash = Bcrypt.hash(password, cost: bcryptCost)
        try queue.write { db in
            guard let user = try Self.user(db, named: name) else {
                throw AccountError("no user named \(name.visible)", zh: "没有用户 \(name.visible)")
            }
            try db.execute(sql: "UPDATE user SET password_hash = ? WHERE id = ?", arguments: [hash, user.id])
            try db.execute(sql: "DELETE FROM session WHERE user_id = ?", arguments: [user.id])
            try Self.record(db, at: Self.now(), by: actor, user: user.name, change: .passwordSet)
        }
    }

    public func changes() throws -> [AccountChange] {
        try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT seq, at, by, user, change FROM account_change ORDER BY seq").map {
                AccountChange(seq: $0["seq"], at: $0["at"], by: $0["by"], user: $0["user"], change: $0["change"])
            }
        }
    }
}
