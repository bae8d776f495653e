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
            "valid": report.isValid, "problem": report.problem?.description ?? "", "digest": digest.description,
            "kept": kept,
        ]
        if !kept.isEmpty {
            let (text, holds) =
                comparison.map { (words.digestComparison($0, head: digest.events), $0.problem == nil) }
                ?? (words["notADigest"], false)
            data["comparison"] = ["text": text, "class": holds ? "ok" : "bad"]
        }
        return render("verify", title: words["verify"], session: session, data: data)
    }
}

extension Words {
    /// How the ledger, with `head` events now, stands against a digest kept earlier.
    func digestComparison(_ comparison: DigestComparison, head: Int64) -> String {
        let zh = language == .zh
        switch comparison {
        case .extends(let digest):
            return zh
                ? "账本延续此摘要：摘要所记的前 \(digest.events) 个事件未被改动，此后又记录了 \(head - digest.events) 个事件。"
                : "The ledger extends this digest: its first \(digest.events) events are unchanged, and \(head - digest.events) have been recorded since."
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
