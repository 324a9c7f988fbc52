/// A horizontal bar chart drawn as inline SVG on the server: nothing to fetch, nothing to run
/// in the browser, readable without JavaScript and printable.
struct SVGBarChart {
    struct Bar {
        var label: String
        var value: Double
        /// The text written at the end of the bar (`12 · 8.3%`).
        var text: String
    }

    var title: String
    var bars: [Bar]
    var width = 460
    var labelWidth = 170
    var barHeight = 18
    var gap = 6
    var color = "#2f6db5"

    var svg: String {
        let height = max(1, bars.count) * (barHeight + gap) + gap
        let plot = Double(width - labelWidth - 90)
        let maximum = bars.map(\.value).max() ?? 0
        var out = """
            <svg class="chart" role="img" aria-label="\(HTML.escape(title))" viewBox="0 0 \(width) \(height)" \
            width="\(width)" height="\(height)" xmlns="http://www.w3.org/2000/svg"><title>\(HTML.escape(title))</title>
            """
        if bars.isEmpty {
            out += "<text x=\"0\" y=\"16\" class=\"muted\">no data</text>"
        }
        for (index, bar) in bars.enumerated() {
            let y = gap + index * (barHeight + gap)
            let length = maximum > 0 ? max(bar.value > 0 ? 1 : 0, plot * bar.value / maximum) : 0
            let middle = y + barHeight / 2 + 4
            out += "<text x=\"\(labelWidth - 6)\" y=\"\(middle)\" text-anchor=\"end\">\(HTML.escape(Self.clip(bar.label, 26)))</text>"
            out += "<rect x=\"\(labelWidth)\" y=\"\(y)\" width=\"\(HTML.decimal(length))\" height=\"\(barHeight)\" rx=\"2\" fill=\"\(color)\">"
            out += "<title>\(HTML.escape(bar.label)): \(HTML.escape(bar.text))</title></rect>"
            out += "<text x=\"\(HTML.decimal(Double(labelWidth) + length + 5))\" y=\"\(middle)\">\(HTML.escape(bar.text))</text>"
        }
        return out + "</svg>"
    }

    /// A label cut to `limit` characters with an ellipsis (the full text is in the bar's tooltip).
    static func clip(_ text: String, _ limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(limit - 1)) + "…"
    }
}
