import Foundation

/// A line chart drawn as inline SVG: the report page carries its charts in itself, with no
/// script and no asset fetched from anywhere.
struct SVGChart {
    struct Series {
        let name: String
        let color: String
        /// (x, y); a nil y breaks the line (no value that second).
        let points: [(x: Double, y: Double?)]
    }

    let title: String
    let unit: String
    var series: [Series]
    var marks: [SimulationReport.Mark] = []
    var width = 920.0
    var height = 240.0

    private let left = 64.0, right = 16.0, top = 28.0, bottom = 34.0

    func svg() -> String {
        let xs = series.flatMap { $0.points.map(\.x) }
        let ys = series.flatMap { $0.points.compactMap(\.y) }
        let xMin = xs.min() ?? 0, xMax = max(xs.max() ?? 1, xMin + 1)
        let yMax = Self.niceCeiling(ys.max() ?? 1)
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        func px(_ x: Double) -> Double { left + (x - xMin) / (xMax - xMin) * plotWidth }
        func py(_ y: Double) -> Double { top + plotHeight - y / yMax * plotHeight }

        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(Int(width)) \(Int(height))" role="img" \
            aria-label="\(Self.escape(title))" class="chart">
            <text x="\(Int(left))" y="18" class="title">\(Self.escape(title)) (\(Self.escape(unit)))</text>

            """
        for step in 0...4 {
            let value = yMax * Double(step) / 4
            let y = py(value)
            out += "<line x1=\"\(f(left))\" y1=\"\(f(y))\" x2=\"\(f(width - right))\" y2=\"\(f(y))\" class=\"grid\"/>"
            out += "<text x=\"\(f(left - 6))\" y=\"\(f(y + 4))\" class=\"tick\" text-anchor=\"end\">\(Self.short(value))</text>\n"
        }
        for step in 0...6 {
            let value = xMin + (xMax - xMin) * Double(step) / 6
            out += "<text x=\"\(f(px(value)))\" y=\"\(f(height - 14))\" class=\"tick\" text-anchor=\"middle\">\(Int(value.rounded())) s</text>\n"
        }
        for mark in marks where mark.t >= xMin && mark.t <= xMax {
            let x = px(mark.t)
            out += "<line x1=\"\(f(x))\" y1=\"\(f(top))\" x2=\"\(f(x))\" y2=\"\(f(top + plotHeight))\" class=\"mark\"/>"
            out += "<text x=\"\(f(x + 3))\" y=\"\(f(top + 10))\" class=\"marklabel\">\(Self.escape(mark.label))</text>\n"
        }
        for line in series {
            var path = ""
            var pen = false
            for point in line.points {
                guard let y = point.y else { pen = false; continue }
                path += "\(pen ? "L" : "M")\(f(px(point.x))) \(f(py(y))) "
                pen = true
            }
            if !path.isEmpty {
                out += "<path d=\"\(path)\" fill=\"none\" stroke=\"\(line.color)\" stroke-width=\"1.6\"/>\n"
            }
        }
        var legendX = left + 8
        for line in series {
            out += "<rect x=\"\(f(legendX))\" y=\"\(f(height - 10))\" width=\"10\" height=\"3\" fill=\"\(line.color)\"/>"
            out += "<text x=\"\(f(legendX + 14))\" y=\"\(f(height - 6))\" class=\"legend\">\(Self.escape(line.name))</text>\n"
            legendX += 22 + Double(line.name.count) * 6.5
        }
        return out + "</svg>"
    }

    private func f(_ value: Double) -> String { String(format: "%.1f", value) }

    /// 1, 2 or 5 times a power of ten, at least `value` (and at least 1).
    static func niceCeiling(_ value: Double) -> Double {
        guard value > 1 else { return 1 }
        let power = pow(10, floor(log10(value)))
        for factor in [1.0, 2, 5, 10] where factor * power >= value { return factor * power }
        return 10 * power
    }

    static func short(_ value: Double) -> String {
        if value >= 1_000_000 { return String(format: "%.1fM", value / 1_000_000) }
        if value >= 10_000 { return String(format: "%.0fk", value / 1000) }
        if value == value.rounded() { return String(Int(value)) }
        return String(format: "%.1f", value)
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
