import Foundation

Voucher.main(normalizeGlobalOptions(Array(CommandLine.arguments.dropFirst())))
