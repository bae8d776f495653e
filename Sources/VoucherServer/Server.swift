import Foundation
import Hummingbird
import Logging
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
        accounts: Accounts,
        host: String,
        port: Int,
        logger: Logger
    ) throws -> some ApplicationProtocol {
        let api = API(ledger: ledger, accounts: accounts, logger: logger)
        return Application(
            router: try api.router(),
            configuration: .init(address: .hostname(host, port: port), serverName: "voucher-ledger"),
            logger: logger
        )
    }
}

/// One line per request: method, path (without its query), status and time; never a header or
/// a body, so that no token or password reaches the log.
struct RequestLog<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let elapsed = ContinuousClock.now - start
        logger.info(
            "request",
            metadata: [
                "method": "\(request.method.rawValue)", "path": "\(request.uri.path)",
                "status": "\(response.status.code)",
                "ms": "\(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000)",
            ]
        )
        return response
    }
}
