import ArgumentParser
import Foundation
import GRDB
import VoucherDomain
import VoucherStorage

/// Quote latency against a full ledger, in one process: for scripts/bench. Its own executable,
/// `voucher-bench`, so that the product carries no benchmark code.
@main
struct QuoteBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quote-bench",
        abstract: "Time N quotes of random purchases against the ledger; print p50 and p99 latency.",
        discussion:
            "Example:\n  voucher-bench --db bench.sqlite --count 100000 --programme yrd-innovation-voucher",
    )

    @Option(help: "The ledger file.") var db: String
    @Option(help: "How many quotes.") var count = 100_000
    @Option(help: "The voucher programme.") var programme = "yrd-innovation-voucher"
    @Option(help: "The date of the purchases.") var date = "2022-06-15"

    func run() throws {
        // A read-only connection, as the service's quotes are answered on. A writable one marks
        // each read query-only and back, and SQLite then prepares every statement again.
        // Mapped as the service maps its readers.
        let ledger = try Ledger.openForReading(at: db, mappedBytes: 256 << 20)
        let programmeID = try ProgrammeID(programme)
        let day = try BusinessDate.parse(date)
        let (applicants, products) = try Self.samples(ledger, programmeID, limit: 5_000)
        guard !applicants.isEmpty, !products.isEmpty else {
            throw ValidationError("the ledger has no claims or products for \(programme) to quote against")
        }
        var generator = SystemRandomNumberGenerator()
        var latencies: [UInt64] = []
        latencies.reserveCapacity(count)
        var amounts = Money.zero
        for index in 0..<count {
            let product = products[Int.random(in: 0..<products.count, using: &generator)]
            let request = UseRequest(
                ref: "quote-\(index)",
                applicantID: applicants[Int.random(in: 0..<applicants.count, using: &generator)],
                providerID: product.1,
                productCode: product.0,
                programme: programmeID,
                serviceAmount: Money(fen: Int64.random(in: 100_000...8_000_000, using: &generator))
            )
            let start = DispatchTime.now().uptimeNanoseconds
            let decision = try ledger.quote(request, on: day)
            latencies.append(DispatchTime.now().uptimeNanoseconds - start)
            amounts = try amounts.adding(decision.amount)
        }
        latencies.sort()
        func percentile(_ p: Double) -> Double {
            Double(latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))]) / 1_000
        }
        print(
            String(
                format: "quotes %d p50_us %.1f p99_us %.1f max_us %.1f total_quoted %@",
                count,
                percentile(0.5),
                percentile(0.99),
                Double(latencies.last ?? 0) / 1_000,
                amounts.decimalString()
            )
        )
    }

    /// Applicants with claims in the programme, and products with their providers, to quote.
    static func samples(
        _ ledger: Ledger,
        _ programme: ProgrammeID,
        limit: Int
    ) throws -> (
        applicants: [String], products: [(code: String, provider: String)]
    ) {
        try ledger.rawRead { db in
            let applicants = try String.fetchAll(
                db,
                sql: "SELECT DISTINCT applicant_id FROM claim WHERE programme_id = ? LIMIT ?",
                arguments: [programme.value, limit]
            )
            let products = try Row.fetchAll(
                db,
                sql: "SELECT code, provider_id FROM product GROUP BY code LIMIT ?",
                arguments: [limit]
            ).map { (code: $0["code"] as String, provider: $0["provider_id"] as String) }
            return (applicants, products)
        }
    }
}
