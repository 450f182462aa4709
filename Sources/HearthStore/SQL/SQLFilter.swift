/// The WHERE clause of a search built from optional filters, with its bound values in order.
/// Conditions are fixed SQL written by the caller; only values are bound.
struct SQLFilter {
    private var conditions: [String] = []
    private(set) var binds: [SQLValue] = []

    /// Adds `condition` (with one `?`) when `value` is present.
    mutating func add(_ condition: String, _ value: SQLValue?) {
        guard let value else { return }
        conditions.append(condition)
        binds.append(value)
    }

    /// Adds `condition` with several `?`, in order.
    mutating func add(_ condition: String, _ values: [SQLValue]) {
        conditions.append(condition)
        binds += values
    }

    /// `WHERE a AND b`, or nothing without conditions.
    var clause: String { conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ") }
}
