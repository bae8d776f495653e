import Crypto
import Foundation
import GRDB
import GRDBSQLite
import VoucherDomain

extension Ledger {
    /// Recomputes the whole hash chain, every event's postings and every balance, compares every
    /// fact row with the payload its event hashed, and, when a digest is given, checks that the
    /// chain still extends it.
    public func verify(against digest: LedgerDigest? = nil) throws -> VerificationReport {
        // The chain is cut into stretches that two connections, one on each core, take in turn as
        // they come free. The second first rebuilds the fact rows into payloads and checks the
        // policies and the use totals, so the first takes most of the chain. Both read the events
        // up to this connection's head (the ledger is append-only, so those are the same on both);
        // a writer that slips in between adds only what neither reads, or makes the facts' digests
        // differ, and then the facts are compared again on this connection.
        typealias Others = (
            facts: [(SHA256.Digest, Int)],
            programmes: (problems: [VerificationReport.Problem], files: [Int64]),
            totals: [VerificationReport.Problem],
            chain: LedgerVerifier.ChainParts
        )
        let second = try secondReader()
        return try readWithTotals { db in
            // A scan reads each page once: a small page cache keeps memory flat.
            try db.execute(sql: "PRAGMA cache_size = -8192")
            defer { try? db.execute(sql: "PRAGMA cache_size = -\(Ledger.pageCacheKiB)") }
            let head = try chainHead(db)
            let stretches = LedgerVerifier.Stretches(events: head.events)
            @Sendable func others(_ db: Database) throws -> Others {
                (
                    try LedgerVerifier.factsDigest(db, bounds: stretches.bounds),
                    try LedgerVerifier.verifyProgrammes(db),
                    try LedgerVerifier.verifyUseTotals(db) + LedgerVerifier.verifyAccountRows(db)
                        + LedgerVerifier.verifyLateItems(db),
                    try LedgerVerifier.verifyStretches(db, stretches)
                )
            }
            let group = DispatchGroup()
            let othersResult = ResultBox<Others>()
            if let second {
                DispatchQueue.global().async(group: group) { othersResult.set(Result { try second.read(others) }) }
            }
            var problems: [VerificationReport.Problem] = []
            var chain = try LedgerVerifier.verifyStretches(db, stretches)
            group.wait()
            let found = try othersResult.get() ?? (try others(db))
            chain.merge(found.chain)
            problems += chain.problems
            if let orphan = try Int64.fetchOne(
                db,
                sql: "SELECT event_seq FROM posting WHERE event_seq > ? ORDER BY event_seq LIMIT 1",
                arguments: [head.events]
            ) {
                problems.append(
                    .init(
                        event: orphan,
                        message: "has postings but no event row (the event was deleted)",
                        zh: "有分录但没有事件记录（事件被删除）"
                    )
                )
            }
            // Rows of events above the head are in no digest and name no event that is there.
            for (table, column) in LedgerVerifier.rowsOfAnEvent {
                if let orphan = try Int64.fetchOne(
                    db,
                    sql: "SELECT \(column) FROM \(table) WHERE \(column) > ? ORDER BY \(column) LIMIT 1",
                    arguments: [head.events]
                ) {
                    problems.append(
                        .init(
                            event: orphan,
                            message: "has a \(table) row but no event row (the event was deleted)",
                            zh: "有 \(table) 记录但没有事件记录（事件被删除）"
                        )
                    )
                }
            }
            // Every programme event (an install or a revision) keeps the file it installed.
            let files = Set(found.programmes.files)
            if let missing = chain.programmeEvents.sorted().first(where: { !files.contains($0) }) {
                problems.append(
                    .init(event: missing, message: "its policy_file row is missing", zh: "缺少其 policy_file 记录")
                )
            }
            let factsDiffer = found.facts.indices.contains { stretch in
                guard let read = chain.payloads[stretch] else { return true }
                return read.0 != found.facts[stretch].0 || read.1 != found.facts[stretch].1
            }
            if factsDiffer { problems += try LedgerVerifier.verifyFacts(db) }
            problems += found.programmes.problems
            problems.sort { ($0.event ?? .max) < ($1.event ?? .max) }
            problems += try LedgerVerifier.verifyBalances(db, computed: chain.balances)
            problems += try LedgerVerifier.verifyAccountDays(db, computed: chain.days)
            problems += found.totals
            let checked = chain.checked
            if let digest, let problem = try LedgerVerifier.compare(db, head: head, with: digest).problem {
                problems.append(problem)
            }
            var report = VerificationReport(eventsChecked: checked, head: head, problem: problems.first)
            report.factsComparedRowByRow = factsDiffer
            return report
        }
    }

    /// Whether the ledger still extends a digest written down earlier: the event it names is there
    /// with the hash it names. Only that is read; ``verify(against:)`` also checks the chain.
    public func compare(with digest: LedgerDigest) throws -> DigestComparison {
        try readWithTotals { db in try LedgerVerifier.compare(db, head: try chainHead(db), with: digest) }
    }

    /// A read-only connection of its own to the same file; nil for a ledger in memory.
    func secondReader() throws -> DatabaseQueue? {
        guard let path = (writer as? DatabaseQueue)?.path, !path.isEmpty, path != ":memory:",
            FileManager.default.fileExists(atPath: path)
        else { return nil }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(30)
        return try DatabaseQueue(path: path, configuration: configuration)
    }

    /// The current chain head as a digest to keep.
    public func digest() throws -> LedgerDigest { LedgerDigest(try chainHead()) }
}

/// A result handed from another thread, read after the DispatchGroup that ran it was waited for.
final class ResultBox<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Result<Value, any Error>?

    func set(_ result: Result<Value, any Error>) { lock.withLock { self.result = result } }

    /// The value, nil when nothing was set; rethrows what the other thread threw.
    func get() throws -> Value? { try lock.withLock { result }?.get() }
}
