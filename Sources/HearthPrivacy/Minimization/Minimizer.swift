/// Writes one payload through a `MinimizationPlan`: the hot path.
///
/// Output goes straight into memory sized in advance (`MinimizationPlan.outputBound`). A member is
/// written speculatively and cut back off if its value turns out to be removed (a redaction found
/// in it), so nothing is buffered; values no rule touches are copied as they came, escapes and
/// whitespace inside them included.
struct Minimizer {
    let plan: MinimizationPlan
    let view: JSONView
    var sink: ByteSink
    /// Whether any redaction tests values: if not, unnamed values are copied without a look.
    let redactsValues: Bool

    init(plan: MinimizationPlan, view: JSONView, output: UnsafeMutablePointer<UInt8>) {
        self.plan = plan
        self.view = view
        sink = ByteSink(output)
        redactsValues = plan.redactsValues
    }

    /// The whole payload. A payload removed as a whole (a top-level string redacted, a scalar where
    /// `keep` needs an object) is written as `null`.
    mutating func document() {
        if !value(node: 0, at: 0) { sink.bytes("null") }
    }

    /// Writes the value at `index`, found at the path of `node` (-1: a path no rule names); false,
    /// with nothing written, when it is removed.
    mutating func value(node: Int32, at index: Int) -> Bool {
        guard node >= 0 else { return unnamed(at: index) }
        let described = plan.nodes[Int(node)]
        let kind = view[index].kind
        if described.containerOnly, kind != .object { return false }
        if described.operationCount > 0 { return transformed(described, at: index) }
        if kind == .object {
            object(described, at: index)
            return true
        }
        return unnamed(at: index)
    }

    /// A value that no path rule names: only value redactions apply, at any depth.
    mutating func unnamed(at index: Int) -> Bool {
        guard redactsValues else {
            sink.bytes(view.text(of: index))
            return true
        }
        switch view[index].kind {
        case .string:
            if isRedacted(stringAt: index, by: 0) { return false }
            sink.bytes(view.text(of: index))
        case .object: object(nil, at: index)
        case .array: array(at: index)
        default: sink.bytes(view.text(of: index))
        }
        return true
    }

    /// Members that stay as they are are copied in runs, straight from the payload (with the
    /// separators and whitespace between them); only a member that goes, or changes, breaks a run.
    mutating func object(_ node: MinimizationPlan.Node?, at index: Int) {
        sink.byte(UInt8(ascii: "{"))
        var written = false
        var run: (start: Int, end: Int)?
        for (key, value) in view.members(of: index) {
            var child: Int32 = -1
            if let node, node.childCount > 0 || node.dropsUnnamed {
                child = plan.child(of: node, named: key, in: view)
                if child < 0 ? node.dropsUnnamed : plan.nodes[Int(child)].removed {
                    flush(&run)
                    continue
                }
            }
            if child < 0 {
                switch look(at: value) {
                case .removed:
                    flush(&run)
                    continue
                case .walk: break
                case .plain:
                    if run == nil {
                        if written { sink.byte(UInt8(ascii: ",")) }
                        run = (Int(view[key].start), 0)
                    }
                    run!.end = Int(view[value].end)
                    written = true
                    continue
                }
            }
            flush(&run)
            let mark = sink.count
            if written { sink.byte(UInt8(ascii: ",")) }
            // The name, the colon and any whitespace around it, as they came.
            sink.bytes(UnsafeBufferPointer(start: view.base + Int(view[key].start), count: Int(view[value].start - view[key].start)))
            if self.value(node: child, at: value) {
                written = true
            } else {
                sink.truncate(to: mark)
            }
        }
        flush(&run)
        sink.byte(UInt8(ascii: "}"))
    }

    @inline(__always) mutating func flush(_ run: inout (start: Int, end: Int)?) {
        guard let pending = run else { return }
        sink.bytes(UnsafeBufferPointer(start: view.base + pending.start, count: pending.end - pending.start))
        run = nil
    }

    enum Look { case plain, removed, walk }

    /// What becomes of a value no path rule names: it goes out exactly as it came (a scalar, a
    /// string no redaction matches, anything when no redaction looks at values), it is removed
    /// (a string a redaction matches), or its insides must be walked (a container).
    @inline(__always) func look(at index: Int) -> Look {
        guard redactsValues else { return .plain }
        switch view[index].kind {
        case .string: return isRedacted(stringAt: index, by: 0) ? .removed : .plain
        case .object, .array: return .walk
        default: return .plain
        }
    }

    mutating func array(at index: Int) {
        sink.byte(UInt8(ascii: "["))
        var first = true
        for element in view.elements(of: index) {
            let mark = sink.count
            if !first { sink.byte(UInt8(ascii: ",")) }
            if unnamed(at: element) {
                first = false
            } else {
                sink.truncate(to: mark)
            }
        }
        sink.byte(UInt8(ascii: "]"))
    }

    // MARK: redaction

    /// Whether the string at `index` matches the redaction set `set` (see `detectorSets`).
    @inline(__always) func isRedacted(stringAt index: Int, by set: Int) -> Bool {
        let token = view[index]
        if token.isVerbatimString {
            return Self.matches(JSONStrings.content(view.base, token), set, plan)
        }
        return view.stringBytes(at: index).withUnsafeBufferPointer { Self.matches($0, set, plan) }
    }

    @inline(__always) static func matches(_ text: UnsafeBufferPointer<UInt8>, _ set: Int, _ plan: MinimizationPlan) -> Bool {
        let detectors = plan.detectorSets[set]
        if detectors != 0, RedactionDetector.isFound(detectors, in: text) { return true }
        return plan.hasPatterns[set] && patternsMatch(text, plan.patternSets[set])
    }

    @inline(never) static func patternsMatch(_ text: UnsafeBufferPointer<UInt8>, _ patterns: [SchemaPattern]) -> Bool {
        let string = String(decoding: text, as: UTF8.self)
        for pattern in patterns where pattern.isFound(in: string) { return true }
        return false
    }
}
