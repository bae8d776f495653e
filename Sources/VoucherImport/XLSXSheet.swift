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

    struct Unreadable: Error, CustomStringConvertible {
        var reason: String
        var description: String { "this .xlsx workbook cannot be read: \(reason); save it again from Excel or WPS" }
    }

    /// Whether bytes start like a ZIP container (an .xlsx file is one).
    static func looksLikeXLSX(_ start: [UInt8]) -> Bool { start.starts(with: [0x50, 0x4B, 0x03, 0x04]) }

    /// The first sheet of the workbook whose bytes are `data`. Numbers in the columns named in
    /// `dateColumns` that Excel stores as day counts (its dates) become `YYYY-MM-DD`.
    init(data: Data, dateColumns: Set<String>) throws {
        let archive: Archive
        do {
            archive = try Archive(data: data, accessMode: .read)
        } catch {
            throw Unreadable(reason: "it is not a complete ZIP container")
        }
        func part(_ path: String) throws -> Data? {
            guard let entry = archive[path] else { return nil }
            var bytes = Data()
            do {
                _ = try archive.extract(entry, skipCRC32: false) { bytes.append($0) }
            } catch {
                throw Unreadable(reason: "its part \(path) is damaged")
            }
            return bytes
        }
        guard let workbook = try part("xl/workbook.xml") else {
            throw Unreadable(reason: "it has no xl/workbook.xml: is it an .xlsx file (not .xls or .ods)?")
        }
        guard let sheets = XMLElements(workbook, named: ["sheet"]) else {
            throw Unreadable(reason: "its xl/workbook.xml is not well-formed XML")
        }
        guard let first = sheets.first, let sheetName = first.attributes["name"] else {
            throw Unreadable(reason: "its workbook lists no sheet")
        }
        // The sheet's part: by its relationship, else the usual name.
        var path = "xl/worksheets/sheet1.xml"
        if let id = first.attributes["r:id"], let rels = try part("xl/_rels/workbook.xml.rels"),
            let target = XMLElements(rels, named: ["Relationship"])?.first(where: { $0.attributes["Id"] == id })?
                .attributes["Target"]
        {
            path = target.hasPrefix("/") ? String(target.dropFirst()) : "xl/" + target
        }
        guard let sheetData = try part(path) else {
            throw Unreadable(reason: "its first sheet's part \(path) is missing")
        }
        let shared = try part("xl/sharedStrings.xml").map(SharedStrings.init) ?? SharedStrings()
        guard shared.parsed else { throw Unreadable(reason: "its shared strings are not well-formed XML") }
        let reader = SheetReader(shared: shared.strings)
        let parser = XMLParser(data: sheetData)
        parser.delegate = reader
        guard parser.parse() else { throw Unreadable(reason: "its first sheet is not well-formed XML") }
        if let error = reader.error { throw Unreadable(reason: error) }
        name = sheetName
        rows = reader.rows
        // Dates: the header row names the columns.
        let header = rows[1] ?? [:]
        for (column, title) in header where dateColumns.contains(title.trimmingCharacters(in: .whitespaces)) {
            for (number, var cells) in rows where number > 1 {
                if let text = cells[column], let iso = Self.date(fromSerial: text) {
                    cells[column] = iso
                    rows[number] = cells
                }
            }
        }
    }

    /// Excel's day count (1 = 1900-01-01, with its phantom 1900-02-29, so from 61 on day 0 is
    /// 1899-12-30) as `YYYY-MM-DD`; nil for text that is not a whole day count after 1900-02-28.
    static func date(fromSerial text: String) -> String? {
        guard let days = Int(text) ?? Double(text).flatMap({ $0 == $0.rounded() ? Int($0) : nil }), days >= 61,
            days < 2_958_466,
            let origin = try? BusinessDate(year: 1899, month: 12, day: 30)
        else { return nil }
        return origin.adding(days: days).iso
    }

    /// The rows as CSV text, one line per sheet row from 1 to the last; each row as wide as the
    /// header (a sheet leaves out a row's empty cells at its end).
    func csv() -> String {
        guard let last = rows.keys.max() else { return "" }
        let headerWidth = rows[1]?.keys.max() ?? 0
        var lines: [String] = []
        lines.reserveCapacity(last)
        for number in 1...last {
            let cells = rows[number] ?? [:]
            guard let width = cells.keys.max() else {
                lines.append("")
                continue
            }
            lines.append((0...max(width, headerWidth)).map { Self.quoted(cells[$0] ?? "") }.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func quoted(_ text: String) -> String {
        text.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
            ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }

    /// Excel's column letters as a number: A → 0, AA → 26; nil for anything else.
    static func column(of reference: String) -> Int? {
        var value = 0
        var letters = 0
        for scalar in reference.unicodeScalars {
            guard ("A"..."Z").contains(scalar) else { break }
            value = value * 26 + Int(scalar.value - 64)
            letters += 1
        }
        return letters == 0 ? nil : value - 1
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
        case "si": strings.append(current)
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
    var error: String?
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
        case "c":
            reference = attributes["r"] ?? ""
            column = XLSXSheet.column(of: reference) ?? nextColumn
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
                    error = "cell \(reference) names a shared string the workbook does not have"
                    return
                }
                text = shared[index]
            case "b": text = value == "1" ? "TRUE" : "FALSE"
            case "e":
                if error == nil { error = "cell \(reference) holds the error \(value); correct it in the sheet" }
                return
            case "n":
                // A number as Excel wrote it; the scientific form (1.5E-2) as a plain decimal.
                if value.contains("E") || value.contains("e"), let decimal = Decimal(string: value) {
                    text = NSDecimalNumber(decimal: decimal).stringValue
                }
            default: break
            }
            if !text.isEmpty { rows[row, default: [:]][column] = text }
        default: break
        }
    }
}
