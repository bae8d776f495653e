import Foundation
import VoucherDomain

/// A refusal the service answers with: its status and the words a person reads.
public struct APIFailure: Error, Sendable, Equatable {
    public var status: Int
    public var message: String
    /// The ledger's refusal it stands for, if any: the console words it in the page's language.
    public var refusal: LedgerError?

    public init(_ status: Int, _ message: String, refusal: LedgerError? = nil) {
        self.status = status
        self.message = message
        self.refusal = refusal
    }

    /// The message in `language` for `user`: a ledger's refusal in its words, else the message.
    func text(to user: User?, in language: Language) -> String {
        refusal.map { API.message($0, to: user, in: language, inForms: true) } ?? message
    }

    static func invalid(_ message: String) -> APIFailure { APIFailure(422, message) }
    static func forbidden(_ message: String) -> APIFailure { APIFailure(403, message) }
    static func notFound(_ message: String) -> APIFailure { APIFailure(404, message) }
}

/// A request's JSON object, read field by field with the command line's words for what is wrong:
/// keys are the command's option names in snake case; amounts are strings in any form the command
/// line reads (`"300000"`, `"300,000.00"`, `"30万"`); a key the operation does not know is refused.
struct APIBody {
    private let object: [String: Any]
    private var read: Set<String> = []

    init(_ data: Data) throws(APIFailure) {
        if data.isEmpty {
            object = [:]
            return
        }
        guard let value = try? JSONSerialization.jsonObject(with: data), let object = value as? [String: Any] else {
            throw .invalid("the request body is not a JSON object; send {\"field\": \"value\", …}")
        }
        self.object = object
    }

    /// Refuses the keys nothing read, naming them.
    func checkAllRead() throws(APIFailure) {
        let unknown = Set(object.keys).subtracting(read).sorted()
        guard unknown.isEmpty else {
            throw .invalid(
                "unknown field\(unknown.count == 1 ? "" : "s") \(unknown.joined(separator: ", ")); "
                    + "the fields are the command line's options in snake case (openapi.yaml lists them)"
            )
        }
    }

    mutating func string(_ key: String) throws(APIFailure) -> String? {
        read.insert(key)
        guard let value = object[key], !(value is NSNull) else { return nil }
        guard let text = value as? String else { throw .invalid("\(key): give a string") }
        return text
    }

    mutating func required(_ key: String) throws(APIFailure) -> String {
        guard let text = try string(key), !text.trimmed.isEmpty else { throw .invalid("\(key): required") }
        return text
    }

    mutating func money(_ key: String) throws(APIFailure) -> Money? {
        read.insert(key)
        guard let value = object[key], !(value is NSNull) else { return nil }
        guard let text = value as? String else {
            throw .invalid(
                "\(key): give the amount as a string, e.g. \"300000.00\" or \"30万\" (a JSON number may lose fen)"
            )
        }
        do {
            return try Money.parse(text)
        } catch {
            throw .invalid("\(key) \"\(text)\": \(error)")
        }
    }

    mutating func requiredMoney(_ key: String) throws(APIFailure) -> Money {
        guard let amount = try money(key) else { throw .invalid("\(key): required") }
        return amount
    }

    mutating func int(_ key: String) throws(APIFailure) -> Int? {
        read.insert(key)
        guard let value = object[key], !(value is NSNull) else { return nil }
        if let number = value as? NSNumber, let int = Int(exactly: number), !(value is Bool) { return int }
        if let text = value as? String, let int = Int(text.trimmed) { return int }
        throw .invalid("\(key): give a whole number")
    }

    mutating func date(_ key: String) throws(APIFailure) -> BusinessDate? {
        guard let text = try string(key) else { return nil }
        do {
            return try BusinessDate.parse(text)
        } catch {
            throw .invalid("\(key) \"\(text)\": \(error)")
        }
    }

    mutating func strings(_ key: String) throws(APIFailure) -> [String] {
        read.insert(key)
        guard let value = object[key], !(value is NSNull) else { return [] }
        if let text = value as? String { return [text] }
        guard let list = value as? [Any], let texts = list as? [String] else {
            throw .invalid("\(key): give a list of strings")
        }
        return texts
    }
}
