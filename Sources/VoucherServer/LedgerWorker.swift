import Dispatch
import Foundation
import VoucherDomain
import VoucherStorage

/// Runs the ledger's synchronous work on a queue of its own, so that a request waiting for SQLite
/// never holds one of the few threads Swift's concurrency runs every request on.
///
/// Uses are committed in groups: the uses that arrive while a transaction is being written wait
/// for the next, which records them all and commits once (one fsync for many). Each is answered
/// only after the commit that holds it; a use the rules refuse gets its refusal and takes nothing
/// from the others. Should an operation fail half-written, nothing of its group is kept and each
/// use of the group is recorded again on its own.
final class LedgerWorker: @unchecked Sendable {
    let ledger: Ledger
    private let queue = DispatchQueue(label: "voucher-ledger.ledger")
    /// Uses waiting for the next group; read and changed on `queue` only.
    private var waiting: [Job] = []
    /// The most uses one transaction records: 256, or `VOUCHER_LARGEST_GROUP` (scripts/load sets 1
    /// to measure one commit per use beside it).
    static let largestGroup = max(1, Int(ProcessInfo.processInfo.environment["VOUCHER_LARGEST_GROUP"] ?? "") ?? 256)

    final class Job: @unchecked Sendable {
        let body: (Ledger) throws -> RecordedEvent
        let done: (Result<RecordedEvent, any Error>) -> Void
        var result: Result<RecordedEvent, any Error>?
        /// When it was asked for: before it waited for the writer's queue (behind the group being
        /// committed) to take it.
        let asked: ContinuousClock.Instant

        init(
            asked: ContinuousClock.Instant,
            body: @escaping (Ledger) throws -> RecordedEvent,
            done: @escaping (Result<RecordedEvent, any Error>) -> Void
        ) {
            self.asked = asked
            self.body = body
            self.done = done
        }
    }

    let metrics: ServiceMetrics

    init(ledger: Ledger, metrics: ServiceMetrics) {
        self.ledger = ledger
        self.metrics = metrics
    }

    func run<T: Sendable>(_ body: @escaping @Sendable (Ledger) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { [ledger] in continuation.resume(with: Result { try body(ledger) }) }
        }
    }

    /// Connections that only read: reports, verification and pages run there, beside the writes,
    /// and never hold them up. A ledger in memory has none, and reads on the writer's queue.
    private var readers = ReaderPool([], label: "reader")
    /// Connections for short reads (quotes, one use): they map the ledger's file, which long scans
    /// (reports, verification) would fill their memory with.
    private var shortReaders = ReaderPool([], label: "short-reader")

    func addReaders(_ ledgers: [Ledger]) { readers = ReaderPool(ledgers, label: "reader") }

    func addShortReaders(_ ledgers: [Ledger]) { shortReaders = ReaderPool(ledgers, label: "short-reader") }

    /// Runs a read on the next reader (the writer's queue when there is none). What it reads was
    /// committed before it began: an answer given after a commit is seen by every read after it.
    func read<T: Sendable>(_ body: @escaping @Sendable (Ledger) throws -> T) async throws -> T {
        readers.isEmpty ? try await run(body) : try await readers.read(body)
    }

    /// Runs a short read on the next short reader (as ``read(_:)`` when there is none).
    func readShort<T: Sendable>(_ body: @escaping @Sendable (Ledger) throws -> T) async throws -> T {
        shortReaders.isEmpty ? try await read(body) : try await shortReaders.read(body)
    }

    /// Records a use in the next group commit.
    func grouped(_ body: @escaping @Sendable (Ledger) throws -> RecordedEvent) async throws -> RecordedEvent {
        let asked = ContinuousClock.now
        return try await withCheckedThrowingContinuation { continuation in
            queue.async {
                self.waiting.append(Job(asked: asked, body: body) { continuation.resume(with: $0) })
                // The first to wait schedules the group; later ones join it until it runs.
                if self.waiting.count == 1 { self.queue.async { self.commitGroup() } }
            }
        }
    }

    private func commitGroup() {
        let group = Array(waiting.prefix(Self.largestGroup))
        waiting.removeFirst(group.count)
        if !waiting.isEmpty { queue.async { self.commitGroup() } }
        let began = ContinuousClock.now
        do {
            try ledger.batch {
                for job in group { job.result = Result { try job.body(ledger) } }
            }
        } catch is BatchAbandoned {
            // An operation failed half-written, and nothing of the group was kept: each on its
            // own, in order.
            for job in group { job.result = Result { try job.body(ledger) } }
        } catch {
            // The commit itself failed (the disk, a lock held too long): nothing was kept, and
            // every use of the group is answered with why.
            for job in group { job.result = .failure(error) }
        }
        metrics.committedGroup(
            of: group.count,
            took: ContinuousClock.now - began,
            longestWait: group.map { began - $0.asked }.max() ?? .zero
        )
        for job in group {
            job.done(job.result ?? .failure(LedgerError.internalInconsistency("a grouped use had no result")))
        }
    }
}

/// Read-only connections to one ledger, each with a queue of its own, taken in turn.
final class ReaderPool: @unchecked Sendable {
    private let readers: [(ledger: Ledger, queue: DispatchQueue)]
    private let lock = NSLock()
    private var index = 0

    init(_ ledgers: [Ledger], label: String) {
        readers = ledgers.enumerated().map { ($1, DispatchQueue(label: "voucher-ledger.\(label)-\($0)")) }
    }

    var isEmpty: Bool { readers.isEmpty }

    /// Runs `body` on the next connection's queue. Not on an empty pool.
    func read<T: Sendable>(_ body: @escaping @Sendable (Ledger) throws -> T) async throws -> T {
        let reader = lock.withLock {
            index = (index + 1) % readers.count
            return readers[index]
        }
        return try await withCheckedThrowingContinuation { continuation in
            reader.queue.async { continuation.resume(with: Result { try body(reader.ledger) }) }
        }
    }
}

/// How many are inside: entered while fewer than a bound are, left when done.
final class Occupancy: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    func enter(below bound: Int) -> Bool {
        lock.withLock {
            guard count < bound else { return false }
            count += 1
            return true
        }
    }

    func leave() { lock.withLock { count -= 1 } }
}
