import HearthCore
import HearthStore
import NIOCore
import SQLiteNIO

/// Runs portable statements on one sqlite-nio connection.
struct SQLiteExecutor: SQLExecutor {
    let connection: SQLiteConnection
    var dialect: SQLDialect { SQLiteEngine.dialect }

    func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
        do {
            return try await connection.query(sql, binds.map(\.sqliteData)).map(SQLRow.init)
        } catch let error as SQLiteError where error.isConstraintViolation {
            // The driver's message names the table and column, never a bound value.
            throw HearthError(.conflict, "constraint violated: \(error.message)")
        }
    }
}

extension SQLValue {
    var sqliteData: SQLiteData {
        switch self {
        case .null: .null
        case .integer(let value): .integer(SQLiteInt64(value))
        case .real(let value): .float(value)
        case .text(let value): .text(value)
        case .blob(let value): .blob(ByteBuffer(bytes: value))
        }
    }
}

extension SQLRow {
    init(_ row: SQLiteRow) {
        var values: [String: SQLValue] = [:]
        for column in row.columns {
            values[column.name] = switch column.data {
            case .null: .null
            case .integer(let value): .integer(Int64(value))
            case .float(let value): .real(value)
            case .text(let value): .text(value)
            case .blob(let buffer): .blob(Array(buffer.readableBytesView))
            }
        }
        self.init(values: values)
    }
}

extension SQLiteError {
    var isConstraintViolation: Bool {
        switch reason {
        case .constraint, .constraintCheckFailed, .constraintForeignKeyFailed, .constraintNotNullFailed,
             .constraintPrimaryKeyFailed, .constraintUniqueFailed, .constraintUniqueRowIDFailed:
            true
        default:
            false
        }
    }
}
