import HearthCore
import HearthStore
// sqlite-nio's vendored SQLite, through its C module: sqlite-nio itself prepares every statement
// anew and hops threads twice per statement and once per row, which was a quarter of the hub's
// CPU on a token request. Same library, same build options, used directly.
import VaporCSQLite

/// One compiled statement, kept by its connection's cache and reset after each use.
///
/// Not Sendable: it lives inside `SQLiteDatabase`'s lock and is used only there.
final class PreparedStatement {
    private let handle: OpaquePointer
    /// Column names, read again only when SQLite has compiled the statement anew (after a
    /// schema change, whose result may name its columns differently).
    private var columnNames: [String] = []
    private var namesCompilation: Int32 = -1

    init(_ sql: String, on db: OpaquePointer) throws {
        var handle: OpaquePointer?
        let status = sqlite_nio_sqlite3_prepare_v3(db, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &handle, nil)
        guard status == SQLITE_OK, let handle else {
            if let handle { sqlite_nio_sqlite3_finalize(handle) }
            throw SQLiteDatabase.failure(status, db)
        }
        self.handle = handle
    }

    deinit { sqlite_nio_sqlite3_finalize(handle) }

    /// Binds, steps to the end and resets; the rows by column name.
    func run(_ binds: [SQLValue], on db: OpaquePointer) throws -> [SQLRow] {
        defer {
            sqlite_nio_sqlite3_reset(handle)
            sqlite_nio_sqlite3_clear_bindings(handle)
        }
        for (index, value) in binds.enumerated() {
            let status = bind(value, at: Int32(index + 1))
            guard status == SQLITE_OK else { throw SQLiteDatabase.failure(status, db) }
        }
        var rows: [SQLRow] = []
        var names: [String]?
        while true {
            let status = sqlite_nio_sqlite3_step(handle)
            if status == SQLITE_DONE { return rows }
            guard status == SQLITE_ROW else { throw SQLiteDatabase.failure(status, db) }
            // Once per run: a statement is compiled anew only at the start of a step sequence.
            let current = names ?? columns()
            names = current
            rows.append(row(current))
        }
    }

    private func bind(_ value: SQLValue, at index: Int32) -> Int32 {
        switch value {
        case .null:
            return sqlite_nio_sqlite3_bind_null(handle, index)
        case .integer(let value):
            return sqlite_nio_sqlite3_bind_int64(handle, index, value)
        case .real(let value):
            return sqlite_nio_sqlite3_bind_double(handle, index, value)
        case .text(let value) where value.isEmpty:
            // Empty text, not NULL: SQLite needs a pointer even for no bytes.
            return sqlite_nio_sqlite3_bind_text64(handle, index, "", 0, Self.transient, UInt8(SQLITE_UTF8))
        case .text(let value):
            var value = value
            return value.withUTF8 { bytes in
                bytes.withMemoryRebound(to: CChar.self) {
                    sqlite_nio_sqlite3_bind_text64(handle, index, $0.baseAddress, UInt64($0.count), Self.transient, UInt8(SQLITE_UTF8))
                }
            }
        case .blob(let value) where value.isEmpty:
            return sqlite_nio_sqlite3_bind_zeroblob(handle, index, 0)
        case .blob(let value):
            return value.withUnsafeBytes {
                sqlite_nio_sqlite3_bind_blob64(handle, index, $0.baseAddress, UInt64($0.count), Self.transient)
            }
        }
    }

    private func columns() -> [String] {
        let compilation = sqlite_nio_sqlite3_stmt_status(handle, SQLITE_STMTSTATUS_REPREPARE, 0)
        if compilation != namesCompilation {
            let count = sqlite_nio_sqlite3_column_count(handle)
            columnNames = (0..<count).map { String(cString: sqlite_nio_sqlite3_column_name(handle, $0)) }
            namesCompilation = compilation
        }
        return columnNames
    }

    private func row(_ names: [String]) -> SQLRow {
        var values: [String: SQLValue] = Dictionary(minimumCapacity: names.count)
        for (index, name) in names.enumerated() {
            let column = Int32(index)
            values[name] = switch sqlite_nio_sqlite3_column_type(handle, column) {
            case SQLITE_INTEGER: .integer(sqlite_nio_sqlite3_column_int64(handle, column))
            case SQLITE_FLOAT: .real(sqlite_nio_sqlite3_column_double(handle, column))
            case SQLITE_TEXT: .text(text(column))
            case SQLITE_BLOB: .blob(blob(column))
            default: .null
            }
        }
        return SQLRow(values: values)
    }

    private func text(_ column: Int32) -> String {
        guard let bytes = sqlite_nio_sqlite3_column_text(handle, column) else { return "" }
        let count = Int(sqlite_nio_sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    }

    private func blob(_ column: Int32) -> [UInt8] {
        // column_blob before column_bytes: the documented order that avoids a conversion.
        guard let bytes = sqlite_nio_sqlite3_column_blob(handle, column) else { return [] }
        let count = Int(sqlite_nio_sqlite3_column_bytes(handle, column))
        return Array(UnsafeRawBufferPointer(start: bytes, count: count))
    }

    /// SQLite copies bound values before the bind call returns.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
}
