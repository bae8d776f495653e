import Foundation
import Testing
import VoucherDomain

#if canImport(Glibc)
import Glibc
#endif

/// Several `voucher` processes writing at once, and imports killed with SIGKILL at random moments.
/// The crash test's long version is `scripts/crash-test`; the concurrent writers have none.
@Suite(.serialized)
struct ReliabilityTests {
    static func launch(
        _ arguments: [String],
        in directory: URL,
        standardError: FileHandle = FileHandle.nullDevice
    ) throws -> Process {
        let process = Process()
        process.executableURL = CommandLineTests.binary
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.standardOutput = FileHandle.nullDevice
        process.standardError = standardError
        var environment = ProcessInfo.processInfo.environment
        environment["VOUCHER_ACTOR"] = "reliability"
        process.environment = environment
        try process.run()
        return process
    }

    static func count(_ sql: String, in database: URL) throws -> Int {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sqlite3", database.path, sql]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    @Test func concurrentWritersAllSucceedAndNothingIsLostOrDuplicated() throws {
        let directory = try CommandLineTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let lab = CommandLineTests.code(1, prefix: "12310000")
        let applicants = (1...20).map { CommandLineTests.code($0) }
        func write(_ text: String, _ name: String) throws {
            try Data(text.utf8).write(to: directory.appendingPathComponent(name))
        }
        try write(
            "id,name,kind,district,region,group\n"
                + applicants.enumerated().map { "\($1),企业\($0),enterprise,杨浦区,shanghai," }.joined(separator: "\n")
                + "\n",
            "e.csv"
        )
        try write("id,name,region\n\(lab),实验室,shanghai\n", "p.csv")
        try write("code,provider_id,name,category,list_price\nNMR,\(lab),核磁,testing,1万\n", "pr.csv")
        try write(
            "ref,applicant_id,programme,year,requested,decision,granted,decided_on\n"
                + applicants.enumerated().map { "C\($0),\($1),yrd-innovation-voucher,2022,20万,granted,20万,2022-01-20" }
                .joined(separator: "\n") + "\n",
            "c.csv"
        )
        for (kind, file) in [
            ("enterprises", "e.csv"), ("providers", "p.csv"), ("products", "pr.csv"), ("claims", "c.csv"),
        ] {
            #expect(
                try CommandLineTests.voucher(["import", kind, file, "--db", "c.sqlite"], in: directory).status == 0
            )
        }
        let header = "ref,applicant_id,provider_id,product_code,programme,service_amount,used_on,project\n"
        for batch in 0..<2 {
            let rows = (0..<100).map { n in
                "B\(batch)-\(n),\(applicants[batch * 10 + n % 10]),\(lab),NMR,yrd-innovation-voucher,1万,2022-05-10,"
            }
            try write(header + rows.joined(separator: "\n") + "\n", "u\(batch).csv")
        }
        let eventsBefore = try Self.count(
            "SELECT COUNT(*) FROM event",
            in: directory.appendingPathComponent("c.sqlite")
        )

        var processes = try (0..<2).map {
            try Self.launch(["import", "uses", "u\($0).csv", "--db", "c.sqlite"], in: directory)
        }
        processes += try (0..<10).map { n in
            try Self.launch(
                [
                    "use", "--ref", "S-\(n)", "--applicant", applicants[n], "--provider", lab, "--product", "NMR",
                    "--programme", "yrd-innovation-voucher", "--service-amount", "2万", "--date", "2022-06-01", "--db",
                    "c.sqlite",
                ],
                in: directory
            )
        }
        for process in processes { process.waitUntilExit() }
        #expect(processes.allSatisfy { $0.terminationStatus == 0 }, "\(processes.map(\.terminationStatus))")

        let database = directory.appendingPathComponent("c.sqlite")
        #expect(try Self.count("SELECT COUNT(*) FROM voucher_use", in: database) == 210)
        #expect(try Self.count("SELECT COUNT(DISTINCT ref) FROM voucher_use", in: database) == 210)
        #expect(try Self.count("SELECT COUNT(*) FROM event", in: database) == eventsBefore + 210)
        #expect(try Self.count("SELECT MAX(seq) - COUNT(*) FROM event", in: database) == 0)
        #expect(try CommandLineTests.voucher(["verify", "--db", "c.sqlite"], in: directory).status == 0)
    }

    @Test func processesCreatingTheSameNewLedgerAtOnceCreateItOnce() throws {
        let directory = try CommandLineTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let errors = (0..<6).map { directory.appendingPathComponent("stderr-\($0).txt") }
        let processes = try errors.map { file in
            _ = FileManager.default.createFile(atPath: file.path, contents: nil)
            return try Self.launch(
                // A command that records creates the ledger (expiry: nothing to lapse, nothing recorded).
                ["expire", "--programme", "sh-innovation-voucher", "--date", "2023-01-01", "--db", "new.sqlite"],
                in: directory,
                standardError: try FileHandle(forWritingTo: file)
            )
        }
        for process in processes { process.waitUntilExit() }
        let said = try errors.map { try String(contentsOf: $0, encoding: .utf8) }.filter { !$0.isEmpty }
        #expect(processes.allSatisfy { $0.terminationStatus == 0 }, "\(processes.map(\.terminationStatus)): \(said)")
        #expect(try Self.count("SELECT COUNT(*) FROM event", in: directory.appendingPathComponent("new.sqlite")) == 4)
        #expect(try CommandLineTests.voucher(["verify", "--db", "new.sqlite"], in: directory).status == 0)
    }

    @Test func anImportKilledAtARandomMomentIsAllOrNothingAndARerunCompletesIt() throws {
        let directory = try CommandLineTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let generator = Process()
        generator.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        generator.arguments = [
            "python3", CommandLineTests.root.appendingPathComponent("scripts/make-bench-data.py").path, "1500",
            directory.path,
        ]
        generator.standardOutput = FileHandle.nullDevice
        try generator.run()
        generator.waitUntilExit()
        for kind in ["enterprises", "providers", "products", "claims"] {
            #expect(
                try CommandLineTests.voucher(["import", kind, "\(kind).csv", "--db", "base.sqlite"], in: directory)
                    .status == 0
            )
        }
        let base = directory.appendingPathComponent("base.sqlite")
        let trial = directory.appendingPathComponent("trial.sqlite")
        // How long one whole import takes on this machine; the kill falls inside that span, so the
        // trials kill a running import however fast or slow the machine is.
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: trial.path + suffix) }
        try FileManager.default.copyItem(at: base, to: trial)
        let started = DispatchTime.now().uptimeNanoseconds
        let whole = try Self.launch(["import", "uses", "uses.csv", "--db", "trial.sqlite"], in: directory)
        whole.waitUntilExit()
        var span = DispatchTime.now().uptimeNanoseconds - started
        #expect(whole.terminationStatus == 0)
        var random = SystemRandomNumberGenerator()
        var killedMidway = 0
        var trials = 0
        while trials < 8 && killedMidway < 3 {
            trials += 1
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: trial.path + suffix) }
            try FileManager.default.copyItem(at: base, to: trial)
            let process = try Self.launch(["import", "uses", "uses.csv", "--db", "trial.sqlite"], in: directory)
            let delay = UInt64.random(in: span * 3 / 10...span * 9 / 10, using: &random)
            usleep(UInt32(delay / 1_000))
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                killedMidway += 1
            } else {
                // It finished sooner than the whole import did (which other tests may have slowed):
                // aim the next kill within the time this one took at most.
                span = delay
            }
            process.waitUntilExit()
            #expect(try CommandLineTests.voucher(["verify", "--db", "trial.sqlite"], in: directory).status == 0)
            let uses = try Self.count("SELECT COUNT(*) FROM voucher_use", in: trial)
            #expect(uses == 0 || uses == 1500, "an import left \(uses) of 1500 uses")
            #expect(
                try CommandLineTests.voucher(["import", "uses", "uses.csv", "--db", "trial.sqlite"], in: directory)
                    .status == 0
            )
            #expect(try Self.count("SELECT COUNT(*) FROM voucher_use", in: trial) == 1500)
            #expect(try CommandLineTests.voucher(["verify", "--db", "trial.sqlite"], in: directory).status == 0)
        }
        #expect(killedMidway > 0, "no trial of \(trials) killed the import while it ran; the timing proves nothing")
    }
}
