import NIOConcurrencyHelpers
import SyncCore

/// The public reform page (`GET /reforms`): the reforms headquarters published, for anyone,
/// without sign-in. Self-contained HTML (inline style, no script, nothing fetched from
/// elsewhere), every value escaped; it names no person.
struct PublicReformsPage {
    var reforms: [PublicReform]
    var agency = "Public Procurement Service"

    var html: String {
        var out = """
            <!doctype html><html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Reforms made from your suggestions</title>
            <style>
            body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;background:#f6f7f9;color:#1d2430}
            header{background:#1f3b63;color:#fff;padding:1.2rem 1.5rem}h1{margin:0;font-size:1.4rem}
            header p{margin:.3rem 0 0;opacity:.85}main{max-width:60rem;margin:0 auto;padding:1rem 1.5rem}
            article{background:#fff;border:1px solid #d8dde5;border-radius:6px;padding:1rem 1.2rem;margin:0 0 1rem}
            article h2{margin:0 0 .4rem;font-size:1.1rem}dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem .8rem;margin:.6rem 0 0}
            dt{color:#5b6676}dd{margin:0}.status{display:inline-block;padding:.05rem .5rem;border-radius:1rem;font-size:.8rem;background:#e3f1e6;color:#1e5b2d}
            footer{color:#5b6676;font-size:.85rem;padding:1rem 1.5rem;text-align:center}
            </style></head><body>
            <header><h1>Reforms made from your suggestions</h1>
            <p>\(HTML.escape(agency)): reform tasks found by monitors, customers and staff, accepted and put into practice.</p></header>
            <main id="reforms">
            """
        if reforms.isEmpty { out += "<p id=\"no-reforms\">No reform has been published yet.</p>" }
        for reform in reforms {
            out += "<article class=\"reform\"><h2>\(HTML.escape(reform.title))</h2>"
            out += "<span class=\"status\">\(HTML.escape(reform.status))</span>"
            if let summary = reform.summary { out += "<p class=\"summary\">\(HTML.escape(summary))</p>" }
            out += "<dl>"
            func item(_ term: String, _ value: String?) {
                guard let value, !value.isEmpty else { return }
                out += "<dt>\(HTML.escape(term))</dt><dd>\(HTML.escape(value))</dd>"
            }
            item("Area", reform.area)
            item("Cause", reform.cause)
            item("Step reached", reform.stepReached)
            item("Decided on", reform.decidedOn)
            item("Implemented on", reform.implementedOn)
            item("Published on", reform.publishedOn)
            out += "</dl></article>"
        }
        out += """
            </main><footer>\(HTML.count(reforms.count)) reform(s) published by headquarters, in its own words; \
            suggestions come from the agency's monitors and customers.</footer></body></html>
            """
        return out
    }
}

/// The public page as last rendered, with the store's change count it was rendered at.
final class PublicPageCache: Sendable {
    private let state = NIOLockedValueBox<(generation: UInt64, html: String)?>(nil)

    func page(at generation: UInt64) -> String? {
        state.withLockedValue { $0?.generation == generation ? $0?.html : nil }
    }

    func keep(_ html: String, at generation: UInt64) {
        state.withLockedValue { $0 = (generation, html) }
    }
}
