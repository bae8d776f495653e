// The tables a replay keeps its state in, lighter than dictionaries at a million entries.

/// Sequence numbers added in increasing order, in four bytes each instead of eight: their low 32
/// bits, and apart, the index from which each value of the high bits starts (one entry for any
/// ledger of fewer than four billion events).
struct IncreasingSeqs: Sendable {
    private var low: [UInt32] = []
    private var runs: [(start: Int, high: Int64)] = []

    var count: Int { low.count }
    var last: Int64? { low.isEmpty ? nil : self[low.count - 1] }

    /// Makes room for `count` numbers at once (see ``SeqTable/reserve(_:)``).
    mutating func reserve(_ count: Int) { low.reserveCapacity(count) }

    mutating func append(_ seq: Int64) {
        precondition(seq > (last ?? .min), "sequence numbers are added in order")
        let high = seq >> 32
        if runs.last?.high != high { runs.append((low.count, high)) }
        low.append(UInt32(truncatingIfNeeded: seq))
    }

    subscript(index: Int) -> Int64 {
        var run = runs.count - 1
        while runs[run].start > index { run -= 1 }
        return runs[run].high << 32 | Int64(low[index])
    }

    /// Where `seq` is: a binary search.
    func index(of seq: Int64) -> Int? {
        var lower = 0
        var upper = low.count
        while lower < upper {
            let middle = (lower + upper) / 2
            if self[middle] < seq { lower = middle + 1 } else { upper = middle }
        }
        return lower < low.count && self[lower] == seq ? lower : nil
    }
}

/// Values keyed by sequence number and added in increasing order: two arrays and a binary
/// search, lighter than a dictionary for hundreds of thousands of entries.
struct SeqTable<Value: Sendable>: Sendable {
    private(set) var keys = IncreasingSeqs()
    private(set) var values: [Value] = []

    /// Makes room for `count` values at once, so that the table does not grow by doubling (each
    /// step copies it and leaves the old buffer behind).
    mutating func reserve(_ count: Int) {
        keys.reserve(count)
        values.reserveCapacity(count)
    }

    func index(of key: Int64) -> Int? { keys.index(of: key) }

    /// A value, or nil; setting a key beyond the last adds it, setting an existing key replaces
    /// its value (a table never forgets: setting nil is ignored).
    subscript(key: Int64) -> Value? {
        get { index(of: key).map { values[$0] } }
        set {
            guard let newValue else { return }
            if let index = index(of: key) {
                values[index] = newValue
            } else {
                keys.append(key)
                values.append(newValue)
            }
        }
    }
}

/// Values by key (a small number from 0 up), in an array that grows as keys arrive; a key not yet
/// set reads as `empty`.
struct DenseTable<Value: Sendable>: Sendable {
    private(set) var values: [Value] = []
    let empty: Value

    init(empty: Value) { self.empty = empty }

    /// Makes room for keys up to `count` at once (see ``SeqTable/reserve(_:)``).
    mutating func reserve(_ count: Int) { values.reserveCapacity(count) }

    subscript(key: Int32) -> Value {
        get { Int(key) < values.count && key >= 0 ? values[Int(key)] : empty }
        set {
            guard key >= 0 else { return }
            let index = Int(key)
            if index >= values.count {
                values.append(contentsOf: repeatElement(empty, count: index + 1 - values.count))
            }
            values[index] = newValue
        }
    }
}

/// What the caps count per applicant, by year: a table of applicants for each year.
struct YearTable: Sendable {
    /// A few years at most: found by a look along them, not a hash at every use.
    private var years: [(year: Int, applicants: DenseTable<Replay.YearSums>)] = []

    private func place(of year: Int) -> Int? { years.firstIndex { $0.year == year } }

    subscript(year: Int, applicant: Int32) -> Replay.YearSums {
        get { place(of: year).map { years[$0].applicants[applicant] } ?? Replay.YearSums() }
        set {
            if let place = place(of: year) {
                years[place].applicants[applicant] = newValue
            } else {
                years.append((year, DenseTable(empty: Replay.YearSums())))
                years[years.count - 1].applicants[applicant] = newValue
            }
        }
    }

    /// The year's sums, by applicant key.
    func applicants(of year: Int) -> [Replay.YearSums] { place(of: year).map { years[$0].applicants.values } ?? [] }
}

/// Strings that many keys share (districts, groups), each kept once and known by a number.
struct RepeatedNames: Sendable {
    private var strings: [String] = []
    private var numbers: [String: Int32] = [:]

    /// The number of `name`, given it on first sight.
    mutating func number(_ name: String) -> Int32 {
        if let number = numbers[name] { return number }
        let number = Int32(strings.count)
        strings.append(name)
        numbers[name] = number
        return number
    }

    /// The name numbered `number`; nil for a negative number (none).
    subscript(number: Int32) -> String? { number >= 0 ? strings[Int(number)] : nil }
}

/// Sums by kind of account, in six places.
struct KindTotals: Sendable {
    private var sums = [Int64](repeating: 0, count: 6)

    private static func place(_ kind: LedgerAccount.Kind) -> Int {
        switch kind {
        case .budget: 0
        case .quota: 1
        case .awaiting: 2
        case .paid: 3
        case .forfeited: 4
        case .lapsed: 5
        }
    }

    subscript(kind: LedgerAccount.Kind) -> Int64 {
        get { sums[Self.place(kind)] }
        set { sums[Self.place(kind)] = newValue }
    }
}

/// How many live uses each term bound (none: nil), in a place per term rather than hashed at
/// every use.
struct BindingCounts: Sendable {
    private var counts = [Int](repeating: 0, count: Term.Kind.allCases.count + 1)

    private static func place(_ term: Term.Kind?) -> Int {
        guard let term else { return 0 }
        return (Term.Kind.allCases.firstIndex(of: term) ?? 0) + 1
    }

    subscript(term: Term.Kind?) -> Int {
        get { counts[Self.place(term)] }
        set { counts[Self.place(term)] = newValue }
    }

    /// Each term (nil first) with its count.
    var all: [(term: Term.Kind?, count: Int)] {
        [(nil, counts[0])] + Term.Kind.allCases.enumerated().map { ($0.element, counts[$0.offset + 1]) }
    }
}
