/// A compiled schema: its nodes (the root first) and the pools they index into.
///
/// Kept in buffers allocated once and never changed, so the validator reads them through plain
/// pointers (no reference counting, no copy-on-write checks on the hot path). `@unchecked
/// Sendable` because nothing is written after `init`.
final class SchemaProgram: @unchecked Sendable {
    let nodes: UnsafeMutableBufferPointer<SchemaNode>
    let properties: UnsafeMutableBufferPointer<SchemaProperty>
    /// Property and required names' UTF-8, back to back.
    let names: UnsafeMutableBufferPointer<UInt8>
    /// Required names not found by `requiredMask`, as (start, count) in `names`.
    let requiredNames: UnsafeMutableBufferPointer<SchemaProperty>
    /// The nodes' property tables.
    let slots: UnsafeMutableBufferPointer<Int32>
    let patterns: [SchemaPattern]
    let constants: [JSONConstant]

    init(
        nodes: [SchemaNode], properties: [SchemaProperty], names: [UInt8], requiredNames: [SchemaProperty],
        slots: [Int32], patterns: [SchemaPattern], constants: [JSONConstant]
    ) {
        self.slots = Self.frozen(slots)
        self.nodes = Self.frozen(nodes)
        self.properties = Self.frozen(properties)
        self.names = Self.frozen(names + Array(repeating: 0, count: 8))  // padded: see `string(at:equalsPadded:count:)`
        self.requiredNames = Self.frozen(requiredNames)
        self.patterns = patterns
        self.constants = constants
    }

    deinit {
        nodes.deallocate()
        properties.deallocate()
        names.deallocate()
        requiredNames.deallocate()
        slots.deallocate()
    }

    /// Plain values only, so nothing needs deinitializing.
    private static func frozen<Element>(_ values: [Element]) -> UnsafeMutableBufferPointer<Element> {
        let buffer = UnsafeMutableBufferPointer<Element>.allocate(capacity: max(values.count, 1))
        _ = buffer.initialize(from: values)
        return buffer
    }

    func name(_ reference: SchemaProperty) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: names.baseAddress! + Int(reference.nameStart), count: Int(reference.nameCount))
    }

    /// The offset (within its node's properties) of the property named by the member name at
    /// `key`, or -1.
    @inline(__always) func property(of node: UnsafePointer<SchemaNode>, named key: Int, in view: JSONView) -> Int {
        let node = node.pointee
        let fingerprint = view[key].fingerprint
        var slot = Int(fingerprint) & Int(node.tableMask)
        while true {
            let entry = Int(slots[Int(node.firstSlot) + slot])
            if entry == 0 { return -1 }
            let property = properties[Int(node.firstProperty) + entry - 1]
            if property.fingerprint == fingerprint, isNamed(property, by: key, in: view) { return entry - 1 }
            slot = (slot + 1) & Int(node.tableMask)
        }
    }

    /// Whether the member name at `key` is the property's name.
    @inline(__always) func isNamed(_ property: SchemaProperty, by key: Int, in view: JSONView) -> Bool {
        view.string(at: key, equalsPadded: names.baseAddress! + Int(property.nameStart), count: Int(property.nameCount))
    }

    func nameString(_ reference: SchemaProperty) -> String { String(decoding: name(reference), as: UTF8.self) }
}
