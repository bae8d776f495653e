import Foundation
import VoucherDomain
import ZIPFoundation

/// A spreadsheet workbook: sheets of rows of cells, written as Office Open XML (`.xlsx`), the form
/// the Shanghai platform and the offices exchange. Numbers are numbers (amounts in yuan with a
/// `#,##0.00` format), text is text: a cell is never a formula, whatever it holds.
public struct Workbook: Sendable {
    public enum Cell: Sendable, Hashable {
        case text(String)
        case integer(Int64)
        case money(Money)
        /// A header: bold text.
        case heading(String)
        case empty
    }

    public struct Sheet: Sendable {
        public var name: String
        public var rows: [[Cell]]

        public init(name: String, rows: [[Cell]]) {
            self.name = name
            self.rows = rows
        }
    }

    public var sheets: [Sheet]

    public init(sheets: [Sheet]) { self.sheets = sheets }

    /// The workbook's bytes. The same workbook always gives the same bytes (each part's time is
    /// fixed), so that a report's file can be compared with an earlier one.
    public func xlsx() throws -> Data {
        let names = Self.sheetNames(sheets.map(\.name))
        var parts: [(String, String)] = [
            ("[Content_Types].xml", contentTypes), ("_rels/.rels", Self.rootRelationships),
            ("xl/workbook.xml", workbook(names)), ("xl/_rels/workbook.xml.rels", workbookRelationships),
            ("xl/styles.xml", Self.styles),
        ]
        for (index, sheet) in sheets.enumerated() {
            parts.append(("xl/worksheets/sheet\(index + 1).xml", Self.worksheet(sheet.rows)))
        }
        return try Self.zip(parts.map { ($0.0, Data($0.1.utf8)) })
    }

    // MARK: - Parts

    private var contentTypes: String {
        let sheetTypes = sheets.indices.map {
            "<Override PartName=\"/xl/worksheets/sheet\($0 + 1).xml\" "
                + "ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
        }
        return Self.declaration
            + "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
            + "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
            + "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
            + "<Override PartName=\"/xl/workbook.xml\" "
            + "ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>"
            + "<Override PartName=\"/xl/styles.xml\" "
            + "ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>"
            + sheetTypes.joined() + "</Types>"
    }

    private static let declaration = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"

    private static let rootRelationships =
        declaration + "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
        + "<Relationship Id=\"rId1\" "
        + "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" "
        + "Target=\"xl/workbook.xml\"/></Relationships>"

    private func workbook(_ names: [String]) -> String {
        let list = names.enumerated().map { index, name in
            "<sheet name=\"\(Self.escape(name))\" sheetId=\"\(index + 1)\" r:id=\"rId\(index + 1)\"/>"
        }
        return Self.declaration
            + "<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
            + "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
            + "<sheets>\(list.joined())</sheets></workbook>"
    }

    private var workbookRelationships: String {
        let sheetLinks = sheets.indices.map {
            "<Relationship Id=\"rId\($0 + 1)\" "
                + "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" "
                + "Target=\"worksheets/sheet\($0 + 1).xml\"/>"
        }
        let styles =
            "<Relationship Id=\"rId\(sheets.count + 1)\" "
            + "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" Target=\"styles.xml\"/>"
        return Self.declaration
            + "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
            + sheetLinks.joined() + styles + "</Relationships>"
    }

    /// Styles: 0 plain, 1 an amount (`#,##0.00`, built-in format 4), 2 bold (a heading).
    private static let styles =
        declaration + "<styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
        + "<fonts count=\"2\"><font><sz val=\"11\"/><name val=\"Calibri\"/></font>"
        + "<font><b/><sz val=\"11\"/><name val=\"Calibri\"/></font></fonts>"
        + "<fills count=\"2\"><fill><patternFill patternType=\"none\"/></fill>"
        + "<fill><patternFill patternType=\"gray125\"/></fill></fills>"
        + "<borders count=\"1\"><border><left/><right/><top/><bottom/><diagonal/></border></borders>"
        + "<cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\"/></cellStyleXfs>"
        + "<cellXfs count=\"3\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/>"
        + "<xf numFmtId=\"4\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\"/>"
        + "<xf numFmtId=\"0\" fontId=\"1\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyFont=\"1\"/></cellXfs>"
        + "</styleSheet>"

    static func worksheet(_ rows: [[Cell]]) -> String {
        var out =
            declaration + "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>"
        for (rowIndex, row) in rows.enumerated() {
            out += "<row r=\"\(rowIndex + 1)\">"
            for (columnIndex, cell) in row.enumerated() {
                let reference = columnName(columnIndex) + String(rowIndex + 1)
                switch cell {
                case .empty: continue
                case .integer(let value): out += "<c r=\"\(reference)\"><v>\(value)</v></c>"
                case .money(let money): out += "<c r=\"\(reference)\" s=\"1\"><v>\(money.decimalString())</v></c>"
                case .text(let text), .heading(let text):
                    let style = if case .heading = cell { " s=\"2\"" } else { "" }
                    out +=
                        "<c r=\"\(reference)\"\(style) t=\"inlineStr\"><is><t xml:space=\"preserve\">\(escape(text))</t></is></c>"
                }
            }
            out += "</row>"
        }
        return out + "</sheetData></worksheet>"
    }

    /// A column's letters: 0 → A, 25 → Z, 26 → AA.
    static func columnName(_ index: Int) -> String {
        var index = index
        var letters = ""
        repeat {
            letters = String(UnicodeScalar(UInt8(65 + index % 26))) + letters
            index = index / 26 - 1
        } while index >= 0
        return letters
    }

    /// Sheet names as a workbook takes them: at most 31 characters, none of `[]:*?/\`, each once.
    static func sheetNames(_ names: [String]) -> [String] {
        var used: Set<String> = []
        return names.enumerated().map { index, name in
            var clean = String(name.filter { !"[]:*?/\\".contains($0) }.prefix(31))
            if clean.trimmingCharacters(in: .whitespaces).isEmpty { clean = "Sheet\(index + 1)" }
            var candidate = clean
            var counter = 2
            while used.contains(candidate.lowercased()) {
                candidate = String(clean.prefix(28)) + " \(counter)"
                counter += 1
            }
            used.insert(candidate.lowercased())
            return candidate
        }
    }

    /// Text safe in XML: `&`, `<`, `>`, `"` as entities; a carriage return as Excel's `_x000D_`
    /// (XML reads a raw one as a line feed) and text that looks like that escape with its `_`
    /// escaped (`_x005F_`); characters XML 1.0 cannot hold (control characters but tab and line
    /// feed) shown as `\u{1B}`, as the text report shows them.
    static func escape(_ text: String) -> String {
        var out = ""
        let scalars = Array(text.unicodeScalars)
        for (index, scalar) in scalars.enumerated() {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "\r": out += "_x000D_"
            case "_" where index + 1 < scalars.count && scalars[index + 1] == "x": out += "_x005F_"
            case "\t", "\n": out.unicodeScalars.append(scalar)
            default:
                let value = scalar.value
                if value < 0x20 || (0xFFFE...0xFFFF).contains(value) {
                    out += "\\u{\(String(value, radix: 16, uppercase: true))}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }
}
