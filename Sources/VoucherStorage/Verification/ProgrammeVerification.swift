import Foundation
import GRDB
import VoucherDomain

extension LedgerVerifier {
    // MARK: - Programmes and their policies

    /// What a programme event hashed (docs/ledger.md): the file installed, its hash, the versions
    /// it holds, and the programme's kind and names. Keys an event lacks are not compared.
    private struct ProgrammePayload: Decodable {
        var programme: String?
        var file: String?
        var sha256: String?
        var versions: [String]?
        var kind: String?
        var nameZH: String?
        var nameEN: String?

        enum CodingKeys: String, CodingKey {
            case programme, file, sha256, versions, kind
            case nameZH = "name_zh"
            case nameEN = "name_en"
        }
    }

    /// The effective dates a policy version's canonical text states.
    private struct VersionDates: Decodable {
        var effectiveFrom: String?
        var effectiveUntil: String?

        enum CodingKeys: String, CodingKey {
            case effectiveFrom = "effective_from"
            case effectiveUntil = "effective_until"
        }
    }

    /// The programme rows, policy files and policy versions against the programme events that
    /// installed them: each file with its event's payload and its own hash, each programme row
    /// with the event that first installed it, each version with its hash, the event that first
    /// listed it and the dates its text states. Returns the problems found and the events that have
    /// a policy_file row (every programme event must: the chain pass lists them).
    static func verifyProgrammes(_ db: Database) throws -> (problems: [VerificationReport.Problem], files: [Int64]) {
        var problems: [VerificationReport.Problem] = []
        var files: [Int64] = []
        var payloads: [Int64: ProgrammePayload] = [:]
        // The first event of each programme, and of each version: hash → (event, programme).
        var firstEvent: [String: Int64] = [:]
        var listed: [String: (event: Int64, programme: String)] = [:]
        let decoder = JSONDecoder()
        for row in try Row.fetchAll(
            db,
            sql: """
                SELECT f.event_seq, f.programme_id, f.file_name, f.yaml, f.sha256, e.kind, e.payload
                FROM policy_file f LEFT JOIN event e ON e.seq = f.event_seq ORDER BY f.event_seq
                """
        ) {
            let seq: Int64 = row["event_seq"]
            files.append(seq)
            guard (row["kind"] as String?) == EventKind.programme.rawValue,
                let text = row["payload"] as String?,
                let payload = try? decoder.decode(ProgrammePayload.self, from: Data(text.utf8))
            else {
                problems.append(
                    .init(
                        event: seq,
                        message: "a policy_file row has no programme event",
                        zh: "有 policy_file 记录，但没有对应的政策文件事件"
                    )
                )
                continue
            }
            payloads[seq] = payload
            let programme: String = row["programme_id"]
            let sha256: String = row["sha256"]
            if Hashing.sha256(row["yaml"]) != sha256 || payload.sha256.map({ $0 != sha256 }) == true
                || payload.programme.map({ $0 != programme }) == true
                || payload.file.map({ $0 != (row["file_name"] as String) }) == true
            {
                problems.append(
                    .init(
                        event: seq,
                        message: "its policy_file row does not match the file the event hashed",
                        zh: "其 policy_file 记录与事件哈希所涵盖的文件不符"
                    )
                )
            }
            if firstEvent[programme] == nil { firstEvent[programme] = seq }
            for hash in payload.versions ?? [] where listed[hash] == nil { listed[hash] = (seq, programme) }
        }
        var programmes: Set<String> = []
        for row in try Row.fetchAll(db, sql: "SELECT id, kind, name_zh, name_en, event_seq FROM programme ORDER BY id")
        {
            let id: String = row["id"]
            let seq: Int64 = row["event_seq"]
            programmes.insert(id)
            let payload = payloads[seq]
            if firstEvent[id] != seq || payload?.programme != id
                || payload?.kind.map({ $0 != (row["kind"] as String) }) == true
                || payload?.nameZH.map({ $0 != (row["name_zh"] as String) }) == true
                || payload?.nameEN.map({ $0 != (row["name_en"] as String) }) == true
            {
                problems.append(
                    .init(
                        event: seq,
                        message: "the programme row of \(id.visible) does not match the event that installed it",
                        zh: "项目 \(id.visible) 的 programme 记录与安装它的事件不符"
                    )
                )
            }
        }
        for (id, seq) in firstEvent where !programmes.contains(id) {
            problems.append(
                .init(
                    event: seq,
                    message: "the programme row of \(id.visible) is missing",
                    zh: "缺少项目 \(id.visible) 的 programme 记录"
                )
            )
        }
        for row in try Row.fetchAll(
            db,
            sql: "SELECT hash, programme_id, effective_from, effective_until, canonical, event_seq FROM policy_version"
        ) {
            let hash: String = row["hash"]
            let seq: Int64 = row["event_seq"]
            let canonical: String = row["canonical"]
            let dates = try? decoder.decode(VersionDates.self, from: Data(canonical.utf8))
            let first = listed.removeValue(forKey: hash)
            if Hashing.sha256(canonical) != hash || first?.event != seq
                || first?.programme != (row["programme_id"] as String)
                || dates?.effectiveFrom != (row["effective_from"] as String)
                || dates?.effectiveUntil != (row["effective_until"] as String?)
            {
                problems.append(
                    .init(
                        event: seq,
                        message: "its policy_version row \(hash.prefix(12)) does not match its hash, "
                            + "its dates or the event that first listed it",
                        zh: "其 policy_version 记录 \(hash.prefix(12)) 与其哈希、日期或首次列出它的事件不符"
                    )
                )
            }
        }
        for (hash, first) in listed {
            problems.append(
                .init(
                    event: first.event,
                    message: "its policy_version row \(hash.prefix(12)) is missing",
                    zh: "缺少其 policy_version 记录 \(hash.prefix(12))"
                )
            )
        }
        return (problems.sorted { ($0.event ?? .max) < ($1.event ?? .max) }, files)
    }
}
