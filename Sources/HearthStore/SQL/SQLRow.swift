import struct Foundation.Date
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

    public func optionalText(_ column: String) throws -> String? { self[column] == .null ? nil : try text(column) }

    public func optionalInteger(_ column: String) throws -> Int64? {
        self[column] == .null ? nil : try integer(column)
    }

    public func date(_ column: String) throws -> Date { Date(unixMilliseconds: try integer(column)) }

    public func optionalDate(_ column: String) throws -> Date? {
        try optionalInteger(column).map(Date.init(unixMilliseconds:))
    }

    public func blob(_ column: String) throws -> [UInt8] {
        guard case .blob(let value) = self[column] else { throw mismatch(column, "blob") }
        return value
    }

    public func optionalBlob(_ column: String) throws -> [UInt8]? { self[column] == .null ? nil : try blob(column) }

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
