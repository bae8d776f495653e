import Foundation
import GRDB
import Synchronization
import VoucherDomain
import VoucherPolicies

// MARK: - Programmes

/// Parsed policies by the SHA-256 of their file, so that no read parses a file again.
final class ProgrammeCache: Sendable {
    struct Entry: Sendable {
        var programme: Programme
        /// Each version's content hash, by its first day.
        var versionHashes: [BusinessDate: String]

        init(programme: Programme) {
            self.programme = programme
            var hashes: [BusinessDate: String] = [:]
            for version in programme.versions {
                hashes[version.effectiveFrom] = Hashing.sha256(
                    version.canonical(programme: programme.id, kind: programme.kind).text
                )
            }
            versionHashes = hashes
        }

        func hash(of version: PolicyVersion) -> String { versionHashes[version.effectiveFrom] ?? "" }

        /// The version whose content hash is `hash`, if the programme's policy has it.
        func version(hash: String) -> PolicyVersion? {
            programme.versions.first { versionHashes[$0.effectiveFrom] == hash }
        }
    }

    private let entries = Mutex<[String: Entry]>([:])

    /// The entry of the file with this hash; nil when it was not read yet.
    func entry(sha256: String) -> Entry? { entries.withLock { $0[sha256] } }

    func entry(sha256: String, yaml: String, file: String) throws -> Entry {
        if let entry = entry(sha256: sha256) { return entry }
        let entry = Entry(programme: try PolicyFile.programme(yaml: yaml, file: file))
        remember(entry, sha256: sha256)
        return entry
    }

    /// Keeps a file's parsed policy (installing a file parses it already).
    func remember(_ entry: Entry, sha256: String) { entries.withLock { $0[sha256] = entry } }
}

extension Ledger {
    /// Installs a programme's policy file, or a new revision of it.
    ///
    /// A revision may add versions and change versions no event has used; a version that events
    /// used must stay exactly as it was (its hash pins it), so the revision is refused otherwise.
    @discardableResult
    public func installProgramme(yaml: String, file: String, context: EventContext) throws -> RecordedEvent {
        let programme: Programme
        do {
            programme = try PolicyFile.programme(yaml: yaml, file: file)
        } catch {
            throw LedgerError.policy(error)
        }
        let sha = Hashing.sha256(yaml)
        let request = CanonicalJSON.object(["sha256": .string(sha)])
        return try transaction { db in
            let id = programme.id.value
            let current = try Row.fetchOne(
                db,
                sql: "SELECT yaml, event_seq FROM policy_file WHERE programme_id = ? ORDER BY event_seq DESC LIMIT 1",
                arguments: [id]
            ).map { (yaml: $0["yaml"] as String, event: $0["event_seq"] as Int64) }
            do {
                // The same request again answers with its event.
                if let earlier = try replay(db, context: context, kind: .programme, request: request) { return earlier }
            } catch let refusal as LedgerError {
                // Its key used with other content (another date): the file in force is said as such.
                if case .idempotencyConflict = refusal {
                    try Lifecycle.checkNewPolicyFile(yaml, of: programme.id, current: current)
                }
                throw refusal
            }
            try Lifecycle.checkNewPolicyFile(yaml, of: programme.id, current: current)
            let entry = ProgrammeCache.Entry(programme: programme)
            let storedKind = try db.fetchOne(
                String.self,
                sql: "SELECT kind FROM programme WHERE id = ?",
                arguments: [id]
            )
            let applied = try db.fetchAll(
                Row.self,
                sql: """
                    SELECT business_date, policy_hash, COUNT(*) AS events FROM event
                    WHERE programme_id = ? AND policy_hash IS NOT NULL GROUP BY business_date, policy_hash
                    """,
                arguments: [id]
            ).map { row in
                Lifecycle.AppliedVersion(
                    date: try BusinessDate.parse(row["business_date"]),
                    versionHash: row["policy_hash"],
                    events: row["events"]
                )
            }
            try Lifecycle.checkRevision(
                programme,
                recordedKind: storedKind.flatMap(ProgrammeKind.init(rawValue:)),
                applied: applied,
                hash: entry.hash(of:)
            )
            let payload = CanonicalJSON.object([
                "programme": .string(id), "kind": .string(programme.kind.rawValue),
                "name_zh": .string(programme.name.zh),
                "name_en": .string(programme.name.en), "file": .string(file), "sha256": .string(sha),
                "versions": .array(programme.versions.map { .string(entry.hash(of: $0)) }),
            ])
            // Parsed once: reads of this file find it here (keyed by the file's hash, so a rolled-back
            // install leaves nothing a read could find).
            policies.remember(entry, sha256: sha)
            return try append(
                db,
                context: context,
                request: request,
                event: EventDraft(kind: .programme, programme: programme.id, payload: payload)
            ) { seq in
                if storedKind == nil {
                    try ProgrammeRecord(
                        id: id,
                        kind: programme.kind.rawValue,
                        nameZh: programme.name.zh,
                        nameEn: programme.name.en,
                        eventSeq: seq
                    ).insertRow(db)
                }
                try PolicyFileRecord(eventSeq: seq, programmeID: id, fileName: file, yaml: yaml, sha256: sha).insertRow(
                    db
                )
                for version in programme.versions {
                    try PolicyVersionRecord(
                        hash: entry.hash(of: version),
                        programmeID: id,
                        effectiveFrom: version.effectiveFrom.iso,
                        effectiveUntil: version.effectiveUntil?.iso,
                        canonical: version.canonical(programme: programme.id, kind: programme.kind).text,
                        eventSeq: seq
                    ).insertRow(db, orIgnore: true)
                }
            }
        }
    }

    /// The programme's current policy (its latest file), parsed once per file.
    func programme(_ db: Database, _ id: ProgrammeID) throws -> ProgrammeCache.Entry {
        try BatchMemo.recall(id.value, in: \.programmes) { try currentProgramme(db, id) }
    }

    private func currentProgramme(_ db: Database, _ id: ProgrammeID) throws -> ProgrammeCache.Entry {
        // The current file's hash first: once read, a file is not read again (every use asks).
        guard
            let sha256 = try db.fetchOne(
                String.self,
                sql: "SELECT sha256 FROM policy_file WHERE programme_id = ? ORDER BY event_seq DESC LIMIT 1",
                arguments: [id.value]
            )
        else { throw LedgerError.unknownProgramme(id.value) }
        if let entry = policies.entry(sha256: sha256) { return entry }
        guard
            let row = try db.fetchOne(
                Row.self,
                sql:
                    "SELECT yaml, sha256, file_name FROM policy_file WHERE programme_id = ? ORDER BY event_seq DESC LIMIT 1",
                arguments: [id.value]
            )
        else { throw LedgerError.unknownProgramme(id.value) }
        do {
            return try policies.entry(sha256: row["sha256"], yaml: row["yaml"], file: row["file_name"])
        } catch let error as PolicyError {
            throw LedgerError.policy(error)
        }
    }

    /// The programmes installed, with their current policies.
    public func programmes() throws -> [Programme] {
        try read { db in
            try db.fetchAll(String.self, sql: "SELECT id FROM programme ORDER BY id").map { id in
                try programme(db, try ProgrammeID(id)).programme
            }
        }
    }

    /// The policy file currently in force for a programme, as installed.
    public func policyFile(_ id: ProgrammeID) throws -> String? {
        try read { db in
            try db.fetchOne(
                String.self,
                sql: "SELECT yaml FROM policy_file WHERE programme_id = ? ORDER BY event_seq DESC LIMIT 1",
                arguments: [id.value]
            )
        }
    }

    /// One programme's current policy.
    public func programme(_ id: ProgrammeID) throws -> Programme {
        try read { db in try programme(db, id).programme }
    }
}
