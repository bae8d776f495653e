import VoucherDomain

/// A kind of exception a report lists.
enum ExceptionKind {
    case reversals, overrides, lateRedemptions, suspendedFilings, openRecoveries
}

/// The report's words in one language.
public struct ReportWords {
    let language: Language
    /// Whether a list cut short names the command that lists it whole (not in the console).
    var commandHints = true

    init(_ language: Language, commandHints: Bool = true) {
        self.language = language
        self.commandHints = commandHints
    }

    private func pick(_ zh: String, _ en: String) -> String { language == .zh ? zh : en }

    var title: String { pick("对账报告", "reconciliation report") }
    func period(_ period: ReportPeriod) -> String {
        if let year = period.year {
            return period.through == .latest
                ? pick("\(year)年度", "year \(year)")
                : pick("\(year)年度（截至\(period.through)）", "year \(year), through \(period.through)")
        }
        return period.through == .latest
            ? pick("累计", "cumulative") : pick("累计至\(period.through)", "cumulative through \(period.through)")
    }
    var measure: String { pick("指标", "measure") }
    var value: String { pick("数值", "value") }
    var wan: String { pick("万元", "万元") }
    var applicants: String { pick("获批申请主体", "applicants with granted quota") }
    var enterprisesServed: String { pick("服务企业", "enterprises served") }
    func uses(_ kind: ProgrammeKind) -> String { kind == .voucher ? pick("用券次数", "uses") : pick("拨付笔数", "payments") }
    var providers: String { pick("服务机构", "providers") }
    var products: String { pick("产品", "products") }
    var claimed: String { pick("申领金额", "claimed") }
    var serviceAmount: String { pick("服务金额", "service amount") }
    var used: String { pick("用券金额（补贴）", "used (subsidy)") }
    var redeemed: String { pick("兑付金额", "redeemed") }
    var awaiting: String { pick("待兑付", "awaiting redemption") }
    var expired: String { pick("过期", "expired") }
    var forfeited: String { pick("核减不退回", "forfeited") }
    var available: String { pick("可用余额", "available") }
    // A grant or matching programme's figures: granted, paid and left to pay.
    var applicantsGranted: String { pick("获资助申请主体", "applicants granted") }
    var applicantsPaid: String { pick("已拨付申请主体", "applicants paid") }
    var granted: String { pick("核定金额", "granted") }
    var projectSpending: String { pick("项目实际支出", "project spending") }
    var paidOut: String { pick("已拨付", "paid") }
    var leftToPay: String { pick("待拨付", "left to pay") }
    var identities: String { pick("对账恒等式", "Reconciliation identities") }
    func identity(_ identity: ReconciliationIdentity, kind: ProgrammeKind = .voucher) -> String {
        switch (identity, kind) {
        case (.claimedIsAccountedFor, .voucher): pick("申领 = 用券 + 过期 + 可用", identity.name)
        // Nothing of a grant or matching programme expires (the engine refuses it).
        case (.claimedIsAccountedFor, _): pick("核定 = 已拨付 + 待拨付", "granted = paid + left to pay")
        case (.usedIsAccountedFor, _): pick("用券 = 兑付 + 待兑付 + 核减不退回", identity.name)
        }
    }
    var holds: String { pick("成立", "holds") }
    var differs: String { pick("差额", "off by") }
    var overRate: String { pick("超过比例上限的用券", "uses over rate × service amount") }
    var negativeAccounts: String { pick("余额为负的账户", "accounts below zero") }
    func breakdown(_ dimension: BreakdownDimension) -> String {
        switch dimension {
        case .applicant: pick("按企业", "By applicant")
        case .provider: pick("按服务机构", "By provider")
        case .category: pick("按产品类别", "By product category")
        case .region: pick("按服务机构地区", "By provider region")
        case .month: pick("按月份", "By month")
        }
    }
    func key(_ dimension: BreakdownDimension) -> String {
        switch dimension {
        case .applicant: pick("企业", "applicant")
        case .provider: pick("服务机构", "provider")
        case .category: pick("类别", "category")
        case .region: pick("地区", "region")
        case .month: pick("月份", "month")
        }
    }
    var usesColumn: String { pick("次数", "uses") }
    /// The line under a breakdown that lists only its largest keys, with the command that lists
    /// every one (``commandHints``).
    func notListed(_ dimension: BreakdownDimension, listed: Int, more: Int) -> String {
        if !commandHints {
            return pick(
                "以上为用券金额最大的 \(listed) 个\(key(dimension))，另有 \(more) 个未列出",
                "The \(listed) largest by amount used; \(more) more are not listed"
            )
        }
        return pick(
            "以上为用券金额最大的 \(listed) 个\(key(dimension))，另有 \(more) 个未列出；全部见 voucher report --by \(dimension.rawValue)",
            "The \(listed) largest by amount used; \(more) more are not listed: voucher report --by \(dimension.rawValue) lists every one"
        )
    }
    var exceptions: String { pick("例外事项", "Exceptions") }
    var difference: String { pick("差额", "difference") }
    var noExceptions: String { pick("无", "none") }
    var reversals: String { pick("冲销", "Reversals") }
    var overrides: String { pick("信用代码人工核准", "Credit-code overrides") }
    var late: String { pick("逾期申请兑付", "Redemptions filed past the deadline") }
    var suspended: String { pick("服务机构暂停期间申请兑付", "Redemptions filed by a suspended provider") }
    func suspendedFrom(_ date: BusinessDate) -> String { pick("自 \(date) 起暂停", "suspended from \(date)") }
    func daysLate(_ days: Int) -> String { pick("逾期 \(days) 天", days == 1 ? "1 day late" : "\(days) days late") }
    /// The line under a kind of exception listed in part; none when every one is listed.
    func notListed(_ kind: ExceptionKind, listed: Int, of count: Int) -> [String] {
        guard count > listed else { return [] }
        let more = count - listed
        let (zhHint, enHint) =
            commandHints
            ? ("；全部见 voucher report --by exception", ": voucher report --by exception lists every one") : ("", "")
        return switch kind {
        case .reversals:
            [
                pick(
                    "以上为金额最大的 \(listed) 笔冲销，共 \(count) 笔，另有 \(more) 笔未列出\(zhHint)",
                    "The \(listed) largest of \(count) reversals; \(more) more are not listed\(enHint)"
                )
            ]
        case .overrides:
            [
                pick(
                    "以上为 \(listed) 个人工核准，共 \(count) 个，另有 \(more) 个未列出\(zhHint)",
                    "\(listed) of \(count) overrides; \(more) more are not listed\(enHint)"
                )
            ]
        case .openRecoveries:
            [
                pick(
                    "以上为待追回最多的 \(listed) 笔，共 \(count) 笔，另有 \(more) 笔未列出\(zhHint)",
                    "The \(listed) largest of \(count) open recoveries; \(more) more are not listed\(enHint)"
                )
            ]
        case .suspendedFilings:
            [
                pick(
                    "以上为最早的 \(listed) 笔，共 \(count) 笔，另有 \(more) 笔未列出\(zhHint)",
                    "The first \(listed) of \(count) filings by suspended providers; \(more) more are not listed\(enHint)"
                )
            ]
        case .lateRedemptions:
            [
                pick(
                    "以上为逾期最久的 \(listed) 笔，共 \(count) 笔，另有 \(more) 笔未列出\(zhHint)",
                    "The \(listed) most overdue of \(count) late filings; \(more) more are not listed\(enHint)"
                )
            ]
        }
    }
    var budget: String { pick("预算", "Budget") }
    var openRecovery: String { pick("待追回款项", "Money owed back, not yet received") }

    // The exceptions' lines. Text from the ledger is shown `visible` (no control character acts).

    /// An exception's line: its kind, then what it says.
    func line(_ kind: String, _ text: String) -> String { pick("\(kind)：\(text)", "\(kind): \(text)") }

    func reversalLine(_ r: ReportExceptions.Reversal) -> String {
        let kind = EventKind(rawValue: r.reversedKind).map { LedgerError.eventZh($0) } ?? r.reversedKind.visible
        return pick(
            "事件 \(r.event)（\(r.date)）冲销事件 \(r.reversedEvent)（\(kind)），冲回金额 \(r.amount.formatted())，"
                + "理由：\(r.reason.visible)，经办：\(r.actor.visible)",
            "event \(r.event) on \(r.date) reversed event \(r.reversedEvent) "
                + "(\(r.reversedKind.replacingOccurrences(of: "-", with: " ").visible)), "
                + "moving back \(r.amount.formatted()): \(r.reason.visible) (by \(r.actor.visible))"
        )
    }

    func overrideLine(_ o: ReportExceptions.Override) -> String {
        pick(
            "\(o.party.visible) \(o.name.visible)，理由：\(o.reason.visible)，核准人：\(o.approvedBy.visible)",
            "\(o.party.visible) \(o.name.visible): \(o.reason.visible) (approved by \(o.approvedBy.visible))"
        )
    }

    /// A party as a line names it: its registered name and its code, else the code.
    func party(_ id: String, _ names: [String: String]) -> String {
        guard let name = names[id], !name.isEmpty else { return id.visible }
        return pick("\(name.visible)（\(id.visible)）", "\(name.visible) (\(id.visible))")
    }

    func lateLine(_ l: ReportExceptions.LateRedemption, names: [String: String] = [:]) -> String {
        let provider = party(l.provider, names)
        return pick(
            "兑付申请 \(l.filing.visible)（用券 \(l.use.visible)），服务机构 \(provider)，"
                + "\(l.filedOn) 申请，截止 \(l.deadline)，\(daysLate(l.daysLate))",
            "redemption claim \(l.filing.visible) (use \(l.use.visible)) by provider \(provider), "
                + "filed \(l.filedOn), deadline \(l.deadline), \(daysLate(l.daysLate))"
        )
    }

    func suspendedLine(_ f: ReportExceptions.SuspendedFiling, names: [String: String] = [:]) -> String {
        let provider = party(f.provider, names)
        return pick(
            "兑付申请 \(f.filing.visible)，服务机构 \(provider)，\(f.filedOn) 申请；"
                + "\(suspendedFrom(f.suspendedFrom))，理由：\(f.reason.visible)",
            "redemption claim \(f.filing.visible) by provider \(provider), filed \(f.filedOn); "
                + "\(suspendedFrom(f.suspendedFrom)): \(f.reason.visible)"
        )
    }

    func recoveryLine(_ open: ReportExceptions.OpenRecovery, names: [String: String] = [:]) -> String {
        let applicant = party(open.applicant, names)
        return pick(
            "用券 \(open.use.visible)，申请主体 \(applicant)，自 \(open.since) 起应追回 \(open.owed.formatted())，"
                + "已追回 \(open.received.formatted())，待追回 \(open.outstanding.formatted())",
            "use \(open.use.visible) of applicant \(applicant): owed \(open.owed.formatted()) since \(open.since), "
                + "received \(open.received.formatted()), outstanding \(open.outstanding.formatted())"
        )
    }
    var recoveryOwed: String { pick("应追回", "owed back (recoveries)") }
    var recovered: String { pick("已追回", "recovered") }
    var recoveryOutstanding: String { pick("待追回", "recovery outstanding") }
    func appropriated(event: Int64, on date: BusinessDate) -> String {
        pick("拨款（事件 \(event)，\(date)）", "Appropriated (event \(event), \(date))")
    }
    func share(_ share: BudgetShare) -> String {
        let name = Self.funder(share.name, language)
        return pick("  其中\(name) \(share.rate)", "  of which \(name) \(share.rate)")
    }

    /// A funder's name: the city and the district in Chinese as 市级 and 区级; any other, and any
    /// in English, as recorded.
    public static func funder(_ name: String, _ language: Language) -> String {
        language == .zh ? ["city": "市级", "district": "区级"][name] ?? name : name
    }
    var committed: String { pick("已核定", "Committed (granted)") }
    var budgetUsed: String { pick("已使用", "Used") }
    var paid: String { pick("已兑付/拨付", "Paid") }
    var budgetLeft: String { pick("可核定余额", "Left to grant") }
    var chainHead: String { pick("账本链头", "Ledger chain head") }
    func events(_ count: Int64) -> String { pick("\(count) 个事件", "\(count) events") }
    /// The report's last line: 账本链头：1049 个事件，HASH (`hash` as the format shows it).
    func chainHeadLine(_ count: Int64, hash: String) -> String {
        pick("账本链头：\(count) 个事件，\(hash)", "Ledger chain head: \(count) events, \(hash)")
    }
    var chart: String { pick("按月用券与兑付", "Used and redeemed by month") }
    var nameColumn: String { pick("名称", "name") }
    func measuresChart(_ kind: ProgrammeKind) -> String {
        kind == .voucher
            ? pick("资金去向：申领、用券、兑付", "The year's money: claimed, used, redeemed")
            : pick("资金去向：核定、拨付", "The year's money: granted and paid")
    }

    /// A category's or region's label: 检测 or testing, 江苏 or Jiangsu; a key the list does not
    /// know is shown as it is.
    func label(_ dimension: BreakdownDimension, _ key: String) -> String {
        guard let label = Self.labels(dimension)[key] else { return key }
        return pick(label.zh, label.en)
    }

    /// The categories or regions the reports know by name, each key with its label in `language`,
    /// by key: what a form offers to choose from.
    public static func known(_ dimension: BreakdownDimension, _ language: Language) -> [(key: String, label: String)] {
        labels(dimension).sorted { $0.key < $1.key }.map { ($0.key, language == .zh ? $0.value.zh : $0.value.en) }
    }

    private static func labels(_ dimension: BreakdownDimension) -> [String: (zh: String, en: String)] {
        dimension == .category
            ? [
                "testing": ("检测", "testing"), "analysis": ("分析", "analysis"),
                "certification": ("认证", "certification"), "consulting": ("咨询", "consulting"),
                "design": ("设计", "design"), "rd-service": ("研发服务", "R&D services"),
            ]
            : Dictionary(uniqueKeysWithValues: ProviderRegistration.knownRegions.map { ($0.key, ($0.zh, $0.en)) })
    }
}
