// MARK: - Claims

/// A claim as recorded: what the `claim` fact row and the claim event's payload hold.
public struct ClaimFact: Sendable, Hashable {
    public var ref: String
    public var applicantID: String
    public var programme: ProgrammeID
    public var year: Int
    public var requested: Money
    /// Matching: the project (the applicant's own) the fees were paid for.
    public var project: String?
    /// Matching: the amount actually paid.
    public var paid: Money?

    public init(
        ref: String,
        applicantID: String,
        programme: ProgrammeID,
        year: Int,
        requested: Money,
        project: String? = nil,
        paid: Money? = nil
    ) {
        self.ref = ref
        self.applicantID = applicantID
        self.programme = programme
        self.year = year
        self.requested = requested
        self.project = project
        self.paid = paid
    }

    /// The payload the claim event hashes.
    public var payload: CanonicalJSON {
        .object([
            "ref": .string(ref), "applicant": .string(applicantID), "programme": .string(programme.value),
            "year": .int(Int64(year)), "requested": .money(requested), "project": .optional(project),
            "paid": paid.map { .money($0) } ?? .null,
        ])
    }
}

extension Lifecycle {
    /// The claim checked on its own: a reference, a plausible year, no amount below zero.
    public static func submission(of request: ClaimRequest) throws(LedgerError) -> ClaimFact {
        let ref = try reference(request.ref, field: "ref")
        guard (1900...9999).contains(request.year) else {
            throw .invalid(field: "year", value: "\(request.year)", reason: "is not a year", zh: "不是有效年份")
        }
        try checkAmount(request.requested, field: "requested")
        if let paid = request.paid { try checkAmount(paid, field: "paid") }
        return ClaimFact(
            ref: ref,
            applicantID: request.applicantID,
            programme: request.programme,
            year: request.year,
            requested: request.requested,
            project: try projectName(request.project),
            paid: request.paid
        )
    }

    /// What a claim is decided against.
    public struct ClaimState: Sendable, Hashable {
        public var programme: Programme
        /// The applicant's claim for the same voucher programme and year that is neither reversed
        /// nor rejected, if there is one.
        public var openClaim: String?
        /// The applicant as registered, whose district and attributes eligibility checks; nil
        /// skips those checks (a what-if replay of a ledger that kept neither).
        public var applicant: Applicant?

        public init(programme: Programme, openClaim: String? = nil, applicant: Applicant? = nil) {
            self.programme = programme
            self.openClaim = openClaim
            self.applicant = applicant
        }
    }

    /// Refuses a claim from an applicant outside the districts, or without the attributes, that the
    /// version in force requires, naming the rule and its source.
    public static func checkEligibility(
        of applicant: Applicant,
        for programme: Programme,
        under version: PolicyVersion
    ) throws(LedgerError) {
        func cite(_ source: Source?, _ language: Language = .en) -> String {
            source.map { " [\($0.text(language))]" } ?? ""
        }
        let eligibility = version.eligibility
        if let districts = eligibility.applicantDistricts, !districts.value.contains(applicant.district) {
            let registered = applicant.district.isEmpty ? "no district" : "district \(applicant.district)"
            let allowed = districts.value.sorted().joined(separator: ", ")
            throw .applicantNotEligible(
                reason: LocalizedText(
                    zh: (applicant.district.isEmpty
                        ? "\(applicant.id) 未登记所在区；" : "\(applicant.id) 登记在\(applicant.district)；")
                        + "\(programme.id.value) 仅受理 \(districts.value.sorted().joined(separator: "、")) 的申领"
                        + "（eligibility.applicant_districts）\(cite(districts.source, .zh))",
                    en: "\(applicant.id) is registered in \(registered); \(programme.id.value) takes claims from "
                        + "\(allowed) only (eligibility.applicant_districts)\(cite(districts.source))"
                ),
                remedy: LocalizedText(
                    zh: "如已迁入，请更新其登记的所在区",
                    en: "if the applicant has moved, register it again with --district"
                )
            )
        }
        if let required = eligibility.applicantAttributes {
            let missing = required.value.subtracting(applicant.attributes).sorted()
            if !missing.isEmpty {
                let requires = required.value.sorted().joined(separator: ", ")
                throw .applicantNotEligible(
                    reason: LocalizedText(
                        zh: "\(applicant.id) 未登记为 \(missing.joined(separator: "、"))；\(programme.id.value) 要求 "
                            + "\(required.value.sorted().joined(separator: "、"))（eligibility.applicant_attributes）"
                            + "\(cite(required.source, .zh))",
                        en: "\(applicant.id) is not registered as \(missing.joined(separator: ", ")); "
                            + "\(programme.id.value) requires \(requires) "
                            + "(eligibility.applicant_attributes)\(cite(required.source))"
                    ),
                    remedy: LocalizedText(
                        zh: "如已获认定，请更新其登记的属性",
                        en: "if it has been recognised, update the attributes it is registered with (on the command "
                            + "line, voucher register applicant --attribute)"
                    )
                )
            }
        }
    }

    /// Records a claim: a matching claim names its project and the amount paid; a voucher applicant
    /// has one open claim per programme and year.
    ///
    /// `recording: false` leaves out the payload (a what-if replay records nothing).
    public static func claim(
        _ claim: ClaimFact,
        state: ClaimState,
        on date: BusinessDate,
        recording: Bool = true
    ) throws(LedgerError) -> EventDraft {
        let programme = state.programme
        if programme.kind == .matching && (claim.project == nil || claim.paid == nil) {
            throw .invalid(
                field: "project",
                value: claim.project ?? "",
                reason: "a matching claim names its project and the amount actually paid",
                zh: "为空：配套资助的申领须注明项目及实际支付金额"
            )
        }
        if programme.kind == .voucher, let open = state.openClaim {
            throw .claimExists(
                applicant: claim.applicantID,
                programme: programme.id.value,
                year: claim.year,
                ref: open,
                programmeName: programme.name
            )
        }
        // The version in force on the day, or for a claim made before its year's policy, the one
        // in force when the year starts (a claim dated early does not escape the rule; the grant
        // is checked again on its own day).
        if let applicant = state.applicant,
            let version = programme.version(on: date) ?? programme.version(on: .startOfYear(claim.year))
        {
            try checkEligibility(of: applicant, for: programme, under: version)
        }
        return EventDraft(
            kind: .claim,
            programme: programme.id,
            policyVersion: recording ? programme.version(on: date) : nil,
            payload: recording ? claim.payload : .null
        )
    }
}

extension ClaimFact {
    /// 31 December of the programme year.
    var endOfYear: BusinessDate { BusinessDate.endOfYear(year) }
}
