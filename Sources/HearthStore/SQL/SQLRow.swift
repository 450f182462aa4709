import HearthCore

/// One result row, by column name. Accessors throw a typed error naming the column rather than
/// trapping, so a schema drift shows up as a clear message.
public struct SQLRow: Sendable {
    public let values: [String: SQLValue]

    public init(values: [String: SQLValue]) { self.values = values }

    public subscript(column: String) -> SQLValue { values[column] ?? .null }

    public func text(_ column: String) throws -> String {
        guard case .text(let value) = self[column] else { throw mismatch(column, "text") }
        return value
    }

    public func integer(_ column: String) throws -> Int64 {
        guard case .integer(let value) = self[column] else { throw mismatch(column, "integer") }
        return value
    }

    public func bool(_ column: String) throws -> Bool { try integer(column) != 0 }

    public func blob(_ column: String) throws -> [UInt8] {
        guard case .blob(let value) = self[column] else { throw mismatch(column, "blob") }
        return value
    }

    private func mismatch(_ column: String, _ expected: String) -> HearthError {
        HearthError(.storageUnavailable, "column \(column) is not \(expected) (\(self[column].kind))")
    }
}

extension SQLValue {
    var kind: String {
        switch self {
        case .null: "null"
        case .integer: "integer"
        case .real: "real"
        case .text: "text"
        case .blob: "blob"
        }
    }
}
