import VoucherDomain

/// What `voucher user` says of the accounts it changes and lists: in English (`--lang en`) as it
/// did before it had Chinese, for scripts that read it; in Chinese, its default, in the console's
/// words. For a terminal: every name and code
/// is shown with its control characters made visible (``Swift/String/visible``).
public struct AccountWords: Sendable {
    let words: Words
    public var language: Language { words.language }

    public init(_ language: Language) { words = Words(language) }

    /// A user added: `added user 王丽 (auditor)` · `已添加用户 王丽（审计）`.
    public func added(_ user: User) -> String {
        language == .zh
            ? "\(words.userAdded(user.name.visible))\(words.inParentheses(words.role(user.role)))"
            : "added user \(user.name.visible) (\(user.role.rawValue))"
    }

    public func tokensRevoked(_ name: String) -> String {
        language == .zh
            ? "已撤销 \(name.visible) 的全部 API 令牌，其会话已结束"
            : "revoked every token of \(name.visible); their sessions ended"
    }

    public func disabled(_ name: String) -> String { words.userDisabled(name.visible) }
    public func enabled(_ name: String) -> String { words.userEnabled(name.visible) }
    public func passwordSet(_ name: String) -> String { words.passwordSet(name.visible) }

    /// A user as `voucher user list` lists it: name, role, the party it acts for, disabled.
    public func line(_ user: User) -> String {
        let name = user.name.visible
        guard language == .zh else {
            let party = user.applicant.map { " applicant \($0)" } ?? user.provider.map { " provider \($0)" } ?? ""
            return "\(name)  \(user.role.rawValue)\(party.visible)\(user.disabled ? "  (disabled)" : "")"
        }
        let party = user.applicant.map { " 代表申请主体 \($0)" } ?? user.provider.map { " 代表服务机构 \($0)" } ?? ""
        return "\(name)  \(words.role(user.role))\(party.visible)\(user.disabled ? "  （已停用）" : "")"
    }

    /// The heading above the changes to the accounts.
    public var changes: String { language == .zh ? "账户变更（北京时间）：" : "changes:" }

    /// A change to an account: its number, when (in Chinese on Beijing's clock, as the console
    /// shows it; in English as kept, in UTC), by whom, to whom and what.
    public func line(_ change: AccountChange) -> String {
        let (by, user) = (change.by.visible, change.user.visible)
        return language == .zh
            ? "\(change.seq)  \(Console.beijingTime(change.at))  操作人 \(by)：\(user) \(words.accountChange(change).visible)"
            : "\(change.seq)  \(change.at)  by \(by): \(user) \(change.change.visible)"
    }
}
