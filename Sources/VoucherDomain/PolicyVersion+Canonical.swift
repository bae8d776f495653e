// MARK: - The canonical form of a policy version, whose hash pins it

extension PolicyVersion {
    /// Every parameter of the version, with its source, in ``CanonicalJSON``; its SHA-256 is the
    /// version's content hash, which each event that used the version records.
    public func canonical(programme: ProgrammeID, kind: ProgrammeKind) -> CanonicalJSON {
        func sourced<Value>(_ value: Sourced<Value>?, _ encode: (Value) -> CanonicalJSON) -> CanonicalJSON {
            guard let value else { return .null }
            return .object([
                "value": encode(value.value),
                "source": value.source.map { source in
                    var members: [String: CanonicalJSON] = [
                        "basis": .string(source.basis.rawValue), "clause": .string(source.clause),
                    ]
                    // Added after versions without it were pinned by events: present only when set.
                    if let zh = source.clauseZh { members["clause_zh"] = .string(zh) }
                    return .object(members)
                }
                    ?? .null,
            ])
        }
        let money = { (amount: Money) in CanonicalJSON.money(amount) }
        let strings = { (items: Set<String>) in CanonicalJSON.array(items.sorted().map { .string($0) }) }
        var perApplicant: [String: CanonicalJSON] = [:]
        for (applicantKind, cap) in caps.perApplicantPerYear {
            perApplicant[applicantKind.rawValue] = sourced(cap, money)
        }
        var eligibilityKeys: [String: CanonicalJSON] = [
            "applicant_kinds": sourced(eligibility.applicantKinds) {
                .array($0.map(\.rawValue).sorted().map { .string($0) })
            },
            "product_categories": sourced(eligibility.productCategories, strings),
            "provider_regions": sourced(eligibility.providerRegions, strings),
        ]
        // Keys added after versions without them were pinned by events: present only when set, so
        // that every version written before keeps its hash.
        if eligibility.applicantDistricts != nil {
            eligibilityKeys["applicant_districts"] = sourced(eligibility.applicantDistricts, strings)
        }
        if eligibility.applicantAttributes != nil {
            eligibilityKeys["applicant_attributes"] = sourced(eligibility.applicantAttributes, strings)
        }
        if eligibility.invoiceRequired != nil {
            eligibilityKeys["invoice_required"] = sourced(eligibility.invoiceRequired) { .bool($0) }
        }
        var members: [String: CanonicalJSON] = [
            "format": .string("voucher-ledger/policy-version/1"),
            "programme": .string(programme.value),
            "kind": .string(kind.rawValue),
            "effective_from": .string(effectiveFrom.iso),
            "effective_until": .optional(effectiveUntil?.iso),
            "rate": sourced(rate) { .int($0.basisPoints) },
            "caps": .object([
                "per_applicant_per_year": .object(perApplicant),
                "per_group_per_year": sourced(caps.perGroupPerYear, money),
                "per_use": sourced(caps.perUse, money),
                "per_project": sourced(caps.perProject, money),
                "budget_per_year": sourced(caps.budgetPerYear, money),
            ]),
            "rounding": sourced(rounding) { .string($0.canonicalText) },
            "quota_validity": sourced(quotaValidity) {
                switch $0 {
                case .endOfYear: .string("end of year")
                case .months(let months): .string("\(months) months")
                }
            },
            "redemption": .object([
                "deadline_days": sourced(redemption.deadlineDays) { .int(Int64($0)) },
                "unpaid": sourced(redemption.unpaidAmount) { .string($0.rawValue) },
            ]),
            "eligibility": .object(eligibilityKeys),
            "tax_base": sourced(taxBase) {
                switch $0 {
                case .inclusive: .string("inclusive")
                case .exclusive(let vat): .string("exclusive \(vat)")
                }
            },
            "note": .optional(note),
        ]
        // Added after versions without them were pinned by events: present only when set.
        if let noteZh { members["note_zh"] = .string(noteZh) }
        if let levels = requiredReviewLevels {
            members["review"] = .object([
                "required_levels": sourced(levels) { .array($0.map { .string($0.rawValue) }) }
            ])
        }
        return .object(members)
    }
}
