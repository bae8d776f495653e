import Foundation
import VoucherDomain

/// A what-if (`voucher whatif`): a programme year replayed under its own policy (the baseline) and
/// under each reform, side by side, with the differences, who gains and loses, which caps bind,
/// and the events whose outcome a reform changes.
public struct WhatIfReport: Sendable {
    public struct Scenario: Sendable {
        /// The reform's policy file, as named on the command line.
        public var policy: String
        public var outcome: ReplayOutcome
        /// Every applicant's amount in the baseline and this reform, the largest difference
        /// first (filled in by the report).
        public internal(set) var differences: [ApplicantDifference] = []

        public init(policy: String, outcome: ReplayOutcome) {
            self.policy = policy
            self.outcome = outcome
        }
    }

    /// One applicant's amount used in the baseline and under a reform.
    public struct ApplicantDifference: Sendable, Hashable {
        public var key: String
        public var baseline: Money
        public var reform: Money
        public var difference: Money { Money(fen: reform.fen - baseline.fen) }
    }

    public enum Format: String, Sendable, CaseIterable {
        case text, markdown, csv, json, html
    }

    public var programme: ProgrammeID
    public var name: LocalizedText
    public var year: Int
    public var baseline: ReplayOutcome
    public var reforms: [Scenario]
    /// Applicants' names by id.
    public var names: [String: String]

    /// How many applicants and changed events the report lists (JSON lists every changed event).
    public static let listed = 20

    public init(
        programme: ProgrammeID,
        name: LocalizedText,
        year: Int,
        baseline: ReplayOutcome,
        reforms: [Scenario],
        names: [String: String]
    ) {
        self.programme = programme
        self.name = name
        self.year = year
        self.baseline = baseline
        self.reforms = reforms
        self.names = names
        for index in self.reforms.indices { self.reforms[index].differences = differences(self.reforms[index]) }
    }

    // MARK: What the formats share

    /// The figures compared, as (JSON key, label, value): counts as Int, amounts as Money.
    enum Figure {
        case count(Int)
        case money(Money)
    }

    static let figureKeys = [
        "claimed", "service_amount", "used", "redeemed", "awaiting_redemption", "expired", "forfeited", "available",
        "applicants", "enterprises_served", "uses", "providers", "products",
    ]

    func label(_ key: String, _ language: Language) -> String {
        let words = ReportWords(language)
        return switch key {
        case "claimed": words.claimed
        case "service_amount": words.serviceAmount
        case "used": words.used
        case "redeemed": words.redeemed
        case "awaiting_redemption": words.awaiting
        case "expired": words.expired
        case "forfeited": words.forfeited
        case "available": words.available
        case "applicants": words.applicants
        case "enterprises_served": words.enterprisesServed
        case "uses": words.uses(baseline.figures.kind)
        case "providers": words.providers
        default: words.products
        }
    }

    static func figure(_ key: String, of figures: ReconciliationFigures) -> Figure {
        switch key {
        case "claimed": .money(figures.claimed)
        case "service_amount": .money(figures.serviceAmount)
        case "used": .money(figures.used)
        case "redeemed": .money(figures.redeemed)
        case "awaiting_redemption": .money(figures.awaitingRedemption)
        case "expired": .money(figures.expired)
        case "forfeited": .money(figures.forfeited)
        case "available": .money(figures.available)
        case "applicants": .count(figures.applicants)
        case "enterprises_served": .count(figures.enterprisesServed)
        case "uses": .count(figures.uses)
        case "providers": .count(figures.providers)
        default: .count(figures.products)
        }
    }

    static func difference(_ a: Figure, _ b: Figure) -> Figure {
        switch (a, b) {
        case (.count(let x), .count(let y)): .count(y - x)
        case (.money(let x), .money(let y)): .money(Money(fen: y.fen - x.fen))
        default: .count(0)
        }
    }

    /// Every applicant with an amount in the baseline or the reform, the largest difference first.
    public func applicants(_ reform: Scenario) -> [ApplicantDifference] { reform.differences }

    private func differences(_ reform: Scenario) -> [ApplicantDifference] {
        // One pass over each side's applicants (no set of every key), and the order's first key
        // computed once per applicant, not at every comparison.
        let reformUsed = reform.outcome.usedByApplicant
        var differences: [(size: Int64, applicant: ApplicantDifference)] = []
        differences.reserveCapacity(max(baseline.usedByApplicant.count, reformUsed.count))
        for (key, used) in baseline.usedByApplicant {
            let applicant = ApplicantDifference(key: key, baseline: used, reform: reformUsed[key] ?? .zero)
            differences.append((abs(applicant.difference.fen), applicant))
        }
        for (key, used) in reformUsed where baseline.usedByApplicant[key] == nil {
            let applicant = ApplicantDifference(key: key, baseline: .zero, reform: used)
            differences.append((abs(applicant.difference.fen), applicant))
        }
        differences.sort { $0.size != $1.size ? $0.size > $1.size : $0.applicant.key < $1.applicant.key }
        return differences.map(\.applicant)
    }

    /// The applicants whose amount a reform changes, the largest difference first: the report's
    /// table of differences (`--by applicant` lists every applicant).
    public func changedApplicants(_ reform: Scenario) -> [ApplicantDifference] {
        reform.differences.filter { $0.difference != .zero }
    }

    /// How many applicants gain, lose or stay the same under a reform.
    public func tally(_ reform: Scenario) -> (gain: Int, lose: Int, same: Int) {
        var tally = (gain: 0, lose: 0, same: 0)
        for applicant in applicants(reform) {
            if applicant.difference.fen > 0 {
                tally.gain += 1
            } else if applicant.difference.fen < 0 {
                tally.lose += 1
            } else {
                tally.same += 1
            }
        }
        return tally
    }

    /// A change, in words.
    func describe(_ change: ReplayChange, _ language: Language) -> String {
        let zh = language == .zh
        let amounts = "\(change.recorded.formatted()) → \(change.reform.formatted())"
        switch change.what {
        case .grantCapped(let binding):
            let term = binding.map { Term.Kind(rawValue: $0)?.label(language) ?? $0 }
            return (zh ? "核定额度受调整后政策的上限约束" : "grant capped by the reform")
                + (term.map { zh ? "（\($0)）" : " (\($0))" } ?? "") + (zh ? "：" : ": ") + amounts
        case .refused(_, let words):
            return (zh ? "按调整后政策不予核定：" : "refused under the reform: ") + amounts + " — " + words.text(language)
        case .useRefused(_, let words):
            return (zh ? "按调整后政策该次用券不予补贴：" : "the use would now pay nothing: ") + amounts + " — "
                + words.text(language)
        case .reductionCapped:
            return (zh ? "核减后兑付额不超过调整后政策下的用券额：" : "reduced payment capped at the reform's use amount: ")
                + amounts
        case .paymentCapped:
            return (zh ? "拨付不超过调整后政策下核定的余额：" : "payment capped at what is left of the reform's grant: ")
                + amounts
        }
    }

    /// A changed event's line: its number, kind, reference and applicant, and the change.
    func changeLine(_ change: ReplayChange, _ language: Language) -> String {
        language == .zh
            ? "#\(change.seq) \(LedgerError.eventZh(change.kind)) \(change.ref) \(change.applicant)：\(describe(change, language))"
            : "#\(change.seq) \(change.kind.rawValue) \(change.ref) \(change.applicant): \(describe(change, language))"
    }

    func whatCode(_ what: ReplayChange.What) -> String {
        switch what {
        case .grantCapped: "grant-capped"
        case .refused: "refused"
        case .useRefused: "use-pays-nothing"
        case .reductionCapped: "reduction-capped"
        case .paymentCapped: "payment-capped"
        }
    }

    func reason(_ what: ReplayChange.What) -> String? {
        switch what {
        case .grantCapped(let binding): binding
        case .refused(let reason, _), .useRefused(let reason, _): reason
        case .reductionCapped, .paymentCapped: nil
        }
    }

    func words(_ language: Language) -> Words { Words(language: language) }

    struct Words {
        let language: Language
        private func pick(_ zh: String, _ en: String) -> String { language == .zh ? zh : en }
        var title: String { pick("政策模拟（假如政策不同）", "What if the policy had been different") }
        var figure: String { pick("指标", "figure") }
        var term: String { pick("约束条款", "term") }
        var baseline: String { pick("现行政策", "baseline") }
        var difference: String { pick("差额", "difference") }
        var applicant: String { pick("企业", "applicant") }
        var name: String { pick("名称", "name") }
        func tally(_ gain: Int, _ lose: Int, _ same: Int) -> String {
            pick(
                "申请主体：金额增加的 \(gain) 家，减少的 \(lose) 家，不变的 \(same) 家",
                "Applicants: \(gain) gain, \(lose) lose, \(same) the same"
            )
        }
        var binding: String { pick("约束条款（次数）", "Terms that bound uses (count)") }
        var changed: String { pick("结果改变的事件", "Events whose outcome changes") }
        var noChange: String { pick("无", "none") }
        func notListed(_ listed: Int, _ count: Int, _ what: String?) -> String {
            guard let what else { return pick("列出 \(count) 项中的 \(listed) 项", "\(listed) of \(count) listed") }
            return pick(
                "列出 \(count) 项中的 \(listed) 项；其余见 \(what)",
                "\(listed) of \(count) listed; \(what) lists every one"
            )
        }
        func usesOtherAmount(_ count: Int) -> String {
            pick("用券金额改变的次数：\(count)", "uses whose amount changes: \(count)")
        }
        var chart: String { pick("按月用券金额：现行政策与调整后政策", "Used by month: baseline and reform") }
        var reform: String { pick("调整后政策", "reform") }
        var largest: String { pick("差额最大的企业", "Applicants with the largest differences") }
        /// A reform's name: "调整后政策：rate-40.yaml".
        func reformNamed(_ tag: String, _ policy: String) -> String {
            pick("调整后政策\(tag)：\(policy)", "reform\(tag): \(policy)")
        }
    }

    // MARK: Rendering

    public func render(_ format: Format, language: Language) -> String {
        switch format {
        case .text: text(language, markdown: false)
        case .markdown: text(language, markdown: true)
        case .csv: csv()
        case .json: json()
        case .html: html(language)
        }
    }

    static func show(_ figure: Figure) -> String {
        switch figure {
        case .count(let n): String(n)
        case .money(let m): m.formatted()
        }
    }

    static func signed(_ figure: Figure) -> String {
        switch figure {
        case .count(let n): n > 0 ? "+\(n)" : String(n)
        case .money(let m): m.fen > 0 ? "+" + m.formatted() : m.formatted()
        }
    }

    /// The figures table's rows: label, baseline, then each reform and its difference.
    func figureRows(_ language: Language) -> (header: [String], rows: [[String]]) {
        let w = words(language)
        var header = [w.figure, w.baseline]
        for (index, reform) in reforms.enumerated() {
            let tag = reforms.count == 1 ? "" : " \(index + 1)"
            header += [w.reformNamed(tag, reform.policy), w.difference + tag]
        }
        var rows: [[String]] = []
        for key in Self.figureKeys {
            let base = Self.figure(key, of: baseline.figures)
            var row = [label(key, language), Self.show(base)]
            for reform in reforms {
                let value = Self.figure(key, of: reform.outcome.figures)
                row += [Self.show(value), Self.signed(Self.difference(base, value))]
            }
            rows.append(row)
        }
        return (header, rows)
    }

    func text(_ language: Language, markdown: Bool) -> String {
        let w = words(language)
        func cell(_ text: String) -> String { markdown ? text.replacingPipes() : text.visible }
        func table(_ header: [String], _ rows: [[String]], leftColumns: Int) -> [String] {
            if markdown {
                return [
                    "| " + header.map(cell).joined(separator: " | ") + " |",
                    "| " + header.indices.map { $0 < leftColumns ? "---" : "---:" }.joined(separator: " | ") + " |",
                ]
                    + rows.map { "| " + $0.map(cell).joined(separator: " | ") + " |" }
            }
            var table = TextTable(
                header: header.map(cell),
                alignments: header.indices.map { $0 < leftColumns ? .left : .right }
            )
            table.rows = rows.map { $0.map(cell) }
            return [table.render()]
        }
        func heading(_ text: String, level: Int) -> String {
            markdown ? String(repeating: "#", count: level) + " " + cell(text) : cell(text)
        }
        var out: [String] = []
        out.append(heading("\(name.text(language)) · \(year) · \(w.title)", level: 1))
        out.append("")
        let (header, rows) = figureRows(language)
        out += table(header, rows, leftColumns: 1)
        for (index, reform) in reforms.enumerated() {
            out.append("")
            out.append(heading(w.reformNamed(reforms.count == 1 ? "" : " \(index + 1)", reform.policy), level: 2))
            out.append("")
            let tally = tally(reform)
            out.append(cell(w.tally(tally.gain, tally.lose, tally.same)))
            out.append(cell(w.usesOtherAmount(reform.outcome.usesWithOtherAmount)))
            out.append("")
            out.append(heading(w.binding, level: 3))
            out.append("")
            let terms = Set(baseline.binding.keys).union(reform.outcome.binding.keys).sorted()
            out += table(
                [w.term, w.baseline, w.reform],
                terms.map {
                    [
                        Term.Kind(rawValue: $0)?.label(language) ?? $0, String(baseline.binding[$0] ?? 0),
                        String(reform.outcome.binding[$0] ?? 0),
                    ]
                },
                leftColumns: 1
            )
            out.append("")
            out.append(heading(w.largest, level: 3))
            out.append("")
            let applicants = changedApplicants(reform)
            if applicants.isEmpty { out.append(cell(w.noChange)) }
            if !applicants.isEmpty {
                out += table(
                    [w.applicant, w.name, w.baseline, w.reform, w.difference],
                    applicants.prefix(Self.listed).map {
                        [
                            $0.key, names[$0.key] ?? "", $0.baseline.formatted(), $0.reform.formatted(),
                            Self.signed(.money($0.difference)),
                        ]
                    },
                    leftColumns: 2
                )
            }
            if applicants.count > Self.listed {
                out.append(cell(w.notListed(Self.listed, applicants.count, "--by applicant")))
            }
            out.append("")
            out.append(heading(w.changed, level: 3))
            out.append("")
            let changes = reform.outcome.changes
            if changes.isEmpty { out.append(cell(w.noChange)) }
            for change in changes.prefix(Self.listed) {
                out.append(
                    (markdown ? "- " : "  ")
                        + cell(
                            changeLine(change, language)
                        )
                )
            }
            if changes.count > Self.listed {
                out.append(cell(w.notListed(Self.listed, changes.count, "--format json")))
            }
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// The figures as CSV: figure, baseline, then each reform and its difference; amounts in yuan.
    func csv() -> String {
        var lines: [String] = []
        var header = ["figure", "baseline"]
        for (index, reform) in reforms.enumerated() {
            header += ["reform_\(index + 1):\(reform.policy)", "difference_\(index + 1)"]
        }
        lines.append(header.map(field).joined(separator: ","))
        for key in Self.figureKeys {
            let base = Self.figure(key, of: baseline.figures)
            // Numbers as they are (a minus sign starts a number here, not a formula).
            var row = [field(key), Self.plain(base)]
            for reform in reforms {
                let value = Self.figure(key, of: reform.outcome.figures)
                row += [Self.plain(value), Self.plain(Self.difference(base, value))]
            }
            lines.append(row.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func plain(_ figure: Figure) -> String {
        switch figure {
        case .count(let n): String(n)
        case .money(let m): m.decimalString()
        }
    }

    /// Every applicant of every reform as CSV (`--by applicant`): reform, key, name, baseline,
    /// reform, difference; the largest difference first.
    public func applicantsCSV() -> String {
        var lines = ["reform,key,name,baseline_used,reform_used,difference"]
        for reform in reforms {
            for applicant in applicants(reform) {
                lines.append(
                    ([reform.policy, applicant.key, names[applicant.key] ?? ""].map(field)
                        + [
                            applicant.baseline.decimalString(), applicant.reform.decimalString(),
                            applicant.difference.decimalString(),
                        ]).joined(separator: ",")
                )
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    // MARK: JSON

    func figuresJSON(_ figures: ReconciliationFigures) -> [String: CanonicalJSON] {
        var members: [String: CanonicalJSON] = ["budget": .null]
        for key in Self.figureKeys {
            switch Self.figure(key, of: figures) {
            case .count(let n): members[key] = .int(Int64(n))
            case .money(let m): members[key] = .string(m.decimalString())
            }
        }
        return members
    }

    func json() -> String {
        let reformsJSON: [CanonicalJSON] = reforms.map { reform in
            var difference: [String: CanonicalJSON] = [:]
            for key in Self.figureKeys {
                switch Self.difference(
                    Self.figure(key, of: baseline.figures),
                    Self.figure(key, of: reform.outcome.figures)
                ) {
                case .count(let n): difference[key] = .int(Int64(n))
                case .money(let m): difference[key] = .string(m.decimalString())
                }
            }
            let tally = tally(reform)
            let applicants = applicants(reform)
            return .object([
                "policy": .string(reform.policy),
                "figures": .object(figuresJSON(reform.outcome.figures)),
                "difference": .object(difference),
                "applicants_compared": .object([
                    "gain": .int(Int64(tally.gain)), "lose": .int(Int64(tally.lose)), "same": .int(Int64(tally.same)),
                ]),
                "applicants": .array(
                    applicants.prefix(Self.listed).map {
                        .object([
                            "key": .string($0.key), "name": .string(names[$0.key] ?? ""),
                            "baseline_used": .string($0.baseline.decimalString()),
                            "reform_used": .string($0.reform.decimalString()),
                            "difference": .string($0.difference.decimalString()),
                        ])
                    }
                ),
                "binding": .object(reform.outcome.binding.mapValues { .int(Int64($0)) }),
                "uses_with_other_amount": .int(Int64(reform.outcome.usesWithOtherAmount)),
                "changed_events": .array(
                    reform.outcome.changes.map {
                        .object([
                            "event": .int($0.seq), "kind": .string($0.kind.rawValue), "ref": .string($0.ref),
                            "applicant": .string($0.applicant), "what": .string(whatCode($0.what)),
                            "reason": .optional(reason($0.what)),
                            "recorded": .string($0.recorded.decimalString()),
                            "reform": .string($0.reform.decimalString()),
                        ])
                    }
                ),
            ])
        }
        var members: [String: CanonicalJSON] = [
            "programme": .string(programme.value),
            "year": .int(Int64(year)),
            "baseline": .object(figuresJSON(baseline.figures)),
            "baseline_binding": .object(baseline.binding.mapValues { .int(Int64($0)) }),
            "reforms": .array(reformsJSON),
        ]
        if reformsJSON.count == 1 { members["reform"] = reformsJSON[0] }
        return CanonicalJSON.object(members).text + "\n"
    }
}
