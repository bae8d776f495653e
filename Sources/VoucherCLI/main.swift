import ArgumentParser
import Foundation

do {
    var command = try Voucher.parseAsRoot(normalizeGlobalOptions(Array(CommandLine.arguments.dropFirst())))
    try command.run()
} catch {
    if Voucher.exitCode(for: error) != .success { CreatedLedger.noteAfterFailure() }
    Voucher.exit(withError: error)
}
