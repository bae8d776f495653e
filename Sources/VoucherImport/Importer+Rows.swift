import VoucherDomain

/// What each kind of file's row records: its fields read and checked (every refusal recorded on
/// `fields`), nothing decided against the ledger.
extension Importer {
    func parse(_ fields: inout RowFields, kind: ImportKind) -> Row? {
        switch kind {
        case .enterprises: applicant(&fields)
        case .providers: provider(&fields)
        case .products: product(&fields)
        case .claims: claim(&fields)
        case .uses: use(&fields)
        case .redemptions: redemption(&fields)
        }
    }

    /// A row of enterprises.csv: an applicant, enterprise or team, with its attributes.
    private func applicant(_ fields: inout RowFields) -> Row? {
        let kindText = fields.required("kind")?.lowercased()
        let applicantKind = kindText.flatMap { ApplicantKind(rawValue: $0) }
        if let kindText, applicantKind == nil {
            fields.fail(
                "kind",
                kindText,
                "is not a kind; use enterprise or team",
                zh: "不是申请主体类型；请用 enterprise（企业）或 team（团队）"
            )
        }
        let identifier: PartyIdentifier? =
            applicantKind == .team ? fields.teamNumber("id") : fields.creditCode("id")
        var attributes: [String] = []
        for part in (fields.optional("attributes") ?? "").split(separator: ";") {
            let name = part.trimmingCharacters(in: .whitespaces)
            if name.isEmpty { continue }
            if ApplicantRegistration.isAttributeName(name) {
                attributes.append(name)
            } else {
                fields.fail(
                    "attributes",
                    name,
                    "is not an attribute name; use lower-case letters, digits and hyphens, e.g. tech-sme; "
                        + "separate several with ;",
                    zh: "不是属性名；请用小写字母、数字和连字符，如 tech-sme；多个属性以 ; 分隔"
                )
            }
        }
        guard let name = fields.required("name"), let applicantKind, let identifier else { return nil }
        return .applicant(
            ApplicantRegistration(
                identifier: identifier,
                kind: applicantKind,
                name: name,
                district: fields.optional("district") ?? "",
                region: fields.optional("region") ?? "",
                group: fields.optional("group"),
                attributes: attributes
            )
        )
    }

    /// A row of providers.csv: a service provider.
    private func provider(_ fields: inout RowFields) -> Row? {
        guard let identifier = fields.creditCode("id"), let name = fields.required("name"),
            let region = fields.required("region")
        else { return nil }
        return .provider(ProviderRegistration(identifier: identifier, name: name, region: region.lowercased()))
    }

    /// A row of products.csv: a catalogued product of a provider.
    private func product(_ fields: inout RowFields) -> Row? {
        guard let code = fields.required("code"), let provider = fields.required("provider_id"),
            let name = fields.required("name"), let category = fields.required("category"),
            let price = fields.money("list_price")
        else { return nil }
        return .product(
            ProductRegistration(code: code, providerID: provider, name: name, category: category, listPrice: price)
        )
    }

    /// A row of claims.csv: a claim, and its decision when the row states one.
    private func claim(_ fields: inout RowFields) -> Row? {
        let ref = fields.required("ref")
        let applicant = fields.required("applicant_id")
        let programme = fields.programme("programme")
        let year = fields.year("year")
        let requested = fields.money("requested")
        let decision = fields.required("decision")?.lowercased()
        let decidedOn = fields.optional("decided_on").flatMap { _ in fields.date("decided_on") }
        let claimedOn = fields.optional("claimed_on").flatMap { _ in fields.date("claimed_on") }
        let paid = fields.optional("paid").flatMap { _ in fields.money("paid") }
        let levelText = fields.optional("level")?.lowercased() ?? "district"
        let level = ReviewLevel(rawValue: levelText)
        if level == nil {
            fields.fail(
                "level",
                levelText,
                "is not a review level; use district or city",
                zh: "不是审核层级；请用 district（区级）或 city（市级）"
            )
        }
        var outcome: DecisionRequest.Outcome?
        switch decision {
        case "granted":
            if fields.optional("granted") == nil {
                fields.fail("granted", "", "a granted claim needs the amount granted", zh: "核定的申领须填写核定金额")
            } else if let granted = fields.money("granted") {
                outcome = .grant(granted)
            }
        case "rejected":
            outcome = .reject(reason: fields.optional("reason") ?? "rejected")
        case "pending", nil:
            break
        case let other?:
            fields.fail(
                "decision",
                other,
                "is not a decision; use granted, rejected or pending",
                zh: "不是审核决定；请用 granted（核定）、rejected（不予批准）或 pending（待审核）"
            )
        }
        if outcome != nil && decidedOn == nil && fields.optional("decided_on") == nil {
            fields.fail("decided_on", "", "a decided claim needs the date it was decided", zh: "已审核的申领须填写审核日期")
        }
        guard let ref, let applicant, let programme, let year, let requested, let level else { return nil }
        let claim = ClaimRequest(
            ref: ref,
            applicantID: applicant,
            programme: programme,
            year: year,
            requested: requested,
            project: fields.optional("project"),
            paid: paid
        )
        let claimDate = claimedOn ?? decidedOn ?? (try? BusinessDate(year: year, month: 1, day: 1))
        guard let claimDate else { return nil }
        if claimedOn == nil, decidedOn == nil, claimDate > fields.today {
            // Dated by its year alone, the claim would be dated ahead: say which column to fill in.
            fields.fail(
                "claimed_on",
                "",
                "is empty, and so is decided_on: the claim would be dated 1 January \(year), which is after today "
                    + "(\(fields.today.iso), Beijing time); write the day it was claimed",
                zh: "为空，decided_on 也为空：申领将记为 \(year) 年 1 月 1 日，晚于今天（北京时间 \(fields.today.iso)）；"
                    + "请写明申领日期"
            )
            return nil
        }
        if let outcome, let decidedOn {
            return .claim(
                claim,
                claimedOn: claimDate,
                decision: (
                    DecisionRequest(
                        claimRef: ref,
                        level: level,
                        outcome: outcome,
                        reviewer: fields.optional("reviewer") ?? actor,
                        // Why a grant is what it is: its own column, since `reason` on a granted
                        // row was never recorded, and a file imported before must import again
                        // as it did.
                        note: outcome.reason == nil ? fields.optional("grant_reason") : nil
                    ),
                    decidedOn
                )
            )
        }
        return .claim(claim, claimedOn: claimDate, decision: nil)
    }

    /// A row of uses.csv: a use of a quota at a provider.
    private func use(_ fields: inout RowFields) -> Row? {
        let ref = fields.required("ref")
        let applicant = fields.required("applicant_id")
        let provider = fields.required("provider_id")
        let product = fields.required("product_code")
        let programme = fields.programme("programme")
        let amount = fields.money("service_amount")
        let usedOn = fields.date("used_on")
        let eligible = fields.optional("eligible_amount").flatMap { _ in fields.money("eligible_amount") }
        let tax = fields.optional("tax_amount").flatMap { _ in fields.money("tax_amount") }
        guard let ref, let applicant, let provider, let product, let programme, let amount, let usedOn else {
            return nil
        }
        return .use(
            UseRequest(
                ref: ref,
                applicantID: applicant,
                providerID: provider,
                productCode: product,
                programme: programme,
                serviceAmount: amount,
                project: fields.optional("project"),
                eligibleAmount: eligible,
                taxAmount: tax,
                invoice: fields.optional("invoice")
            ),
            on: usedOn
        )
    }

    /// A row of redemptions.csv: a provider's filing for a use and its settlement.
    private func redemption(_ fields: inout RowFields) -> Row? {
        let ref = fields.required("ref")
        let useRef = fields.required("use_ref")
        let outcomeText = fields.required("outcome")?.lowercased()
        let paidOn = fields.date("paid_on")
        let filedOn = fields.optional("filed_on").flatMap { _ in fields.date("filed_on") }
        let reason = fields.optional("reason")
        var outcome: SettlementRequest.Outcome?
        switch outcomeText {
        case "paid":
            outcome = .paid
        case "reduced":
            let amount = fields.optional("amount") == nil ? nil : fields.money("amount")
            if fields.optional("amount") == nil {
                fields.fail("amount", "", "a reduced redemption needs the amount paid", zh: "核减兑付须填写实付金额")
            }
            if reason == nil { fields.fail("reason", "", "a reduced redemption needs the reason", zh: "核减兑付须写明理由") }
            if let amount, let reason { outcome = .reduced(paid: amount, reason: reason) }
        case "rejected":
            if let reason {
                outcome = .rejected(reason: reason)
            } else {
                fields.fail("reason", "", "a rejected redemption needs the reason", zh: "不予兑付须写明理由")
            }
        case nil:
            break
        case let other?:
            fields.fail(
                "outcome",
                other,
                "is not an outcome; use paid, reduced or rejected",
                zh: "不是结算方式；请用 paid（全额兑付）、reduced（核减兑付）或 rejected（不予兑付）"
            )
        }
        var stated: Money?
        if case .paid = outcome, fields.optional("amount") != nil { stated = fields.money("amount") }
        guard let ref, let useRef, let outcome, let paidOn else { return nil }
        return .redemption(
            ref: ref,
            useRef: useRef,
            outcome: outcome,
            statedAmount: stated,
            paidOn: paidOn,
            filedOn: filedOn
        )
    }
}
