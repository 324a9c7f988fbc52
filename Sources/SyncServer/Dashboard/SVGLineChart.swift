/// A line chart over periods (months) drawn as inline SVG on the server. Missing values (a
/// month with nothing to measure) break the line instead of pretending to be zero.
struct SVGLineChart {
    struct Point {
        /// The x label (`2025-03`).
        var label: String
        var value: Double?
        /// The tooltip text (`2025-03: 41 tasks`).
        var text: String
    }

    var title: String
    var points: [Point]
    /// Fixed top of the y axis (100 for percentages); nil: the largest value.
    var ceiling: Double?
    /// Bottom of the y axis: 0, or more where only the top of the scale moves (a satisfaction
    /// score between 76 and 80 points would draw a flat line on 0…100).
    var floor = 0.0
    /// Suffix of the y-axis labels (`%`).
    var unit = ""
    var width = 560
    var height = 200
    var color = "#2f6db5"

    var svg: String {
        let left = 52.0, right = 24.0, top = 12.0, bottom = 34.0
        let plotWidth = Double(width) - left - right, plotHeight = Double(height) - top - bottom
        let maximum = max(ceiling ?? 0, points.compactMap(\.value).max() ?? 0, floor + 1)
        func x(_ index: Int) -> Double {
            points.count <= 1 ? left + plotWidth / 2 : left + plotWidth * Double(index) / Double(points.count - 1)
        }
        func y(_ value: Double) -> Double { top + plotHeight * (1 - (value - floor) / (maximum - floor)) }
        var out = """
            <svg class="chart wide" role="img" aria-label="\(HTML.escape(title))" viewBox="0 0 \(width) \(height)" \
            width="\(width)" height="\(height)" xmlns="http://www.w3.org/2000/svg"><title>\(HTML.escape(title))</title>
            """
        for fraction in [0.0, 0.5, 1.0] {
            let value = floor + (maximum - floor) * fraction
            let label = ceiling != nil || maximum >= 10 ? String(Int(value.rounded())) : HTML.decimal(value)
            out += "<line x1=\"\(left)\" x2=\"\(Double(width) - right)\" y1=\"\(HTML.decimal(y(value)))\" y2=\"\(HTML.decimal(y(value)))\" class=\"grid\"/>"
            out += "<text x=\"\(left - 4)\" y=\"\(HTML.decimal(y(value) + 4))\" text-anchor=\"end\" class=\"axis\">\(HTML.escape(label + unit))</text>"
        }
        let step = max(1, Int((Double(points.count) / 7).rounded(.up)))
        for (index, point) in points.enumerated() where index % step == 0 {
            out += "<text x=\"\(HTML.decimal(x(index)))\" y=\"\(height - 14)\" text-anchor=\"middle\" class=\"axis\">\(HTML.escape(point.label))</text>"
        }
        // Runs of consecutive known values become one polyline each.
        var run: [String] = []
        func flush() {
            if run.count > 1 { out += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(run.joined(separator: " "))\"/>" }
            run = []
        }
        for (index, point) in points.enumerated() {
            guard let value = point.value else { flush(); continue }
            run.append("\(HTML.decimal(x(index))),\(HTML.decimal(y(value)))")
        }
        flush()
        for (index, point) in points.enumerated() {
            guard let value = point.value else { continue }
            out += "<circle cx=\"\(HTML.decimal(x(index)))\" cy=\"\(HTML.decimal(y(value)))\" r=\"3\" fill=\"\(color)\"><title>\(HTML.escape(point.text))</title></circle>"
        }
        if points.isEmpty { out += "<text x=\"\(left)\" y=\"\(top + 16)\" class=\"muted\">no data</text>" }
        return out + "</svg>"
    }
}
