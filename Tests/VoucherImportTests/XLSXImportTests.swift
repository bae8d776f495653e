import Foundation
import Testing
import VoucherDomain
import VoucherReports
import VoucherStorage

@testable import VoucherImport

/// Workbooks as offices exchange them: the first sheet read as the CSV columns are, dates and
/// amounts as Excel stores them, all or nothing, with messages naming the sheet, row and column.
struct XLSXImportTests {
    typealias Cell = Workbook.Cell

    static func workbook(_ rows: [[Cell]], sheet: String = "用券") throws -> [UInt8] {
        Array(
            try Workbook(sheets: [Workbook.Sheet(name: sheet, rows: rows), .init(name: "说明", rows: [[.text("x")]])])
                .xlsx()
        )
    }

    /// The refusal's message of a workbook the import must refuse; records an issue if it was
    /// imported.
    static func refusal(_ importer: Importer, _ kind: ImportKind, _ bytes: [UInt8], file: String) throws -> String {
        do {
            _ = try importer.run(kind, bytes: bytes, file: file)
            Issue.record("\(file) was imported; it should have been refused")
            return ""
        } catch let rejected as ImportRejected {
            return rejected.description
        }
    }

    @Test func excelDayCountsAreDates() {
        // 44691 is 2022-05-10 in Excel's 1900 date system (44562 is 2022-01-01); 45000.0 is 2023-03-15.
        #expect(XLSXSheet.date(fromSerial: "44691") == "2022-05-10")
        #expect(XLSXSheet.date(fromSerial: "44562") == "2022-01-01")
        #expect(XLSXSheet.date(fromSerial: "45000.0") == "2023-03-15")
        // A date-time's day; Macs' 1904 system (day 0 is 1904-01-01).
        #expect(XLSXSheet.date(fromSerial: "44691.75") == "2022-05-10")
        #expect(XLSXSheet.date(fromSerial: "43229", date1904: true) == "2022-05-10")
        #expect(XLSXSheet.date(fromSerial: "2022-05-10") == nil)
        #expect(XLSXSheet.column(of: "AB12") == 27)
        #expect(XLSXSheet.column(of: "XFD1") == 16_383)
        #expect(XLSXSheet.column(of: "XFE1") == nil)
        #expect(XLSXSheet.column(of: "ZZZZZZZZZZZZZZ1") == nil)
        // Numbers as Excel shows them; its escapes of characters XML cannot hold.
        #expect(XLSXSheet.number("0.30000000000000004") == "0.3")
        #expect(XLSXSheet.number("2.2999999999999998") == "2.3")
        #expect(XLSXSheet.number("2.36E7") == "23600000")
        #expect(XLSXSheet.unescaped("a_x000D_b_x005F_x0041_") == "a\rb_x0041_")
    }

    @Test func theFirstSheetImportsWithNumbersAndDatesAsExcelStoresThem() throws {
        let ledger = try Ledger.inMemory()
        let importer = Importer(ledger: ledger, actor: "importer")
        let enterprises = try Self.workbook(
            [
                ["id", "name", "kind", "district", "region", "group", "attributes"].map { Cell.heading($0) },
                [
                    .text(code(1)), .text("甲科技有限公司"), .text("enterprise"), .text("杨浦区"), .text("shanghai"), .empty,
                    .text("tech-sme"),
                ],
            ],
            sheet: "企业"
        )
        let summary = try importer.run(.enterprises, bytes: enterprises, file: "enterprises.xlsx")
        #expect(summary.encoding == .xlsx)
        #expect(summary.recorded == 1)
        #expect(try ledger.applicant(code(1)).attributes == ["tech-sme"])
        let claims = try Self.workbook([
            ["ref", "applicant_id", "programme", "year", "requested", "decision", "granted", "decided_on"].map {
                Cell.heading($0)
            },
            // The year and the amounts as numbers, the date as Excel's day count.
            [
                .text("C-1"), .text(code(1)), .text("sh-innovation-voucher"), .integer(2022),
                .money(Money(fen: 30_000_000)),
                .text("granted"), .money(Money(fen: 30_000_000)), .integer(44_621),
            ],
        ])
        _ = try importer.run(.claims, bytes: claims, file: "claims.xlsx")
        let figures = try ledger.reconciliation(try ProgrammeID("sh-innovation-voucher"), period: .year(2022))
        #expect(figures.claimed == Money(fen: 30_000_000))
    }

    @Test func aBadCellIsNamedBySheetRowAndColumnAndNothingIsImported() throws {
        let ledger = try Ledger.inMemory()
        let importer = Importer(ledger: ledger, actor: "importer")
        let before = try ledger.chainHead()
        let bytes = try Self.workbook(
            [
                ["id", "name", "kind", "district", "region", "group"].map { Cell.heading($0) },
                [.text(code(1)), .text("甲"), .text("enterprise"), .text("杨浦区"), .text("shanghai")],
                [],
                [.text(code(2)), .text("乙"), .text("partnership"), .text("杨浦区"), .text("shanghai")],
            ],
            sheet: "企业名单"
        )
        let refusal = try Self.refusal(importer, .enterprises, bytes, file: "enterprises.xlsx")
        #expect(
            refusal.hasPrefix("enterprises.xlsx, sheet 企业名单: row 4, column kind (\"partnership\"): is not a kind"),
            "\(refusal)"
        )
        #expect(try ledger.chainHead() == before)
    }

    @Test func aFileThatIsAZipButNoWorkbookIsRefusedSayingWhat() throws {
        let ledger = try Ledger.inMemory()
        let importer = Importer(ledger: ledger, actor: "importer")
        let refused = #expect(throws: ImportRejected.self) {
            try importer.run(.enterprises, bytes: [0x50, 0x4B, 0x03, 0x04, 0, 0, 0], file: "broken.xlsx")
        }
        #expect(
            refused?.issues.map(\.reason) == [
                "this .xlsx workbook cannot be read: it is not a complete ZIP container; save it again from Excel or WPS"
            ]
        )
        #expect(refused?.issues.map(\.zh) == ["无法读取此 .xlsx 工作簿：不是完整的 ZIP 文件；请用 Excel 或 WPS 重新保存"])
    }

    /// Text that XML or a spreadsheet would take for markup or a formula stays text; a control
    /// character XML cannot hold is shown, not dropped; the same workbook gives the same bytes.
    @Test func hostileTextRoundTripsAsTextAndTheBytesRepeat() throws {
        let hostile = "=HYPERLINK(\"http://x\") <script>&amp;\u{1B}[2J"
        let workbook = Workbook(sheets: [
            Workbook.Sheet(name: "a/b:c*d?[e]", rows: [[.text(hostile), .money(Money(fen: 12))]])
        ])
        let bytes = try workbook.xlsx()
        #expect(try workbook.xlsx() == bytes)
        let sheet = try XLSXSheet(data: bytes, dateColumns: [])
        #expect(sheet.name == "abcde")
        #expect(sheet.rows[1]?[0] == "=HYPERLINK(\"http://x\") <script>&amp;\\u{1B}[2J")
        #expect(sheet.rows[1]?[1] == "0.12")
    }

    /// Cells holding a lone CR, a CR LF and an LF: the CSV reader counts a line for each, and so
    /// does the map from its lines to the sheet's rows, so that a refusal after them names its row.
    @Test func aLoneCarriageReturnInACellKeepsTheRowsTheSheets() throws {
        for (index, text) in ["a\rb", "a\r\nb", "a\nb", "a\r\rb\r", "a\n\r\nb"].enumerated() {
            let ledger = try Ledger.inMemory()
            let importer = Importer(ledger: ledger, actor: "importer")
            let bytes = try Self.workbook(
                [
                    ["id", "name", "kind", "district", "region", "group"].map { Cell.heading($0) },
                    [.text(code(1)), .text(text), .text("enterprise"), .text("杨浦区"), .text("shanghai")],
                    [.text(code(2)), .text("乙"), .text("partnership"), .text("杨浦区"), .text("shanghai")],
                ],
                sheet: "企业"
            )
            let refusal = try Self.refusal(importer, .enterprises, bytes, file: "e.xlsx")
            #expect(refusal.hasPrefix("e.xlsx, sheet 企业: row 3, column kind"), "cell \(index): \(refusal)")
        }
    }

    /// A ref repeated with other content names the first row by the sheet's number too: with an
    /// empty row above the heading, the sheet's rows are one more than the CSV's lines.
    @Test func aRefRepeatedWithOtherContentNamesTheSheetsRowOfTheFirst() throws {
        let ledger = try Ledger.inMemory()
        let importer = Importer(ledger: ledger, actor: "importer")
        let claim: (String) -> [Cell] = { requested in
            ["C-1", code(1), "sh-innovation-voucher", "2022", requested, "granted", "10万", "2022-03-01"].map {
                Cell.text($0)
            }
        }
        let bytes = try Self.workbook(
            [[], ImportKind.claims.requiredColumns.map { Cell.heading($0) }, claim("10万"), claim("20万")],
            sheet: "申领"
        )
        let refusal = try Self.refusal(importer, .claims, bytes, file: "claims.xlsx")
        #expect(
            refusal.hasPrefix(
                "claims.xlsx, sheet 申领: row 4, column ref (\"C-1\"): the same ref is on row 3 with different content"
            ),
            "\(refusal)"
        )
        let refused = #expect(throws: ImportRejected.self) {
            try importer.run(.claims, bytes: bytes, file: "claims.xlsx")
        }
        #expect(refused?.issues.map(\.zh) == ["第 3 行的 ref 与此相同，内容却不同"])
    }

    /// A cell with a line break spans two lines of the CSV the import reads; messages still name
    /// the sheet's own row. A header in another case, and below an empty first row, is found, and
    /// its dates read; an error cell is refused where it is read.
    @Test func rowsAreTheSheetsOwnAfterAMultiLineCellAndErrorCellsAreRefusedByRowAndColumn() throws {
        let ledger = try Ledger.inMemory()
        let importer = Importer(ledger: ledger, actor: "importer")
        let bytes = try Self.workbook(
            [
                [],
                ["ID", "Name", "Kind", "District", "Region", "Group"].map { Cell.heading($0) },
                [.text(code(1)), .text("甲公司\n二部"), .text("enterprise"), .text("杨浦区"), .text("shanghai")],
                [.text(code(2)), .text("乙"), .text("partnership"), .text("杨浦区"), .text("shanghai")],
            ],
            sheet: "企业"
        )
        let refusal = try Self.refusal(importer, .enterprises, bytes, file: "e.xlsx")
        #expect(refusal.hasPrefix("e.xlsx, sheet 企业: row 4, column kind"), "\(refusal)")
        #expect(throws: ImportRejected.self) {
            try importer.run(.enterprises, bytes: [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1], file: "old.xls")
        }
    }
}
