/// The plan being built: a mutable tree of paths, which `MinimizationPlan` flattens.
final class PlanDraft {
    final class PathNode {
        let path: [[UInt8]]
        var children: [PathNode] = []
        var operations: [MinimizationPlan.Operation] = []
        var node = MinimizationPlan.Node()

        init(path: [[UInt8]]) { self.path = path }

        func child(_ name: [UInt8]) -> PathNode {
            if let existing = children.first(where: { $0.path.last == name }) { return existing }
            let created = PathNode(path: path + [name])
            children.append(created)
            return created
        }
    }

    let root = PathNode(path: [])
    var operations: [MinimizationPlan.Operation] = []
    var redactions: [MinimizationPlan.Redaction] = []
    var aggregate: (window: Int64, fields: [AggregateField])?

    static func segments(_ path: String) -> [[UInt8]] {
        path.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false).map(Array.init)
    }

    @discardableResult func insert(_ path: String) -> PathNode {
        var node = root
        for segment in Self.segments(path) { node = node.child(segment) }
        return node
    }

    init(_ rules: [MinimizationRule]) {
        var kept: [[[[UInt8]]]] = []
        var dropped: [[[UInt8]]] = []
        // The value steps each node will run, in rule order: the path a step is for (nil: every
        // value, a redaction's tests) and the step.
        var steps: [(path: [[UInt8]]?, step: MinimizationPlan.Operation)] = []
        for rule in rules {
            switch rule {
            case .keep(let paths):
                kept.append(paths.map { insert($0).path })
            case .drop(let paths):
                dropped += paths.map { insert($0).path }
            case .round(let path, let step):
                if let step = DecimalStep(step) { steps.append((insert(path).path, .round(step))) }
            case .coarsen(let path, let period):
                steps.append((insert(path).path, .coarsen(seconds: max(1, period.components.seconds))))
            case .redact(let paths, let patterns, let builtin):
                dropped += paths.map { insert($0).path }
                // A pattern that does not compile (only possible for rules made in code) matches
                // everything: redaction fails closed.
                let compiled = patterns.map { SchemaPattern($0) ?? SchemaPattern(".")! }
                let redaction = MinimizationPlan.Redaction(detectors: builtin.reduce(0) { $0 | $1.bit }, patterns: compiled)
                if !redaction.isEmpty {
                    steps.append((nil, .redact(redactions.count + 1)))
                    redactions.append(redaction)
                }
            case .aggregate(let window, let fields):
                aggregate = (max(1, window.components.seconds), fields)
                for field in fields { insert(field.path) }
            }
        }
        settle(root, kept: kept, dropped: dropped, steps: steps)
    }

    /// Decides, for `node` and below, what survives and which steps run.
    private func settle(
        _ node: PathNode, kept: [[[[UInt8]]]], dropped: [[[UInt8]]],
        steps: [(path: [[UInt8]]?, step: MinimizationPlan.Operation)]
    ) {
        let path = node.path
        for paths in kept {
            let covered = paths.contains { $0.count <= path.count && Array(path.prefix($0.count)) == $0 }
            let leads = paths.contains { $0.count > path.count && Array($0.prefix(path.count)) == path }
            if !covered {
                node.node.dropsUnnamed = true
                if leads { node.node.containerOnly = true } else { node.node.removed = true }
            }
        }
        if !path.isEmpty, dropped.contains(path) { node.node.removed = true }
        let mine = steps.filter { $0.path == nil || $0.path! == path }
        if mine.contains(where: { $0.path != nil }) { node.operations = mine.map(\.step) }
        for child in node.children { settle(child, kept: kept, dropped: dropped, steps: steps) }
    }

    /// Breadth first, so that each node's children are contiguous.
    func flatten(into nodes: inout [MinimizationPlan.Node], names: inout [UInt8]) {
        var queue = [root]
        var head = 0
        while head < queue.count {
            let draft = queue[head]
            head += 1
            if let name = draft.path.last {
                draft.node.nameStart = Int32(names.count)
                draft.node.nameCount = Int32(name.count)
                draft.node.fingerprint = name.withUnsafeBufferPointer { JSONStrings.fingerprint($0) }
                names += name
            }
            draft.node.firstChild = Int32(queue.count)
            draft.node.childCount = Int32(draft.children.count)
            for child in draft.children {
                let fingerprint = child.path.last!.withUnsafeBufferPointer { JSONStrings.fingerprint($0) }
                draft.node.childFingerprints |= 1 << UInt64(fingerprint & 63)
            }
            draft.node.firstOperation = Int32(operations.count)
            draft.node.operationCount = Int32(draft.operations.count)
            operations += draft.operations
            queue += draft.children
            nodes.append(draft.node)
        }
    }
}
