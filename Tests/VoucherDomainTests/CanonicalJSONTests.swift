import PropertyBased
import Testing
import VoucherDomain

struct CanonicalJSONTests {
    @Test func printsWhatPythonsJsonDumpsPrints() {
        // json.dumps({"b": [1, None, True], "a": "引号\"\\\n\t\u0001é", "aa": -5}, ensure_ascii=False,
        //            separators=(",", ":"), sort_keys=True)
        let value = CanonicalJSON.object([
            "b": .array([.int(1), .null, .bool(true)]), "a": .string("引号\"\\\n\t\u{01}é"), "aa": .int(-5),
        ])
        #expect(value.text == #"{"a":"引号\"\\\n\t\u0001é","aa":-5,"b":[1,null,true]}"#)
    }

    /// The escaping rule written out scalar by scalar, the plain way: the fast writer must agree.
    static func reference(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    @Test func stringsAndIntegersMatchThePlainRuleOnRandomInput() async {
        let pieces = [
            "a", "Z", "0", " ", "\"", "\\", "/", "\u{00}", "\u{01}", "\u{08}", "\u{0C}", "\n", "\r", "\t",
            "\u{1F}", "\u{7F}", "é", "引", "号", "😀", "{", "}",
        ]
        let texts = Gen<String?>.element(of: pieces).map { $0 ?? "" }.array(of: 0...40).map { $0.joined() }
        await propertyCheck(count: 1_000, input: texts, Gen.int64(in: .min ... .max)) { text, number in
            #expect(CanonicalJSON.string(text).text == Self.reference(text), "\(text.debugDescription)")
            #expect(CanonicalJSON.int(number).text == String(number))
        }
        for number in [Int64.min, .max, 0, -1, 10, -10] { #expect(CanonicalJSON.int(number).text == String(number)) }
    }
}

struct TrimmedTests {
    @Test func whiteSpaceOfEveryWidthGoesFromBothEndsOnly() {
        #expect(" \u{3000}甲 公司\t\r\n".trimmed == "甲 公司")
        #expect("a b".trimmed == "a b")
        #expect("  \n".trimmed == "")
        #expect("".trimmed == "")
        #expect("\u{00A0}x".trimmed == "x")
    }
}
