import VoucherDomain

// MARK: - HTML: one self-contained printable page

extension WhatIfReport {
    func html(_ language: Language) -> String {
        let title = "\(name.text(language)) · \(year) · \(words(language).title)"
        let body = [htmlBody(language)]
        return page(title: title, language: language, body: body)
    }

    /// The page's content without its document: the heading, the figures side by side, the chart
    /// and each reform's tallies, caps, applicants and changed events. The console shows it in
    /// its own page.
    /// `commandHints`: whether a list cut short names the option that lists it whole (not in the
    /// console, which has no command line).
    public func htmlBody(_ language: Language, commandHints: Bool = true) -> String {
        let w = words(language)
        let escape = Self.escapeHTML
        let title = "\(name.text(language)) · \(year) · \(w.title)"
        var body: [String] = ["<h1>\(escape(title))</h1>"]
        let (header, rows) = figureRows(language)
        body.append(Self.table(header, rows, leftColumns: 1))
        body.append("<h2>\(escape(w.chart))</h2>")
        body.append(chart(language))
        for (index, reform) in reforms.enumerated() {
            body.append(
                "<h2>\(escape(w.reformNamed(reforms.count == 1 ? "" : " \(index + 1)", reform.policy)))</h2>"
            )
            let tally = tally(reform)
            body.append("<p>\(escape(w.tally(tally.gain, tally.lose, tally.same)))<br>")
            body.append("\(escape(w.usesOtherAmount(reform.outcome.usesWithOtherAmount)))</p>")
            body.append("<h3>\(escape(w.binding))</h3>")
            let terms = Set(baseline.binding.keys).union(reform.outcome.binding.keys).sorted()
            body.append(
                Self.table(
                    [w.term, w.baseline, w.reform],
                    terms.map {
                        [
                            Term.Kind(rawValue: $0)?.label(language) ?? $0, String(baseline.binding[$0] ?? 0),
                            String(reform.outcome.binding[$0] ?? 0),
                        ]
                    },
                    leftColumns: 1
                )
            )
            body.append("<h3>\(escape(w.largest))</h3>")
            let applicants = changedApplicants(reform)
            if applicants.isEmpty { body.append("<p>\(escape(w.noChange))</p>") }
            if !applicants.isEmpty {
                body.append(
                    Self.table(
                        [w.applicant, w.name, w.baseline, w.reform, w.difference],
                        applicants.prefix(Self.listed).map {
                            [
                                $0.key, names[$0.key] ?? "", $0.baseline.formatted(), $0.reform.formatted(),
                                Self.signed(.money($0.difference)),
                            ]
                        },
                        leftColumns: 2
                    )
                )
            }
            if applicants.count > Self.listed {
                body.append(
                    "<p>\(escape(w.notListed(Self.listed, applicants.count, commandHints ? "--by applicant" : nil)))</p>"
                )
            }
            body.append("<h3>\(escape(w.changed))</h3><ul>")
            let changes = reform.outcome.changes
            if changes.isEmpty { body.append("<li>\(escape(w.noChange))</li>") }
            for change in changes.prefix(Self.listed) {
                body.append(
                    "<li>\(escape(changeLine(change, language)))</li>"
                )
            }
            body.append("</ul>")
            if changes.count > Self.listed {
                body.append(
                    "<p>\(escape(w.notListed(Self.listed, changes.count, commandHints ? "--format json" : nil)))</p>"
                )
            }
        }
        return body.joined(separator: "\n")
    }

    private func page(title: String, language: Language, body: [String]) -> String {
        let escape = Self.escapeHTML
        let style = """
            body{font-family:"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",sans-serif;margin:2em auto;max-width:60em;color:#111}
            h1{font-size:1.4em}h2{font-size:1.1em;margin-top:1.6em;border-bottom:1px solid #999}h3{font-size:1em}
            table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #bbb;padding:.2em .6em}th{background:#eee}
            .n{text-align:right;font-variant-numeric:tabular-nums}svg text{font-family:inherit}
            @media print{body{margin:0}h2{break-after:avoid}table,svg{break-inside:avoid}}
            """
        return """
            <!DOCTYPE html>
            <html lang="\(language == .zh ? "zh-CN" : "en")">
            <head><meta charset="utf-8"><title>\(escape(title))</title><style>\(style)</style></head>
            <body>
            \(body.joined(separator: "\n"))
            </body>
            </html>

            """
    }

    static func table(_ header: [String], _ rows: [[String]], leftColumns: Int) -> String {
        let escape = escapeHTML
        var out = "<table><thead><tr>" + header.map { "<th>\(escape($0))</th>" }.joined() + "</tr></thead><tbody>"
        for row in rows {
            out += "<tr>"
            for (index, cell) in row.enumerated() {
                out += index < leftColumns ? "<td>\(escape(cell))</td>" : "<td class=\"n\">\(escape(cell))</td>"
            }
            out += "</tr>"
        }
        return out + "</tbody></table>"
    }

    /// The amount used by month, the baseline and each reform side by side, as inline SVG: a
    /// 万元 axis with gridlines, month labels, each bar's amount on hover and in the table below.
    func chart(_ language: Language) -> String {
        let w = words(language)
        let series: [Charts.Series] =
            [Charts.Series(label: w.baseline, colour: "#2563eb", byMonth: baseline.usedByMonth)]
            + reforms.enumerated().map { index, reform in
                Charts.Series(
                    label: "\(w.reform)\(reforms.count == 1 ? "" : " \(index + 1)")",
                    colour: ["#ea580c", "#16a34a", "#9333ea", "#b91c1c"][index % 4],
                    byMonth: reform.outcome.usedByMonth
                )
            }
        let months = Set(series.flatMap { $0.byMonth.keys }).sorted()
        guard !months.isEmpty else { return "<p>\(Self.escapeHTML(w.noChange))</p>" }
        let table = Self.table(
            [language == .zh ? "月份" : "month"] + series.map(\.label),
            months.map { month in [month] + series.map { ($0.byMonth[month] ?? .zero).formatted() } },
            leftColumns: 1
        )
        return Charts.monthly(series, language: language, title: w.chart) + table
    }

    /// By Unicode scalars, not Characters: `<` followed by a combining mark is one Character
    /// that is not `<`, and must still be escaped.
    public static func escapeHTML(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
