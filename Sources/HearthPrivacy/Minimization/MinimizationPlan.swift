/// A flow's rules compiled into one pass over a payload: a tree of the member paths the rules
/// name, each node saying whether its value survives and what is done to it.
///
/// Rules are declared in order, but only the value-dependent steps need to happen in order: a
/// path dropped or not kept is gone whatever else happens, so removals by path are settled here,
/// once; transforms (`round`, `coarsen`) and value redactions are kept as a per-node list in rule
/// order, because a coarsened timestamp may no longer match a redaction pattern (or newly
/// match one). Members that no rule names only go through the value redactions, all at once.
final class MinimizationPlan: @unchecked Sendable {
    /// One named path. Children are contiguous in `nodes`.
    struct Node {
        var nameStart: Int32 = 0
        var nameCount: Int32 = 0
        /// `JSONStrings.fingerprint` of the name.
        var fingerprint: UInt16 = 0
        var firstChild: Int32 = 0
        var childCount: Int32 = 0
        /// A bit per child, by its fingerprint's low six bits: most names are no child, seen at once.
        var childFingerprints: UInt64 = 0
        /// Dropped (by `drop`, a redaction path, or a `keep` that neither covers nor leads to it).
        var removed = false
        /// Only an object survives here: the path leads to kept paths but is not kept itself.
        var containerOnly = false
        /// Members not named by any rule are dropped here (a `keep` is in force).
        var dropsUnnamed = false
        var firstOperation: Int32 = 0
        var operationCount: Int32 = 0
    }

    /// Plain values, kept in a buffer the hot path reads without reference counting.
    enum Operation {
        case round(DecimalStep)
        case coarsen(seconds: Int64)
        /// A redaction's tests, by its index in `detectorSets` and `patternSets`.
        case redact(Int)
    }

    /// One `redact` rule's value tests: built-in detectors as `RedactionDetector.bit`s, and
    /// patterns.
    struct Redaction {
        var detectors: UInt8 = 0
        var patterns: [SchemaPattern] = []

        var isEmpty: Bool { detectors == 0 && patterns.isEmpty }
    }

    /// Written only by `init`, read through plain pointers by the hot path (`@unchecked Sendable`).
    let nodes: UnsafeMutableBufferPointer<Node>
    let names: UnsafeMutableBufferPointer<UInt8>
    let operations: UnsafeMutableBufferPointer<Operation>
    /// Value redactions' tests, by index: 0 is every redaction's together (for values no
    /// transform touches), 1… each `redact` rule's. Built-in detectors as `RedactionDetector.bit`s.
    let detectorSets: UnsafeMutableBufferPointer<UInt8>
    /// Patterns, read only when `hasPatterns` says there are some (regular expressions are of a
    /// resilient type, which the hot functions are kept from touching).
    let patternSets: [[SchemaPattern]]
    let hasPatterns: UnsafeMutableBufferPointer<Bool>
    let aggregate: AggregateSpec?
    /// No rule at all: the payload goes on as it came.
    let isEmpty: Bool
    /// Nodes with transforms: each adds at most `ByteSink.transformAllowance` bytes to a payload.
    let transformedNodes: Int

    init(_ rules: [MinimizationRule]) {
        let draft = PlanDraft(rules)
        var nodes: [Node] = []
        var names: [UInt8] = []
        draft.flatten(into: &nodes, names: &names)
        self.nodes = .allocate(capacity: nodes.count)
        _ = self.nodes.initialize(from: nodes)
        // Padded: see `JSONView.string(at:equalsPadded:count:)`.
        self.names = .allocate(capacity: names.count + 8)
        _ = self.names.initialize(from: names + Array(repeating: 0, count: 8))
        operations = .allocate(capacity: max(draft.operations.count, 1))
        _ = operations.initialize(from: draft.operations)
        let detectorSets = [draft.redactions.reduce(0) { $0 | $1.detectors }] + draft.redactions.map(\.detectors)
        self.detectorSets = .allocate(capacity: detectorSets.count)
        _ = self.detectorSets.initialize(from: detectorSets)
        patternSets = [draft.redactions.flatMap(\.patterns)] + draft.redactions.map(\.patterns)
        hasPatterns = .allocate(capacity: patternSets.count)
        _ = hasPatterns.initialize(from: patternSets.map { !$0.isEmpty })
        transformedNodes = nodes.filter { $0.operationCount > 0 }.count
        isEmpty = rules.isEmpty
        aggregate = draft.aggregate.map { window, fields in
            AggregateSpec(window: window, fields: fields.map { field in
                // Each field's path as node indices, root excluded.
                var path: [Int32] = []
                var node: Int32 = 0
                for segment in PlanDraft.segments(field.path) {
                    node = Self.child(of: nodes[Int(node)], named: segment, nodes: nodes, names: names)!
                    path.append(node)
                }
                return AggregateSpec.Field(name: Array(field.path.utf8), function: field.function, path: path)
            })
        }
    }

    deinit {
        nodes.deallocate()
        names.deallocate()
        operations.deallocate()
        detectorSets.deallocate()
        hasPatterns.deallocate()
    }

    /// Whether any value redaction is declared.
    var redactsValues: Bool { detectorSets[0] != 0 || hasPatterns[0] }

    /// The most bytes a payload of `count` bytes can become.
    func outputBound(_ count: Int) -> Int { count + transformedNodes * ByteSink.transformAllowance + 8 }

    /// The child of `parent` named `name` (UTF-8), or nil: for compiling (the hot path asks
    /// `child(of:named:in:)`), over the nodes and names before or after they are frozen.
    static func child<Nodes: RandomAccessCollection<Node>, Names: RandomAccessCollection<UInt8>>(
        of parent: Node, named name: some Sequence<UInt8>, nodes: Nodes, names: Names
    ) -> Int32? where Nodes.Index == Int, Names.Index == Int {
        (parent.firstChild..<parent.firstChild + parent.childCount).first { child in
            let named = nodes[Int(child)]
            return names[Int(named.nameStart)..<Int(named.nameStart + named.nameCount)].elementsEqual(name)
        }
    }

    /// The child of `node` named by the key token at `key`, or -1.
    @inline(__always) func child(of node: Node, named key: Int, in view: JSONView) -> Int32 {
        let fingerprint = view[key].fingerprint
        guard node.childFingerprints & (1 << UInt64(fingerprint & 63)) != 0 else { return -1 }
        var child = nodes.baseAddress! + Int(node.firstChild)
        let end = child + Int(node.childCount)
        while child < end {
            if child.pointee.fingerprint == fingerprint,
                view.string(at: key, equalsPadded: names.baseAddress! + Int(child.pointee.nameStart), count: Int(child.pointee.nameCount))
            {
                return Int32(child - nodes.baseAddress!)
            }
            child += 1
        }
        return -1
    }
}
