import HTTPTypes
import Hummingbird
import VoucherDomain
import VoucherPolicies
import VoucherReports
import VoucherStorage

// MARK: - The annual report and the what-if (auditors, admins and the office)

extension Console {
    func reportPage(_ session: Session, _ request: Request) async throws -> Response {
        let words = Words(session.language)
        let programmes = try await api.worker.read { ledger in try ledger.programmes() }
        // Unasked: a voucher, and its latest year with claims (not an empty page of last year).
        // Asked for what is not there: the form again, with what was asked and why.
        let asked = Self.query("programme", request)
        var flash: (String, String)?
        var status = HTTPResponse.Status.ok
        if let asked, Self.programme(asked, among: programmes) == nil {
            (flash, status) = ((words.unknownProgramme(asked), "bad"), .notFound)
        }
        let chosen =
            asked.flatMap { Self.programme($0, among: programmes) } ?? Self.defaultProgramme(among: programmes)
        let yearText = (Self.query("year", request) ?? "").trimmed
        let asYear = Int(yearText).flatMap { (1900...9999).contains($0) ? $0 : nil }
        if flash == nil, !yearText.isEmpty, asYear == nil {
            (flash, status) = ((words.notAYear(yearText), "bad"), .unprocessableContent)
        }
        var year = asYear ?? 0
        if asYear == nil { year = try await latestYear(of: chosen) }
        var html = ""
        if let chosen, flash == nil {
            let (id, shown) = (chosen.id, year)
            let report = try await api.worker.read { ledger in
                try buildReport(ledger, programme: id, period: .year(shown))
            }
            html = report.htmlBody(session.language, commandHints: false)
        }
        return render(
            "report",
            title: words["report"],
            session: session,
            data: [
                "programmes": Self.choices(programmes, chosen: chosen, session.language),
                "year": yearText.isEmpty || asYear != nil ? String(year) : yearText, "reportHTML": html,
            ],
            flash: flash,
            status: status
        )
    }

    /// The programme a page shows unasked: the first voucher programme (the one most reports are
    /// of), else the first.
    static func defaultProgramme(among programmes: [Programme]) -> Programme? {
        programmes.first { $0.kind == .voucher } ?? programmes.first
    }

    /// The latest year with claims of `programme`, else last year.
    func latestYear(of programme: Programme?) async throws -> Int {
        guard let id = programme?.id else { return BusinessDate.today().year - 1 }
        return try await api.worker.read { ledger in try ledger.claimYears(id) }.max() ?? BusinessDate.today().year - 1
    }

    /// A what-if of a programme's year under a reform policy file pasted into the form: the
    /// baseline and the reform side by side, as `voucher whatif --format html` shows them. The
    /// reform is replayed in memory; nothing is written. GET shows the form with the programme's
    /// own policy file as the starting text.
    func whatIfPage(_ session: Session, _ request: Request, form: [String: [String]]?) async throws -> Response {
        let words = Words(session.language)
        let programmes = try await api.worker.read { ledger in try ledger.programmes() }
        let asked = form?["programme"]?.first ?? Self.query("programme", request)
        // Unasked, as the report: a voucher programme and its latest year with claims.
        let chosen = asked == nil ? Self.defaultProgramme(among: programmes) : Self.programme(asked, among: programmes)
        if let asked, chosen?.id.value != asked {
            throw APIFailure.notFound(words.unknownProgramme(asked))
        }
        let yearText = form?["year"]?.first ?? Self.query("year", request) ?? ""
        // None given: the latest year with claims, as the field offers it.
        var year = Int(yearText.trimmed).flatMap { (1900...9999).contains($0) ? $0 : nil }
        if yearText.trimmed.isEmpty { year = try await latestYear(of: chosen) }
        // A browser sends a text area's lines ending in CRLF.
        var policy = form?["policy"]?.first?.replacingOccurrences(of: "\r\n", with: "\n") ?? ""
        var html = ""
        var flash: (String, String)?
        var status = HTTPResponse.Status.ok
        if let chosen {
            let id = chosen.id
            if form != nil {
                // Refused, the page comes back with the policy as edited and why.
                do {
                    guard let year else {
                        throw APIFailure.invalid(words.notAYear(yearText))
                    }
                    guard !policy.trimmed.isEmpty else { throw APIFailure.invalid(words["reformMissing"]) }
                    let reform = policy
                    let name = words["changedPolicy"]
                    let (report, reformedID) = try await api.worker.read { ledger in
                        let own = try ledger.programme(id)
                        let reformed = try reformProgramme(yaml: reform, file: name, of: own)
                        return (
                            try buildWhatIf(
                                ledger,
                                programme: id,
                                year: year,
                                reforms: [(name: name, programme: reformed)],
                                everyName: false
                            ),
                            // The id the file gives (the reform takes the replayed programme's).
                            (try? PolicyFile.programme(yaml: reform, file: name))?.id ?? id
                        )
                    }
                    html = report.htmlBody(session.language, commandHints: false)
                    // A file of another programme (its id may differ): replayed on this one's records.
                    if reformedID != id { flash = (words.reformOfAnother(reformedID.value, id.value), "bad") }
                } catch {
                    guard let refusal = Self.refusal(error, to: session.user, in: session.language) else { throw error }
                    (flash, status) = ((refusal.text, "bad"), refusal.status)
                }
            } else if policy.isEmpty {
                policy = try await api.worker.read { ledger in try ledger.policyFile(id) } ?? ""
            }
        }
        // A year refused comes back as it was typed.
        let shownYear = year.map(String.init) ?? yearText
        return render(
            "whatif",
            title: words["whatIf"],
            session: session,
            data: [
                "programmes": Self.choices(programmes, chosen: chosen, session.language),
                "year": shownYear,
                "policy": policy,
                "resultHTML": html, "hasResult": !html.isEmpty,
            ],
            flash: flash,
            status: status
        )
    }

    /// The programme asked for by id, or the first when none is (nil when it is not among them).
    static func programme(_ asked: String?, among programmes: [Programme]) -> Programme? {
        guard let asked else { return programmes.first }
        return programmes.first { $0.id.value == asked }
    }

    /// Each programme's name in the page's language, by its id: a table shows the name, with the
    /// id under it, as it shows an applicant's.
    static func names(of programmes: [Programme], _ language: Language) -> [String: String] {
        Dictionary(programmes.map { ($0.id.value, $0.name.text(language)) }, uniquingKeysWith: { first, _ in first })
    }

    /// The programmes of a page's select, the chosen one selected.
    static func choices(_ programmes: [Programme], chosen: Programme?, _ language: Language) -> [[String: Any]] {
        programmes.map { programme in
            ["id": programme.id.value, "name": programme.name.text(language), "selected": programme.id == chosen?.id]
        }
    }
}
