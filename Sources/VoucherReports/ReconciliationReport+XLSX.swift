import Foundation
import VoucherDomain

// MARK: - A workbook, for the offices' spreadsheets

extension ReconciliationReport {
    /// The report as a workbook: the figures (with the opening sentence and the chain head), the
    /// identities, the budget when one was recorded, each breakdown and the exceptions, each on
    /// its own sheet; amounts as numbers in yuan, counts as integers.
    public func workbook(_ language: Language) -> Workbook {
        let words = ReportWords(language)
        var figuresRows: [[Workbook.Cell]] = [
            [.heading("\(name.text(language)) · \(words.period(figures.period)) \(words.title)")],
            [.text(openingSentence(language))], [],
            [.heading(words.measure), .heading(words.value)],
        ]
        for row in figureRows(language) {
            if let count = row.count {
                figuresRows.append([.text(row.label), .integer(Int64(count))])
            } else if let money = row.money {
                figuresRows.append([.text(row.label), .money(money)])
            }
        }
        figuresRows += [
            [], [.text(words.chainHead), .text(figures.chainHead.hash)],
            [.text(words.events(figures.chainHead.events)), .integer(figures.chainHead.events)],
        ]
        var sheets = [Workbook.Sheet(name: words.title, rows: figuresRows)]
        sheets.append(
            Workbook.Sheet(
                name: words.identities,
                rows: [[.heading(words.identities), .heading(words.difference)]]
                    + shownIdentities.map {
                        [.text(words.identity($0.identity, kind: identityWordsKind)), .money($0.difference)]
                    }
            )
        )
        let fund = budgetRows(language)
        if !fund.isEmpty {
            sheets.append(
                Workbook.Sheet(
                    name: words.budget,
                    rows: [[.heading(words.budget), .heading(words.value)]]
                        + fund.map { [.text($0.label.trimmingCharacters(in: .whitespaces)), .money($0.money)] }
                )
            )
        }
        for dimension in BreakdownDimension.allCases {
            guard let rows = breakdowns[dimension], !rows.isEmpty else { continue }
            let named = dimension != .month
            let header: [Workbook.Cell] =
                [.heading(words.key(dimension))] + (named ? [.heading(words.nameColumn)] : [])
                + [
                    .heading(words.usesColumn), .heading(words.serviceAmount), .heading(words.used),
                    .heading(words.redeemed),
                ]
            let body: [[Workbook.Cell]] = rows.map { row in
                [.text(row.key)] + (keyName(dimension, row.key, language: language).map { [.text($0)] } ?? [])
                    + [.integer(Int64(row.uses)), .money(row.serviceAmount), .money(row.used), .money(row.redeemed)]
            }
            let more = keysNotListed(dimension)
            let note: [[Workbook.Cell]] =
                more > 0 ? [[], [.text(words.notListed(dimension, listed: rows.count, more: more))]] : []
            sheets.append(Workbook.Sheet(name: words.breakdown(dimension), rows: [header] + body + note))
        }
        sheets.append(Workbook.Sheet(name: words.exceptions, rows: exceptions.workbookRows(words)))
        return Workbook(sheets: sheets)
    }
}

extension ReportExceptions {
    /// Every exception listed, a row each, in the columns of ``csv()``; then how many of each kind
    /// there are when the report lists fewer.
    func workbookRows(_ words: ReportWords) -> [[Workbook.Cell]] {
        var rows: [[Workbook.Cell]] = [
            ["kind", "date", "event", "reference", "party", "amount", "days_late", "detail", "by"].map { .heading($0) }
        ]
        for reversal in reversals {
            rows.append([
                .text("reversal"), .text(reversal.date.iso), .integer(reversal.event),
                .text("#\(reversal.reversedEvent) (\(reversal.reversedKind))"), .empty, .money(reversal.amount), .empty,
                .text(reversal.reason), .text(reversal.actor),
            ])
        }
        for override in overrides {
            rows.append([
                .text("override"), .empty, .empty, .empty, .text(override.party), .empty, .empty,
                .text(override.name + " — " + override.reason), .text(override.approvedBy),
            ])
        }
        for late in lateRedemptions {
            rows.append([
                .text("late-redemption"), .text(late.filedOn.iso), .empty, .text(late.filing + "/" + late.use),
                .text(late.provider), .empty, .integer(Int64(late.daysLate)), .text("deadline " + late.deadline.iso),
                .empty,
            ])
        }
        for open in openRecoveries {
            rows.append([
                .text("open-recovery"), .text(open.since.iso), .empty, .text(open.use), .text(open.applicant),
                .money(open.outstanding), .empty,
                .text("owed \(open.owed.decimalString()), received \(open.received.decimalString())"), .empty,
            ])
        }
        for filing in suspendedFilings {
            rows.append([
                .text("suspended-provider-filing"), .text(filing.filedOn.iso), .empty, .text(filing.filing),
                .text(filing.provider), .empty, .empty,
                .text("suspended from \(filing.suspendedFrom.iso): \(filing.reason)"), .empty,
            ])
        }
        let notes =
            words.notListed(.reversals, listed: reversals.count, of: counts.reversals)
            + words.notListed(.overrides, listed: overrides.count, of: counts.overrides)
            + words.notListed(.lateRedemptions, listed: lateRedemptions.count, of: counts.lateRedemptions)
            + words.notListed(.suspendedFilings, listed: suspendedFilings.count, of: counts.suspendedFilings)
            + words.notListed(.openRecoveries, listed: openRecoveries.count, of: counts.openRecoveries)
        if !notes.isEmpty { rows += [[]] + notes.map { [.text($0)] } }
        return rows
    }
}
