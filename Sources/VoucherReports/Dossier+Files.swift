import Foundation
import VoucherDomain
import ZIPFoundation

// MARK: - An applicant's dossier as files: a printable page, CSV tables, the events, a manifest

extension Dossier {
    /// The manifest's file name; it names what the dossier covers, so that it can be made again.
    public static let manifestName = "manifest.json"
    static let format = "voucher-ledger dossier 1"

    /// The dossier's files, in the order they are written: the page, the tables (CSV, amounts in
    /// yuan), the events with every field their hashes cover (one JSON object a line), the manifest.
    public func files(_ language: Language) -> [(name: String, bytes: Data)] {
        [
            ("dossier.html", html(language)), ("registrations.csv", registrationsCSV()), ("claims.csv", claimsCSV()),
            ("decisions.csv", decisionsCSV()), ("uses.csv", usesCSV(language)), ("redemptions.csv", redemptionsCSV()),
            ("payments.csv", paymentsCSV()), ("recoveries.csv", recoveriesCSV()), ("expiries.csv", expiriesCSV()),
            ("reversals.csv", reversalsCSV()), ("events.jsonl", eventsJSONLines()),
            (Self.manifestName, manifest(language).text + "\n"),
        ].map { ($0.0, Data($0.1.utf8)) }
    }

    /// What the manifest says: the scope, the language of the page and the chain head.
    public struct Manifest: Sendable, Hashable {
        public var scope: Scope
        public var language: Language
        public var head: ChainHead
    }

    func manifest(_ language: Language) -> CanonicalJSON {
        .object([
            "format": .string(Self.format), "applicant": .string(scope.applicant),
            "programme": .optional(scope.programme),
            "year": scope.year.map { .int(Int64($0)) } ?? .null, "language": .string(language.rawValue),
            "head": .object(["events": .int(head.events), "hash": .string(head.hash)]),
        ])
    }

    /// Reads a manifest back; nil when it is not one this code wrote.
    public static func manifest(from data: Data) -> Manifest? {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            object["format"] as? String == format, let applicant = object["applicant"] as? String,
            let language = (object["language"] as? String).flatMap(Language.init(rawValue:)),
            let head = object["head"] as? [String: Any], let events = head["events"] as? Int64,
            let hash = head["hash"] as? String
        else { return nil }
        let programme = object["programme"] as? String
        let year = (object["year"] as? Int64).map { Int($0) }
        guard object["programme"] is NSNull || programme != nil, object["year"] is NSNull || year != nil,
            (1900...9999).contains(year ?? 2000), events >= 1
        else {
            return nil
        }
        return Manifest(
            scope: Scope(applicant: applicant, programme: programme, year: year),
            language: language,
            head: ChainHead(events: events, hash: hash)
        )
    }

    // MARK: The archive

    /// The files as one ZIP archive, stored uncompressed: the same files always give the same bytes,
    /// whatever compressor a machine has, so that a dossier can be compared whole.
    public static func archive(_ files: [(name: String, bytes: Data)]) throws -> Data {
        try Workbook.zip(files, compressed: false)
    }

    /// Why an archive could not be read as a dossier's, in English and in Chinese.
    public struct Unreadable: Error, CustomStringConvertible {
        public var reason: String
        public var zh: String
        public var description: String { reason }
        public var localized: LocalizedText { LocalizedText(zh: zh, en: reason) }

        static let notAZIP = Unreadable(reason: "it is not a ZIP archive", zh: "该文件不是 ZIP 压缩包")
    }

    /// The most a manifest may hold.
    static let largestManifest = 1 << 16

    /// The manifest of the archive at `url`, read without reading the rest.
    public static func manifest(inArchiveAt url: URL) throws(Unreadable) -> Manifest {
        guard let archive = readable(url) else { throw .notAZIP }
        guard let entry = archive[manifestName] else {
            throw Unreadable(
                reason: "it has no \(manifestName): it was not written by `voucher dossier`",
                zh: "其中没有 \(manifestName)：它不是 `voucher dossier` 写出的档案"
            )
        }
        guard let data = extract(entry, from: archive, atMost: largestManifest), let manifest = manifest(from: data)
        else {
            throw Unreadable(
                reason:
                    "its \(manifestName) is not one `voucher dossier` writes (damaged, edited, or of a newer version)",
                zh: "其 \(manifestName) 不是 `voucher dossier` 写出的格式（已损坏、被编辑，或来自更新的版本）"
            )
        }
        return manifest
    }

    /// The archive at `url`, opened for reading; nil when it is not a ZIP archive.
    static func readable(_ url: URL) -> Archive? {
        do {
            let archive: Archive = try Archive(url: url, accessMode: .read, pathEncoding: nil)
            return archive
        } catch {
            return nil
        }
    }

    /// Every file of the archive at `url`, by name, each read up to 256 MB.
    public static func files(inArchiveAt url: URL) throws(Unreadable) -> [String: Data] {
        guard let archive = readable(url) else { throw .notAZIP }
        var files: [String: Data] = [:]
        for entry in archive {
            guard let bytes = extract(entry, from: archive, atMost: 1 << 28) else {
                throw Unreadable(
                    reason: "its \(entry.path) is not a file, is damaged, or is too large",
                    zh: "其中的 \(entry.path) 不是文件、已损坏或过大"
                )
            }
            files[entry.path] = bytes
        }
        return files
    }

    /// An entry's bytes; nil when it is damaged or holds more than `limit` bytes (extraction stops
    /// there, whatever size the archive claims).
    static func extract(_ entry: Entry, from archive: Archive, atMost limit: Int) -> Data? {
        guard entry.type == .file else { return nil }
        struct TooLarge: Error {}
        var bytes = Data()
        do {
            let checksum = try archive.extract(entry, skipCRC32: false) { chunk in
                bytes.append(chunk)
                if bytes.count > limit { throw TooLarge() }
            }
            guard checksum == entry.checksum else { return nil }
        } catch {
            return nil
        }
        return bytes
    }

    /// Why the archive at `url` is not exactly `expected` (the archive the ledger gives for it),
    /// naming the file and the line, in English and in Chinese; nil when it is, byte for byte.
    public static func difference(archiveAt url: URL, expected: [(name: String, bytes: Data)]) -> LocalizedText? {
        func why(_ en: String, _ zh: String) -> LocalizedText { LocalizedText(zh: zh, en: en) }
        guard let whole = try? archive(expected) else {
            return why("the ledger cannot make it again", "账本无法重新生成该档案")
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? -1
        if size == whole.count, let found = FileManager.default.contents(atPath: url.path), found == whole {
            return nil
        }
        guard let archive = readable(url) else { return Unreadable.notAZIP.localized }
        var seen: [String: Int] = [:]
        for entry in archive {
            seen[entry.path, default: 0] += 1
            guard entry.type == .file else {
                return why("it holds \(entry.path), which is not a file", "其中的 \(entry.path) 不是文件")
            }
        }
        if let twice = seen.filter({ $0.value > 1 }).keys.sorted().first {
            return why("it holds two files named \(twice)", "其中有两个名为 \(twice) 的文件")
        }
        let names = Set(expected.map(\.name))
        if let extra = seen.keys.filter({ !names.contains($0) }).sorted().first {
            return why("it has a file the ledger does not give: \(extra)", "其中有账本不会生成的文件：\(extra)")
        }
        var differing: [String] = []
        var first: LocalizedText?
        for (name, bytes) in expected {
            guard let entry = archive[name] else { return why("it has no \(name)", "其中没有 \(name)") }
            guard let actual = extract(entry, from: archive, atMost: bytes.count) else {
                differing.append(name)
                first =
                    first
                    ?? why("\(name) is damaged, or longer than what the ledger holds", "\(name) 已损坏，或比账本所载的更长")
                continue
            }
            guard actual != bytes else { continue }
            differing.append(name)
            first = first ?? lineDifference(name, found: actual, expected: bytes)
        }
        guard let first else {
            return why(
                "its files are the ledger's, but the archive holds more than they do (bytes outside its files)",
                "其中的文件与账本一致，但压缩包在文件之外还有多余的字节"
            )
        }
        if !differing.contains("events.jsonl") && !differing.contains(manifestName) {
            return why(
                first.en + "; its events are the ledger's: was it made by another version of voucher, or edited after?",
                first.zh + "；其事件与账本一致：它是否由其他版本的 voucher 生成，或生成后被编辑过？"
            )
        }
        return first
    }

    private static func lineDifference(_ name: String, found: Data, expected: Data) -> LocalizedText {
        let ours = lines(expected)
        let theirs = lines(found)
        for index in 0..<max(ours.count, theirs.count) {
            let expectedLine = index < ours.count ? ours[index] : nil
            let actualLine = index < theirs.count ? theirs[index] : nil
            if expectedLine != actualLine {
                func shown(_ line: String?, _ end: String) -> String { line.map(quoted) ?? end }
                return LocalizedText(
                    zh: "\(name) 第 \(index + 1) 行与账本所载不符：档案中为 \(shown(actualLine, "（文件结束）"))，"
                        + "账本给出的是 \(shown(expectedLine, "（文件结束）"))",
                    en: "\(name) line \(index + 1) is not what the ledger holds: the dossier has "
                        + "\(shown(actualLine, "(the end of the file)")), the ledger gives "
                        + "\(shown(expectedLine, "(the end of the file)"))"
                )
            }
        }
        return LocalizedText(zh: "\(name) 与账本所载不符", en: "\(name) is not what the ledger holds")
    }

    /// A file's lines, split at each line feed (and a carriage return before it).
    private static func lines(_ data: Data) -> [String] {
        data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map {
            String(decoding: $0.last == UInt8(ascii: "\r") ? $0.dropLast() : $0, as: UTF8.self)
        }
    }

    private static func quoted(_ line: String) -> String {
        let shown = line.count > 160 ? String(line.prefix(160)) + "…" : line
        return "\"" + shown.unicodeScalars.map { $0.properties.generalCategory == .control ? "?" : String($0) }.joined()
            + "\""
    }

    // MARK: CSV

    private static func csv(_ header: [String], _ rows: [[String]]) -> String {
        ([header] + rows).map { $0.map(field).joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
    }

    private func reversal(_ seq: Int64, _ reversed: [Int64: Int64]) -> String { reversed[seq].map(String.init) ?? "" }

    func registrationsCSV() -> String {
        Self.csv(
            ["event", "kind", "name", "district", "region", "group", "attributes"],
            registrations.map {
                [String($0.seq), $0.kind, $0.name, $0.district, $0.region, $0.group ?? "", $0.attributes ?? ""]
            }
        )
    }

    func claimsCSV() -> String {
        let reversed = reversedBy
        return Self.csv(
            ["event", "ref", "programme", "year", "requested", "project", "reversed_by"],
            claims.map {
                [
                    String($0.seq), $0.ref, $0.programme, String($0.year), $0.requested.decimalString(),
                    $0.project ?? "", reversal($0.seq, reversed),
                ]
            }
        )
    }

    func decisionsCSV() -> String {
        let reversed = reversedBy
        return Self.csv(
            ["event", "claim", "level", "outcome", "granted", "reviewer", "reason", "valid_until", "reversed_by"],
            decisions.map {
                [
                    String($0.seq), $0.claimRef, $0.level, $0.outcome, $0.granted.decimalString(), $0.reviewer,
                    $0.reason ?? "", $0.validUntil ?? "", reversal($0.seq, reversed),
                ]
            }
        )
    }

    func usesCSV(_ language: Language) -> String {
        let reversed = reversedBy
        return Self.csv(
            [
                "event", "ref", "claim", "used_on", "provider", "product", "category", "provider_region", "project",
                "invoice", "service_amount", "eligible_amount", "tax_amount", "rate", "amount", "redemption_deadline",
                "reversed_by", "explanation",
            ],
            uses.map {
                [
                    String($0.seq), $0.ref, $0.claimRef, $0.usedOn, $0.provider, $0.product, $0.category,
                    $0.providerRegion, $0.project ?? "", $0.invoice ?? "", $0.serviceAmount.decimalString(),
                    $0.eligibleAmount?.decimalString() ?? "", $0.taxAmount?.decimalString() ?? "",
                    Rate(basisPoints: Int64($0.rateBasisPoints)).formatted(), $0.amount.decimalString(),
                    $0.redemptionDeadline ?? "", reversal($0.seq, reversed),
                    Self.explanationLines($0.explanation, language).joined(separator: "\n"),
                ]
            }
        )
    }

    func redemptionsCSV() -> String {
        let reversed = reversedBy
        var rows: [[String]] = []
        for item in redemptions {
            let filed = [
                String(item.filingSeq), item.filingRef, item.provider, item.useRef, item.pastDeadline ? "yes" : "no",
                reversal(item.filingSeq, reversed),
            ]
            if item.settlements.isEmpty { rows.append(filed + ["", "", "", "", "", "", ""]) }
            for settlement in item.settlements {
                rows.append(
                    filed + [
                        String(settlement.seq), settlement.outcome, settlement.paid.decimalString(),
                        settlement.unpaid.decimalString(), settlement.unpaidEffect, settlement.reason ?? "",
                        reversal(settlement.seq, reversed),
                    ]
                )
            }
        }
        return Self.csv(
            [
                "filing_event", "filing", "provider", "use", "past_deadline", "filing_reversed_by", "settlement_event",
                "outcome", "paid", "unpaid", "unpaid_effect", "reason", "settlement_reversed_by",
            ],
            rows
        )
    }

    func paymentsCSV() -> String {
        let reversed = reversedBy
        return Self.csv(
            ["event", "claim", "amount", "reversed_by"],
            payments.map { [String($0.seq), $0.claimRef, $0.amount.decimalString(), reversal($0.seq, reversed)] }
        )
    }

    func recoveriesCSV() -> String {
        let reversed = reversedBy
        return Self.csv(
            ["event", "kind", "use", "amount", "reason", "reversed_by"],
            recoveries.map {
                [
                    String($0.seq), $0.received ? "received" : "owed", $0.useRef, $0.amount.decimalString(),
                    $0.reason ?? "", reversal($0.seq, reversed),
                ]
            }
        )
    }

    /// What each expiry lapsed of the applicant's quotas: its postings out of them.
    var lapses: [(seq: Int64, date: String, account: String, amount: Money)] {
        events.filter { $0.kind == "expiry" }.flatMap { event in
            event.postings.filter { $0.account.hasPrefix("quota/") && $0.amount.fen < 0 }.map {
                (event.seq, event.businessDate, $0.account, Money(fen: -$0.amount.fen))
            }
        }
    }

    /// Each reversal: what it cancelled (event and kind) and why.
    var reversals: [(seq: Int64, date: String, reverses: Int64, kind: String, reason: String)] {
        let kinds = Dictionary(events.map { ($0.seq, $0.kind) }, uniquingKeysWith: { first, _ in first })
        return events.compactMap { event in
            guard let target = event.reverses else { return nil }
            let payload = try? JSONSerialization.jsonObject(with: Data(event.payload.utf8)) as? [String: Any]
            return (event.seq, event.businessDate, target, kinds[target] ?? "", payload?["reason"] as? String ?? "")
        }
    }

    func expiriesCSV() -> String {
        let reversed = reversedBy
        return Self.csv(
            ["event", "date", "account", "lapsed", "reversed_by"],
            lapses.map {
                [String($0.seq), $0.date, $0.account, $0.amount.decimalString(), reversal($0.seq, reversed)]
            }
        )
    }

    func reversalsCSV() -> String {
        Self.csv(
            ["event", "date", "reverses", "kind", "reason"],
            reversals.map { [String($0.seq), $0.date, String($0.reverses), $0.kind, $0.reason] }
        )
    }

    /// Each event as a JSON object on its line, with every field its hash covers under the
    /// column's name (postings as `[line, account, fen]`): docs/ledger.md says how to recompute it.
    func eventsJSONLines() -> String {
        events.map { event in
            if event.withheld {
                // Only what is this applicant's: the hash is checked against the ledger.
                return CanonicalJSON.object([
                    "seq": .int(event.seq), "kind": .string(event.kind), "business_date": .string(event.businessDate),
                    "withheld": .string("covers other applicants too; its hash is checked against the ledger"),
                    "postings": .array(
                        event.postings.map { .array([.int($0.line), .string($0.account), .int($0.amount.fen)]) }
                    ),
                    "prev_hash": .string(event.prevHash), "hash": .string(event.hash),
                ]).text + "\n"
            }
            return CanonicalJSON.object([
                "seq": .int(event.seq), "kind": .string(event.kind), "business_date": .string(event.businessDate),
                "recorded_at": .string(event.recordedAt), "actor": .string(event.actor),
                "idempotency_key": .string(event.idempotencyKey), "request_hash": .string(event.requestHash),
                "programme_id": .optional(event.programme), "policy_hash": .optional(event.policyHash),
                "reverses": event.reverses.map { .int($0) } ?? .null, "payload": .string(event.payload),
                "explanation": .optional(event.explanation),
                "postings": .array(
                    event.postings.map { .array([.int($0.line), .string($0.account), .int($0.amount.fen)]) }
                ),
                "prev_hash": .string(event.prevHash), "hash": .string(event.hash),
            ]).text + "\n"
        }.joined()
    }
}

extension Workbook {
    /// Files as a ZIP archive whose bytes depend on the files only (each entry's time is fixed).
    static func zip(_ files: [(name: String, bytes: Data)], compressed: Bool = true) throws -> Data {
        let archive = try Archive(data: Data(), accessMode: .create)
        // 1980-01-01, the first time a ZIP entry can hold: a fixed time, so the bytes repeat.
        let time = Date(timeIntervalSince1970: 315_532_800)
        for (path, data) in files {
            try archive.addEntry(
                with: path,
                type: .file,
                uncompressedSize: Int64(data.count),
                modificationDate: time,
                compressionMethod: compressed ? .deflate : .none
            ) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        guard let bytes = archive.data else { throw CocoaError(.fileWriteUnknown) }
        return bytes
    }
}
