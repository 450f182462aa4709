import Foundation

/// Everything the broker does with one flow's payloads, compiled once per declaration: strict
/// parsing, the schema, the minimization rules, the aggregation.
///
/// `forward` (and `process`, for a flow that aggregates) is the hot path, run on every telemetry
/// PUBLISH: for a payload of up to 64 values it allocates nothing but the output the caller asks
/// for (tokens live on the stack; a regular expression, or a string with escapes that a rule must
/// examine, costs more). `hearth-bench telemetry-pipeline` measures it.
///
/// What is forwarded is the payload with the rules applied: members no rule changes are copied
/// byte for byte (escapes, and whitespace inside their values, kept), members a rule changes are
/// written compactly. Without rules the payload goes on exactly as it came. Refusal reasons never
/// quote the payload.
///
/// A class: the broker calls it through the flow it holds, and a struct this size (the
/// declaration is in it) was copied out of that flow for every call.
public final class FlowPipeline: Sendable {
    public let declaration: FlowDeclaration
    let plan: MinimizationPlan
    /// The one pass for flat payloads, when the flow's schema and rules allow it.
    package let flat: FlatObjectPass?

    public init(_ declaration: FlowDeclaration) {
        self.declaration = declaration
        plan = MinimizationPlan(declaration.minimization)
        flat = FlatObjectPass(program: declaration.schema.program, plan: plan)
    }

    /// Parse, validate, minimize. `window` is the aggregation state of this device's flow (the
    /// caller keeps one per device and flow; nil until first use), ignored without an aggregate
    /// rule.
    public func process(_ payload: UnsafeRawBufferPointer, at time: Date, window: inout AggregationWindow?) -> TelemetryVerdict {
        guard let aggregate = plan.aggregate else {
            var output: [UInt8] = []
            let refusal = forward(payload, memo: MemberMemo()) { capacity, fill in
                output = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in count = fill(buffer.baseAddress!) }
            }
            return refusal.map { .refused($0) } ?? .forward(output)
        }
        // The schema's program, not the schema: a closure capturing the declaration (or the
        // schema, with its text) would copy it, at a retain per reference, on every payload.
        let (schema, plan) = (declaration.schema.program, plan)
        do {
            return try JSONParser.withParsed(payload) { view in
                if let violation = schema.violation(in: view) { return .refused(Self.refusal(violation)) }
                return .absorbed(emitted: Self.absorb(view, plan, aggregate, at: time, into: &window))
            }
        } catch {
            return .refused(Self.notJSON(error))
        }
    }

    /// The broker's hot path, for a flow that does not aggregate (``FlowDeclaration/aggregates``):
    /// parse, validate and minimize into memory the caller provides — `output` is asked once, for
    /// room for at most `capacity` bytes, which `fill` writes, returning how many — so that the
    /// payload is written where it is sent from rather than copied there. Nil when the payload
    /// was written; otherwise why it was refused, and `fill` wrote nothing (0 bytes). `memo` is
    /// what the one pass learned of the device's last payload (``MemberMemo``): one per device,
    /// kept between payloads.
    public func forward(
        _ payload: UnsafeRawBufferPointer, memo: MemberMemo,
        into output: (_ capacity: Int, _ fill: (UnsafeMutablePointer<UInt8>) -> Int) -> Void
    ) -> TelemetryRefusal? {
        precondition(plan.aggregate == nil, "an aggregating flow's payloads go through process(_:at:window:)")
        var refusal: TelemetryRefusal?
        output(plan.outputBound(payload.count)) { target in
            if let flat, let count = onePass(payload, flat, memo: memo, into: target) { return count }
            return generally(payload, into: target, refusal: &refusal)
        }
        // Moved out: a copy here is an outlined copy and destruction of the optional on every payload.
        return consume refusal
    }

    /// What the one pass forwards for `payload`, or nil when it does not decide — and with
    /// ``generalOutput(_:)``, what the general path forwards: `FlatObjectPassTests` and the fuzz
    /// target hold the two to the same bytes.
    package func onePassOutput(_ payload: UnsafeRawBufferPointer, _ flat: FlatObjectPass, memo: MemberMemo) -> [UInt8]? {
        var decided: Int?
        let written = [UInt8](unsafeUninitializedCapacity: plan.outputBound(payload.count)) { buffer, count in
            decided = onePass(payload, flat, memo: memo, into: buffer.baseAddress!)
            count = decided ?? 0
        }
        return decided.map { _ in written }
    }

    /// What the general path forwards for `payload`, or nil when it refuses it.
    package func generalOutput(_ payload: UnsafeRawBufferPointer) -> [UInt8]? {
        var refusal: TelemetryRefusal?
        let written = [UInt8](unsafeUninitializedCapacity: plan.outputBound(payload.count)) { buffer, count in
            count = generally(payload, into: buffer.baseAddress!, refusal: &refusal)
        }
        return refusal == nil ? written : nil
    }

    /// The one pass (``FlatObjectPass``), written into `target` (room for
    /// `plan.outputBound(payload.count)`) before it knows the answer: the bytes written, or nil
    /// when it did not decide (and what it wrote is garbage).
    private func onePass(
        _ payload: UnsafeRawBufferPointer, _ flat: FlatObjectPass, memo: MemberMemo, into target: UnsafeMutablePointer<UInt8>
    ) -> Int? {
        guard let count = flat.pass(payload, memo: memo, into: target) else { return nil }
        guard plan.isEmpty else { return count }
        UnsafeMutableRawPointer(target).copyMemory(from: payload.baseAddress!, byteCount: payload.count)
        return payload.count
    }

    /// Parse, validate, minimize: three walks over the payload, for any payload, written into
    /// `target` (room for `plan.outputBound(payload.count)`): the bytes written, or 0 with
    /// `refusal` set.
    private func generally(
        _ payload: UnsafeRawBufferPointer, into target: UnsafeMutablePointer<UInt8>, refusal: inout TelemetryRefusal?
    ) -> Int {
        let (schema, plan) = (declaration.schema.program, plan)
        do {
            return try JSONParser.withParsed(payload) { view -> Int in
                if let violation = schema.violation(in: view) {
                    refusal = Self.refusal(violation)
                    return 0
                }
                if plan.isEmpty {
                    UnsafeMutableRawPointer(target).copyMemory(from: payload.baseAddress!, byteCount: payload.count)
                    return payload.count
                }
                var minimizer = Minimizer(plan: plan, view: view, output: target)
                minimizer.document()
                return minimizer.sink.count
            }
        } catch {
            refusal = Self.notJSON(error)
            return 0
        }
    }

    private static func notJSON(_ error: JSONSyntaxError) -> TelemetryRefusal {
        TelemetryRefusal(kind: .notJSON, reason: "payload is not JSON: \(error)")
    }

    private static func refusal(_ violation: SchemaViolation) -> TelemetryRefusal {
        TelemetryRefusal(kind: .schema, reason: "payload does not match the flow's schema: \(violation)", violation: violation)
    }

    private static func absorb(
        _ view: JSONView, _ plan: MinimizationPlan, _ spec: AggregateSpec, at time: Date, into window: inout AggregationWindow?
    ) -> [UInt8]? {
        let start = DurationText.floor(AggregationWindow.seconds(time), toMultipleOf: spec.window)
        var emitted: [UInt8]?
        if window?.spec === spec {
            if window!.samples == 0 {
                window!.reset(start: start)
            } else if start > window!.start {
                emitted = window!.emit()
                window!.reset(start: start)
            }
        } else {
            // A window kept from another declaration of the flow is closed as it was.
            emitted = window.flatMap { $0.samples > 0 ? $0.emit() : nil }
            window = AggregationWindow(spec: spec, start: start)
        }
        window!.samples += 1
        for (index, field) in spec.fields.enumerated() {
            window!.absorb(Minimizer.field(field, of: view, plan: plan), field: index)
        }
        return emitted
    }
}
