import VoucherDomain
import VoucherReports
import VoucherStorage

// MARK: - The annual report, gathered from the ledger: the command line's and the service's

/// The applicants a report lists, largest first; `voucher report --by applicant` lists every one.
public let applicantsListed = 20

/// Gathers a report's figures, breakdowns and exceptions from the ledger.
public func buildReport(_ ledger: Ledger, programme: ProgrammeID, period: ReportPeriod) throws -> ReconciliationReport {
    let definition = try ledger.programme(programme)
    var breakdowns: [BreakdownDimension: [BreakdownRow]] = [:]
    var keys: [BreakdownDimension: Int] = [:]
    if definition.kind == .voucher {
        (breakdowns, keys) = try ledger.reportBreakdowns(programme, period: period, largestApplicants: applicantsListed)
    }
    var names: [BreakdownDimension: [String: String]] = [:]
    for dimension in [BreakdownDimension.applicant, .provider] {
        names[dimension] = try ledger.partyNames(dimension, breakdowns[dimension]?.map(\.key) ?? [])
    }
    let figures = try ledger.reconciliation(programme, period: period)
    return ReconciliationReport(
        programme: programme,
        name: definition.name,
        figures: figures,
        breakdowns: breakdowns,
        breakdownKeys: keys,
        exceptions: try ledger.exceptions(programme, period: period, limit: ReportExceptions.listed),
        partyNames: names,
        budget: try ledger.budgetFigures(figures)
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
