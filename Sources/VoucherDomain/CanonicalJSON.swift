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
    public var text: String {
        var output = ""
        write(to: &output)
        return output
    }

    private func write(to output: inout String) {
        switch self {
        case .null: output += "null"
        case .bool(let value): output += value ? "true" : "false"
        case .int(let value): output += String(value)
        case .string(let value): Self.writeString(value, to: &output)
        case .array(let items):
            output += "["
            for (index, item) in items.enumerated() {
                if index > 0 { output += "," }
                item.write(to: &output)
            }
            output += "]"
        case .object(let members):
            output += "{"
            for (index, key) in members.keys.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
                .enumerated()
            {
                if index > 0 { output += "," }
                Self.writeString(key, to: &output)
                output += ":"
                members[key, default: .null].write(to: &output)
            }
            output += "}"
        }
    }

    private static func writeString(_ value: String, to output: inout String) {
        output += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\u{08}": output += "\\b"
            case "\u{0C}": output += "\\f"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case let control where control.value < 0x20:
                let hex = String(control.value, radix: 16)
                output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: output.unicodeScalars.append(scalar)
            }
        }
        output += "\""
    }
}

extension CanonicalJSON {
    /// A string, or null when absent.
    public static func optional(_ value: String?) -> CanonicalJSON { value.map { .string($0) } ?? .null }

    /// Money as its fen.
    public static func money(_ value: Money) -> CanonicalJSON { .int(value.fen) }
}
