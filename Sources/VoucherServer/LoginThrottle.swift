/// Slows down repeated failed sign-ins for a name: from the third failure in 15 minutes on, each
/// attempt waits a second more (at most ten) before it is answered; a success clears the count.
/// An attempt counts before its password is checked, so that guesses sent together are slowed
/// too. It remembers at most 10,000 names (the oldest go first), so that guessing many names
/// cannot fill the memory.
actor LoginThrottle {
    private var failures: [String: (count: Int, last: ContinuousClock.Instant)] = [:]
    let step: Duration
    static let window: Duration = .seconds(15 * 60)
    static let remembered = 10_000

    init(step: Duration = .seconds(1)) { self.step = step }

    /// Counts an attempt for `name` and returns how long it waits before its answer.
    func attempt(_ name: String) -> Duration {
        let key = name.lowercased()
        let now = ContinuousClock.now
        var entry = failures[key] ?? (0, now)
        if now - entry.last > Self.window { entry = (0, now) }
        let wait = entry.count < 3 ? Duration.zero : step * min(entry.count - 2, 10)
        failures[key] = (entry.count + 1, now)
        if failures.count > Self.remembered {
            let oldest = failures.min { $0.value.last < $1.value.last }?.key
            if let oldest { failures[oldest] = nil }
        }
        return wait
    }

    func succeeded(_ name: String) { failures[name.lowercased()] = nil }
}
