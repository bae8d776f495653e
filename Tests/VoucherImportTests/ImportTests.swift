import CustomDump
import Foundation
import PropertyBased
import Testing
import VoucherDomain

@testable import VoucherImport
@testable import VoucherStorage

#if canImport(Glibc)
import Glibc
#endif

/// Text as Excel in China saves it: GB18030.
func gb18030(_ text: String) -> [UInt8] {
    let converter = iconv_open("GB18030", "UTF-8")
    defer { iconv_close(converter) }
    var input = Array(text.utf8CString.dropLast())
    var output = [CChar](repeating: 0, count: input.count * 2 + 16)
    let written: Int = input.withUnsafeMutableBufferPointer { inBuffer in
        output.withUnsafeMutableBufferPointer { outBuffer in
            var inPointer = inBuffer.baseAddress
            var inLeft = inBuffer.count
            var outPointer = outBuffer.baseAddress
            var outLeft = outBuffer.count
            _ = iconv(converter, &inPointer, &inLeft, &outPointer, &outLeft)
            return outBuffer.count - outLeft
        }
    }
    return output[..<written].map { UInt8(bitPattern: $0) }
}

func code(_ n: Int, prefix: String = "91310110") -> String {
    let digits = String(n)
    let body = prefix + String(repeating: "0", count: 9 - digits.count) + digits
    return body + String(UnifiedSocialCreditCode.checkCharacter(for: body) ?? "0")
}

struct CSVReaderTests {
    static func read(_ text: String) -> ([CSVRecord], CSVError?) {
        var reader = CSVReader(text: text)
        var records: [CSVRecord] = []
        while let record = reader.next() { records.append(record) }
        return (records, reader.error)
    }

    @Test func readsQuotesCRLFAndFieldsSpanningLines() {
        let (records, error) = Self.read("a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\"two\r\nlines\"\r\n\r\n1,,3\n")
        #expect(error == nil)
        expectNoDifference(
            records,
            [
                CSVRecord(line: 1, fields: ["a", "b", "c"]),
                CSVRecord(line: 2, fields: ["x, y", "say \"hi\"", "two\r\nlines"]),
                CSVRecord(line: 5, fields: ["1", "", "3"]),
            ]
        )
    }

    @Test func aQuoteLeftOpenIsAnErrorWithItsLine() {
        let (_, error) = Self.read("a,b\n1,\"open\n2,3\n")
        #expect(
            error
                == CSVError(
                    line: 2,
                    reason: "a quoted field is not closed (a \" is missing)",
                    zh: "带引号的字段没有闭合（缺少一个 \"）"
                )
        )
    }

    @Test func aFieldOfDoubledQuotesAlsoStopsAtTheLengthLimit() {
        // Found by scripts/fuzz: doubled quotes grew a field past the limit unchecked.
        var reader = CSVReader(text: "\"" + String(repeating: "\"\"", count: 300) + "\"\n", maximumFieldLength: 256)
        #expect(reader.next() == nil)
        #expect(reader.error?.reason.contains("longer than 256") == true)
    }

    @Test func aLastLineWithoutANewlineIsRead() {
        let (records, _) = Self.read("a\rb")
        #expect(records.map(\.fields) == [["a"], ["b"]])
    }
}

/// The reader takes its bytes in chunks: any split of the same bytes reads the same records and
/// the same error, including splits inside a multi-byte character, a CRLF or a doubled quote.
struct ChunkedReadingTests {
    static func read(_ bytes: [UInt8], chunk: Int) -> ([CSVRecord], CSVError?) {
        var position = 0
        var reader = CSVReader(
            chunks: {
                guard position < bytes.count else { return nil }
                defer { position += chunk }
                return Array(bytes[position..<min(position + chunk, bytes.count)])
            },
            maximumFieldLength: 64
        )
        var records: [CSVRecord] = []
        while let record = reader.next() { records.append(record) }
        return (records, reader.error)
    }

    @Test func everySplitReadsTheSameAsTheWhole() async {
        let pieces = ["a", "甲", "😀", ",", "\"", "\"\"", "\r", "\n", "\r\n", " ", "1", "é"]
        let texts = Gen<String?>.element(of: pieces).map { $0 ?? "" }.array(of: 0...30).map { $0.joined() }
        await propertyCheck(count: 300, input: texts) { text in
            let bytes = Array(text.utf8)
            let (whole, wholeError) = Self.read(bytes, chunk: max(bytes.count, 1))
            for chunk in [1, 2, 3, 5, 7] {
                let (split, splitError) = Self.read(bytes, chunk: chunk)
                #expect(split == whole && splitError == wholeError, "chunks of \(chunk): \(text.debugDescription)")
            }
        }
    }

    @Test func fieldLengthCountsCharactersNotBytes() {
        let text = String(repeating: "甲", count: 64) + "\n" + String(repeating: "乙", count: 65) + "\n"
        let (records, error) = Self.read(Array(text.utf8), chunk: 10)
        #expect(records.count == 1)
        #expect(error?.line == 2)
    }

    @Test func utf8IsValidatedAcrossChunkBoundaries() throws {
        let bytes = Array("杨浦区😀é,x\n".utf8)
        for chunk in 1...bytes.count {
            var position = 0
            let valid = try TextDecoding.isValidUTF8 {
                guard position < bytes.count else { return nil }
                defer { position += chunk }
                return Array(bytes[position..<min(position + chunk, bytes.count)])
            }
            #expect(valid, "chunks of \(chunk)")
        }
        for broken in [Array(bytes.dropLast(3)) + [0xE6], [0x81, 0x20, 0xFF], Array(bytes) + [0xC0, 0x80]] {
            var given = false
            #expect(
                try !TextDecoding.isValidUTF8 {
                    defer { given = true }
                    return given ? nil : broken
                }
            )
        }
        // A NUL byte stops the reading at once: no text file has one.
        var chunks = 0
        #expect(throws: TextDecodingError(byteOffset: 5, isNUL: true)) {
            try TextDecoding.isValidUTF8 {
                chunks += 1
                return [0x61, 0x62, 0x63, 0x64, 0x65, 0x00, 0x66]
            }
        }
        #expect(chunks == 1)
    }

    @Test func aSourceInSmallChunksImportsLikeOneInMemory() throws {
        let text = "名称,地区\r\n甲科技有限公司,杨浦区\r\n"
        for bytes in [Array(text.utf8), [0xEF, 0xBB, 0xBF] + Array(text.utf8), gb18030(text)] {
            let input = try DecodedInput(.bytes(bytes, chunkSize: 2))
            var reader = try input.reader()
            var fields: [[String]] = []
            while let record = reader.next() { fields.append(record.fields) }
            #expect(fields == [["名称", "地区"], ["甲科技有限公司", "杨浦区"]], "\(input.encoding)")
        }
    }
}

struct DecodingTests {
    @Test func readsUTF8WithAndWithoutABOMAndGB18030() throws {
        let text = "名称,地区\r\n甲科技有限公司,杨浦区\r\n"
        #expect(try TextDecoding.decode(Array(text.utf8)) == (text, .utf8))
        #expect(try TextDecoding.decode([0xEF, 0xBB, 0xBF] + Array(text.utf8)) == (text, .utf8WithBOM))
        let gbk = gb18030(text)
        #expect(gbk.count < Array(text.utf8).count)
        #expect(try TextDecoding.decode(gbk) == (text, .gb18030))
        var utf16: [UInt8] = [0xFF, 0xFE]
        for unit in text.utf16 { utf16 += [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
        #expect(try TextDecoding.decode(utf16) == (text, .utf16LE))
    }

    @Test func refusesBytesThatAreNoText() {
        #expect(throws: TextDecodingError.self) { try TextDecoding.decode([0x81, 0x20, 0xFF, 0xFF]) }
    }
}

struct ImportTests {
    let ledger: Ledger
    let importer: Importer

    init() throws {
        ledger = try Ledger.inMemory()
        importer = Importer(ledger: ledger, actor: "importer")
    }

    func load(_ kind: ImportKind, _ text: String, dryRun: Bool = false) throws -> ImportSummary {
        try importer.run(kind, bytes: Array(text.utf8), file: "\(kind.rawValue).csv", dryRun: dryRun)
    }

    var parties: String {
        """
        id,name,kind,district,region,group
        \(code(1)),甲科技有限公司,enterprise,杨浦区,shanghai,G-1
        \(code(2)),"乙材料有限公司, 上海",enterprise,杨浦区,shanghai,
        YP-T-2022-001,丁创业团队,team,杨浦区,shanghai,

        """
    }

    func seedReferenceData() throws {
        _ = try load(.enterprises, parties)
        _ = try load(.providers, "id,name,region\n\(code(11, prefix: "12310000")),复旦大学分析测试中心,Shanghai\n")
        _ = try load(
            .products,
            "code,provider_id,name,category,list_price\nLAB-NMR,\(code(11, prefix: "12310000")),核磁共振,testing,\"50,000.00\"\n"
        )
    }

    @Test func aGB18030FileWithCRLFImportsAndReimportingRecordsNothing() throws {
        let bytes = gb18030(parties.replacingOccurrences(of: "\n", with: "\r\n"))
        let first = try importer.run(.enterprises, bytes: bytes, file: "enterprises.csv")
        #expect(first.encoding == .gb18030)
        #expect(first.recorded == 3 && first.alreadyRecorded == 0)
        #expect(try ledger.applicant(code(2)).name == "乙材料有限公司, 上海")
        let again = try importer.run(.enterprises, bytes: bytes, file: "enterprises.csv")
        #expect(again.recorded == 0 && again.alreadyRecorded == 3)
    }

    @Test func aFileWithBadRowsImportsNothingAndNamesEveryRowColumnAndReason() throws {
        try seedReferenceData()
        let before = try ledger.chainHead()
        let claims = """
            ref,applicant_id,programme,year,requested,decision,granted,decided_on
            C-1,\(code(1)),sh-innovation-voucher,2022,30万元,granted,30万元,2022-03-01
            C-2,\(code(2)),sh-innovation-voucher,2022,1.234,granted,10万,2022-03-01
            C-3,\(code(2)),sh-innovation-voucher,20x2,10万,maybe,10万,2022-02-30
            C-4,\(code(1)),sh-innovation-voucher,2022
            """
        do {
            _ = try load(.claims, claims)
            Issue.record("a file with bad rows was imported")
        } catch let rejected as ImportRejected {
            let lines = rejected.issues.map(\.description)
            expectNoDifference(
                lines,
                [
                    "line 3, column requested: \"1.234\" has more than 2 decimals of a 元; amounts are exact to the fen (0.01 元)",
                    "line 4, column year (\"20x2\"): is not a year; write four digits from 1900 to 9999, e.g. 2022",
                    "line 4, column decision (\"maybe\"): is not a decision; use granted, rejected or pending",
                    "line 4, column decided_on: \"2022-02-30\" is not a day of the calendar",
                    "line 5: has 4 fields, the header has 8; check for a stray comma or a missing quote",
                ]
            )
        }
        #expect(try ledger.chainHead() == before)
    }

    /// A granted row's `grant_reason` is recorded with the grant (why it is what it is); `reason`
    /// is a rejection's, and on a granted row it is not recorded, as before, so a file imported
    /// earlier imports again as it did.
    @Test func aGrantedRowsReasonIsRecordedWithTheGrant() throws {
        try seedReferenceData()
        let file = """
            ref,applicant_id,programme,year,requested,decision,granted,decided_on,claimed_on,reason,grant_reason
            C-1,\(code(1)),sh-innovation-voucher,2022,30万,granted,20万,2022-03-01,2022-02-01,,部分服务不在目录内
            C-2,\(code(2)),sh-innovation-voucher,2022,30万,granted,30万,2022-03-01,2022-02-01,全额,
            C-3,\(code(2)),sh-innovation-voucher,2023,30万,rejected,,2023-03-01,2023-02-01,材料不全,

            """
        _ = try load(.claims, file)
        let again = try load(.claims, file)
        #expect(again.recorded == 0)
        let decisions = try ledger.rawRead { db in
            try String.fetchAll(
                db,
                sql: "SELECT outcome || ':' || granted || ':' || IFNULL(reason, '-') FROM decision ORDER BY event_seq"
            )
        }
        #expect(decisions == ["granted:20000000:部分服务不在目录内", "granted:30000000:-", "rejected:0:材料不全"])
        // The reason is in the grant's hashed payload and its fact row alike.
        #expect(try ledger.verify().isValid)
        try ledger.writer.writeWithoutTransaction { db in
            try db.execute(sql: "DROP TRIGGER decision_no_update")
            try db.execute(sql: "UPDATE decision SET reason = '全额' WHERE reason = '部分服务不在目录内'")
        }
        #expect(try !ledger.verify().isValid)
    }

    /// A decision dated before its claim, and a redemption paid before it was filed: each row is
    /// named with the date's column, and nothing is imported.
    @Test func aDateBeforeWhatItRestsOnIsNamedByItsColumn() throws {
        try seedReferenceData()
        _ = try load(
            .claims,
            """
            ref,applicant_id,programme,year,requested,decision,granted,decided_on,claimed_on
            C-1,\(code(1)),sh-innovation-voucher,2022,30万,granted,30万,2022-03-01,2022-02-01

            """
        )
        _ = try load(
            .uses,
            """
            ref,applicant_id,provider_id,product_code,programme,service_amount,used_on,project
            U-1,\(code(1)),\(code(11, prefix: "12310000")),LAB-NMR,sh-innovation-voucher,2万,2022-05-10,

            """
        )
        let before = try ledger.chainHead()
        let files: [(ImportKind, String, String)] = [
            (
                .claims,
                """
                ref,applicant_id,programme,year,requested,decision,granted,decided_on,claimed_on
                C-2,\(code(2)),sh-innovation-voucher,2022,10万,granted,10万,2022-03-01,2022-04-01

                """,
                "line 2, column decided_on: a decision dated 2022-03-01 is before claim C-2, dated 2022-04-01; "
                    + "a decision is dated on or after what it rests on: correct the date"
            ),
            (
                .redemptions,
                """
                ref,use_ref,outcome,amount,paid_on,reason,filed_on
                R-1,U-1,paid,,2022-06-01,,2022-06-10

                """,
                "line 2, column paid_on: a settlement dated 2022-06-01 is before redemption claim R-1, dated 2022-06-10; "
                    + "a settlement is dated on or after what it rests on: correct the date"
            ),
            (
                .redemptions,
                """
                ref,use_ref,outcome,amount,paid_on,reason,filed_on
                R-2,U-1,paid,,2022-06-01,,2022-05-01

                """,
                "line 2, column filed_on: a redemption claim dated 2022-05-01 is before use U-1, dated 2022-05-10; "
                    + "a redemption claim is dated on or after what it rests on: correct the date"
            ),
            // No filed_on column: the filing is dated by its first paid_on, so that is the column named.
            (
                .redemptions,
                """
                ref,use_ref,outcome,amount,paid_on,reason
                R-3,U-1,paid,,2022-05-01,

                """,
                "line 2, column paid_on: a redemption claim dated 2022-05-01 is before use U-1, dated 2022-05-10; "
                    + "a redemption claim is dated on or after what it rests on: correct the date"
            ),
            // A filed_on column left blank on the filing's rows: dated by paid_on, named so.
            (
                .redemptions,
                """
                ref,use_ref,outcome,amount,paid_on,reason,filed_on
                R-4,U-1,paid,,2022-05-01,,

                """,
                "line 2, column paid_on: a redemption claim dated 2022-05-01 is before use U-1, dated 2022-05-10; "
                    + "a redemption claim is dated on or after what it rests on: correct the date"
            ),
            // A use dated before its quota was granted is refused for its date, not its amount.
            (
                .uses,
                """
                ref,applicant_id,provider_id,product_code,programme,service_amount,used_on,project
                U-2,\(code(1)),\(code(11, prefix: "12310000")),LAB-NMR,sh-innovation-voucher,2万,2022-02-10,

                """,
                "line 2, column used_on: "
            ),
        ]
        for (kind, text, expected) in files {
            let rejected = #expect(throws: ImportRejected.self) { try load(kind, text) }
            let found = rejected?.issues.map(\.description) ?? []
            // A use's refusal is the engine's explanation: its start names the column.
            #expect(kind == .uses ? found.count == 1 && found[0].hasPrefix(expected) : found == [expected], "\(found)")
        }
        #expect(try ledger.chainHead() == before)
    }

    /// A date after the import's today is refused with its row and column, before anything is
    /// recorded; a claim with no date of its own is dated 1 January of its year, and when that is
    /// still ahead, the column to fill in is named.
    @Test func aDateAfterTodayIsNamedByItsColumn() throws {
        try seedReferenceData()
        let pinned = Importer(ledger: ledger, actor: "importer", today: try BusinessDate.parse("2022-06-30"))
        _ = try pinned.run(
            .claims,
            bytes: Array(
                """
                ref,applicant_id,programme,year,requested,decision,granted,decided_on,claimed_on
                C-1,\(code(1)),sh-innovation-voucher,2022,30万,granted,30万,2022-03-01,2022-02-01

                """.utf8
            ),
            file: "claims.csv"
        )
        let before = try ledger.chainHead()
        let uses = """
            ref,applicant_id,provider_id,product_code,programme,service_amount,used_on,project
            U-1,\(code(1)),\(code(11, prefix: "12310000")),LAB-NMR,sh-innovation-voucher,2万,2022-06-30,
            U-2,\(code(1)),\(code(11, prefix: "12310000")),LAB-NMR,sh-innovation-voucher,2万,2022-07-01,

            """
        let rejected = #expect(throws: ImportRejected.self) {
            try pinned.run(.uses, bytes: Array(uses.utf8), file: "uses.csv")
        }
        expectNoDifference(
            rejected?.issues.map(\.description),
            [
                "line 3, column used_on (\"2022-07-01\"): is after today (2022-06-30, Beijing time); a business date "
                    + "is the day something happened, so it cannot be in the future"
            ]
        )
        #expect(try ledger.chainHead() == before)
        // A claim dated by its year alone, which is ahead: the column to fill in is named.
        let byYear = #expect(throws: ImportRejected.self) {
            try pinned.run(
                .claims,
                bytes: Array(
                    ("ref,applicant_id,programme,year,requested,decision,granted,decided_on\n"
                        + "C-9,\(code(2)),sh-innovation-voucher,2023,1万,pending,,\n").utf8
                ),
                file: "claims.csv"
            )
        }
        expectNoDifference(
            byYear?.issues.map(\.description),
            [
                "line 2, column claimed_on: is empty, and so is decided_on: the claim would be dated 1 January 2023, "
                    + "which is after today (2022-06-30, Beijing time); write the day it was claimed"
            ]
        )
        // The ledger's own check, at the day it records on (an import whose today is later than
        // the ledger's): the row is named by the column its date was read from.
        let late = Importer(ledger: ledger, actor: "importer", today: try BusinessDate.parse("2199-12-31"))
        let ahead = #expect(throws: ImportRejected.self) {
            try late.run(
                .uses,
                bytes: Array(
                    ("ref,applicant_id,provider_id,product_code,programme,service_amount,used_on,project\n"
                        + "U-9,\(code(1)),\(code(11, prefix: "12310000")),LAB-NMR,sh-innovation-voucher,2万,2190-05-01,\n")
                        .utf8
                ),
                file: "uses.csv"
            )
        }
        let issue = try #require(ahead?.issues.first)
        #expect(ahead?.issues.count == 1 && issue.line == 2 && issue.column == "used_on", "\(issue)")
        #expect(issue.description.contains("\"2190-05-01\": is after today"), "\(issue)")
        #expect(try ledger.chainHead() == before)
    }

    @Test func aRowRepeatedInTheFileIsRecordedOnce() throws {
        try seedReferenceData()
        let claim = "C-1,\(code(1)),sh-innovation-voucher,2022,30万,granted,30万,2022-03-01"
        let summary = try load(
            .claims,
            "ref,applicant_id,programme,year,requested,decision,granted,decided_on\n\(claim)\n\(claim)\n\(claim)\n"
        )
        #expect(summary.rows == 3)
        #expect(summary.recorded == 2)  // the claim and its decision, once
        #expect(summary.alreadyRecorded == 0)
    }

    /// A file registers each party and product once: the same row again is recorded once, the
    /// same id with other details is refused, naming both lines (the last row used to win).
    @Test func aRegistrationRepeatedInTheFileWithOtherDetailsIsRefused() throws {
        let header = "id,name,region\n"
        let provider = code(11, prefix: "12310000")
        let same = try load(.providers, header + "\(provider),中心,shanghai\n\(provider),中心,shanghai\n")
        #expect(same.rows == 2 && same.recorded == 1)
        // The same registration in another case, or beside a column the import ignores, is the same.
        let alike = try load(
            .providers,
            "序号,id,name,region\n1,\(provider),中心,Shanghai\n2,\(provider),中心,shanghai\n"
        )
        #expect(alike.rows == 2 && alike.recorded == 0 && alike.alreadyRecorded == 1)
        let before = try ledger.chainHead()
        let rejected = #expect(throws: ImportRejected.self) {
            try load(.providers, header + "\(provider),中心,shanghai\n\(provider),另一中心,jiangsu\n")
        }
        #expect(
            rejected?.issues.map(\.description) == [
                "line 3, column id (\"\(provider)\"): the same id is on line 2 with different content; "
                    + "a file registers each once: keep the row with the details to record"
            ]
        )
        let products = #expect(throws: ImportRejected.self) {
            try load(
                .products,
                "code,provider_id,name,category,list_price\nP1,\(provider),检测,testing,1万\nP1,\(provider),检测,testing,2万\n"
            )
        }
        #expect(products?.issues.first?.description.hasPrefix("line 3, column code (\"P1\"): the same code") == true)
        // A code differing from another row's only in case is refused on its own line, naming it.
        let cased = #expect(throws: ImportRejected.self) {
            try load(
                .products,
                "code,provider_id,name,category,list_price\nP1,\(provider),检测,testing,1万\np1,\(provider),检测,testing,1万\n"
            )
        }
        #expect(
            cased?.issues.map(\.description) == [
                "line 3, column code: code \"p1\": differs from this provider's product code P1 only in the case of "
                    + "its letters: to change P1's details, register it again under P1; for another product, choose a "
                    + "code that differs in more than case"
            ]
        )
        #expect(try ledger.chainHead() == before)
        #expect(try ledger.provider(provider).name == "中心")
    }

    /// Every issue carries its Chinese words, the ledger's rules' and the import's own: in Chinese
    /// the refusal shows them under each line, and its closing line too; in English, none.
    @Test func everyIssueIsWordedInChineseUnderItsLine() throws {
        try seedReferenceData()
        _ = try load(
            .claims,
            "ref,applicant_id,programme,year,requested,decision,granted,decided_on\nC-1,\(code(1)),sh-innovation-voucher,2022,30万,granted,30万,2022-03-01\n"
        )
        let provider = code(11, prefix: "12310000")
        let header = "ref,applicant_id,provider_id,product_code,programme,service_amount,used_on,project\n"
        let refused = #expect(throws: ImportRejected.self) {
            try load(.uses, header + "U-1,\(code(1)),\(provider),lab-nmr,sh-innovation-voucher,10万,2022-05-10,\n")
        }
        let zh = try #require(refused?.text(.zh)).split(separator: "\n").map(String.init)
        #expect(zh.count == 4, "\(zh)")
        #expect(zh.first?.hasPrefix("uses.csv: line 2, column product_code: no product \"lab-nmr\"") == true, "\(zh)")
        #expect(zh.dropFirst().first == "  没有服务产品「lab-nmr」；已登记的产品编码「LAB-NMR」与之仅字母大小写不同，请按登记的写法填写")
        #expect(zh.last == "  未导入任何内容：请改正以上各行后重新导入")
        #expect(refused?.description == refused?.text(.en))
        #expect(refused?.description.contains("没有") == false)
        #expect(refused?.description.split(separator: "\n").count == 2)

        // The import's own issues: a field it cannot read, a row of the wrong width, a date ahead.
        let own = #expect(throws: ImportRejected.self) {
            try load(
                .uses,
                header + "U-2,\(code(1)),\(provider),LAB-NMR,sh-innovation-voucher,abc,2022-05-11,\n"
                    + "U-3,\(code(1)),\(provider),LAB-NMR,sh-innovation-voucher,1万,2022-05-11\n"
                    + "U-4,\(code(1)),\(provider),LAB-NMR,sh-innovation-voucher,1万,2099-01-01,\n"
            )
        }
        #expect(
            own?.issues.map(\.zh) == [
                "「abc」第 1 位有无法识别的字符「a」；金额请写作 689,000.00 或 68.9万元",
                "有 7 个字段，表头有 8 个；请检查是否多了逗号或少了引号",
                "晚于今天（北京时间 \(importer.today.iso)）；业务日期是事情发生的日子，不能是将来的日期",
            ]
        )
        #expect(try #require(own?.text(.zh)).split(separator: "\n").count == 8)
        #expect(own?.text(.en).split(separator: "\n").count == 4)
        for zh in own?.issues.compactMap(\.zh) ?? [] { #expect(own?.text(.en).contains(zh) == false) }

        // A whole file's: a header separated by semicolons, a quote left open, bytes that are no text.
        let semicolons = #expect(throws: ImportRejected.self) {
            try load(.uses, "ref;applicant_id;provider_id;product_code;programme;service_amount;used_on\n")
        }
        #expect(semicolons?.issues.first?.zh?.hasPrefix("缺少这些列；uses 文件须有以下各列：ref,") == true)
        #expect(semicolons?.issues.first?.zh?.contains("列名以分号（;）分隔") == true, "\(String(describing: semicolons))")
        let open = #expect(throws: ImportRejected.self) { try load(.uses, header + "\"U-5,\(code(1))\n") }
        #expect(open?.issues.map(\.zh) == ["带引号的字段没有闭合（缺少一个 \"）"])
        let binary = #expect(throws: ImportRejected.self) {
            try importer.run(.uses, bytes: Array(header.utf8) + [0x00, 0x01], file: "uses.csv")
        }
        #expect(binary?.issues.map(\.zh) == ["文件不是文本：第 \(header.utf8.count + 1) 个字节为 NUL；请提供 CSV 文件"])
    }

    /// The import's own words for the fields of claims, redemptions and parties, in Chinese; a row
    /// imported before with other content; more issues than a refusal lists.
    @Test func theImportsOwnIssuesHaveTheseChineseWords() throws {
        try seedReferenceData()
        let claimsHeader = "ref,applicant_id,programme,year,requested,decision,granted,decided_on,level\n"
        let claims = #expect(throws: ImportRejected.self) {
            try load(
                .claims,
                claimsHeader + "C-1,\(code(1)),sh-innovation-voucher,2022,30万,granted,,2022-03-01,\n"
                    + "C-2,\(code(1)),sh-innovation-voucher,2022,30万,approved,,2022-03-01,\n"
                    + "C-3,\(code(1)),sh-innovation-voucher,2022,30万,rejected,,,province\n"
            )
        }
        #expect(
            claims?.issues.map(\.zh) == [
                "核定的申领须填写核定金额",
                "不是审核决定；请用 granted（核定）、rejected（不予批准）或 pending（待审核）",
                "已审核的申领须填写审核日期",
                "不是审核层级；请用 district（区级）或 city（市级）",
            ]
        )
        let redemptions = #expect(throws: ImportRejected.self) {
            try load(
                .redemptions,
                "ref,use_ref,outcome,amount,paid_on,reason\n" + "R-1,U-1,reduced,,2023-01-05,\n"
                    + "R-2,U-2,rejected,,2023-01-05,\n" + "R-3,U-3,refunded,,2023-01-05,\n"
            )
        }
        #expect(
            redemptions?.issues.map(\.zh) == [
                "核减兑付须填写实付金额", "核减兑付须写明理由", "不予兑付须写明理由",
                "不是结算方式；请用 paid（全额兑付）、reduced（核减兑付）或 rejected（不予兑付）",
            ]
        )
        let good = code(5)
        let wrong = String(good.dropLast()) + (good.last == "1" ? "2" : "1")
        let parties = #expect(throws: ImportRejected.self) {
            try load(
                .enterprises,
                "id,name,kind,district,region,group\n\(wrong),甲,enterprise,杨浦区,shanghai,\n\(code(6)),乙,partnership,杨浦区,,\n"
            )
        }
        #expect(
            parties?.issues.map(\.zh) == [
                "信用代码「\(wrong)」校验码应为 \(good.last!)，实为 \(wrong.last!)；请核对代码，如登记机关确实核发此代码，请写明理由人工核准",
                "不是申请主体类型；请用 enterprise（企业）或 team（团队）",
            ]
        )
        // A claim imported before, imported again with another amount.
        _ = try load(.claims, claimsHeader + "C-9,\(code(1)),sh-innovation-voucher,2022,30万,pending,,,\n")
        let again = #expect(throws: ImportRejected.self) {
            try load(.claims, claimsHeader + "C-9,\(code(1)),sh-innovation-voucher,2022,20万,pending,,,\n")
        }
        #expect(again?.issues.first?.zh?.hasPrefix("申领 C-9 此前已导入（事件 ") == true, "\(String(describing: again))")
        // Fifty issues are listed; the rest are counted, in both languages.
        let many = #expect(throws: ImportRejected.self) {
            try load(
                .enterprises,
                "id,name,kind,district,region,group\n"
                    + (1...52).map { "\(code($0 + 100)),丙\($0),partnership,杨浦区,shanghai,\n" }.joined()
            )
        }
        let lines = try #require(many?.text(.zh)).split(separator: "\n")
        #expect(
            lines.suffix(4) == [
                "… and 2 more", "  ……另有 2 处问题未列出",
                "nothing was imported: correct the rows above and import the file again", "  未导入任何内容：请改正以上各行后重新导入",
            ]
        )
        #expect(lines.count == 104)
    }

    @Test func aRedemptionRepeatedInTheFileIsFiledAndSettledOnce() throws {
        try seedReferenceData()
        _ = try load(
            .claims,
            "ref,applicant_id,programme,year,requested,decision,granted,decided_on\nC-1,\(code(1)),sh-innovation-voucher,2022,30万,granted,30万,2022-03-01\n"
        )
        let provider = code(11, prefix: "12310000")
        _ = try load(
            .uses,
            """
            ref,applicant_id,provider_id,product_code,programme,service_amount,used_on,project
            U-1,\(code(1)),\(provider),LAB-NMR,sh-innovation-voucher,10万,2022-05-10,
            U-2,\(code(1)),\(provider),LAB-NMR,sh-innovation-voucher,10万,2022-05-11,

            """
        )
        let summary = try load(
            .redemptions,
            "ref,use_ref,outcome,amount,paid_on,reason\nR-1,U-1,paid,,2022-07-01,\nR-1,U-2,paid,,2022-07-01,\nR-1,U-1,paid,,2022-07-01,\n"
        )
        #expect(summary.rows == 3)
        // The filing (of U-1 and U-2, each once) and two settlements.
        #expect(summary.recorded == 3)
        let figures = try ledger.reconciliation(try ProgrammeID("sh-innovation-voucher"), period: .year(2022))
        #expect(figures.redeemed == (try Money.parse("10万")))
    }

    @Test func aRefRepeatedWithOtherContentIsNamedInLineOrderWithTheFirstLine() throws {
        try seedReferenceData()
        let claims = """
            ref,applicant_id,programme,year,requested,decision,granted,decided_on
            C-1,\(code(1)),sh-innovation-voucher,2022,30万,granted,30万,2022-03-01
            C-2,\(code(2)),sh-innovation-voucher,2022,10万,granted,10万,2022-03-01
            C-1,\(code(1)),sh-innovation-voucher,2022,20万,granted,20万,2022-03-01
            C-3,\(code(2)),sh-innovation-voucher,20x2,10万,granted,10万,2022-03-01
            C-2,\(code(2)),sh-innovation-voucher,2022,10万,granted,10万,2022-03-01
            C-1,\(code(1)),sh-innovation-voucher,2022,30万,granted,30万,2022-03-02
            """
        do {
            _ = try load(.claims, claims)
            Issue.record("a file with a ref repeated with other content was imported")
        } catch let rejected as ImportRejected {
            expectNoDifference(
                rejected.issues.map(\.description),
                [
                    "line 4, column ref (\"C-1\"): the same ref is on line 2 with different content",
                    "line 5, column year (\"20x2\"): is not a year; write four digits from 1900 to 9999, e.g. 2022",
                    "line 7, column ref (\"C-1\"): the same ref is on line 2 with different content",
                ]
            )
        }
    }

    @Test func refusalsByTheLedgerAlsoRollBackTheWholeFile() throws {
        try seedReferenceData()
        let before = try ledger.chainHead()
        let claims = """
            ref,applicant_id,programme,year,requested,decision,granted,decided_on
            C-1,\(code(1)),sh-innovation-voucher,2022,30万元,granted,30万元,2022-03-01
            C-2,\(code(9)),sh-innovation-voucher,2022,10万,granted,10万,2022-03-01
            C-3,YP-T-2022-001,sh-innovation-voucher,2022,20万,granted,20万,2022-03-01
            """
        #expect(throws: ImportRejected.self) { try load(.claims, claims) }
        do {
            _ = try load(.claims, claims)
        } catch let rejected as ImportRejected {
            #expect(rejected.issues.count == 2)
            #expect(rejected.issues[0].line == 3 && rejected.issues[0].column == "applicant_id")
            #expect(rejected.issues[1].line == 4 && rejected.issues[1].column == "granted")
            #expect(rejected.issues[1].reason.contains("team's annual cap left 100,000.00"))
        }
        #expect(try ledger.chainHead() == before)
    }

    @Test func usesAndRedemptionsImportWithComputedAmountsAndADryRunWritesNothing() throws {
        try seedReferenceData()
        _ = try load(
            .claims,
            "ref,applicant_id,programme,year,requested,decision,granted,decided_on\nC-1,\(code(1)),sh-innovation-voucher,2022,30万,granted,30万,2022-03-01\n"
        )
        let uses = """
            ref,applicant_id,provider_id,product_code,programme,service_amount,used_on,project,备注
            U-1,\(code(1)),\(code(11, prefix: "12310000")),LAB-NMR,sh-innovation-voucher,"¥240,000",2022-05-10,,first
            U-2,\(code(1)),\(code(11, prefix: "12310000")),LAB-NMR,sh-innovation-voucher,50万,2022/6/1,,
            """
        let dry = try load(.uses, uses, dryRun: true)
        #expect(dry.dryRun && dry.recorded == 2 && dry.ignoredColumns == ["备注"])
        #expect(try ledger.recordedUse(ref: "U-1") == nil)
        _ = try load(.uses, uses)
        #expect(try ledger.recordedUse(ref: "U-1")?.amount == (try Money.parse("12万")))
        #expect(try ledger.recordedUse(ref: "U-2")?.amount == (try Money.parse("18万")))
        let redemptions = """
            ref,use_ref,outcome,amount,paid_on,reason
            R-1,U-1,paid,,2022-07-01,
            R-1,U-2,reduced,15万,2022-07-01,发票不符
            """
        let summary = try load(.redemptions, redemptions)
        #expect(summary.recorded == 3)
        let figures = try ledger.reconciliation(try ProgrammeID("sh-innovation-voucher"), period: .year(2022))
        #expect(figures.redeemed == (try Money.parse("27万")))
        #expect(figures.identities.allSatisfy { $0.holds })
        #expect(try load(.redemptions, redemptions).alreadyRecorded == 3)
    }

    @Test func anEmptyFileAndMissingColumnsAreRefused() throws {
        #expect(throws: ImportRejected.self) { try load(.providers, "") }
        let rejected = #expect(throws: ImportRejected.self) { try load(.providers, "id,name\n") }
        #expect(rejected?.description.hasPrefix("providers.csv: line 1, column region: the column is missing") == true)
        #expect(rejected?.description.contains("one column") == false)
        // A file saved with another separator is one column: the refusal says which, and what to do.
        for (header, name) in [
            ("id;name;region", "semicolons (;)"), ("id\tname\tregion", "tabs"),
            ("id，name，region", "full-width commas (，)"),
        ] {
            let rejected = #expect(throws: ImportRejected.self) { try load(.providers, header + "\n") }
            #expect(
                rejected?.description.contains(
                    "the header is one column, its names separated by \(name): save the file as CSV with commas"
                ) == true,
                "\(String(describing: rejected))"
            )
        }
    }
}

struct RepeatedRowsTests {
    /// Against a dictionary of the keys themselves, on keys drawn from a small set so that many
    /// repeat, with contents that sometimes differ.
    @Test func findsTheSameRepeatsAsADictionaryOfTheKeys() {
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        for round in 0..<20 {
            var rows = RepeatedRows()
            var first: [String: (line: Int, fields: [String])] = [:]
            var expected: [RepeatedRows.Repeat] = []
            for line in 2..<(2 + 50 * (round + 1)) {
                let key = "R-\(next(40 + round * 10))\u{1F}U-\(next(3))"
                let fields = [key, next(4) == 0 ? "other" : "same"]
                rows.add(key: key, line: line, fields: fields)
                if let earlier = first[key] {
                    expected.append(.init(line: line, first: earlier.line, differs: earlier.fields != fields))
                } else {
                    first[key] = (line, fields)
                }
            }
            #expect(!expected.isEmpty)
            #expect(rows.repeats() == expected, "round \(round)")
            #expect(rows.repeats().isEmpty, "let go after the first call")
        }
    }
}
