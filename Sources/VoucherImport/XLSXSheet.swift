import Foundation
import VoucherDomain
import ZIPFoundation

#if canImport(FoundationXML)
import FoundationXML
#endif

/// The first sheet of an `.xlsx` workbook as the rows an import reads: ZIPFoundation opens the
/// container, Foundation's `XMLParser` reads the workbook, its relationships, the shared strings
/// and the sheet. Row N of the sheet is line N of the text handed to the CSV reader (an empty row
/// stays an empty line), so that every message names the sheet's own row.
struct XLSXSheet {
    /// The sheet's name, for messages.
    var name: String
    /// Each row's cells by column (0 for A), rows numbered from 1.
    var rows: [Int: [Int: String]]
    /// The sheet row each line of ``csv()`` starts (a cell with a line break spans two lines).
    private(set) var rowOfLine: [Int: Int] = [:]

    struct Unreadable: Error, CustomStringConvertible {
        var reason: String
        var zh: String
        var description: String { "this .xlsx workbook cannot be read: \(reason)" }
        /// The same in Chinese.
        var zhDescription: String { "无法读取此 .xlsx 工作簿：\(zh)" }
    }

    /// The most a part of a workbook may hold once decompressed: a few bytes of a ZIP can hold
    /// gigabytes of nothing.
    static let largestPart = 512 << 20
    /// The rows and columns a sheet can have (Excel's limits: 1,048,576 rows, columns A to XFD).
    static let rowLimit = 1_048_576
    static let columnLimit = 16_384

    /// Whether bytes start like a ZIP container (an .xlsx file is one).
    static func looksLikeXLSX(_ start: [UInt8]) -> Bool { start.starts(with: [0x50, 0x4B, 0x03, 0x04]) }

    /// Whether bytes start like an OLE2 compound file: an .xls workbook, or an encrypted .xlsx.
    static func looksLikeOLE2(_ start: [UInt8]) -> Bool { start.starts(with: [0xD0, 0xCF, 0x11, 0xE0]) }

    /// The first visible sheet of the workbook whose bytes are `data`. Numbers in the columns
    /// named in `dateColumns` that Excel stores as day counts (its dates) become `YYYY-MM-DD`.
    init(data: Data, dateColumns: Set<String>) throws {
        let archive: Archive
        do {
            archive = try Archive(data: data, accessMode: .read)
        } catch {
            throw Unreadable(
                reason: "it is not a complete ZIP container; save it again from Excel or WPS",
                zh: "不是完整的 ZIP 文件；请用 Excel 或 WPS 重新保存"
            )
        }
        func part(_ path: String) throws -> Data? {
            guard let entry = archive[path] else { return nil }
            guard entry.uncompressedSize <= Self.largestPart else {
                throw Unreadable(
                    reason: "its part \(path) is larger than \(Self.largestPart >> 20) MB",
                    zh: "其部件 \(path) 超过 \(Self.largestPart >> 20) MB"
                )
            }
            var bytes = Data()
            do {
                _ = try archive.extract(entry, skipCRC32: false) { chunk in
                    bytes.append(chunk)
                    if bytes.count > Self.largestPart {
                        throw Unreadable(reason: "its part \(path) is too large", zh: "其部件 \(path) 过大")
                    }
                }
            } catch let error as Unreadable {
                throw error
            } catch {
                throw Unreadable(
                    reason: "its part \(path) is damaged; save it again from Excel or WPS",
                    zh: "其部件 \(path) 已损坏；请用 Excel 或 WPS 重新保存"
                )
            }
            return bytes
        }
        guard let workbook = try part("xl/workbook.xml") else {
            throw Unreadable(
                reason: "it has no xl/workbook.xml: it is not an .xlsx workbook (an .ods? save it as .xlsx)",
                zh: "没有 xl/workbook.xml：不是 .xlsx 工作簿（是 .ods 吗？请另存为 .xlsx）"
            )
        }
        guard let elements = XMLElements(workbook, named: ["sheet", "workbookPr"]) else {
            throw Unreadable(
                reason: "its xl/workbook.xml is not well-formed XML",
                zh: "其 xl/workbook.xml 不是格式正确的 XML"
            )
        }
        // Workbooks made on old Macs count days from 1904-01-01.
        let date1904 = elements.contains {
            $0.name == "workbookPr" && ["1", "true"].contains($0.attributes["date1904"] ?? "")
        }
        let visible = elements.filter { $0.name == "sheet" && ($0.attributes["state"] ?? "visible") == "visible" }
        guard let first = visible.first, let sheetName = first.attributes["name"] else {
            throw Unreadable(reason: "its workbook lists no visible sheet", zh: "工作簿中没有可见的工作表")
        }
        // The sheet's part, by its relationship.
        guard let id = first.attributes["r:id"], let rels = try part("xl/_rels/workbook.xml.rels"),
            let target = XMLElements(rels, named: ["Relationship"])?.first(where: { $0.attributes["Id"] == id })?
                .attributes["Target"]
        else {
            throw Unreadable(
                reason: "it does not say where its sheet \(sheetName) is",
                zh: "没有说明工作表 \(sheetName) 在何处"
            )
        }
        let path = target.hasPrefix("/") ? String(target.dropFirst()) : "xl/" + target
        guard let sheetData = try part(path) else {
            throw Unreadable(
                reason: "its sheet \(sheetName)'s part \(path) is missing",
                zh: "工作表 \(sheetName) 的部件 \(path) 缺失"
            )
        }
        let shared = try part("xl/sharedStrings.xml").map(SharedStrings.init) ?? SharedStrings()
        guard shared.parsed else {
            throw Unreadable(
                reason: "its shared strings are not well-formed XML",
                zh: "其共享字符串不是格式正确的 XML"
            )
        }
        let reader = SheetReader(shared: shared.strings)
        let parser = XMLParser(data: sheetData)
        parser.delegate = reader
        guard parser.parse() else {
            throw reader.error
                ?? Unreadable(
                    reason: "its sheet \(sheetName) is not well-formed XML",
                    zh: "工作表 \(sheetName) 不是格式正确的 XML"
                )
        }
        if let error = reader.error { throw error }
        name = sheetName
        rows = reader.rows
        // Dates: the header row (the first that is not empty, as the import reads it) names the columns.
        guard let headerRow = rows.keys.min() else { return }
        for (column, title) in rows[headerRow] ?? [:] where dateColumns.contains(title.trimmed.lowercased()) {
            for (number, var cells) in rows where number > headerRow {
                if let text = cells[column], let iso = Self.date(fromSerial: text, date1904: date1904) {
                    cells[column] = iso
                    rows[number] = cells
                }
            }
        }
    }

    /// Excel's day count as `YYYY-MM-DD`: in the 1900 system 1 is 1900-01-01 and, for its phantom
    /// 1900-02-29, from 61 on day 0 is 1899-12-30; in the 1904 system day 0 is 1904-01-01. A time
    /// of day (the fraction) is dropped: the business date is the day. Nil for text that is no
    /// day count (or one before 1900-03-01).
    static func date(fromSerial text: String, date1904: Bool = false) -> String? {
        guard let value = Double(text), value.isFinite, value >= (date1904 ? 0 : 61), value < 2_958_466 else {
            return nil
        }
        let origin =
            date1904
            ? (try? BusinessDate(year: 1904, month: 1, day: 1)) : (try? BusinessDate(year: 1899, month: 12, day: 30))
        return origin?.adding(days: Int(value.rounded(.down))).iso
    }

    /// The rows as CSV text, one line per sheet row from the first to the last; each row as wide
    /// as the header (a sheet leaves out a row's empty cells at its end). Records where each line
    /// starts in ``rowOfLine``.
    mutating func csv() -> String {
        guard let first = rows.keys.min(), let last = rows.keys.max() else { return "" }
        let headerWidth = rows[first]?.keys.max() ?? 0
        var lines: [String] = []
        var line = 1
        for number in first...last {
            rowOfLine[line] = number
            let cells = rows[number] ?? [:]
            guard let width = cells.keys.max() else {
                lines.append("")
                line += 1
                continue
            }
            let text = (0...max(width, headerWidth)).map { Self.quoted(cells[$0] ?? "") }.joined(separator: ",")
            lines.append(text)
            line += 1 + Self.lineBreaks(text)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The line breaks inside a row's text as ``CSVReader`` counts lines: each LF, and each CR not
    /// followed by an LF (a lone CR, as a cell written `a_x000D_b` holds).
    static func lineBreaks(_ text: String) -> Int {
        var count = 0
        var previousWasCR = false
        for scalar in text.unicodeScalars {
            if scalar == "\n" {
                count += 1
            } else if previousWasCR {
                count += 1
            }
            previousWasCR = scalar == "\r"
        }
        return count + (previousWasCR ? 1 : 0)
    }

    private static func quoted(_ text: String) -> String {
        text.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
            ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }

    /// Excel's column letters as a number: A → 0, AA → 26, XFD → 16,383; nil for anything else.
    static func column(of reference: String) -> Int? {
        var value = 0
        var letters = 0
        for scalar in reference.unicodeScalars {
            guard ("A"..."Z").contains(scalar) else { break }
            letters += 1
            guard letters <= 3 else { return nil }
            value = value * 26 + Int(scalar.value - 64)
        }
        return letters == 0 || value > columnLimit ? nil : value - 1
    }

    /// A number as Excel shows it: at most 15 significant digits (what its doubles hold; a
    /// formula's 0.1 × 3 is 0.30000000000000004 in the file and 0.3 on the screen), written plainly.
    static func number(_ text: String) -> String {
        guard let double = Double(text), double.isFinite else { return text }
        guard let decimal = Decimal(string: String(format: "%.15g", double)) else { return text }
        return NSDecimalNumber(decimal: decimal).stringValue
    }

    /// Text with Excel's escapes of characters XML cannot hold (`_x000D_`) read back; `_x005F_`
    /// escapes an underscore.
    static func unescaped(_ text: String) -> String {
        guard text.contains("_x") else { return text }
        var out = String.UnicodeScalarView()
        let scalars = Array(text.unicodeScalars)
        var index = 0
        while index < scalars.count {
            if scalars[index] == "_", index + 6 < scalars.count, scalars[index + 1] == "x", scalars[index + 6] == "_",
                let value = UInt32(String(String.UnicodeScalarView(scalars[(index + 2)..<(index + 6)])), radix: 16),
                let scalar = Unicode.Scalar(value)
            {
                out.append(scalar)
                index += 7
            } else {
                out.append(scalars[index])
                index += 1
            }
        }
        return String(out)
    }
}

/// The elements of the given names in an XML part, with their attributes (prefixes kept: `r:id`).
private func XMLElements(_ data: Data, named names: Set<String>) -> [(name: String, attributes: [String: String])]? {
    final class Collector: NSObject, XMLParserDelegate {
        let names: Set<String>
        var found: [(name: String, attributes: [String: String])] = []
        init(_ names: Set<String>) { self.names = names }
        func parser(
            _ parser: XMLParser,
            didStartElement elementName: String,
            namespaceURI: String?,
            qualifiedName: String?,
            attributes: [String: String] = [:]
        ) {
            if names.contains(elementName) { found.append((elementName, attributes)) }
        }
    }
    let collector = Collector(names)
    let parser = XMLParser(data: data)
    parser.delegate = collector
    return parser.parse() ? collector.found : nil
}

/// The shared strings part: each `<si>`'s text (its `<t>`, or its runs' `<t>`s joined).
private final class SharedStrings: NSObject, XMLParserDelegate {
    var strings: [String] = []
    var parsed = true
    private var current = ""
    private var inText = false
    private var inPhonetic = false

    override init() {}

    convenience init(_ data: Data) {
        self.init()
        let parser = XMLParser(data: data)
        parser.delegate = self
        parsed = parser.parse()
    }

    func parser(
        _ parser: XMLParser,
        didStartElement elementName: String,
        namespaceURI: String?,
        qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        switch elementName {
        case "si": current = ""
        case "t": inText = true
        case "rPh": inPhonetic = true
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if inText && !inPhonetic { current += string }
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        switch elementName {
        case "si": strings.append(XLSXSheet.unescaped(current))
        case "t": inText = false
        case "rPh": inPhonetic = false
        default: break
        }
    }
}

/// A worksheet's cells as text: shared strings looked up, inline strings read, numbers as written.
private final class SheetReader: NSObject, XMLParserDelegate {
    let shared: [String]
    var rows: [Int: [Int: String]] = [:]
    var error: XLSXSheet.Unreadable?
    private var row = 0
    private var column = 0
    private var type = ""
    private var reference = ""
    private var value = ""
    private var inValue = false
    private var inText = false
    private var nextColumn = 0

    init(shared: [String]) { self.shared = shared }

    func parser(
        _ parser: XMLParser,
        didStartElement elementName: String,
        namespaceURI: String?,
        qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        switch elementName {
        case "row":
            row = attributes["r"].flatMap(Int.init) ?? row + 1
            nextColumn = 0
            if !(1...XLSXSheet.rowLimit).contains(row) {
                error = XLSXSheet.Unreadable(
                    reason: "it has a row numbered \(row), outside 1 to \(XLSXSheet.rowLimit)",
                    zh: "有一行编号为 \(row)，不在 1 至 \(XLSXSheet.rowLimit) 之间"
                )
                parser.abortParsing()
            }
        case "c":
            reference = attributes["r"] ?? ""
            if let given = attributes["r"] {
                guard let found = XLSXSheet.column(of: given) else {
                    error = XLSXSheet.Unreadable(
                        reason: "its cell \(given) is outside columns A to XFD",
                        zh: "其单元格 \(given) 不在 A 至 XFD 列之间"
                    )
                    parser.abortParsing()
                    return
                }
                column = found
            } else {
                column = nextColumn
            }
            nextColumn = column + 1
            type = attributes["t"] ?? "n"
            value = ""
        case "v": inValue = true
        case "t": inText = true
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if inValue || inText { value += string }
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        switch elementName {
        case "v": inValue = false
        case "t": inText = false
        case "c":
            var text = value
            switch type {
            case "s":
                guard let index = Int(value), shared.indices.contains(index) else {
                    error = XLSXSheet.Unreadable(
                        reason: "cell \(reference) names a shared string the workbook does not have",
                        zh: "单元格 \(reference) 引用了工作簿中没有的共享字符串"
                    )
                    return
                }
                text = shared[index]
            case "b": text = value == "1" ? "TRUE" : "FALSE"
            // An error (#DIV/0!) stays as Excel shows it: the import refuses it by its row and
            // column if it reads that column, and ignores it in a column it does not read.
            case "e": text = value
            case "n": text = XLSXSheet.number(value)
            case "d":
                // An ISO date-time cell: its day.
                text = String(value.prefix(10))
            default: text = XLSXSheet.unescaped(value)
            }
            if !text.isEmpty { rows[row, default: [:]][column] = text }
        default: break
        }
    }
}
