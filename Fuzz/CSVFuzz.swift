// libFuzzer target: byte decoding (UTF-8, UTF-16, GB18030) and the CSV reader. Built by
// scripts/fuzz with CSVReader.swift and TextDecoding.swift as one module. A crash is a finding.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let (text, _) = try? TextDecoding.decode(bytes) else { return 0 }
    var reader = CSVReader(text: text, maximumFieldLength: 256)
    var lastLine = 0
    while let record = reader.next() {
        guard record.line > lastLine, !record.fields.isEmpty else { fatalError("records out of order or empty") }
        guard record.fields.allSatisfy({ $0.unicodeScalars.count <= 256 }) else {
            fatalError("a field beyond the limit")
        }
        lastLine = record.line
    }
    return 0
}
