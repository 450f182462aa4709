import HearthCore
import HearthStore
import Logging
import NIOCore
import PostgresNIO

/// Runs portable statements on one postgres-nio connection.
struct PostgresExecutor: SQLExecutor {
    let connection: PostgresConnection
    let logger: Logger
    /// A read runs outside a transaction: a NOTIFY there would be sent at once, not at a commit.
    var reading = false
    var dialect: SQLDialect { PostgresEngine.dialect }

    func notify(_ channel: String) async throws {
        guard !reading else { throw HearthError.notificationInARead }
        _ = try await query("NOTIFY \(channel)", [])
    }

    func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
        var bindings = PostgresBindings(capacity: binds.count)
        for value in binds {
            switch value {
            case .null: bindings.appendNull()
            case .integer(let integer): bindings.append(integer)
            case .real(let real): bindings.append(real)
            case .text(let text): bindings.append(text)
            case .blob(let bytes): bindings.append(ByteBuffer(bytes: bytes))
            }
        }
        let query = PostgresQuery(unsafeSQL: Self.numberingPlaceholders(sql), binds: bindings)
        do {
            var rows: [SQLRow] = []
            for try await row in try await connection.query(query, logger: logger) {
                rows.append(try SQLRow(row))
            }
            return rows
        } catch let error as PSQLError {
            if let state = error.serverInfo?[.sqlState], state.hasPrefix("23") {
                // Class 23 is integrity constraint violation; the constraint name carries no value.
                let constraint = error.serverInfo?[.constraintName] ?? "a constraint"
                throw HearthError(.conflict, "constraint violated: \(constraint)")
            }
            throw error
        }
    }

    /// Rewrites `?` placeholders to PostgreSQL's `$1, $2, …`, leaving quoted text alone.
    static func numberingPlaceholders(_ sql: String) -> String {
        var output = ""
        output.reserveCapacity(sql.utf8.count + 8)
        var number = 0
        var quote: Character?
        for character in sql {
            if let open = quote {
                if character == open { quote = nil }
                output.append(character)
            } else if character == "'" || character == "\"" {
                quote = character
                output.append(character)
            } else if character == "?" {
                number += 1
                output += "$\(number)"
            } else {
                output.append(character)
            }
        }
        return output
    }
}

extension SQLRow {
    init(_ row: PostgresRow) throws {
        var values: [String: SQLValue] = [:]
        for cell in row {
            values[cell.columnName] = try SQLValue(cell)
        }
        self.init(values: values)
    }
}

extension SQLValue {
    init(_ cell: PostgresCell) throws {
        guard cell.bytes != nil else {
            self = .null
            return
        }
        switch cell.dataType {
        case .int2, .int4, .int8: self = .integer(try cell.decode(Int64.self))
        case .bool: self = .integer(try cell.decode(Bool.self) ? 1 : 0)
        case .float4, .float8: self = .real(try cell.decode(Double.self))
        case .text, .varchar, .name, .bpchar: self = .text(try cell.decode(String.self))
        case .bytea: self = .blob(Array(try cell.decode(ByteBuffer.self).readableBytesView))
        default:
            throw HearthError(.storageUnavailable, "column \(cell.columnName) has an unsupported type \(cell.dataType)")
        }
    }
}
