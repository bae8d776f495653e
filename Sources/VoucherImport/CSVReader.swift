/// One record of a CSV file: its fields, and the line it starts on (1-based, counting the header).
public struct CSVRecord: Sendable, Hashable {
    public var line: Int
    public var fields: [String]
}

/// Why a CSV text cannot be read.
public struct CSVError: Error, Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var reason: String

    public var description: String { "line \(line): \(reason)" }
}

/// Reads CSV as RFC 4180 writes it and Excel saves it: fields separated by commas, optionally in
/// double quotes (a quote inside doubled), records ended by CRLF, LF or CR; a quoted field may span
/// lines. Blank lines are skipped. Fields are returned as written, without trimming.
public struct CSVReader: Sequence, IteratorProtocol {
    private var scalars: String.UnicodeScalarView.Iterator
    private var pending: Unicode.Scalar?
    private var line = 1
    private var finished = false
    /// The first malformed record stops the reader; read it after iterating.
    public private(set) var error: CSVError?
    /// The longest field accepted, in characters: no real value comes near it, and a runaway
    /// field (a quote left open, a file that is not CSV) stops here instead of filling memory.
    public let maximumFieldLength: Int

    public init(text: String, maximumFieldLength: Int = 10_000) {
        scalars = text.unicodeScalars.makeIterator()
        self.maximumFieldLength = maximumFieldLength
    }

    private mutating func tooLong(_ length: Int, line: Int) -> Bool {
        guard length > maximumFieldLength else { return false }
        error = CSVError(
            line: line,
            reason: "a field is longer than \(maximumFieldLength) characters; no value is that long"
        )
        finished = true
        return true
    }

    private mutating func nextScalar() -> Unicode.Scalar? {
        if let scalar = pending {
            pending = nil
            return scalar
        }
        return scalars.next()
    }

    public mutating func next() -> CSVRecord? {
        while !finished {
            let startLine = line
            var fields: [String] = []
            var field = String.UnicodeScalarView()
            var length = 0
            var quoted = false
            var fieldStarted = false
            var afterQuote = false
            while true {
                guard let scalar = nextScalar() else {
                    finished = true
                    if quoted {
                        error = CSVError(line: startLine, reason: "a quoted field is not closed (a \" is missing)")
                        return nil
                    }
                    if fieldStarted || !fields.isEmpty || !field.isEmpty {
                        fields.append(String(field))
                        return CSVRecord(line: startLine, fields: fields)
                    }
                    return nil
                }
                if quoted {
                    if scalar == "\"" {
                        if let following = nextScalar() {
                            if following == "\"" {
                                field.append("\"")
                                length += 1
                                if tooLong(length, line: startLine) { return nil }
                                continue
                            }
                            pending = following
                        }
                        quoted = false
                        afterQuote = true
                    } else {
                        if scalar == "\n" || (scalar == "\r" && !peekIsNewline()) { line += 1 }
                        field.append(scalar)
                        length += 1
                        if tooLong(length, line: startLine) { return nil }
                    }
                    continue
                }
                switch scalar {
                case "\"" where !fieldStarted:
                    quoted = true
                    fieldStarted = true
                case ",":
                    fields.append(String(field))
                    field = String.UnicodeScalarView()
                    length = 0
                    fieldStarted = false
                    afterQuote = false
                case "\r", "\n":
                    if scalar == "\r", let following = nextScalar(), following != "\n" { pending = following }
                    line += 1
                    if fields.isEmpty && !fieldStarted && field.isEmpty { break }  // a blank line
                    fields.append(String(field))
                    return CSVRecord(line: startLine, fields: fields)
                default:
                    if afterQuote {
                        error = CSVError(
                            line: line,
                            reason: "text after a closing quote; a quote inside a quoted field is written \"\""
                        )
                        finished = true
                        return nil
                    }
                    if scalar == "\"" {
                        error = CSVError(
                            line: line,
                            reason: "a stray \" inside an unquoted field; quote the whole field"
                        )
                        finished = true
                        return nil
                    }
                    field.append(scalar)
                    fieldStarted = true
                    length += 1
                    if tooLong(length, line: line) { return nil }
                }
                if fields.isEmpty && !fieldStarted && field.isEmpty && (scalar == "\r" || scalar == "\n") {
                    break
                }
            }
        }
        return nil
    }

    /// Whether the next scalar is a line feed (so that CRLF inside quotes counts one line).
    private mutating func peekIsNewline() -> Bool {
        if let scalar = pending { return scalar == "\n" }
        pending = scalars.next()
        return pending == "\n"
    }
}
