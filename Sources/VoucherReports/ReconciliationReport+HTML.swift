import VoucherDomain

// MARK: - HTML: one self-contained printable page

extension ReconciliationReport {
    func html(_ language: Language) -> String {
        Self.htmlDocument([self], language: language)
    }

    /// Several reports as one self-contained printable page, each starting on a new printed page.
    public static func htmlDocument(_ reports: [ReconciliationReport], language: Language) -> String {
        let words = ReportWords(language)
        let title = reports.map { "\($0.name.text(language)) · \(words.period($0.figures.period)) \(words.title)" }
            .joined(separator: "; ")
        let sections = reports.map { "<section>\n\($0.htmlBody(language))\n</section>" }
        let style = """
            body{font-family:"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",sans-serif;margin:2em auto;max-width:60em;color:#111}
            h1{font-size:1.4em}h2{font-size:1.1em;margin-top:1.6em;border-bottom:1px solid #999}
            .lead{font-size:1.05em;line-height:1.6}section+section{margin-top:3em;border-top:3px double #999}
            table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #bbb;padding:.2em .6em}th{background:#eee}
            .n{text-align:right;font-variant-numeric:tabular-nums}li.ok{color:#14532d}li.bad{color:#991b1b;font-weight:bold}
            code{font-size:.85em;word-break:break-all}
            @media print{body{margin:0}h2{break-after:avoid}table{break-inside:avoid}section+section{break-before:page;border:0}}
            """
        return """
            <!DOCTYPE html>
            <html lang="\(language == .zh ? "zh-CN" : "en")">
            <head><meta charset="utf-8"><title>\(escape(title))</title><style>\(style)</style></head>
            <body>
            \(sections.joined(separator: "\n"))
            </body>
            </html>

            """
    }

    /// The report's part of a page.
    /// `commandHints`: whether a list cut short names the command that lists it whole (not in the
    /// console, which has no command line).
    public func htmlBody(_ language: Language, commandHints: Bool = true) -> String {
        let words = ReportWords(language, commandHints: commandHints)
        let escape = Self.escape
        let title = "\(name.text(language)) · \(words.period(figures.period)) \(words.title)"
        var body: [String] = []
        body.append("<h1>\(escape(title))</h1>")
        body.append("<p class=\"lead\">\(escape(openingSentence(language)))</p>")
        body.append(
            "<table><thead><tr><th>\(words.measure)</th><th>\(words.value)</th><th>\(words.wan)</th></tr></thead><tbody>"
        )
        for row in figureRows(language) {
            if let count = row.count {
                body.append("<tr><td>\(escape(row.label))</td><td class=\"n\">\(count)</td><td></td></tr>")
            } else if let money = row.money {
                body.append(
                    "<tr><td>\(escape(row.label))</td><td class=\"n\">\(money.formatted())</td>"
                        + "<td class=\"n\">\(money.formattedWan())</td></tr>"
                )
            }
        }
        body.append("</tbody></table>")
        body.append("<h2>\(words.identities)</h2><ul>")
        body += identityLines(words).map { "<li class=\"\($0.hasPrefix("✓") ? "ok" : "bad")\">\(escape($0))</li>" }
        body.append("</ul>")
        let fund = budgetRows(language)
        if !fund.isEmpty {
            body.append("<h2>\(words.budget)</h2><table><tbody>")
            body += fund.map {
                "<tr><td>\(escape($0.label))</td><td class=\"n\">\($0.money.formatted())</td>"
                    + "<td class=\"n\">\($0.money.formattedWan())</td></tr>"
            }
            body.append("</tbody></table>")
        }
        body.append("<h2>\(words.measuresChart(figures.kind))</h2>")
        body.append(measuresChart(words: words))
        if let months = breakdowns[.month], !months.isEmpty {
            body.append("<h2>\(words.chart)</h2>")
            body.append(chart(months, words: words))
        }
        for dimension in BreakdownDimension.allCases {
            guard let rows = breakdowns[dimension], !rows.isEmpty else { continue }
            body.append("<h2>\(words.breakdown(dimension))</h2>")
            let named = dimension != .month
            body.append(
                "<table><thead><tr><th>\(words.key(dimension))</th>" + (named ? "<th>\(words.nameColumn)</th>" : "")
                    + "<th>\(words.usesColumn)</th><th>\(words.serviceAmount)</th>"
                    + "<th>\(words.used)</th><th>\(words.redeemed)</th></tr></thead><tbody>"
            )
            for row in rows {
                let name = keyName(dimension, row.key, language: language).map { "<td>\(escape($0))</td>" } ?? ""
                body.append(
                    "<tr><td>\(escape(row.key))</td>\(name)<td class=\"n\">\(row.uses)</td><td class=\"n\">\(row.serviceAmount.formatted())</td>"
                        + "<td class=\"n\">\(row.used.formatted())</td><td class=\"n\">\(row.redeemed.formatted())</td></tr>"
                )
            }
            body.append("</tbody></table>")
            let more = keysNotListed(dimension)
            if more > 0 {
                let line = words.notListed(dimension, listed: rows.count, more: more)
                body.append("<p>\(escape(line))</p>")
            }
        }
        body.append("<h2>\(words.exceptions)</h2><ul>")
        body += exceptionLines(words).map { "<li>\(escape($0))</li>" }
        body.append("</ul>")
        body.append(
            "<p class=\"head\">\(words.chainHeadLine(figures.chainHead.events, hash: "<code>\(figures.chainHead.hash)</code>"))</p>"
        )
        return body.joined(separator: "\n")
    }

    /// Bars of used and redeemed for each month, as inline SVG (``Charts/monthly``).
    private func chart(_ months: [BreakdownRow], words: ReportWords) -> String {
        let language = words.language
        return Charts.monthly(
            [
                Charts.Series(
                    label: words.used,
                    colour: "#2563eb",
                    byMonth: Dictionary(months.map { ($0.key, $0.used) }) { $1 }
                ),
                Charts.Series(
                    label: words.redeemed,
                    colour: "#16a34a",
                    byMonth: Dictionary(months.map { ($0.key, $0.redeemed) }) { $1 }
                ),
            ],
            language: language,
            title: words.chart
        )
    }

    /// The year's money from claimed to what became of it, one bar each (``Charts/measures``).
    private func measuresChart(words: ReportWords) -> String {
        let f = figures
        let bars: [(String, Money, String)] =
            f.kind == .voucher
            ? [
                (words.claimed, f.claimed, "#64748b"), (words.used, f.used, "#2563eb"),
                (words.redeemed, f.redeemed, "#16a34a"), (words.awaiting, f.awaitingRedemption, "#ca8a04"),
                (words.expired, f.expired, "#9ca3af"), (words.forfeited, f.forfeited, "#b91c1c"),
                (words.available, f.available, "#94a3b8"),
            ]
            : [
                (words.granted, f.claimed, "#64748b"), (words.paidOut, f.redeemed, "#16a34a"),
                (words.leftToPay, f.available, "#94a3b8"),
            ]
        return Charts.measures(bars, language: words.language, title: words.measuresChart(f.kind))
    }

    /// The what-if page's escaping (by Unicode scalars).
    private static func escape(_ text: String) -> String { WhatIfReport.escapeHTML(text) }
}
