import PropertyBased
import Testing
import VoucherDomain

struct BusinessDateTests {
    @Test func readsIsoAndSpreadsheetDates() throws {
        #expect(try BusinessDate.parse("2023-05-10") == BusinessDate(year: 2023, month: 5, day: 10))
        #expect(try BusinessDate.parse("2023/5/10").iso == "2023-05-10")
        #expect(try BusinessDate.parse("2024-02-29").iso == "2024-02-29")
    }

    @Test(arguments: ["2023-02-29", "2023-13-01", "2023-00-10", "2023-04-31", "1900-02-29"])
    func refusesImpossibleDays(_ text: String) {
        #expect(throws: DateParseError.impossible(text: text)) { try BusinessDate.parse(text) }
    }

    @Test(arguments: ["", "2023", "23-05-10", "2023-05-10T00:00", "2023-5", "yesterday", "2023--10"])
    func refusesWhatIsNotADate(_ text: String) {
        #expect(throws: DateParseError.malformed(text: text)) { try BusinessDate.parse(text) }
    }

    @Test func addsMonthsClampingToTheMonthsEnd() throws {
        let january31 = try BusinessDate.parse("2024-01-31")
        #expect(january31.adding(months: 1).iso == "2024-02-29")
        #expect(january31.adding(months: 13).iso == "2025-02-28")
        #expect(try BusinessDate.parse("2022-03-01").adding(months: 12).adding(days: -1).iso == "2023-02-28")
        #expect(try BusinessDate.parse("2022-12-31").adding(days: 1).iso == "2023-01-01")
        #expect(try BusinessDate.parse("2022-03-01").endOfYear.iso == "2022-12-31")
    }

    @Test func addingDaysRoundTripsAndCountsDays() async {
        await propertyCheck(input: Gen.int(in: 1990...2100), Gen.int(in: 1...12), Gen.int(in: -4000...4000)) {
            year,
            month,
            offset in
            let date = try BusinessDate(year: year, month: month, day: 15)
            let moved = date.adding(days: offset)
            #expect(date.days(until: moved) == offset)
            #expect(moved.adding(days: -offset) == date)
            #expect((offset > 0) == (moved > date))
            #expect(try BusinessDate.parse(moved.iso) == moved)
        }
    }
}
