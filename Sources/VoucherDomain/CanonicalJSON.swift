/// A JSON value with exactly one text form, so that hashes over it are reproducible by anyone.
///
/// The text is what Python's `json.dumps(value, ensure_ascii=False, separators=(",", ":"),
/// sort_keys=True)` prints: no spaces, object keys sorted, strings escaped only where JSON requires
/// (`\"`, `\\`, `\b`, `\f`, `\n`, `\r`, `\t`, other control characters as `\u00XX`), everything
/// else as UTF-8. Numbers are integers only; money is fen. docs/ledger.md shows how to recompute a
/// hash by hand.
public indirect enum CanonicalJSON: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case string(String)
    case array([CanonicalJSON])
    /// Keys must be ASCII, so that every tool sorts them alike.
    case object([String: CanonicalJSON])

    /// The one text form.
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    /// The one text form as UTF-8 bytes: what hashes are computed over.
    public var bytes: [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(512)
        write(to: &output)
        return output
    }

    // Written as UTF-8 bytes: hashing a ledger event encodes several strings per event, and a
    // byte buffer with whole-string copies is many times faster than appending scalars to a String.
    private func write(to output: inout [UInt8]) {
        switch self {
        case .null: output.append(contentsOf: "null".utf8)
        case .bool(let value): output.append(contentsOf: (value ? "true" : "false").utf8)
        case .int(let value): Self.appendInt(value, to: &output)
        case .string(let value): Self.writeString(value, to: &output)
        case .array(let items):
            output.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                item.write(to: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let members):
            output.append(UInt8(ascii: "{"))
            // Keys are ASCII: String order is byte order.
            for (index, member) in members.sorted(by: { $0.key < $1.key }).enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                Self.writeString(member.key, to: &output)
                output.append(UInt8(ascii: ":"))
                member.value.write(to: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    private static func writeString(_ value: String, to output: inout [UInt8]) {
        var value = value
        value.withUTF8 { bytes in appendString(utf8: bytes, to: &output) }
    }

    /// Appends UTF-8 text as a canonical JSON string: the bytes that need no escape are copied in
    /// runs, so that a long payload with a few quotes costs little more than a copy.
    public static func appendString(utf8 bytes: UnsafeBufferPointer<UInt8>, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        var run = 0
        var index = 0
        let raw = UnsafeRawBufferPointer(bytes)
        while index < bytes.count {
            // Eight bytes at a time while none of them needs an escape; then straight to the first
            // that does (the lowest flagged byte of the mask is always a true one).
            while index + 8 <= bytes.count {
                let mask = escapeMask(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)))
                if mask == 0 {
                    index += 8
                } else {
                    index += mask.trailingZeroBitCount >> 3
                    break
                }
            }
            guard index < bytes.count else { break }
            let byte = bytes[index]
            index += 1
            if byte >= 0x20 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") { continue }
            let escaped = index - 1
            if run < escaped { output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<escaped])) }
            run = index
            output.append(UInt8(ascii: "\\"))
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): output.append(byte)
            case 0x08: output.append(UInt8(ascii: "b"))
            case 0x0C: output.append(UInt8(ascii: "f"))
            case 0x0A: output.append(UInt8(ascii: "n"))
            case 0x0D: output.append(UInt8(ascii: "r"))
            case 0x09: output.append(UInt8(ascii: "t"))
            default:
                let digits = Array("0123456789abcdef".utf8)
                output.append(UInt8(ascii: "u"))
                output.append(UInt8(ascii: "0"))
                output.append(UInt8(ascii: "0"))
                output.append(digits[Int(byte >> 4)])
                output.append(digits[Int(byte & 0x0F)])
            }
        }
        if run < bytes.count { output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run...])) }
        output.append(UInt8(ascii: "\""))
    }

    /// The high bit set in each of the eight bytes (least significant first) that is below 0x20, a
    /// quote or a backslash, and possibly in bytes above the first such (the bit tricks of "Bit
    /// Twiddling Hacks": a byte below n, a zero byte after an exclusive or); zero when none is.
    @inline(__always)
    private static func escapeMask(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let control = (word &- ones &* 0x20) & ~word & highs
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        let zeroQuote = (quote &- ones) & ~quote & highs
        let zeroBackslash = (backslash &- ones) & ~backslash & highs
        return control | zeroQuote | zeroBackslash
    }

    /// Appends an integer in its one text form (decimal, a minus sign when negative).
    public static func appendInt(_ value: Int64, to output: inout [UInt8]) {
        if value < 0 { output.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var start = 20
            repeat {
                start -= 1
                digits[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            output.append(contentsOf: UnsafeBufferPointer(rebasing: digits[start...]))
        }
    }
}

extension CanonicalJSON {
    /// A string, or null when absent.
    public static func optional(_ value: String?) -> CanonicalJSON { value.map { .string($0) } ?? .null }

    /// Money as its fen.
    public static func money(_ value: Money) -> CanonicalJSON { .int(value.fen) }
}
