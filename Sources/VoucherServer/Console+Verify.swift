import Hummingbird
import VoucherDomain
import VoucherStorage

// MARK: - The verify page (auditors and admins)

extension Console {
    /// The whole ledger verified, the digest to keep, and a digest kept earlier (`?digest=`)
    /// compared with the ledger: still extended, truncated or rewritten.
    func verifyPage(_ session: Session, _ request: Request) async throws -> Response {
        let words = Words(session.language)
        let kept = Self.query("digest", request)?.trimmed ?? ""
        let digestKept = LedgerDigest(text: kept)
        let (report, digest, comparison) = try await api.worker.read { ledger in
            (try ledger.verify(against: nil), try ledger.digest(), try digestKept.map { try ledger.compare(with: $0) })
        }
        var data: [String: Any] = [
            "valid": report.isValid, "problem": report.problem?.text(session.language) ?? "",
            "digest": digest.description,
            "kept": kept,
        ]
        if !kept.isEmpty {
            var (text, holds) =
                comparison.map { (words.digestComparison($0, head: digest.events), $0.problem == nil) }
                ?? (words["notADigest"], false)
            // The digest's event has the hash it names, but a chain that does not verify may have
            // been changed below it without its hashes: that is not an unchanged ledger.
            if holds, !report.isValid, let comparison {
                text = words.digestMatchesButInvalid(comparison)
                holds = false
            }
            data["comparison"] = ["text": text, "class": holds ? "ok" : "bad"]
            // The chain verifies in itself, yet not as the digest kept: not a ledger to call good.
            if report.isValid, comparison?.problem != nil { data["notExtended"] = true }
        }
        return render("verify", title: words["verify"], session: session, data: data)
    }
}

extension Words {
    /// A digest whose event has the hash it names, on a ledger that does not verify.
    func digestMatchesButInvalid(_ comparison: DigestComparison) -> String {
        guard case .extends(let digest) = comparison else { return "" }
        return language == .zh
            ? "第 \(digest.events) 个事件的哈希与摘要相符，但账本核验未通过（见上）；不能据此认定前 \(digest.events) 个事件未被改动。"
            : "Event \(digest.events) has the hash the digest names, but the ledger does not verify (see above): "
                + "this does not show that its first \(digest.events) events are unchanged."
    }

    /// How the ledger, with `head` events now, stands against a digest kept earlier.
    func digestComparison(_ comparison: DigestComparison, head: Int64) -> String {
        let zh = language == .zh
        switch comparison {
        case .extends(let digest):
            let since = head - digest.events
            return zh
                ? "账本延续此摘要：摘要所记的前 \(digest.events) 个事件未被改动，此后又记录了 \(since) 个事件。"
                : "The ledger extends this digest: its first \(digest.events) events are unchanged, and \(since) "
                    + (since == 1 ? "has" : "have") + " been recorded since."
        case .truncated(let digest, let events):
            return zh
                ? "账本被截短：摘要记有 \(digest.events) 个事件，账本现只有 \(events) 个。"
                : "The ledger was truncated: the digest covers \(digest.events) events; the ledger has \(events)."
        case .rewritten(let digest, let hash?):
            return zh
                ? "账本被改写：第 \(digest.events) 个事件的哈希现为 \(hash)，摘要记为 \(digest.head)。"
                : "The ledger was rewritten: event \(digest.events) now has the hash \(hash); the digest says \(digest.head)."
        case .rewritten(let digest, nil):
            return zh
                ? "账本被改写：摘要所指的第 \(digest.events) 个事件已不存在。"
                : "The ledger was rewritten: event \(digest.events), which the digest names, is missing."
        }
    }
}
