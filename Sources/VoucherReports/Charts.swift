import VoucherDomain

/// Inline SVG charts for the printable pages: bars a reader can read (an axis in 万元 with round
/// steps, labels, each bar's amount written by it and on hover), no script, no external file.
enum Charts {
    /// One series of amounts by month (`2022-05`).
    struct Series {
        var label: String
        var colour: String
        var byMonth: [String: Money]
    }

    /// A round step in 万元 (1, 2 or 5 × a power of ten, at least 1万元) giving at most five
    /// gridlines up to `largest`, and the top of the axis.
    static func axis(_ largest: Int64) -> (step: Int64, top: Int64) {
        var step: Int64 = 1_000_000
        while largest / step > 5 {
            let digit = String(step).first
            step = digit == "2" ? step * 5 / 2 : step * 2
        }
        return (step, max((largest + step - 1) / step * step, step))
    }

    /// `万元` on the axis; in English with what it is.
    static func unit(_ language: Language) -> String { language == .zh ? "万元" : "万元 (10,000 yuan)" }

    /// Bars of each series side by side for each month: gridlines and their values in 万元, the
    /// months below, each bar's amount above it (in 万元, two decimals at most, as the report's
    /// sentence writes them) and in its title.
    static func monthly(_ series: [Series], language: Language, title: String) -> String {
        let escape = WhatIfReport.escapeHTML
        let months = Set(series.flatMap { $0.byMonth.keys }).sorted()
        guard !months.isEmpty else { return "" }
        let largest = max(series.flatMap { $0.byMonth.values.map(\.fen) }.max() ?? 1, 1)
        let (step, top) = axis(largest)
        let plotHeight = 200
        let left = 64
        let margin = 40
        let barWidth = max(8, min(22, 240 / max(series.count, 1)))
        let groupWidth = series.count * barWidth + 12
        let width = left + months.count * groupWidth + 10
        let height = margin + plotHeight + 30
        func y(_ fen: Int64) -> Int {
            margin + plotHeight - Int(Double(max(fen, 0)) / Double(top) * Double(plotHeight))
        }
        var shapes: [String] = []
        var line: Int64 = 0
        while line <= top {
            let lineY = y(line)
            shapes.append("<line x1=\"\(left)\" x2=\"\(width - 5)\" y1=\"\(lineY)\" y2=\"\(lineY)\" stroke=\"#ddd\"/>")
            shapes.append(
                "<text x=\"\(left - 6)\" y=\"\(lineY + 4)\" font-size=\"11\" text-anchor=\"end\">"
                    + "\(escape(Money(fen: line).formattedWan()))</text>"
            )
            line += step
        }
        shapes.append("<text x=\"4\" y=\"12\" font-size=\"11\">\(escape(unit(language)))</text>")
        for (index, month) in months.enumerated() {
            let x = left + 6 + index * groupWidth
            for (offset, entry) in series.enumerated() {
                let amount = entry.byMonth[month] ?? .zero
                let barY = y(amount.fen)
                let barX = x + offset * barWidth
                shapes.append(
                    "<rect x=\"\(barX)\" y=\"\(barY)\" width=\"\(barWidth - 1)\" height=\"\(margin + plotHeight - barY)\" "
                        + "fill=\"\(entry.colour)\"><title>\(escape("\(month) \(entry.label) \(amount.formatted())"))</title></rect>"
                )
                // The amount above its bar, turned to fit a narrow bar.
                let labelX = barX + barWidth / 2 + 3
                shapes.append(
                    "<text x=\"\(labelX)\" y=\"\(barY - 3)\" font-size=\"9\" transform=\"rotate(-90 \(labelX) \(barY - 3))\">"
                        + "\(escape(amount.formattedWan(decimals: 2).replacingOccurrences(of: "万元", with: "")))</text>"
                )
            }
            shapes.append(
                "<text x=\"\(x + series.count * barWidth / 2)\" y=\"\(margin + plotHeight + 16)\" font-size=\"11\" "
                    + "text-anchor=\"middle\">\(escape(String(month.suffix(2))))</text>"
            )
        }
        let legend = series.map { "<span style=\"color:\($0.colour)\">■</span> \(escape($0.label))" }
            .joined(separator: " ")
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(width) \(height)\" width=\"\(width)\" "
            + "height=\"\(height)\" role=\"img\" aria-label=\"\(escape(title))\">\(shapes.joined())</svg>"
            + "<p>\(legend)</p>"
    }

    /// One horizontal bar per measure, its amount written beside it: the money of a year from
    /// claimed to what became of it.
    static func measures(
        _ measures: [(label: String, amount: Money, colour: String)],
        language: Language,
        title: String
    )
        -> String
    {
        let escape = WhatIfReport.escapeHTML
        let largest = max(measures.map(\.amount.fen).max() ?? 1, 1)
        let labelWidth = 150
        let plotWidth = 360
        let rowHeight = 26
        let width = labelWidth + plotWidth + 170
        let height = measures.count * rowHeight + 10
        var shapes: [String] = []
        for (index, measure) in measures.enumerated() {
            let y = 5 + index * rowHeight
            let barWidth = Int(Double(max(measure.amount.fen, 0)) / Double(largest) * Double(plotWidth))
            shapes.append(
                "<text x=\"\(labelWidth - 8)\" y=\"\(y + 16)\" font-size=\"12\" text-anchor=\"end\">\(escape(measure.label))</text>"
            )
            shapes.append(
                "<rect x=\"\(labelWidth)\" y=\"\(y + 3)\" width=\"\(barWidth)\" height=\"\(rowHeight - 8)\" fill=\"\(measure.colour)\">"
                    + "<title>\(escape("\(measure.label) \(measure.amount.formatted())"))</title></rect>"
            )
            shapes.append(
                "<text x=\"\(labelWidth + barWidth + 6)\" y=\"\(y + 16)\" font-size=\"12\">"
                    + "\(escape("\(measure.amount.formattedWan(decimals: 2)) (\(measure.amount.formatted()))"))</text>"
            )
        }
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(width) \(height)\" width=\"\(width)\" "
            + "height=\"\(height)\" role=\"img\" aria-label=\"\(escape(title))\">\(shapes.joined())</svg>"
    }
}
