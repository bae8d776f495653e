import Foundation
import Testing

/// The workbooks `voucher` writes and reads, checked by an independent reader: Python's openpyxl,
/// which `.ci/run` installs in `.venv-tests` (or the Python named by `VOUCHER_TEST_PYTHON`).
@Suite struct XLSXCLITests {
    typealias CLI = CommandLineTests

    /// A Python with openpyxl, if this machine has one.
    static let python = python(importing: "openpyxl")

    /// A Python that imports `module`: `VOUCHER_TEST_PYTHON`, else `.venv-tests`'s, if either does.
    static func python(importing module: String) -> String? {
        let candidates = [
            ProcessInfo.processInfo.environment["VOUCHER_TEST_PYTHON"],
            CLI.root.appendingPathComponent(".venv-tests/bin/python").path,
        ].compactMap { $0 }
        return candidates.first { path in
            guard FileManager.default.isExecutableFile(atPath: path) else { return false }
            return (try? run(path, ["-c", "import \(module)"]))?.status == 0
        }
    }

    static func run(
        _ executable: String,
        _ arguments: [String],
        in directory: URL? = nil
    ) throws -> CommandLineTests.Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CommandLineTests.Result(
            status: process.terminationStatus,
            stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self)
        )
    }

    @Test(.enabled(if: python != nil, "needs Python with openpyxl: bash .ci/run installs it in .venv-tests"))
    func theReportsWorkbookOpensInOpenpyxlWithNumbersAsNumbers() throws {
        let python = try #require(Self.python)
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(try CLI.voucher(["demo", "--db", "d.sqlite"], in: directory).status == 0)
        // The bytes go to a file, as a user redirects them (a terminal is refused).
        let path = directory.appendingPathComponent("r.xlsx")
        let bytes = try Self.run(
            "/bin/sh",
            [
                "-c",
                "'\(CLI.binary.path)' report --programme yrd-innovation-voucher --through 2022-12-31 --format xlsx --lang en --db d.sqlite > r.xlsx",
            ],
            in: directory
        )
        #expect(bytes.status == 0, "\(bytes.stderr)")
        let script = """
            import openpyxl, sys
            wb = openpyxl.load_workbook(sys.argv[1])
            print("|".join(wb.sheetnames))
            ws = wb.worksheets[0]
            for row in ws.iter_rows(min_row=5, max_row=15, values_only=True):
                print(repr(row[0]), repr(row[1]))
            """
        let read = try Self.run(python, ["-c", script, path.path])
        #expect(read.status == 0, "\(read.stderr)")
        let lines = read.stdout.split(separator: "\n").map(String.init)
        #expect(
            lines.first?.hasPrefix("reconciliation report|Reconciliation identities|By applicant|By provider") == true,
            "\(lines)"
        )
        // Counts are integers, amounts decimal numbers in yuan: the seed's figures.
        #expect(lines.contains("'enterprises served' 118"), "\(lines)")
        #expect(lines.contains("'claimed' 23600000.0"), "\(lines)")
        #expect(lines.contains("'redeemed' 2564800.0"), "\(lines)")
    }

    @Test(.enabled(if: python != nil, "needs Python with openpyxl: bash .ci/run installs it in .venv-tests"))
    func aWorkbookOpenpyxlWroteImportsWithItsDatesAndNumbers() throws {
        let python = try #require(Self.python)
        let (directory, run) = try LedgerEdgeTests.ledger()
        defer { try? FileManager.default.removeItem(at: directory) }
        let script = """
            import openpyxl, datetime, sys
            wb = openpyxl.Workbook()
            # A workbook of Excel for Mac's 1904 date system: its day counts start in 1904.
            wb.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
            ws = wb.active
            ws.title = "申领"
            ws.append(["ref", "applicant_id", "programme", "year", "requested", "decision", "granted", "decided_on"])
            ws.append(["C-1", "\(LedgerEdgeTests.a)", "sh-innovation-voucher", 2022, 300000, "granted", 100000.5, datetime.date(2022, 3, 15)])
            ws.append(["C-2", "\(LedgerEdgeTests.b)", "sh-innovation-voucher", 2022, 50000, "granted", 60000, datetime.date(2022, 3, 15)])
            wb.save(sys.argv[1])
            """
        let written = try Self.run(python, ["-c", script, directory.appendingPathComponent("claims.xlsx").path])
        #expect(written.status == 0, "\(written.stderr)")
        let refused = try run(["import", "claims", "claims.xlsx"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("claims.xlsx, sheet 申领: row 3, column granted"), "\(refused.stderr)")
        let fixed = script.replacingOccurrences(of: "\"granted\", 60000,", with: "\"granted\", 50000,")
        #expect(try Self.run(python, ["-c", fixed, directory.appendingPathComponent("claims.xlsx").path]).status == 0)
        let imported = try run(["import", "claims", "claims.xlsx"])
        #expect(imported.status == 0, "\(imported.stderr)")
        let report = try run(["report", "--programme", "sh-innovation-voucher", "--year", "2022", "--format", "json"])
        #expect(report.stdout.contains(#""claimed":"150000.50""#), "\(report.stdout)")
        // Granted on 2022-03-15, as the sheet says: nothing claimed the day before.
        let before = try run([
            "report", "--programme", "sh-innovation-voucher", "--through", "2022-03-14", "--format", "json",
        ])
        #expect(before.stdout.contains(#""claimed":"0.00""#), "\(before.stdout)")
        let on = try run([
            "report", "--programme", "sh-innovation-voucher", "--through", "2022-03-15", "--format", "json",
        ])
        #expect(on.stdout.contains(#""claimed":"150000.50""#), "\(on.stdout)")
    }
}
