/// A compiled `aggregate` rule: the window length and each field's path through the plan.
final class AggregateSpec: Sendable {
    struct Field: Sendable {
        /// The field's path as written: its member name in the emitted object.
        let name: [UInt8]
        let function: AggregateFunction
        /// Plan node indices from the root's child down to the field.
        let path: [Int32]
    }

    let window: Int64
    let fields: [Field]

    init(window: Int64, fields: [Field]) {
        self.window = window
        self.fields = fields
    }
}

extension Minimizer {
    /// A field's value as minimization leaves it (transformed; nil when absent or removed).
    static func field(_ field: AggregateSpec.Field, of view: JSONView, plan: MinimizationPlan) -> [UInt8]? {
        guard view[0].kind == .object else { return nil }
        var object = 0
        for (depth, node) in field.path.enumerated() {
            let described = plan.nodes[Int(node)]
            let name = UnsafeBufferPointer(start: plan.names.baseAddress! + Int(described.nameStart), count: Int(described.nameCount))
            guard let member = view.members(of: object).first(where: { view.string(at: $0.key, equals: name) }),
                !described.removed
            else { return nil }
            if depth == field.path.count - 1 {
                var kept = true
                let bytes = [UInt8](unsafeUninitializedCapacity: view.text(of: member.value).count + ByteSink.transformAllowance) {
                    buffer, count in
                    var minimizer = Minimizer(plan: plan, view: view, output: buffer.baseAddress!)
                    kept = minimizer.value(node: node, at: member.value)
                    count = minimizer.sink.count
                }
                return kept ? bytes : nil
            }
            guard view[member.value].kind == .object else { return nil }
            object = member.value
        }
        return nil
    }
}
