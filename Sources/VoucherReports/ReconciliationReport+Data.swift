import VoucherDomain

// MARK: - JSON and CSV, for scripts and spreadsheets

extension ReconciliationReport {
    /// One JSON object: amounts as decimal strings in yuan with two decimals, counts as integers.
    func json() -> String {
        let f = figures
        func amount(_ money: Money) -> CanonicalJSON { .string(money.decimalString()) }
        let span = self.span
        var object: [String: CanonicalJSON] = [
            "programme": .string(programme.value), "name_zh": .string(name.zh), "name_en": .string(name.en),
            "kind": .string(f.kind.rawValue), "year": f.period.year.map { .int(Int64($0)) } ?? .null,
            "from": span.from.isEmpty ? .null : .string(span.from), "to": .string(span.to),
            "applicants": .int(Int64(f.applicants)), "enterprises_served": .int(Int64(f.enterprisesServed)),
            "uses": .int(Int64(f.uses)), "providers": .int(Int64(f.providers)), "products": .int(Int64(f.products)),
            "claimed": amount(f.claimed), "service_amount": amount(f.serviceAmount), "used": amount(f.used),
            "redeemed": amount(f.redeemed), "awaiting_redemption": amount(f.awaitingRedemption),
            "expired": amount(f.expired), "forfeited": amount(f.forfeited), "available": amount(f.available),
            "uses_over_rate": .int(Int64(f.usesOverRate)),
            "negative_accounts": .array(f.negativeAccounts.map { .string($0) }),
            "chain_head": .string(f.chainHead.hash), "events": .int(f.chainHead.events),
            "sentence_zh": .string(openingSentence(.zh)), "sentence_en": .string(openingSentence(.en)),
        ]
        object["identities"] = .array(
            f.identities.map {
                .object(["name": .string($0.name), "holds": .bool($0.holds), "difference": amount($0.difference)])
            }
        )
        var breakdownObject: [String: CanonicalJSON] = [:]
        for (dimension, rows) in breakdowns {
            breakdownObject[dimension.rawValue] = .array(
                rows.map {
                    .object([
                        "key": .string($0.key), "uses": .int(Int64($0.uses)),
                        "service_amount": amount($0.serviceAmount),
                        "used": amount($0.used), "redeemed": amount($0.redeemed),
                    ])
                }
            )
        }
        object["breakdowns"] = .object(breakdownObject)
        // Every key a breakdown has, listed or not (the applicants are listed largest first, up to a limit).
        object["breakdown_keys"] = .object(
            Dictionary(
                uniqueKeysWithValues: breakdowns.map { dimension, rows in
                    (dimension.rawValue, CanonicalJSON.int(Int64(max(breakdownKeys[dimension] ?? 0, rows.count))))
                }
            )
        )
        object["exceptions"] = .object([
            "reversals": .array(
                exceptions.reversals.map {
                    .object([
                        "event": .int($0.event), "date": .string($0.date.iso), "reverses": .int($0.reversedEvent),
                        "kind": .string($0.reversedKind), "reason": .string($0.reason), "actor": .string($0.actor),
                    ])
                }
            ),
            "overrides": .array(
                exceptions.overrides.map {
                    .object([
                        "party": .string($0.party), "name": .string($0.name), "reason": .string($0.reason),
                        "approved_by": .string($0.approvedBy),
                    ])
                }
            ),
            "late_redemptions": .array(
                exceptions.lateRedemptions.map {
                    .object([
                        "filing": .string($0.filing), "use": .string($0.use), "provider": .string($0.provider),
                        "deadline": .string($0.deadline.iso), "filed_on": .string($0.filedOn.iso),
                    ])
                }
            ),
        ])
        return CanonicalJSON.object(object).text + "\n"
    }

    /// The figures and identities as `measure,value` rows; amounts in yuan with two decimals.
    func csv(_ language: Language) -> String {
        let words = ReportWords(language)
        var lines = ["measure,value"]
        for row in figureRows(language) {
            lines.append(field(row.label) + "," + (row.count.map(String.init) ?? row.money?.decimalString() ?? ""))
        }
        for check in figures.identities {
            lines.append(field(words.identity(check.name)) + "," + check.difference.decimalString())
        }
        lines.append(field(words.chainHead) + "," + figures.chainHead.hash)
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// One breakdown as CSV: every row given, amounts in yuan with two decimals.
    public static func breakdownCSV(
        _ rows: [BreakdownRow],
        by dimension: BreakdownDimension,
        language: Language
    )
        -> String
    {
        let words = ReportWords(language)
        var lines = ["\(words.key(dimension)),uses,service_amount,used,redeemed"]
        for row in rows {
            lines.append(
                "\(field(row.key)),\(row.uses),\(row.serviceAmount.decimalString()),\(row.used.decimalString()),\(row.redeemed.decimalString())"
            )
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }
}

/// A CSV field, quoted when it holds a comma, a quote or a line break.
func field(_ text: String) -> String {
    text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
        ? "\"" + text.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
        : text
}
