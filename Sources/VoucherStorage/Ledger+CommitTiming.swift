import Foundation
import GRDB

extension Ledger {
    /// Hears how long each commit of this ledger's connection takes, from SQLite's commit hook to
    /// the commit's return: the write-ahead log written and synced, and a checkpoint when one
    /// falls due. The service counts it, to tell a slow commit from slow work before it.
    public func timeCommits(_ report: @escaping @Sendable (Duration) -> Void) {
        writer.writeWithoutTransaction { db in
            db.add(transactionObserver: CommitTimer(report: report), extent: .databaseLifetime)
        }
    }
}

/// Times each commit from its hook to its end; observes no change.
private final class CommitTimer: TransactionObserver {
    let report: @Sendable (Duration) -> Void
    /// Set by the commit hook, read when the commit returns: both on the writer's thread.
    var began: ContinuousClock.Instant?

    init(report: @escaping @Sendable (Duration) -> Void) { self.report = report }

    func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool { false }
    func databaseDidChange(with event: DatabaseEvent) {}
    func databaseWillCommit() throws { began = ContinuousClock.now }
    func databaseDidCommit(_ db: Database) {
        if let began { report(ContinuousClock.now - began) }
        began = nil
    }
    func databaseDidRollback(_ db: Database) { began = nil }
}
