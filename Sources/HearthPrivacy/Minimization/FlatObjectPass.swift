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
/// What it learned of the device's last payload (``MemberMemo``, which the caller keeps per
/// connection) spares it most of the work: a member's name is first compared with the property
/// the same position named, and a member that comes again byte for byte is taken as it was.
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
    /// bytes are written, and the payload goes on as it came. `memo`: the caller's, for this
    /// device's payloads (``MemberMemo``).
    func pass(_ payload: UnsafeRawBufferPointer, memo: MemberMemo, into output: UnsafeMutablePointer<UInt8>) -> Int? {
        guard let base = payload.baseAddress?.assumingMemoryBound(to: UInt8.self), payload.count > 0 else { return nil }
        // Two tokens, reused by every member: its name (0) and its value (1).
        let decided = withUnsafeTemporaryAllocation(of: JSONToken.self, capacity: 2) { tokens -> (written: Int, members: Int)? in
            var scanner = JSONScanner(base: base, count: payload.count, tokens: tokens.baseAddress!, capacity: 2)
            do {
                return try object(&scanner, JSONView(bytes: payload, tokens: UnsafeBufferPointer(tokens)), memo: memo, output)
            } catch {
                return nil
            }
        }
        guard let decided else {
            memo.forget()
            return nil
        }
        memo.keep(payload, positions: decided.members, for: self)
        return decided.written
    }

    /// The state lives in locals, not in a struct passed around: the compiler then sees that the
    /// program and the plan stay put, and counts no references per member. The bytes written and
    /// the members read, or nil.
    private func object(
        _ scanner: inout JSONScanner, _ view: JSONView, memo: MemberMemo, _ output: UnsafeMutablePointer<UInt8>
    ) throws(JSONSyntaxError) -> (written: Int, members: Int)? {
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
            let start = scanner.position
            let offset: Int
            let plain: Bool
            if let known = memo.entry(at: position, for: self, scanner.base, from: start, count: scanner.count) {
                // The same bytes as last time: the same tokens, checked and examined then.
                let shift = UInt32(truncatingIfNeeded: start)
                (scanner.tokens[0], scanner.tokens[1]) = (known.pointee.name.moved(by: shift), known.pointee.value.moved(by: shift))
                scanner.position = start + Int(known.pointee.length)
                offset = Int(known.pointee.property)
                plain = known.pointee.plain
                memo.moved(position, to: start)
            } else {
                scanner.tokenCount = 0
                try scanner.string()
                var named = memo.property(at: position, for: self)
                if named < 0 || !program.isNamed(program.properties[Int(root.pointee.firstProperty) + named], by: 0, in: view) {
                    scanner.tokens[0].fingerprint = JSONStrings.fingerprint(scanner.base, scanner.count, scanner.tokens[0])
                    named = program.property(of: root, named: 0, in: view)
                    guard named >= 0 else { return nil }
                }
                offset = named
                scanner.skipWhitespace()
                guard try scanner.peek() == UInt8(ascii: ":") else { return nil }
                scanner.position += 1
                scanner.skipWhitespace()
                let first = try scanner.peek()
                guard first != UInt8(ascii: "{"), first != UInt8(ascii: "[") else { return nil }
                try scanner.value(depth: 1)
                guard validator.validate(program.properties[Int(root.pointee.firstProperty) + offset].node, at: 1) else { return nil }
                // Looked for only where it counts: a member no rule names.
                if minimizes, case .unnamed = actions[offset] { plain = minimizer.look(at: 1) == .plain } else { plain = true }
                memo.record(position, start: start, end: scanner.position, tokens: scanner.tokens, property: offset, plain: plain)
            }
            position += 1
            guard seen & (1 << UInt64(offset)) == 0 else { return nil }
            seen |= 1 << UInt64(offset)
            if minimizes { members.minimize(actions[offset], plain: plain, &minimizer) }
            scanner.skipWhitespace()
            let separator = try scanner.peek()
            scanner.position += 1
            if separator == UInt8(ascii: "}") { break }
            guard separator == UInt8(ascii: ",") else { return nil }
            scanner.skipWhitespace()
        }
        scanner.skipWhitespace()
        guard scanner.position == scanner.count, root.pointee.requiredMask & ~seen == 0 else { return nil }
        guard minimizes else { return (0, position) }
        minimizer.flush(&members.run)
        minimizer.sink.byte(UInt8(ascii: "}"))
        return (minimizer.sink.count, position)
    }
}

/// `Minimizer.object`'s bookkeeping across the members of one payload.
private struct MemberRuns {
    /// A run of members copied as they came, pending (byte offsets in the payload).
    var run: (start: Int, end: Int)?
    var written = false

    /// `Minimizer.object`'s steps for one member, its name at token 0 and its value at 1;
    /// `plain`: whether the rules' redactions leave its value as it is (`Minimizer.look`).
    @inline(__always) mutating func minimize(_ action: FlatObjectPass.Action, plain: Bool, _ minimizer: inout Minimizer) {
        let view = minimizer.view
        switch action {
        case .removed:
            minimizer.flush(&run)
        case .unnamed:
            guard plain else {
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
