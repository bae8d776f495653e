import VoucherDomain

// MARK: - Text and Markdown

extension ReconciliationReport {
    func text(_ language: Language) -> String {
        let words = ReportWords(language)
        var out: [String] = []
        out.append("\(name.text(language).visible) · \(words.period(figures.period)) \(words.title)")
        out.append(openingSentence(language))
        out.append("")
        var table = TextTable(header: [words.measure, words.value, words.wan], alignments: [.left, .right, .right])
        for row in figureRows(language) {
            if let count = row.count {
                table.rows.append([row.label, String(count), ""])
            } else if let money = row.money {
                table.rows.append([row.label, money.formatted(), money.formattedWan()])
            }
        }
        out.append(table.render())
        out.append("")
        out.append(words.identities)
        out += identityLines(words).map { "  " + $0 }
        let fund = budgetRows(language)
        if !fund.isEmpty {
            out.append("")
            out.append(words.budget)
            var table = TextTable(header: ["", words.value, words.wan], alignments: [.left, .right, .right])
            table.rows = fund.map { [$0.label, $0.money.formatted(), $0.money.formattedWan()] }
            out.append(table.render())
        }
        for dimension in BreakdownDimension.allCases {
            guard let rows = breakdowns[dimension], !rows.isEmpty else { continue }
            out.append("")
            out.append(words.breakdown(dimension))
            let named = dimension != .month
            var breakdown = TextTable(
                header: [words.key(dimension)] + (named ? [words.nameColumn] : [])
                    + [words.usesColumn, words.serviceAmount, words.used, words.redeemed],
                alignments: [.left] + (named ? [.left] : []) + [.right, .right, .right, .right]
            )
            breakdown.rows = rows.map {
                [$0.key.visible] + (keyName(dimension, $0.key, language: language).map { [$0.visible] } ?? [])
                    + [String($0.uses), $0.serviceAmount.formatted(), $0.used.formatted(), $0.redeemed.formatted()]
            }
            out.append(breakdown.render())
            let more = keysNotListed(dimension)
            if more > 0 { out.append(words.notListed(dimension, listed: rows.count, more: more)) }
        }
        out.append("")
        out.append(words.exceptions)
        out += exceptionLines(words).map { "  " + $0 }
        out.append("")
        out.append(words.chainHeadLine(figures.chainHead.events, hash: figures.chainHead.hash))
        return out.joined(separator: "\n") + "\n"
    }

    /// The identities a report lists: for a grant or matching programme, used and redeemed are
    /// the same payments, so that identity is listed only if it fails.
    var shownIdentities: [IdentityCheck] {
        figures.identities.filter { figures.kind == .voucher || $0.identity != .usedIsAccountedFor || !$0.holds }
    }

    /// The kind whose words name the identities: a grant's or matching programme's own (granted =
    /// paid + left to pay) only while what it checks is that sum, with nothing expired and every
    /// payment redeemed; otherwise the voucher's, which name every term the check adds.
    var identityWordsKind: ProgrammeKind {
        figures.expired == .zero && figures.used == figures.redeemed ? figures.kind : .voucher
    }

    /// The identities and checks as lines, each marked ✓ or ✗. A grant or matching programme's
    /// lines are in its words; of the checks that cannot fail for it, only a failing one is shown.
    func identityLines(_ words: ReportWords) -> [String] {
        let kind = figures.kind
        var lines = shownIdentities.map { check in
            let name = words.identity(check.identity, kind: identityWordsKind)
            return check.holds
                ? "✓ \(name)" : "✗ " + words.line(name, "\(words.differs) \(check.difference.formatted())")
        }
        // Only a voucher's uses are checked against their rate (a grant has none; a matching
        // programme's payments are held to its rate when granted).
        if kind == .voucher || figures.usesOverRate != 0 {
            lines.append(
                (figures.usesOverRate == 0 ? "✓ " : "✗ ") + words.line(words.overRate, "\(figures.usesOverRate)")
            )
        }
        lines.append(
            (figures.negativeAccounts.isEmpty ? "✓ " : "✗ ")
                + words.line(
                    words.negativeAccounts,
                    figures.negativeAccounts.isEmpty ? "0" : figures.negativeAccounts.joined(separator: ", ")
                )
        )
        return lines
    }

    /// The exceptions, one line each, every line a sentence that names what each value is:
    /// `逾期申请兑付：兑付申请 R-7（用券 U-9），服务机构 …，2022-09-15 申请，截止 2022-08-30，逾期 16 天`.
    func exceptionLines(_ words: ReportWords) -> [String] {
        if exceptions.isEmpty { return [words.noExceptions] }
        var lines: [String] = []
        let counts = exceptions.counts
        for reversal in exceptions.reversals {
            lines.append(words.line(words.reversals, words.reversalLine(reversal)))
        }
        lines += words.notListed(.reversals, listed: exceptions.reversals.count, of: counts.reversals)
        for override in exceptions.overrides {
            lines.append(words.line(words.overrides, words.overrideLine(override)))
        }
        lines += words.notListed(.overrides, listed: exceptions.overrides.count, of: counts.overrides)
        for late in exceptions.lateRedemptions {
            lines.append(words.line(words.late, words.lateLine(late, names: exceptions.names)))
        }
        lines += words.notListed(.lateRedemptions, listed: exceptions.lateRedemptions.count, of: counts.lateRedemptions)
        for filing in exceptions.suspendedFilings {
            lines.append(words.line(words.suspended, words.suspendedLine(filing, names: exceptions.names)))
        }
        lines += words.notListed(
            .suspendedFilings,
            listed: exceptions.suspendedFilings.count,
            of: counts.suspendedFilings
        )
        for open in exceptions.openRecoveries {
            lines.append(words.line(words.openRecovery, words.recoveryLine(open, names: exceptions.names)))
        }
        lines += words.notListed(.openRecoveries, listed: exceptions.openRecoveries.count, of: counts.openRecoveries)
        return lines
    }

    func markdown(_ language: Language) -> String {
        let words = ReportWords(language)
        var out: [String] = []
        func escape(_ text: String) -> String { text.replacingPipes() }
        out.append("# \(escape(name.text(language))) · \(words.period(figures.period)) \(words.title)")
        out.append("")
        out.append(escape(openingSentence(language)))
        out.append("")
        out.append("| \(words.measure) | \(words.value) | \(words.wan) |")
        out.append("| --- | ---: | ---: |")
        for row in figureRows(language) {
            if let count = row.count {
                out.append("| \(row.label) | \(count) | |")
            } else if let money = row.money {
                out.append("| \(row.label) | \(money.formatted()) | \(money.formattedWan()) |")
            }
        }
        out.append("")
        out.append("## \(words.identities)")
        out.append("")
        out += identityLines(words).map { "- " + escape($0) }
        let fund = budgetRows(language)
        if !fund.isEmpty {
            out.append("")
            out.append("## \(words.budget)")
            out.append("")
            out.append("| | \(words.value) | \(words.wan) |")
            out.append("| --- | ---: | ---: |")
            for row in fund {
                out.append("| \(escape(row.label)) | \(row.money.formatted()) | \(row.money.formattedWan()) |")
            }
        }
        for dimension in BreakdownDimension.allCases {
            guard let rows = breakdowns[dimension], !rows.isEmpty else { continue }
            out.append("")
            out.append("## \(words.breakdown(dimension))")
            out.append("")
            let named = dimension != .month
            out.append(
                "| \(words.key(dimension)) | " + (named ? "\(words.nameColumn) | " : "")
                    + "\(words.usesColumn) | \(words.serviceAmount) | \(words.used) | \(words.redeemed) |"
            )
            out.append(named ? "| --- | --- | ---: | ---: | ---: | ---: |" : "| --- | ---: | ---: | ---: | ---: |")
            for row in rows {
                let name = keyName(dimension, row.key, language: language).map { escape($0) + " | " } ?? ""
                out.append(
                    "| \(escape(row.key)) | \(name)\(row.uses) | \(row.serviceAmount.formatted()) | \(row.used.formatted()) | "
                        + "\(row.redeemed.formatted()) |"
                )
            }
            let more = keysNotListed(dimension)
            if more > 0 {
                out.append("")
                out.append(escape(words.notListed(dimension, listed: rows.count, more: more)))
            }
        }
        out.append("")
        out.append("## \(words.exceptions)")
        out.append("")
        out += exceptionLines(words).map { "- " + escape($0) }
        out.append("")
        out.append(words.chainHeadLine(figures.chainHead.events, hash: "`\(figures.chainHead.hash)`"))
        return out.joined(separator: "\n") + "\n"
    }
}

extension String {
    /// Text safe in a Markdown table cell or list item: pipes, backslashes, brackets and
    /// backticks escaped (no link, image or code span can start in a name), HTML's `<`, `>` and
    /// `&` as entities (Markdown passes HTML through), line breaks of every kind as a space
    /// (looked for in Unicode scalars: Swift counts CR LF as one Character), other control
    /// characters shown.
    func replacingPipes() -> String {
        var out = ""
        for scalar in unicodeScalars {
            switch scalar {
            case "|", "\\", "[", "]", "`": out += "\\" + String(scalar)
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "\n", "\r", "\u{2028}", "\u{2029}", "\u{85}": out += " "
            default: out += String(scalar).visible
            }
        }
        return out
    }
}
