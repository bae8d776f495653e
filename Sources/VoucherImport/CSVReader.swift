/// One record of a CSV file: its fields, and the line it starts on (1-based, counting the header).
public struct CSVRecord: Sendable, Hashable {
    public var line: Int
    public var fields: [String]
}

/// Why a CSV text cannot be read.
public struct CSVError: Error, Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var reason: String
    /// The reason in Chinese.
    public var zh: String

    public var description: String { "line \(line): \(reason)" }
}

/// Reads CSV as RFC 4180 writes it and Excel saves it: fields separated by commas, optionally in
/// double quotes (a quote inside doubled), records ended by CRLF, LF or CR; a quoted field may span
/// lines. Blank lines are skipped. Fields are returned as written, without trimming.
///
/// It reads UTF-8 bytes in chunks, so that a file of any size is read in constant memory: the
/// separators are ASCII, and no byte of a multi-byte UTF-8 character is ASCII, so the bytes can be
/// split without decoding them. The bytes must be valid UTF-8 (``TextDecoding`` sees to it).
public struct CSVReader: Sequence, IteratorProtocol {
    private var chunks: () -> [UInt8]?
    private var buffer: [UInt8] = []
    private var position = 0
    private var pending: UInt8?
    private var line = 1
    private var finished = false
    /// The first malformed record stops the reader; read it after iterating.
    public private(set) var error: CSVError?
    /// The longest field accepted, in characters: no real value comes near it, and a runaway
    /// field (a quote left open, a file that is not CSV) stops here instead of filling memory.
    public let maximumFieldLength: Int

    public init(text: String, maximumFieldLength: Int = 10_000) {
        var whole: [UInt8]? = Array(text.utf8)
        self.init(
            chunks: {
                defer { whole = nil }
                return whole
            },
            maximumFieldLength: maximumFieldLength
        )
    }

    /// Reads the bytes `chunks` returns, one chunk after another, until it returns nil.
    public init(chunks: @escaping () -> [UInt8]?, maximumFieldLength: Int = 10_000) {
        self.chunks = chunks
        self.maximumFieldLength = maximumFieldLength
    }

    private mutating func tooLong(_ length: Int, line: Int) -> Bool {
        guard length > maximumFieldLength else { return false }
        error = CSVError(
            line: line,
            reason: "a field is longer than \(maximumFieldLength) characters; no value is that long",
            zh: "有字段超过 \(maximumFieldLength) 个字符；正常的值不会这么长，请检查是否少了引号"
        )
        finished = true
        return true
    }

    private mutating func nextByte() -> UInt8? {
        if let byte = pending {
            pending = nil
            return byte
        }
        while position == buffer.count {
            guard let chunk = chunks() else { return nil }
            buffer = chunk
            position = 0
        }
        defer { position += 1 }
        return buffer[position]
    }

    private static let quote = UInt8(ascii: "\"")
    private static let comma = UInt8(ascii: ",")
    private static let cr = UInt8(ascii: "\r")
    private static let lf = UInt8(ascii: "\n")

    /// Whether the byte begins a character (it is not a UTF-8 continuation byte).
    private static func startsCharacter(_ byte: UInt8) -> Bool { byte & 0xC0 != 0x80 }

    public mutating func next() -> CSVRecord? {
        while !finished {
            let startLine = line
            var fields: [String] = []
            var field: [UInt8] = []
            var length = 0
            var quoted = false
            var fieldStarted = false
            var afterQuote = false
            while true {
                guard let byte = nextByte() else {
                    finished = true
                    if quoted {
                        error = CSVError(
                            line: startLine,
                            reason: "a quoted field is not closed (a \" is missing)",
                            zh: "带引号的字段没有闭合（缺少一个 \"）"
                        )
                        return nil
                    }
                    if fieldStarted || !fields.isEmpty || !field.isEmpty {
                        fields.append(String(decoding: field, as: UTF8.self))
                        return CSVRecord(line: startLine, fields: fields)
                    }
                    return nil
                }
                if quoted {
                    if byte == Self.quote {
                        if let following = nextByte() {
                            if following == Self.quote {
                                field.append(Self.quote)
                                length += 1
                                if tooLong(length, line: startLine) { return nil }
                                continue
                            }
                            pending = following
                        }
                        quoted = false
                        afterQuote = true
                    } else {
                        if byte == Self.lf || (byte == Self.cr && !peekIsNewline()) { line += 1 }
                        field.append(byte)
                        if Self.startsCharacter(byte) {
                            length += 1
                            if tooLong(length, line: startLine) { return nil }
                        }
                    }
                    continue
                }
                switch byte {
                case Self.quote where !fieldStarted:
                    quoted = true
                    fieldStarted = true
                case Self.comma:
                    fields.append(String(decoding: field, as: UTF8.self))
                    field.removeAll(keepingCapacity: true)
                    length = 0
                    fieldStarted = false
                    afterQuote = false
                case Self.cr, Self.lf:
                    if byte == Self.cr, let following = nextByte(), following != Self.lf { pending = following }
                    line += 1
                    if fields.isEmpty && !fieldStarted && field.isEmpty { break }  // a blank line
                    fields.append(String(decoding: field, as: UTF8.self))
                    return CSVRecord(line: startLine, fields: fields)
                default:
                    if afterQuote {
                        error = CSVError(
                            line: line,
                            reason: "text after a closing quote; a quote inside a quoted field is written \"\"",
                            zh: "闭合的引号之后还有文字；带引号的字段里的引号应写作 \"\""
                        )
                        finished = true
                        return nil
                    }
                    if byte == Self.quote {
                        error = CSVError(
                            line: line,
                            reason: "a stray \" inside an unquoted field; quote the whole field",
                            zh: "未加引号的字段里有一个 \"；请给整个字段加上引号"
                        )
                        finished = true
                        return nil
                    }
                    field.append(byte)
                    fieldStarted = true
                    if Self.startsCharacter(byte) {
                        length += 1
                        if tooLong(length, line: line) { return nil }
                    }
                }
                if fields.isEmpty && !fieldStarted && field.isEmpty && (byte == Self.cr || byte == Self.lf) {
                    break
                }
            }
        }
        return nil
    }

    /// Whether the next byte is a line feed (so that CRLF inside quotes counts one line).
    private mutating func peekIsNewline() -> Bool {
        if let byte = pending { return byte == Self.lf }
        pending = nextByte()
        return pending == Self.lf
    }
}
