import Foundation

/// Strings met as bytes (straight from SQLite) many times over, each given a slot the first time:
/// verification sums millions of rows into a few hundred thousand keys without making a String
/// per row.
struct InternedKeys {
    /// An open-addressed table of (the hash's high half, slot + 1), probed linearly; 0 marks a
    /// free place. Its size is a power of two, at least twice the number of keys. Eight bytes a
    /// place: a million places (half a million keys) in 8 MB, not 16.
    private var table = [Entry](repeating: Entry(), count: 1024)

    private struct Entry {
        var fingerprint: UInt32 = 0
        var slot: UInt32 = 0
    }

    /// What a place holds of a hash: its high half (its low bits chose the place).
    private static func fingerprint(_ hash: UInt64) -> UInt32 { UInt32(truncatingIfNeeded: hash >> 32) }
    /// Every key's bytes, one after another: key `i` ends at `ends[i]` and starts where key
    /// `i - 1` ends. One array, so that comparing a key retains nothing.
    private var bytes: [UInt8] = []
    private var ends: [Int] = []

    /// How many keys there are; their slots are `0..<count`.
    var count: Int { ends.count }

    /// Every key, by slot.
    var keys: [String] { (0..<count).map(key) }

    /// The key in `slot`.
    func key(_ slot: Int) -> String { withKey(slot) { String(decoding: $0, as: UTF8.self) } }

    /// Calls `body` with the bytes of the key in `slot`.
    func withKey<Result>(_ slot: Int, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        bytes.withUnsafeBufferPointer { all in body(UnsafeBufferPointer(rebasing: all[bytesOf(slot)])) }
    }

    /// The positions in `bytes` of the key in `slot`.
    private func bytesOf(_ slot: Int) -> Range<Int> { (slot == 0 ? 0 : ends[slot - 1])..<ends[slot] }

    /// The slot of these bytes, added when new.
    mutating func slot(_ key: UnsafeBufferPointer<UInt8>) -> Int {
        let hash = Self.hash(key)
        let (place, found) = look(for: key, hash: hash)
        if let found { return found }
        precondition(ends.count < Int(UInt32.max), "more keys than a table of UInt32 slots holds")
        bytes.append(contentsOf: key)
        ends.append(bytes.count)
        table[place] = Entry(fingerprint: Self.fingerprint(hash), slot: UInt32(ends.count))
        if ends.count * 2 > table.count { grow() }
        return ends.count - 1
    }

    /// The slot of a key, nil when it was never met.
    func find(_ key: String) -> Int? {
        var key = key
        return key.withUTF8 { bytes in look(for: bytes, hash: Self.hash(bytes)).found }
    }

    /// The slot holding these bytes, or else the free place where they would go.
    private func look(for key: UnsafeBufferPointer<UInt8>, hash: UInt64) -> (place: Int, found: Int?) {
        bytes.withUnsafeBufferPointer { all in
            var place = Self.place(hash, table.count)
            let fingerprint = Self.fingerprint(hash)
            while table[place].slot != 0 {
                let entry = table[place]
                // The key's bytes are found only when the fingerprint agrees, not at every place probed.
                if entry.fingerprint == fingerprint {
                    let slot = Int(entry.slot) - 1
                    if Self.equal(UnsafeBufferPointer(rebasing: all[bytesOf(slot)]), key) { return (place, slot) }
                }
                place = (place + 1) & (table.count - 1)
            }
            return (place, nil)
        }
    }

    private static func equal(_ stored: UnsafeBufferPointer<UInt8>, _ key: UnsafeBufferPointer<UInt8>) -> Bool {
        guard stored.count == key.count else { return false }
        guard let mine = stored.baseAddress, let theirs = key.baseAddress else { return true }  // both empty
        return memcmp(mine, theirs, key.count) == 0
    }

    private mutating func grow() {
        // Each key's hash made again from its bytes (cheaper than keeping 8 bytes a key for it).
        var larger = [Entry](repeating: Entry(), count: table.count * 2)
        for index in 0..<count {
            let hash = withKey(index) { Self.hash($0) }
            var place = Self.place(hash, larger.count)
            while larger[place].slot != 0 { place = (place + 1) & (larger.count - 1) }
            larger[place] = Entry(fingerprint: Self.fingerprint(hash), slot: UInt32(index + 1))
        }
        table = larger
    }

    /// Where a hash starts probing in a table of `size` places: its bits mixed (SplitMix's finaliser),
    /// so that keys alike in their last bytes spread.
    private static func place(_ hash: UInt64, _ size: Int) -> Int {
        var mixed = (hash ^ (hash >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int(truncatingIfNeeded: mixed ^ (mixed >> 31)) & (size - 1)
    }

    /// Eight bytes at a time, each word mixed in with a multiply: cheap for the 40- to 60-byte ids
    /// met millions of times (equal hashes are told apart by the bytes).
    private static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
        var index = 0
        let raw = UnsafeRawBufferPointer(bytes)
        while index + 8 <= bytes.count {
            hash = (hash ^ raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
            hash ^= hash >> 32
            index += 8
        }
        var tail: UInt64 = 0
        while index < bytes.count {
            tail = tail << 8 | UInt64(bytes[index])
            index += 1
        }
        hash = (hash ^ tail) &* 0xC4CE_B9FE_1A85_EC53
        return hash ^ (hash >> 29)
    }
}

/// Sums of postings per account, the accounts found by their id's bytes.
struct AccountSums {
    private var accounts = InternedKeys()
    private var sums: [Int64] = []
    private var taken: [Bool] = []

    /// The slot of the account with these id bytes, added when new.
    mutating func slot(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        let slot = accounts.slot(bytes)
        if slot == sums.count { sums.append(0) }
        return slot
    }

    func id(_ slot: Int) -> String { accounts.key(slot) }

    /// Calls `body` with the bytes of the id of the account in `slot`.
    func withID<Result>(_ slot: Int, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        accounts.withKey(slot, body)
    }

    mutating func add(_ amount: Int64, to slot: Int) { sums[slot] &+= amount }

    /// The sum of an account's postings (0 when it has none), marking it as having an account row.
    mutating func take(_ id: String) -> Int64 {
        guard let index = accounts.find(id) else { return 0 }
        if taken.isEmpty { taken = Array(repeating: false, count: sums.count) }
        taken[index] = true
        return sums[index]
    }

    /// Adds another stretch's sums to these.
    mutating func merge(_ other: AccountSums) {
        for index in 0..<other.accounts.count {
            let slot = other.accounts.withKey(index) { self.slot($0) }
            sums[slot] &+= other.sums[index]
        }
    }

    /// The ids of the accounts whose sums are below zero, in no order.
    var belowZero: [String] { sums.indices.filter { sums[$0] < 0 }.map { accounts.key($0) } }

    /// The accounts with postings that ``take(_:)`` was never asked for.
    var notTaken: [String] {
        (0..<accounts.count).filter { taken.isEmpty || !taken[$0] }.map { accounts.key($0) }
    }
}
