import VoucherDomain
import VoucherReports
import VoucherStorage

// MARK: - The annual report, gathered from the ledger: the command line's and the service's

/// The applicants a report lists, largest first; `voucher report --by applicant` lists every one.
public let applicantsListed = 20

/// Gathers a report's figures, breakdowns and exceptions from the ledger.
public func buildReport(_ ledger: Ledger, programme: ProgrammeID, period: ReportPeriod) throws -> ReconciliationReport {
    let definition = try ledger.programme(programme)
    // Figures, breakdowns, exceptions and budget in one snapshot: a report agrees with itself
    // even while the service records.
    let parts = try ledger.reportParts(
        programme,
        period: period,
        largestApplicants: applicantsListed,
        exceptionsListed: ReportExceptions.listed
    )
    var names: [BreakdownDimension: [String: String]] = [:]
    for dimension in [BreakdownDimension.applicant, .provider] {
        names[dimension] = try ledger.partyNames(dimension, parts.breakdowns[dimension]?.map(\.key) ?? [])
    }
    return ReconciliationReport(
        programme: programme,
        name: definition.name,
        figures: parts.figures,
        breakdowns: parts.breakdowns,
        breakdownKeys: parts.breakdownKeys,
        exceptions: parts.exceptions,
        partyNames: names,
        budget: parts.budget
    )
}

/// The programmes as `voucher policy list --format json` and the service list them.
public func programmesJSON(_ programmes: [Programme]) -> CanonicalJSON {
    .array(
        programmes.map {
            .object([
                "id": .string($0.id.value), "kind": .string($0.kind.rawValue), "name_zh": .string($0.name.zh),
                "name_en": .string($0.name.en), "versions": .array($0.versions.map { .string($0.effectiveFrom.iso) }),
            ])
        }
    )
}
