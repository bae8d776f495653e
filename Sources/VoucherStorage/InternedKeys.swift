import Foundation

/// Strings met as bytes (straight from SQLite) many times over, each given a slot the first time:
/// verification sums millions of rows into a few hundred thousand keys without making a String
/// per row.
struct InternedKeys {
    private var byHash: [UInt64: Int] = [:]
    /// Keys whose 64-bit hash another key took first (practically never; kept exact all the same).
    private var collided: [String: Int] = [:]
    private(set) var keys: [String] = []

    /// The slot of these bytes, added when new.
    mutating func slot(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        let hash = Self.hash(bytes)
        if let index = byHash[hash] {
            if Self.equal(keys[index], bytes) { return index }
            let key = String(decoding: bytes, as: UTF8.self)
            if let other = collided[key] { return other }
            collided[key] = keys.count
        } else {
            byHash[hash] = keys.count
        }
        keys.append(String(decoding: bytes, as: UTF8.self))
        return keys.count - 1
    }

    /// The slot of a key, nil when it was never met.
    func find(_ key: String) -> Int? {
        var key = key
        let slot: Int? = key.withUTF8 { bytes in
            guard let index = byHash[Self.hash(bytes)] else { return nil }
            return Self.equal(keys[index], bytes) ? index : nil
        }
        return slot ?? collided[key]
    }

    /// FNV-1a: cheap, and good enough to spread the keys (a collision only costs a String).
    private static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return hash
    }

    private static func equal(_ key: String, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var key = key
        return key.withUTF8 { stored in
            stored.count == bytes.count
                && (stored.count == 0 || memcmp(stored.baseAddress!, bytes.baseAddress!, stored.count) == 0)
        }
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

    func id(_ slot: Int) -> String { accounts.keys[slot] }

    mutating func add(_ amount: Int64, to slot: Int) { sums[slot] &+= amount }

    /// The sum of an account's postings (0 when it has none), marking it as having an account row.
    mutating func take(_ id: String) -> Int64 {
        guard let index = accounts.find(id) else { return 0 }
        if taken.isEmpty { taken = Array(repeating: false, count: sums.count) }
        taken[index] = true
        return sums[index]
    }

    /// The accounts with postings that ``take(_:)`` was never asked for.
    var notTaken: [String] {
        accounts.keys.indices.filter { taken.isEmpty || !taken[$0] }.map { accounts.keys[$0] }
    }
}
