import Foundation

/// Everything the broker does with one flow's payloads, compiled once per declaration: strict
/// parsing, the schema, the minimization rules, the aggregation.
///
/// `process` is the hot path, run on every telemetry PUBLISH: for a payload of up to 64 values it
/// allocates the output bytes and nothing else (tokens live on the stack; a regular expression,
/// or a string with escapes that a rule must examine, costs more). `hearth-bench
/// telemetry-pipeline` measures it.
///
/// What is forwarded is the payload with the rules applied: members no rule changes are copied
/// byte for byte (escapes, and whitespace inside their values, kept), members a rule changes are
/// written compactly. Without rules the payload goes on exactly as it came. Refusal reasons never
/// quote the payload.
public struct FlowPipeline: Sendable {
    public let declaration: FlowDeclaration
    let plan: MinimizationPlan

    public init(_ declaration: FlowDeclaration) {
        self.declaration = declaration
        plan = MinimizationPlan(declaration.minimization)
    }

    /// Parse, validate, minimize. `window` is the aggregation state of this device's flow (the
    /// caller keeps one per device and flow; nil until first use), ignored without an aggregate
    /// rule.
    public func process(_ payload: UnsafeRawBufferPointer, at time: Date, window: inout AggregationWindow?) -> TelemetryVerdict {
        let verdict: TelemetryVerdict
        // The schema's program, not the schema: a closure capturing the declaration (or the
        // schema, with its text) would copy it, at a retain per reference, on every payload.
        let (schema, plan) = (declaration.schema.program, plan)
        do {
            verdict = try JSONParser.withParsed(payload) { view in
                if let violation = schema.violation(in: view) {
                    return .refused(TelemetryRefusal(
                        kind: .schema, reason: "payload does not match the flow's schema: \(violation)", violation: violation))
                }
                if let aggregate = plan.aggregate {
                    return .absorbed(emitted: Self.absorb(view, plan, aggregate, at: time, into: &window))
                }
                if plan.isEmpty { return .forward(Array(payload)) }
                return .forward([UInt8](unsafeUninitializedCapacity: plan.outputBound(payload.count)) { buffer, count in
                    var minimizer = Minimizer(plan: plan, view: view, output: buffer.baseAddress!)
                    minimizer.document()
                    count = minimizer.sink.count
                })
            }
        } catch {
            return .refused(TelemetryRefusal(kind: .notJSON, reason: "payload is not JSON: \(error)"))
        }
        return verdict
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
