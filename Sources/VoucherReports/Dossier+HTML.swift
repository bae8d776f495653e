import Foundation
import VoucherDomain

// MARK: - The dossier's printable page

extension Dossier {
    func html(_ language: Language) -> String {
        let zh = language == .zh
        func t(_ chinese: String, _ english: String) -> String { zh ? chinese : english }
        let escape = WhatIfReport.escapeHTML
        let reversed = reversedBy
        let name = registrations.last?.name ?? scope.applicant
        var body: [String] = []
        func table(_ title: String, _ header: [String], _ rows: [[String]], numeric: Set<Int> = []) {
            body.append("<h2>\(escape(title))</h2>")
            guard !rows.isEmpty else {
                body.append("<p>\(t("无。", "None."))</p>")
                return
            }
            body.append(
                "<table><thead><tr>" + header.map { "<th>\(escape($0))</th>" }.joined() + "</tr></thead><tbody>"
            )
            for row in rows {
                let cells = row.enumerated().map { index, cell in
                    numeric.contains(index) ? "<td class=\"n\">\(escape(cell))</td>" : "<td>\(escape(cell))</td>"
                }
                body.append("<tr>" + cells.joined() + "</tr>")
            }
            body.append("</tbody></table>")
        }
        func state(_ seq: Int64) -> String {
            reversed[seq].map { t("已由事件 \($0) 冲销", "reversed by event \($0)") } ?? ""
        }
        func word(_ code: String) -> String {
            guard zh else { return code }
            let words = [
                "district": "区级", "city": "市级", "granted": "批准", "rejected": "不予批准", "paid": "全额兑付",
                "reduced": "核减兑付", "returned": "退回额度", "forfeited": "作废", "enterprise": "企业", "team": "团队",
            ]
            return words[code] ?? code
        }

        body.append("<h1>\(escape(t("审计档案：", "Audit dossier: ") + name + " (" + scope.applicant + ")"))</h1>")
        let programme = scope.programme ?? t("全部项目", "all programmes")
        let year = scope.year.map(String.init) ?? t("全部年度", "all years")
        body.append(
            "<p class=\"lead\">"
                + escape(
                    t(
                        "账本中截至第 \(head.events) 个事件关于该申请主体的全部记录（\(programme)，\(year)），共 \(events.count) 个事件。",
                        "Everything the ledger holds about this applicant up to its event \(head.events) (\(programme), "
                            + "\(year)): \(events.count) events."
                    )
                ) + "</p>"
        )
        body.append(
            "<p>\(escape(t("制作时的链头（不是摘要，不能代替在别处保存的摘要）：第 \(head.events) 个事件，哈希 ", "Chain head when it was made (not a digest: it cannot stand for one kept elsewhere): event \(head.events), hash ")))<code>\(escape(head.hash))</code></p>"
        )
        body.append(
            "<p>"
                + escape(
                    t(
                        "核对方法：在别处取得账本摘要（voucher digest）后运行 voucher verify --dossier 本文件.zip --digest 摘要。",
                        "To check it: take the ledger's digest elsewhere (voucher digest), then run "
                            + "voucher verify --dossier THIS-FILE.zip --digest DIGEST."
                    )
                ) + "</p>"
        )
        table(
            t("登记", "Registrations"),
            [
                t("事件", "Event"), t("类型", "Kind"), t("名称", "Name"), t("区", "District"), t("地区", "Region"),
                t("集团", "Group"), t("属性", "Attributes"),
            ],
            registrations.map {
                [String($0.seq), word($0.kind), $0.name, $0.district, $0.region, $0.group ?? "", $0.attributes ?? ""]
            },
            numeric: [0]
        )
        table(
            t("申请", "Claims"),
            [
                t("事件", "Event"), t("编号", "Ref"), t("项目", "Programme"), t("年度", "Year"),
                t("申请金额（元）", "Requested (yuan)"),
                t("课题", "Project"), t("状态", "State"),
            ],
            claims.map {
                [
                    String($0.seq), $0.ref, $0.programme, String($0.year), $0.requested.formatted(), $0.project ?? "",
                    state($0.seq),
                ]
            },
            numeric: [0, 3, 4]
        )
        table(
            t("审核", "Decisions"),
            [
                t("事件", "Event"), t("申请", "Claim"), t("层级", "Level"), t("结果", "Outcome"),
                t("核定金额（元）", "Granted (yuan)"),
                t("审核人", "Reviewer"), t("理由", "Reason"), t("有效期至", "Valid until"), t("状态", "State"),
            ],
            decisions.map {
                [
                    String($0.seq), $0.claimRef, word($0.level), word($0.outcome), $0.granted.formatted(), $0.reviewer,
                    $0.reason ?? "", $0.validUntil ?? "", state($0.seq),
                ]
            },
            numeric: [0, 4]
        )
        // A use's row, and below it the engine's explanation of its amount, line by line.
        body.append("<h2>\(escape(t("使用", "Uses")))</h2>")
        if uses.isEmpty {
            body.append("<p>\(t("无。", "None."))</p>")
        } else {
            let header = [
                t("事件", "Event"), t("编号", "Ref"), t("申请", "Claim"), t("日期", "Date"), t("服务机构", "Provider"),
                t("产品", "Product"), t("发票", "Invoice"), t("服务金额（元）", "Service (yuan)"), t("比例", "Rate"),
                t("券额（元）", "Voucher (yuan)"), t("兑付截止", "Deadline"), t("状态", "State"),
            ]
            body.append(
                "<table><thead><tr>" + header.map { "<th>\(escape($0))</th>" }.joined() + "</tr></thead><tbody>"
            )
            for use in uses {
                let cells = [
                    String(use.seq), use.ref, use.claimRef, use.usedOn, use.provider, use.product, use.invoice ?? "",
                    use.serviceAmount.formatted(), Rate(basisPoints: Int64(use.rateBasisPoints)).formatted(),
                    use.amount.formatted(), use.redemptionDeadline ?? "", state(use.seq),
                ]
                body.append(
                    "<tr>"
                        + cells.enumerated().map { index, cell in
                            [0, 7, 8, 9].contains(index)
                                ? "<td class=\"n\">\(escape(cell))</td>" : "<td>\(escape(cell))</td>"
                        }.joined() + "</tr>"
                )
                let lines = Self.explanationLines(use.explanation, language)
                if !lines.isEmpty {
                    body.append(
                        "<tr class=\"x\"><td></td><td colspan=\"\(header.count - 1)\">"
                            + escape(lines.joined(separator: "\n")) + "</td></tr>"
                    )
                }
            }
            body.append("</tbody></table>")
        }
        table(
            t("兑付", "Redemptions"),
            [
                t("申报事件", "Filed (event)"), t("申报编号", "Filing"), t("服务机构", "Provider"), t("使用", "Use"),
                t("逾期申报", "Past deadline"), t("结算事件", "Settled (event)"), t("结果", "Outcome"),
                t("兑付（元）", "Paid (yuan)"), t("未兑付（元）", "Unpaid (yuan)"), t("理由", "Reason"), t("状态", "State"),
            ],
            redemptions.flatMap { item -> [[String]] in
                let filed = [
                    String(item.filingSeq), item.filingRef, item.provider, item.useRef,
                    item.pastDeadline ? t("是", "yes") : t("否", "no"),
                ]
                if item.settlements.isEmpty { return [filed + ["", "", "", "", "", state(item.filingSeq)]] }
                return item.settlements.map {
                    filed + [
                        String($0.seq), word($0.outcome), $0.paid.formatted(),
                        $0.unpaid.formatted() + ($0.unpaid.fen > 0 ? " (" + word($0.unpaidEffect) + ")" : ""),
                        $0.reason ?? "", state($0.seq).isEmpty ? state(item.filingSeq) : state($0.seq),
                    ]
                }
            },
            numeric: [0, 5, 7, 8]
        )
        table(
            t("拨付", "Payments"),
            [t("事件", "Event"), t("申请", "Claim"), t("金额（元）", "Amount (yuan)"), t("状态", "State")],
            payments.map { [String($0.seq), $0.claimRef, $0.amount.formatted(), state($0.seq)] },
            numeric: [0, 2]
        )
        table(
            t("追回", "Recoveries"),
            [
                t("事件", "Event"), t("类型", "Kind"), t("使用", "Use"), t("金额（元）", "Amount (yuan)"), t("理由", "Reason"),
                t("状态", "State"),
            ],
            recoveries.map {
                [
                    String($0.seq), $0.received ? t("已追回", "received") : t("应追回", "owed"), $0.useRef,
                    $0.amount.formatted(),
                    $0.reason ?? "", state($0.seq),
                ]
            },
            numeric: [0, 3]
        )
        table(
            t("额度失效", "Quotas lapsed"),
            [t("事件", "Event"), t("日期", "Date"), t("账户", "Account"), t("失效金额（元）", "Lapsed (yuan)"), t("状态", "State")],
            lapses.map { [String($0.seq), $0.date, $0.account, $0.amount.formatted(), state($0.seq)] },
            numeric: [0, 3]
        )
        table(
            t("冲销", "Reversals"),
            [t("事件", "Event"), t("日期", "Date"), t("冲销事件", "Reverses"), t("类型", "Kind"), t("理由", "Reason")],
            reversals.map { [String($0.seq), $0.date, String($0.reverses), $0.kind, $0.reason] },
            numeric: [0, 2]
        )
        table(
            t("事件与哈希", "Events and their hashes"),
            [
                t("事件", "Event"), t("日期", "Date"), t("类型", "Kind"), t("记录人", "Recorded by"), t("冲销", "Reverses"),
                t("哈希", "Hash"),
            ],
            events.map {
                [
                    String($0.seq), $0.businessDate,
                    $0.kind + ($0.withheld ? t("（涉及其他申请主体，内容从略）", " (covers other applicants too: withheld)") : ""),
                    $0.withheld ? "" : $0.actor, $0.reverses.map(String.init) ?? "", $0.hash,
                ]
            },
            numeric: [0]
        )
        let style = """
            body{font-family:"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",sans-serif;margin:2em auto;max-width:72em;color:#111}
            h1{font-size:1.4em}h2{font-size:1.1em;margin-top:1.6em;border-bottom:1px solid #999}.lead{font-size:1.05em;line-height:1.6}
            table{border-collapse:collapse;margin:.5em 0;font-size:.9em}td,th{border:1px solid #bbb;padding:.2em .5em;vertical-align:top}
            th{background:#eee}td{white-space:pre-line;overflow-wrap:anywhere}tr.x td{font-size:.9em;color:#333;border-top:0}.n{text-align:right;font-variant-numeric:tabular-nums}
            code{font-size:.85em;word-break:break-all}
            @media print{body{margin:0;max-width:none}h2{break-after:avoid}tr{break-inside:avoid}}
            """
        let title = t("审计档案：", "Audit dossier: ") + name
        return """
            <!DOCTYPE html>
            <html lang="\(zh ? "zh-CN" : "en")">
            <head><meta charset="utf-8"><title>\(escape(title))</title><style>\(style)</style></head>
            <body>
            \(body.joined(separator: "\n"))
            </body>
            </html>

            """
    }
}

extension Dossier {
    /// The lines of a stored explanation in one language (its `zh` or `en` list); the stored text
    /// itself when it is not one this code wrote.
    public static func explanationLines(_ stored: String?, _ language: Language) -> [String] {
        guard let stored else { return [] }
        guard let object = try? JSONSerialization.jsonObject(with: Data(stored.utf8)) as? [String: Any],
            let lines = object[language.rawValue] as? [String]
        else { return [stored] }
        return lines
    }
}
