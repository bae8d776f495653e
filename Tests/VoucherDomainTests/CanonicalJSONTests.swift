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
}
