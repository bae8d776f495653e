// MARK: - A refusal in the reader's language

extension LedgerError {
    /// What the engine found ineligible (`record`: `use U-1`, `claim C-1`), in its words in both
    /// languages, and which rule.
    static func notEligible(_ record: LocalizedText, _ decision: SubsidyDecision, _ why: Ineligibility) -> LedgerError {
        .notEligible(
            reason: LocalizedText(
                zh: record.zh + "：" + decision.summary(.zh),
                en: record.en + ": " + decision.summary(.en)
            ),
            why: why
        )
    }

    /// The refusal in `language`: ``description`` in English; in Chinese, the same facts and the
    /// same advice, for the console's Chinese pages. A field's own check (`invalid`) or a policy
    /// file's that has no Chinese words keeps its English reason inside a Chinese frame.
    public func text(_ language: Language) -> String {
        language == .en ? description : chinese
    }

    private var chinese: String {
        switch self {
        case .cannotCreate(let path):
            "无法创建账本文件 \(path)；请确认文件夹存在且可写入"
        case .invalid(let field, let value, let reason, let zh):
            switch (zh, value.isEmpty) {
            case (let zh?, true): "\(Self.fieldZh(field))\(zh)"
            case (let zh?, false): "\(Self.fieldZh(field))「\(value)」：\(zh)"
            case (nil, _): "\(Self.fieldZh(field))「\(value)」无效：\(reason)"
            }
        case .unknownProgramme(let id):
            "没有项目「\(id)」"
        case .unknownApplicant(let id):
            Self.mistypedCode(id).map { "没有申请主体「\(id)」：其校验码应为 \($0)，请核对代码" } ?? "没有申请主体「\(id)」；请先登记该企业或团队"
        case .unknownProvider(let id):
            Self.mistypedCode(id).map { "没有服务机构「\(id)」：其校验码应为 \($0)，请核对代码" } ?? "没有服务机构「\(id)」；请先登记该服务机构"
        case .unknownProduct(let code, let registered?):
            "没有服务产品「\(code)」；已登记的产品编码「\(registered)」与之仅字母大小写不同，请按登记的写法填写"
        case .unknownProduct(let code, nil):
            "没有服务产品「\(code)」；请核对产品编码，或先登记该产品"
        case .productOfAnotherProvider(let product, let provider, let expected):
            "服务产品「\(product)」由服务机构 \(expected) 提供，而非 \(provider)"
        case .unknownClaim(let ref):
            "没有申领「\(ref)」"
        case .unknownUse(let ref):
            "没有用券记录「\(ref)」"
        case .unknownRedemption(let ref):
            "没有兑付申请「\(ref)」"
        case .unknownEvent(let seq):
            "没有事件 \(seq)"
        case .wrongProgrammeKind(let programme, let kind, let operation):
            "\(programme) 是\(Self.kindZh(kind))类项目，不适用\(Self.operationZh(operation))"
        case .referenceTaken(let kind, let ref, let event):
            "\(Self.recordZh(kind))编号「\(ref)」已被事件 \(event) 使用；请使用新编号"
        case .resubmittedAfterReversal(let kind, let ref, let event, let reversal):
            "\(Self.recordZh(kind))「\(ref)」已记为事件 \(event)，并已被事件 \(reversal) 冲销；本次未记录。如需再次记录，请使用新编号"
        case .decisionAfterProgrammeYear(let claim, let year, let date):
            "申领 \(claim)：\(year) 年度的额度不能在项目年度结束后的 \(date.iso) 核定（\(year) 年度额度仅在当年可用）；"
                + "请驳回，或按当前年度申领"
        case .policyRevisionChangesRecordedEvents(let programme, let date, let events):
            "\(programme)：此修订将改变 \(date.iso) 生效的政策版本，已有 \(events) 个事件适用该版本；"
                + "新版本只能在其影响的最后一个事件之后生效"
        case .policyFileCurrent(let programme, let event):
            "该文件已是 \(programme) 现行的政策文件（由事件 \(event) 安装）；未重复安装。修订政策请修改文件内容"
        case .refusedByLedger(let message):
            "账本拒绝：\(message)"
        case .idempotencyConflict(let key, let firstEvent):
            "幂等键「\(key)」已由事件 \(firstEvent) 以不同内容记录；请使用新键，或提交完全相同的内容"
        case .claimExists(let applicant, let programme, let year, let ref, let name):
            "\(applicant) 在 \(year) 年度的\(name.map { "\($0.zh)（\(programme)）" } ?? " \(programme) ")已有申领 \(ref)；请先审核或冲销该申领"
        case .decisionOrder(let claim, let reason):
            "申领 \(claim)：\(reason.zh)"
        case .datedBefore(let record, let date, let earlier, let earlierDate):
            "\(Self.eventZh(record))日期 \(date.iso) 早于其所依据的\(earlier.zh)（\(earlierDate.iso)）；"
                + "\(Self.eventZh(record))的日期不得早于其所依据的记录：请更正日期"
        case .grantOverLimit(let claim, let granted, let limit, let explanation):
            "申领 \(claim)：不能核定 \(granted)，最多可核定 \(limit) — " + explanation.zh
        case .notEligible(let reason, _), .applicantNotEligible(let reason, nil):
            reason.zh
        case .applicantNotEligible(let reason, let remedy?):
            reason.zh + "；" + remedy.zh
        case .providerSuspended(let provider, let from, let reason, let date):
            "服务机构 \(provider) 自 \(from.iso) 起暂停（\(reason)），\(date.iso) 不能承接创新券；恢复后方可使用"
        case .overBudget(let claim, let granted, let left, let appropriated, let event):
            "申领 \(claim)：不能核定 \(granted.formatted())；该项目年度的拨款（\(appropriated.formatted())，事件 \(event)）"
                + "扣除其他核定额后仅余 \(left.formatted())。请减少核定额，或记录修订后的拨款"
        case .awaitingReview(let claim, let level, let rule, let operation):
            "申领 \(claim) 等待\(Self.levelZh(level))审核（\(rule.zh)）；\(Self.levelZh(level))核定之前，其额度不能"
                + (operation == "paid" ? "拨付" : "使用")
        case .invoiceFunded(let invoice, let provider, let use, let programme):
            "服务机构 \(provider) 的发票 \(invoice) 已用于用券 \(use)（\(programme)）；同一张发票在各项目中只能使用一次。"
                + "如系误录，请先冲销该用券"
        case .nothingToPay(let explanation):
            "无可补贴金额，未记录用券：" + explanation.zh
        case .redemption(let use, let reason):
            "用券 \(use)：\(reason.zh)"
        case .settlementOverUse(let use, let used, let paid):
            "用券 \(use)：不能兑付 \(paid)，超过用券金额 \(used)"
        case .paymentOverGrant(let claim, let left, let requested):
            "申领 \(claim)：不能拨付 \(requested)；核定额仅余 \(left) 待拨付"
        case .negativeBalance(let account, let balance, let change):
            "账户 \(account) 将低于零：余额 \(balance)，变动 \(change)"
        case .notReversible(let event, let reason, let remedy):
            "事件 \(event) 不能冲销：\(reason.zh)" + (remedy.map { "；" + $0.zh } ?? "")
        case .alreadyReversed(let event, let by):
            "事件 \(event) 已被事件 \(by) 冲销；一个事件最多冲销一次"
        case .policy(let error):
            "政策文件" + (error.file == nil ? "：" : "") + error.text(.zh)
        case .money(let error):
            error.zh
        case .internalInconsistency(let detail):
            "内部不一致：\(detail)；请连同账本文件报告此问题"
        }
    }

    public static func kindZh(_ kind: ProgrammeKind) -> String {
        switch kind {
        case .voucher: "创新券"
        case .matching: "配套资助"
        case .grant: "资助"
        }
    }

    /// A field as a Chinese refusal names it: the command line's option, the console's label.
    private static func fieldZh(_ field: String) -> String {
        switch field {
        case "uses": "用券"
        case "year": "年度"
        case "amount": "金额"
        case "requested": "申请金额"
        case "granted": "核定金额"
        case "override_reason": "人工核准理由"
        case "override_by": "核准人"
        case "paid": "实际支付金额"
        case "reason": "理由"
        case "share": "出资比例"
        case "date": "日期"
        case "from": "起始日期"
        case "invoice": "发票号码"
        case "project": "项目名称"
        case "name": "名称"
        case "region": "地区"
        case "district": "所在区"
        case "category": "类别"
        case "code": "产品编码"
        case "provider_id": "服务机构"
        case "id": "编号"
        case "ref": "编号"
        case "list_price": "目录价"
        case "service_amount": "服务金额"
        case "attributes": "属性"
        case "policy": "政策文件"
        case "kind": "类型"
        case "actor": "记录人"
        case "recorded_at": "记录时间"
        case "db": "账本文件"
        case "programme": "项目"
        case "use": "用券"
        case "claim": "申领"
        case "eligible_amount": "合规金额"
        case "tax_amount": "税额"
        case "reviewer": "审核人"
        case "key": "幂等键"
        case "digest": "摘要"
        default: field
        }
    }

    /// An operation a programme's kind does not allow, as ``LedgerError/wrongProgrammeKind`` names it.
    private static func operationZh(_ operation: String) -> String {
        switch operation {
        case "a voucher use": "用券"
        case "expiry": "额度失效"
        case "a payment (vouchers are redeemed by providers)": "拨付（创新券由服务机构申请兑付）"
        default: "此操作（\(operation)）"
        }
    }

    private static func levelZh(_ level: ReviewLevel) -> String { level == .district ? "区级" : "市级" }

    /// A record as a reference or an import's key names it (`claim`, `use`, `redemption claim`,
    /// `settlement`, …), in Chinese; a kind it does not know, as given.
    public static func recordZh(_ kind: String) -> String {
        switch kind {
        case "claim": "申领"
        case "use": "用券"
        case "redemption claim", "redemption", "redemption-filed": "兑付申请"
        case "settlement": "结算"
        case "payment": "拨付"
        case "decision": "审核"
        default: kind
        }
    }

    /// A kind of event as a Chinese refusal names it.
    public static func eventZh(_ kind: EventKind) -> String {
        switch kind {
        case .programme: "政策文件"
        case .applicant: "主体登记"
        case .provider: "机构登记"
        case .product: "产品登记"
        case .expiry: "额度失效"
        case .reversal: "冲销"
        case .providerStatus: "机构状态"
        case .budget: "预算"
        case .claim: "申领"
        case .decision: "审核"
        case .use: "用券"
        case .redemptionFiled: "兑付申请"
        case .redemptionSettled: "结算"
        case .payment: "拨付"
        case .recovery: "应追回"
        case .recoveryReceived: "已追回"
        }
    }
}

extension LedgerError {
    /// An unknown party's id that is 18 characters of a credit code whose last does not check:
    /// the character it should be (a typing mistake, not a party to register).
    public static func mistypedCode(_ id: String) -> Character? {
        let text = id.uppercased()
        guard text.count == 18, let expected = UnifiedSocialCreditCode.checkCharacter(for: String(text.prefix(17))),
            text.last != expected
        else { return nil }
        return expected
    }
}
