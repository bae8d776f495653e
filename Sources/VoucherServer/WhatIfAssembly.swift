import Dispatch
import VoucherDomain
import VoucherPolicies
import VoucherReports
import VoucherStorage

// MARK: - A what-if, gathered from the ledger: the command line's and the service's

/// A reform's policy file, read as a programme with `own`'s id, kind and names and the file's
/// versions; refused when it is of another kind of programme.
public func reformProgramme(yaml: String, file: String, of own: Programme) throws -> Programme {
    do {
        let parsed = try PolicyFile.programme(yaml: yaml, file: file)
        guard parsed.kind == own.kind else {
            throw LedgerError.invalid(
                field: "policy",
                value: file,
                reason: "is a \(parsed.kind.rawValue) programme; \(own.id) is a \(own.kind.rawValue) programme",
                zh: "是\(LedgerError.kindZh(parsed.kind))类项目的政策文件，而 \(own.id) 是\(LedgerError.kindZh(own.kind))类项目"
            )
        }
        return try Programme(id: own.id, kind: own.kind, name: own.name, versions: parsed.versions)
    } catch let error as PolicyError {
        throw LedgerError.policy(error)
    }
}

/// Replays a programme-year under its own policy and under each reform (`name`: what the report
/// calls it), in memory, and gathers the report. Refused when the year has no claim, or when a
/// reform has no version in force in the year; an internal inconsistency when the replay under
/// the programme's own policy does not reproduce the ledger's figures. `everyName`: every applicant's name (for the CSV of every applicant), else
/// only those the report lists.
public func buildWhatIf(
    _ ledger: Ledger,
    programme id: ProgrammeID,
    year: Int,
    reforms: [(name: String, programme: Programme)],
    everyName: Bool
) throws -> WhatIfReport {
    let own = try ledger.programme(id)
    let years = try ledger.claimYears(id)
    guard years.contains(year) else {
        throw LedgerError.invalid(
            field: "year",
            value: "\(year)",
            reason: years.isEmpty
                ? "\(id) has no claim recorded in any year"
                : "\(id) has no claim for \(year); its years: \(years.map(String.init).joined(separator: ", "))",
            zh: years.isEmpty
                ? "\(id) 尚无任何年度的申领"
                : "\(id) 在 \(year) 年度没有申领；有申领的年度：\(years.map(String.init).joined(separator: "、"))"
        )
    }
    let (first, last) = (BusinessDate.startOfYear(year), BusinessDate.endOfYear(year))
    for reform in reforms
    where !reform.programme.versions.contains(where: {
        $0.effectiveFrom <= last && ($0.effectiveUntil ?? last) >= first
    }) {
        throw LedgerError.invalid(
            field: "policy",
            value: reform.name,
            reason:
                "has no version in force in \(year) (its first takes effect on \(reform.programme.versions[0].effectiveFrom)); "
                + "give the reform a version from 1 January \(year)",
            zh: "在 \(year) 年度没有生效的版本（其第一个版本自 \(reform.programme.versions[0].effectiveFrom) 起生效）；"
                + "请给调整后政策一个自 \(year) 年 1 月 1 日起生效的版本"
        )
    }
    // The ledger's own figures of the year are read in the same snapshot as the history.
    var (replays, chainHead, ledgerFigures) = try ledger.replay(id, figuresOf: .year(year)) { reversed in
        [Replay(programme: own, year: year, reversed: reversed)]
            + reforms.map { Replay(programme: own, reform: $0.programme, year: year, reversed: reversed) }
    }
    // The outcomes are read on both cores at once (each replay alone is read on one); the
    // replays' state is let go after.
    let outcomes = ReplayOutcomes(replays)
    replays = []
    let head = chainHead
    DispatchQueue.concurrentPerform(iterations: outcomes.count) { outcomes.finish($0, chainHead: head) }
    // The baseline must be the ledger's own figures: a replay that does not reproduce them
    // would compare a reform with something the ledger never said.
    let recorded = try ledgerFigures ?? ledger.reconciliation(id, period: .year(year))
    let differs =
        WhatIfCheck.difference(replayed: outcomes[0].figures, recorded: recorded)
        ?? outcomes[0].changes.first.map { "event \($0.seq) decided otherwise" }
        ?? (outcomes[0].usesWithOtherAmount > 0 ? "\(outcomes[0].usesWithOtherAmount) uses of another amount" : nil)
    if let differs {
        throw LedgerError.internalInconsistency(
            "the replay under the programme's own policy does not reproduce the ledger's \(year) figures (\(differs)); "
                + "no what-if can be trusted until it does"
        )
    }
    var report = WhatIfReport(
        programme: id,
        name: own.name,
        year: year,
        baseline: outcomes[0],
        reforms: zip(reforms, outcomes.dropFirst()).map { WhatIfReport.Scenario(policy: $0.0.name, outcome: $0.1) },
        names: [:]
    )
    report.names =
        try everyName
        ? ledger.applicantNames()
        : ledger.applicantNames(
            Set(report.reforms.flatMap { report.changedApplicants($0).prefix(WhatIfReport.listed).map(\.key) })
        )
    return report
}

/// Replays finished side by side: each is moved out of its place, counted (``Replay/finish(chainHead:)``)
/// and let go, and its outcome put in its place.
private final class ReplayOutcomes: @unchecked Sendable {
    // Each place is touched by one thread, and read after every thread is done.
    private let replays: UnsafeMutableBufferPointer<Replay?>
    private let places: UnsafeMutableBufferPointer<ReplayOutcome?>

    init(_ replays: [Replay]) {
        self.replays = .allocate(capacity: replays.count)
        _ = self.replays.initialize(from: replays.map { $0 })
        places = .allocate(capacity: replays.count)
        places.initialize(repeating: nil)
    }

    deinit {
        replays.deinitialize()
        replays.deallocate()
        places.deinitialize()
        places.deallocate()
    }

    var count: Int { places.count }

    func finish(_ index: Int, chainHead: ChainHead) {
        guard var replay = replays[index].take() else { return }
        places[index] = replay.finish(chainHead: chainHead)
    }

    subscript(index: Int) -> ReplayOutcome {
        guard let outcome = places[index] else { preconditionFailure("outcome \(index) was not read") }
        return outcome
    }

    /// The outcomes after the first.
    func dropFirst() -> [ReplayOutcome] { (1..<places.count).map { self[$0] } }
}
