/// The rows of a file that repeat an earlier row's key (its `ref`, or a redemption's ref and use),
/// found with little memory. The first pass remembers each keyed row as 32 bytes: 128 bits of its
/// key's hash, a fingerprint of its content and its line; once the pass is done, one sort brings
/// the rows of each key together, the first line first. A dictionary of the keys themselves held a
/// string and a slot for each: a first pass over 800,000 redemptions took 218 MB
/// (docs/performance.md).
///
/// Two different keys are taken for one only when both 64-bit hashes agree (Swift's `Hasher`,
/// seeded anew in each process, over the key and over the key after a salt): about 10⁻²⁷ for a
/// million rows. Even then the rows differ, so the file is refused, naming both lines; nothing is
/// skipped or recorded wrongly.
struct RepeatedRows {
    private struct Entry {
        var high: UInt64
        var low: UInt64
        var fingerprint: Int
        var line: Int
    }

    private var entries: [Entry] = []

    /// Remembers a keyed row: its key, its line and its fields (whose hash tells a repeat with the
    /// same content from one with other content).
    mutating func add(key: String, line: Int, fields: [String]) {
        var high = Hasher()
        high.combine(key)
        var low = Hasher()
        low.combine(0x9E37_79B9_7F4A_7C15 as UInt64)
        low.combine(key)
        var content = Hasher()
        content.combine(fields)
        entries.append(
            Entry(
                high: UInt64(bitPattern: Int64(high.finalize())),
                low: UInt64(bitPattern: Int64(low.finalize())),
                fingerprint: content.finalize(),
                line: line
            )
        )
    }

    /// A row whose key an earlier row has: its line, the first such row's line, and whether the
    /// two differ in content.
    struct Repeat: Equatable {
        var line: Int
        var first: Int
        var differs: Bool
    }

    /// Every repeat, by line; what was remembered is let go.
    mutating func repeats() -> [Repeat] {
        var rows = entries
        entries = []
        rows.sort { ($0.high, $0.low, $0.line) < ($1.high, $1.low, $1.line) }
        var found: [Repeat] = []
        var first = 0
        for index in rows.indices.dropFirst() {
            if rows[index].high == rows[first].high, rows[index].low == rows[first].low {
                found.append(
                    Repeat(
                        line: rows[index].line,
                        first: rows[first].line,
                        differs: rows[index].fingerprint != rows[first].fingerprint
                    )
                )
            } else {
                first = index
            }
        }
        return found.sorted { $0.line < $1.line }
    }
}
