import Foundation
import GRDB
import VoucherDomain

// MARK: - Console sessions: a random cookie, of which only the hash is kept, with its CSRF token and language

extension Accounts {
    /// How long a console session lasts without signing in again.
    public static let sessionLifetime: Double = 8 * 3600

    /// Starts a console session; returns its cookie value (only its hash is kept).
    public func startSession(for user: User, language: Language) throws -> String {
        let cookie = Self.randomToken("vs_")
        let csrf = Self.randomToken("")
        try queue.write { db in
            // The password checked is still the user's, and the user is not disabled: a password
            // set or a disable while the password was being checked wins over this sign-in.
            let current = try Row.fetchOne(
                db,
                sql: "SELECT password_hash, disabled_at FROM user WHERE id = ?",
                arguments: [user.id]
            )
            guard let current, (current["disabled_at"] as String?) == nil,
                user.checkedPasswordHash == nil || (current["password_hash"] as String?) == user.checkedPasswordHash
            else {
                throw AccountError(
                    "the account changed while signing in; sign in again",
                    zh: "登录期间账户发生了变更，请重新登录"
                )
            }
            try db.execute(
                sql: "DELETE FROM session WHERE expires_at < ?",
                arguments: [Date().timeIntervalSince1970]
            )
            try db.execute(
                sql: "INSERT INTO session (sha256, user_id, csrf, language, expires_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [
                    Self.sha256(cookie), user.id, csrf, language.rawValue,
                    Date().timeIntervalSince1970 + Self.sessionLifetime,
                ]
            )
        }
        return cookie
    }

    /// The user, CSRF token and language of a live session; nil when there is none.
    public func session(_ cookie: String) throws -> (user: User, csrf: String, language: Language)? {
        guard cookie.hasPrefix("vs_"), cookie.count == 67 else { return nil }
        guard
            let row = try lookUp(
                """
                SELECT u.id, u.name, u.role, u.applicant_id, u.provider_id, s.csrf, s.language FROM session s
                JOIN user u ON u.id = s.user_id WHERE s.sha256 = ? AND s.expires_at >= ? AND u.disabled_at IS NULL
                """,
                [Self.sha256(cookie), Date().timeIntervalSince1970]
            ), let user = Self.user(row)
        else { return nil }
        return (user, row["csrf"], Language(rawValue: row["language"]) ?? .zh)
    }

    /// Changes the language of a live session's pages.
    public func setLanguage(_ language: Language, session cookie: String) throws {
        try queue.write { db in
            try db.execute(
                sql: "UPDATE session SET language = ? WHERE sha256 = ?",
                arguments: [language.rawValue, Self.sha256(cookie)]
            )
        }
    }

    /// Ends a session.
    public func endSession(_ cookie: String) throws {
        try queue.write { db in
            try db.execute(sql: "DELETE FROM session WHERE sha256 = ?", arguments: [Self.sha256(cookie)])
        }
    }
}
