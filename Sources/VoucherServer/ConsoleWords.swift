import VoucherDomain
import VoucherReports
import VoucherStorage

/// The console's words, in Chinese or English.
struct Words {
    let language: Language
    let table: [String: String]

    init(_ language: Language) {
        self.language = language
        table = language == .zh ? Self.chinese : Self.english
    }

    subscript(_ key: String) -> String { table[key] ?? key }

    /// A confirmation: the event, its amount and, where given, what it was (`what`: 申领 C-1 区级核定),
    /// since the row acted on has left its queue.
    func recorded(_ event: RecordedEvent, what: String? = nil, amount shown: Bool = true) -> String {
        let amount = shown ? event.amount.map { " · \($0.formatted())" } ?? "" : ""
        let subject = what.map { " · \($0)" } ?? ""
        return event.replayed
            ? (language == .zh ? "已记录过（事件 \(event.seq)），未重复记录" : "Already recorded as event \(event.seq)")
                + subject
            : (language == .zh ? "已记录：事件 \(event.seq)\(amount)" : "Recorded: event \(event.seq)\(amount)") + subject
    }

    /// A decision as its confirmation names it.
    func decided(_ ref: String, _ outcome: DecisionRequest.Outcome, level: ReviewLevel) -> String {
        let granted = if case .grant = outcome { true } else { false }
        return language == .zh
            ? "申领 \(ref) \(self[level.rawValue])\(granted ? "核定" : "不予批准")"
            : "claim \(ref) \(granted ? "granted" : "rejected") (\(self[level.rawValue]))"
    }

    /// A settlement as its confirmation names it.
    func settled(_ filing: String, use: String, _ outcome: String) -> String {
        language == .zh
            ? "兑付申请 \(filing) 的用券 \(use) \(self[outcome])" : "use \(use) of \(filing): \(self[outcome].lowercased())"
    }

    /// A settlement's row when its provider was suspended on the day it filed.
    func suspendedWhenFiled(from: String, reason: String) -> String {
        language == .zh
            ? "申报当日服务机构已暂停（自 \(from) 起\(reason.isEmpty ? "" : "：\(reason)")）"
            : "the provider was suspended when it filed (from \(from)\(reason.isEmpty ? "" : ": \(reason)"))"
    }

    /// A provider suspended on the day a form is shown, as the catalogue it offers marks it.
    func suspendedFrom(_ from: BusinessDate) -> String {
        language == .zh ? "已暂停（自 \(from.iso) 起）" : "suspended from \(from.iso)"
    }

    /// A provider whose suspension is recorded to begin after the form's date.
    func suspendedAhead(from: BusinessDate) -> String {
        language == .zh ? "将自 \(from.iso) 起暂停" : "to be suspended from \(from.iso)"
    }

    /// A payment, a filing, as their confirmations name them.
    func paidClaim(_ ref: String) -> String { language == .zh ? "申领 \(ref) 拨付" : "payment on claim \(ref)" }
    /// A filing as its confirmation names it, with how many of its uses were filed past their
    /// deadline (the rules mark them; the report lists them as late filings).
    func filed(_ ref: String, uses: Int, late: Int = 0) -> String {
        language == .zh
            ? "兑付申请 \(ref)（\(uses) 笔用券\(late > 0 ? "，其中 \(late) 笔已过兑付申报期限，记为逾期申报" : "")）"
            : "redemption claim \(ref) (\(uses) use\(uses == 1 ? "" : "s")"
                + (late > 0 ? "; \(late) filed past \(late == 1 ? "its" : "their") deadline, recorded as late" : "")
                + ")"
    }

    func userAdded(_ name: String) -> String { language == .zh ? "已添加用户 \(name)" : "added \(name)" }
    func userDisabled(_ name: String) -> String {
        language == .zh ? "已停用 \(name)：其令牌已撤销，会话已结束" : "disabled \(name): tokens revoked, sessions ended"
    }
    /// A change to an account, as the users page lists it: stored in English, shown in Chinese
    /// on a Chinese page (words this version does not write are shown as stored).
    func accountChange(_ change: AccountChange) -> String {
        guard let kind = change.kind else { return change.change }
        guard language == .zh else {
            // The stored English, with the role in the words the pages use.
            guard case .added(let role, let party) = kind else { return change.change }
            return "added as \(self.role(role))" + (party.map { " for \($0.kind) \($0.id)" } ?? "")
        }
        switch kind {
        case .added(let role, let party):
            let acting = party.map { "，代表\($0.kind == "applicant" ? "申请主体" : "服务机构") \($0.id)" } ?? ""
            return "添加，角色：\(self.role(role))\(acting)"
        case .tokenIssued: return "签发 API 令牌"
        case .tokensRevoked: return "撤销 API 令牌，会话已结束"
        case .disabled: return "停用：令牌已撤销，会话已结束"
        case .enabled: return "启用"
        case .passwordSet: return "设置新密码，会话已结束"
        }
    }
    /// A role as the pages name it (the provider's role has a word of its own: "provider" is
    /// also a column's heading).
    func role(_ role: Role) -> String { table["role.\(role.rawValue)"] ?? self[role.rawValue] }
    /// A funder's name as the page shows it: the city and the district in the page's language,
    /// any other as recorded.
    func funder(_ name: String) -> String { ReportWords.funder(name, language) }
    /// What a grant or matching claim has been paid, and what is left to pay on it.
    func paidAndLeft(paid: Money, left: Money) -> String {
        language == .zh
            ? "已拨付 \(paid.formatted())，待拨付 \(left.formatted())"
            : "paid \(paid.formatted()), left to pay \(left.formatted())"
    }
    func userEnabled(_ name: String) -> String { language == .zh ? "已启用 \(name)" : "enabled \(name)" }
    func passwordSet(_ name: String) -> String {
        language == .zh ? "已为 \(name) 设置新密码，其会话已结束" : "set the password of \(name); their sessions ended"
    }

    /// A reform whose file names another programme than the one replayed.
    func reformOfAnother(_ file: String, _ programme: String) -> String {
        language == .zh
            ? "调整后政策的编号为 \(file)，与所选项目 \(programme) 不同；以下按 \(programme) 的记录模拟"
            : "the changed policy's id is \(file), not \(programme), the programme chosen; it is replayed on \(programme)'s records"
    }

    /// What follows a label: a full-width colon in Chinese.
    var colon: String { language == .zh ? "：" : ": " }
    /// A year field's text that is not a year.
    func notAYear(_ text: String) -> String {
        language == .zh
            ? "年度「\(Self.short(text))」不是年份；请写 1900 至 9999 之间的四位数字，如 2022"
            : "year \"\(Self.short(text))\" is not a year; write four digits from 1900 to 9999, e.g. 2022"
    }
    /// The programme a page was asked for, which the ledger does not have.
    func unknownProgramme(_ text: String) -> String {
        language == .zh
            ? "没有项目「\(Self.short(text))」；请从列表中选择"
            : "there is no programme \"\(Self.short(text))\"; choose one from the list"
    }
    /// What an address asked for, as a message repeats it: its first 40 characters (a link may
    /// carry any text, which the page should not show at length as its own words).
    static func short(_ text: String) -> String {
        text.count > 40 ? String(text.prefix(40)).visible + "…" : text.visible
    }
    /// A note after what it qualifies: `（理由）` in Chinese, ` (reason)` in English.
    func inParentheses(_ text: String) -> String { language == .zh ? "（\(text)）" : " (\(text))" }
    func reversed(_ seq: Int64) -> String { language == .zh ? "已由事件 \(seq) 冲销" : "reversed by event \(seq)" }
    func advisedOn(_ date: String) -> String {
        language == .zh
            ? "按 \(date) 测算：创新券额度须在其年度内核定，表单日期已填为该日"
            : "as of \(date): a voucher quota is granted within its year, and the form is dated that day"
    }
    func reverses(_ seq: Int64) -> String { language == .zh ? "冲销事件 \(seq)" : "reverses event \(seq)" }
    func noLiveUse(_ ref: String) -> String {
        language == .zh
            ? "没有编号为 \(ref) 的有效用券记录（未记录或已冲销）。" : "No live use has the reference \(ref) (never recorded, or reversed)."
    }

    static let chinese: [String: String] = [
        "app": "创新券台账", "home": "首页", "signIn": "登录", "logout": "退出", "name": "用户名", "password": "密码", "language": "语言",
        "welcome": "请选择要办理的事项", "wrongPassword": "用户名或密码不正确。多次失败后，每次登录都会等待更久。",
        "myVouchers": "我的创新券", "askQuote": "测算补贴", "claims": "申领", "uses": "用券", "none": "暂无。",
        "ref": "编号", "programme": "项目", "year": "年度", "requested": "申请金额", "decisions": "审核", "state": "状态",
        "date": "日期", "provider": "服务机构", "product": "服务产品", "service": "服务金额", "service_amount": "服务金额",
        "voucher": "券额", "quote": "测算", "result": "可补贴", "quoteLead": "按现行政策测算一笔服务可得的补贴，不做任何记录。",
        "providerOfProduct": "可留空：按该服务产品登记的服务机构测算。输入名称或编号，可从已登记的产品和机构中选择。",
        "myUses": "本机构承接的用券", "file": "申请兑付", "applicant": "申请主体", "filing": "兑付申请",
        "settlement": "结算", "filingRef": "兑付申请编号", "fileSelected": "为所选用券申请兑付",
        "chooseUses": "请勾选要申请兑付的用券，并填写兑付申请编号。", "queue": "待审核的申领", "awaitingReview": "待审核", "noneWaiting": "没有待办事项。",
        "districtGrant": "区级核定", "decide": "审核", "grant": "核定", "reject": "不予批准", "reason": "理由",
        "grantNote": "核定理由（可选）", "rejectReason": "不予批准的理由", "toTypedRow": "转到所填的行",
        "reasonBesideGrant": "“不予批准”旁的理由只随不予批准记录；如需核定并说明理由，请将其写在“核定理由”栏",
        "noteBesideReject": "“核定理由”只随核定记录；如不予批准，请将理由写在“不予批准”旁",
        "toSettle": "待结算的兑付", "use": "用券", "late": "逾期申报", "settle": "结算", "paid": "全额兑付", "paidAmount": "实付",
        "reduced": "核减兑付", "rejected": "不予兑付", "amountIfReduced": "核减后金额", "amount": "金额", "report": "年度报告",
        "show": "显示", "whatIf": "政策模拟", "nothingToFile": "每笔用券都已申请兑付或已冲销；没有可申请兑付的用券。",
        "nothingToFileHere": "本页的用券都已申请兑付或已冲销；更早的用券请看下一页。",
        "nothingOwable": "这笔用券已兑付的金额中没有可再追回的部分。", "nothingOutstanding": "这笔用券没有待追回的款项。", "run": "模拟",
        "whatIfLead": "在下方修改政策文件（如补贴比例、上限），按调整后的政策重放所选年度的全部申领、用券与兑付，与实际结果并列比较。只在内存中计算，账本不做任何记录。",
        "reformPolicy": "调整后的政策文件（YAML）", "reformMissing": "请填写调整后的政策文件。", "startFrom": "以此项目的现行政策为起点",
        "load": "载入", "changedPolicy": "本页政策文件", "policies": "政策文件", "effectiveFrom": "生效日",
        "effectiveUntil": "截止日", "rate": "补贴比例", "note": "说明", "kind": "类型", "versions": "版本",
        "policyFile": "现行政策文件（可修改后安装为新文件）", "fileName": "文件名", "install": "安装",
        "policyLead": "安装的政策文件记入账本（哈希链中的一个事件），此后的申领与用券按其生效日适用；已记录的金额不变。",
        "policyMissing": "请填写政策文件。", "verify": "账本核验", "verifies": "全部事件核验通过。", "doesNotVerify": "账本核验未通过",
        "digestLead": "请将以下摘要保存在账本管理者无法更改的地方，日后在本页核对：",
        "notExtended": "账本自身的哈希链一致，但不延续所给摘要（见下）。", "compareDigest": "与此前保存的摘要核对", "digestKept": "此前保存的摘要",
        "compare": "核对",
        "notADigest": "这不是账本摘要：摘要是一行“voucher-ledger digest 1: N events, head …”，如上方所示。",
        "users": "用户", "role": "角色", "party": "所属主体", "addUser": "添加用户", "add": "添加",
        "disabled": "已停用", "active": "在用", "apiOnly": "（仅用 API 令牌，无密码，不能登录控制台）", "disable": "停用", "enable": "启用",
        "newPassword": "新密码（至少 12 个字符）", "setPassword": "设置密码", "partyHint": "企业用户填统一社会信用代码，服务机构用户填机构代码",
        "changes": "账户变更记录", "time": "北京时间", "by": "操作人",
        "change": "变更", "back": "返回首页", "yes": "是", "required": "必填", "reversedShort": "已冲销",
        "district": "区级", "city": "市级", "granted": "批准", "enterprise": "企业", "district-reviewer": "区级审核",
        "city-reviewer": "市级审核", "finance": "财务", "auditor": "审计", "admin": "管理员",
        "status401": "请先登录", "status403": "无权办理", "status404": "未找到", "status409": "与已有记录冲突",
        "status413": "提交内容过大", "status422": "未予记录", "status422read": "请求有误", "status500": "服务出错",
        "not-yours": "此页面不属于您的角色。", "csrf": "表单已过期或来源不明，请返回后重新提交。", "not-found": "没有这个页面。",
        "failed": "服务出错，账本未作任何更改。", "toPay": "待拨付的资助", "pay": "拨付", "grantedAmount": "核定金额",
        "paidSoFar": "已拨付",
        "overrideReason": "代码未通过校验仍予登记的理由", "overrideBy": "批准人",
        "apply": "申领", "newClaim": "新的申领", "project": "项目名称", "paidFees": "已支付费用",
        "applyLead": "申领创新券额度或资助：编号由本单位自定，同一编号再次提交不重复记录。配套资助须填写项目名称与已支付费用。",
        "mayGrant": "至多可核定", "validityEnded": "有效期已过，待记录额度失效", "quotas": "创新券额度", "validity": "有效期",
        "quotaLeft": "剩余额度",
        "quotaLeftNote": "剩余额度为该项目年度额度账户的当前余额：已核定额度减去已使用及已失效的部分；同一年度的各笔核定共用这一账户。",
        "recoveries": "追回", "useRef": "用券编号", "paidOnUse": "已兑付", "owedBack": "应追回", "atMost": "至多",
        "receivedBack": "已追回",
        "outstanding": "待追回", "owe": "记录应追回", "receive": "记录已追回",
        "recoveriesLead": "按用券编号查找一笔已兑付的用券，记录申请主体应退回的金额（须写明理由）及实际追回的金额。应追回不超过已兑付减已应追回的部分，已追回不超过待追回的部分。",
        "events": "账本事件", "seq": "事件号", "subject": "对象", "actor": "记录人", "reverse": "冲销", "earlier": "更早的事件",
        "latestEvents": "最新的事件",
        "firstPage": "回到第一页", "nextPage": "下一页",
        "notReversible": "不能冲销：", "remedies": "不能冲销时怎么办",
        "eventsLead":
            "账本中的全部事件，最新的在前。冲销以一个新事件记录，被冲销的事件仍留在账本中。",
        "eventsLeadAdmin":
            "规则允许冲销的事件旁有冲销表单，其余事件注明原因：依赖它的事件须先冲销；已向服务机构付款的结算以追回更正；政策、登记与预算以新的记录更正。",
        "kind.programme": "政策文件", "kind.applicant": "主体登记", "kind.provider": "机构登记", "kind.product": "产品登记",
        "kind.claim": "申领", "kind.decision": "审核", "kind.use": "用券", "kind.redemption-filed": "兑付申请",
        "kind.redemption-settled": "兑付结算", "kind.payment": "拨付", "kind.expiry": "额度失效", "kind.reversal": "冲销",
        "kind.provider-status": "机构状态", "kind.budget": "预算", "kind.recovery": "应追回", "kind.recovery-received": "已追回",
        "registry": "登记", "registryLead": "登记或更改申请主体、服务机构与服务产品，暂停或恢复服务机构。每项登记都记入账本；同一内容再次提交不重复记录。",
        "registerApplicant": "登记申请主体", "registerProvider": "登记服务机构", "registerProduct": "登记服务产品",
        "changeApplicant": "更改已登记的申请主体", "changeProvider": "更改已登记的服务机构",
        "loaded": "已载入现有登记：修改需要更改的项后提交登记；留空的项将记为空。",
        "providerStatus": "暂停或恢复服务机构", "identifier": "统一社会信用代码或团队编号", "partyName": "名称",
        "districtName": "所在区", "region": "地区", "group": "集团", "attributes": "属性（逗号分隔）", "register": "登记",
        "code": "产品编码", "productName": "产品名称", "category": "类别", "list_price": "目录价", "status": "状态",
        "fromDate": "自", "record": "记录", "suspended": "暂停", "reinstated": "恢复", "team": "创业团队",
        "budgets": "预算", "budgetLead": "记录或修订项目年度的拨款及各出资方比例；年度报告据此列示拨款、已核定、已用券、已兑付与结余。",
        "lp": "（", "rp": "）", "colon": "：",
        "decisionGranted": "核定", "decisionRejected": "不予批准", "awaitingCity": "待市级审核，市级核定后方可使用",
        "cityRequired": "须市级审核后方可使用", "cityOptional": "区级核定已生效，市级可复核",
        "optionalQueue": "区级核定已生效、市级可复核的申领", "noneRequired": "没有须市级审核的申领。",
        "requiredQueue": "须市级审核后方可使用的申领",
        "noneRequiredLater": "本页没有须市级审核的申领（这类申领排在队列最前，见第一页）。",
        "chooseOutcome": "请点击“核定”或“不予批准”作出审核", "chooseSettlement": "请选择结算方式",
        "amountWithPaid": "已填写核减后金额：如需核减，请将结算方式改为“核减兑付”；如全额兑付，请清空该金额",
        "reasonWithPaid": "已填写理由：如需核减或不予兑付，请相应选择结算方式；如全额兑付，请清空理由",
        "committedByGrants": "已核定", "leftToCommit": "可核定余额", "grantsExceedBy": "核定额超出拨款",
        "overCommitted": "拨款低于已核定的额度：在调低核定额或修订拨款之前，不能再新增或提高核定。",
        "appropriation": "拨款", "funders": "出资比例", "noBudget": "该年度尚未记录预算。", "setBudget": "记录预算",
        "shares": "出资比例（每行一项，如 市级=60%、区级=40%，或 city=60%）", "sharesExample": "市级=60%\n区级=40%", "expire": "额度失效",
        "expireLead": "将此项目中有效期在所填日期之前结束的额度余额作失效处理。",
        "nothingLapsed": "没有有效期已结束的额度余额，未作记录。",
    ]

    static let english: [String: String] = [
        "app": "Innovation voucher ledger", "home": "Home", "signIn": "Sign in", "logout": "Sign out", "name": "Name",
        "password": "Password", "language": "Language", "welcome": "What would you like to do?",
        "wrongPassword": "The name or the password is wrong. After repeated failures each attempt waits longer.",
        "myVouchers": "My vouchers", "askQuote": "Quote a subsidy", "claims": "Claims", "uses": "Uses",
        "none": "None yet.", "ref": "Ref", "programme": "Programme", "year": "Year", "requested": "Requested",
        "decisions": "Decisions", "state": "State", "date": "Date", "provider": "Provider", "product": "Product",
        "service": "Service amount", "service_amount": "Service amount", "voucher": "Voucher", "quote": "Quote",
        "result": "Subsidy", "quoteLead": "What a service would get under the policy in force; nothing is recorded.",
        "providerOfProduct": "May be left empty: the provider the product is registered to. Type a name or a code "
            + "to choose from the products and providers registered.",
        "myUses": "Vouchers used with us", "file": "File", "applicant": "Applicant", "filing": "Filing",
        "settlement": "Settlement", "filingRef": "Filing reference", "fileSelected": "File the selected uses",
        "chooseUses": "Tick the uses to file and give the filing a reference.", "queue": "Claims to review",
        "awaitingReview": "awaiting review",
        "noneWaiting": "Nothing is waiting.", "districtGrant": "District's grant", "decide": "Decide", "grant": "Grant",
        "reject": "Reject", "reason": "Reason",
        "grantNote": "Why this grant (optional)", "rejectReason": "Reason to reject",
        "toTypedRow": "Go to the row as typed",
        "reasonBesideGrant":
            "The reason beside Reject goes with a rejection only; to grant and say why, write it in \"Why this grant\"",
        "noteBesideReject": "\"Why this grant\" goes with a grant only; to reject, write the reason beside Reject",
        "toSettle": "Filings to settle", "use": "Use", "late": "Filed late",
        "settle": "Settle", "paid": "Paid", "paidAmount": "paid", "reduced": "Reduced", "rejected": "Rejected",
        "amountIfReduced": "Amount if reduced", "amount": "Amount", "report": "Annual report", "show": "Show",
        "whatIf": "What if", "role.provider": "provider",
        "nothingToFile": "Every use is filed or reversed: none is waiting to be filed.",
        "nothingToFileHere": "Every use on this page is filed or reversed; earlier uses are on the next page.",
        "nothingOwable": "Nothing paid on this use is left that could be owed back.",
        "nothingOutstanding": "Nothing owed back on this use is outstanding.", "run": "Replay",
        "whatIfLead":
            "Change the policy file below (the rate, the caps) to replay every claim, use and redemption of the year under it, side by side with what happened. It is computed in memory: nothing is recorded.",
        "reformPolicy": "The changed policy file (YAML)", "reformMissing": "Give the changed policy file.",
        "startFrom": "Start from the programme's policy in force", "load": "Load",
        "changedPolicy": "this page's policy file", "policies": "Policy files", "effectiveFrom": "From",
        "effectiveUntil": "Until", "rate": "Rate", "note": "Note", "kind": "Kind", "versions": "Versions",
        "policyFile": "The policy file in force (change it to install it as the next file)", "fileName": "File name",
        "install": "Install",
        "policyLead":
            "A policy file installed is recorded in the ledger (an event of the hash chain); claims and uses after it apply its versions by their dates. Amounts already recorded do not change.",
        "policyMissing": "Give the policy file.",
        "verify": "Verify the ledger", "verifies": "Every event verifies.",
        "doesNotVerify": "The ledger does not verify",
        "digestLead": "Keep this digest where the ledger's keepers cannot change it; check it here later:",
        "notExtended": "The ledger's own chain is consistent, but it does not extend the digest given (see below).",
        "compareDigest": "Compare with a digest kept earlier", "digestKept": "The digest kept", "compare": "Compare",
        "notADigest":
            "That is not a ledger digest: a digest is one line, “voucher-ledger digest 1: N events, head …”, as above.",
        "users": "Users", "role": "Role", "party": "Acts for", "addUser": "Add a user", "add": "Add",
        "disabled": "disabled", "active": "active", "apiOnly": " (API token only: no password to sign in here)",
        "disable": "Disable", "enable": "Enable",
        "newPassword": "New password (at least 12 characters)", "setPassword": "Set password",
        "partyHint": "An enterprise's user: its credit code; a provider's user: the provider's",
        "changes": "Changes to accounts", "time": "Time (Beijing)",
        "by": "By", "change": "Change", "back": "Back to the start", "yes": "yes", "required": "required",
        "reversedShort": "reversed", "district": "district", "city": "city", "granted": "granted",
        "enterprise": "enterprise", "district-reviewer": "district reviewer", "city-reviewer": "city reviewer",
        "finance": "finance", "auditor": "auditor", "admin": "admin", "status401": "Please sign in",
        "status403": "Not for your role", "status404": "Not found", "status409": "Conflicts with what is recorded",
        "status413": "Too large", "status422": "Not recorded",
        "status422read": "Cannot be shown", "status500": "The service failed",
        "not-yours": "This page is not for your role.",
        "csrf": "The form has expired or did not come from this site; go back and send it again.",
        "not-found": "There is no such page.", "failed": "The service failed; the ledger is unchanged.",
        "toPay": "Grants to pay", "pay": "Pay", "grantedAmount": "Granted", "paidSoFar": "Paid so far",
        "overrideReason": "Why a code that fails its check is registered all the same", "overrideBy": "Approved by",
        "apply": "Apply", "newClaim": "A new claim", "project": "Project", "paidFees": "Fees paid",
        "applyLead":
            "Apply for a voucher quota or a grant. Choose the reference; the same reference sent again records nothing new. A matching grant needs its project and the fees paid.",
        "mayGrant": "May grant", "validityEnded": "validity ended; lapses when the expiry is recorded",
        "quotas": "Voucher quotas", "validity": "Valid", "quotaLeft": "Left",
        "quotaLeftNote":
            "Left is the balance of the programme year's quota account now: what was granted less what was used and what lapsed; the grants of one year share one account.",
        "recoveries": "Money owed back", "useRef": "Use reference", "paidOnUse": "Paid", "owedBack": "Owed back",
        "atMost": "at most", "receivedBack": "Received back", "outstanding": "Not yet received",
        "owe": "Record as owed back",
        "receive": "Record as received",
        "recoveriesLead":
            "Find a paid use by its reference, then record what the applicant owes back (with the reason) and what is received back. No more can be owed back than was paid less what is owed already, and no more received than is owed and not yet received.",
        "events": "Events", "seq": "Event", "subject": "Subject", "actor": "Recorded by", "reverse": "Reverse",
        "notReversible": "Cannot be reversed: ", "remedies": "What to do instead",
        "earlier": "Earlier events", "latestEvents": "Latest events",
        "firstPage": "Back to the first page", "nextPage": "Next page",
        "eventsLead":
            "Every event of the ledger, latest first. A reversal is a new event; the event it reverses stays in the ledger.",
        "eventsLeadAdmin":
            " The events the rules let be reversed now have a form; beside the others is why not: what depends on an event is reversed first, a settlement that paid the provider is corrected by money owed back, and policies, registrations and budgets by a new record.",
        "kind.programme": "policy file", "kind.applicant": "applicant registered",
        "kind.provider": "provider registered",
        "kind.product": "product registered", "kind.claim": "claim", "kind.decision": "decision", "kind.use": "use",
        "kind.redemption-filed": "redemption filed", "kind.redemption-settled": "redemption settled",
        "kind.payment": "payment", "kind.expiry": "quotas lapsed", "kind.reversal": "reversal",
        "kind.provider-status": "provider status", "kind.budget": "budget", "kind.recovery": "owed back",
        "kind.recovery-received": "received back", "registry": "Registrations",
        "registryLead":
            "Register applicants, providers and products, or change their details; suspend or reinstate a provider. Each is recorded in the ledger; the same form sent again records nothing new.",
        "registerApplicant": "Register an applicant", "registerProvider": "Register a provider",
        "changeApplicant": "Change a registered applicant", "changeProvider": "Change a registered provider",
        "loaded": "Loaded as registered: change what differs and register; a field left empty is recorded empty.",
        "registerProduct": "Register a product", "providerStatus": "Suspend or reinstate a provider",
        "identifier": "Credit code or team number", "partyName": "Name", "districtName": "District",
        "region": "Region", "group": "Group", "attributes": "Attributes (comma-separated)", "register": "Register",
        "code": "Product code", "productName": "Product name", "category": "Category", "list_price": "List price",
        "status": "Status", "fromDate": "From", "record": "Record", "suspended": "suspend", "reinstated": "reinstate",
        "team": "start-up team", "budgets": "Budgets",
        "budgetLead":
            "Record or revise a programme year's appropriation and its funders' shares; the annual report shows it appropriated, committed, used, paid and left.",
        "lp": " (", "rp": ")", "colon": ": ",
        "decisionGranted": "granted", "decisionRejected": "rejected",
        "awaitingCity": "awaiting the city's review; usable once it grants",
        "cityRequired": "usable once the city grants it", "cityOptional": "in force; the city may review it",
        "optionalQueue": "Claims in force on the district's grant, which the city may review",
        "requiredQueue": "Claims usable once the city grants them",
        "noneRequired": "No claim awaits the city's review before it may be used.",
        "noneRequiredLater":
            "No claim on this page awaits the city's review before it may be used (such claims are listed first in "
            + "the queue: see the first page).",
        "chooseOutcome": "Press Grant or Reject to decide", "chooseSettlement": "Choose how to settle",
        "amountWithPaid": "An amount after reduction is given: choose Reduced to pay it, or clear it to pay in full",
        "reasonWithPaid": "A reason is given: choose Reduced or Rejected, or clear it to pay in full",
        "committedByGrants": "Granted", "leftToCommit": "Left to grant", "grantsExceedBy": "Grants exceed it by",
        "overCommitted":
            "The appropriation is below what is granted already: no grant can be made or raised until grants are lowered or the appropriation is revised.",
        "appropriation": "Appropriation", "funders": "Funders' shares",
        "noBudget": "No budget is recorded for the year.",
        "setBudget": "Record the budget", "shares": "Funders' shares (one a line, e.g. city=60%, district=40%)",
        "sharesExample": "city=60%\ndistrict=40%",
        "expire": "Lapse quotas",
        "expireLead": "Lapse what is left of the programme's quotas whose validity ended before the date.",
        "nothingLapsed": "No quota's validity had ended with anything left: nothing was recorded.",
    ]
}
