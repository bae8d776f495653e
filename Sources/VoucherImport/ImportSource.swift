import Foundation

/// Where an import's bytes come from. The importer reads them twice, once to check every row and
/// once to record, each time in chunks: a UTF-8 file is never held whole in memory.
public struct ImportSource: Sendable {
    private enum Origin: Sendable {
        case file(String)
        case bytes([UInt8])
    }

    private let origin: Origin
    private let chunkSize: Int

    /// A file on disk, read in chunks of `chunkSize` bytes (1 MiB unless told).
    public static func file(_ path: String, chunkSize: Int = 1 << 20) -> ImportSource {
        ImportSource(origin: .file(path), chunkSize: chunkSize)
    }

    /// Bytes already in memory (the demo's embedded files, tests), handed out in chunks all the same.
    public static func bytes(_ bytes: [UInt8], chunkSize: Int = 1 << 20) -> ImportSource {
        ImportSource(origin: .bytes(bytes), chunkSize: chunkSize)
    }

    /// Why a file could not be read.
    public struct ReadError: Error, Sendable, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var zh: String
        public init(
            path: String,
            reason: String = "it does not exist or is not readable",
            zh: String = "文件不存在或无法读取"
        ) {
            self.path = path
            self.reason = reason
            self.zh = zh
        }
        public var description: String { "cannot read \(path): \(reason)" }
        /// The same in Chinese.
        public var zhDescription: String { "无法读取 \(path)：\(zh)" }

        /// Why the file at `path` cannot be imported, or nil when it can be read.
        public static func check(_ path: String) -> ReadError? {
            var directory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &directory) else {
                return ReadError(path: path, reason: "there is no such file", zh: "没有这个文件")
            }
            if directory.boolValue {
                return ReadError(
                    path: path,
                    reason: "it is a folder; give the CSV file in it",
                    zh: "这是文件夹；请给出其中的 CSV 文件"
                )
            }
            // A device or a pipe (/dev/zero, /dev/stdin) may never end: only files are imported.
            if let type = try? FileManager.default.attributesOfItem(atPath: path)[.type] as? FileAttributeType,
                type != .typeRegular
            {
                return ReadError(
                    path: path,
                    reason: "it is not a regular file (a device or a pipe); give the CSV file",
                    zh: "不是普通文件（是设备或管道）；请给出 CSV 文件"
                )
            }
            if !FileManager.default.isReadableFile(atPath: path) {
                return ReadError(path: path, reason: "this user may not read it", zh: "当前用户无权读取")
            }
            return nil
        }
    }

    /// A fresh pass over the bytes, from `offset`: each call of the closure returns the next chunk,
    /// then nil at the end (or when the file cannot be read further).
    func chunks(from offset: Int = 0) throws -> () -> [UInt8]? {
        let size = chunkSize
        switch origin {
        case .bytes(let bytes):
            var position = min(offset, bytes.count)
            return {
                guard position < bytes.count else { return nil }
                defer { position = min(position + size, bytes.count) }
                return Array(bytes[position..<min(position + size, bytes.count)])
            }
        case .file(let path):
            guard let handle = FileHandle(forReadingAtPath: path) else { throw ReadError(path: path) }
            if offset > 0 { try handle.seek(toOffset: UInt64(offset)) }
            let reading = handle
            return {
                guard let data = try? reading.read(upToCount: size), !data.isEmpty else {
                    try? reading.close()
                    return nil
                }
                return [UInt8](data)
            }
        }
    }

    /// Every byte, in memory: for the encodings converted whole (UTF-16, GB18030).
    func all() throws -> [UInt8] {
        var result: [UInt8] = []
        let next = try chunks()
        while let chunk = next() { result += chunk }
        return result
    }

    /// The first bytes, to recognise a byte-order mark.
    func prefix(_ count: Int) throws -> [UInt8] {
        let next = try chunks()
        var result: [UInt8] = []
        while result.count < count, let chunk = next() { result += chunk.prefix(count - result.count) }
        return result
    }
}

/// An import's bytes with their encoding recognised: UTF-8 (with or without a byte-order mark) is
/// read from the source in chunks on each pass; UTF-16 and GB18030 files are converted to UTF-8
/// whole, in memory (the rare case: such files come from an office's spreadsheet, not a bulk export).
struct DecodedInput {
    var source: ImportSource
    var offset: Int
    var encoding: TextEncoding
    /// The workbook sheet the rows are read from (an .xlsx file), and the sheet row each line of
    /// its CSV starts.
    var sheet: String?
    var rowOfLine: [Int: Int] = [:]

    /// The columns whose numbers are Excel dates (day counts) in a workbook.
    static let dateColumns: Set<String> = ["used_on", "decided_on", "claimed_on", "paid_on", "filed_on"]

    /// Recognises the encoding. Throws ``TextDecodingError`` when the bytes are no text we read,
    /// ``ImportSource/ReadError`` when the file cannot be read.
    init(_ source: ImportSource) throws {
        let start = try source.prefix(4)
        if XLSXSheet.looksLikeXLSX(start) {
            var sheet = try XLSXSheet(data: Data(try source.all()), dateColumns: Self.dateColumns)
            self.init(source: .bytes(Array(sheet.csv().utf8)), offset: 0, encoding: .xlsx)
            self.sheet = sheet.name
            rowOfLine = sheet.rowOfLine
            return
        }
        if XLSXSheet.looksLikeOLE2(start) {
            throw XLSXSheet.Unreadable(
                reason: "it is an .xls workbook or a password-protected file; save it as .xlsx (without a password) "
                    + "or as CSV",
                zh: "是 .xls 工作簿或有密码保护的文件；请另存为 .xlsx（不设密码）或 CSV"
            )
        }
        if start.starts(with: [0xFF, 0xFE]) || start.starts(with: [0xFE, 0xFF]) {
            let (text, encoding) = try TextDecoding.decode(try source.all())
            self.init(source: .bytes(Array(text.utf8)), offset: 0, encoding: encoding)
            return
        }
        let bom = start.starts(with: [0xEF, 0xBB, 0xBF])
        let offset = bom ? 3 : 0
        if try TextDecoding.isValidUTF8(try source.chunks(from: offset)) {
            self.init(source: source, offset: offset, encoding: bom ? .utf8WithBOM : .utf8)
            return
        }
        self.init(source: .bytes(Array(try TextDecoding.gb18030(try source.all()).utf8)), offset: 0, encoding: .gb18030)
    }

    private init(source: ImportSource, offset: Int, encoding: TextEncoding) {
        self.source = source
        self.offset = offset
        self.encoding = encoding
    }

    /// How a message names another line of the input: `line 7` of a text file, `row 9` of a
    /// workbook's sheet (whose empty rows and cells of several lines its CSV does not count alike).
    func place(ofLine line: Int) -> String {
        sheet == nil ? "line \(line)" : "row \(rowOfLine[line] ?? line)"
    }

    /// The same in Chinese: `第 7 行`.
    func zhPlace(ofLine line: Int) -> String { "第 \(sheet == nil ? line : rowOfLine[line] ?? line) 行" }

    /// A reader over the records, from the first byte after any byte-order mark.
    func reader() throws -> CSVReader { CSVReader(chunks: try source.chunks(from: offset)) }
}
