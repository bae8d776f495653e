/// What a CSV file holds, and its columns.
public enum ImportKind: String, Sendable, Hashable, CaseIterable {
    case enterprises
    case providers
    case products
    case claims
    case uses
    case redemptions

    /// Columns every file of this kind has, in the order the documentation lists them.
    public var requiredColumns: [String] {
        switch self {
        case .enterprises: ["id", "name", "kind", "district", "region", "group"]
        case .providers: ["id", "name", "region"]
        case .products: ["code", "provider_id", "name", "category", "list_price"]
        case .claims: ["ref", "applicant_id", "programme", "year", "requested", "decision", "granted", "decided_on"]
        case .uses:
            ["ref", "applicant_id", "provider_id", "product_code", "programme", "service_amount", "used_on", "project"]
        case .redemptions: ["ref", "use_ref", "outcome", "amount", "paid_on", "reason"]
        }
    }

    /// The column that names what a row records: a file holds one row for each (a redemption
    /// claim, one row for each of its uses).
    public var keyColumn: String {
        switch self {
        case .enterprises, .providers: "id"
        case .products: "code"
        case .claims, .uses, .redemptions: "ref"
        }
    }

    /// Columns a file may add that the import reads; other columns are ignored and named in the summary.
    public var optionalColumns: [String] {
        switch self {
        case .enterprises: ["override_reason", "override_by", "attributes"]
        case .providers: ["override_reason", "override_by"]
        case .products: []
        case .claims: ["claimed_on", "level", "reviewer", "reason", "grant_reason", "project", "paid"]
        case .uses: ["eligible_amount", "tax_amount", "invoice"]
        case .redemptions: ["filed_on"]
        }
    }
}
