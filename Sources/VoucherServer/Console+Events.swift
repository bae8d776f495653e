import Foundation
import HTTPTypes
import Hummingbird
import VoucherDomain
import VoucherReports
import VoucherStorage

// MARK: - The events page: every event, newest first, and their reversal

extension Console {
    // MARK: The events, and their reversal (auditor reads, admin reverses)

    /// The latest events, latest first, fifty at a time; for an admin, a form on each event a
    /// reversal may cancel.
    func eventsPage(
        _ session: Session,
        before: Int64?,
        typed: TypedForm? = nil,
        flash: (String, String)?
    ) async throws -> Response {
        let words = Words(session.language)
        let pageSize = 50
        let admin = session.user.role == .admin
        // For an admin, the rules say which events may be reversed now, and why the others may not.
        let (lines, refusals) = try await api.worker.read { ledger in
            let lines = try ledger.eventLines(before: before, limit: pageSize)
            return (lines, admin ? try ledger.reversalRefusals(of: lines.map(\.seq)) : [:])
        }
        // A refusal's row says why; what to do instead is the same for many rows, so it is a note
        // below the table, numbered in the order the rows first need it.
        var remedies: [String] = []
        let today = BusinessDate.today()
        let rows: [[String: Any]] = lines.map { line in
            let lifecycle = EventKind(rawValue: line.kind)?.isReversible == true && line.reversedBy == nil
            var state = line.reversedBy.map { words.reversed($0) } ?? ""
            if let target = line.reverses { state = words.reverses(target) }
            var row: [String: Any] = [
                "seq": String(line.seq), "date": line.businessDate,
                "kind": words["kind.\(line.kind)"]
                    + (Self.decision(in: line.payload, words).map(words.inParentheses) ?? ""),
                "subject": Self.subject(of: line.payload),
                "amount": (line.amount ?? Self.amount(in: line.payload))?.formatted() ?? "",
                "actor": line.actor, "state": state, "reversible": admin && lifecycle && refusals[line.seq] == nil,
            ]
            // An event dated ahead (recorded before the rule that no date is) is reversed on its
            // own date: the form offers that day.
            if let dated = try? BusinessDate.parse(line.businessDate), dated > today { row["ahead"] = dated.iso }
            // A refused reversal's row keeps what was typed in it.
            row.merge(typed?.row(String(line.seq), [("reason", "typedReason"), ("date", "typedDate")]) ?? [:]) { $1 }
            if admin, lifecycle, let refusal = refusals[line.seq] {
                if case .notReversible(_, let reason, let remedy) = refusal {
                    row["refusal"] = reason.text(session.language)
                    if let remedy = remedy?.text(session.language) {
                        let known = remedies.firstIndex(of: remedy)
                        if known == nil { remedies.append(remedy) }
                        row["remedy"] = String((known ?? remedies.count - 1) + 1)
                    }
                } else {
                    row["refusal"] = refusal.text(session.language)
                }
            }
            return row
        }
        var data: [String: Any] = [
            "events": rows, "hasEvents": !rows.isEmpty, "admin": admin, "page": before.map(String.init) ?? "",
        ]
        data["hasRemedies"] = !remedies.isEmpty
        data["remedies"] = remedies.enumerated().map {
            ["number": String($0.offset + 1), "html": Self.htmlMarkingCommands($0.element)]
        }
        if lines.count == pageSize, let last = lines.last { data["earlier"] = String(last.seq) }
        // A page of older events links back to the latest.
        data["older"] = before != nil
        return render("events", title: words["events"], session: session, data: data, flash: flash)
    }

    /// A remedy's text escaped for HTML, with the commands it quotes between backticks
    /// (`` `voucher recover` ``, as a terminal shows them) set as code; escaped as it is when its
    /// backticks do not pair.
    static func htmlMarkingCommands(_ text: String) -> String {
        let parts = text.split(separator: "`", omittingEmptySubsequences: false).map {
            WhatIfReport.escapeHTML(String($0))
        }
        guard parts.count >= 3, parts.count % 2 == 1 else { return WhatIfReport.escapeHTML(text) }
        return parts.enumerated().map { $0.offset % 2 == 1 ? "<code>\($0.element)</code>" : $0.element }.joined()
    }

    /// What an event is about, from its recorded request: the reference it records or names,
    /// else the party, product or programme it registers.
    static func subject(of payload: String) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any] else {
            return ""
        }
        var subject = ""
        for key in ["ref", "claim", "use", "filing", "id", "code", "provider", "programme", "reverses"] {
            if let text = object[key] as? String {
                subject = text
                break
            }
            if let number = object[key] as? NSNumber {
                subject = number.stringValue
                break
            }
        }
        // Why it was recorded, where the record says (a reversal, a rejection, a suspension, a reduction).
        if let reason = object["reason"] as? String, !reason.isEmpty {
            subject += subject.isEmpty ? reason : " · " + reason
        }
        return subject
    }

    /// A decision's level and outcome, as the events page says them beside its kind: `区级 核定`.
    static func decision(in payload: String, _ words: Words) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any],
            let level = object["level"] as? String, let outcome = object["outcome"] as? String,
            ["district", "city"].contains(level), ["granted", "rejected"].contains(outcome)
        else { return nil }
        return words[level] + " " + words[outcome == "granted" ? "decisionGranted" : "decisionRejected"]
    }

    /// The amount a recorded request states (in fen, as every payload keeps amounts), for events
    /// whose explanation computes none: money owed or received back, an appropriation; the
    /// quotas that lapsed, together.
    static func amount(in payload: String) -> Money? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any] else {
            return nil
        }
        if let fen = object["amount"] as? NSNumber { return Money(fen: fen.int64Value) }
        guard let lapsed = object["lapsed"] as? [[String: Any]] else { return nil }
        return try? Money.sum(lapsed.map { Money(fen: ($0["amount"] as? NSNumber)?.int64Value ?? 0) })
    }

    /// Reverses the path's event with the form's reason.
    func reverseEvent(_ session: Session, seq text: String, _ form: [String: [String]]) async throws -> Response {
        let words = Words(session.language)
        guard let seq = Int64(text), seq >= 1 else { throw APIFailure.notFound(words["not-found"]) }
        let context = EventContext(
            idempotencyKey: "reversal:\(seq)",
            actor: session.user.name,
            businessDate: try Self.date(in: form, words)
        )
        let event = try await api.recordReversal(
            event: seq,
            reason: Self.field("reason", in: form) ?? "",
            context: context
        )
        return try await eventsPage(
            session,
            before: Self.seq(Self.field("page", in: form)),
            flash: (words.recorded(api.counted(event)), "ok")
        )
    }
}
