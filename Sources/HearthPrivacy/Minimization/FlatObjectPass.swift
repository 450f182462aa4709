/// The hot path's one pass for the payload most devices send: one object whose members the
/// schema all declares, each a string, a number or a literal. Member by member it is scanned,
/// checked against its schema and minimized — the parser's, the validator's and the minimizer's
/// own steps on each value, so only their three walks over the payload become one, and each
/// member's name is looked up once instead of in each walk.
///
/// It decides only what it is sure of. Anything else — a syntax error, a failed check, a member
/// that is a container, undeclared or named twice, a required one missing — sends the payload to
/// the general path (`FlowPipeline.generally`), which decides it, and words any refusal,
/// as it always has; `FlatObjectPassTests` holds the two to the same output.
///
/// Each member's name is first compared with the declared property the same position named in
/// the device's last payload (`MemberOrder`, which the caller keeps per connection): devices send
/// their members in the same order every time, and one comparison is cheaper than a lookup.
///
/// `@unchecked Sendable`: `actions` is written only by `init`.
package final class FlatObjectPass: @unchecked Sendable {
    let program: SchemaProgram
    let plan: MinimizationPlan
    /// What minimization does to each of the root's declared properties, by offset.
    let actions: UnsafeMutableBufferPointer<Action>

    enum Action {
        /// The member goes (dropped, or not kept).
        case removed
        /// No rule names it: it is copied as it came unless a value redaction finds something in
        /// it, in runs with its unchanged neighbours (`Minimizer.object`'s runs).
        case unnamed
        /// A rule names it: written through the plan's node.
        case named(Int32)
    }

    /// Nil when the flow's schema or rules need more than a flat object: an aggregate, a root that
    /// is not simply an object with declared properties, a rule on the root itself.
    init?(program: SchemaProgram, plan: MinimizationPlan) {
        let root = program.nodes[0]
        guard plan.aggregate == nil, !root.rejectsEverything, root.types == 0 || root.types & SchemaType.object != 0,
            root.constant < 0, root.firstEnumValue < 0, root.requiredNameCount == 0, root.propertyCount > 0,
            root.propertyCount <= 64, plan.nodes[0].operationCount == 0
        else { return nil }
        self.program = program
        self.plan = plan
        let planRoot = plan.nodes[0]
        actions = .allocate(capacity: Int(root.propertyCount))
        for offset in 0..<Int(root.propertyCount) {
            let name = program.name(program.properties[Int(root.firstProperty) + offset])
            let child = MinimizationPlan.child(of: planRoot, named: name, nodes: plan.nodes, names: plan.names)
            let action: Action = switch child {
            case nil: planRoot.dropsUnnamed ? .removed : .unnamed
            case let child?: plan.nodes[Int(child)].removed ? .removed : .named(child)
            }
            (actions.baseAddress! + offset).initialize(to: action)
        }
    }

    deinit { actions.deallocate() }

    /// Scans, checks and minimizes `payload` into `output`, which has room for
    /// `plan.outputBound(payload.count)` bytes. The bytes written, or nil when the payload is not
    /// one this pass decides (what it wrote is then garbage). Without rules it only checks: 0
    /// bytes are written, and the payload goes on as it came.
    func pass(_ payload: UnsafeRawBufferPointer, order: inout MemberOrder, into output: UnsafeMutablePointer<UInt8>) -> Int? {
        guard let base = payload.baseAddress?.assumingMemoryBound(to: UInt8.self), payload.count > 0 else { return nil }
        // Two tokens, reused by every member: its name (0) and its value (1).
        return withUnsafeTemporaryAllocation(of: JSONToken.self, capacity: 2) { tokens in
            var scanner = JSONScanner(base: base, count: payload.count, tokens: tokens.baseAddress!, capacity: 2)
            do {
                return try object(&scanner, JSONView(bytes: payload, tokens: UnsafeBufferPointer(tokens)), order: &order, output)
            } catch {
                return nil
            }
        }
    }

    /// The state lives in locals, not in a struct passed around: the compiler then sees that the
    /// program and the plan stay put, and counts no references per member.
    private func object(
        _ scanner: inout JSONScanner, _ view: JSONView, order: inout MemberOrder, _ output: UnsafeMutablePointer<UInt8>
    ) throws(JSONSyntaxError) -> Int? {
        let program = program
        let root = UnsafePointer(program.nodes.baseAddress!)
        let minimizes = !plan.isEmpty
        var validator = SchemaValidator(program: program, view: view)
        var minimizer = Minimizer(plan: plan, view: view, output: output)
        var members = MemberRuns()
        scanner.skipWhitespace()
        guard try scanner.peek() == UInt8(ascii: "{") else { return nil }
        scanner.position += 1
        scanner.skipWhitespace()
        guard try scanner.peek() == UInt8(ascii: "\"") else { return nil }
        minimizer.sink.byte(UInt8(ascii: "{"))
        var seen: UInt64 = 0
        var position = 0
        while true {
            guard try scanner.peek() == UInt8(ascii: "\"") else { return nil }
            scanner.tokenCount = 0
            try scanner.string()
            var offset = order.property(at: position, ifNamedBy: view, in: program, root: root)
            if offset < 0 {
                scanner.tokens[0].fingerprint = JSONStrings.fingerprint(scanner.base, scanner.count, scanner.tokens[0])
                offset = program.property(of: root, named: 0, in: view)
                guard offset >= 0 else { return nil }
                order.remember(offset, at: position)
            }
            position += 1
            guard seen & (1 << UInt64(offset)) == 0 else { return nil }
            seen |= 1 << UInt64(offset)
            scanner.skipWhitespace()
            guard try scanner.peek() == UInt8(ascii: ":") else { return nil }
            scanner.position += 1
            scanner.skipWhitespace()
            let first = try scanner.peek()
            guard first != UInt8(ascii: "{"), first != UInt8(ascii: "[") else { return nil }
            try scanner.value(depth: 1)
            guard validator.validate(program.properties[Int(root.pointee.firstProperty) + offset].node, at: 1) else { return nil }
            if minimizes { members.minimize(actions[offset], &minimizer) }
            scanner.skipWhitespace()
            let separator = try scanner.peek()
            scanner.position += 1
            if separator == UInt8(ascii: "}") { break }
            guard separator == UInt8(ascii: ",") else { return nil }
            scanner.skipWhitespace()
        }
        scanner.skipWhitespace()
        guard scanner.position == scanner.count, root.pointee.requiredMask & ~seen == 0 else { return nil }
        guard minimizes else { return 0 }
        minimizer.flush(&members.run)
        minimizer.sink.byte(UInt8(ascii: "}"))
        return minimizer.sink.count
    }
}

/// `Minimizer.object`'s bookkeeping across the members of one payload.
private struct MemberRuns {
    /// A run of members copied as they came, pending (byte offsets in the payload).
    var run: (start: Int, end: Int)?
    var written = false

    /// `Minimizer.object`'s steps for one member, its name at token 0 and its value at 1.
    @inline(__always) mutating func minimize(_ action: FlatObjectPass.Action, _ minimizer: inout Minimizer) {
        let view = minimizer.view
        switch action {
        case .removed:
            minimizer.flush(&run)
        case .unnamed:
            guard minimizer.look(at: 1) == .plain else {
                minimizer.flush(&run)  // removed: a value is never walked here (no containers)
                return
            }
            if run == nil {
                if written { minimizer.sink.byte(UInt8(ascii: ",")) }
                run = (Int(view[0].start), 0)
            }
            run!.end = Int(view[1].end)
            written = true
        case .named(let node):
            minimizer.flush(&run)
            let mark = minimizer.sink.count
            if written { minimizer.sink.byte(UInt8(ascii: ",")) }
            minimizer.sink.bytes(UnsafeBufferPointer(start: view.base + Int(view[0].start), count: Int(view[1].start - view[0].start)))
            if minimizer.value(node: node, at: 1) {
                written = true
            } else {
                minimizer.sink.truncate(to: mark)
            }
        }
    }
}

/// The declared properties a device's payload named, in order, as the property offsets of the
/// last payload: a hint, kept by the caller per connection, that is right as long as the device
/// writes its members in the same order. Up to 16 positions.
public struct MemberOrder: Sendable {
    /// Offset + 1 per position; 0: nothing remembered. What the caller keeps.
    public var offsets: SIMD16<UInt8>

    public init(_ offsets: SIMD16<UInt8> = SIMD16()) { self.offsets = offsets }

    /// The property remembered at `position` if the name at token 0 of `view` is its name, or -1.
    @inline(__always) func property(
        at position: Int, ifNamedBy view: JSONView, in program: SchemaProgram, root: UnsafePointer<SchemaNode>
    ) -> Int {
        guard position < 16, offsets[position] != 0 else { return -1 }
        let offset = Int(offsets[position]) - 1
        // A hint is the caller's to keep, and may be another flow's.
        guard offset < Int(root.pointee.propertyCount) else { return -1 }
        return program.isNamed(program.properties[Int(root.pointee.firstProperty) + offset], by: 0, in: view) ? offset : -1
    }

    @inline(__always) mutating func remember(_ offset: Int, at position: Int) {
        if position < 16 { offsets[position] = UInt8(offset + 1) }
    }
}
