// MARK: - Explanations in Chinese and English

extension SubsidyDecision {
    /// One short line per term, then the result.
    ///
    /// ```
    /// 50% × 240,000.00 = 120,000.00  [seed: 杨科两会〔2023〕21号 第六条]
    /// 剩余额度 100,000.00（2022-03-01 核定，有效至 2022-12-31） ← 约束
    /// 补贴 100,000.00
    /// ```
    ///
    /// - Parameter citing: whether each line ends with the clause its value comes from.
    public func explanation(_ language: Language, citing: Bool = true) -> [String] {
        let words = Words(language)
        if let ineligibility {
            return [words.ineligible(ineligibility), words.result(.zero, limit: isGrantLimit)]
        }
        var lines: [String] = []
        for term in terms {
            var line = words.term(term)
            if term.limits && term.kind == binding {
                line += words.bindingMark
            }
            if citing, let source = term.source {
                line += "  [\(source.text(language))]"
            }
            lines.append(line)
        }
        lines.append(words.result(amount, limit: isGrantLimit))
        return lines
    }

    /// The explanation on one line, without citations:
    /// `50% × 240,000.00 = 120,000.00 · 剩余额度 100,000.00 ← 约束 · 补贴 100,000.00`.
    public func summary(_ language: Language) -> String {
        explanation(language, citing: false).joined(separator: " · ")
    }
}

/// The phrases of an explanation, in one language.
private struct Words {
    let language: Language

    init(_ language: Language) { self.language = language }

    /// The line in this language; only that one is put together.
    private func pick(_ zh: @autoclosure () -> String, _ en: @autoclosure () -> String) -> String {
        language == .zh ? zh() : en()
    }

    var bindingMark: String { pick(" ← 约束", " ← binding") }

    func result(_ amount: Money, limit: Bool) -> String {
        (limit ? pick("可核定至多 ", "grantable up to ") : pick("补贴 ", "subsidy ")) + amount.formatted()
    }

    func term(_ term: Term) -> String {
        let value = term.value.formatted()
        switch term.detail {
        case .amount:
            return pick("申请金额 ", "requested ") + value
        case .eligiblePart(let whole):
            return pick(
                "可补贴部分 \(value)（服务金额 \(whole.formatted())）",
                "eligible part \(value) (of service amount \(whole.formatted()))"
            )
        case .taxDeducted(let gross, let tax):
            return pick("不含税金额 ", "tax-exclusive base ") + "\(gross.formatted()) − \(tax.formatted()) = \(value)"
        case .taxDivided(let gross, let vat):
            return pick("不含税金额 ", "tax-exclusive base ")
                + "\(gross.formatted()) ÷ (1 + \(vat)) = \(value)"
        case .rate(let rate, let base, let rounding):
            let exact = Self.exactProduct(rate: rate, base: base)
            var line = "\(rate) × \(base.formatted()) = "
            if exact == value {
                line += value
            } else {
                let rule = roundingName(rounding)
                line += "\(exact) → \(value)" + pick("（\(rule)）", " (\(rule))")
            }
            return line
        case .cap:
            return label(term.kind, applicantKind: nil) + " " + value
        case .capLeft(let cap, let counted, let applicantKind):
            let name = label(term.kind, applicantKind: applicantKind)
            return "\(name) \(cap.formatted()) − \(counted.formatted()) = \(value)"
        case .quota(let quota):
            return pick(
                "剩余额度 \(value)（\(quota.grantedOn) 核定 \(quota.granted.formatted())，有效至 \(quota.validUntil)）",
                "quota left \(value) (granted \(quota.granted.formatted()) on \(quota.grantedOn), valid to \(quota.validUntil))"
            )
        }
    }

    private func label(_ kind: Term.Kind, applicantKind: ApplicantKind?) -> String {
        switch kind {
        case .perUseCap: pick("单次上限", "per-use cap")
        case .projectCapLeft: pick("项目剩余上限", "project cap left")
        case .applicantCapLeft:
            applicantKind == .team
                ? pick("团队年度剩余上限", "team's annual cap left") : pick("企业年度剩余上限", "enterprise's annual cap left")
        case .groupCapLeft: pick("集团年度剩余上限", "group's annual cap left")
        case .budgetLeft: pick("年度预算剩余", "annual budget left")
        case .requested, .eligiblePart, .taxExclusive, .rate, .quotaLeft: kind.rawValue
        }
    }

    private func roundingName(_ rounding: Rounding) -> String {
        let unit = rounding.unit == .fen ? pick("分", "fen") : pick("元", "yuan")
        return switch rounding.mode {
        case .down: pick("向下取整到\(unit)", "down to the \(unit)")
        case .halfUp: pick("四舍五入到\(unit)", "half-up to the \(unit)")
        case .halfEven: pick("银行家舍入到\(unit)", "half-even to the \(unit)")
        }
    }

    /// `rate × base` exactly, in yuan with as many decimals as it needs (at least two).
    static func exactProduct(rate: Rate, base: Money) -> String {
        // fen × basis points is in millionths of a yuan.
        let product = Int128(base.fen) * Int128(rate.basisPoints)
        let magnitude = product < 0 ? -product : product
        let whole = Money(fen: Int64(clamping: magnitude / 1_000_000 * 100)).formatted().dropLast(3)
        var fraction = String(magnitude % 1_000_000)
        fraction = String(repeating: "0", count: 6 - fraction.count) + fraction
        while fraction.count > 2 && fraction.last == "0" { fraction.removeLast() }
        return (product < 0 ? "-" : "") + whole + "." + fraction
    }

    func ineligible(_ reason: Ineligibility) -> String {
        func list(_ items: [String]) -> String { items.joined(separator: pick("、", ", ")) }
        func cite(_ source: Source?) -> String { source.map { "  [\($0.text(language))]" } ?? "" }
        switch reason {
        case .noPolicyInForce(let date):
            return pick("不符合条件：\(date) 没有生效的政策版本", "not eligible: no policy version is in force on \(date)")
        case .wrongProgrammeKind(let programme, let requested):
            return pick(
                "不符合条件：该项目为 \(programme.rawValue) 类，不受理 \(requested.rawValue) 类申请",
                "not eligible: this is a \(programme.rawValue) programme, not \(requested.rawValue)"
            )
        case .applicantKind(let kind, let allowed, let source):
            return pick(
                "不符合条件：申请主体类型 \(kind.rawValue) 不在 \(list(allowed.map(\.rawValue))) 之列",
                "not eligible: applicant kind \(kind.rawValue) is not one of \(list(allowed.map(\.rawValue)))"
            )
                + cite(source)
        case .productCategory(let category, let allowed, let source):
            return pick(
                "不符合条件：产品类别“\(category)”不在可补贴类别（\(list(allowed))）内",
                "not eligible: product category \"\(category)\" is not one of \(list(allowed))"
            ) + cite(source)
        case .providerRegion(let region, let allowed, let source):
            return pick(
                "不符合条件：服务机构所在地区“\(region)”不在 \(list(allowed)) 之列",
                "not eligible: provider region \"\(region)\" is not one of \(list(allowed))"
            ) + cite(source)
        case .noQuota:
            return pick("不符合条件：申请主体没有已核定的创新券额度", "not eligible: the applicant has no granted quota")
        case .quotaNotYetValid(let validFrom):
            return pick("不符合条件：额度自 \(validFrom) 起方可使用", "not eligible: the quota is usable from \(validFrom)")
        case .quotaExpired(let validUntil):
            return pick("不符合条件：额度已于 \(validUntil) 到期", "not eligible: the quota expired after \(validUntil)")
        }
    }
}

extension Ineligibility {
    /// Why a request is not eligible, as an explanation's line says it in `language`.
    public func text(_ language: Language) -> String { Words(language).ineligible(self) }
}
