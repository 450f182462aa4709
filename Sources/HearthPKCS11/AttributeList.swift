import CPKCS11

/// A PKCS#11 attribute template whose values it owns, so the pointers in it stay valid for the
/// call that reads them.
final class AttributeList {
    private var entries: [(type: hp11_ulong, value: [UInt8])] = []

    func add(_ type: hp11_ulong, _ value: [UInt8]) { entries.append((type, value)) }
    func add(_ type: hp11_ulong, _ value: Bool) { entries.append((type, [value ? 1 : 0])) }
    func add(_ type: hp11_ulong, _ value: hp11_ulong) {
        entries.append((type, withUnsafeBytes(of: value) { Array($0) }))
    }

    func withAttributes<Result>(_ body: (UnsafeMutablePointer<HP11Attribute>, hp11_ulong) throws -> Result) throws -> Result {
        let buffers = entries.map { entry -> UnsafeMutableRawBufferPointer in
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(entry.value.count, 1), alignment: 8)
            buffer.copyBytes(from: entry.value)
            return buffer
        }
        defer { buffers.forEach { $0.deallocate() } }
        var attributes = zip(entries, buffers).map { entry, buffer in
            HP11Attribute(type: entry.type, value: buffer.baseAddress, length: hp11_ulong(entry.value.count))
        }
        return try attributes.withUnsafeMutableBufferPointer { try body($0.baseAddress!, hp11_ulong($0.count)) }
    }
}
