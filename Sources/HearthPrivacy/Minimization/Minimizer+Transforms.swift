/// `round` and `coarsen`, and redactions between them, on one named value.
extension Minimizer {
    /// The value as the steps so far have left it.
    enum Current {
        case original
        /// `mantissa` × 10^-`scale`: a rounded number, or a coarsened one (`scale` 0).
        case decimal(mantissa: Int64, scale: Int)
        case double(Double)
        /// A coarsened RFC 3339 string, in Unix seconds.
        case timestamp(Int64)
    }

    mutating func transformed(_ node: MinimizationPlan.Node, at index: Int) -> Bool {
        var current = Current.original
        for position in Int(node.firstOperation)..<Int(node.firstOperation + node.operationCount) {
            switch plan.operations[position] {
            case .round(let step):
                guard let number = number(current, at: index) else { continue }
                if let rounded = step.round(number) {
                    current = .decimal(mantissa: rounded.mantissa, scale: rounded.scale)
                } else {
                    current = .double((number / step.value).rounded(.toNearestOrAwayFromZero) * step.value)
                }
            case .coarsen(let period):
                if let number = number(current, at: index) {
                    let floored = (number / Double(period)).rounded(.down) * Double(period)
                    current = floored.magnitude < 9.0e15 ? .decimal(mantissa: Int64(floored), scale: 0) : .double(floored)
                } else if let seconds = timestamp(current, at: index) {
                    current = .timestamp(DurationText.floor(seconds, toMultipleOf: period))
                }
            case .redact(let set):
                if isRedacted(current, at: index, by: set) { return false }
            }
        }
        switch current {
        case .original:
            switch view[index].kind {
            case .object: object(node, at: index)
            case .array: array(at: index)
            default: sink.bytes(view.text(of: index))  // every redaction has already looked at it
            }
        case .decimal(let mantissa, let scale): sink.decimal(mantissa: mantissa, scale: scale)
        case .double(let value): sink.number(value, integral: true)
        case .timestamp(let seconds):
            if !RFC3339Bytes.write(seconds, to: &sink) { sink.bytes(view.text(of: index)) }
        }
        return true
    }

    private func number(_ current: Current, at index: Int) -> Double? {
        switch current {
        case .original: view[index].kind == .number ? view.double(at: index) : nil
        case .decimal(let mantissa, let scale): Double(mantissa) / JSONNumbers.powerOfTen(scale)
        case .double(let value): value
        case .timestamp: nil
        }
    }

    private func timestamp(_ current: Current, at index: Int) -> Int64? {
        switch current {
        case .original:
            let token = view[index]
            guard token.kind == .string else { return nil }
            if token.isVerbatimString { return RFC3339Bytes.seconds(JSONStrings.content(view.base, token)) }
            return view.stringBytes(at: index).withUnsafeBufferPointer { RFC3339Bytes.seconds($0) }
        case .timestamp(let seconds): return seconds
        case .decimal, .double: return nil
        }
    }

    private func isRedacted(_ current: Current, at index: Int, by set: Int) -> Bool {
        switch current {
        case .original:
            return view[index].kind == .string && isRedacted(stringAt: index, by: set)
        case .timestamp(let seconds):
            return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: ByteSink.transformAllowance) { buffer in
                var text = ByteSink(buffer.baseAddress!)
                guard RFC3339Bytes.write(seconds, to: &text) else { return false }
                return Self.matches(UnsafeBufferPointer(start: text.base + 1, count: text.count - 2), set, plan)
            }
        case .decimal, .double: return false
        }
    }
}
