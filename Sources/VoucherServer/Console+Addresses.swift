import Foundation
import Hummingbird

/// Where the console sends a user back to: a form's home page, and the page a form (the language
/// switch) was sent from, held to the console's own pages.
extension Console {
    /// A form's home page (``formHomes``), its `{ref}` filled with the address's reference as the
    /// address names it (decoded once), encoded again for a query.
    static func home(_ home: String, ref: String?) -> String {
        let allowed = CharacterSet.urlQueryAllowed.subtracting(["&", "=", "+", "#"])
        let query = ref?.addingPercentEncoding(withAllowedCharacters: allowed)
        return home.replacingOccurrences(of: "{ref}", with: query ?? "")
    }

    /// The console page a form was sent from (its `Referer`), to show again: only the path and
    /// query of a page the console answers to GET, or the page of a form whose answer was shown,
    /// so that no other site or action is reached; else the home page. A form's answer that knows
    /// its page better (a work queue's page, which its address does not say) gives it as `back`,
    /// held to the same.
    static func pageShownBefore(_ request: Request, back: String? = nil) -> String {
        if let back, back.hasPrefix("/console"), URLComponents(string: back) != nil {
            let shown = pageShownBefore(address: back)
            if shown != "/console" { return shown }
        }
        return pageShownBefore(address: request.headers[.referer])
    }

    private static func pageShownBefore(address: String?) -> String {
        guard let address, let url = URLComponents(string: address) else {
            return "/console"
        }
        let path = url.percentEncodedPath
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        func matches(_ path: String) -> Bool {
            let pattern = path.split(separator: "/", omittingEmptySubsequences: false)
            return pattern.count == segments.count
                && zip(pattern, segments).allSatisfy { $0 == $1 || ($0.hasPrefix("{") && !$1.isEmpty) }
        }
        // The answer to a form sent to its own address (a decision, a filing): the form's page.
        if let form = formHomes.first(where: { matches($0.path) }) {
            let pattern = form.path.split(separator: "/", omittingEmptySubsequences: false)
            let ref = zip(pattern, segments).first { $0.0 == "{ref}" }.map { String($0.1) }?.removingPercentEncoding
            return home(form.home, ref: ref)
        }
        guard pages.contains(where: { $0.method == "GET" && $0.path != "/console/login" && matches($0.path) }) else {
            return "/console"
        }
        return path + (url.percentEncodedQuery.map { "?" + $0 } ?? "")
    }
}
