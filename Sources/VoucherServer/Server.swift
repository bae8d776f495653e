import Foundation
import Hummingbird
import Logging
import Prometheus
import VoucherStorage

/// The service's OpenAPI document, carried in the binary.
enum OpenAPI {
    static let document = String(decoding: PackageResources.openapi_yaml, as: UTF8.self)
}

/// The HTTP service over one ledger (`voucher serve`): one process owns the ledger file.
public enum VoucherService {
    /// The application: the API's router on `host:port`. It stops gracefully on SIGTERM or SIGINT
    /// when run with `runService()`.
    public static func application(
        ledger: Ledger,
        readers: [Ledger] = [],
        shortReaders: [Ledger] = [],
        accounts: Accounts,
        host: String,
        port: Int,
        secureCookies: Bool = false,
        logger: Logger
    ) throws -> some ApplicationProtocol {
        let api = API(
            ledger: ledger,
            readers: readers,
            shortReaders: shortReaders,
            accounts: accounts,
            logger: logger
        )
        // Each commit's own time (the log written and synced), beside each group's whole time.
        ledger.timeCommits { [metrics = api.metrics] in metrics.committed(took: $0) }
        return Application(
            router: try api.router(secureCookies: secureCookies),
            configuration: .init(address: .hostname(host, port: port), serverName: "voucher-ledger"),
            logger: logger
        )
    }
}

/// What the service counts, in Prometheus's text format at `/metrics`: requests by route and
/// status, their latencies, and the events the ledger recorded (or replayed) by kind.
public final class ServiceMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()

    public init() {}

    static let buckets: [Duration] = [
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(20),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5),
    ]

    func request(method: String, route: String, status: Int, duration: Duration) {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "voucher",
                subsystem: "http",
                metricName: "requests",
                unitName: "total",
                helpText: "HTTP requests answered, by method, route and status"
            ),
            labels: [("method", method), ("route", route), ("status", String(status))]
        ).increment()
        registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(
                namespace: "voucher",
                subsystem: "http",
                metricName: "request_duration",
                unitName: "seconds",
                helpText: "Time to answer a request, by route"
            ),
            labels: [("route", route)],
            buckets: Self.buckets
        ).record(duration)
    }

    func recorded(_ event: RecordedEvent) {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "voucher",
                subsystem: "ledger",
                metricName: event.replayed ? "events_replayed" : "events_recorded",
                unitName: "total",
                helpText: event.replayed
                    ? "Submissions answered with the event recorded before (same key, same content)"
                    : "Events the service appended to the ledger, by kind"
            ),
            labels: [("kind", event.kind.rawValue)]
        ).increment()
    }

    /// How many uses each group commit recorded (``LedgerWorker``).
    /// A commit's own time, from SQLite's commit hook to its return (``Ledger/timeCommits(_:)``).
    func committed(took: Duration) {
        registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(
                namespace: "voucher",
                subsystem: "ledger",
                metricName: "commit_duration",
                unitName: "seconds",
                helpText: "Time a commit takes from its hook to its return: the log written and synced, a checkpoint"
            ),
            buckets: Self.commitBuckets
        ).record(took)
    }

    /// Finer than a request's buckets at the low end, where a group's commit falls.
    static let commitBuckets: [Duration] = [
        .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
        .milliseconds(20), .milliseconds(30), .milliseconds(50), .milliseconds(75), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1),
    ]

    /// A group committed: how many uses it recorded, how long its transaction took from its first
    /// use decided to its commit on disk, and how long the use that waited longest for it had
    /// waited, from being asked for to the group's beginning (behind the group before, and for
    /// the writer's thread). Together with a request's time they tell where a slow answer's time
    /// went.
    func committedGroup(of size: Int, took: Duration, longestWait: Duration) {
        registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(
                namespace: "voucher",
                subsystem: "ledger",
                metricName: "group_commit_duration",
                unitName: "seconds",
                helpText: "Time from a group's first use decided to its commit on disk"
            ),
            buckets: Self.commitBuckets
        ).record(took)
        registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(
                namespace: "voucher",
                subsystem: "ledger",
                metricName: "group_wait",
                unitName: "seconds",
                helpText:
                    "How long the use of a group that waited longest had waited, from asked for to the group's beginning"
            ),
            buckets: Self.commitBuckets
        ).record(longestWait)
        registry.makeValueHistogram(
            descriptor: MetricNameDescriptor(
                namespace: "voucher",
                subsystem: "ledger",
                metricName: "group_commit",
                unitName: "uses",
                helpText: "Uses recorded by each commit of a group"
            ),
            buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256]
        ).record(Double(size))
    }

    /// The metrics in Prometheus's text format.
    public func text() -> String { registry.emitToString() }
}

/// One line per request (method, path without its query, status and time) and its metrics; never
/// a header or a body, so that no token or password reaches the log.
/// The answer to a request no route takes, in kind, instead of Hummingbird's empty 404: under
/// `/api`, a JSON refusal saying where the routes are listed; elsewhere, the console's page saying
/// there is no such page, in the reader's language. Added after every route, so that it wraps the
/// router's not-found answer only.
struct NoRoute: RouterMiddleware {
    let console: Console

    func handle(
        _ request: Request,
        context: APIContext,
        next: (Request, APIContext) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let path = request.uri.path
            if path == "/api" || path.hasPrefix("/api/") {
                return API.json(
                    404,
                    API.failure(404, "no route \(request.method.rawValue) \(path); /api/v1/openapi.yaml lists them")
                )
            }
            // What a browser asks for by itself needs no session read and no page.
            if path == "/favicon.ico" { throw error }
            let session = try? await console.session(request)
            return console.message(404, session, "not-found", language: Console.askedLanguage(request))
        }
    }
}

struct RequestLog<Context: RequestContext>: RouterMiddleware {
    let logger: Logger
    let metrics: ServiceMetrics

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            count(request, context, status: Int(response.status.code), since: start)
            return response
        } catch {
            // A path no route matches (the router's 404), or an error answered by Hummingbird.
            count(
                request,
                context,
                status: (error as? any HTTPResponseError).map { Int($0.status.code) } ?? 500,
                since: start
            )
            throw error
        }
    }

    private func count(_ request: Request, _ context: Context, status: Int, since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        metrics.request(
            method: request.method.rawValue,
            route: context.endpointPath ?? "unmatched",
            status: status,
            duration: elapsed
        )
        logger.info(
            "request",
            metadata: [
                "method": "\(request.method.rawValue)", "path": "\(request.uri.path)", "status": "\(status)",
                "ms": "\(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000)",
            ]
        )
    }
}
