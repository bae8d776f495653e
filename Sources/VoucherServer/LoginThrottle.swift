/// Slows down repeated failed sign-ins. For a name: from the third failure in 15 minutes on, each
/// attempt waits a second more (at most ten) before it is answered; a success clears the count.
/// For an address (one password guessed across many names): after nine attempts in 15 minutes
/// that did not succeed, each waits a second more (at most ten). An attempt counts before its
/// password is checked, so that guesses sent together are slowed too. It remembers at most
/// 10,000 names and 10,000 addresses (the oldest go first), so that guessing many names cannot
/// fill the memory.
actor LoginThrottle {
    private var failures: [String: (count: Int, last: ContinuousClock.Instant)] = [:]
    private var fromAddress: [String: (count: Int, last: ContinuousClock.Instant)] = [:]
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
        let forName = Self.count(name.lowercased(), in: &failures, now: now)
        var wait = forName > Self.freeForName ? step * min(forName - Self.freeForName, 10) : .zero
        if let address {
            let forAddress = Self.count(address, in: &fromAddress, now: now)
            if forAddress > Self.freeForAddress { wait = max(wait, step * min(forAddress - Self.freeForAddress, 10)) }
        }
        return wait
    }

    /// Adds an attempt to `key`'s count (started again after the window) and returns how many
    /// came before it.
    private static func count(
        _ key: String,
        in table: inout [String: (count: Int, last: ContinuousClock.Instant)],
        now: ContinuousClock.Instant
    ) -> Int {
        var entry = table[key] ?? (0, now)
        if now - entry.last > window { entry = (0, now) }
        table[key] = (entry.count + 1, now)
        if table.count > remembered {
            let oldest = table.min { $0.value.last < $1.value.last }?.key
            if let oldest { table[oldest] = nil }
        }
        return entry.count
    }

    /// A success clears the name's count, and takes one attempt off the address's.
    func succeeded(_ name: String, from address: String? = nil) {
        failures[name.lowercased()] = nil
        if let address, let entry = fromAddress[address] {
            fromAddress[address] = entry.count > 1 ? (entry.count - 1, entry.last) : nil
        }
    }
}
