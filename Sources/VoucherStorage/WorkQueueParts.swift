import GRDB
import Synchronization
import VoucherDomain

// MARK: - How the queues avoid reading everything: the city's parts, the settlements' mark

/// A part of the city's queue: the claims it must decide first, or the others, and how they are
/// found. `awaiting` holds the days on which each programme's district grants await the city.
struct CityQueuePart {
    enum Finding {
        /// The first part, from the decisions dated in the runs (when they are few).
        case firstByGrants
        /// The first part, reading the claims in order.
        case firstByClaims
        /// The other claims.
        case rest
    }

    var awaiting: [(programme: String, runs: [DayRun])]
    var finding: Finding

    /// Each run of each programme, in order.
    var runs: [(programme: String, run: DayRun)] {
        awaiting.flatMap { id, runs in runs.map { (programme: id, run: $0) } }
    }

    /// The arguments of ``inRuns(programme:date:)``.
    var runArguments: StatementArguments {
        StatementArguments(runs.flatMap { [$0.programme, $0.run.from.iso] + ($0.run.through.map { [$0.iso] } ?? []) })
    }

    /// Whether the `date` of a row of the `programme` falls in a run: SQL, with
    /// ``runArguments``. The runs' terms are joined by OR in a balanced tree: SQLite refuses an
    /// expression nested deeper than 1,000, which a chain of one OR a run reaches at about a
    /// thousand runs; as a tree it is nested about log₂ of that. (SQLite reads the ORs the same
    /// either way: grouping them makes no node of its own.)
    func inRuns(programme: String, date: String) -> String {
        let terms = runs.map {
            "(\(programme) = ? AND \(date) >= ?\($0.run.through == nil ? "" : " AND \(date) <= ?"))"
        }
        // No run: no day is in one (callers leave such a part out; this keeps the SQL whole).
        guard !terms.isEmpty else { return "0" }
        func tree(_ part: ArraySlice<String>) -> String {
            guard part.count > 2 else { return part.joined(separator: " OR ") }
            let middle = part.startIndex + part.count / 2
            return "(\(tree(part[..<middle]))) OR (\(tree(part[middle...])))"
        }
        return tree(terms[...])
    }

    /// How many district grants are dated in the runs, counting to `limit` at most.
    func grantsInRuns(_ db: Database, atMost limit: Int) throws -> Int {
        try Int.fetchOne(
            db,
            sql: """
                SELECT COUNT(*) FROM (SELECT 1 FROM event g JOIN decision d ON d.event_seq = g.seq
                WHERE g.kind = 'decision' AND (\(inRuns(programme: "g.programme_id", date: "g.business_date")))
                AND d.level = 'district' AND d.outcome = 'granted' LIMIT ?)
                """,
            arguments: runArguments + [limit]
        ) ?? 0
    }
}

extension Ledger {
    /// This ledger, sharing with `other` (a connection to the same file) what they learn of it
    /// from one read to the next: how far the settlements' queue holds nothing. The service's
    /// readers share it, so that only one of them reads the items settled before.
    public func sharingWhatItLearns(with other: Ledger) -> Ledger {
        var shared = self
        shared.settledMark = other.settledMark
        return shared
    }
}

/// How far the settlements' queue is known to hold nothing, so that finance's page does not read
/// every item ever filed when only the latest wait (1.4–1.8 s at 640,000 items). Every redemption
/// item up to `through` was settled, or its filing or use reversed, as of the event `head`.
///
/// An item leaves the queue for good once settled or reversed, except when its settlement is
/// reversed: a reversal is never itself reversed, and a new filing's items come after every
/// earlier one. So the mark holds while no settlement has been reversed after `head`; each read
/// checks that in the events recorded since (by this process or another), and that the event
/// `head` is still the one it was, before it starts from the mark.
final class SettledMark: Sendable {
    struct Mark: Sendable {
        var through: SettlementQueueKey
        var headSeq: Int64
        var headHash: String
    }

    private let current = Mutex<Mark?>(nil)

    /// The mark as it was last set, whether it still holds or not (for tests).
    var last: Mark? { current.withLock { $0 } }

    /// The key up to which the queue holds nothing, if known and still true in `db`'s snapshot.
    func mark(_ db: Database) throws -> SettlementQueueKey? {
        guard let mark = last else { return nil }
        let holds =
            try String.fetchOne(db, sql: "SELECT hash FROM event WHERE seq = ?", arguments: [mark.headSeq])
            == mark.headHash
            && !(Bool.fetchOne(
                db,
                sql: """
                    SELECT EXISTS (SELECT 1 FROM event r JOIN settlement s ON s.event_seq = r.reverses
                    WHERE r.seq > ? AND r.kind = 'reversal')
                    """,
                arguments: [mark.headSeq]
            ) ?? true)
        if !holds { current.withLock { $0 = nil } }
        return holds ? mark.through : nil
    }

    /// Sets the mark to `through`, true of `db`'s snapshot.
    func set(_ through: SettlementQueueKey, _ db: Database) throws {
        guard let head = try Row.fetchOne(db, sql: "SELECT seq, hash FROM event ORDER BY seq DESC LIMIT 1") else {
            return
        }
        current.withLock { $0 = Mark(through: through, headSeq: head[0], headHash: head[1]) }
    }
}
