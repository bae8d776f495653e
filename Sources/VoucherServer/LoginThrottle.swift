import Foundation

/// Slows down repeated failed sign-ins. For a name: from the third failure in 15 minutes on, each
/// attempt waits a second more (at most ten) before it is answered; a success clears the count.
/// For an address (one password guessed across many names): once nine attempts from it in 15
/// minutes failed or are still being checked, each waits a second more (at most ten); a success
/// does not take a failure back, so that signing in to an account one holds does not make room
/// for more guesses. An attempt counts before its password is checked, so that guesses sent
/// together are slowed too. It remembers at most 10,000 names and 10,000 addresses (the oldest go
/// first), so that guessing many names cannot fill the memory.
actor LoginThrottle {
    private var failures: [String: (count: Int, last: ContinuousClock.Instant)] = [:]
    private var fromAddress: [String: (failures: Int, pending: Int, last: ContinuousClock.Instant)] = [:]
    let step: Duration
    static let window: Duration = .seconds(15 * 60)
    static let remembered = 10_000
    /// Failures allowed before the waits begin: for one name, and from one address.
    static let freeForName = 2
    static let freeForAddress = 8

    init(step: Duration = .seconds(1)) { self.step = step }

    /// Counts an attempt for `name` (from `address`, when known) and returns how long it waits
    /// before its answer: the longer of the name's wait and the address's.
    func attempt(_ name: String, from address: String? = nil) -> Duration {
        let now = ContinuousClock.now
        let key = name.lowercased()
        var entry = failures[key] ?? (0, now)
        if now - entry.last > Self.window { entry = (0, now) }
        var wait = entry.count > Self.freeForName ? step * min(entry.count - Self.freeForName, 10) : .zero
        failures[key] = (entry.count + 1, now)
        Self.forgetOldest(in: &failures) { $0.last }
        if let address {
            var from = fromAddress[address] ?? (0, 0, now)
            if now - from.last > Self.window { from = (0, 0, now) }
            let counted = from.failures + from.pending
            if counted > Self.freeForAddress { wait = max(wait, step * min(counted - Self.freeForAddress, 10)) }
            fromAddress[address] = (from.failures, from.pending + 1, now)
            Self.forgetOldest(in: &fromAddress) { $0.last }
        }
        return wait
    }

    /// A success clears the name's count; from the address, the attempt is no longer pending.
    func succeeded(_ name: String, from address: String? = nil) {
        failures[name.lowercased()] = nil
        if let address, let from = fromAddress[address] {
            fromAddress[address] = (from.failures, max(0, from.pending - 1), from.last)
        }
    }

    /// A failure from the address: no longer pending, counted as failed.
    func failed(from address: String?) {
        if let address, let from = fromAddress[address] {
            fromAddress[address] = (from.failures + 1, max(0, from.pending - 1), from.last)
        }
    }

    private static func forgetOldest<Value>(
        in table: inout [String: Value],
        last: (Value) -> ContinuousClock.Instant
    ) {
        guard table.count > remembered else { return }
        if let oldest = table.min(by: { last($0.value) < last($1.value) })?.key { table[oldest] = nil }
    }

    /// The address a sign-in is counted under: the peer's; behind a proxy on this machine (a
    /// loopback peer), the last address of its X-Forwarded-For; an IPv6 address by its /64, which
    /// one holder may fill with as many addresses as it likes.
    static func address(peer: String?, forwardedFor: String?) -> String? {
        var address = peer
        if let peer, peer == "127.0.0.1" || peer == "::1" || peer.hasPrefix("::ffff:127."),
            let last = forwardedFor?.split(separator: ",").last?.trimmingCharacters(in: .whitespaces), !last.isEmpty
        {
            address = last
        }
        guard let address, address.contains(":") else { return address }
        var bytes = [UInt8](repeating: 0, count: 16)
        guard inet_pton(AF_INET6, address, &bytes) == 1 else { return address }
        return bytes.prefix(8).map { String($0, radix: 16) }.joined(separator: ".") + "/64"
    }
}
